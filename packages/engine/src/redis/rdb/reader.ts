/**
 * RDB reader for files written by redis 1.x..7.0 (format versions 1..10), following
 * `rdbLoadRioWithLoadingCtx` and `rdbLoadObject` in redis 7.0.15.
 *
 * Strings are handed to the visitor. Every other value type 7.0 writes or loads is parsed to its
 * end (with the same shallow integrity checks redis applies on load) and reported as unsupported,
 * so a file mixing strings with lists, hashes, sets, sorted sets, streams and module v2 values
 * still reads to its checksum.
 *
 * Speed matters (a million-key full sync): the input is walked in place, keys become byte strings
 * without intermediate copies, and string values are carved out of 64 KiB slabs instead of being
 * allocated one by one.
 */

import { bytesToBinary } from "../../util/bytes.ts";
import { Crc64 } from "./crc64.ts";
import * as rdbEncoding from "./encoding.ts";
import { type RdbValueTypeName } from "./encoding.ts";
import { RdbError } from "./errors.ts";
import { lzfDecompressInto } from "./lzf.ts";
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap } from "./compact.ts";
import { strtod } from "../numbers.ts";

// Module-local bindings: some loaders (tsx, vite SSR) compile imported bindings into getters,
// which the per-key loops should not call millions of times.
const {
  ENC_INT16,
  ENC_INT32,
  ENC_INT8,
  ENC_LZF,
  LEN_32BIT,
  LEN_64BIT,
  MODULE_OPCODE_DOUBLE,
  MODULE_OPCODE_EOF,
  MODULE_OPCODE_FLOAT,
  MODULE_OPCODE_SINT,
  MODULE_OPCODE_STRING,
  MODULE_OPCODE_UINT,
  OP_AUX,
  OP_EOF,
  OP_EXPIRETIME,
  OP_EXPIRETIME_MS,
  OP_FREQ,
  OP_FUNCTION,
  OP_FUNCTION2,
  OP_IDLE,
  OP_MODULE_AUX,
  OP_RESIZEDB,
  OP_SELECTDB,
  RDB_VERSION,
  TYPE_HASH,
  TYPE_HASH_LISTPACK,
  TYPE_HASH_ZIPLIST,
  TYPE_HASH_ZIPMAP,
  TYPE_LIST,
  TYPE_LIST_QUICKLIST,
  TYPE_LIST_QUICKLIST_2,
  TYPE_LIST_ZIPLIST,
  TYPE_MODULE,
  TYPE_MODULE_2,
  TYPE_SET,
  TYPE_SET_INTSET,
  TYPE_STREAM_LISTPACKS,
  TYPE_STREAM_LISTPACKS_2,
  TYPE_STRING,
  TYPE_ZSET,
  TYPE_ZSET_2,
  TYPE_ZSET_LISTPACK,
  TYPE_ZSET_ZIPLIST,
  valueTypeName,
} = rdbEncoding;

