/**
 * The server side of RESP2: turning the bytes a client sends into commands, with redis-server 7.0's
 * exact semantics (`processInputBuffer`, `processInlineBuffer`, `processMultibulkBuffer` in
 * `src/networking.c`), including its quirks: what it skips without checking, where a NUL byte hides a
 * line end, and which limits answer which protocol error.
 */

import { InputBuffer } from "./input-buffer.ts";
import { parseLongLong } from "./decimal.ts";
import { splitInlineArgs } from "./inline-args.ts";

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const STAR = 0x2a;
const DOLLAR = 0x24;
/** `\r\n` as a little-endian 16-bit word, and as the high half of a 32-bit one (after `*` and a digit). */
const CRLF_LE = CR | (LF << 8);
const CRLF_HIGH = CRLF_LE << 16;
const CRLF_HIGH_STAR = CRLF_HIGH | STAR;

/** `PROTO_INLINE_MAX_SIZE`: how much may be buffered while still looking for a line end. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

/** Default `proto-max-bulk-len` (512 MiB). */
export const DEFAULT_PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;

/** `INT_MAX`: the largest multibulk count redis accepts. */
const MAX_MULTIBULK_COUNT = 2147483647;

/** Before authentication redis accepts at most this many arguments... */
const UNAUTHENTICATED_MAX_COUNT = 10;
/** ...and bulk arguments of at most this many bytes. */
const UNAUTHENTICATED_MAX_BULK = 16384;

/** `PROTO_MBULK_BIG_ARG`: from this size on, the buffer is sized for the whole argument up front... */
const BIG_ARG_BYTES = 32 * 1024;
/** ...up to this much: beyond it, growth by doubling, so a bare header cannot make us zero-fill 512 MiB. */
const PRESIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * One step of request parsing.
 *
 * - `command`: a complete request. `argv` has at least one element; elements may be views into the
 *   parser's buffer, valid until the next {@link RequestParser.push}.
 * - `incomplete`: more bytes are needed.
 * - `empty`: bytes were consumed but there is no command to run (an empty or blank inline line, or a
 *   multibulk count of zero or less). Redis skips these silently; a replica still counts their bytes.
 * - `error`: a protocol error. `message` is the text redis passes to `addReplyError` (for example
 *   `Protocol error: invalid bulk length`), a byte string (char codes 0..255); the client is answered
 *   `-ERR <message>\r\n` (`writeError(w, "ERR " + message)`) and the connection closed after it.
 */
export type ParsedRequest =
  | { readonly kind: "command"; readonly argv: Uint8Array[]; readonly byteLength: number }
  | { readonly kind: "incomplete" }
  | { readonly kind: "empty"; readonly byteLength: number }
  | { readonly kind: "error"; readonly message: string };

/** The settings a parser reads at each header: a node's config object fits. */
export interface RequestLimits {
  readonly "proto-max-bulk-len": number;
}

/** Options of a {@link RequestParser}. */
export interface RequestParserOptions {
  /** Initial value of {@link RequestParser.maxBulkLength}; 512 MiB when absent. */
  readonly maxBulkLength?: number;
  /** Settings read live at each header (a node's config), instead of `maxBulkLength`. */
  readonly limits?: RequestLimits;
  /** Initial value of {@link RequestParser.fromMaster}. */
  readonly fromMaster?: boolean;
}

/**
 * Once the finished arguments of a request still being received hold this many bytes, they are
 * copied out of the buffer and their bytes dropped from it, as redis makes each argument its own
 * object and trims its query buffer. The buffer then only ever holds the argument being read, so a
 * request of any total size (`*2147483647` followed by 1 MiB bulks) never needs one array that big.
 */
const COPY_OUT_BYTES = 1024 * 1024;
/** What one pending argument costs besides its bytes (its view object and bounds), for accounting. */
const ARG_OVERHEAD_BYTES = 64;

const INCOMPLETE: ParsedRequest = Object.freeze({ kind: "incomplete" });

/**
 * Incremental parser for the requests of one client connection.
 *
 * Feed received bytes with {@link push}, then call {@link next} until it answers `incomplete`; do that
 * after every push, because redis parses after every read and its 64 KiB limits apply to what is
 * buffered at that moment. After an `error`, the parser is dead: `next()` keeps returning that error and
 * pushed bytes are dropped.
 */
