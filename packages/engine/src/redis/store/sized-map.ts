/**
 * A database's dict: keys (byte strings, one char per byte) to values, in insertion order, that
 * keeps count of the memory its entries take, as redis's allocator counts `used_memory_dataset`:
 * every key and value byte, plus a fixed overhead per key (the dict entry, the key's sds and the
 * value's object). It is updated on every `set`, `delete` and `clear`, so the figure is always
 * current and costs nothing to read; a SET of a 1 MiB value counts 1 MiB.
 *
 * Strings are exact. An aggregate (list, hash, set, sorted set) changed in place is re-counted when
 * its db is told (`resize`), at a flat estimate per element: the lab does not weigh each element.
 *
 * The table is its own rather than a `Map`: entries sit in parallel arrays in insertion order
 * (a deleted entry leaves a hole until the arrays are compacted), found through chained buckets
 * over a hash of the key's bytes. So a SET read from an input buffer finds its key from the bytes
 * (`setRange`) without making a string, and makes one only for a new key; one lookup serves both
 * the old value's count and the store; a fork copies arrays instead of re-inserting every key.
 *
 * Order: iteration is insertion order, as a Map's (an overwrite keeps the key's place, a deleted and
 * re-added key goes last), which KEYS, RANDOMKEY, eviction's sample and RDB files follow. Each entry
 * also has a sequence number, increasing in that order and kept by compaction: SCAN's cursor is the
 * sequence number to go on from, so a key present for the whole scan is returned exactly once
 * however the table grows, compacts or loses other keys meanwhile.
 *
 * The hash is keyed: HalfSipHash-1-3 over the key's bytes, with a 64-bit key the host supplies
 * (`setKeyHashSecret`: the server, its replay workers and the drop-in launcher give random bytes at
 * start-up; the engine takes no randomness of its own, and uses a fixed key until told). A client
 * that chooses its keys cannot make them share buckets without the key: with an unkeyed hash
 * (murmur3, as before) it could compute keys of one hash and turn every insert and lookup into a walk
 * of one long probe run, stalling every lab of the process. Nothing visible depends on the hash:
 * iteration, SCAN's cursors, KEYS, RANDOMKEY and RDB files follow insertion order, so replies are the
 * same under any key.
 *
 * Loaded entries (`loadRange`, an RDB's short strings): an entry may keep its key and value as
 * places in the loaded file (the dict's `arena`, never written) instead of a string and a byte
 * array, two numbers in its slots: the key's first byte and the value's (the key ends just before
 * the value's one-byte length, as an RDB stores a short string after its key). A full sync then
 * makes no object per key. Such an entry gets its string and bytes the first time anything looks
 * at it (a lookup that finds it, an iteration, a scan); the arena is let go with the last of them.
 */
import { bytesToBinary } from "../../util/bytes.ts";
import { ownBytes } from "./value.ts";

/** dictEntry + key sds header + value robj, about what `MEMORY USAGE` adds to a short string's bytes. */
export const KEY_OVERHEAD_BYTES = 56;
/** An aggregate's own structure, and what each of its elements costs on average. */
const AGGREGATE_BYTES = 96;
const AGGREGATE_ELEMENT_BYTES = 64;
/** Entries of a dict's first table (allocated with its first key: an empty db holds no arrays). */
const FIRST_CAPACITY = 8;

/** What a value is made of, for counting: bytes, or a collection with a length. */
export type SizedValue = Uint8Array | { readonly length: number };

/** An empty dict's tables: one empty bucket (mask 0), no entries. Never written: the first key allocates. */
const NO_INDEX = new Int32Array(2);
const NO_SEQS = new Float64Array(0);

/** Slots for `count` entries: a power of two, at least the first table's. */
function slotsFor(count: number): number {
  let slots = FIRST_CAPACITY;
  while (slots < count) slots *= 2;
  return slots;
}

