/**
 * RDB writer: the file `rdbSaveRio` produces in redis 7.0.15 (version 10), 4.0.14 (version 8) or
 * 2.6/2.8 (version 6), byte for byte, for a keyspace of strings, lists, hashes, sets and sorted sets
 * (aggregates: aggregate-writer.ts; files before version 10 get their plain forms).
 *
 * Layout: `REDIS0010`, the AUX fields in redis's order, then per non-empty db `FE <db>`,
 * `FB <keys> <expires>` and its entries (`[FC <int64 LE ms>] 00 <key> <value>`), then `FF` and the
 * CRC64 (little-endian; 8 zero bytes when checksums are off). Version 8 has 4.0's AUX fields
 * (`aof-preamble` where 7.0 has `aof-base`); version 6 has neither AUX fields nor RESIZEDB, which
 * came with version 7 (3.2).
 *
 * A full sync of a million keys goes through here, so the size is bounded in a first pass, the
 * output is one buffer of that size, and entries are encoded in place with no per-key allocation.
 */

import { ByteWriter } from "../../util/bytes.ts";
import { Crc64 } from "./crc64.ts";
import * as rdbEncoding from "./encoding.ts";
import { lzfCompressInto } from "./lzf.ts";
import type { AggregateValue, RedisValue } from "../store/value.ts";
import { aggregateBound, rdbTypeOf, writeAggregate, type AggregateSink } from "./aggregate-writer.ts";

// Module-local bindings: some loaders (tsx, vite SSR) compile imported bindings into getters,
// which the per-key loops should not call millions of times.
const {
  canonicalInt32,
  canonicalInt32OfBinary,
  ENC_INT16,
  ENC_INT32,
  ENC_INT8,
  ENC_LZF,
  LEN_32BIT,
  LEN_64BIT,
  lengthSize,
  OP_AUX,
  OP_FUNCTION2,
  OP_EOF,
  OP_EXPIRETIME_MS,
  OP_RESIZEDB,
  OP_SELECTDB,
  TYPE_STRING,
} = rdbEncoding;

/** The AUX fields redis writes at the top of every RDB (`rdbSaveInfoAuxFields`). */
export interface RdbAux {
  /** `redis-ver`, e.g. "7.0.15". */
  redisVer: string;
  /** `ctime`: the wall-clock second the file was produced. */
  ctimeSec: number;
  /** `used-mem`: the producing server's memory use. */
  usedMemBytes: number;
  /**
   * `repl-stream-db`, `repl-id` and `repl-offset`, written when the producer has replication info
   * (a master with a backlog, or a replica with a master or a cached master); null otherwise.
   */
  replication: { streamDb: number; replid: string; offset: number } | null;
  /** `aof-base`: 1 only for the RDB preamble of an AOF base file. */
  aofBase: number;
}

/** One database as the writer sees it. */
export interface RdbDatabase {
  db: number;
  /** Number of keys `forEach` visits (the RESIZEDB hint and the empty-db test). */
  size: number;
  /** Number of those keys with an expire. */
  expires: number;
  /**
   * Visits every key once, in the order they go into the file (redis: hash-table order).
   * The writer calls it twice, first to size its buffer, so both calls must visit the same entries.
   */
  forEach(visit: (key: string /* byte string: char codes 0..255 */, value: RedisValue, expireAtMs: number /* -1 = none */) => void): void;
}

/** The file versions the writer produces: 2.6/2.8's, 4.0's, 7.0's. */
export type RdbWriteVersion = 6 | 8 | 10;

/** Everything `writeRdb` needs. */
export interface RdbWriteInput {
  /** The file version (default 10, redis 7.0's). */
  version?: RdbWriteVersion;
  aux: RdbAux;
  /** Databases in any order; empty ones (size 0) are left out of the file, as redis does. */
  databases: readonly RdbDatabase[];
  /** `rdbcompression`: LZF for strings longer than 20 bytes. Default true. */
  compression?: boolean;
  /** `rdbchecksum`: false writes 8 zero bytes, which loaders accept as "checksum disabled". Default true. */
  checksum?: boolean;
  /** How lists are cut into quicklist nodes (list-max-listpack-size, the plain-node threshold). */
  lists?: ListLayout;
  /**
   * Function libraries' code (FUNCTION LOAD payloads), written as RDB_OPCODE_FUNCTION2 records
   * after the AUX fields and before the keys, as rdbSaveFunctions does (RDB 10 only).
   */
  functions?: readonly Uint8Array[];
}