/** Callbacks for what the file holds, in file order. All are optional. */
export interface RdbVisitor {
  /** An AUX field. Int-encoded values arrive as their decimal text, as redis reads them. */
  onAux?(key: string, value: Uint8Array): void;
  onSelectDb?(db: number): void;
  /** The RESIZEDB hint for the selected db. */
  onResizeDb?(size: number, expires: number): void;
  /**
   * A string key. `key` is a byte string (char codes 0..255). `value` belongs to the callee and is
   * never written by the reader again, but it may be a view into a larger private buffer.
   * `expireAtMs` is the absolute expire in Unix milliseconds, -1 for none; keys that have already
   * expired are delivered too (a replica keeps them; dropping them is the loader's policy).
   */
  onString?(db: number, key: string, value: Uint8Array, expireAtMs: number): void;
  /**
   * When given, a string key without expire whose key is stored as plain bytes and whose value as
   * plain bytes shorter than 64 (no int or LZF encoding; one length byte, which sits at `keyEnd`
   * right before the value) comes here instead of `onString`, as places in the input: nothing is
   * copied or allocated for it. `bytes` is the input `readRdb` was given.
   */
  onShortString?(db: number, bytes: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void;
  /** A list, set, sorted set or hash, decoded (the loader picks its in-memory encoding). */
  onAggregate?(db: number, key: string, value: RdbAggregate, expireAtMs: number): void;
  /** A key of a type the lab does not model (streams, modules). Its value has been parsed and skipped. */
  onUnsupported?(db: number, key: string, typeName: RdbValueTypeName, expireAtMs: number): void;
  /** A function library's code (RDB_OPCODE_FUNCTION2); without this callback libraries are skipped. */
  onFunction?(code: Uint8Array): void;
}

/**
 * A decoded aggregate, with the RDB type it came as (the loader's encoding rules depend on it).
 * Members and fields are byte strings; list items and hash values are bytes. A list keeps the
 * node layout it was saved with (plain node or listpack), when the type has one.
 */
export type RdbAggregate =
  | { readonly type: "list"; readonly rdbType: number; readonly nodes: readonly { readonly plain: boolean; readonly items: readonly Uint8Array[] }[] }
  | { readonly type: "set"; readonly rdbType: number; readonly members: readonly string[] }
  | { readonly type: "zset"; readonly rdbType: number; readonly entries: readonly (readonly [string, number])[] }
  | { readonly type: "hash"; readonly rdbType: number; readonly entries: readonly (readonly [string, Uint8Array])[] };

/** Options for `readRdb`. */
export interface RdbReadOptions {
  /** Check the CRC64 trailer (version ≥ 5) unless it is zero. Default true (`rdbchecksum yes`). */
  verifyChecksum?: boolean;
  /** Number of databases; a SELECTDB at or beyond it is refused, as redis refuses it. Default 16. */
  databases?: number;
  /**
   * The newest file version the loading server knows (default 10). An older server refuses a newer
   * file as rdbLoad does ("Can't handle RDB format version 8"): a 2.8 replica of a 4.0 master.
   */
  maxVersion?: number;
}

/** Replication state carried in AUX fields, parsed the way `rdbLoadRio` parses it. */
export interface RdbReplicationInfo {
  /** `repl-id`, only when it is exactly 40 bytes long (redis ignores it otherwise). */
  replId: string | null;
  /** `repl-offset`. */
  replOffset: number | null;
  /** `repl-stream-db`. */
  replStreamDb: number | null;
}

/** A key reported through `onUnsupported`. */
export interface RdbUnsupportedKey {
  db: number;
  key: string;
  typeName: RdbValueTypeName;
  /** The RDB type byte (e.g. 18 = quicklist list, 16 = listpack hash). */
  rdbType: number;
  expireAtMs: number;
}

/**
 * How the checksum was handled: `verified` (it matched), `disabled` (stored as zero, accepted like
 * redis does), `not-checked` (`verifyChecksum: false`), `absent` (version < 5 has none).
 */
export type RdbChecksumStatus = "verified" | "disabled" | "not-checked" | "absent";

/** What `readRdb` found. */
export interface RdbSummary {
  version: number;
  aux: ReadonlyMap<string, Uint8Array>;
  replication: RdbReplicationInfo;
  /** Keys delivered (strings and unsupported). */
  keys: number;
  stringKeys: number;
  /** Delivered keys that carry an expire. */
  expires: number;
  keysByDb: ReadonlyMap<number, number>;
  unsupported: readonly RdbUnsupportedKey[];
  /** Empty aggregates, which redis silently drops on load ("rdbLoadObject skipping empty key"). */
  emptyKeysSkipped: number;
  /** FUNCTION/FUNCTION2 libraries skipped. */
  functionLibraries: number;
  checksum: RdbChecksumStatus;
  /** Bytes the RDB occupies, through the checksum; anything after it was ignored, as redis ignores it. */
  byteLength: number;
}

const SLAB_BYTES = 64 * 1024;
const LARGE_VALUE_BYTES = 4096;
const TWO_32 = 4294967296;
const DEFAULT_DATABASES = 16;
const MODULE_NAME_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Reads an RDB file, calling `visitor` for its contents in order, and returns a summary.
 *
 * Throws `RdbError` for a file redis would refuse. Keys may already have been delivered when an
 * error is found late (redis also loads as it parses, then empties the dataset), so load into a
 * fresh keyspace and swap it in on success. When the input ends exactly at the checksum, a bad
 * checksum is detected before any callback runs.
 */
export function readRdb(bytes: Uint8Array, visitor: RdbVisitor, options: RdbReadOptions = {}): RdbSummary {
  return new RdbParser(bytes, visitor, options.verifyChecksum ?? true, options.databases ?? DEFAULT_DATABASES, Math.min(options.maxVersion ?? RDB_VERSION, RDB_VERSION)).run();
}

/**
 * Where the keys of an RDB still arriving end, for a loader that takes time per key
 * (`key-load-delay`) and so reads its socket only as far as it has loaded. `bytes` is the part of
 * the RDB from `state.at` on (`at` 0: the header is in it); each key entry complete in it adds its
 * end (an offset into the whole RDB) to `state.ends`, and `state.at` moves past it. Stops at the
 * first entry not complete yet; `state.done` is set at the EOF opcode or at bytes the loader would
 * refuse (the load itself reports those).
 */
export interface RdbKeyScan {
  /** Offset into the RDB of the first byte not scanned yet (an entry boundary, or 0). */
  at: number;
  /** End offsets of the key entries found, in order. */
  readonly ends: number[];
  done: boolean;
  version: number;
  readonly maxVersion: number;
}

export function scanRdbKeyEnds(bytes: Uint8Array, state: RdbKeyScan): void {
  if (state.done) return;
  const parser = new RdbParser(bytes, {}, false, Number.MAX_SAFE_INTEGER, state.maxVersion);
  const base = state.at;
  parser.keyEnded = (end) => {
    state.ends.push(base + end);
    state.at = base + end;
  };
  try {
    if (base === 0) {
      parser.startAfterHeader();
      state.version = parser.fileVersion;
      state.at = parser.position;
    } else {
      parser.resumeAt(0, state.version);
    }
    parser.scanBody();
    state.done = true;
  } catch (error) {
    if (!(error instanceof RdbError)) throw error;
    if (error.code !== "truncated") state.done = true;
  }
}

/** A DUMP payload's value, decoded (`RdbAggregate` for lists, sets, sorted sets and hashes). */
export type DumpPayloadValue = { readonly type: "string"; readonly value: Uint8Array } | { readonly type: "aggregate"; readonly value: RdbAggregate };

/**
 * verifyDumpPayload: at least 10 bytes, the 2-byte little-endian RDB version at the end no newer
 * than `maxVersion`, and the CRC64 of everything before the last 8 bytes equal to them (unless
 * `verifyChecksum` is false: skip-checksum-validation). False when redis would answer "DUMP
 * payload version or checksum are wrong".
 */
export function verifyDumpPayload(bytes: Uint8Array, maxVersion: number, verifyChecksum = true): boolean {
  const length = bytes.length;
  if (length < 10) return false;
  const version = bytes[length - 10]! | (bytes[length - 9]! << 8);
  if (version > maxVersion) return false;
  if (!verifyChecksum) return true;
  return new Crc64().update(bytes, 0, length - 8).matchesLE(bytes, length - 8);
}

/**
 * RESTORE's rdbLoadObjectType + rdbLoadObject on a verified DUMP payload: the value, or null when
 * redis answers "Bad data format" (an unknown type byte, a truncated or corrupt value, an empty
 * aggregate, a stream or module value the lab does not model). Bytes between the value and the
 * footer are ignored, as redis ignores them.
 */
export function readDumpPayload(bytes: Uint8Array): DumpPayloadValue | null {
  try {
    return new RdbParser(bytes.subarray(0, bytes.length - 10), {}, false, DEFAULT_DATABASES).dumpValue();
  } catch (error) {
    if (error instanceof RdbError) return null;
    throw error;
  }
}

class RdbParser {
  private pos = 0;
  /** Set by `lengthOrEncoding`: the last length byte was `11xxxxxx`, a special string encoding. */
  private encoded = false;
  private slab = new Uint8Array(SLAB_BYTES);
  private slabUsed = 0;
  private scratch = new Uint8Array(256);