/**
 * The state a hash starts from (v0..v3: the key's two little-endian words, and each xored into
 * HalfSipHash's constant): from the host's secret (see {@link setKeyHashSecret}), else a fixed
 * default. A typed array: four module variables made each hash about 10 ns slower here.
 */
const START = new Int32Array(4);
/** A table has been built with the current key: another key would leave its hashes stale. */
let keyInUse = false;

/** The little-endian word at `bytes[at]`. */
function wordAt(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

function useKey(key: Uint8Array): void {
  START[0] = wordAt(key, 0);
  START[1] = wordAt(key, 4);
  START[2] = 0x6c796765 ^ START[0];
  START[3] = 0x74656462 ^ START[1];
}

/** The default key: bytes 0..7, so engine runs and tests are the same everywhere. */
useKey(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7));

/**
 * Keys every dict's hash with `secret` (8 bytes: HalfSipHash's 64-bit key). The engine takes no
 * randomness of its own: a host that lets untrusted clients choose keys (the lab server, the drop-in
 * launcher) calls this once at start-up with random bytes, so nobody can compute keys that share a
 * bucket. Must come before the first key is stored: once a table exists, another key is refused
 * (the tables keep the hashes they were built with). The same key again is accepted.
 */
export function setKeyHashSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 8) {
    throw new RangeError(`the key hash secret must be 8 bytes, not ${secret instanceof Uint8Array ? secret.length : typeof secret}`);
  }
  if (wordAt(secret, 0) === START[0] && wordAt(secret, 4) === START[1]) return;
  if (keyInUse) throw new Error("the key hash secret must be set before any dict holds a key");
  useKey(secret);
}

/**
 * HalfSipHash-1-3 (Aumasson & Bernstein's SipHash on 32-bit words; one round per 4-byte block and
 * three to finish, as Linux's hsiphash on 32-bit machines), 32-bit output, of the key `text` (char
 * codes 0..255) or `data`, from `start` to `end`. The blocks are little-endian words; the last one
 * holds the remaining 0..3 bytes under the length's low byte; after it, v2 ^= 0xff and three rounds.
 * One loop runs every round, so the round is written once; `hashKey` passes the text, `hashBytes`
 * the bytes.
 */
function halfSipHash13(text: string | null, data: Uint8Array | null, start: number, end: number): number {
  const length = end - start;
  const words = length >>> 2;
  let last = length << 24;
  for (let at = start + 4 * words, shift = 0; at < end; at++, shift += 8) last |= (text !== null ? text.charCodeAt(at) : data![at]!) << shift;
  let v0 = START[0]!;
  let v1 = START[1]!;
  let v2 = START[2]!;
  let v3 = START[3]!;
  // The blocks' rounds, the last block's, then the three final ones (which take in 0: no change).
  for (let round = 0, at = start; round < words + 4; round++, at += 4) {
    const m =
      round < words
        ? text !== null
          ? text.charCodeAt(at) | (text.charCodeAt(at + 1) << 8) | (text.charCodeAt(at + 2) << 16) | (text.charCodeAt(at + 3) << 24)
          : wordAt(data!, at)
        : round === words
          ? last
          : 0;
    v3 ^= m;
    v0 = (v0 + v1) | 0;
    v1 = ((v1 << 5) | (v1 >>> 27)) ^ v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = ((v3 << 8) | (v3 >>> 24)) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = ((v3 << 7) | (v3 >>> 25)) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = ((v1 << 13) | (v1 >>> 19)) ^ v2;
    v2 = (v2 << 16) | (v2 >>> 16);
    v0 ^= m;
    if (round === words) v2 ^= 0xff;
  }
  return v1 ^ v3;
}

/** The hash of a byte string key (char codes 0..255), equal to {@link hashBytes} of its bytes. */
export function hashKey(key: string): number {
  return halfSipHash13(key, null, 0, key.length);
}

/** The hash of the key `data[start, end)`. */
export function hashBytes(data: Uint8Array, start: number, end: number): number {
  return halfSipHash13(null, data, start, end);
}

