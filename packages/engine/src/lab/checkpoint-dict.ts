/**
 * A checkpoint's copy of a database's dict (`Lab.fork` with `checkpoint`). A checkpoint is never
 * run, only forked again, so its dicts only have to give a whole `SizedMap` back when forked
 * (`copyForFork`), and they can be kept smaller meanwhile.
 *
 * A dict is kept whole (a keyframe: its table's arrays copied), or as its differences from a
 * keyframe (a delta: the slots, sequence numbers and index buckets that differ, and its own counts).
 * The keyframe a delta is taken against is
 * - the keyframe behind the previous checkpoint's copy of the same live dict (`CheckpointChain`):
 *   between two checkpoints a dict changes little (new keys, a few values), so most checkpoints of
 *   a lab hold their dicts as small deltas over a keyframe they share with the ones before;
 * - or a keyframe this checkpoint already holds: a replica's dict is usually the same table as its
 *   master's (same keys in the same slots, equal values in arrays of its own, same sequence
 *   numbers and index), so it is kept as its differences from the master's.
 * Past a share of differences (`MAX_DIFFERENT`) the dict becomes a keyframe of its own. A restored
 * copy shares the keyframe's strings and byte values (the engine never changes a value in place,
 * as `fork.ts` says of forks).
 *
 * Aggregates (lists, hashes, ...) change in place: a checkpoint holds its own copy of each (a
 * keyframe's copy stands for the live one only at the keyframe's moment, so a later delta always
 * holds the slot), and every fork of it copies that copy again.
 *
 * Memory: keyframes and deltas are pieces (`CustomCopyContext.hold`, counted once among the copies
 * that hold them): several checkpoints hold a keyframe, and a replica's delta equal to its master's
 * (same differences from the same keyframe) is shared too. A delta counts the byte values the
 * keyframe keeps alive where the live dict has replaced them (the live lab no longer holds those).
 */
import { SizedMap, type SizedMapParts } from "../redis/store/sized-map.ts";
import type { RedisValue } from "../redis/store/value.ts";
import type { CustomCopyContext } from "./graph-clone.ts";

type Slot = string | RedisValue | number | undefined;
type CopyOf = <T>(value: T) => T;

/** Bytes of one slot of a JS array (a pointer, or a small integer in place). */
const SLOT_BYTES = 8;
/** An aggregate's copy, counted flat (its elements are counted by the fork's estimate). */
const AGGREGATE_BYTES = 64;
/** A byte value's own objects (Uint8Array and its buffer), besides its bytes. */
const VALUE_OBJECT_BYTES = 96;
/** The copy's own object and its parts. */
const DICT_BYTES = 160;
/** Past this share of an array's elements that differ from a keyframe's, a dict is kept whole. */
const MAX_DIFFERENT = 1 / 8;
/** Slots per entry of a SizedMap's `slots` (key, value, counted bytes); values are at 1 mod 3. */
const SLOT = 3;

const NO_SLOTS = new Int32Array(0);

/** Equal slot contents: the same string or number, or byte values with the same bytes. */
function sameSlot(a: Slot, b: Slot): boolean {
  if (a === b) return true;
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A value that changes in place (an aggregate), which every copy must have its own copy of. */
function isAggregate(value: Slot): value is Exclude<RedisValue, Uint8Array> {
  return typeof value === "object" && !(value instanceof Uint8Array);
}

/** Where `a` differs from `b` (same length), or null past `limit` differences. */
function differences(a: Float64Array | Int32Array, b: Float64Array | Int32Array, limit: number): number[] | null {
  const at: number[] = [];
  if (a === b) return at;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      if (at.length >= limit) return null;
      at.push(i);
    }
  }
  return at;
}

/** The differences of a dict from a keyframe, as a delta holds them. */
interface Delta {
  readonly slotAt: Int32Array;
  readonly slots: Slot[];
  readonly seqAt: Int32Array;
  readonly seqs: Float64Array;
  readonly indexAt: Int32Array;
  readonly index: Int32Array;
}

