/**
 * The redis 7.0 shared replication buffer and the backlog built on it (`replication.c`:
 * `feedReplicationBuffer`, `incrementalTrimReplicationBacklog`, `addReplyReplicationBacklog`;
 * `networking.c`: `_writeToClient`, `copyReplicaOutputBuffer`, `getClientOutputBufferMemoryUsage`).
 *
 * In 7.0 the stream is kept once, in a list of blocks. The backlog holds a reference to the first
 * block, and every replica holds a reference to the block where its unsent data starts. A block can
 * only be dropped from the front, and only when the backlog is its sole holder. Because blocks are
 * dropped whole, `repl_backlog_first_byte_offset` moves in steps of one block capacity and
 * `repl_backlog_histlen` sits a little above `repl-backlog-size`. Reproducing those INFO figures
 * exactly needs the exact block capacities (jemalloc rounding, see `jemalloc.ts`), the exact places
 * where the stream is cut into pieces, and the exact moments when trimming runs. This module models
 * all three; the rules are listed in SPEC.md (BL-*).
 *
 * Sans-IO: a "reader" stands for a replica client; the node decides when it writes to its socket and
 * calls {@link BacklogReader.read}, just as redis does in `beforeSleep` / the write handler.
 */

import { jemallocUsableSize } from "./jemalloc.ts";

/** `sizeof(replBufBlock)` in 7.0: refcount (padded to 8), id, repl_offset, size, used. */
export const BLOCK_HEADER_BYTES = 40;
/** `sizeof(listNode)`: prev, next, value. Counted in `server.repl_buffer_mem`. */
export const LIST_NODE_BYTES = 24;
/** `PROTO_REPLY_CHUNK_BYTES`: no block is requested smaller than this. */
export const MIN_BLOCK_REQUEST = 16 * 1024;
/** `CONFIG_REPL_BACKLOG_MIN_SIZE`: `resizeReplicationBacklog` raises smaller settings to this. */
import { MIN_BACKLOG_SIZE } from "../../redis/config.ts";

export { MIN_BACKLOG_SIZE };
/** `REPL_BACKLOG_TRIM_BLOCKS_PER_CALL`: trim budget when a block is added, a reader moves or leaves. */
export const TRIM_BLOCKS_PER_CALL = 64;
/** `beforeSleep` trims with ten times the normal budget. */
export const TRIM_BLOCKS_BEFORE_SLEEP = 10 * TRIM_BLOCKS_PER_CALL;

/** Pieces this short are copied byte by byte: cheaper than creating a subarray view for `set`. */
const SHORT_COPY = 16;
/** Spare block buffers kept for reuse, so a steady stream does not churn the garbage collector. */
const SPARE_BUFFERS = 8;

/** One `replBufBlock`. `refs` counts readers only; the backlog's own reference is implicit. */
export class Block {
  /** Bytes written so far; only the last block is ever partly used. */
  used = 0;
  /** Readers whose unsent data starts in this block (redis `refcount` minus the backlog's one). */
  refs = 0;
  /**
   * A reader handed out a view of `buf` (see {@link BacklogReader.read}): the bytes may still be on
   * their way, so the buffer is never reused for another block.
   */
  lent = false;

