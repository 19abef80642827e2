/**
 * A database's dict that keeps count of the memory its entries take, as redis's allocator counts
 * `used_memory_dataset`: every key and value byte, plus a fixed overhead per key (the dict entry,
 * the key's sds and the value's object). It is updated on every `set`, `delete` and `clear`, so
 * the figure is always current and costs nothing to read; a SET of a 1 MiB value counts 1 MiB.
 *
 * Strings are exact. An aggregate (list, hash, set, sorted set) changed in place is re-counted when
 * its db is told (`resize`), at a flat estimate per element: the lab does not weigh each element.
 */

/** dictEntry + key sds header + value robj, about what `MEMORY USAGE` adds to a short string's bytes. */
export const KEY_OVERHEAD_BYTES = 56;
/** An aggregate's own structure, and what each of its elements costs on average. */
const AGGREGATE_BYTES = 96;
const AGGREGATE_ELEMENT_BYTES = 64;

/** What a value is made of, for counting: bytes, or a collection with a length. */
export type SizedValue = Uint8Array | { readonly length: number };

export class SizedMap<V extends SizedValue> extends Map<string, V> {
  private total = 0;
  /** A duplicate key was loaded (see {@link load}): `total` must be counted again before use. */
  private stale = false;
  /** What each aggregate's elements were counted at (strings are counted from their length, which never changes). */
  private readonly counted = new WeakMap<object, number>();

  /** Bytes the entries take (used_memory_dataset, roughly). */
  get memoryBytes(): number {
    if (this.stale) this.recount();
    return this.total;
  }

  override set(key: string, value: V): this {
    const old = super.get(key);
    super.set(key, value);
    // The common overwrite, a string by a string, changes the count by the length difference.
    if (old instanceof Uint8Array && value instanceof Uint8Array) {
      this.total += value.length - old.length;
      return this;
    }
    if (old !== undefined) this.total -= this.entryBytes(key, old);
    this.total += this.countNew(key, value);
    return this;
  }

  /**
   * Adds an entry while an RDB loads into this emptied dict. One hash lookup instead of the two
   * `set` needs to un-count a replaced value: a million-key full sync spends most of its time here.
   * A file holds each key once; should one repeat anyway, the later value wins as with `set` and
   * the count is redone once, when next read.
   */
  load(key: string, value: V): void {
    const size = this.size;
    super.set(key, value);
    if (this.size === size) this.stale = true;
    else this.total += this.countNew(key, value);
  }

  override delete(key: string): boolean {
    const old = super.get(key);
    if (old === undefined) return false;
    super.delete(key);
    this.total -= this.entryBytes(key, old);
    return true;
  }

  override clear(): void {
    super.clear();
    this.total = 0;
    this.stale = false;
  }

  /**
   * A copy for a lab fork (`lab/graph-clone.ts`): strings are shared (never changed in place),
   * aggregates copied by `copyOf`, and the counts carried over (the WeakMap of counted aggregates
   * cannot be copied from outside).
   */
  copyForFork(copyOf: <T>(value: T) => T): SizedMap<V> {
    const copy = new SizedMap<V>();
    for (const [key, value] of this) {
      const copied = value instanceof Uint8Array ? value : copyOf(value);
      // The base class's set: the counts are copied below, not counted again.
      Map.prototype.set.call(copy, key, copied);
      const counted = value instanceof Uint8Array ? undefined : this.counted.get(value);
      if (counted !== undefined) copy.counted.set(copied, counted);
    }
    copy.total = this.memoryBytes;
    return copy;
  }

  /** What the entry under `key` is counted at (MEMORY USAGE), or undefined when there is none. */
  sizeOf(key: string): number | undefined {
    const value = super.get(key);
    return value === undefined ? undefined : this.entryBytes(key, value);
  }

  /** The aggregate under `key` changed in place: count it again. */
  resize(key: string): void {
    const value = super.get(key);
    if (value === undefined || value instanceof Uint8Array) return;
    this.total -= this.entryBytes(key, value);
    this.total += this.countNew(key, value);
  }

  /** Counts every entry again (aggregates at their current length). */
  private recount(): void {
    let total = 0;
    for (const [key, value] of this) total += this.countNew(key, value);
    this.total = total;
    this.stale = false;
  }

  private countNew(key: string, value: V): number {
    if (value instanceof Uint8Array) return KEY_OVERHEAD_BYTES + key.length + value.length;
    const bytes = AGGREGATE_BYTES + value.length * AGGREGATE_ELEMENT_BYTES;
    this.counted.set(value, bytes);
    return KEY_OVERHEAD_BYTES + key.length + bytes;
  }

  private entryBytes(key: string, value: V): number {
    if (value instanceof Uint8Array) return KEY_OVERHEAD_BYTES + key.length + value.length;
    return KEY_OVERHEAD_BYTES + key.length + (this.counted.get(value) ?? AGGREGATE_BYTES);
  }
}
