/**
 * SSDB's wire formats (`src/net/link.cpp`, `src/net/link_redis.cpp`).
 *
 * A packet is a list of blocks, each `<decimal length>\n<bytes>\n`, ended by one more `\n`; `\r\n`
 * is accepted wherever `\n` is. The same port speaks the Redis protocol: when a request's first byte
 * (after blank lines) is `*`, it is read as a RESP multibulk, and the connection answers in RESP
 * from then on. Anything else that is not SSDB framing (an inline `SYNC\r\n`, `-ERR …`) is a parse
 * error, and ssdb-server drops the link without answering.
 */

const LF = 0x0a;
const CR = 0x0d;
const STAR = 0x2a;

/** `MAX_PACKET_SIZE`: a request longer than this is an error. */
const MAX_PACKET_BYTES = 128 * 1024 * 1024;
/** A block length line may hold at most 19 characters (`head_str[20]`). */
const MAX_LENGTH_LINE = 19;

/** Encodes a packet as ssdb-server writes it: each block `<len>\n<bytes>\n`, then `\n`. */
export function encodePacket(blocks: readonly Uint8Array[]): Uint8Array {
  let total = 1;
  for (const block of blocks) total += packetBlockLength(block.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const block of blocks) {
    at = writeBlockHead(out, at, block.length);
    out.set(block, at);
    at += block.length;
    out[at++] = LF;
  }
  out[at] = LF;
  return out;
}

/** Bytes a block of `length` bytes takes in a packet: its length line, the bytes, and `\n`. */
export function packetBlockLength(length: number): number {
  return decimalDigits(length) + 1 + length + 1;
}

/** Writes a block's length line (`<len>\n`) at `at`; returns where the block's bytes go. */
export function writeBlockHead(out: Uint8Array, at: number, length: number): number {
  const digits = decimalDigits(length);
  if (length < 0x8000_0000) {
    // Integer arithmetic for the lengths that occur (a block is at most 128 MiB).
    for (let i = digits - 1, v = length; i >= 0; i--) {
      const q = (v / 10) | 0;
      out[at + i] = 0x30 + v - q * 10;
      v = q;
    }
  } else {
    for (let i = digits - 1, v = length; i >= 0; i--, v = Math.floor(v / 10)) out[at + i] = 0x30 + (v % 10);
  }
  out[at + digits] = LF;
  return at + digits + 1;
}

/** Digits of a non-negative integer in decimal. */
function decimalDigits(value: number): number {
  if (value < 10) return 1;
  if (value < 100) return 2;
  if (value < 1000) return 3;
  let digits = 4;
  for (let v = Math.floor(value / 10_000); v >= 1; v = Math.floor(v / 10)) digits++;
  return digits;
}

/** One request read from a connection. */
export type ReadResult =
  | { readonly kind: "request"; readonly blocks: Uint8Array[]; readonly resp: boolean }
  | { readonly kind: "incomplete" }
  | { readonly kind: "error" };

/** What `LinkReader.scan` found at the front of the buffer. */
export const Scan = { REQUEST: 0, INCOMPLETE: 1, ERROR: 2 } as const;
export type ScanResult = (typeof Scan)[keyof typeof Scan];

/**
 * The input side of an SSDB `Link`: bytes accumulate; `next()` takes one whole request (SSDB packet
 * or RESP multibulk) off the front, like `Link::recv`, which re-parses the buffer from its start.
 *
 * `scan()` takes it without copying its blocks: they stay where they are in `bytes`, at
 * `blockStart(i)`..`blockEnd(i)`, until the next `push` (a slave's records and a client's SETs are
 * read there, and only what is kept is copied); `next()` hands them out as arrays of their own.
 */
