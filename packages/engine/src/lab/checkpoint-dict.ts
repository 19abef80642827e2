/**
 * A checkpoint's copy of a database's dict (`Lab.fork` with `checkpoint: true`). A checkpoint is
 * never run, only forked again, so its dicts only have to give a whole `SizedMap` back when forked
 * (`copyForFork`), and they can be kept smaller meanwhile:
 *
 * - The dicts of a master and its replicas are usually the same table: same keys in the same
 *   slots, equal values (each node holds its own arrays of the same bytes), same sequence numbers
 *   and index. Such a dict is kept as the slots where it differs from the first dict of the same
 *   checkpoint that has its shape, and the restored copy shares that dict's strings and byte
 *   values for the rest (the engine never changes a value in place, as `fork.ts` says of forks).
 * - Otherwise its arrays are copied as `SizedMap.copyForFork` copies them.
 *
 * Aggregates (lists, hashes, ...) change in place: the checkpoint holds its own copy, and every
 * fork of it copies that copy again.
 *
 * `heldBytes` is what the copy holds beyond what it shares: the checkpoint's memory is counted
 * from it (`graph-clone.ts` adds it to the fork's estimate).
 */
import { SizedMap, type SizedMapParts } from "../redis/store/sized-map.ts";
import type { RedisValue } from "../redis/store/value.ts";

type Slot = string | RedisValue | number | undefined;
type CopyOf = <T>(value: T) => T;

/** Bytes of one slot of a JS array (a pointer, or a small integer in place). */
const SLOT_BYTES = 8;
/** An aggregate's copy, counted flat (its elements are counted by the fork's estimate). */
const AGGREGATE_BYTES = 64;
/** Past this share of slots that differ, a dict is kept whole. */
const MAX_DIFFERENT = 1 / 8;

/** Equal slot contents: the same string or number, or byte values with the same bytes. */
function sameSlot(a: Slot, b: Slot): boolean {
  if (a === b) return true;
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameArray(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameShape(a: SizedMapParts<RedisValue>, b: SizedMapParts<RedisValue>): boolean {
  return a.capacity === b.capacity && a.used === b.used && a.live === b.live && a.head === b.head && a.nextSeq === b.nextSeq && a.mask === b.mask && a.slots.length === b.slots.length;
}

/** A value that changes in place (an aggregate), which every copy must have its own copy of. */
function isAggregate(value: Slot): value is Exclude<RedisValue, Uint8Array> {
  return typeof value === "object" && !(value instanceof Uint8Array);
}

/**
 * Copies the aggregates among `slots` (values are every third slot, from the second) with
 * `copyOf`, in place; returns where they are.
 */
function copyAggregates(slots: Slot[], copyOf: CopyOf): Int32Array {
  const at: number[] = [];
  for (let i = 1; i < slots.length; i += 3) {
    const value = slots[i];
    if (isAggregate(value)) {
      slots[i] = copyOf(value);
      at.push(i);
    }
  }
  return Int32Array.from(at);
}

const NO_SLOTS = new Int32Array(0);

export class CheckpointDict {
  private constructor(
    /** The whole table (`base` null), or the shape and counts of this one over `base`'s slots. */
    private readonly parts: SizedMapParts<RedisValue>,
    private readonly base: CheckpointDict | null,
    /** Slots that differ from `base`'s, and what they hold here. */
    private readonly changedAt: Int32Array | null,
    private readonly changed: Slot[] | null,
    /** Slots of `parts.slots` that hold aggregates (a fork copies them again). */
    private readonly aggregateAt: Int32Array,
    readonly heldBytes: number,
  ) {}

  /**
   * The checkpoint's copy of `dict`; `siblings` are the dicts this checkpoint already holds
   * (this one is added to them when kept whole).
   */
  static of(dict: SizedMap<RedisValue>, copyOf: CopyOf, siblings: CheckpointDict[]): CheckpointDict {
    const parts = dict.tableParts();
    for (const sibling of siblings) {
      const other = sibling.parts;
      if (!sameShape(parts, other) || !sameArray(parts.seqs, other.seqs) || !sameArray(parts.index, other.index)) continue;
      const limit = Math.floor(parts.slots.length * MAX_DIFFERENT);
      const at: number[] = [];
      for (let i = 0; i < parts.slots.length && at.length <= limit; i++) if (!sameSlot(parts.slots[i], other.slots[i])) at.push(i);
      if (at.length > limit) continue;
      let aggregates = 0;
      const changed = at.map((i) => {
        const value = parts.slots[i];
        if (!isAggregate(value)) return value;
        aggregates++;
        return copyOf(value);
      });
      const own: SizedMapParts<RedisValue> = { ...parts, slots: other.slots, seqs: other.seqs, index: other.index };
      const bytes = 96 + at.length * (4 + SLOT_BYTES) + aggregates * AGGREGATE_BYTES;
      return new CheckpointDict(own, sibling, Int32Array.from(at), changed, sibling.aggregateAt, bytes);
    }
    const slots = parts.slots.slice();
    const aggregateAt = copyAggregates(slots, copyOf);
    const whole: SizedMapParts<RedisValue> =
      parts.capacity > 0 ? { ...parts, slots, seqs: parts.seqs.slice(), index: parts.index.slice() } : { ...parts, slots };
    const tables = slots.length * SLOT_BYTES + (parts.capacity > 0 ? parts.seqs.byteLength + parts.index.byteLength : 0);
    const bytes = 96 + tables + aggregateAt.byteLength + aggregateAt.length * AGGREGATE_BYTES;
    const copy = new CheckpointDict(whole, null, null, null, aggregateAt.length > 0 ? aggregateAt : NO_SLOTS, bytes);
    siblings.push(copy);
    return copy;
  }

  /** A whole dict of the checkpoint's, for a fork to run (`graph-clone.ts` calls it). */
  copyForFork(copyOf: CopyOf): SizedMap<RedisValue> {
    const slots = this.slotsFor(copyOf);
    const parts = this.parts;
    const own = parts.capacity > 0 ? { ...parts, slots, seqs: parts.seqs.slice(), index: parts.index.slice() } : { ...parts, slots };
    return SizedMap.fromTableParts(own);
  }

  /** A new slots array for a fork: the base's, the differing slots put back, aggregates copied. */
  private slotsFor(copyOf: CopyOf): Slot[] {
    const slots = this.parts.slots.slice();
    for (const i of this.aggregateAt) slots[i] = copyOf(slots[i]);
    if (this.changedAt === null || this.changed === null) return slots;
    for (let k = 0; k < this.changedAt.length; k++) {
      const value = this.changed[k];
      slots[this.changedAt[k]!] = isAggregate(value) ? copyOf(value) : value;
    }
    return slots;
  }
}