export class RequestParser {
  /**
   * Whether the connection still has to authenticate (`authRequired()` in redis). While true, a request
   * with more than 10 arguments or a bulk argument over 16384 bytes is a protocol error. The owner
   * updates it as AUTH succeeds; it applies to the headers parsed from then on, as in redis.
   */
  authRequired = false;

  /**
   * The peer is this node's master (a `CLIENT_MASTER` connection): bulk lengths are not limited, and a
   * non-empty inline line means the stream is out of sync, which is an error
   * (`Master using the inline protocol. Desync?`). A master gets no reply; that message is for logs.
   */
  fromMaster: boolean;

  /**
   * `proto-max-bulk-len`: the largest bulk argument accepted. Redis reads the global setting at each
   * header; a parser made with `limits` reads it from there, so a CONFIG SET reaches open connections.
   */
  get maxBulkLength(): number {
    return this.limits["proto-max-bulk-len"];
  }

  set maxBulkLength(value: number) {
    this.limits = { "proto-max-bulk-len": value };
  }

  private limits: RequestLimits;
  private readonly input = new InputBuffer();
  /** Arguments of the current request copied out of the buffer (see COPY_OUT_BYTES). */
  private copied: Uint8Array[] = [];
  private copiedBytes = 0;
  /** Bytes of the current request already dropped from the buffer with the copied arguments. */
  private dropped = 0;

  // Progress inside the request starting at input.start. Offsets are relative to that start, so they
  // survive the buffer moving when it compacts or grows.
  /** Bytes of the current request already parsed. */
  private cursor = 0;
  /** Arguments still to read; 0 while the multibulk count has not been read. */
  private argsLeft = 0;
  /** Length of the bulk argument whose header has been read, or -1. */
  private bulkLength = -1;
  /** Start and end offsets of the arguments read so far, flattened. */
  private readonly argBounds: number[] = [];
  /** Offset up to which the current line was searched for its end without finding it. */
  private scanned = 0;
  /** A NUL byte came before any line end: redis's `strchr` stops there and never finds the end. */
  private blocked = false;

  private lastStart = 0;
  private lastEnd = 0;
  private failure: ParsedRequest | null = null;

  constructor(options: RequestParserOptions = {}) {
    this.limits = options.limits ?? { "proto-max-bulk-len": options.maxBulkLength ?? DEFAULT_PROTO_MAX_BULK_LEN };
    this.fromMaster = options.fromMaster ?? false;
  }

  /** Appends received bytes (copied). Invalidates the views returned so far. */
  push(bytes: Uint8Array): void {
    if (this.failure !== null) return;
    const wanted = this.bulkLength >= BIG_ARG_BYTES ? Math.min(this.cursor + this.bulkLength + 2, PRESIZE_LIMIT_BYTES) : 0;
    this.input.append(bytes, wanted);
  }

  /** Bytes received and not yet consumed by a complete request (redis's query buffer length). */
  get bufferedLength(): number {
    return this.input.length;
  }

  /**
   * Memory the connection's input holds: the buffer as allocated, plus the arguments of a request
   * still being received (redis counts `argv_len_sum` and the argv array in a client's memory).
   */
  get memoryBytes(): number {
    return this.input.capacity + this.copiedBytes + (this.copied.length + (this.argBounds.length >> 1)) * ARG_OVERHEAD_BYTES;
  }

  /** Arguments read so far of the request being received (CLIENT LIST `argv-mem` counts their bytes). */
  get pendingArgBytes(): number {
    let bytes = this.copiedBytes;
    for (let i = 0; i < this.argBounds.length; i += 2) bytes += this.argBounds[i + 1]! - this.argBounds[i]!;
    return bytes;
  }

  /** The first bytes of the buffer, for the log line of a client closed for its query buffer. */
  bufferHead(maxBytes: number): Uint8Array {
    const input = this.input;
    return input.data.subarray(input.start, Math.min(input.end, input.start + maxBytes));
  }

  /**
   * The raw bytes of the last `command` or `empty` result, exactly `byteLength` long: what a replica
   * proxies to its own replicas. A view valid until the next {@link push}. A request so large that its
   * first arguments were copied out of the buffer (never one from a master) has no raw view: this is
   * then empty.
   */
  lastRaw(): Uint8Array {
    return this.input.data.subarray(this.lastStart, this.lastEnd);
  }