  constructor(
    /** Storage; its length is the block capacity (`size` in redis). */
    readonly buf: Uint8Array,
    /** Replication offset of `buf[0]` (`repl_offset`). */
    public start: number,
    /** Creation number (`id`); only differences are used (output-buffer accounting). */
    readonly id: number,
  ) {}
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/**
 * A redis 7.0 replication backlog together with the shared replication buffer it lives in.
 *
 * Offsets are replication offsets: `endOffset` is `master_repl_offset`, the offset of the last byte
 * fed; the first byte ever fed after construction has offset `startOffset`.
 */
export class ReplicationBacklog {
  /** Live blocks are `blocks[head..]`; the dropped prefix is compacted away now and then. */
  private blocks: Block[] = [];
  private head = 0;
  private tail: Block | null = null;
  private nextBlockId = 0;
  private size: number;
  private end: number;
  private hist = 0;
  /** Sum of `capacity + BLOCK_HEADER_BYTES` over live blocks. */
  private blockBytes = 0;
  /** Readers with no block yet (redis: `ref_repl_buf_node == NULL`); they attach at the next feed. */
  private unattached: Reader[] = [];
  private spare: Uint8Array[] = [];
  /** Scratch for `*<n>\r\n` / `$<n>\r\n` headers, so feeding a command allocates nothing. */
  private readonly scratch = new Uint8Array(24);
  /** What readers may see of this backlog; kept off the public surface. */
  private readonly hooks: ReaderHooks = {
    end: () => this.end,
    last: () => this.tail,
    next: (block) => this.blockAfter(block),
    trim: (maxBlocks) => this.trim(maxBlocks),
    queue: (reader) => {
      this.unattached.push(reader);
    },
    unqueue: (reader) => {
      const i = this.unattached.indexOf(reader);
      if (i >= 0) this.unattached.splice(i, 1);
    },
  };

  /**
   * Creates an empty backlog (`createReplicationBacklog`).
   *
   * @param sizeBytes the `repl-backlog-size` setting. Taken as given, as redis does at creation;
   *   only {@link resize} (CONFIG SET) raises it to the 16 KiB minimum.
   * @param startOffset offset of the next byte to be fed, i.e. `master_repl_offset + 1`.
   */
  constructor(sizeBytes: number, startOffset: number) {
    checkCount(sizeBytes, "backlog size");
    // 0 happens: a replica synced with SYNC from a pre-PSYNC master (2.6) starts at offset -1.
    if (!Number.isInteger(startOffset) || startOffset < 0) throw new RangeError(`bad start offset ${startOffset}`);
    this.size = sizeBytes;
    this.end = startOffset - 1;
  }

  /** `repl-backlog-size` in force (what INFO prints as `repl_backlog_size`). */
  get sizeBytes(): number {
    return this.size;
  }

  /** `repl_backlog_first_byte_offset`. Equals `endOffset + 1` while nothing is held. */
  get firstByteOffset(): number {
    // redis stores this in trim only, but feeding moves master_repl_offset and histlen together,
    // so the stored value always equals this expression.
    return this.end - this.hist + 1;
  }

  /** `repl_backlog_histlen`: bytes held from the start of the first block to the end. */
  get histlen(): number {
    return this.hist;
  }

  /** Offset of the last byte fed (`master_repl_offset`). */
  get endOffset(): number {
    return this.end;
  }

  /** Free bytes in the last block: a piece this size or smaller is copied without a new block. */
  tailFree(): number {
    const tail = this.tail;
    return tail === null ? 0 : tail.buf.length - tail.used;
  }

  /**
   * Appends one piece of the stream (`feedReplicationBuffer`).
   *
   * Where the stream is cut into pieces matters: a new block is sized from what is left of the
   * current piece, so feed exactly the pieces redis feeds (see {@link feedCommand}; a replica feeds
   * one piece per applied command, or one per whole MULTI…EXEC).
   */
  feed(bytes: Uint8Array, start = 0, end: number = bytes.length): void {
    let pos = start;
    let len = end - pos;
    if (len <= 0) return;
    const tail = this.tail;
    if (tail !== null && tail.used < tail.buf.length) {
      const n = Math.min(len, tail.buf.length - tail.used);
      if (this.unattached.length > 0) this.attachUnattached(tail, tail.used);
      copyInto(tail.buf, tail.used, bytes, pos, n);
      tail.used += n;
      pos += n;
      len -= n;
      this.end += n;
      this.hist += n;
    }
    while (len > 0) {
      const block = this.addBlock(len);
      const n = Math.min(len, block.buf.length);
      if (this.unattached.length > 0) this.attachUnattached(block, 0);
      copyInto(block.buf, 0, bytes, pos, n);
      block.used = n;
      pos += n;
      len -= n;
      this.end += n;
      this.hist += n;
      // redis trims right after adding a block (not on every append) to keep histlen near the limit.
      this.trim(TRIM_BLOCKS_PER_CALL);
    }
  }