/** Whether `delta` holds exactly the differences found (`slotAt` ...) of `parts`. */
function sameDelta(delta: Delta, parts: SizedMapParts<RedisValue>, slotAt: readonly number[], seqAt: readonly number[], indexAt: readonly number[]): boolean {
  if (delta.slotAt.length !== slotAt.length || delta.seqAt.length !== seqAt.length || delta.indexAt.length !== indexAt.length) return false;
  for (let k = 0; k < slotAt.length; k++) {
    const i = slotAt[k]!;
    const value = parts.slots[i];
    // An aggregate is never shared: each copy holds its own.
    if (delta.slotAt[k] !== i || isAggregate(value) || !sameSlot(delta.slots[k], value)) return false;
  }
  for (let k = 0; k < seqAt.length; k++) if (delta.seqAt[k] !== seqAt[k] || delta.seqs[k] !== parts.seqs[seqAt[k]!]) return false;
  for (let k = 0; k < indexAt.length; k++) if (delta.indexAt[k] !== indexAt[k] || delta.index[k] !== parts.index[indexAt[k]!]) return false;
  return true;
}

/** The dicts one checkpoint has copied so far: keyframes and deltas the next may use. */
export interface CheckpointSiblings {
  readonly keyframes: CheckpointDict[];
  readonly deltas: CheckpointDict[];
}

/** Tables this long at least are worth keeping for another restore (`TablePool`). */
const POOLED_LENGTH = 4096;
/** Tables of one kind and length a pool keeps at most. */
const POOLED_PER_LENGTH = 4;

/**
 * The tables of restored dicts a timeline is done with (the lab it last showed, replaced by a new
 * one), which the next restore of the chain's checkpoints fills instead of allocating new ones: a
 * seek then leaves the collector tens of MB less to find (a 100k-key dict's tables are 6 MB).
 * Only a lab that is never used again may be given (`CheckpointChain.recycle`).
 */
export class TablePool {
  private readonly slots = new Map<number, Slot[][]>();
  private readonly seqs = new Map<number, Float64Array[]>();
  private readonly index = new Map<number, Int32Array[]>();

  give(dict: SizedMap<RedisValue>): void {
    const parts = dict.tableParts();
    put(this.slots, parts.slots);
    put(this.seqs, parts.seqs);
    put(this.index, parts.index);
  }

  /** A copy of `slots`, in a table given before when there is one of its length. */
  copySlots(slots: readonly Slot[]): Slot[] {
    const spare = this.slots.get(slots.length)?.pop();
    if (spare === undefined) return slots.slice();
    for (let i = 0; i < slots.length; i++) spare[i] = slots[i];
    return spare;
  }

  copySeqs(seqs: Float64Array): Float64Array {
    const spare = this.seqs.get(seqs.length)?.pop();
    if (spare === undefined) return seqs.slice();
    spare.set(seqs);
    return spare;
  }

  copyIndex(index: Int32Array): Int32Array {
    const spare = this.index.get(index.length)?.pop();
    if (spare === undefined) return index.slice();
    spare.set(index);
    return spare;
  }
}

function put<T extends { readonly length: number }>(pool: Map<number, T[]>, table: T): void {
  if (table.length < POOLED_LENGTH) return;
  const list = pool.get(table.length) ?? [];
  if (list.length >= POOLED_PER_LENGTH || list.includes(table)) return;
  list.push(table);
  pool.set(table.length, list);
}

/** What the previous checkpoints of a chain copied of live dicts, for the next one (`fork.ts`). */
export interface DictMemory {
  /** The tables restores of the chain's checkpoints may fill. */
  readonly tables: TablePool;
  /** The previous checkpoint's copy of a live dict. */
  previous(dict: object): CheckpointDict | undefined;
  remember(dict: object, copy: CheckpointDict): void;
}