  /** Parses the next request from the buffered bytes. */
  next(): ParsedRequest {
    if (this.failure !== null) return this.failure;
    const input = this.input;
    if (input.start === input.end) return INCOMPLETE;
    // Mid-request (its first arguments copied out), the buffer no longer starts with the '*'.
    if (this.argsLeft > 0) return this.nextMultibulk();
    return input.data[input.start] === STAR ? this.nextMultibulk() : this.nextInline();
  }

  private nextInline(): ParsedRequest {
    const { data, start, end } = this.input;
    const lineFeed = this.findLineEnd(start, LF);
    if (lineFeed < 0) {
      if (end - start > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big inline request");
      return INCOMPLETE;
    }
    const lineEnd = lineFeed > start && data[lineFeed - 1] === CR ? lineFeed - 1 : lineFeed;
    const argv = splitInlineArgs(data, start, lineEnd);
    if (argv === null) return this.fail("Protocol error: unbalanced quotes in request");
    if (this.fromMaster && lineEnd > start) {
      // Only a bare newline (a keep-alive) may come from a master as inline protocol.
      return this.fail("Master using the inline protocol. Desync?");
    }
    return this.complete(lineFeed + 1 - start, argv.length > 0 ? argv : null);
  }

  /**
   * The common case in one tight pass: a whole request already buffered, in canonical form
   * (`*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument, plain decimal lengths). On success it
   * returns the argument count, leaves each argument's absolute start and length in
   * {@link bounds} and the request's end in `scanEnd`, and changes nothing else. It returns -1 for
   * anything else (incomplete, unusual or wrong input), which the state machine in
   * `nextMultibulk` then parses from the start with every one of redis's rules.
   */
  private scanCanonical(): number {
    if (this.authRequired) return -1;
    const input = this.input;
    const data = input.data;
    const end = input.end;
    let at = input.start;
    if (at + 4 > end) return -1;
    const view = input.view;
    let count: number;
    // `*<digit>\r\n` in one read (little-endian: the first byte is the low one), else digit by digit.
    const head = view.getInt32(at, true);
    const first = ((head >>> 8) & 0xff) - 0x30;
    if ((head & 0xffff00ff) === CRLF_HIGH_STAR && first > 0 && first <= 9) {
      count = first;
      at += 4;
    } else {
      if (data[at] !== STAR) return -1;
      at++;
      count = 0;
      for (let digits = 0; ; digits++) {
        if (at >= end || digits > 9) return -1;
        const c = data[at++]!;
        if (c === CR) {
          if (digits === 0) return -1;
          break;
        }
        if (c < 0x30 || c > 0x39 || (c === 0x30 && digits === 0)) return -1;
        count = count * 10 + (c - 0x30);
      }
      if (at >= end || data[at] !== LF) return -1;
      at++;
    }
    let bounds = this.fastBounds;
    if (bounds.length < count * 2) bounds = this.fastBounds = new Int32Array(Math.max(count * 2, bounds.length * 2));
    const maxBulk = this.fromMaster ? Number.MAX_SAFE_INTEGER : this.maxBulkLength;
    for (let arg = 0; arg < count; arg++) {
      // `$`, a first digit and `\r\n` at least (one bounds check for the four): `$<digit>\r\n` is
      // one read; a longer length (up to 15 digits, "0" the only one that may start with a zero)
      // is read digit by digit.
      if (at + 4 > end) return -1;
      const word = view.getInt32(at, true);
      let length = ((word >>> 8) & 0xff) - 0x30;
      if ((word & 0xff) !== DOLLAR || length < 0 || length > 9) return -1;
      if ((word & 0xffff0000) === CRLF_HIGH) {
        at += 4;
      } else {
        at += 2;
        let c = data[at]!;
        if (c === CR || length === 0) return -1;
        for (let digits = 1; c !== CR; digits++) {
          if (c < 0x30 || c > 0x39 || digits >= 15) return -1;
          length = length * 10 + (c - 0x30);
          if (++at >= end) return -1;
          c = data[at]!;
        }
        // `at` is at the CR after the digits.
        if (at + 1 >= end || data[at + 1] !== LF) return -1;
        at += 2;
      }
      const next = at + length + 2;
      if (length > maxBulk || next > end || view.getUint16(next - 2, true) !== CRLF_LE) return -1;
      bounds[arg * 2] = at;
      bounds[arg * 2 + 1] = length;
      at = next;
    }
    this.scanEnd = at;
    return count;
  }

  private scanEnd = 0;

  /**
   * For hot loops that can use raw positions instead of argument views: parses the next request if
   * it is whole and canonical and returns its argument count, with {@link bounds} holding
   * (absolute start, length) pairs into {@link data}; both stay valid until the next `push`. Returns
   * -1 when the caller must call {@link next} instead (which then handles whatever is there).
   */
  nextBounds(): number {
    if (this.failure !== null || this.argsLeft !== 0 || this.bulkLength >= 0 || this.blocked) return -1;
    const count = this.scanCanonical();
    if (count <= 0) return -1;
    const input = this.input;
    this.lastStart = input.start;
    this.lastEnd = this.scanEnd;
    input.consume(this.scanEnd - input.start);
    this.scanned = 0;
    return count;
  }

  /** The buffer that {@link bounds} index into. */
  get data(): Uint8Array {
    return this.input.data;
  }

  /**
   * A DataView of {@link data} (for reading several bytes at once), valid as {@link bounds} are:
   * after {@link nextBounds} returned a request, until the next `push`.
   */
  get dataView(): DataView {
    return this.input.view;
  }

  /** (start, length) pairs of the arguments found by {@link nextBounds}. */
  get bounds(): Int32Array {
    return this.fastBounds;
  }

  /** Absolute start and end of the last request's raw bytes in {@link data}. */
  get lastRawStart(): number {
    return this.lastStart;
  }

  get lastRawEnd(): number {
    return this.lastEnd;
  }

  private fastMultibulk(): ParsedRequest | null {
    const count = this.scanCanonical();
    if (count <= 0) return null;
    const bounds = this.fastBounds;
    const data = this.input.data;
    const argv: Uint8Array[] = new Array<Uint8Array>(count);
    // The Uint8Array constructor makes a view about twice as fast as subarray() (no species lookup).
    const buffer = data.buffer;
    const offset = data.byteOffset;
    for (let arg = 0; arg < count; arg++) argv[arg] = new Uint8Array(buffer, offset + bounds[arg * 2]!, bounds[arg * 2 + 1]!);
    return this.complete(this.scanEnd - this.input.start, argv);
  }

  private fastBounds = new Int32Array(16);

  private nextMultibulk(): ParsedRequest {
    const input = this.input;
    if (this.argsLeft === 0 && this.bulkLength < 0 && !this.blocked) {
      const fast = this.fastMultibulk();
      if (fast !== null) return fast;
    }
    if (this.argsLeft === 0) {
      const start = input.start;
      const cr = this.findLineEnd(start, CR);
      if (cr < 0) {
        if (input.end - start > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big mbulk count string");
        return INCOMPLETE;
      }
      // The byte after '\r' is skipped without being checked, as redis does.
      if (cr + 2 > input.end) return INCOMPLETE;
      const count = parseLongLong(input.data, start + 1, cr);
      if (count === null || count > MAX_MULTIBULK_COUNT) return this.fail("Protocol error: invalid multibulk length");
      if (count > UNAUTHENTICATED_MAX_COUNT && this.authRequired) {
        return this.fail("Protocol error: unauthenticated multibulk length");
      }
      this.cursor = cr + 2 - start;
      this.scanned = this.cursor;
      if (count <= 0) return this.complete(this.cursor, null);
      this.argsLeft = count;
    }
    while (this.argsLeft > 0) {
      if (this.bulkLength < 0) {
        const lineStart = input.start + this.cursor;
        const cr = this.findLineEnd(lineStart, CR);
        if (cr < 0) {
          if (input.end - lineStart > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big bulk count string");
          return INCOMPLETE;
        }
        if (cr + 2 > input.end) return INCOMPLETE;
        const data = input.data;
        const marker = data[lineStart]!;
        if (marker !== DOLLAR) {
          // The reply is formatted with `%c` and then has CR and LF mapped to spaces.
          const shown = marker === CR || marker === LF ? " " : String.fromCharCode(marker);
          return this.fail(`Protocol error: expected '$', got '${shown}'`);
        }
        const length = parseLongLong(data, lineStart + 1, cr);
        if (length === null || length < 0 || (!this.fromMaster && length > this.maxBulkLength)) {
          return this.fail("Protocol error: invalid bulk length");
        }
        if (length > UNAUTHENTICATED_MAX_BULK && this.authRequired) {
          return this.fail("Protocol error: unauthenticated bulk length");
        }
        this.cursor = cr + 2 - input.start;
        this.bulkLength = length;
      }
      // The payload is exactly bulkLength bytes; the two bytes after it are skipped unchecked.
      if (input.end - (input.start + this.cursor) < this.bulkLength + 2) return INCOMPLETE;
      this.argBounds.push(this.cursor, this.cursor + this.bulkLength);
      this.cursor += this.bulkLength + 2;
      this.scanned = this.cursor;
      this.bulkLength = -1;
      this.argsLeft--;
      if (this.cursor >= COPY_OUT_BYTES && this.argsLeft > 0 && !this.fromMaster) this.copyOut();
    }
    const base = input.start;
    const bounds = this.argBounds;
    const copied = this.copied;
    const argv: Uint8Array[] = new Array<Uint8Array>(copied.length + (bounds.length >> 1));
    for (let i = 0; i < copied.length; i++) argv[i] = copied[i]!;
    // The Uint8Array constructor makes a view about twice as fast as subarray() (no species lookup).
    const data = input.data;
    const buffer = data.buffer;
    const offset = data.byteOffset + base;
    for (let i = 0; i < bounds.length; i += 2) argv[copied.length + (i >> 1)] = new Uint8Array(buffer, offset + bounds[i]!, bounds[i + 1]! - bounds[i]!);
    bounds.length = 0;
    return this.complete(this.cursor, argv);
  }

  /**
   * Copies the finished arguments of the request being read out of the buffer and drops their bytes
   * from it (see COPY_OUT_BYTES). Offsets restart at the buffer's new start.
   */
  private copyOut(): void {
    const input = this.input;
    const data = input.data;
    const bounds = this.argBounds;
    for (let i = 0; i < bounds.length; i += 2) {
      const arg = data.slice(input.start + bounds[i]!, input.start + bounds[i + 1]!);
      this.copied.push(arg);
      this.copiedBytes += arg.length;
    }
    bounds.length = 0;
    input.consume(this.cursor);
    this.dropped += this.cursor;
    this.cursor = 0;
    this.scanned = 0;
  }

  /**
   * Finds the first `target` byte from `from`, as `strchr` would: a NUL byte before it means "not
   * found", for good. Resumes where the previous search of the same line stopped. Returns -1 if absent.
   */
  private findLineEnd(from: number, target: number): number {
    if (this.blocked) return -1;
    const { data, start, end } = this.input;
    let i = Math.max(from, start + this.scanned);
    for (; i < end; i++) {
      const c = data[i]!;
      if (c === target) return i;
      if (c === NUL) {
        this.blocked = true;
        return -1;
      }
    }
    this.scanned = i - start;
    return -1;
  }

  private complete(byteLength: number, argv: Uint8Array[] | null): ParsedRequest {
    const input = this.input;
    const dropped = this.dropped;
    // A request whose first arguments were copied out has no raw view left (never from a master).
    this.lastStart = dropped > 0 ? input.start + byteLength : input.start;
    this.lastEnd = input.start + byteLength;
    input.consume(byteLength);
    this.cursor = 0;
    this.argsLeft = 0;
    this.scanned = 0;
    this.blocked = false;
    if (dropped > 0) {
      this.dropped = 0;
      this.copied = [];
      this.copiedBytes = 0;
    }
    const total = byteLength + dropped;
    return argv === null ? { kind: "empty", byteLength: total } : { kind: "command", argv, byteLength: total };
  }

  private fail(message: string): ParsedRequest {
    this.failure = Object.freeze({ kind: "error", message });
    this.input.reset();
    this.argBounds.length = 0;
    this.copied = [];
    this.copiedBytes = 0;
    this.dropped = 0;
    this.lastStart = 0;
    this.lastEnd = 0;
    return this.failure;
  }
}