  /** Feeds `*<argc>\r\n` as one piece, without allocating. */
  feedArrayHeader(argc: number): void {
    this.feed(this.scratch, 0, writeHeader(this.scratch, STAR, argc));
  }

  /** Feeds `$<len>\r\n` as one piece, without allocating. */
  feedBulkHeader(length: number): void {
    this.feed(this.scratch, 0, writeHeader(this.scratch, DOLLAR, length));
  }

  /**
   * Feeds a command the way a master does (`replicationFeedSlaves`): `*<argc>\r\n` as one piece, then
   * for every argument `$<len>\r\n`, the bytes and `\r\n` as three pieces. SELECT, which redis feeds
   * as a single pre-encoded object, must be fed with {@link feed} instead.
   */
  feedCommand(argv: readonly Uint8Array[]): void {
    // Piece boundaries only matter when a block fills up. If the whole command fits in the tail,
    // one pass gives the same result as feeding piece by piece, and is much faster.
    const tail = this.tail;
    if (tail !== null) {
      let total = headerLength(argv.length);
      for (let i = 0; i < argv.length; i++) {
        const l = argv[i]!.length;
        total += headerLength(l) + l + 2;
      }
      if (total <= tail.buf.length - tail.used) {
        if (this.unattached.length > 0) this.attachUnattached(tail, tail.used);
        const buf = tail.buf;
        let at = tail.used;
        at += writeHeaderAt(buf, at, STAR, argv.length);
        for (let i = 0; i < argv.length; i++) {
          const arg = argv[i]!;
          at += writeHeaderAt(buf, at, DOLLAR, arg.length);
          copyInto(buf, at, arg, 0, arg.length);
          at += arg.length;
          buf[at++] = CR;
          buf[at++] = LF;
        }
        tail.used = at;
        this.end += total;
        this.hist += total;
        return;
      }
    }
    this.feedArrayHeader(argv.length);
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      this.feedBulkHeader(arg.length);
      this.feed(arg);
      this.feed(CRLF);
    }
  }

  /**
   * `incrementalTrimReplicationBacklog`: drops whole blocks from the front while the backlog would
   * still hold more than `repl-backlog-size` without them and no reader needs them.
   *
   * The node must call it with the default budget once per event-loop turn (redis: `beforeSleep`),
   * i.e. after every command or pipeline batch; INFO shows the state after that call.
   *
   * @param maxBlocks at most this many blocks are dropped (640 in `beforeSleep`, 64 elsewhere).
   * @returns the number of blocks dropped.
   */
  trim(maxBlocks: number = TRIM_BLOCKS_BEFORE_SLEEP): number {
    let trimmed = 0;
    while (this.hist > this.size && trimmed < maxBlocks) {
      // Never below one block, never past a block a replica still has to send,
      // and never below the configured size.
      if (this.blocks.length - this.head <= 1) break;
      const first = this.blocks[this.head]!;
      if (first.refs !== 0) break;
      if (this.hist - first.buf.length <= this.size) break;
      this.hist -= first.buf.length;
      this.blockBytes -= first.buf.length + BLOCK_HEADER_BYTES;
      this.dropFirst(first);
      trimmed++;
    }
    return trimmed;
  }

  /**
   * CONFIG SET repl-backlog-size (`resizeReplicationBacklog`): raises values under 16 KiB to 16 KiB
   * and trims with the normal 64-block budget. The `beforeSleep` trim that follows the command is
   * still the node's job.
   */
  resize(sizeBytes: number): void {
    checkCount(sizeBytes, "backlog size");
    this.size = Math.max(sizeBytes, MIN_BACKLOG_SIZE);
    this.trim(TRIM_BLOCKS_PER_CALL);
  }