  private version = 0;
  private db = 0;
  /** For {@link scanRdbKeyEnds}: told where each key entry ends. */
  keyEnded: ((end: number) => void) | null = null;
  private readonly aux = new Map<string, Uint8Array>();
  private readonly replication: RdbReplicationInfo = { replId: null, replOffset: null, replStreamDb: null };
  private keys = 0;
  private stringKeys = 0;
  private expires = 0;
  private readonly keysPerDb: number[] = [];
  private readonly unsupported: RdbUnsupportedKey[] = [];
  private emptyKeysSkipped = 0;
  private functionLibraries = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly visitor: RdbVisitor,
    private readonly verifyChecksum: boolean,
    private readonly databases: number,
    private readonly maxVersion: number = RDB_VERSION,
  ) {}

  run(): RdbSummary {
    this.header();
    const checksum = this.checksumBeforeParsing();
    this.body();
    if (this.version >= 5) {
      this.need(8);
      this.pos += 8;
    }
    return {
      version: this.version,
      aux: this.aux,
      replication: this.replication,
      keys: this.keys,
      stringKeys: this.stringKeys,
      expires: this.expires,
      keysByDb: this.keysByDbMap(),
      unsupported: this.unsupported,
      emptyKeysSkipped: this.emptyKeysSkipped,
      functionLibraries: this.functionLibraries,
      checksum: this.confirmChecksum(checksum),
      byteLength: this.pos,
    };
  }

  /** The type byte and value of a DUMP payload (its footer already cut off). */
  dumpValue(): DumpPayloadValue | null {
    this.need(1);
    const type = this.bytes[this.pos++]!;
    if (type === TYPE_STRING) return { type: "string", value: this.readFreshBytes() };
    if (valueTypeName(type) === null) return null;
    const aggregate = this.readAggregate(type);
    return aggregate === null || aggregate === undefined ? null : { type: "aggregate", value: aggregate };
  }

  /** For {@link scanRdbKeyEnds}: the header, then the body's entries until the input ends. */
  startAfterHeader(): void {
    this.header();
  }

  /** For {@link scanRdbKeyEnds}: continue at an entry boundary of a file of `version`. */
  resumeAt(pos: number, version: number): void {
    this.pos = pos;
    this.version = version;
  }

  scanBody(): void {
    this.body();
  }

  get fileVersion(): number {
    return this.version;
  }

  get position(): number {
    return this.pos;
  }

  private keysByDbMap(): Map<number, number> {
    const map = new Map<number, number>();
    this.keysPerDb.forEach((count, db) => map.set(db, count));
    return map;
  }

  private header(): void {
    const bytes = this.bytes;
    if (bytes.length < 9) throw new RdbError("truncated", "Short read loading RDB header");
    if (bytes[0] !== 0x52 || bytes[1] !== 0x45 || bytes[2] !== 0x44 || bytes[3] !== 0x49 || bytes[4] !== 0x53) {
      throw new RdbError("bad-magic", "Wrong signature trying to load DB from file");
    }
    const version = atoi(bytes, 5, 9);
    if (version < 1 || version > this.maxVersion) {
      throw new RdbError("bad-version", `Can't handle RDB format version ${version}`);
    }
    this.version = version;
    this.pos = 9;
  }

  /**
   * Settles the checksum before the visitor sees anything, so a corrupt transfer delivers no keys.
   *
   * Normally the input is exactly one RDB, ending with `FF` and the checksum: one CRC pass over
   * everything before the last 8 bytes decides. Otherwise (a mismatch, or bytes after the RDB) a
   * callback-free parse finds where the RDB really ends, which also surfaces any structural error
   * first, and the checksum stored there decides.
   */
  private checksumBeforeParsing(): RdbChecksumStatus {
    if (this.version < 5) return "absent";
    if (!this.verifyChecksum) return "not-checked";
    const bytes = this.bytes;
    const end = bytes.length;
    if (end >= 9 + 9 && bytes[end - 9] === OP_EOF) {
      if (isZero(bytes, end - 8)) return "disabled";
      if (new Crc64().update(bytes, 0, end - 8).matchesLE(bytes, end - 8)) return "verified";
    }
    const rdbEnd = new RdbParser(bytes, {}, false, this.databases).run().byteLength;
    this.checkStoredChecksum(rdbEnd - 8);
    return isZero(bytes, rdbEnd - 8) ? "disabled" : "verified";
  }

