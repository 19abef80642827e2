/**
 * SSDB's encoded data keys: how every user-visible item is stored in its sorted LevelDB, and so how
 * it travels in binlog records and copy items (ssdb-and-legacy-sync.md §A.4, `src/ssdb/t_*.h`).
 *
 * Keys are byte strings (one char per byte, codes 0..255, see `util/bytes.ts`), so JavaScript's `<`
 * compares them bytewise, as LevelDB's default comparator does: a copy walks them in that order.
 */

import { bytesToBinary } from "../../util/bytes.ts";

/** The first byte of every stored key: its data type. */
export const DataType = {
  /** A binlog record (`0x01` + 8-byte big-endian seq); the lab keeps those in `BinlogQueue`. */
  SYNCLOG: 0x01,
  KV: 0x6b, // 'k'
  HASH: 0x68, // 'h'
  HSIZE: 0x48, // 'H'
  ZSET: 0x73, // 's'
  ZSIZE: 0x5a, // 'Z'
  QUEUE: 0x71, // 'q'
  QSIZE: 0x51, // 'Q'
} as const;

/** The copy starts at this prefix (`DataType::MIN_PREFIX`, 'h')... */
export const MIN_COPY_PREFIX = "h";
/** ...and ends at the first key whose first byte is greater than this one (`MAX_PREFIX`, 's'). */
export const MAX_COPY_PREFIX_CODE = DataType.ZSET;

/** Names of KV keys, hashes, zsets and queues are at most this long (`SSDB_KEY_LEN_MAX`). */
export const KEY_LEN_MAX = 255;

/** Queue item sequence numbers (`t_queue.h`): the front and back pointers live at items 2 and 3. */
export const QFRONT_SEQ = 2n;
export const QBACK_SEQ = 3n;
export const QITEM_MIN_SEQ = 10000n;
export const QITEM_MAX_SEQ = 9223372036854775807n;
/** A new queue's first item goes in the middle of the range. */
export const QITEM_SEQ_INIT = QITEM_MAX_SEQ / 2n;

const U64_MASK = 0xffffffffffffffffn;

/** The byte string of a 64-bit unsigned integer, big-endian (queue item seqs in keys). */
export function u64BigEndian(value: bigint): string {
  let out = "";
  for (let shift = 56n; shift >= 0n; shift -= 8n) out += String.fromCharCode(Number((value >> shift) & 0xffn));
  return out;
}

/** Bytes of a 64-bit integer in host order (little-endian), as SSDB memcpy's pointers and sizes. */
export function u64LittleEndian(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let v = value & U64_MASK;
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Reads a little-endian 64-bit value (unsigned), or null when `bytes` is not 8 bytes long. */
export function readU64LittleEndian(bytes: Uint8Array): bigint | null {
  if (bytes.length !== 8) return null;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** Reads a little-endian 64-bit signed value (hash, zset and queue sizes). */
export function readI64LittleEndian(bytes: Uint8Array): number | null {
  const v = readU64LittleEndian(bytes);
  if (v === null) return null;
  return Number(BigInt.asIntN(64, v));
}

function lengthByte(name: string): string {
  return String.fromCharCode(name.length & 0xff);
}

export function encodeKvKey(key: string): string {
  return `k${key}`;
}

/** Whether byte string `text`, from its char `from` on, holds `bytes[start, end)`. */
export function sameChars(text: string, bytes: Uint8Array, start: number, end: number, from = 0): boolean {
  if (text.length - from !== end - start) return false;
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i - from]) return false;
  return true;
}

/** Reused arrays of char codes, by length (`encodeKvKeyOf`). */
const KV_KEY_CODES: number[][] = [];

/**
 * `encodeKvKey` of the key at `bytes[start, end)`, built as one flat string: `k` + a key string is a
 * rope, which the store's map flattens into a second string and every later read walks through.
 */
export function encodeKvKeyOf(bytes: Uint8Array, start: number, end: number, knownKey = ""): string {
  // A key equal to `knownKey` (a hot key, set again and again) is given as that string.
  if (knownKey.charCodeAt(0) === DataType.KV && sameChars(knownKey, bytes, start, end, 1)) return knownKey;
  const length = end - start + 1;
  if (length > 64) return encodeKvKey(bytesToBinary(bytes, start, end));
  const codes = (KV_KEY_CODES[length] ??= new Array<number>(length));
  codes[0] = DataType.KV;
  for (let i = 1; i < length; i++) codes[i] = bytes[start + i - 1]!;
  return String.fromCharCode.apply(null, codes);
}

export function encodeHashKey(name: string, field: string): string {
  return `h${lengthByte(name)}${name}=${field}`;
}

export function encodeHashSizeKey(name: string): string {
  return `H${name}`;
}

export function encodeZsetKey(name: string, member: string): string {
  return `s${lengthByte(name)}${name}${lengthByte(member)}${member}`;
}

export function encodeZsetSizeKey(name: string): string {
  return `Z${name}`;
}

export function encodeQueueItemKey(name: string, seq: bigint): string {
  return `q${lengthByte(name)}${name}${u64BigEndian(seq)}`;
}

export function encodeQueueSizeKey(name: string): string {
  return `Q${name}`;
}

/**
 * SSDB's `Decoder` over an encoded key: `skip(1)` the type byte, then length-prefixed or trailing
 * parts. Each decoder returns null where SSDB's returns -1 (too few bytes), and the slave then skips
 * the record (while still advancing its last_seq).
 */
export function decodeKvKey(key: string): string | null {
  return key.length >= 1 ? key.slice(1) : null;
}

/** `h` + len + name + `=` + field. */
export function decodeHashKey(key: string): { readonly name: string; readonly field: string } | null {
  if (key.length < 2) return null;
  const length = key.charCodeAt(1);
  if (key.length < 2 + length + 1) return null;
  return { name: key.slice(2, 2 + length), field: key.slice(3 + length) };
}

/** `s` + len + name + len + member. */
export function decodeZsetKey(key: string): { readonly name: string; readonly member: string } | null {
  if (key.length < 2) return null;
  const nameLength = key.charCodeAt(1);
  const at = 2 + nameLength;
  if (key.length < at + 1) return null;
  const memberLength = key.charCodeAt(at);
  if (key.length < at + 1 + memberLength) return null;
  return { name: key.slice(2, at), member: key.slice(at + 1, at + 1 + memberLength) };
}

/** `q` + len + name + 8-byte big-endian item seq. */
export function decodeQueueItemKey(key: string): { readonly name: string; readonly seq: bigint } | null {
  if (key.length < 2) return null;
  const length = key.charCodeAt(1);
  if (key.length < 2 + length + 8) return null;
  let seq = 0n;
  for (let i = 2 + length; i < 2 + length + 8; i++) seq = (seq << 8n) | BigInt(key.charCodeAt(i));
  return { name: key.slice(2, 2 + length), seq };
}

/** The name after a one-byte type prefix (`H`, `Z`, `Q` size keys). */
export function decodeSizeKey(key: string): string {
  return key.slice(1);
}

/**
 * SSDB's `str_escape` (`hexmem` in logs and `info`): `\r \n \t \\` escaped, space and `!`..`~` as
 * they are, any other byte as `\xNN`.
 */
export function ssdbEscape(bytes: string): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0x0d) out += "\\r";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c <= 0x7e) out += bytes[i];
    else out += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return out;
}