/** Where an iteration over a {@link SizedMap} is. */
class Walk {
  seq = -1;
  constructor(
    public next: number,
    public layout: number,
    public clears: number,
  ) {}
}

/** Array items per entry in `slots`: its key, its value, what it is counted at. */
const SLOT = 3;

/** A SizedMap's table (`tableParts`). */
export interface SizedMapParts<V> {
  readonly slots: (string | V | number | undefined)[];
  readonly seqs: Float64Array;
  readonly index: Int32Array;
  readonly mask: number;
  readonly capacity: number;
  readonly used: number;
  readonly live: number;
  readonly head: number;
  readonly nextSeq: number;
  readonly total: number;
}

export class SizedMap<V extends SizedValue> {
  /**
   * Entries in insertion order: key, value and counted bytes side by side (one memory line; an
   * overwrite never reads the old value). A deleted entry is a hole (key undefined) until compaction.
   */
  private slots: (string | V | number | undefined)[] = [];
  /** Sequence numbers, increasing along the entries (see the file comment). */
  private seqs: Float64Array = NO_SEQS;
  /**
   * The open-addressed index, linear probing, two numbers per bucket: a key's hash and its entry
   * plus one (0: empty bucket). Twice as many buckets as entry slots, so probes stay short.
   */
  private index: Int32Array = NO_INDEX;
  private mask = 0;
  /** Entry slots. */
  private capacity = 0;
  /** Entry slots in use, holes included. */
  private used = 0;
  private live = 0;
  /** No live entry before this one. */
  private head = 0;
  private nextSeq = 0;
  /** Bumped when entries move (compaction, growth, clear): iterators find their place again. */
  private layout = 0;
  private clears = 0;
  /** The entry `get` or `setRange` last found or added (-1: none since the entries last moved). */
  private recent = -1;
  /** The hash of the key `findBytes` last missed. */
  private missedHash = 0;
  private total = 0;
  /** A duplicate key was loaded (see {@link load}): `total` must be counted again before use. */
  private stale = false;
  /** The loaded file that entries still in it point into (see the file comment), or null. */
  private arena: Uint8Array | null = null;
  /** Entries whose key and value are still places in `arena`. */
  private inArena = 0;

  get size(): number {
    return this.live;
  }

  /** Bytes the entries take (used_memory_dataset, roughly). */
  get memoryBytes(): number {
    if (this.stale) this.recount();
    return this.total;
  }

  get(key: string): V | undefined {
    // The entry found last first (a hot key read again and again costs a compare, not a hash).
    const recent = this.recent;
    if (recent >= 0 && this.slots[SLOT * recent] === key) return this.slots[SLOT * recent + 1] as V;
    const i = this.find(key, hashKey(key));
    if (i < 0) return undefined;
    this.recent = i;
    return this.slots[SLOT * i + 1] as V;
  }

  has(key: string): boolean {
    return this.find(key, hashKey(key)) >= 0;
  }

  set(key: string, value: V): this {
    const hash = hashKey(key);
    const i = this.find(key, hash);
    if (i < 0) this.insert(key, hash, value);
    else this.replace(i, key, value);
    return this;
  }

  /**
   * `set` of the key `data[keyStart, keyEnd)` to the value `data[valueStart, valueEnd)`, a SET read
   * from an input buffer: an existing key is found from its bytes and a string is made only for a
   * new one; a key that already holds those very bytes keeps its value (nothing is allocated or
   * changes), else the value is copied out of `data` (`ownBytes`).
   */
  setRange(data: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    const i = this.findBytes(data, keyStart, keyEnd);
    if (i < 0) {
      this.insert(bytesToBinary(data, keyStart, keyEnd), this.missedHash, ownBytes(data, valueStart, valueEnd) as V);
      this.recent = this.used - 1;
      return;
    }
    this.recent = i;
    const old = this.slots[SLOT * i + 1];
    if (old instanceof Uint8Array && old.length === valueEnd - valueStart) {
      let j = 0;
      while (j < old.length && old[j] === data[valueStart + j]) j++;
      if (j === old.length) return;
    }
    this.replace(i, this.slots[SLOT * i] as string, ownBytes(data, valueStart, valueEnd) as V);
  }