export class LinkReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** The blocks of the request `scan` found: start and end offsets in `buffer`, in pairs. */
  private spans: number[] = [];
  private spanCount = 0;
  /** The request `scan` found was RESP. */
  resp = false;
  /** `buffer` is bytes as they were pushed (`push`), not the reader's own: never written. */
  private borrowed = false;
  /** `buffer` as a DataView (`repeatRun`), made again when the buffer changes. */
  private words: DataView | null = null;
  /** Where the request found last lies in `buffer` (`repeatRun`); -1: none since the last `push`. */
  private lastStart = -1;
  private lastEnd = -1;

  push(bytes: Uint8Array): void {
    // The buffer may move: `repeatRun` compares with what is found from now on.
    this.lastStart = -1;
    const live = this.end - this.start;
    if (live === 0 && bytes.length > 0) {
      // Nothing buffered: the reader reads the bytes where they are, and never writes there (they
      // are the sender's, who never changes bytes once sent).
      this.buffer = bytes;
      this.start = 0;
      this.end = bytes.length;
      this.borrowed = true;
      return;
    }
    if (this.borrowed) {
      // A buffer of its own for what is left of the borrowed bytes and the new ones.
      const grown = new Uint8Array(Math.max(1024, (live + bytes.length) * 2));
      grown.set(this.buffer.subarray(this.start, this.end));
      this.buffer = grown;
      this.start = 0;
      this.end = live;
      this.borrowed = false;
    } else if (this.end + bytes.length > this.buffer.length) {
      const needed = live + bytes.length;
      if (needed <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(1024, needed * 2));
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** Bytes buffered and not yet taken. */
  get pending(): number {
    return this.end - this.start;
  }

  /** The buffer the blocks of the last request `scan` found are in (valid until the next `push`). */
  get bytes(): Uint8Array {
    return this.buffer;
  }

  get blockCount(): number {
    return this.spanCount;
  }

  blockStart(index: number): number {
    return this.spans[2 * index]!;
  }

  blockEnd(index: number): number {
    return this.spans[2 * index + 1]!;
  }

  /** A block of the last request `scan` found, as an array of its own. */
  block(index: number): Uint8Array {
    return this.buffer.slice(this.spans[2 * index]!, this.spans[2 * index + 1]!);
  }

  next(): ReadResult {
    const found = this.scan();
    if (found === Scan.INCOMPLETE) return INCOMPLETE;
    if (found === Scan.ERROR) return ERROR;
    const blocks = new Array<Uint8Array>(this.spanCount);
    for (let i = 0; i < this.spanCount; i++) blocks[i] = this.block(i);
    return { kind: "request", blocks, resp: this.resp };
  }

  /** Takes one whole request off the front, leaving its blocks in place (see the class comment). */
  scan(): ScanResult {
    const buf = this.buffer;
    let at = this.start;
    // Leading empty lines are skipped (and consumed) before either protocol.
    while (at < this.end && (buf[at] === LF || buf[at] === CR)) at++;
    this.spanCount = 0;
    if (at >= this.end) {
      this.start = at;
      return Scan.INCOMPLETE;
    }
    this.resp = buf[at] === STAR;
    const end = this.resp ? this.parseResp(at) : this.parseSsdb(at);
    this.lastStart = -1;
    if (end === BAD) return Scan.ERROR;
    if (end === NEED_MORE) {
      this.start = at;
      this.spanCount = 0;
      return Scan.INCOMPLETE;
    }
    this.lastStart = at;
    this.lastEnd = end;
    this.start = end;
    return Scan.REQUEST;
  }

  /**
   * Takes requests off the front while each is byte for byte the request found last (by `scan` or
   * here), apart from its bytes `[skipFrom, skipTo)` (a record's seq), and follows that one
   * directly: `scan` would find the same blocks in it (a request's end and blocks follow from its
   * bytes alone), so they are that one's moved along. A pipeline of one request again and again (a
   * hot key's SETs, a master's records for it) is compared, not parsed. Returns how many it took
   * (at most `max`); the blocks are then the last one's.
   */
  repeatRun(skipFrom = 0, skipTo = 0, max = Number.MAX_SAFE_INTEGER): number {
    const last = this.lastStart;
    if (last < 0 || this.start !== this.lastEnd) return 0;
    const length = this.lastEnd - last;
    const buf = this.buffer;
    const skipStart = Math.min(skipFrom, length);
    const skipEnd = Math.min(skipTo, length);
    // Compared four bytes at a time.
    let words = this.words;
    if (words === null || words.buffer !== buf.buffer || words.byteOffset !== buf.byteOffset || words.byteLength !== buf.byteLength) {
      words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.words = words;
    }
    let at = this.start;
    let count = 0;
    while (count < max && this.end - at >= length && sameBytes(words, buf, at, last, skipStart) && sameBytes(words, buf, at + skipEnd, last + skipEnd, length - skipEnd)) {
      at += length;
      count++;
    }
    if (count === 0) return 0;
    const moved = at - this.start;
    const spans = this.spans;
    for (let i = 2 * this.spanCount - 1; i >= 0; i--) spans[i] = spans[i]! + moved;
    this.lastStart = at - length;
    this.lastEnd = at;
    this.start = at;
    return count;
  }

  /** Where the request `scan` or `repeatRun` found last starts (valid until the next `push`). */
  get requestStart(): number {
    return this.lastStart;
  }

  private addSpan(from: number, to: number): void {
    const i = 2 * this.spanCount++;
    this.spans[i] = from;
    this.spans[i + 1] = to;
  }

  /** The end of the SSDB packet at `from`, or `NEED_MORE` / `BAD`. */
  private parseSsdb(from: number): number {
    const buf = this.buffer;
    let at = from;
    for (;;) {
      const eol = lineEnd(buf, at, this.end);
      if (eol < 0) return NEED_MORE;
      const headLength = eol - at + 1;
      if (headLength === 1 || (headLength === 2 && buf[at] === CR)) return eol + 1;
      const first = buf[at]!;
      if (first < 0x30 || first > 0x39) return BAD;
      if (headLength - 1 > MAX_LENGTH_LINE) return BAD;
      // atoi: the leading digits of the line.
      let length = 0;
      for (let i = at; i < eol && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) length = length * 10 + (buf[i]! - 0x30);
      const body = eol + 1;
      if (body + length > this.end) return NEED_MORE;
      this.addSpan(body, body + length);
      at = body + length;
      if (at < this.end && buf[at] === LF) at += 1;
      else if (at + 1 < this.end && buf[at] === CR && buf[at + 1] === LF) at += 2;
      else if (this.end - at >= 2) return BAD;
      else return NEED_MORE;
      if (at - from > MAX_PACKET_BYTES) return BAD;
    }
  }

  /**
   * `RedisLink::parse_req`: `*<n>` then n `$<len>` bulks; the sigil of a length line is not checked.
   * Returns the end of the request, or `NEED_MORE` / `BAD`.
   */
  private parseResp(from: number): number {
    const buf = this.buffer;
    let at = from;
    let remaining = 0;
    for (;;) {
      const eol = lineEnd(buf, at, this.end);
      if (eol < 0) return NEED_MORE;
      const length = strtol(buf, at + 1, eol);
      at = eol + 1;
      if (length < 0) return BAD;
      if (remaining === 0 && this.spanCount === 0) {
        if (length <= 0) return BAD;
        remaining = length;
        continue;
      }
      if (length > this.end - at - 1) return NEED_MORE;
      this.addSpan(at, at + length);
      at += length + 1;
      if (at < this.end && buf[at] === LF) at += 1;
      remaining--;
      if (remaining === 0) return at;
    }
  }
}

/** What the parsers return instead of an end offset (offsets are never negative). */
const NEED_MORE = -1;
const BAD = -2;

const INCOMPLETE = { kind: "incomplete" } as const;
const ERROR = { kind: "error" } as const;

/**
 * The offset of the first `\n` in `buf[from, end)`, or -1. Length lines are a few bytes long: a loop
 * finds their end sooner than a call of `indexOf` does.
 */
function lineEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === LF) return i;
  return -1;
}

/** Whether `buf[a, a + length)` and `buf[b, b + length)` hold the same bytes (`words` is `buf`). */
function sameBytes(words: DataView, buf: Uint8Array, a: number, b: number, length: number): boolean {
  let i = 0;
  for (; i + 4 <= length; i += 4) if (words.getUint32(a + i) !== words.getUint32(b + i)) return false;
  for (; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** Whether `bytes[start, end)` holds the same bytes as `other`. */
export function spanEquals(bytes: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (bytes[start + i] !== other[i]) return false;
  return true;
}

/** `strtol(s, NULL, 10)` over `buf[from, to)`: optional spaces and sign, then digits (0 if none). */
function strtol(buf: Uint8Array, from: number, to: number): number {
  let at = from;
  while (at < to && (buf[at] === 0x20 || buf[at] === 0x09)) at++;
  let sign = 1;
  if (buf[at] === 0x2d) {
    sign = -1;
    at++;
  } else if (buf[at] === 0x2b) at++;
  let value = 0;
  while (at < to && buf[at]! >= 0x30 && buf[at]! <= 0x39) value = value * 10 + (buf[at++]! - 0x30);
  return sign * value;
}