  /** After parsing: if the RDB did not end where `checksumBeforeParsing` assumed, check its real trailer. */
  private confirmChecksum(assumed: RdbChecksumStatus): RdbChecksumStatus {
    if (assumed === "absent" || assumed === "not-checked" || this.pos === this.bytes.length) return assumed;
    this.checkStoredChecksum(this.pos - 8);
    return isZero(this.bytes, this.pos - 8) ? "disabled" : "verified";
  }

  /** Throws "bad-checksum" unless the 8 bytes at `at` are zero or the CRC64 of everything before them. */
  private checkStoredChecksum(at: number): void {
    if (isZero(this.bytes, at)) return;
    const crc = new Crc64().update(this.bytes, 0, at);
    if (!crc.matchesLE(this.bytes, at)) {
      const stored = readUint64LE(this.bytes, at);
      throw new RdbError(
        "bad-checksum",
        `Wrong RDB checksum expected: (${crc.toBigInt().toString(16)}) but got (${stored.toString(16)})`,
      );
    }
  }

  private body(): void {
    const bytes = this.bytes;
    const visitor = this.visitor;
    let expireAtMs = -1;
    for (;;) {
      this.need(1);
      const type = bytes[this.pos++]!;
      switch (type) {
        case OP_EXPIRETIME: {
          this.need(4);
          const p = this.pos;
          const seconds = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
          this.pos = p + 4;
          expireAtMs = seconds * 1000;
          continue;
        }
        case OP_EXPIRETIME_MS:
          this.need(8);
          expireAtMs = readInt64LE(bytes, this.pos);
          this.pos += 8;
          continue;
        case OP_FREQ:
          this.need(1);
          this.pos++;
          continue;
        case OP_IDLE:
          this.length();
          continue;
        case OP_EOF:
          return;
        case OP_SELECTDB: {
          const db = this.length();
          if (db >= this.databases) {
            throw new RdbError(
              "bad-db",
              `FATAL: Data file was created with a Redis server configured to handle more than ${this.databases} databases`,
            );
          }
          this.db = db;
          visitor.onSelectDb?.(db);
          continue;
        }
        case OP_RESIZEDB: {
          const size = this.length();
          const expires = this.length();
          visitor.onResizeDb?.(size, expires);
          continue;
        }
        case OP_AUX:
          this.auxField();
          continue;
        case OP_MODULE_AUX:
          throw new RdbError("unsupported", "The RDB file contains AUX module data I can't load: no matching module");
        case OP_FUNCTION:
          // 7.0-rc1/rc2 layout: name, engine, [description], code.
          this.skipString();
          this.skipString();
          if (this.length() !== 0) this.skipString();
          this.skipString();
          this.functionLibraries++;
          continue;
        case OP_FUNCTION2:
          if (visitor.onFunction) visitor.onFunction(this.readValue());
          else this.skipString();
          this.functionLibraries++;
          continue;
        default:
          break;
      }

      if (type === TYPE_STRING && expireAtMs === -1 && visitor.onShortString !== undefined && this.shortString()) continue;
      const key = this.readBinary();
      if (type === TYPE_STRING) {
        const value = this.readValue();
        this.countKey(expireAtMs);
        this.stringKeys++;
        visitor.onString?.(this.db, key, value, expireAtMs);
      } else {
        const typeName = valueTypeName(type);
        if (typeName === null) throw new RdbError("corrupt", `Unknown RDB encoding type ${type}`);
        const aggregate = this.readAggregate(type);
        if (aggregate !== undefined) {
          if (aggregate === null) {
            this.emptyKeysSkipped++;
          } else {
            this.countKey(expireAtMs);
            visitor.onAggregate?.(this.db, key, aggregate, expireAtMs);
          }
        } else if (this.skipValue(type)) {
          this.countKey(expireAtMs);
          this.unsupported.push({ db: this.db, key, typeName, rdbType: type, expireAtMs });
          visitor.onUnsupported?.(this.db, key, typeName, expireAtMs);
        } else {
          this.emptyKeysSkipped++;
        }
      }
      // Expire, LRU and LFU opcodes apply to the next key only.
      expireAtMs = -1;
      if (this.keyEnded !== null) this.keyEnded(this.pos);
    }
  }

  /**
   * A string key without expire, at its key: hands it to `onShortString` when key and value are
   * plain and the value shorter than 64 bytes (true), else reads nothing (false).
   */
  private shortString(): boolean {
    const bytes = this.bytes;
    const start = this.pos;
    const keyLength = this.lengthOrEncoding();
    if (this.encoded) {
      this.pos = start;
      return false;
    }
    this.need(keyLength + 1);
    const keyStart = this.pos;
    const keyEnd = keyStart + keyLength;
    const valueLength = bytes[keyEnd]!;
    if (valueLength >= 64) {
      this.pos = start;
      return false;
    }
    this.need(keyLength + 1 + valueLength);
    this.pos = keyEnd + 1 + valueLength;
    this.countKey(-1);
    this.stringKeys++;
    this.visitor.onShortString!(this.db, bytes, keyStart, keyEnd, keyEnd + 1, keyEnd + 1 + valueLength);
    return true;
  }

  private countKey(expireAtMs: number): void {
    this.keys++;
    if (expireAtMs !== -1) this.expires++;
    this.keysPerDb[this.db] = (this.keysPerDb[this.db] ?? 0) + 1;
  }

