/**
 * The RDB byte vocabulary shared by the writer and the reader (`rdb.h`): opcodes, value type
 * bytes, length forms and special string encodings.
 */

/** RDB format version written by redis 7.0, and the highest one it loads. */
export const RDB_VERSION = 10;

// Plain numeric constants rather than enums: they inline in the hot loops and need no runtime object.

/** FUNCTION2: a function library's source as one string (7.0 GA). */
export const OP_FUNCTION2 = 0xf5;
/** FUNCTION: the 7.0-rc1/rc2 library layout (name, engine, optional description, blob). */
export const OP_FUNCTION = 0xf6;
/** MODULE_AUX: module data outside the keyspace. */
export const OP_MODULE_AUX = 0xf7;
/** IDLE: LRU idle seconds of the next key (written with an LRU maxmemory-policy). */
export const OP_IDLE = 0xf8;
/** FREQ: LFU counter of the next key (written with an LFU maxmemory-policy). */
export const OP_FREQ = 0xf9;
/** AUX: a key/value string pair about the file. */
export const OP_AUX = 0xfa;
/** RESIZEDB: key and expire counts of the selected db. */
export const OP_RESIZEDB = 0xfb;
/** EXPIRETIME_MS: absolute expire of the next key, int64 little-endian milliseconds. */
export const OP_EXPIRETIME_MS = 0xfc;
/** EXPIRETIME: absolute expire of the next key, int32 seconds (pre-RDB-3 files). */
export const OP_EXPIRETIME = 0xfd;
/** SELECTDB: the db the following keys belong to. */
export const OP_SELECTDB = 0xfe;
/** EOF: end of the data; the CRC64 follows for version 5 and later. */
export const OP_EOF = 0xff;

// Value type bytes (`RDB_TYPE_*`).

/** String. */
export const TYPE_STRING = 0;
/** List as a plain sequence of strings (before 3.2). */
export const TYPE_LIST = 1;
/** Set as a hash table: count, then members. */
export const TYPE_SET = 2;
/** Sorted set with scores as text (before 4.0). */
export const TYPE_ZSET = 3;
/** Hash as a hash table: count, then field/value pairs. */
export const TYPE_HASH = 4;
/** Sorted set as a skiplist: count, then member and binary double, highest score first. */
export const TYPE_ZSET_2 = 5;
/** Module value v1 (opaque without the module). */
export const TYPE_MODULE = 6;
/** Module value v2 (self-describing sub-opcodes up to an EOF marker). */
export const TYPE_MODULE_2 = 7;
/** Hash as a zipmap blob (2.x). */
export const TYPE_HASH_ZIPMAP = 9;
/** List as a ziplist blob (before 3.2). */
export const TYPE_LIST_ZIPLIST = 10;
/** Set as an intset blob. */
export const TYPE_SET_INTSET = 11;
/** Sorted set as a ziplist blob (before 7.0). */
export const TYPE_ZSET_ZIPLIST = 12;
/** Hash as a ziplist blob (before 7.0). */
export const TYPE_HASH_ZIPLIST = 13;
/** List as a quicklist of ziplist blobs (3.2 to 6.2). */
export const TYPE_LIST_QUICKLIST = 14;
/** Stream, 5.0 to 6.2 layout. */
export const TYPE_STREAM_LISTPACKS = 15;
/** Hash as a listpack blob. */
export const TYPE_HASH_LISTPACK = 16;
/** Sorted set as a listpack blob. */
export const TYPE_ZSET_LISTPACK = 17;
/** List as a quicklist of containers (plain string or listpack blob). */
export const TYPE_LIST_QUICKLIST_2 = 18;
/** Stream, 7.0 layout. */
export const TYPE_STREAM_LISTPACKS_2 = 19;

/** First byte of a 32-bit big-endian length. */
export const LEN_32BIT = 0x80;
/** First byte of a 64-bit big-endian length. */
export const LEN_64BIT = 0x81;

// Special string encodings, in the low 6 bits of a `11xxxxxx` length byte.

