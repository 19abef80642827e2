/**
 * The compact encodings redis stores small values in and writes into RDB files as blobs:
 * listpack (7.0: lists' quicklist nodes, small hashes and sorted sets), intset (sets of
 * integers), and, for reading files of older versions, ziplist and zipmap. Byte layouts follow
 * listpack.c, intset.c, ziplist.c and zipmap.c of redis 7.0.15; the writer produces exactly the
 * bytes redis builds by appending entries one by one.
 */
import { RdbError } from "./errors.ts";

// ---- listpack -----------------------------------------------------------------------------------

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;

/** lpStringToInt64: the canonical decimal of an int64 (no '+', no leading zeros, no spaces). */
export function lpStringToInt64(bytes: Uint8Array): bigint | null {
  const len = bytes.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  if (len === 1 && bytes[0] === 0x30) return 0n;
  if (bytes[0] === 0x2d) {
    i = 1;
    if (len === 1) return null;
  }
  if (bytes[i]! < 0x31 || bytes[i]! > 0x39) return null;
  for (let j = i + 1; j < len; j++) if (bytes[j]! < 0x30 || bytes[j]! > 0x39) return null;
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return value;
}

/** Bytes of an entry's encoding + data (lpEncodeGetType's enclen). */
function entryBodySize(element: Uint8Array, asInt: bigint | null): number {
  if (asInt !== null) {
    const v = asInt;
    if (v >= 0n && v <= 127n) return 1;
    if (v >= -4096n && v <= 4095n) return 2;
    if (v >= -32768n && v <= 32767n) return 3;
    if (v >= -8388608n && v <= 8388607n) return 4;
    if (v >= -2147483648n && v <= 2147483647n) return 5;
    return 9;
  }
  const size = element.length;
  return size < 64 ? 1 + size : size < 4096 ? 2 + size : 5 + size;
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Total bytes one element takes in a listpack (entry plus backlen). */
export function lpEntrySize(element: Uint8Array): number {
  const body = entryBodySize(element, lpStringToInt64(element));
  return body + backlenSize(body);
}

/** lpBytes of a listpack holding `elements`. */
export function lpBytes(elements: readonly Uint8Array[]): number {
  let total = LP_HDR_SIZE + 1;
  for (const element of elements) total += lpEntrySize(element);
  return total;
}

/** Builds the listpack `lpAppend` makes of `elements`, in order. */
export function encodeListpack(elements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(lpBytes(elements));
  let p = LP_HDR_SIZE;
  for (const element of elements) {
    const asInt = lpStringToInt64(element);
    const start = p;
    if (asInt !== null) {
      p = writeLpInt(out, p, asInt);
    } else {
      const size = element.length;
      if (size < 64) {
        out[p++] = 0x80 | size;
      } else if (size < 4096) {
        out[p++] = 0xe0 | (size >>> 8);
        out[p++] = size & 0xff;
      } else {
        out[p++] = 0xf0;
        out[p++] = size & 0xff;
        out[p++] = (size >>> 8) & 0xff;
        out[p++] = (size >>> 16) & 0xff;
        out[p++] = (size >>> 24) & 0xff;
      }
      out.set(element, p);
      p += size;
    }
    p = writeBacklen(out, p, p - start);
  }
  out[p++] = LP_EOF;
  const total = out.length;
  out[0] = total & 0xff;
  out[1] = (total >>> 8) & 0xff;
  out[2] = (total >>> 16) & 0xff;
  out[3] = (total >>> 24) & 0xff;
  const count = elements.length < 65535 ? elements.length : 65535;
  out[4] = count & 0xff;
  out[5] = count >>> 8;
  return out;
}

function writeLpInt(out: Uint8Array, p: number, value: bigint): number {
  if (value >= 0n && value <= 127n) {
    out[p] = Number(value);
    return p + 1;
  }
  if (value >= -4096n && value <= 4095n) {
    let v = Number(value);
    if (v < 0) v += 1 << 13;
    out[p] = (v >>> 8) | 0xc0;
    out[p + 1] = v & 0xff;
    return p + 2;
  }
  const widths: [bigint, number, number][] = [
    [32767n, 0xf1, 2],
    [8388607n, 0xf2, 3],
    [2147483647n, 0xf3, 4],
  ];
  for (const [max, tag, bytes] of widths) {
    if (value >= -max - 1n && value <= max) {
      let v = value < 0n ? (1n << BigInt(bytes * 8)) + value : value;
      out[p++] = tag;
      for (let i = 0; i < bytes; i++) {
        out[p++] = Number(v & 0xffn);
        v >>= 8n;
      }
      return p;
    }
  }
  let v = BigInt.asUintN(64, value);
  out[p++] = 0xf4;
  for (let i = 0; i < 8; i++) {
    out[p++] = Number(v & 0xffn);
    v >>= 8n;
  }
  return p;
}

function writeBacklen(out: Uint8Array, p: number, l: number): number {
  const n = backlenSize(l);
  for (let i = n - 1; i >= 0; i--) {
    const group = Math.floor(l / 2 ** (7 * i)) & 127;
    out[p++] = i === n - 1 ? group : group | 128;
  }
  return p;
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The elements of a listpack blob (integers as their decimal text). Checks structure as it goes. */
export function decodeListpack(blob: Uint8Array): Uint8Array[] {
  const size = blob.length;
  if (size < LP_HDR_SIZE + 1 || u32le(blob, 0) !== size || blob[size - 1] !== LP_EOF) throw corrupt("Listpack integrity check failed.");
  const out: Uint8Array[] = [];
  let p = LP_HDR_SIZE;
  while (p < size - 1) {
    const start = p;
    const b = blob[p]!;
    let element: Uint8Array;
    if ((b & 0x80) === 0) {
      element = asciiBytes(String(b));
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      element = blob.slice(p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      let v = ((b & 0x1f) << 8) | blob[p + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      element = asciiBytes(String(v));
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      const len = ((b & 0x0f) << 8) | blob[p + 1]!;
      element = blob.slice(p + 2, p + 2 + len);
      p += 2 + len;
    } else if (b === 0xf0) {
      const len = u32le(blob, p + 1);
      element = blob.slice(p + 5, p + 5 + len);
      p += 5 + len;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const bytes = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      let v = 0n;
      for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(blob[p + 1 + i]!);
      element = asciiBytes(BigInt.asIntN(bytes * 8, v).toString());
      p += 1 + bytes;
    } else {
      throw corrupt("Listpack integrity check failed.");
    }
    if (p > size - 1) throw corrupt("Listpack integrity check failed.");
    p += backlenSize(p - start);
    out.push(element);
  }
  if (p !== size - 1) throw corrupt("Listpack integrity check failed.");
  return out;
}

// ---- intset ---------------------------------------------------------------------------------------

/** An intset blob for the given canonical integer strings (sorted here), in the narrowest width. */
export function encodeIntset(members: readonly string[]): Uint8Array {
  const values = members.map((m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = new Uint8Array(8 + values.length * width);
  writeU32le(out, 0, width);
  writeU32le(out, 4, values.length);
  let p = 8;
  for (const value of values) {
    let v = BigInt.asUintN(width * 8, value);
    for (let i = 0; i < width; i++) {
      out[p++] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  return out;
}

export function decodeIntset(blob: Uint8Array): string[] {
  const width = blob.length >= 8 ? u32le(blob, 0) : 0;
  const count = blob.length >= 8 ? u32le(blob, 4) : 0;
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + count * width !== blob.length || count === 0) throw corrupt("Intset integrity check failed.");
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let v = 0n;
    for (let j = width - 1; j >= 0; j--) v = (v << 8n) | BigInt(blob[8 + i * width + j]!);
    out.push(BigInt.asIntN(width * 8, v).toString());
  }
  return out;
}

// ---- ziplist (older files) ------------------------------------------------------------------------

/** The elements of a ziplist blob (integers as decimal text). */
export function decodeZiplist(blob: Uint8Array): Uint8Array[] {
  const size = blob.length;
  if (size < 11 || u32le(blob, 0) !== size || blob[size - 1] !== 0xff) throw corrupt("Ziplist integrity check failed.");
  const out: Uint8Array[] = [];
  let p = 10;
  while (blob[p] !== 0xff) {
    if (p >= size) throw corrupt("Ziplist integrity check failed.");
    p += blob[p] === 0xfe ? 5 : 1;
    const b = blob[p]!;
    const top = b >>> 6;
    if (top === 0) {
      out.push(blob.slice(p + 1, p + 1 + (b & 0x3f)));
      p += 1 + (b & 0x3f);
    } else if (top === 1) {
      const len = ((b & 0x3f) << 8) | blob[p + 1]!;
      out.push(blob.slice(p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0x80) {
      const len = ((blob[p + 1]! << 24) | (blob[p + 2]! << 16) | (blob[p + 3]! << 8) | blob[p + 4]!) >>> 0;
      out.push(blob.slice(p + 5, p + 5 + len));
      p += 5 + len;
    } else {
      const ints: Record<number, number> = { 0xc0: 2, 0xd0: 4, 0xe0: 8, 0xf0: 3, 0xfe: 1 };
      const bytes = ints[b];
      if (bytes !== undefined) {
        let v = 0n;
        for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(blob[p + 1 + i]!);
        out.push(asciiBytes(BigInt.asIntN(bytes * 8, v).toString()));
        p += 1 + bytes;
      } else if (b >= 0xf1 && b <= 0xfd) {
        out.push(asciiBytes(String((b & 0x0f) - 1)));
        p += 1;
      } else {
        throw corrupt("Ziplist integrity check failed.");
      }
    }
    if (p > size - 1) throw corrupt("Ziplist integrity check failed.");
  }
  return out;
}

/** The field/value pairs of a zipmap blob (hashes of files before 2.6). */
export function decodeZipmap(blob: Uint8Array): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  let p = 1;
  const readLen = (): number => {
    const b = blob[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    const len = u32le(blob, p + 1);
    p += 5;
    return len;
  };
  while (p < blob.length && blob[p] !== 0xff) {
    const klen = readLen();
    const key = blob.slice(p, p + klen);
    p += klen;
    const vlen = readLen();
    const free = blob[p]!;
    p += 1;
    const value = blob.slice(p, p + vlen);
    p += vlen + free;
    out.push([key, value]);
  }
  if (blob[p] !== 0xff) throw corrupt("Zipmap integrity check failed.");
  return out;
}

// ---- helpers --------------------------------------------------------------------------------------

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function writeU32le(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function corrupt(message: string): RdbError {
  return new RdbError("corrupt", message);
}
