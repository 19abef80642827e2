/**
 * What it takes to fork a lab: copy its object graph (`graph-clone.ts`) under the rules below.
 * A fork is the cheap way to stand at a past moment again: a checkpoint is a fork kept aside, and
 * a seek forks the checkpoint before it and replays the log from there, so checkpoints are never
 * used up.
 *
 * The rules, and why each is safe:
 * - Objects two labs share (kinds, command tables, module constants) are learned by building two
 *   probe labs alike, with every node kind, and keeping what both reach: forks share them too.
 * - String values are shared, not copied: the engine never changes a string in place (SET,
 *   APPEND, INCR store a new array), so one can belong to many forks. A command that wrote into
 *   a stored string would have to copy it first. Aggregates (lists, hashes, ...) change in place
 *   and are copied. A database's dict copies itself (`SizedMap.copyForFork`) with its counts.
 * - Input and event log entries are immutable: a fork's log array is new, its entries are not.
 * - Listeners are the host's business: a fork has none. Replies a host waits for go nowhere, and
 *   the endpoints of real sockets become the null endpoint, as in a replay.
 * - A replication backlog makes closures over itself in its constructor: its copy is built by the
 *   constructor, then given the original's fields.
 * - RDB files on a simulated disk (`*.rdb`) are shared: a dump is written whole and replaced by
 *   the next one, never changed in place, and dumps are most of what a checkpoint would copy.
 *   Other files (an SSDB binlog appended in place) are copied.
 *
 * A checkpoint (`ForkOptions.checkpoint`) is a fork that is only ever forked again, never run: its
 * dbs' dicts are `CheckpointDict`s (`checkpoint-dict.ts`), which give a whole dict back when
 * forked, and a replica's is kept as its differences from its master's.
 *
 * What a fork cannot copy, it refuses (`cloneGraph` names it): a closure it does not know, as
 * the world's held events of a frozen node or the callbacks of a real outbound connection are.
 * The caller then replays from an earlier fork instead.
 */
import { SimDisk } from "../process/disk.ts";
import { Block, ReplicationBacklog } from "../protocols/redis-7.0/backlog.ts";
import { RedisNode } from "../redis/server.ts";
import { Database, SHARED_EMPTY_TABLES } from "../redis/store/keyspace.ts";
import { ReplyQueue } from "./console.ts";
import { ClientEndpoint, IGNORE_OUTCOME, NULL_ENDPOINT } from "./endpoints.ts";
import { EventLog } from "./event-log.ts";
import { CheckpointDict, TablePool, type CheckpointSiblings, type DictMemory } from "./checkpoint-dict.ts";
import { reachable, type ClassRule, type CloneRules, type CustomCopyContext } from "./graph-clone.ts";
import { InputLog, type LabInput } from "./input-log.ts";
import type { Lab } from "./lab.ts";

export interface ForkOptions {
  /** The fork's input log (default: a copy of the original's). Checkpoints keep none. */
  readonly inputs?: readonly LabInput[];
  /**
   * A copy only ever forked again, never run (a timeline's checkpoint): its dicts are kept as
   * `CheckpointDict`s (`checkpoint-dict.ts`). With a `CheckpointChain`, the checkpoint shares what
   * has not changed with the chain's previous checkpoint of the same lab.
   */
  readonly checkpoint?: boolean | CheckpointChain;
}

/**
 * A fork, with its memory: `bytes` its own (estimated), `held` the pieces it may share with other
 * checkpoints of the same chain (counted once among them), or the reason it was refused.
 */
export type ForkResult =
  | { readonly ok: true; readonly lab: Lab; readonly bytes: number; readonly held: ReadonlyMap<object, number> }
  | { readonly ok: false; readonly reason: string };

