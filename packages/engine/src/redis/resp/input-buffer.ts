/**
 * The receive buffer both RESP parsers read from: one growable byte array with a read position.
 *
 * Only `append()` moves or replaces bytes. Parsers hand out views into `data` and promise they stay
 * valid until the next push, which holds exactly because compaction and growth happen nowhere else.
 */

const INITIAL_CAPACITY = 16 * 1024;

/**
 * A drained buffer larger than this is replaced by a fresh small one when small input comes, as
 * redis shrinks idle query buffers: a client that once sent a large argument does not keep its
 * memory (and the client's memory, which limits count, drops back).
 */
const SHRINK_ABOVE_BYTES = 64 * 1024;

/** Growable byte array holding received but not yet consumed bytes, `data[start..end)`. */
export class InputBuffer {
  /** Backing store; bytes outside `[start, end)` are garbage. Replaced on growth (only through {@link replace}). */
  data: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** A DataView of `data`, replaced with it (a parser reads several bytes at once through it). */
  view: DataView = new DataView(this.data.buffer);
  /** First unconsumed byte. */
  start = 0;
  /** One past the last received byte. */
  end = 0;

  /** Number of unconsumed bytes. */
  get length(): number {
    return this.end - this.start;
  }

  /** Bytes allocated (what the buffer costs in memory, used or not). */
  get capacity(): number {
    return this.data.length;
  }

  /**
   * Appends received bytes. `wantedBytes` is how many unconsumed bytes the caller already knows it will
   * need in one piece (a large bulk whose length is known), so growth allocates once instead of doubling
   * its way there.
   */
  append(bytes: Uint8Array, wantedBytes = 0): void {
    const count = bytes.length;
    if (count === 0) return;
    if (this.start === this.end) {
      // Fully drained: restart at the front so the common case never compacts.
      this.start = 0;
      this.end = 0;
      if (this.data.length > SHRINK_ABOVE_BYTES && count <= INITIAL_CAPACITY) this.replace(new Uint8Array(INITIAL_CAPACITY));
    }
    if (this.end + count > this.data.length) this.makeRoom(count, wantedBytes);
    this.data.set(bytes, this.end);
    this.end += count;
  }

  /** Marks `count` bytes at the front as consumed. */
  consume(count: number): void {
    this.start += count;
  }

  /** Drops everything, releasing a large backing store. */
  reset(): void {
    this.start = 0;
    this.end = 0;
    if (this.data.length > INITIAL_CAPACITY) this.replace(new Uint8Array(INITIAL_CAPACITY));
  }

  private makeRoom(incoming: number, wantedBytes: number): void {
    const pending = this.end - this.start;
    const need = pending + incoming;
    const capacity = this.data.length;
    if (need <= capacity >> 1) {
      // Compacting only while at least half the store is free afterwards keeps the copying amortized
      // linear: between two compactions at least capacity/2 new bytes must have arrived.
      this.data.copyWithin(0, this.start, this.end);
    } else {
      let grown = Math.max(capacity * 2, need);
      if (wantedBytes > grown) grown = wantedBytes;
      const next = new Uint8Array(grown);
      next.set(this.data.subarray(this.start, this.end));
      this.replace(next);
    }
    this.start = 0;
    this.end = pending;
  }

  private replace(data: Uint8Array): void {
    this.data = data;
    this.view = new DataView(data.buffer);
  }
}
