/**
 * Byte helpers shared by the whole engine.
 *
 * Redis strings are binary. The engine carries them as `Uint8Array` (so it runs unchanged in a
 * browser) and, where a JavaScript `Map` key is needed, as a "byte string": a JS string whose char
 * codes are the bytes 0..255 (latin1). The two conversions below are exact inverses for any bytes.
 */

const SHORT_STRING_BYTES = 64;
const CODE_ARRAYS: number[][] = [];

/** Converts bytes to a byte string (one char per byte, codes 0..255). */
export function bytesToBinary(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const length = end - start;
  if (length <= SHORT_STRING_BYTES) {
    // fromCharCode.apply over a reused plain array builds a flat string in one call; appending
    // char by char builds a rope that Map must flatten, and applying a typed array is slower.
    const codes = (CODE_ARRAYS[length] ??= new Array<number>(length));
    for (let i = 0; i < length; i++) codes[i] = bytes[start + i]!;
    return String.fromCharCode.apply(null, codes);
  }
  // Chunked to stay under the engine's argument-count limit for apply().
  let out = "";
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  }
  return out;
}

/** Converts a byte string (char codes 0..255) back to bytes. */
export function binaryToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/** UTF-8 encodes a human string (command names typed by a user, INFO text, error messages). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8 bytes for display; invalid sequences become U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Bytes of a decimal integer, as Redis writes them (`ll2string`). */
export function decimalBytes(value: number): Uint8Array {
  return asciiBytes(String(value));
}

/** Encodes a string known to be ASCII without going through TextEncoder (hot paths). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** True when both byte ranges hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares bytes to an ASCII word case-insensitively (command names, options). */
export function equalsIgnoreCase(bytes: Uint8Array, lowerAscii: string): boolean {
  if (bytes.length !== lowerAscii.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    let c = bytes[i]!;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lowerAscii.charCodeAt(i)) return false;
  }
  return true;
}

/** Lower-cases ASCII bytes into a JS string (command lookup). */
export function lowerAscii(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    let c = bytes[i]!;
    if (c >= 65 && c <= 90) c |= 0x20;
    out += String.fromCharCode(c);
  }
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Where encoders write: a contiguous {@link ByteWriter}, or a client's chunked reply list. Encoders
 * reserve the exact size of what they write, fill {@link raw} in place from the offset `reserve`
 * returned, then `advance`; the reserved bytes are contiguous even when the sink as a whole is not.
 */
export interface ByteSink {
  /** Bytes written and not yet taken out. */
  readonly length: number;
  /** Makes room for `extra` contiguous bytes and returns their offset in {@link raw}. */
  reserve(extra: number): number;
  /** The array `reserve`'s offset points into; valid until the next `reserve`. */
  raw(): Uint8Array;
  /** Marks `count` bytes written in place after `reserve`. */
  advance(count: number): void;
  byte(value: number): void;
  bytes(data: Uint8Array, start?: number, end?: number): void;
  /** Writes an ASCII string (protocol words, decimal numbers). */
  ascii(text: string): void;
  /** Writes a byte string (char codes 0..255). */
  binary(text: string): void;
  /** Writes a decimal integer. */
  decimal(value: number): void;
}

/**
 * A growable byte buffer for building output (RDB files, stream bytes, encoded commands): one
 * contiguous array, for what must be contiguous. A client's replies go to its chunked reply list
 * instead (`redis/reply-buffer.ts`), which has no size limit of its own.
 */
export class ByteWriter implements ByteSink {
  private buffer: Uint8Array;
  private used = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.used;
  }

  /** Makes room for `extra` more bytes and returns the offset to write them at. */
  reserve(extra: number): number {
    const need = this.used + extra;
    if (need > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < need) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
    }
    return this.used;
  }

  /** The underlying buffer; valid until the next write. For tight loops that write in place. */
  raw(): Uint8Array {
    return this.buffer;
  }

  /** Marks `count` bytes written in place after `reserve()`. */
  advance(count: number): void {
    this.used += count;
  }

  byte(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
    this.used = at + 1;
  }

  bytes(data: Uint8Array, start = 0, end = data.length): void {
    const count = end - start;
    const at = this.reserve(count);
    if (count < 16) {
      for (let i = 0; i < count; i++) this.buffer[at + i] = data[start + i]!;
    } else {
      this.buffer.set(data.subarray(start, end), at);
    }
    this.used = at + count;
  }

  /** Writes an ASCII string (protocol words, decimal numbers). */
  ascii(text: string): void {
    const at = this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[at + i] = text.charCodeAt(i);
    this.used = at + text.length;
  }

  /** Writes a byte string (char codes 0..255). */
  binary(text: string): void {
    this.ascii(text);
  }

  /** Writes a decimal integer. */
  decimal(value: number): void {
    this.ascii(String(value));
  }

  /** A view of the written bytes (shares memory with the writer until the next write). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  /** A copy of the written bytes. */
  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.used);
  }

  /** Takes the written bytes and empties the writer. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.used);
    this.used = 0;
    return out;
  }

  clear(): void {
    this.used = 0;
  }
}