/**
 * What the checkpoints of one lab, taken one after another as it runs (a timeline's), remember
 * of each other, so that the next one shares what has not changed since the one before (keyed by
 * the live lab's own objects, weakly: what the lab drops is forgotten):
 * - each live dict's last copy, whose keyframe the next copy is a delta of when it can be
 *   (`checkpoint-dict.ts`);
 * - each live backlog block's last copy of its bytes, and how many were written then: a block
 *   written no further since has the same bytes, and the copy is shared (blocks are written only
 *   at their end, and their buffers reused only once the backlog dropped them).
 * Pieces two checkpoints share are held through `CustomCopyContext.hold`: the timeline counts
 * each once among its checkpoints.
 */
export class CheckpointChain implements DictMemory {
  private readonly dicts = new WeakMap<object, CheckpointDict>();
  private readonly blocks = new WeakMap<Block, { readonly copy: Uint8Array; readonly used: number }>();
  private readonly dumps = new WeakMap<Uint8Array, Uint8Array | DumpDelta>();
  private readonly buffers = new WeakMap<ArrayBuffer, ArrayBuffer>();
  readonly tables = new TablePool();

  /**
   * Gives the dict tables of `lab`, a restore of this chain's checkpoints that will never be used
   * again, to the next restores (`TablePool`).
   */
  recycle(lab: Lab): void {
    for (const id of lab.nodeIds()) {
      const node = lab.process(id);
      if (node instanceof RedisNode) for (const db of node.keyspace.dbs) this.tables.give(db.dict);
    }
  }

  /**
   * The previous checkpoint's copy of a live buffer (a client's input or output buffer) when its
   * bytes are the same now, else a new copy, remembered for the next checkpoint. Small buffers
   * are copied (not worth comparing).
   */
  sharedBuffer(buffer: ArrayBuffer): ArrayBuffer | undefined {
    if (buffer.byteLength < SHARED_BUFFER_BYTES) return undefined;
    const last = this.buffers.get(buffer);
    const bytes = new Uint8Array(buffer);
    const copy = last !== undefined && samePrefix(new Uint8Array(last), bytes, bytes.length) ? last : buffer.slice(0);
    this.buffers.set(buffer, copy);
    return copy;
  }

  previous(dict: object): CheckpointDict | undefined {
    return this.dicts.get(dict);
  }

  remember(dict: object, copy: CheckpointDict): void {
    this.dicts.set(dict, copy);
  }

  /**
   * The checkpoint's copy of a live block's buffer: the last one when the block is as it was then;
   * else one this checkpoint made of another node's block holding the same stream bytes (a
   * replica's backlog holds its master's stream, in blocks at the same offsets when both started
   * at the same one), looked up in `ranges`; else a new one. Only bytes before `used` are ever
   * read (what lies beyond is written before it is read), so only those are compared.
   */
  blockBytes(block: Block, buf: Uint8Array, copyOf: <T>(original: T) => T, context: CustomCopyContext, ranges: Map<string, Uint8Array>): Uint8Array {
    // Reached by another path first: that copy it must be.
    if (context.known(buf) !== undefined || context.known(buf.buffer) !== undefined) return copyOf(buf);
    const last = this.blocks.get(block);
    const range = `${block.start}:${block.used}:${buf.length}`;
    let copy = last !== undefined && last.used === block.used && last.copy.length === buf.length ? last.copy : ranges.get(range);
    if (copy === undefined || (copy !== last?.copy && !samePrefix(copy, buf, block.used))) copy = buf.slice();
    if (!ranges.has(range)) ranges.set(range, copy);
    this.blocks.set(block, { copy, used: block.used });
    context.hold(copy, copy.byteLength);
    return copy;
  }

  /**
   * The checkpoint's copy of a live RDB dump: the dump itself (a dump is never changed in place), or
   * its differences from a dump of the same length this checkpoint holds already (`wholeDumps`):
   * a master's and its replicas' dumps of the same data differ in a few header bytes. A live dump
   * the previous checkpoint held is kept as it was kept then. Its pieces are held through `context`.
   */
  dumpBytes(dump: Uint8Array, context: CustomCopyContext, wholeDumps: Uint8Array[]): Uint8Array | DumpDelta {
    let kept = this.dumps.get(dump);
    if (kept === undefined) {
      for (const whole of wholeDumps) {
        kept = DumpDelta.of(dump, whole) ?? undefined;
        if (kept !== undefined) break;
      }
      kept ??= dump;
      this.dumps.set(dump, kept);
    }
    if (kept instanceof DumpDelta) {
      context.hold(kept.base, kept.base.byteLength);
      context.hold(kept, kept.bytes);
    } else {
      context.hold(kept, kept.byteLength);
      if (!wholeDumps.includes(kept)) wholeDumps.push(kept);
    }
    return kept;
  }
}

