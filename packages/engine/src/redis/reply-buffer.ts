/**
 * A client's output: redis's reply list (`c->buf` plus `c->reply`, networking.c). Replies are
 * written into blocks of 16 KiB (`PROTO_REPLY_CHUNK_BYTES`); a reply larger than that gets a block
 * of its own size. Nothing here is ever one contiguous buffer holding the whole output, so a client
 * that pipelines thousands of GETs of a 1 MiB value makes thousands of blocks, each within
 * typed-array limits, and its size is a number the node can check against its limits
 * (`client-output-buffer-limit`, client eviction) before it grows further.
 *
 * Sending takes views of the front (`takeChunks`): no bytes are copied on the way to the socket. A
 * view handed out stays valid because blocks are only ever appended to, never rewritten or reused.
 *
 * It is a `ByteWriter` to every encoder and command (same methods, same meaning); only the storage
 * differs, and `view`, `toBytes` and `take` (which need one array) copy.
 */
import { ByteWriter, bytesToBinary, concatBytes } from "../util/bytes.ts";

/** `PROTO_REPLY_CHUNK_BYTES`: the size of a reply block. */
export const REPLY_CHUNK_BYTES = 16 * 1024;

const EMPTY = new Uint8Array(0);

export class ReplyBuffer extends ByteWriter {
  /** Blocks holding unsent bytes, oldest first; the last one is the block being written. */
  private blocks: Uint8Array[] = [];
  /** Index in `blocks` of the first block with unsent bytes. */
  private head = 0;
  /** Bytes of `blocks[head]` already sent. */
  private headSent = 0;
  /** The block being written (the last of `blocks`, or EMPTY before the first write). */
  private current: Uint8Array = EMPTY;
  /** Bytes written into `current`. */
  private filled = 0;
  /** Unsent bytes. */
  private pending = 0;
  /** Bytes ever written (a position that survives sending: see {@link copyFrom}). */
  private total = 0;

  constructor() {
    // The parent's own array is never used.
    super(0);
  }

  /** Unsent bytes (redis `reply_bytes` plus what `c->buf` holds). */
  override get length(): number {
    return this.pending;
  }

  /** Bytes written since the buffer was created. */
  get written(): number {
    return this.total;
  }

  /** Blocks holding unsent bytes (redis `listLength(c->reply)`, plus one for `c->buf`). */
  get blockCount(): number {
    return this.blocks.length - this.head;
  }

  /** Bytes the block being written still takes (a write of at most that many starts no new block). */
  tailFree(): number {
    return this.current.length - this.filled;
  }

  /** Makes room for `extra` bytes in one block and returns where in {@link raw} they go. */
  override reserve(extra: number): number {
    if (this.current.length - this.filled < extra) this.startBlock(new Uint8Array(Math.max(REPLY_CHUNK_BYTES, extra)), 0);
    return this.filled;
  }

  /** The block being written; valid until the next {@link reserve}. */
  override raw(): Uint8Array {
    return this.current;
  }

  /** Marks `count` bytes written in place after {@link reserve}. */
  override advance(count: number): void {
    this.filled += count;
    this.pending += count;
    this.total += count;
  }

  override byte(value: number): void {
    const at = this.reserve(1);
    this.current[at] = value;
    this.advance(1);
  }

  override bytes(data: Uint8Array, start = 0, end: number = data.length): void {
    const count = end - start;
    if (count <= 0) return;
    const at = this.reserve(count);
    const block = this.current;
    if (count < 16) {
      for (let i = 0; i < count; i++) block[at + i] = data[start + i]!;
    } else {
      block.set(data.subarray(start, end), at);
    }
    this.advance(count);
  }

  override ascii(text: string): void {
    const at = this.reserve(text.length);
    const block = this.current;
    for (let i = 0; i < text.length; i++) block[at + i] = text.charCodeAt(i);
    this.advance(text.length);
  }