export class CheckpointDict {
  private constructor(
    /** A keyframe's table; a delta's counts (its arrays are its keyframe's, `delta` says where it differs). */
    private readonly parts: SizedMapParts<RedisValue>,
    /** The keyframe a delta is of; null: this is a keyframe. */
    private readonly base: CheckpointDict | null,
    private readonly delta: Delta | null,
    /** Slots of a keyframe's `parts.slots` that hold aggregates (a fork copies them again). */
    private readonly aggregateAt: Int32Array,
    /** The bytes of a keyframe's table, or of a delta's differences: each a piece (`CustomCopyContext.hold`). */
    private readonly pieceBytes: number,
  ) {}

  /** A keyframe's: bytes of the deltas made of it so far (past its own, the next copy is a keyframe). */
  private deltasMade = 0;
  /** Where a restore takes its tables from (its chain's pool), if anywhere. */
  private tables: TablePool | null = null;

  private get keyframeBytes(): number {
    return this.keyframe.pieceBytes;
  }

  private get deltaBytes(): number {
    return this.delta === null ? 0 : this.pieceBytes;
  }

  /** The keyframe this copy is, or is a delta of. */
  get keyframe(): CheckpointDict {
    return this.base ?? this;
  }

  /**
   * The checkpoint's copy of `dict`: a delta of the previous copy's keyframe or of one of
   * `keyframes` (those this checkpoint holds already) when it can be, else a keyframe (added to
   * them). The keyframe is held through `context`.
   */
  static of(dict: SizedMap<RedisValue>, copyOf: CopyOf, context: CustomCopyContext, siblings: CheckpointSiblings, memory: DictMemory | null): CheckpointDict {
    const keyframes = siblings.keyframes;
    const parts = dict.tableParts();
    const previous = memory?.previous(dict)?.keyframe;
    const candidates = previous !== undefined && !keyframes.includes(previous) ? [previous, ...keyframes] : keyframes;
    let copy: CheckpointDict | null = null;
    for (const keyframe of candidates) {
      // Deltas of a keyframe grow with the changes since it: once they have cost as much as a
      // keyframe, a new one is cheaper (within twice the best spacing, whatever the rate of change).
      if (keyframe.deltasMade >= keyframe.pieceBytes && keyframe === previous && !keyframes.includes(keyframe)) continue;
      copy = CheckpointDict.deltaOf(parts, keyframe, copyOf, siblings.deltas);
      if (copy === null) continue;
      if (!keyframes.includes(keyframe)) keyframes.push(keyframe);
      if (!siblings.deltas.some((other) => other.delta === copy!.delta)) keyframe.deltasMade += copy.pieceBytes;
      break;
    }
    copy ??= CheckpointDict.keyframeOf(parts, copyOf, keyframes);
    const keyframe = copy.keyframe;
    context.hold(keyframe, keyframe.keyframeBytes);
    if (copy.delta !== null) {
      context.hold(copy.delta, copy.deltaBytes);
      siblings.deltas.push(copy);
    }
    memory?.remember(dict, copy);
    copy.tables = memory?.tables ?? null;
    return copy;
  }

  private static keyframeOf(parts: SizedMapParts<RedisValue>, copyOf: CopyOf, keyframes: CheckpointDict[]): CheckpointDict {
    const slots = parts.slots.slice();
    const at: number[] = [];
    for (let i = 1; i < slots.length; i += SLOT) {
      const value = slots[i];
      if (isAggregate(value)) {
        slots[i] = copyOf(value);
        at.push(i);
      }
    }
    const aggregateAt = Int32Array.from(at);
    const whole: SizedMapParts<RedisValue> =
      parts.capacity > 0 ? { ...parts, slots, seqs: parts.seqs.slice(), index: parts.index.slice() } : { ...parts, slots };
    const tables = slots.length * SLOT_BYTES + (parts.capacity > 0 ? parts.seqs.byteLength + parts.index.byteLength : 0);
    const bytes = DICT_BYTES + tables + aggregateAt.byteLength + aggregateAt.length * AGGREGATE_BYTES;
    const keyframe = new CheckpointDict(whole, null, null, aggregateAt, bytes);
    keyframes.push(keyframe);
    return keyframe;
  }