/** What shapes a list's quicklist nodes in the file. */
export interface ListLayout {
  /** `list-max-listpack-size` (default -2: 8 KiB nodes). */
  readonly fill: number;
  /** Elements at least this long get a plain node of their own (DEBUG QUICKLIST-PACKED-THRESHOLD, 1 GiB). */
  readonly packedThreshold: number;
}

const DEFAULT_LIST_LAYOUT: ListLayout = { fill: -2, packedThreshold: 1 << 30 };

const AUX_RESERVE_BYTES = 512;
const DB_HEADER_BYTES = 1 + 9 + 1 + 9 + 9;
const TRAILER_BYTES = 1 + 8;
const TWO_32 = 4294967296;

/** The buffers of the files `writeRdb` returned (see {@link isWrittenRdb}). */
const writtenFiles = new WeakSet<ArrayBufferLike>();

/**
 * Whether `bytes` lie in a file `writeRdb` returned. Nothing writes such a file again (a save, a
 * replica's transfer and the disk only read it), so a load may keep pieces of it instead of a copy.
 */
export function isWrittenRdb(bytes: Uint8Array): boolean {
  return writtenFiles.has(bytes.buffer);
}

/** Writes the RDB file redis 7.0.15 would write for `input`; nothing may write into it afterwards. */
export function writeRdb(input: RdbWriteInput): Uint8Array {
  const compression = input.compression ?? true;
  const checksum = input.checksum ?? true;
  const databases = sortedNonEmpty(input.databases);

  let capacity = 9 + AUX_RESERVE_BYTES + input.aux.redisVer.length + TRAILER_BYTES;
  if (input.aux.replication !== null) capacity += input.aux.replication.replid.length;
  for (const database of databases) capacity += DB_HEADER_BYTES + entriesBound(database, compression);
  const functions = input.functions ?? [];
  for (const code of functions) capacity += 1 + 9 + code.length + Math.ceil(code.length / 32) + 16;

  const version = input.version ?? 10;
  const encoder = new Encoder(new ByteWriter(capacity), compression, version, input.lists ?? DEFAULT_LIST_LAYOUT);
  encoder.header();
  if (version >= 8) encoder.auxFields(input.aux);
  if (version >= 10) for (const code of functions) encoder.functionLibrary(code);
  for (const database of databases) encoder.database(database);
  const file = encoder.finish(checksum);
  writtenFiles.add(file.buffer);
  return file;
}

/**
 * FUNCTION DUMP's payload (functionDumpCommand): each library as RDB_OPCODE_FUNCTION2 and its
 * code, then the RDB version (10) in two bytes and the CRC64 of everything before, little-endian.
 */
export function writeFunctionsPayload(codes: readonly Uint8Array[], compression = true): Uint8Array {
  let capacity = 2 + 8;
  for (const code of codes) capacity += 1 + 9 + code.length + Math.ceil(code.length / 32) + 16;
  const out = new ByteWriter(capacity);
  const encoder = new Encoder(out, compression, 10, DEFAULT_LIST_LAYOUT);
  for (const code of codes) encoder.functionLibrary(code);
  return withDumpFooter(out, 10);
}

/** The footer of DUMP and FUNCTION DUMP payloads: the RDB version and the CRC64 of all before, both little-endian. */
function withDumpFooter(out: ByteWriter, version: number): Uint8Array {
  out.byte(version & 0xff);
  out.byte((version >> 8) & 0xff);
  const at = out.reserve(8);
  const buf = out.raw();
  new Crc64().update(buf, 0, at).writeLE(buf, at);
  out.advance(8);
  return out.toBytes();
}