/** Buffers at least this long are shared between checkpoints when unchanged (`CheckpointChain.sharedBuffer`). */
const SHARED_BUFFER_BYTES = 4096;

/** The first `length` bytes of `a` and `b` are the same. */
function samePrefix(a: Uint8Array, b: Uint8Array, length: number): boolean {
  if (a.length < length || b.length < length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Past this share of differing bytes, a dump is kept whole. */
const DUMP_MAX_DIFFERENT = 1 / 64;

/**
 * A checkpoint's RDB dump kept as its differences from another dump of the same length (another
 * node's of the same data). A fork of the checkpoint gets the whole bytes back (`copyForFork`):
 * the bytes an earlier fork got when that fork still holds them (a dump is never written in place,
 * so forks share dumps as a lab's forks do), else new ones. Only a fork holds them, not the
 * checkpoint: whether they are still there changes which array a fork gets, not its bytes.
 */
export class DumpDelta {
  private whole: WeakRef<Uint8Array> | null = null;

  private constructor(
    readonly base: Uint8Array,
    private readonly at: Int32Array,
    private readonly values: Uint8Array,
  ) {}

  static of(dump: Uint8Array, base: Uint8Array): DumpDelta | null {
    if (dump.length !== base.length) return null;
    const limit = Math.floor(dump.length * DUMP_MAX_DIFFERENT);
    const at: number[] = [];
    for (let i = 0; i < dump.length; i++) {
      if (dump[i] === base[i]) continue;
      if (at.length >= limit) return null;
      at.push(i);
    }
    return new DumpDelta(base, Int32Array.from(at), Uint8Array.from(at, (i) => dump[i]!));
  }

  /** Its own bytes (the base is counted as a piece of its own). */
  get bytes(): number {
    return 64 + this.at.byteLength + this.values.byteLength;
  }

  copyForFork(): Uint8Array {
    const made = this.whole?.deref();
    if (made !== undefined) return made;
    const out = this.base.slice();
    for (let k = 0; k < this.at.length; k++) out[this.at[k]!] = this.values[k]!;
    this.whole = new WeakRef(out);
    return out;
  }
}

const CLASS_RULES = new Map<object, ClassRule>([
  // The dict copies itself (SizedMap.copyForFork: strings shared, aggregates copied).
  // Expire times are numbers: a new table with the same entries (a db without TTLs keeps the shared empty one).
  [Database.prototype, { fields: { expires: { kind: "custom", copy: (expires) => (SHARED_EMPTY_TABLES.includes(expires as object) ? expires : new Map(expires as Map<string, number>)) } } }],
  [ReplicationBacklog.prototype, { make: () => new ReplicationBacklog(16_384, 1), fields: { hooks: { kind: "made" } } }],
  [InputLog.prototype, { fields: { entries: { kind: "empty" }, listeners: { kind: "empty" }, lastOutbound: { kind: "value", value: -1 } } }],
  [EventLog.prototype, { fields: { log: { kind: "shallow" }, listeners: { kind: "empty" } } }],
  [ReplyQueue.prototype, { fields: { waiting: { kind: "fill", value: IGNORE_OUTCOME } } }],
  [SimDisk.prototype, { fields: { files: { kind: "custom", copy: copyDiskFiles } } }],
  [ClientEndpoint.prototype, { fields: { endpoint: { kind: "value", value: NULL_ENDPOINT } } }],
]);

/** A disk's files: RDB dumps shared (a checkpoint's kept as a `DumpDelta` given back whole), the rest copied (see the rules above). */
function copyDiskFiles(files: unknown, copyOf: <T>(original: T) => T): Map<string, Uint8Array> {
  const copy = new Map<string, Uint8Array>();
  for (const [name, bytes] of files as Map<string, Uint8Array | DumpDelta>) copy.set(name, name.endsWith(".rdb") && bytes instanceof Uint8Array ? bytes : copyOf(bytes as Uint8Array));
  return copy;
}

/**
 * A checkpoint's disk files: RDB dumps kept as `CheckpointChain.dumpBytes` keeps them, held as
 * pieces (once the live lab saves again, its checkpoints are what keep an old dump alive); the
 * rest copied.
 */
function checkpointDiskFiles(chain: CheckpointChain, wholeDumps: Uint8Array[]): (files: unknown, copyOf: <T>(original: T) => T, context: CustomCopyContext) => Map<string, Uint8Array | DumpDelta> {
  return (files, copyOf, context) => {
    const copy = new Map<string, Uint8Array | DumpDelta>();
    for (const [name, bytes] of files as Map<string, Uint8Array>) copy.set(name, name.endsWith(".rdb") ? chain.dumpBytes(bytes, context, wholeDumps) : copyOf(bytes));
    return copy;
  };
}

let shared: WeakSet<object> | null = null;

/**
 * The rules for forking labs. `probe` builds a lab exercising every node kind; it is called twice,
 * once per process, and what both probe labs reach is what labs share.
 */
export function forkRules(probe: () => object, alsoShared: readonly object[], checkpoint: boolean | CheckpointChain = false): Omit<CloneRules, "replace"> {
  if (shared === null) {
    const first = reachable(probe());
    const second = reachable(probe());
    const both = new WeakSet<object>();
    for (const object of first) if (second.has(object)) both.add(object);
    for (const object of [NULL_ENDPOINT, NULL_ENDPOINT.onData, NULL_ENDPOINT.onClose, IGNORE_OUTCOME, ...SHARED_EMPTY_TABLES, ...alsoShared]) both.add(object);
    shared = both;
  }
  const known = shared;
  if (checkpoint === false) return { isShared: (value) => known.has(value), classes: CLASS_RULES };
  const chain = checkpoint === true ? new CheckpointChain() : checkpoint;
  return { isShared: (value) => known.has(value), classes: checkpointRules(chain), sharedBuffer: (buffer) => chain.sharedBuffer(buffer) };
}

/**
 * The rules for one checkpoint: its dbs' dicts become `CheckpointDict`s, which know each other and
 * the chain's previous ones; backlog blocks written no further since the chain's previous
 * checkpoint share its copy; spare block buffers are not kept (a buffer taken from the spares is
 * written before it is read, so a fork without them only allocates its own).
 */
function checkpointRules(chain: CheckpointChain): ReadonlyMap<object, ClassRule> {
  const siblings: CheckpointSiblings = { keyframes: [], deltas: [] };
  const pack = (dict: unknown, copyOf: <T>(original: T) => T, context: CustomCopyContext): CheckpointDict =>
    CheckpointDict.of(dict as Database["dict"], copyOf, context, siblings, chain);
  const classes = new Map(CLASS_RULES);
  classes.set(Database.prototype, { fields: { expires: { kind: "shallow" }, dict: { kind: "custom", copy: pack } } });
  const backlog = CLASS_RULES.get(ReplicationBacklog.prototype)!;
  classes.set(ReplicationBacklog.prototype, { ...backlog, fields: { ...backlog.fields, spare: { kind: "empty" } } });
  const ranges = new Map<string, Uint8Array>();
  classes.set(Block.prototype, {
    fields: { buf: { kind: "custom", copy: (buf, copyOf, context) => chain.blockBytes(context.owner as Block, buf as Uint8Array, copyOf, context, ranges) } },
  });
  classes.set(SimDisk.prototype, { fields: { files: { kind: "custom", copy: checkpointDiskFiles(chain, []) } } });
  return classes;
}