  /**
   * Adds `delta` to every offset (`rebaseReplicationBuffer` plus the offset fix-up around it in
   * `loadDataFromDisk`): a master that loaded an RDB with replication info starts its backlog at 0
   * while loading and then moves it to the saved offset.
   */
  rebase(delta: number): void {
    if (!Number.isInteger(delta)) throw new RangeError(`bad rebase delta ${delta}`);
    this.end += delta;
    for (let i = this.head; i < this.blocks.length; i++) this.blocks[i]!.start += delta;
  }

  /** PSYNC range check (`masterTryPartialResynchronization`): `first ≤ offset ≤ first + histlen`. */
  contains(offset: number): boolean {
    const first = this.firstByteOffset;
    return offset >= first && offset <= first + this.hist;
  }

  /** Copies the bytes from `offset` to the end (what `+CONTINUE` is followed by). */
  copyFrom(offset: number): Uint8Array {
    if (!this.contains(offset)) throw new RangeError(`offset ${offset} is outside the backlog`);
    const out = new Uint8Array(this.end + 1 - offset);
    if (out.length === 0) return out;
    let i = this.findBlock(offset);
    let from = offset - this.blocks[i]!.start;
    for (let at = 0; at < out.length; i++) {
      const block = this.blocks[i]!;
      out.set(block.buf.subarray(from, block.used), at);
      at += block.used - from;
      from = 0;
    }
    return out;
  }

  /**
   * A replica continuing from `offset` (`addReplyReplicationBacklog`): it pins the block holding
   * that offset. As in redis, an offset right after a full block pins that full block, and an empty
   * backlog pins nothing until the next piece is fed.
   */
  openReader(offset: number): BacklogReader {
    if (!this.contains(offset)) throw new RangeError(`offset ${offset} is outside the backlog`);
    const reader = new Reader(this.hooks);
    if (this.hist === 0) {
      this.unattached.push(reader);
    } else {
      const block = this.blocks[this.findBlock(offset)]!;
      block.refs++;
      reader.block = block;
      reader.pos = offset - block.start;
    }
    return reader;
  }

  /**
   * A replica that gets everything fed from now on: one in full sync once its BGSAVE has started
   * (`SLAVE_STATE_WAIT_BGSAVE_END`). Like redis it holds no block until the next piece is fed, and
   * then pins the block that piece starts in.
   */
  openReaderAtNextFeed(): BacklogReader {
    const reader = new Reader(this.hooks);
    this.unattached.push(reader);
    return reader;
  }

  /** Bytes of all live blocks including their 40-byte headers. */
  memoryBytes(): number {
    return this.blockBytes;
  }

  /** `server.repl_buffer_mem` (INFO `mem_total_replication_buffers`): blocks, headers and list nodes. */
  replicationBufferMemory(): number {
    return this.blockBytes + LIST_NODE_BYTES * (this.blocks.length - this.head);
  }

  /** Number of live blocks. */
  blockCount(): number {
    return this.blocks.length - this.head;
  }

  /** The block after `block`, or null if it is the last. */
  private blockAfter(block: Block): Block | null {
    if (block === this.tail) return null;
    // Ids are consecutive and blocks only leave from the front, so the id gives the index.
    const first = this.blocks[this.head]!;
    const next = this.blocks[this.head + block.id - first.id + 1];
    if (next === undefined || next.id !== block.id + 1) throw new Error("block is not in this backlog");
    return next;
  }

  private attachUnattached(block: Block, pos: number): void {
    for (const reader of this.unattached) {
      reader.block = block;
      reader.pos = pos;
      block.refs++;
    }
    this.unattached.length = 0;
  }