  /**
   * `parts` as a delta of `keyframe`, or null when the tables differ in size or too much. A delta
   * equal to one of `deltas` (a replica's and its master's, of the same keyframe) is shared.
   */
  private static deltaOf(parts: SizedMapParts<RedisValue>, keyframe: CheckpointDict, copyOf: CopyOf, deltas: readonly CheckpointDict[]): CheckpointDict | null {
    const base = keyframe.parts;
    if (parts.slots.length !== base.slots.length || parts.seqs.length !== base.seqs.length || parts.index.length !== base.index.length || parts.mask !== base.mask) return null;
    const slotAt: number[] = [];
    const slotLimit = Math.floor(parts.slots.length * MAX_DIFFERENT);
    for (let i = 0; i < parts.slots.length; i++) {
      if (sameSlot(parts.slots[i], base.slots[i])) continue;
      if (slotAt.length >= slotLimit) return null;
      slotAt.push(i);
    }
    const seqAt = differences(parts.seqs, base.seqs, Math.floor(parts.seqs.length * MAX_DIFFERENT));
    if (seqAt === null) return null;
    const indexAt = differences(parts.index, base.index, Math.floor(parts.index.length * MAX_DIFFERENT));
    if (indexAt === null) return null;
    const own: SizedMapParts<RedisValue> = { ...parts, slots: base.slots, seqs: base.seqs, index: base.index };
    const equal = deltas.find((other) => other.base === keyframe && other.delta !== null && sameDelta(other.delta, parts, slotAt, seqAt, indexAt));
    if (equal !== undefined) return new CheckpointDict(own, keyframe, equal.delta, NO_SLOTS, equal.deltaBytes);
    let aggregates = 0;
    let replaced = 0;
    const slots = slotAt.map((i) => {
      const value = parts.slots[i];
      const old = base.slots[i];
      // A byte value the keyframe holds where the live dict holds another now: the keyframe keeps it alive.
      if (i % SLOT === 1 && old instanceof Uint8Array) replaced += old.byteLength + VALUE_OBJECT_BYTES;
      if (!isAggregate(value)) return value;
      aggregates++;
      return copyOf(value);
    });
    const delta: Delta = {
      slotAt: Int32Array.from(slotAt),
      slots,
      seqAt: Int32Array.from(seqAt),
      seqs: Float64Array.from(seqAt, (i) => parts.seqs[i]!),
      indexAt: Int32Array.from(indexAt),
      index: Int32Array.from(indexAt, (i) => parts.index[i]!),
    };
    const bytes = DICT_BYTES + slotAt.length * (4 + SLOT_BYTES) + seqAt.length * (4 + 8) + indexAt.length * (4 + 4) + aggregates * AGGREGATE_BYTES + replaced;
    // The keyframe's aggregates are all among the differences (its copies are not the live ones).
    return new CheckpointDict(own, keyframe, delta, NO_SLOTS, bytes);
  }

  /** A whole dict of the checkpoint's, for a fork to run (`graph-clone.ts` calls it). */
  copyForFork(copyOf: CopyOf): SizedMap<RedisValue> {
    const parts = this.parts;
    const tables = this.tables;
    const slots = tables === null ? parts.slots.slice() : tables.copySlots(parts.slots);
    for (const i of this.aggregateAt) slots[i] = copyOf(slots[i]);
    if (parts.capacity === 0) return SizedMap.fromTableParts({ ...parts, slots });
    const seqs = tables === null ? parts.seqs.slice() : tables.copySeqs(parts.seqs);
    const index = tables === null ? parts.index.slice() : tables.copyIndex(parts.index);
    const delta = this.delta;
    if (delta !== null) {
      for (let k = 0; k < delta.slotAt.length; k++) {
        const value = delta.slots[k];
        slots[delta.slotAt[k]!] = isAggregate(value) ? copyOf(value) : value;
      }
      for (let k = 0; k < delta.seqAt.length; k++) seqs[delta.seqAt[k]!] = delta.seqs[k]!;
      for (let k = 0; k < delta.indexAt.length; k++) index[delta.indexAt[k]!] = delta.index[k]!;
    }
    return SizedMap.fromTableParts({ ...parts, slots, seqs, index });
  }
}