/**
 * createDumpPayload (DUMP): the value's RDB type byte and encoding as an RDB of `version` holds it,
 * then that version in two little-endian bytes and the CRC64 of everything before, little-endian.
 */
export function writeDumpPayload(value: RedisValue, version: RdbWriteVersion, compression: boolean, lists: ListLayout = DEFAULT_LIST_LAYOUT): Uint8Array {
  const isString = value instanceof Uint8Array;
  const bound = 1 + (isString ? stringBound(value.length, compression) : aggregateBound(value)) + 2 + 8;
  const out = new ByteWriter(bound);
  const encoder = new Encoder(out, compression, version, lists);
  out.byte(isString ? TYPE_STRING : rdbTypeOf(value, version));
  if (isString) encoder.bytes(value);
  else writeAggregate(encoder, value);
  return withDumpFooter(out, version);
}

/**
 * rdbSavedObjectLen: the bytes a value takes in an RDB 10 file (after its type byte and key),
 * as DEBUG OBJECT reports it in `serializedlength`.
 */
export function serializedValueLength(value: RedisValue, compression: boolean, lists: ListLayout = DEFAULT_LIST_LAYOUT): number {
  const bound = value instanceof Uint8Array ? stringBound(value.length, compression) : aggregateBound(value);
  const out = new ByteWriter(bound);
  const encoder = new Encoder(out, compression, 10, lists);
  if (value instanceof Uint8Array) encoder.bytes(value);
  else writeAggregate(encoder, value);
  return out.length;
}

function sortedNonEmpty(databases: readonly RdbDatabase[]): RdbDatabase[] {
  const nonEmpty = databases.filter((database) => database.size > 0).sort((a, b) => a.db - b.db);
  for (let i = 1; i < nonEmpty.length; i++) {
    if (nonEmpty[i]!.db === nonEmpty[i - 1]!.db) throw new Error(`writeRdb: db ${nonEmpty[i]!.db} given twice`);
  }
  return nonEmpty;
}

/** Upper bound of a string's encoded size: raw form, plus 2 in case LZF lengths take more room. */
function stringBound(length: number, compression: boolean): number {
  return lengthSize(length) + length + (compression && length > 20 ? 2 : 0);
}

function entriesBound(database: RdbDatabase, compression: boolean): number {
  let total = 0;
  database.forEach((key, value, expireAtMs) => {
    const valueBound = value instanceof Uint8Array ? stringBound(value.length, compression) : aggregateBound(value);
    total += (expireAtMs === -1 ? 0 : 9) + 1 + stringBound(key.length, compression) + valueBound;
  });
  return total;
}

/** Writes `length` the way `rdbSaveLen` does; returns the position after it. */
function putLength(buf: Uint8Array, at: number, length: number): number {
  if (length < 1 << 6) {
    buf[at] = length;
    return at + 1;
  }
  if (length < 1 << 14) {
    buf[at] = (length >>> 8) | 0x40;
    buf[at + 1] = length & 0xff;
    return at + 2;
  }
  if (length <= 0xffffffff) {
    buf[at] = LEN_32BIT;
    putUint32BE(buf, at + 1, length);
    return at + 5;
  }
  buf[at] = LEN_64BIT;
  putUint32BE(buf, at + 1, Math.floor(length / TWO_32));
  putUint32BE(buf, at + 5, length % TWO_32);
  return at + 9;
}