  private auxField(): void {
    const key = this.readBinary();
    const value = this.readFreshBytes();
    this.aux.set(key, value);
    // Same keys and parsing as rdbLoadRio (strcasecmp, atoi/strtoll).
    switch (key.toLowerCase()) {
      case "repl-stream-db":
        this.replication.replStreamDb = atoi(value, 0, value.length);
        break;
      case "repl-id":
        if (value.length === 40) this.replication.replId = bytesToBinary(value);
        break;
      case "repl-offset":
        this.replication.replOffset = atoi(value, 0, value.length);
        break;
      default:
        break;
    }
    this.visitor.onAux?.(key, value);
  }

  // ---- primitives -------------------------------------------------------------------------------

  private need(count: number): void {
    if (this.pos + count > this.bytes.length) {
      throw new RdbError("truncated", "Short read or OOM loading DB. Unexpected EOF reading RDB file");
    }
  }

  /**
   * Reads a length (`rdbLoadLenByRef`). For a `11xxxxxx` byte it returns the low 6 bits and sets
   * `encoded`; callers that expect a plain length use the number as is, as redis does.
   */
  private lengthOrEncoding(): number {
    this.need(1);
    const bytes = this.bytes;
    const first = bytes[this.pos++]!;
    const kind = first >>> 6;
    if (kind === 0) {
      this.encoded = false;
      return first;
    }
    if (kind === 1) {
      this.need(1);
      this.encoded = false;
      return ((first & 0x3f) << 8) | bytes[this.pos++]!;
    }
    if (kind === 3) {
      this.encoded = true;
      return first & 0x3f;
    }
    this.encoded = false;
    if (first === LEN_32BIT) {
      this.need(4);
      const p = this.pos;
      this.pos = p + 4;
      return ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
    }
    if (first === LEN_64BIT) {
      this.need(8);
      const p = this.pos;
      this.pos = p + 8;
      const hi = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
      const lo = ((bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!) >>> 0;
      // Anything past 2^53 cannot describe data in memory; it can only be corruption.
      if (hi >= 0x200000) throw new RdbError("corrupt", "64-bit length beyond 2^53");
      return hi * TWO_32 + lo;
    }
    throw new RdbError("corrupt", `Unknown length encoding ${kind} in rdbLoadLen()`);
  }

  /** A length where redis expects one; like `rdbLoadLen`, an `11xxxxxx` byte yields its low 6 bits. */
  private length(): number {
    return this.lengthOrEncoding();
  }

  /**
   * Skips a field redis saves with `rdbSaveLen` but that is a number, not a length: stream ids and
   * counters span all 64 bits (a consumer group created before its entries were counted stores -1
   * as 2^64 - 1), so the 2^53 bound of {@link lengthOrEncoding} does not apply.
   */
  private skipLength(): void {
    this.need(1);
    const first = this.bytes[this.pos]!;
    if (first === LEN_64BIT) {
      this.need(9);
      this.pos += 9;
      return;
    }
    this.lengthOrEncoding();
  }

  /** Reads an INT-encoded string's value. */
  private intEncoded(encoding: number): number {
    const bytes = this.bytes;
    const p = this.pos;
    if (encoding === ENC_INT8) {
      this.need(1);
      this.pos = p + 1;
      return (bytes[p]! << 24) >> 24;
    }
    if (encoding === ENC_INT16) {
      this.need(2);
      this.pos = p + 2;
      return ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >> 16;
    }
    if (encoding === ENC_INT32) {
      this.need(4);
      this.pos = p + 4;
      return bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    }
    throw new RdbError("corrupt", `Unknown RDB string encoding type ${encoding}`);
  }

  /** Reads an LZF string's header and decompresses it into `target` at `at`, which has room. */
  private lzfInto(target: Uint8Array, at: number, compressedLength: number, length: number): void {
    this.need(compressedLength);
    const start = this.pos;
    this.pos = start + compressedLength;
    lzfDecompressInto(this.bytes, start, start + compressedLength, target, at, length);
  }

  private scratchOf(size: number): Uint8Array {
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, this.scratch.length * 2));
    return this.scratch;
  }

  /** Reads a string as a byte string (keys, AUX keys). */
  private readBinary(): string {
    const length = this.lengthOrEncoding();
    if (this.encoded) {
      if (length === ENC_LZF) {
        const compressedLength = this.length();
        const original = this.length();
        const scratch = this.scratchOf(original);
        this.lzfInto(scratch, 0, compressedLength, original);
        return bytesToBinary(scratch, 0, original);
      }
      return String(this.intEncoded(length));
    }
    this.need(length);
    const start = this.pos;
    this.pos = start + length;
    return binaryOf(this.bytes, start, start + length);
  }

  /** Room for `size` bytes of value: a slab view for small values, an own buffer for large ones. */
  private allocate(size: number): Uint8Array {
    if (size > LARGE_VALUE_BYTES) return new Uint8Array(size);
    if (this.slabUsed + size > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const view = new Uint8Array(this.slab.buffer, this.slabUsed, size);
    this.slabUsed += size;
    return view;
  }

  /** Reads a string value into memory the reader will not touch again (slab or own buffer). */
  private readValue(): Uint8Array {
    const length = this.lengthOrEncoding();
    if (this.encoded) {
      if (length === ENC_LZF) {
        const compressedLength = this.length();
        const original = this.length();
        const out = this.allocate(original);
        this.lzfInto(out, 0, compressedLength, original);
        return out;
      }
      const text = String(this.intEncoded(length));
      const out = this.allocate(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
      return out;
    }
    this.need(length);
    const start = this.pos;
    this.pos = start + length;
    const out = this.allocate(length);
    const bytes = this.bytes;
    if (length <= 32) {
      for (let i = 0; i < length; i++) out[i] = bytes[start + i]!;
    } else {
      out.set(bytes.subarray(start, start + length));
    }
    return out;
  }

  /** Reads a string into its own new buffer (AUX values, which the summary keeps). */
  private readFreshBytes(): Uint8Array {
    const length = this.lengthOrEncoding();
    if (this.encoded) {
      if (length === ENC_LZF) {
        const compressedLength = this.length();
        const original = this.length();
        const out = new Uint8Array(original);
        this.lzfInto(out, 0, compressedLength, original);
        return out;
      }
      const text = String(this.intEncoded(length));
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
      return out;
    }
    this.need(length);
    const start = this.pos;
    this.pos = start + length;
    return this.bytes.slice(start, start + length);
  }

  /**
   * Reads a string that is only checked, not kept (members of unsupported values). Returns where
   * its bytes are: in the input, or decompressed into scratch.
   */
  private readTransient(): { source: Uint8Array; start: number; end: number } {
    const length = this.lengthOrEncoding();
    if (this.encoded) {
      if (length === ENC_LZF) {
        const compressedLength = this.length();
        const original = this.length();
        const scratch = this.scratchOf(original);
        this.lzfInto(scratch, 0, compressedLength, original);
        return { source: scratch, start: 0, end: original };
      }
      const text = String(this.intEncoded(length));
      const scratch = this.scratchOf(text.length);
      for (let i = 0; i < text.length; i++) scratch[i] = text.charCodeAt(i);
      return { source: scratch, start: 0, end: text.length };
    }
    this.need(length);
    const start = this.pos;
    this.pos = start + length;
    return { source: this.bytes, start, end: start + length };
  }

  private skipString(): void {
    this.readTransient();
  }

  // ---- lists, sets, sorted sets, hashes -------------------------------------------------------

  /** A blob (listpack, ziplist, intset, zipmap) as its own bytes. */
  private readBlob(): Uint8Array {
    const blob = this.readTransient();
    return blob.source.slice(blob.start, blob.end);
  }

  /**
   * Decodes an aggregate (rdbLoadObject); null for an empty one (which redis drops), undefined for
   * a type this reader only skips (streams, modules).
   */
  private readAggregate(type: number): RdbAggregate | null | undefined {
    switch (type) {
      case TYPE_LIST: {
        const count = this.length();
        const items: Uint8Array[] = [];
        for (let i = 0; i < count; i++) items.push(this.readValue());
        return count === 0 ? null : { type: "list", rdbType: type, nodes: [{ plain: false, items }] };
      }
      case TYPE_LIST_QUICKLIST:
      case TYPE_LIST_QUICKLIST_2: {
        const nodeCount = this.length();
        const nodes: { plain: boolean; items: Uint8Array[] }[] = [];
        for (let i = 0; i < nodeCount; i++) {
          let plain = false;
          if (type === TYPE_LIST_QUICKLIST_2) {
            const container = this.length();
            if (container !== 1 && container !== 2) throw new RdbError("corrupt", "Quicklist integrity check failed.");
            plain = container === 1;
          }
          const blob = this.readBlob();
          if (blob.length === 0) throw new RdbError("corrupt", "Quicklist node of length 0");
          if (plain) {
            nodes.push({ plain: true, items: [blob] });
            continue;
          }
          const items = type === TYPE_LIST_QUICKLIST_2 ? decodeListpack(blob) : decodeZiplist(blob);
          if (items.length > 0) nodes.push({ plain: false, items });
        }
        return nodes.length === 0 ? null : { type: "list", rdbType: type, nodes };
      }
      case TYPE_LIST_ZIPLIST: {
        const items = decodeZiplist(this.readBlob());
        return items.length === 0 ? null : { type: "list", rdbType: type, nodes: [{ plain: false, items }] };
      }
      case TYPE_SET: {
        const count = this.length();
        const members: string[] = [];
        for (let i = 0; i < count; i++) members.push(this.readBinary());
        return count === 0 ? null : { type: "set", rdbType: type, members };
      }
      case TYPE_SET_INTSET:
        return { type: "set", rdbType: type, members: decodeIntset(this.readBlob()) };
      case TYPE_ZSET:
      case TYPE_ZSET_2: {
        const count = this.length();
        const entries: [string, number][] = [];
        for (let i = 0; i < count; i++) {
          const member = this.readBinary();
          const score = type === TYPE_ZSET_2 ? this.binaryDouble() : this.textDouble();
          if (Number.isNaN(score)) throw new RdbError("corrupt", "Zset with NAN score detected");
          entries.push([member, score]);
        }
        return count === 0 ? null : { type: "zset", rdbType: type, entries };
      }
      case TYPE_ZSET_ZIPLIST:
      case TYPE_ZSET_LISTPACK: {
        const items = type === TYPE_ZSET_LISTPACK ? decodeListpack(this.readBlob()) : decodeZiplist(this.readBlob());
        const entries: [string, number][] = [];
        for (let i = 0; i + 1 < items.length; i += 2) entries.push([bytesToBinary(items[i]!), strtod(bytesToBinary(items[i + 1]!)).value]);
        return entries.length === 0 ? null : { type: "zset", rdbType: type, entries };
      }
      case TYPE_HASH: {
        const count = this.length();
        const entries: [string, Uint8Array][] = [];
        for (let i = 0; i < count; i++) {
          const field = this.readBinary();
          entries.push([field, this.readValue()]);
        }
        return count === 0 ? null : { type: "hash", rdbType: type, entries };
      }
      case TYPE_HASH_ZIPMAP:
      case TYPE_HASH_ZIPLIST:
      case TYPE_HASH_LISTPACK: {
        const blob = this.readBlob();
        let pairs: [Uint8Array, Uint8Array][];
        if (type === TYPE_HASH_ZIPMAP) {
          pairs = decodeZipmap(blob);
        } else {
          const items = type === TYPE_HASH_LISTPACK ? decodeListpack(blob) : decodeZiplist(blob);
          pairs = [];
          for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
        }
        const entries = pairs.map(([field, value]) => [bytesToBinary(field), value] as const);
        return entries.length === 0 ? null : { type: "hash", rdbType: type, entries };
      }
      default:
        return undefined;
    }
  }

  /** rdbLoadBinaryDoubleValue: little-endian binary64. */
  private binaryDouble(): number {
    this.need(8);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf, 255 -inf) and the number as text. */
  private textDouble(): number {
    this.need(1);
    const length = this.bytes[this.pos++]!;
    if (length === 255) return -Infinity;
    if (length === 254) return Infinity;
    if (length === 253) return Number.NaN;
    this.need(length);
    const text = bytesToBinary(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return strtod(text).value;
  }

  // ---- values the lab does not model ----------------------------------------------------------

  /**
   * Parses and skips a non-string value (`rdbLoadObject`). Returns false for an empty aggregate,
   * which redis drops instead of loading.
   */
  private skipValue(type: number): boolean {
    switch (type) {
      case TYPE_LIST:
      case TYPE_SET: {
        const count = this.length();
        for (let i = 0; i < count; i++) this.skipString();
        return count !== 0;
      }
      case TYPE_ZSET:
      case TYPE_ZSET_2: {
        const count = this.length();
        for (let i = 0; i < count; i++) {
          this.skipString();
          if (type === TYPE_ZSET_2) {
            this.need(8);
            this.pos += 8;
          } else {
            this.skipTextDouble();
          }
        }
        return count !== 0;
      }
      case TYPE_HASH: {
        const count = this.length();
        for (let i = 0; i < count; i++) {
          this.skipString();
          this.skipString();
        }
        return count !== 0;
      }
      case TYPE_LIST_QUICKLIST:
      case TYPE_LIST_QUICKLIST_2:
        return this.skipQuicklist(type === TYPE_LIST_QUICKLIST_2);
      case TYPE_HASH_ZIPMAP: {
        const blob = this.readTransient();
        if (blob.end - blob.start < 2 || blob.source[blob.end - 1] !== 0xff) {
          throw new RdbError("corrupt", "Zipmap integrity check failed.");
        }
        return true;
      }
      case TYPE_LIST_ZIPLIST:
      case TYPE_ZSET_ZIPLIST:
      case TYPE_HASH_ZIPLIST: {
        const blob = this.readTransient();
        return checkZiplist(blob.source, blob.start, blob.end) !== 0;
      }
      case TYPE_SET_INTSET: {
        const blob = this.readTransient();
        checkIntset(blob.source, blob.start, blob.end);
        return true;
      }
      case TYPE_HASH_LISTPACK:
      case TYPE_ZSET_LISTPACK: {
        const blob = this.readTransient();
        return checkListpack(blob.source, blob.start, blob.end) !== 0;
      }
      case TYPE_STREAM_LISTPACKS:
      case TYPE_STREAM_LISTPACKS_2:
        this.skipStream(type === TYPE_STREAM_LISTPACKS_2);
        return true;
      case TYPE_MODULE_2:
        this.skipModule2();
        return true;
      case TYPE_MODULE: {
        const id = this.moduleId();
        throw new RdbError(
          "unsupported",
          `The RDB file contains module data I can't load: no matching module type '${moduleName(id)}'`,
        );
      }
      default:
        throw new RdbError("corrupt", `Unknown RDB encoding type ${type}`);
    }
  }

  /** A double saved as text (`rdbSaveDoubleValue`, zset type 3): length byte or 253/254/255. */
  private skipTextDouble(): void {
    this.need(1);
    const length = this.bytes[this.pos++]!;
    if (length >= 253) return;
    this.need(length);
    this.pos += length;
  }

  private skipQuicklist(withContainers: boolean): boolean {
    const nodes = this.length();
    let nonEmptyNodes = 0;
    for (let i = 0; i < nodes; i++) {
      let plain = false;
      if (withContainers) {
        const container = this.length();
        if (container !== 1 && container !== 2) throw new RdbError("corrupt", "Quicklist integrity check failed.");
        plain = container === 1;
      }
      const blob = this.readTransient();
      if (blob.end === blob.start) throw new RdbError("corrupt", "Quicklist node of length 0");
      if (plain) {
        nonEmptyNodes++;
      } else if (withContainers) {
        if (checkListpack(blob.source, blob.start, blob.end) !== 0) nonEmptyNodes++;
      } else if (checkZiplist(blob.source, blob.start, blob.end) !== 0) {
        nonEmptyNodes++;
      }
    }
    return nonEmptyNodes !== 0;
  }

  private skipStream(v2: boolean): void {
    const listpacks = this.length();
    for (let i = 0; i < listpacks; i++) {
      const nodeKey = this.readTransient();
      if (nodeKey.end - nodeKey.start !== 16) {
        throw new RdbError("corrupt", "Stream node key entry is not the size of a stream ID");
      }
      const lp = this.readTransient();
      if (checkListpack(lp.source, lp.start, lp.end) === 0) {
        throw new RdbError("corrupt", "Empty listpack inside stream");
      }
    }
    this.length(); // entries
    this.skipLength(); // last id ms
    this.skipLength(); // last id seq
    if (v2) {
      this.skipLength(); // first id ms
      this.skipLength(); // first id seq
      this.skipLength(); // max deleted id ms
      this.skipLength(); // max deleted id seq
      this.skipLength(); // entries added
    }
    const groups = this.length();
    for (let g = 0; g < groups; g++) {
      this.skipString(); // group name
      this.skipLength(); // last delivered id ms
      this.skipLength(); // last delivered id seq
      // A group whose read counter is unknown stores SCG_INVALID_ENTRIES_READ, -1 as a uint64.
      if (v2) this.skipLength(); // entries read
      const pending = this.length();
      for (let i = 0; i < pending; i++) {
        this.need(16 + 8);
        this.pos += 16 + 8; // raw stream id, delivery time
        this.length(); // delivery count
      }
      const consumers = this.length();
      for (let c = 0; c < consumers; c++) {
        this.skipString(); // consumer name
        this.need(8);
        this.pos += 8; // seen time
        const owned = this.length();
        this.need(owned * 16);
        this.pos += owned * 16; // raw stream ids
      }
    }
  }

  /** Module v2 values describe themselves with sub-opcodes up to an EOF marker. */
  private skipModule2(): void {
    this.moduleId();
    for (;;) {
      const opcode = this.length();
      switch (opcode) {
        case MODULE_OPCODE_EOF:
          return;
        case MODULE_OPCODE_SINT:
        case MODULE_OPCODE_UINT:
          this.length();
          break;
        case MODULE_OPCODE_FLOAT:
          this.need(4);
          this.pos += 4;
          break;
        case MODULE_OPCODE_DOUBLE:
          this.need(8);
          this.pos += 8;
          break;
        case MODULE_OPCODE_STRING:
          this.skipString();
          break;
        default:
          throw new RdbError("corrupt", `Unknown module value opcode ${opcode}`);
      }
    }
  }

  /** A module type id: a 64-bit length whose upper 54 bits spell the type name. */
  private moduleId(): bigint {
    this.need(1);
    if (this.bytes[this.pos] === LEN_64BIT) {
      this.need(9);
      const id = readUint64BE(this.bytes, this.pos + 1);
      this.pos += 9;
      return id;
    }
    return BigInt(this.length());
  }
}

// ---- helpers --------------------------------------------------------------------------------------

const fromCharCode = String.fromCharCode;

/**
 * Bytes to a byte string. Fixed-arity `fromCharCode` calls avoid building a string per byte for
 * the short keys that dominate real keyspaces.
 */
function binaryOf(b: Uint8Array, s: number, e: number): string {
  switch (e - s) {
    case 0:
      return "";
    case 1:
      return fromCharCode(b[s]!);
    case 2:
      return fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    default: {
      if (e - s > 256) return bytesToBinary(b, s, e);
      // Eight at a time, then the rest.
      let out = "";
      let i = s;
      for (; i + 8 <= e; i += 8) {
        out += fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
      }
      return i < e ? out + binaryOf(b, i, e) : out;
    }
  }
}

/** `atoi`/`strtoll` over ASCII bytes: optional spaces and sign, then digits up to the first non-digit. */
function atoi(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (bytes[i] === 0x20 || (bytes[i]! >= 0x09 && bytes[i]! <= 0x0d))) i++;
  let negative = false;
  if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) negative = bytes[i++] === 0x2d;
  let value = 0;
  while (i < end && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) value = value * 10 + (bytes[i++]! - 0x30);
  return negative ? -value : value;
}

