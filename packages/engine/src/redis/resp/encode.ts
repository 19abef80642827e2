/**
 * RESP2 encoding into a {@link ByteSink} (a contiguous writer, or a client's reply list): commands
 * (what clients and a master's replication stream send) and replies (what a server answers), byte
 * for byte as redis-server writes them.
 *
 * These sit on the hottest path of the engine, so each writer reserves its whole size once and fills
 * the writer's buffer in place, and headers for small counts come from precomputed tables.
 *
 * Text arguments of `writeSimple` and `writeError` are byte strings (char codes 0..255, see
 * `bytesToBinary`), so binary content (a key echoed in an error) passes through exactly; ASCII text is
 * unaffected by the distinction.
 */

import { ByteWriter, utf8, type ByteSink } from "../../util/bytes.ts";
import type { Reply } from "./reply.ts";

const CR = 0x0d;
const LF = 0x0a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;
const SPACE = 0x20;

/** Bulk headers `$0\r\n` .. `$1023\r\n` cover nearly every key and value a lab writes. */
const BULK_HEADER_TABLE_SIZE = 1024;
/** Array headers `*0\r\n` .. `*63\r\n` cover nearly every command of the replication stream. */
const ARRAY_HEADER_TABLE_SIZE = 64;

/** Headers `<prefix><n>\r\n` for n below `count`, packed into one array; entry n spans offsets[n]..offsets[n+1]. */
interface HeaderTable {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

function buildHeaderTable(prefix: number, count: number): HeaderTable {
  const offsets = new Uint32Array(count + 1);
  let total = 0;
  for (let n = 0; n < count; n++) {
    offsets[n] = total;
    total += headerSize(n);
  }
  offsets[count] = total;
  const bytes = new Uint8Array(total);
  for (let n = 0; n < count; n++) putHeaderDigits(bytes, offsets[n]!, prefix, n);
  return { bytes, offsets };
}

const BULK_HEADERS = buildHeaderTable(DOLLAR, BULK_HEADER_TABLE_SIZE);
const ARRAY_HEADERS = buildHeaderTable(STAR, ARRAY_HEADER_TABLE_SIZE);

const NULL_BULK = new Uint8Array([DOLLAR, MINUS, 0x31, CR, LF]);
const NULL_ARRAY = new Uint8Array([STAR, MINUS, 0x31, CR, LF]);

/** Number of decimal digits of a non-negative integer. */
function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Size of `<prefix><n>\r\n` for a non-negative integer n. */
function headerSize(n: number): number {
  return n < 10 ? 4 : n < 100 ? 5 : n < 1000 ? 6 : 3 + digitCount(n);
}

/** Writes `<prefix><n>\r\n` for a non-negative integer n at `at`; returns the offset after it. */
function putHeaderDigits(buf: Uint8Array, at: number, prefix: number, n: number): number {
  buf[at] = prefix;
  const digits = digitCount(n);
  let p = at + digits;
  for (let i = 0; i < digits; i++) {
    buf[p--] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  p = at + 1 + digits;
  buf[p] = CR;
  buf[p + 1] = LF;
  return p + 2;
}

function putHeader(buf: Uint8Array, at: number, table: HeaderTable, prefix: number, n: number): number {
  if (n >= table.offsets.length - 1) return putHeaderDigits(buf, at, prefix, n);
  const from = table.offsets[n]!;
  const to = table.offsets[n + 1]!;
  const source = table.bytes;
  for (let i = from; i < to; i++) buf[at++] = source[i]!;
  return at;
}

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/** Writes a command as a RESP multibulk: `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument. */
export function writeCommand(w: ByteSink, argv: readonly Uint8Array[]): void {
  const argc = argv.length;
  let size = headerSize(argc);
  for (let i = 0; i < argc; i++) {
    const length = argv[i]!.length;
    size += headerSize(length) + length + 2;
  }
  const at = w.reserve(size);
  const buf = w.raw();
  let p = putHeader(buf, at, ARRAY_HEADERS, STAR, argc);
  for (let i = 0; i < argc; i++) {
    const arg = argv[i]!;
    const length = arg.length;
    p = putHeader(buf, p, BULK_HEADERS, DOLLAR, length);
    if (length < 32) {
      // set() has a fixed cost that dominates for the short keys and values most commands carry.
      for (let j = 0; j < length; j++) buf[p + j] = arg[j]!;
    } else {
      buf.set(arg, p);
    }
    p += length;
    buf[p] = CR;
    buf[p + 1] = LF;
    p += 2;
  }
  w.advance(size);
}

/** Encodes a command as RESP multibulk bytes. */
export function encodeCommand(argv: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(64);
  writeCommand(w, argv);
  return w.toBytes();
}

/** Encodes a command given as words (UTF-8 encoded), e.g. `encodeCommandStrings("SET", "k", "v")`. */
export function encodeCommandStrings(...words: string[]): Uint8Array {
  return encodeCommand(words.map(utf8));
}

/**
 * Writes `<prefix><text>\r\n` for a byte string; `newlines` says whether CR and LF in it are a
 * programmer error or become spaces. Throws before committing anything, so a failed write leaves `w` as
 * it was.
 */
function writeLine(w: ByteSink, prefix: number, text: string, newlines: "reject" | "space"): void {
  const length = text.length;
  const at = w.reserve(length + 3);
  const buf = w.raw();
  buf[at] = prefix;
  for (let i = 0; i < length; i++) {
    let c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`not a byte string: char code ${c} at ${i}`);
    if (c === CR || c === LF) {
      if (newlines === "reject") throw new RangeError("a simple string cannot hold CR or LF");
      c = SPACE;
    }
    buf[at + 1 + i] = c;
  }
  buf[at + 1 + length] = CR;
  buf[at + 2 + length] = LF;
  w.advance(length + 3);
}

/** Writes a simple string reply `+<text>\r\n`. `text` is a byte string without CR or LF. */
export function writeSimple(w: ByteSink, text: string): void {
  writeLine(w, PLUS, text, "reject");
}

/**
 * Writes an error reply `-<message>\r\n`. `message` is the text after the `-`, error code included
 * (`ERR syntax error`), as a byte string. CR and LF in it become spaces, as redis makes them in errors
 * built from user input (`addReplyErrorFormat`, `rejectCommandFormat`), so the reply stays one line.
 */
export function writeError(w: ByteSink, message: string): void {
  writeLine(w, MINUS, message, "space");
}

/** Writes an integer reply `:<n>\r\n`. A bigint carries 64-bit values exactly (INCR near the limits). */
export function writeInteger(w: ByteSink, n: number | bigint): void {
  if (typeof n === "number" && !Number.isInteger(n)) throw new RangeError(`integer reply must be an integer, got ${n}`);
  if (typeof n === "number" && Math.abs(n) <= Number.MAX_SAFE_INTEGER) {
    // The common reply (LPUSH's length, HSET's count): digits written in place, no string made.
    const negative = n < 0 ? 1 : 0;
    let v = negative ? -n : n;
    let digits = 1;
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    const size = 1 + negative + digits + 2;
    const at = w.reserve(size);
    const buf = w.raw();
    buf[at] = COLON;
    if (negative) buf[at + 1] = 0x2d;
    const last = at + negative + digits;
    for (let i = last; i > at + negative; i--) {
      buf[i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    buf[last + 1] = CR;
    buf[last + 2] = LF;
    w.advance(size);
    return;
  }
  w.byte(COLON);
  w.ascii(n.toString());
  w.byte(CR);
  w.byte(LF);
}

/** Writes a bulk string reply `$<len>\r\n<bytes>\r\n`. */
export function writeBulk(w: ByteSink, bytes: Uint8Array): void {
  const length = bytes.length;
  const size = headerSize(length) + length + 2;
  const at = w.reserve(size);
  const buf = w.raw();
  let p = putHeader(buf, at, BULK_HEADERS, DOLLAR, length);
  buf.set(bytes, p);
  p += length;
  buf[p] = CR;
  buf[p + 1] = LF;
  w.advance(size);
}

/** Writes a bulk string reply holding the UTF-8 encoding of `text` (INFO, CONFIG GET, CLIENT LIST...). */
export function writeBulkString(w: ByteSink, text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      writeBulk(w, utf8(text));
      return;
    }
  }
  // Pure ASCII: its UTF-8 encoding is the char codes, written without an intermediate array.
  const length = text.length;
  const size = headerSize(length) + length + 2;
  const at = w.reserve(size);
  const buf = w.raw();
  let p = putHeader(buf, at, BULK_HEADERS, DOLLAR, length);
  for (let i = 0; i < length; i++) buf[p + i] = text.charCodeAt(i);
  p += length;
  buf[p] = CR;
  buf[p + 1] = LF;
  w.advance(size);
}

/** Writes the null bulk reply `$-1\r\n` (GET of a missing key). */
export function writeNullBulk(w: ByteSink): void {
  w.bytes(NULL_BULK);
}

/** Writes an array header `*<n>\r\n`; the caller writes the n elements after it. */
export function writeArrayHeader(w: ByteSink, n: number): void {
  assertCount(n, "array length");
  const at = w.reserve(headerSize(n));
  const end = putHeader(w.raw(), at, ARRAY_HEADERS, STAR, n);
  w.advance(end - at);
}

/** Writes the null array reply `*-1\r\n` (BLPOP timing out). */
export function writeNullArray(w: ByteSink): void {
  w.bytes(NULL_ARRAY);
}

/** Writes any {@link Reply}, arrays recursively. */
export function writeReply(w: ByteSink, reply: Reply): void {
  switch (reply.kind) {
    case "simple":
      writeSimple(w, reply.value);
      return;
    case "error":
      writeError(w, reply.message);
      return;
    case "integer":
      writeInteger(w, reply.value);
      return;
    case "bulk":
      if (reply.value === null) writeNullBulk(w);
      else writeBulk(w, reply.value);
      return;
    case "array":
      if (reply.items === null) {
        writeNullArray(w);
        return;
      }
      writeArrayHeader(w, reply.items.length);
      for (const item of reply.items) writeReply(w, item);
      return;
  }
}

/** Encodes any {@link Reply} to bytes. */
export function encodeReply(reply: Reply): Uint8Array {
  const w = new ByteWriter(64);
  writeReply(w, reply);
  return w.toBytes();
}