function putUint32BE(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

/** Writes the smallest INT encoding of an int32 (`rdbEncodeInteger`); returns the position after it. */
function putIntEncoded(buf: Uint8Array, at: number, value: number): number {
  if (value >= -128 && value <= 127) {
    buf[at] = 0xc0 | ENC_INT8;
    buf[at + 1] = value & 0xff;
    return at + 2;
  }
  if (value >= -32768 && value <= 32767) {
    buf[at] = 0xc0 | ENC_INT16;
    buf[at + 1] = value & 0xff;
    buf[at + 2] = (value >> 8) & 0xff;
    return at + 3;
  }
  buf[at] = 0xc0 | ENC_INT32;
  buf[at + 1] = value & 0xff;
  buf[at + 2] = (value >> 8) & 0xff;
  buf[at + 3] = (value >> 16) & 0xff;
  buf[at + 4] = (value >>> 24) & 0xff;
  return at + 5;
}

/** Writes a signed integer (a millisecond time) as int64 little-endian. */
function putInt64LE(buf: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf[at] = lo & 0xff;
  buf[at + 1] = (lo >>> 8) & 0xff;
  buf[at + 2] = (lo >>> 16) & 0xff;
  buf[at + 3] = (lo >>> 24) & 0xff;
  buf[at + 4] = hi & 0xff;
  buf[at + 5] = (hi >>> 8) & 0xff;
  buf[at + 6] = (hi >>> 16) & 0xff;
  buf[at + 7] = (hi >>> 24) & 0xff;
}

class Encoder implements AggregateSink {
  /** LZF output; strings are compressed here first because the header needs the compressed size. */
  private lzfScratch = new Uint8Array(1024);
  /** Long keys, as bytes, for LZF. */
  private keyScratch = new Uint8Array(256);

  constructor(
    private readonly out: ByteWriter,
    private readonly compression: boolean,
    readonly version: RdbWriteVersion,
    readonly lists: ListLayout,
  ) {}

  header(): void {
    this.out.ascii(`REDIS${String(this.version).padStart(4, "0")}`);
  }

  /** AUX values are saved through the ordinary string rule, so numbers come out int-encoded. */
  auxFields(aux: RdbAux): void {
    this.aux("redis-ver", aux.redisVer);
    this.aux("redis-bits", "64");
    this.aux("ctime", decimal(aux.ctimeSec));
    this.aux("used-mem", decimal(aux.usedMemBytes));
    if (aux.replication !== null) {
      this.aux("repl-stream-db", decimal(aux.replication.streamDb));
      this.aux("repl-id", aux.replication.replid);
      this.aux("repl-offset", decimal(aux.replication.offset));
    }
    // 4.0 calls it aof-preamble; 7.0 renamed it aof-base.
    this.aux(this.version === 8 ? "aof-preamble" : "aof-base", decimal(aux.aofBase));
  }

  /** RDB_OPCODE_FUNCTION2 and the library's code as one string (rdbSaveFunctions). */
  functionLibrary(code: Uint8Array): void {
    this.out.byte(OP_FUNCTION2);
    this.bytes(code);
  }

  private aux(key: string, value: string): void {
    const at = this.out.reserve(1 + stringBound(key.length, this.compression) + stringBound(value.length, this.compression));
    const buf = this.out.raw();
    buf[at] = OP_AUX;
    let p = this.binaryString(buf, at + 1, key);
    p = this.binaryString(this.out.raw(), p, value);
    this.out.advance(p - at);
  }

  database(database: RdbDatabase): void {
    const out = this.out;
    const at = out.reserve(DB_HEADER_BYTES);
    const buf = out.raw();
    let p = at;
    buf[p++] = OP_SELECTDB;
    p = putLength(buf, p, database.db);
    if (this.version >= 7) {
      buf[p++] = OP_RESIZEDB;
      p = putLength(buf, p, database.size);
      p = putLength(buf, p, database.expires);
    }
    out.advance(p - at);

    let keys = 0;
    let expires = 0;
    const compression = this.compression;
    database.forEach((key, value, expireAtMs) => {
      const isString = value instanceof Uint8Array;
      const start = out.reserve(9 + 1 + stringBound(key.length, compression) + (isString ? stringBound(value.length, compression) : 0));
      const target = out.raw();
      let q = start;
      if (expireAtMs !== -1) {
        expires++;
        target[q] = OP_EXPIRETIME_MS;
        putInt64LE(target, q + 1, expireAtMs);
        q += 9;
      }
      target[q++] = isString ? TYPE_STRING : rdbTypeOf(value, this.version);
      q = this.binaryString(target, q, key);
      if (isString) q = this.bytesString(target, q, value, 0, value.length);
      out.advance(q - start);
      if (!isString) writeAggregate(this, value as AggregateValue);
      keys++;
    });
    // The RESIZEDB hint was written from size/expires; a store that disagrees with itself is a bug.
    if (keys !== database.size || expires !== database.expires) {
      throw new Error(
        `writeRdb: db ${database.db} claims ${database.size} keys / ${database.expires} expires, visited ${keys} / ${expires}`,
      );
    }
  }

  finish(checksum: boolean): Uint8Array {
    const out = this.out;
    out.byte(OP_EOF);
    const at = out.reserve(8);
    const buf = out.raw();
    if (checksum) {
      new Crc64().update(buf, 0, at).writeLE(buf, at);
    } else {
      buf.fill(0, at, at + 8);
    }
    out.advance(8);
    // The size bound is exact for most keyspaces; only copy when it left a noticeable gap.
    const slack = out.raw().length - out.length;
    return slack > out.length >>> 4 ? out.toBytes() : out.view();
  }

  /** rdbSaveLen, for aggregate bodies. */
  length(length: number): void {
    const at = this.out.reserve(9);
    this.out.advance(putLength(this.out.raw(), at, length) - at);
  }

  /** rdbSaveRawString of bytes, for aggregate bodies. */
  bytes(value: Uint8Array): void {
    const at = this.out.reserve(stringBound(value.length, this.compression));
    this.out.advance(this.bytesString(this.out.raw(), at, value, 0, value.length) - at);
  }

  /** rdbSaveRawString of a byte string (members, fields). */
  binary(text: string): void {
    const at = this.out.reserve(stringBound(text.length, this.compression));
    this.out.advance(this.binaryString(this.out.raw(), at, text) - at);
  }

  /** Raw bytes (binary doubles, text doubles). */
  raw(bytes: Uint8Array): void {
    const at = this.out.reserve(bytes.length);
    this.out.raw().set(bytes, at);
    this.out.advance(bytes.length);
  }

  /**
   * Writes a byte string (`rdbSaveRawString`): int-encoded if canonical and ≤ 11 chars, else LZF
   * when enabled, longer than 20 bytes and it saves at least 4, else length + bytes.
   */
  private binaryString(buf: Uint8Array, at: number, text: string): number {
    const length = text.length;
    if (length <= 11) {
      const asInt = canonicalInt32OfBinary(text);
      if (!Number.isNaN(asInt)) return putIntEncoded(buf, at, asInt);
    } else if (this.compression && length > 20) {
      if (this.keyScratch.length < length) this.keyScratch = new Uint8Array(Math.max(length, this.keyScratch.length * 2));
      const bytes = this.keyScratch;
      for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(i);
      return this.bytesString(buf, at, bytes, 0, length);
    }
    let p = putLength(buf, at, length);
    for (let i = 0; i < length; i++) buf[p++] = text.charCodeAt(i);
    return p;
  }

  /** `binaryString` for `bytes[start..end)`. */
  private bytesString(buf: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length <= 11) {
      const asInt = canonicalInt32(bytes, start, end);
      if (!Number.isNaN(asInt)) return putIntEncoded(buf, at, asInt);
    } else if (this.compression && length > 20) {
      const limit = length - 4;
      if (this.lzfScratch.length < limit) this.lzfScratch = new Uint8Array(Math.max(limit, this.lzfScratch.length * 2));
      const compressed = lzfCompressInto(bytes, start, end, this.lzfScratch, 0, limit);
      if (compressed > 0) {
        buf[at] = 0xc0 | ENC_LZF;
        let p = putLength(buf, at + 1, compressed);
        p = putLength(buf, p, length);
        buf.set(this.lzfScratch.subarray(0, compressed), p);
        return p + compressed;
      }
    }
    const p = putLength(buf, at, length);
    if (length < 32) {
      for (let i = 0; i < length; i++) buf[p + i] = bytes[start + i]!;
    } else {
      buf.set(bytes.subarray(start, end), p);
    }
    return p + length;
  }
}

/** `ll2string` for the integers the AUX fields carry. */
function decimal(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`writeRdb: AUX value ${value} is not an integer`);
  return String(value);
}