/** `C0`: 1-byte signed integer. */
export const ENC_INT8 = 0;
/** `C1`: 2-byte little-endian signed integer. */
export const ENC_INT16 = 1;
/** `C2`: 4-byte little-endian signed integer. */
export const ENC_INT32 = 2;
/** `C3`: LZF, then compressed length, original length, data. */
export const ENC_LZF = 3;

// Module value sub-opcodes (`RDB_MODULE_OPCODE_*`), used by module v2 values.

/** End of a module value. */
export const MODULE_OPCODE_EOF = 0;
/** Signed integer, as a length. */
export const MODULE_OPCODE_SINT = 1;
/** Unsigned integer, as a length. */
export const MODULE_OPCODE_UINT = 2;
/** 4-byte float. */
export const MODULE_OPCODE_FLOAT = 3;
/** 8-byte double. */
export const MODULE_OPCODE_DOUBLE = 4;
/** String. */
export const MODULE_OPCODE_STRING = 5;

/** The aggregate kinds a non-string value type byte stands for. */
export type RdbValueTypeName = "list" | "set" | "zset" | "hash" | "stream" | "module";

/** Maps a value type byte other than string to its kind, or null for bytes redis does not load. */
export function valueTypeName(type: number): RdbValueTypeName | null {
  switch (type) {
    case TYPE_LIST:
    case TYPE_LIST_ZIPLIST:
    case TYPE_LIST_QUICKLIST:
    case TYPE_LIST_QUICKLIST_2:
      return "list";
    case TYPE_SET:
    case TYPE_SET_INTSET:
      return "set";
    case TYPE_ZSET:
    case TYPE_ZSET_2:
    case TYPE_ZSET_ZIPLIST:
    case TYPE_ZSET_LISTPACK:
      return "zset";
    case TYPE_HASH:
    case TYPE_HASH_ZIPMAP:
    case TYPE_HASH_ZIPLIST:
    case TYPE_HASH_LISTPACK:
      return "hash";
    case TYPE_STREAM_LISTPACKS:
    case TYPE_STREAM_LISTPACKS_2:
      return "stream";
    case TYPE_MODULE:
    case TYPE_MODULE_2:
      return "module";
    default:
      return null;
  }
}

/** Bytes `rdbSaveLen` uses for `length`. */
export function lengthSize(length: number): number {
  if (length < 1 << 6) return 1;
  if (length < 1 << 14) return 2;
  if (length <= 0xffffffff) return 5;
  return 9;
}

/** Not an integer: sentinel returned by the canonical-integer parsers below. */
export const NOT_INT = Number.NaN;

/**
 * The value of `bytes[start..end)` if redis would save it int-encoded: at most 11 bytes that
 * `string2ll` accepts (optional `-`, no leading zero except "0" itself, digits only) and that fit
 * in a signed 32-bit integer. `NOT_INT` otherwise.
 */
export function canonicalInt32(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > 11) return NOT_INT;
  let i = start;
  let c = bytes[i]!;
  if (length === 1 && c === 0x30) return 0;
  let negative = false;
  if (c === 0x2d) {
    negative = true;
    if (++i === end) return NOT_INT;
    c = bytes[i]!;
  }
  if (c < 0x31 || c > 0x39) return NOT_INT;
  let value = c - 0x30;
  for (i++; i < end; i++) {
    c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return NOT_INT;
    value = value * 10 + (c - 0x30);
  }
  if (negative) value = -value;
  return value >= -2147483648 && value <= 2147483647 ? value : NOT_INT;
}

/** `canonicalInt32` for a byte string (char codes 0..255). */
export function canonicalInt32OfBinary(text: string): number {
  const length = text.length;
  if (length === 0 || length > 11) return NOT_INT;
  let i = 0;
  let c = text.charCodeAt(0);
  if (length === 1 && c === 0x30) return 0;
  let negative = false;
  if (c === 0x2d) {
    negative = true;
    if (++i === length) return NOT_INT;
    c = text.charCodeAt(i);
  }
  if (c < 0x31 || c > 0x39) return NOT_INT;
  let value = c - 0x30;
  for (i++; i < length; i++) {
    c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NOT_INT;
    value = value * 10 + (c - 0x30);
  }
  if (negative) value = -value;
  return value >= -2147483648 && value <= 2147483647 ? value : NOT_INT;
}