  /** Index of the first block whose data reaches `offset` (`repl_offset + used ≥ offset`). */
  private findBlock(offset: number): number {
    let lo = this.head;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.blocks[mid]!;
      if (b.start + b.used >= offset) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private addBlock(remaining: number): Block {
    // Blocks are at least 16 KiB so small writes can share them, and at most size/16 so a block
    // that is mostly stale is never huge; jemalloc's rounding is taken over as extra room.
    const limit = Math.max(Math.floor(this.size / 16), MIN_BLOCK_REQUEST);
    const request = Math.min(Math.max(remaining, MIN_BLOCK_REQUEST), limit);
    const capacity = jemallocUsableSize(request + BLOCK_HEADER_BYTES) - BLOCK_HEADER_BYTES;
    const block = new Block(this.takeBuffer(capacity), this.end + 1, this.nextBlockId++);
    this.blocks.push(block);
    this.tail = block;
    this.blockBytes += capacity + BLOCK_HEADER_BYTES;
    return block;
  }

  private dropFirst(first: Block): void {
    this.blocks[this.head] = PLACEHOLDER;
    this.head++;
    if (this.head >= 64 && this.head * 2 >= this.blocks.length) {
      this.blocks = this.blocks.slice(this.head);
      this.head = 0;
    }
    if (!first.lent && this.spare.length < SPARE_BUFFERS) this.spare.push(first.buf);
  }

  private takeBuffer(capacity: number): Uint8Array {
    const spare = this.spare;
    for (let i = spare.length - 1; i >= 0; i--) {
      const buf = spare[i]!;
      if (buf.length === capacity) {
        spare[i] = spare[spare.length - 1]!;
        spare.pop();
        return buf;
      }
    }
    return new Uint8Array(capacity);
  }
}

/**
 * A replica's position in the shared buffer (`ref_repl_buf_node` + `ref_block_pos`). While open it
 * keeps the block holding its first unsent byte alive, so trimming stops there and the backlog can
 * grow past `repl-backlog-size` (redis: "Replication backlog size can outgrow the backlog limit").
 * Made by {@link ReplicationBacklog.openReader} and {@link ReplicationBacklog.openReaderAtNextFeed}.
 */
export interface BacklogReader {
  /** Offset of the first unsent byte. */
  readonly offset: number;
  /** Bytes not yet sent. */
  readonly pendingBytes: number;
  /** True until {@link close}. */
  readonly isOpen: boolean;
  /** Everything unsent; see {@link read}. */
  readAll(): Uint8Array;
  /**
   * Sends up to `maxBytes` (what the socket accepts) and moves on, as `writeToClient` does for a
   * replica: each time a block has been sent in full and a next block exists, the reference moves
   * to the next block and the backlog is trimmed (64-block budget). A reader that has sent
   * everything stays on the last block, so it still pins it. Bytes from one block come as a view
   * of it (read-only for the caller; they stay valid for good), bytes from several as a copy.
   */
  read(maxBytes: number): Uint8Array;
  /**
   * A second replica sharing this one's position (`copyReplicaOutputBuffer`, used when a replica
   * joins a BGSAVE already in progress). An unattached reader yields an unattached copy.
   */
  fork(): BacklogReader;
  /**
   * The replica is freed (`freeReplicaReferencedReplBuffer`): its block is released and the backlog
   * trimmed with the 64-block budget. Closing twice does nothing.
   */
  close(): void;
  /**
   * `getClientOutputBufferMemoryUsage` for this replica (CLIENT LIST `omem`, checked against
   * client-output-buffer-limit): every byte from its block's start to the end of the last block's
   * capacity, plus 64 bytes (list node + block header) per block from its block to the last.
   */
  outputBufferMemory(): number;
  /** Blocks from this reader's block to the last, inclusive (CLIENT LIST `oll` for a replica). */
  blocksHeld(): number;
}

/** The parts of a backlog a reader needs. */
interface ReaderHooks {
  end(): number;
  last(): Block | null;
  next(block: Block): Block | null;
  trim(maxBlocks: number): number;
  queue(reader: Reader): void;
  unqueue(reader: Reader): void;
}

class Reader implements BacklogReader {
  /** Current block; null until the first feed after an unattached open. */
  block: Block | null = null;
  /** Bytes of `block` already sent. */
  pos = 0;
  private closed = false;

  constructor(private readonly backlog: ReaderHooks) {}

  get offset(): number {
    return this.block === null ? this.backlog.end() + 1 : this.block.start + this.pos;
  }