  /** The entry of the key `data[start, end)`, or -1 (and its hash in `missedHash`). */
  private findBytes(data: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const slots = this.slots;
    // The key of the previous call first (a hot key, a counter): compared from the end, where keys
    // of one family (key:1, key:2...) differ, so another key costs a byte or two.
    const recent = this.recent;
    if (recent >= 0) {
      const key = slots[SLOT * recent];
      if (typeof key === "string" && key.length === length) {
        let j = length - 1;
        while (j >= 0 && key.charCodeAt(j) === data[start + j]) j--;
        if (j < 0) return recent;
      }
    }
    const hash = hashBytes(data, start, end);
    const index = this.index;
    const mask = this.mask;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const entry = index[2 * bucket + 1]!;
      if (entry === 0) break;
      if (index[2 * bucket] !== hash) continue;
      const key = slots[SLOT * (entry - 1)];
      if (typeof key !== "string") {
        if (typeof key === "number" && this.arenaKeyIs(entry - 1, data, start, end)) {
          this.materialize(entry - 1);
          return entry - 1;
        }
        continue;
      }
      if (key.length !== length) continue;
      let j = 0;
      while (j < length && key.charCodeAt(j) === data[start + j]) j++;
      if (j === length) return entry - 1;
    }
    this.missedHash = hash;
    return -1;
  }

  /**
   * Adds an entry while an RDB loads into this emptied dict. A file holds each key once; should one
   * repeat anyway, the later value wins as with `set` and the count is redone once, when next read.
   */
  load(key: string, value: V): void {
    const hash = hashKey(key);
    const i = this.find(key, hash);
    if (i < 0) {
      this.insert(key, hash, value);
    } else {
      this.slots[SLOT * i + 1] = value;
      this.stale = true;
    }
  }

  /**
   * `load` of the key `arena[keyStart, keyEnd)` and the value `arena[valueStart, valueEnd)`, a short
   * string in a loaded RDB: `arena` is the whole file, which the dict keeps and nobody writes again;
   * the key ends just before the value's one-byte length. The entry keeps the two places instead of
   * a string and bytes (see the file comment). Another layout, or another arena than the one this
   * dict already points into, is loaded as usual.
   */
  loadRange(arena: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    const length = valueEnd - valueStart;
    if (keyEnd !== valueStart - 1 || arena[keyEnd] !== length || (this.arena !== arena && this.inArena > 0)) {
      this.load(bytesToBinary(arena, keyStart, keyEnd), ownBytes(arena, valueStart, valueEnd) as V);
      return;
    }
    if (this.used === this.capacity) this.rebuild(slotsFor((this.live + 1) * 1.5));
    // One probe finds a repeated key or the free bucket the new entry goes to.
    const hash = hashBytes(arena, keyStart, keyEnd);
    const index = this.index;
    const mask = this.mask;
    const slots = this.slots;
    let bucket = hash & mask;
    for (let entry = index[2 * bucket + 1]!; entry !== 0; bucket = (bucket + 1) & mask, entry = index[2 * bucket + 1]!) {
      if (index[2 * bucket] !== hash) continue;
      const key = slots[SLOT * (entry - 1)];
      const same = typeof key === "number" ? this.arenaKeyIs(entry - 1, arena, keyStart, keyEnd) : typeof key === "string" && key === bytesToBinary(arena, keyStart, keyEnd);
      if (!same) continue;
      if (typeof key === "number") this.materialize(entry - 1);
      slots[SLOT * (entry - 1) + 1] = ownBytes(arena, valueStart, valueEnd) as V;
      this.stale = true;
      return;
    }
    this.arena = arena;
    const at = this.used++;
    const bytes = KEY_OVERHEAD_BYTES + (keyEnd - keyStart) + length;
    slots[SLOT * at] = keyStart;
    slots[SLOT * at + 1] = valueStart;
    slots[SLOT * at + 2] = bytes;
    this.seqs[at] = this.nextSeq++;
    index[2 * bucket] = hash;
    index[2 * bucket + 1] = at + 1;
    this.live++;
    this.inArena++;
    this.total += bytes;
  }

  /** Whether entry `i`, still in the arena, has the key `data[start, end)`. */
  private arenaKeyIs(i: number, data: Uint8Array, start: number, end: number): boolean {
    const arena = this.arena!;
    const keyStart = this.slots[SLOT * i] as number;
    const keyEnd = (this.slots[SLOT * i + 1] as number) - 1;
    if (keyEnd - keyStart !== end - start) return false;
    for (let j = 0; j < end - start; j++) if (arena[keyStart + j] !== data[start + j]) return false;
    return true;
  }

  /** Whether entry `i`, still in the arena, has the key `key`. */
  private arenaKeyIsString(i: number, key: string): boolean {
    const arena = this.arena!;
    const keyStart = this.slots[SLOT * i] as number;
    const keyEnd = (this.slots[SLOT * i + 1] as number) - 1;
    if (keyEnd - keyStart !== key.length) return false;
    for (let j = 0; j < key.length; j++) if (arena[keyStart + j] !== key.charCodeAt(j)) return false;
    return true;
  }

  /** Gives entry `i`, still in the arena, its key string and own bytes (`key` when the caller has it). */
  private materialize(i: number, key?: string): void {
    const arena = this.arena!;
    const keyStart = this.slots[SLOT * i] as number;
    const valueStart = this.slots[SLOT * i + 1] as number;
    this.slots[SLOT * i] = key ?? bytesToBinary(arena, keyStart, valueStart - 1);
    this.slots[SLOT * i + 1] = ownBytes(arena, valueStart, valueStart + arena[valueStart - 1]!) as V;
    if (--this.inArena === 0) this.arena = null;
  }

  /** Every entry still in the arena gets its string and bytes. */
  private materializeAll(): void {
    for (let i = this.head; i < this.used && this.inArena > 0; i++) if (typeof this.slots[SLOT * i] === "number") this.materialize(i);
  }

  /** Room for `count` entries in all without growing (an RDB's RESIZEDB hint). */
  reserve(count: number): void {
    if (count > this.capacity) this.rebuild(slotsFor(count));
  }

  delete(key: string): boolean {
    const hash = hashKey(key);
    const index = this.index;
    const mask = this.mask;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const entry = index[2 * bucket + 1]!;
      if (entry === 0) return false;
      if (index[2 * bucket] !== hash) continue;
      const i = entry - 1;
      const found = this.slots[SLOT * i];
      if (found !== key) {
        if (typeof found !== "number" || !this.arenaKeyIsString(i, key)) continue;
        if (--this.inArena === 0) this.arena = null;
      }
      this.unindex(bucket);
      this.total -= this.slots[SLOT * i + 2] as number;
      this.slots[SLOT * i] = undefined;
      this.slots[SLOT * i + 1] = undefined;
      this.live--;
      if (i === this.head) {
        let h = i + 1;
        while (h < this.used && this.slots[SLOT * h] === undefined) h++;
        this.head = h;
      }
      // Holes beyond the live entries are squeezed out (iteration and memory stay proportional to the keys).
      const holes = this.used - this.live;
      if (holes > 64 && holes > this.live) this.rebuild(slotsFor(this.live * 1.5));
      return true;
    }
  }

  clear(): void {
    this.slots = [];
    this.seqs = NO_SEQS;
    this.index = NO_INDEX;
    this.mask = this.capacity = this.used = this.live = this.head = this.nextSeq = 0;
    this.layout++;
    this.clears++;
    this.recent = -1;
    this.total = 0;
    this.stale = false;
    this.arena = null;
    this.inArena = 0;
  }

  /** The `n`th key in iteration order (RANDOMKEY's draw), 0 <= n < size. */
  keyAt(n: number): string {
    if (this.used !== this.live) this.rebuild(this.capacity);
    if (typeof this.slots[SLOT * n] === "number") this.materialize(n);
    const key = this.slots[SLOT * n] as string | undefined;
    if (key === undefined) throw new RangeError(`no key at ${n}`);
    return key;
  }

  /**
   * One SCAN step: up to `count` keys from the cursor on, into `found`; returns the next cursor, 0
   * when nothing is left. A cursor is a sequence number (see the file comment); 0 starts.
   */
  scan(cursor: number, count: number, found: string[]): number {
    let i = this.indexFrom(cursor);
    for (let taken = 0; i < this.used && taken < count; i++) {
      if (typeof this.slots[SLOT * i] === "number") this.materialize(i);
      const key = this.slots[SLOT * i] as string | undefined;
      if (key === undefined) continue;
      found.push(key);
      taken++;
    }
    while (i < this.used && this.slots[SLOT * i] === undefined) i++;
    return i < this.used ? this.seqs[i]! : 0;
  }

  /** Calls `visit` for every entry in order, as Map's forEach (entries added meanwhile included). */
  forEach(visit: (value: V, key: string) => void): void {
    // Straight along the slots while nothing moves them (an RDB save walks millions of entries);
    // once a visit compacts, grows or clears the table, the walk goes on from the sequence number reached.
    const layout = this.layout;
    const clears = this.clears;
    for (let i = this.head; i < this.used; i++) {
      let key = this.slots[SLOT * i];
      if (key === undefined) continue;
      if (typeof key === "number") {
        this.materialize(i);
        key = this.slots[SLOT * i];
      }
      const seq = this.seqs[i]!;
      visit(this.slots[SLOT * i + 1] as V, key as string);
      if (this.layout !== layout) {
        const walk = new Walk(0, layout, clears);
        walk.seq = seq;
        for (let j = this.step(walk); j >= 0; j = this.step(walk)) visit(this.slots[SLOT * j + 1] as V, this.slots[SLOT * j] as string);
        return;
      }
    }
  }

  *keys(): IterableIterator<string> {
    const walk = new Walk(this.head, this.layout, this.clears);
    for (let i = this.step(walk); i >= 0; i = this.step(walk)) yield this.slots[SLOT * i] as string;
  }

  *values(): IterableIterator<V> {
    const walk = new Walk(this.head, this.layout, this.clears);
    for (let i = this.step(walk); i >= 0; i = this.step(walk)) yield this.slots[SLOT * i + 1] as V;
  }

  *entries(): IterableIterator<[string, V]> {
    const walk = new Walk(this.head, this.layout, this.clears);
    for (let i = this.step(walk); i >= 0; i = this.step(walk)) yield [this.slots[SLOT * i] as string, this.slots[SLOT * i + 1] as V];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /**
   * A copy for a lab fork (`lab/graph-clone.ts`): the arrays copied as they are, strings shared
   * (never changed in place), aggregates copied by `copyOf`, the counts carried over.
   */
  copyForFork(copyOf: <T>(value: T) => T): SizedMap<V> {
    const copy = new SizedMap<V>();
    if (this.stale) this.recount();
    const slots = this.slots.slice();
    for (let i = SLOT * this.head + 1; i < SLOT * this.used; i += SLOT) {
      const value = slots[i];
      if (typeof value === "object" && !(value instanceof Uint8Array)) slots[i] = copyOf(value);
    }
    copy.slots = slots;
    // Entries still in the arena stay there in the copy too (nobody writes it).
    copy.arena = this.arena;
    copy.inArena = this.inArena;
    if (this.capacity > 0) {
      copy.seqs = this.seqs.slice();
      copy.index = this.index.slice();
    }
    copy.mask = this.mask;
    copy.capacity = this.capacity;
    copy.used = this.used;
    copy.live = this.live;
    copy.head = this.head;
    copy.nextSeq = this.nextSeq;
    copy.total = this.total;
    return copy;
  }

  /**
   * The table as it is, shared with this map (read-only: a checkpoint's copy, `lab/checkpoint-dict.ts`,
   * packs it its own way).
   */
  tableParts(): SizedMapParts<V> {
    if (this.stale) this.recount();
    // A checkpoint compares a replica's slots with its master's: entries get their strings and bytes.
    this.materializeAll();
    const { slots, seqs, index, mask, capacity, used, live, head, nextSeq, total } = this;
    return { slots, seqs, index, mask, capacity, used, live, head, nextSeq, total };
  }

  /** A map whose table is `parts` (which it owns from then on), as `copyForFork` makes one. */
  static fromTableParts<V extends SizedValue>(parts: SizedMapParts<V>): SizedMap<V> {
    const map = new SizedMap<V>();
    Object.assign(map, parts);
    return map;
  }

  /** What the entry under `key` is counted at (MEMORY USAGE), or undefined when there is none. */
  sizeOf(key: string): number | undefined {
    if (this.stale) this.recount();
    const i = this.find(key, hashKey(key));
    return i < 0 ? undefined : (this.slots[SLOT * i + 2] as number);
  }

  /** The aggregate under `key` changed in place: count it again. */
  resize(key: string): void {
    const i = this.find(key, hashKey(key));
    if (i < 0 || this.slots[SLOT * i + 1] instanceof Uint8Array) return;
    this.replace(i, key, this.slots[SLOT * i + 1] as V);
  }

  /**
   * The next live entry of a walk, or -1 at the end. Entries that moved since its last step (a
   * compaction) are found again from the sequence number it reached; after a clear it goes on with
   * what was added since, as a Map iterator does.
   */
  private step(walk: Walk): number {
    if (walk.layout !== this.layout) {
      if (walk.clears !== this.clears) {
        walk.next = 0;
        walk.seq = -1;
      } else {
        walk.next = this.indexFrom(walk.seq + 1);
      }
      walk.layout = this.layout;
      walk.clears = this.clears;
    }
    let i = walk.next;
    while (i < this.used && this.slots[SLOT * i] === undefined) i++;
    if (i >= this.used) {
      walk.next = i;
      return -1;
    }
    walk.next = i + 1;
    walk.seq = this.seqs[i]!;
    if (typeof this.slots[SLOT * i] === "number") this.materialize(i);
    return i;
  }

  private find(key: string, hash: number): number {
    const index = this.index;
    const mask = this.mask;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const entry = index[2 * bucket + 1]!;
      if (entry === 0) return -1;
      if (index[2 * bucket] !== hash) continue;
      const found = this.slots[SLOT * (entry - 1)];
      if (found === key) return entry - 1;
      if (typeof found === "number" && this.arenaKeyIsString(entry - 1, key)) {
        this.materialize(entry - 1, key);
        return entry - 1;
      }
    }
  }

  /** Empties `bucket`, moving back later buckets of its run that may sit there (no tombstones). */
  private unindex(bucket: number): void {
    const index = this.index;
    const mask = this.mask;
    let hole = bucket;
    for (let next = (hole + 1) & mask; index[2 * next + 1] !== 0; next = (next + 1) & mask) {
      const home = index[2 * next]! & mask;
      // The bucket at `next` may move to the hole when its home is not within (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        index[2 * hole] = index[2 * next]!;
        index[2 * hole + 1] = index[2 * next + 1]!;
        hole = next;
      }
    }
    index[2 * hole] = 0;
    index[2 * hole + 1] = 0;
  }

  /** Stores `value` in entry `i` (whose key is `key`) and counts it in place of the old one. */
  private replace(i: number, key: string, value: V): void {
    const at = SLOT * i;
    this.slots[at + 1] = value;
    const bytes = countOf(key, value);
    this.total += bytes - (this.slots[at + 2] as number);
    this.slots[at + 2] = bytes;
  }

  private insert(key: string, hash: number, value: V): void {
    // Full: compact when half the slots are holes, else double.
    if (this.used === this.capacity) this.rebuild(slotsFor((this.live + 1) * 1.5));
    const i = this.used++;
    const bytes = countOf(key, value);
    this.slots[SLOT * i] = key;
    this.slots[SLOT * i + 1] = value;
    this.slots[SLOT * i + 2] = bytes;
    this.seqs[i] = this.nextSeq++;
    this.place(this.index, this.mask, hash, i + 1);
    this.live++;
    this.total += bytes;
  }

  /** Puts (hash, entry) in the first free bucket of the hash's run. */
  private place(index: Int32Array, mask: number, hash: number, entry: number): void {
    let bucket = hash & mask;
    while (index[2 * bucket + 1] !== 0) bucket = (bucket + 1) & mask;
    index[2 * bucket] = hash;
    index[2 * bucket + 1] = entry;
  }

  /** Moves the live entries, in order, to fresh arrays of `capacity` slots (a power of two), dropping the holes. */
  private rebuild(capacity: number): void {
    keyInUse = true;
    const slots = new Array<string | V | number | undefined>(SLOT * capacity);
    const seqs = new Float64Array(capacity);
    // Where each old entry went, plus one (0: a hole, dropped).
    const moved = new Int32Array(this.used);
    let n = 0;
    for (let i = this.head; i < this.used; i++) {
      const key = this.slots[SLOT * i];
      if (key === undefined) continue;
      slots[SLOT * n] = key;
      slots[SLOT * n + 1] = this.slots[SLOT * i + 1];
      slots[SLOT * n + 2] = this.slots[SLOT * i + 2];
      seqs[n] = this.seqs[i]!;
      moved[i] = ++n;
    }
    // The hashes are in the old index: no key is hashed again.
    const index = new Int32Array(4 * capacity);
    const mask = 2 * capacity - 1;
    const old = this.index;
    for (let bucket = 0; bucket < this.index.length; bucket += 2) {
      const entry = old[bucket + 1]!;
      if (entry !== 0) this.place(index, mask, old[bucket]!, moved[entry - 1]!);
    }
    this.slots = slots;
    this.seqs = seqs;
    this.index = index;
    this.mask = mask;
    this.capacity = capacity;
    this.used = n;
    this.head = 0;
    this.layout++;
    this.recent = -1;
  }

  /** The first entry whose sequence number is at least `seq` (the entries are in sequence order). */
  private indexFrom(seq: number): number {
    let low = this.head;
    let high = this.used;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqs[middle]! < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Counts every entry again (aggregates at their current length). */
  private recount(): void {
    let total = 0;
    for (let i = this.head; i < this.used; i++) {
      const key = this.slots[SLOT * i] as string | number | undefined;
      if (key === undefined) continue;
      const value = this.slots[SLOT * i + 1] as V | number;
      const bytes =
        typeof key === "number" ? KEY_OVERHEAD_BYTES + ((value as number) - 1 - key) + this.arena![(value as number) - 1]! : countOf(key, value as V);
      this.slots[SLOT * i + 2] = bytes;
      total += bytes;
    }
    this.total = total;
    this.stale = false;
  }
}

/** What the dict counts for a string value of `valueLength` bytes under a `keyLength`-byte key. */
export function stringEntryBytes(keyLength: number, valueLength: number): number {
  return KEY_OVERHEAD_BYTES + keyLength + valueLength;
}

/** What an entry is counted at: its key and value bytes, an aggregate at a flat estimate per element. */
function countOf(key: string, value: SizedValue): number {
  if (value instanceof Uint8Array) return stringEntryBytes(key.length, value.length);
  return KEY_OVERHEAD_BYTES + key.length + AGGREGATE_BYTES + value.length * AGGREGATE_ELEMENT_BYTES;
}