  override binary(text: string): void {
    this.ascii(text);
  }

  override decimal(value: number): void {
    this.ascii(String(value));
  }

  /**
   * Appends a buffer the caller gives up (an RDB payload): it becomes a block of its own, without a
   * copy. The caller must never change it afterwards.
   */
  adopt(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // Later writes start a new block: this one is full by definition.
    this.startBlock(bytes, bytes.length);
    this.pending += bytes.length;
    this.total += bytes.length;
  }

  /** All unsent bytes in one new array (a copy), taken out. */
  override take(): Uint8Array {
    return concatBytes(this.takeChunks());
  }

  /** The unsent bytes in one new array (a copy); they stay unsent. */
  override view(): Uint8Array {
    return this.copyFrom(this.total - this.pending);
  }

  override toBytes(): Uint8Array {
    return this.view();
  }

  /** Takes up to `maxBytes` unsent bytes from the front, as views into the blocks (no copy). */
  takeChunks(maxBytes = Infinity): Uint8Array[] {
    const out: Uint8Array[] = [];
    let budget = Math.min(maxBytes, this.pending);
    while (budget > 0) {
      const block = this.blocks[this.head]!;
      const end = block === this.current ? this.filled : block.length;
      const count = Math.min(end - this.headSent, budget);
      out.push(block.subarray(this.headSent, this.headSent + count));
      this.headSent += count;
      budget -= count;
      this.pending -= count;
      if (this.headSent === end && block !== this.current) {
        this.head++;
        this.headSent = 0;
      }
    }
    if (this.pending === 0) this.reset();
    else if (this.head > 64 && this.head * 2 > this.blocks.length) {
      // Drop the sent prefix now and then, so a long-lived client does not keep a growing array.
      this.blocks = this.blocks.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /**
   * A copy of the bytes written from position `mark` (a value of {@link written}) on, as long as they
   * are still unsent; for reading back a reply just written (the error a command answered).
   */
  copyFrom(mark: number): Uint8Array {
    const count = Math.min(this.total - mark, this.pending);
    if (count <= 0) return EMPTY;
    const out = new Uint8Array(count);
    let skip = this.pending - count;
    let at = 0;
    for (let i = this.head; i < this.blocks.length && at < count; i++) {
      const block = this.blocks[i]!;
      const begin = i === this.head ? this.headSent : 0;
      const end = block === this.current ? this.filled : block.length;
      let from = begin;
      if (skip > 0) {
        const skipped = Math.min(skip, end - begin);
        from += skipped;
        skip -= skipped;
      }
      const piece = Math.min(end - from, count - at);
      if (piece > 0) {
        out.set(block.subarray(from, from + piece), at);
        at += piece;
      }
    }
    return out;
  }

  /** {@link copyFrom} as a byte string. */
  textFrom(mark: number): string {
    return bytesToBinary(this.copyFrom(mark));
  }

  /** Drops every unsent byte (a client being freed, a master's replies that are never sent). */
  override clear(): void {
    this.pending = 0;
    this.reset();
  }

  /** Makes `block` the one being written, `used` bytes of it already filled. */
  private startBlock(block: Uint8Array, used: number): void {
    const last = this.blocks.length - 1;
    // Every block but the last is trimmed to what was written, so sending never reads past it.
    if (last >= this.head && this.blocks[last] === this.current) this.blocks[last] = this.current.subarray(0, this.filled);
    this.blocks.push(block);
    this.current = block;
    this.filled = used;
  }

  private reset(): void {
    // The current block's free space stays usable: views already taken end before `used`.
    if (this.current !== EMPTY && this.current.length - this.filled >= 64) {
      this.blocks = [this.current];
      this.head = 0;
      this.headSent = this.filled;
      return;
    }
    this.blocks = [];
    this.head = 0;
    this.headSent = 0;
    this.current = EMPTY;
    this.filled = 0;
  }
}
