/**
 * The sorted keyspace of an SSDB node: encoded keys (byte strings) to values, iterated in byte
 * order like LevelDB, with snapshots.
 *
 * A LevelDB iterator sees the database as it was when the iterator was created, and SSDB's copy
 * relies on that (an upstream copy iterator, the pinned snapshot of seed 002). A `StoreSnapshot`
 * gives the same view: before a key changes, the store saves its old value into every open
 * snapshot that has not saved it yet.
 */

/** A key with its value. */
export interface StoreEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

export class SortedStore {
  private readonly map = new Map<string, Uint8Array>();
  /** Keys in byte order, brought up to date lazily (`ensureSorted`). */
  private sorted: string[] = [];
  private readonly pendingAdds = new Set<string>();
  private readonly pendingRemoves = new Set<string>();
  private readonly snapshots = new Set<StoreSnapshot>();
  /**
   * The key written last and what it holds now (undefined: deleted): a write is most often read
   * back next (a master link sends the value of the key just set, a slave compares a hot key's new
   * value with the stored one), and comparing the key string costs less than a lookup.
   */
  private lastKey: string | null = null;
  private lastValue: Uint8Array | undefined = undefined;

  get size(): number {
    return this.map.size;
  }

  get(key: string): Uint8Array | undefined {
    if (key === this.lastKey) return this.lastValue;
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Sets `key`; true when it was not there before. */
  put(key: string, value: Uint8Array): boolean {
    this.preserve(key);
    // One lookup: whether the key is new shows in the map's size (an SSDB write puts once or more).
    const size = this.map.size;
    this.map.set(key, value);
    this.lastKey = key;
    this.lastValue = value;
    if (this.map.size === size) return false;
    if (this.pendingRemoves.has(key)) this.pendingRemoves.delete(key);
    else this.pendingAdds.add(key);
    return true;
  }

  /**
   * `put` of the value `key` holds now (the same array): nothing in the map changes, but open
   * snapshots still see a write of the key, as `put` shows it to them.
   */
  putSame(key: string): void {
    this.preserve(key);
  }

  delete(key: string): boolean {
    if (!this.map.has(key)) return false;
    this.preserve(key);
    this.map.delete(key);
    this.lastKey = key;
    this.lastValue = undefined;
    if (this.pendingAdds.has(key)) this.pendingAdds.delete(key);
    else this.pendingRemoves.add(key);
    return true;
  }

  /** Removes every key (a wipe of the data, `flushdb`). */
  clear(): void {
    for (const key of [...this.map.keys()]) this.delete(key);
  }

  private preserve(key: string): void {
    if (this.snapshots.size === 0) return;
    const old = this.map.get(key);
    for (const snapshot of this.snapshots) snapshot.remember(key, old);
  }

  private ensureSorted(): void {
    if (this.pendingRemoves.size > 0) {
      const removes = this.pendingRemoves;
      this.sorted = this.sorted.filter((k) => !removes.has(k));
      removes.clear();
    }
    if (this.pendingAdds.size > 0) {
      const adds = [...this.pendingAdds].sort(compareKeys);
      this.pendingAdds.clear();
      this.sorted = mergeSorted(this.sorted, adds);
    }
  }

  /** Index of the first sorted key >= `key` (or > `key` when `exclusive`). */
  private lowerBound(key: string, exclusive: boolean): number {
    this.ensureSorted();
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.sorted[mid]!;
      if (k < key || (exclusive && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first key >= `key` (> `key` when `exclusive`). */
  firstFrom(key: string, exclusive = false): string | undefined {
    // lowerBound may rebuild `sorted`: read the array after it.
    const at = this.lowerBound(key, exclusive);
    return this.sorted[at];
  }

  /** The last key <= `key`. */
  lastAtOrBefore(key: string): string | undefined {
    const at = this.lowerBound(key, true);
    return at > 0 ? this.sorted[at - 1] : undefined;
  }

  /** Entries with `start <= key` (or `<` when `exclusive`), in order, up to `end` inclusive. */
  *range(start: string, options: { readonly exclusive?: boolean; readonly end?: string } = {}): IterableIterator<StoreEntry> {
    let at = this.lowerBound(start, options.exclusive === true);
    // The array may be rebuilt by a write while iterating: re-find the position by key then.
    for (;;) {
      const key = this.sorted[at];
      if (key === undefined) return;
      if (options.end !== undefined && key > options.end) return;
      const value = this.map.get(key);
      if (value !== undefined) yield { key, value };
      const before = this.sorted;
      this.ensureSorted();
      at = this.sorted === before ? at + 1 : this.lowerBound(key, true);
    }
  }

  /** Entries with `key <= start` going down, while `key >= end` (when given). */
  *reverseRange(start: string, end?: string): IterableIterator<StoreEntry> {
    this.ensureSorted();
    for (let at = this.lowerBound(start, true) - 1; at >= 0; at--) {
      const key = this.sorted[at]!;
      if (end !== undefined && key < end) return;
      const value = this.map.get(key);
      if (value !== undefined) yield { key, value };
    }
  }

  /** Every entry in order (for compacting the disk log). */
  entries(): IterableIterator<StoreEntry> {
    return this.range("");
  }

  /** A consistent view of the store as it is now, until released. */
  snapshot(): StoreSnapshot {
    const snapshot = new StoreSnapshot(this, () => this.snapshots.delete(snapshot));
    this.snapshots.add(snapshot);
    return snapshot;
  }

  /** Number of snapshots not yet released (tests, views). */
  get openSnapshots(): number {
    return this.snapshots.size;
  }
}

/** A read-only view of a `SortedStore` as of the moment it was taken. */
export class StoreSnapshot {
  /** Keys changed since the snapshot, with their value then (undefined: absent then). */
  private readonly saved = new Map<string, Uint8Array | undefined>();
  /** Saved keys that held a value then, in order, rebuilt lazily. */
  private savedPresent: string[] = [];
  private savedDirty = false;
  private released = false;

  constructor(
    private readonly store: SortedStore,
    private readonly onRelease: () => void,
  ) {}

  /** Called by the store just before `key` changes. */
  remember(key: string, old: Uint8Array | undefined): void {
    if (this.saved.has(key)) return;
    this.saved.set(key, old);
    if (old !== undefined) this.savedDirty = true;
  }

  get(key: string): Uint8Array | undefined {
    return this.saved.has(key) ? this.saved.get(key) : this.store.get(key);
  }

  /** The first entry with key > `after` (>= `after` when `inclusive`) as the snapshot sees it. */
  next(after: string, inclusive = false): StoreEntry | null {
    let from = after;
    let exclusive = !inclusive;
    for (;;) {
      const live = this.store.firstFrom(from, exclusive);
      const old = this.firstSavedFrom(from, exclusive);
      let key: string | undefined;
      if (live === undefined) key = old;
      else if (old === undefined) key = live;
      else key = live < old ? live : old;
      if (key === undefined) return null;
      const value = this.get(key);
      if (value !== undefined) return { key, value };
      // A key created after the snapshot: not part of it.
      from = key;
      exclusive = true;
    }
  }

  private firstSavedFrom(key: string, exclusive: boolean): string | undefined {
    if (this.savedDirty) {
      this.savedPresent = [...this.saved].filter(([, v]) => v !== undefined).map(([k]) => k).sort(compareKeys);
      this.savedDirty = false;
    }
    const list = this.savedPresent;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = list[mid]!;
      if (k < key || (exclusive && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return list[lo];
  }

  /** Stops tracking changes; the snapshot must not be read afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.saved.clear();
    this.savedPresent = [];
    this.onRelease();
  }

  get isReleased(): boolean {
    return this.released;
  }
}

/** Bytewise order of byte strings. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