function isZero(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (bytes[at + i] !== 0) return false;
  return true;
}

function readInt64LE(bytes: Uint8Array, at: number): number {
  const lo = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  const hi = bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24);
  return hi * TWO_32 + lo;
}

function readUint64LE(bytes: Uint8Array, at: number): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!);
  return value;
}

function readUint64BE(bytes: Uint8Array, at: number): bigint {
  let value = 0n;
  for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(bytes[at + i]!);
  return value;
}

function moduleName(id: bigint): string {
  let rest = id >> 10n;
  let name = "";
  for (let i = 0; i < 9; i++) {
    name = MODULE_NAME_CHARSET[Number(rest & 63n)]! + name;
    rest >>= 6n;
  }
  return name;
}

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Shallow listpack check (`lpValidateIntegrity`, deep = 0): total-bytes header equals the blob size
 * and the last byte is the terminator. Returns the element count from the header (65535 = unknown
 * but non-zero).
 */
function checkListpack(bytes: Uint8Array, start: number, end: number): number {
  const size = end - start;
  if (size < 7 || u32le(bytes, start) !== size || bytes[end - 1] !== 0xff) {
    throw new RdbError("corrupt", "Listpack integrity check failed.");
  }
  return bytes[start + 4]! | (bytes[start + 5]! << 8);
}

/** Shallow ziplist check: zlbytes equals the blob size and it ends with 0xFF. Returns zllen. */
function checkZiplist(bytes: Uint8Array, start: number, end: number): number {
  const size = end - start;
  if (size < 11 || u32le(bytes, start) !== size || bytes[end - 1] !== 0xff) {
    throw new RdbError("corrupt", "Ziplist integrity check failed.");
  }
  return bytes[start + 8]! | (bytes[start + 9]! << 8);
}

/** `intsetValidateIntegrity`, deep = 0: a valid width, a size that matches the count, not empty. */
function checkIntset(bytes: Uint8Array, start: number, end: number): void {
  const size = end - start;
  const width = size >= 8 ? u32le(bytes, start) : 0;
  const count = size >= 8 ? u32le(bytes, start + 4) : 0;
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + count * width !== size || count === 0) {
    throw new RdbError("corrupt", "Intset integrity check failed.");
  }
}
