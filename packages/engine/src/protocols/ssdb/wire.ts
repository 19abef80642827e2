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
  for (let i = digits - 1, v = length; i >= 0; i--, v = Math.floor(v / 10)) out[at + i] = 0x30 + (v % 10);
  out[at + digits] = LF;
  return at + digits + 1;
}

/** Digits of a non-negative integer in decimal. */
function decimalDigits(value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}

/** One request read from a connection. */
export type ReadResult =
  | { readonly kind: "request"; readonly blocks: Uint8Array[]; readonly resp: boolean }
  | { readonly kind: "incomplete" }
  | { readonly kind: "error" };

/**
 * The input side of an SSDB `Link`: bytes accumulate; `next()` takes one whole request (SSDB packet
 * or RESP multibulk) off the front, like `Link::recv`, which re-parses the buffer from its start.
 */
export class LinkReader {
  private buffer = new Uint8Array(0);
  private start = 0;
  private end = 0;

  push(bytes: Uint8Array): void {
    const live = this.end - this.start;
    if (this.end + bytes.length > this.buffer.length) {
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

  next(): ReadResult {
    const buf = this.buffer;
    let at = this.start;
    // Leading empty lines are skipped (and consumed) before either protocol.
    while (at < this.end && (buf[at] === LF || buf[at] === CR)) at++;
    if (at >= this.end) {
      this.start = at;
      return INCOMPLETE;
    }
    const parsed = buf[at] === STAR ? this.parseResp(at) : this.parseSsdb(at);
    if (parsed.kind === "request") this.start = parsed.end;
    else if (parsed.kind === "incomplete") this.start = at;
    return parsed.kind === "request" ? { kind: "request", blocks: parsed.blocks, resp: parsed.resp } : parsed;
  }

  private parseSsdb(from: number): Parsed {
    const buf = this.buffer;
    const blocks: Uint8Array[] = [];
    let at = from;
    for (;;) {
      const eol = buf.indexOf(LF, at);
      if (eol < 0 || eol >= this.end) return INCOMPLETE;
      const headLength = eol - at + 1;
      if (headLength === 1 || (headLength === 2 && buf[at] === CR)) return { kind: "request", blocks, resp: false, end: eol + 1 };
      const first = buf[at]!;
      if (first < 0x30 || first > 0x39) return ERROR;
      if (headLength - 1 > MAX_LENGTH_LINE) return ERROR;
      // atoi: the leading digits of the line.
      let length = 0;
      for (let i = at; i < eol && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) length = length * 10 + (buf[i]! - 0x30);
      const body = eol + 1;
      if (body + length > this.end) return INCOMPLETE;
      blocks.push(buf.slice(body, body + length));
      at = body + length;
      if (at < this.end && buf[at] === LF) at += 1;
      else if (at + 1 < this.end && buf[at] === CR && buf[at + 1] === LF) at += 2;
      else if (this.end - at >= 2) return ERROR;
      else return INCOMPLETE;
      if (at - from > MAX_PACKET_BYTES) return ERROR;
    }
  }

  /** `RedisLink::parse_req`: `*<n>` then n `$<len>` bulks; the sigil of a length line is not checked. */
  private parseResp(from: number): Parsed {
    const buf = this.buffer;
    const blocks: Uint8Array[] = [];
    let at = from;
    let remaining = 0;
    for (;;) {
      const eol = buf.indexOf(LF, at);
      if (eol < 0 || eol >= this.end) return INCOMPLETE;
      const length = strtol(buf, at + 1, eol);
      at = eol + 1;
      if (length < 0) return ERROR;
      if (remaining === 0 && blocks.length === 0) {
        if (length <= 0) return ERROR;
        remaining = length;
        continue;
      }
      if (length > this.end - at - 1) return INCOMPLETE;
      blocks.push(buf.slice(at, at + length));
      at += length + 1;
      if (at < this.end && buf[at] === LF) at += 1;
      remaining--;
      if (remaining === 0) return { kind: "request", blocks, resp: true, end: at };
    }
  }
}

type Parsed = { readonly kind: "request"; readonly blocks: Uint8Array[]; readonly resp: boolean; readonly end: number } | { readonly kind: "incomplete" } | { readonly kind: "error" };

const INCOMPLETE = { kind: "incomplete" } as const;
const ERROR = { kind: "error" } as const;

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