  get pendingBytes(): number {
    return this.backlog.end() + 1 - this.offset;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  readAll(): Uint8Array {
    return this.read(Number.POSITIVE_INFINITY);
  }

  read(maxBytes: number): Uint8Array {
    if (this.closed) throw new Error("reader is closed");
    const length = Math.min(this.pendingBytes, Math.max(0, maxBytes));
    const first = this.block;
    if (first !== null && length > 0 && length <= first.used - this.pos) {
      // All of it in one block: a view, no copy. Bytes before `used` never change, and a block
      // that lent a view is never reused (see Block.lent).
      const view = new Uint8Array(first.buf.buffer, first.buf.byteOffset + this.pos, length);
      first.lent = true;
      this.pos += length;
      const next = this.pos === first.used ? this.backlog.next(first) : null;
      if (next !== null) {
        first.refs--;
        next.refs++;
        this.block = next;
        this.pos = 0;
        this.backlog.trim(TRIM_BLOCKS_PER_CALL);
      }
      return view;
    }
    const out = new Uint8Array(length);
    let at = 0;
    let block = this.block;
    while (block !== null) {
      // clientHasPendingReplies: nothing left if we are at the end of the last block.
      if (block === this.backlog.last() && this.pos === block.used) break;
      const avail = block.used - this.pos;
      if (avail > 0) {
        // The socket is full: connWrite fails and the write loop stops without moving on.
        if (at === out.length) break;
        const n = Math.min(avail, out.length - at);
        out.set(block.buf.subarray(this.pos, this.pos + n), at);
        at += n;
        this.pos += n;
      }
      const next = this.backlog.next(block);
      if (next !== null && this.pos === block.used) {
        block.refs--;
        next.refs++;
        this.block = next;
        this.pos = 0;
        block = next;
        this.backlog.trim(TRIM_BLOCKS_PER_CALL);
      } else if (this.pos < block.used) {
        break;
      }
    }
    return out;
  }

  fork(): BacklogReader {
    if (this.closed) throw new Error("reader is closed");
    const copy = new Reader(this.backlog);
    if (this.block === null) {
      this.backlog.queue(copy);
    } else {
      copy.block = this.block;
      copy.pos = this.pos;
      this.block.refs++;
    }
    return copy;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.block === null) {
      this.backlog.unqueue(this);
      return;
    }
    this.block.refs--;
    this.block = null;
    this.pos = 0;
    this.backlog.trim(TRIM_BLOCKS_PER_CALL);
  }

  outputBufferMemory(): number {
    const last = this.backlog.last();
    if (this.block === null || last === null) return 0;
    return last.start + last.buf.length - this.block.start + (LIST_NODE_BYTES + BLOCK_HEADER_BYTES) * this.blocksHeld();
  }

  blocksHeld(): number {
    const last = this.backlog.last();
    if (this.block === null || last === null) return 0;
    return last.id - this.block.id + 1;
  }
}

/** Fills dropped slots so the array keeps one element type (V8 keeps it fast). */
const PLACEHOLDER = new Block(new Uint8Array(0), 0, -1);
const CRLF = new Uint8Array([CR, LF]);

function checkCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`bad ${what} ${value}`);
}

function copyInto(target: Uint8Array, at: number, source: Uint8Array, from: number, n: number): void {
  if (n <= SHORT_COPY) {
    for (let i = 0; i < n; i++) target[at + i] = source[from + i]!;
  } else if (from === 0 && n === source.length) {
    target.set(source, at);
  } else {
    target.set(source.subarray(from, from + n), at);
  }
}

/** Length of `*<n>\r\n` / `$<n>\r\n`. */
function headerLength(n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits + 3;
}

function writeHeader(out: Uint8Array, marker: number, n: number): number {
  return writeHeaderAt(out, 0, marker, n);
}

/** Writes `<marker><n>\r\n` at `at`; returns its length. */
function writeHeaderAt(out: Uint8Array, at: number, marker: number, n: number): number {
  checkCount(n, "length");
  const len = headerLength(n);
  out[at] = marker;
  let v = n;
  for (let i = at + len - 3; i > at; i--) {
    out[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  out[at + len - 2] = CR;
  out[at + len - 1] = LF;
  return len;
}
