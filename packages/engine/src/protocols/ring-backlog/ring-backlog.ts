/**
 * The replication backlog of redis 2.8 to 6.2: one fixed buffer of `repl-backlog-size` bytes used
 * as a ring (replication.c createReplicationBacklog, feedReplicationBacklog,
 * addReplyReplicationBacklog, resizeReplicationBacklog; the seed document 000 walks through them).
 *
 * - `idx` is where the next byte goes; it wraps to 0 at the end of the buffer, so the oldest bytes
 *   are overwritten once the ring is full.
 * - `histlen` counts the bytes held, capped at the size.
 * - `off` (`repl_backlog_off`, INFO's `repl_backlog_first_byte_offset`) is the replication offset of
 *   the oldest byte held: `master_repl_offset - histlen + 1`, which reads `master_repl_offset + 1`
 *   while the ring is empty.
 *
 * Rules RB-* in SPEC.md beside this file. 7.0 replaced the ring with a list of shared blocks
 * (protocols/redis-7.0/backlog.ts); its first byte moves in whole blocks, this one byte by byte.
 */

/** CONFIG_REPL_BACKLOG_MIN_SIZE: a smaller size given to CONFIG SET becomes this. */
export const RING_MIN_SIZE = 16 * 1024;

export class RingBacklog {
  /** `repl_backlog_size`. */
  readonly size: number;
  /** `repl_backlog_idx`: where the next byte is written. */
  idx = 0;
  /** `repl_backlog_histlen`: bytes held (at most `size`). */
  histlen = 0;
  /** The offset of the last byte fed (`master_repl_offset` as far as this ring knows). */
  endOffset: number;
  /** Bytes fed since the ring was made: more than `size` means the oldest were overwritten. */
  fedBytes = 0;
  /** Allocated lazily and grown up to `size`, so an idle node does not hold a megabyte of zeros. */
  private buf: Uint8Array = new Uint8Array(0);

  /** An empty ring whose next byte will have offset `nextOffset` (createReplicationBacklog). */
  constructor(size: number, nextOffset: number) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new Error(`ring backlog size ${size}`);
    this.size = size;
    this.endOffset = nextOffset - 1;
  }

  /** `repl_backlog_off`: the offset of the oldest byte held (the next byte's while empty). */
  get firstByteOffset(): number {
    return this.endOffset - this.histlen + 1;
  }

  /** The write index has gone round: the oldest bytes fed were overwritten. */
  get wrapped(): boolean {
    return this.fedBytes > this.size;
  }

  /** Bytes this ring takes (INFO memory): the whole buffer, as redis allocates it. */
  memoryBytes(): number {
    return this.size;
  }

  /** feedReplicationBacklog: appends `data[start, end)`, overwriting the oldest bytes once full. */
  feed(data: Uint8Array, start = 0, end = data.length): void {
    const length = end - start;
    this.endOffset += length;
    this.fedBytes += length;
    this.histlen = Math.min(this.size, this.histlen + length);
    let at = start;
    if (length > this.size) {
      // Only the last `size` bytes stay: skip the rest as redis's loop would overwrite it.
      const skip = length - this.size;
      this.idx = (this.idx + skip) % this.size;
      at += skip;
    }
    let idx = this.idx;
    while (at < end) {
      const chunk = Math.min(this.size - idx, end - at);
      if (this.buf.length < idx + chunk) this.grow(idx + chunk);
      const buf = this.buf;
      if (chunk <= 64) {
        // A propagated command is a few dozen bytes: a plain loop beats making a subarray per feed.
        for (let i = 0; i < chunk; i++) buf[idx + i] = data[at + i]!;
      } else {
        buf.set(data.subarray(at, at + chunk), idx);
      }
      idx += chunk;
      if (idx === this.size) idx = 0;
      at += chunk;
    }
    this.idx = idx;
  }

  /**
   * addReplyReplicationBacklog: the bytes from `offset` (within [firstByteOffset, endOffset + 1])
   * to the end, in stream order (two pieces joined when they wrap).
   */
  copyFrom(offset: number): Uint8Array {
    if (offset < this.firstByteOffset || offset > this.endOffset + 1) throw new Error(`offset ${offset} outside the ring [${this.firstByteOffset}, ${this.endOffset + 1}]`);
    const length = this.endOffset + 1 - offset;
    const out = new Uint8Array(length);
    if (length === 0) return out;
    // The oldest byte sits `histlen` before idx, going round.
    let j = (this.idx + (this.size - this.histlen)) % this.size;
    j = (j + (offset - this.firstByteOffset)) % this.size;
    const first = Math.min(length, this.size - j);
    out.set(this.buf.subarray(j, j + first), 0);
    if (first < length) out.set(this.buf.subarray(0, length - first), first);
    return out;
  }

  /** The held bytes from oldest to newest (for views and tests). */
  contents(): Uint8Array {
    return this.copyFrom(this.firstByteOffset);
  }

  /** Grows the buffer (never past `size`) to hold at least `needed` bytes. */
  private grow(needed: number): void {
    const grown = new Uint8Array(Math.min(this.size, Math.max(needed, this.buf.length * 2, 4096)));
    grown.set(this.buf);
    this.buf = grown;
  }
}
