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
import { ReplicationBacklog } from "../protocols/redis-7.0/backlog.ts";
import { Database, SHARED_EMPTY_TABLES } from "../redis/store/keyspace.ts";
import { ReplyQueue } from "./console.ts";
import { ClientEndpoint, IGNORE_OUTCOME, NULL_ENDPOINT } from "./endpoints.ts";
import { EventLog } from "./event-log.ts";
import { CheckpointDict } from "./checkpoint-dict.ts";
import { reachable, type ClassRule, type CloneRules } from "./graph-clone.ts";
import { InputLog, type LabInput } from "./input-log.ts";

export interface ForkOptions {
  /** The fork's input log (default: a copy of the original's). Checkpoints keep none. */
  readonly inputs?: readonly LabInput[];
  /**
   * A copy only ever forked again, never run (a timeline's checkpoint): its dicts are kept as
   * `CheckpointDict`s, a replica's as its differences from its master's (`checkpoint-dict.ts`).
   */
  readonly checkpoint?: boolean;
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

/** A disk's files: RDB dumps shared, the rest copied (see the rules above). */
function copyDiskFiles(files: unknown, copyOf: <T>(original: T) => T): Map<string, Uint8Array> {
  const copy = new Map<string, Uint8Array>();
  for (const [name, bytes] of files as Map<string, Uint8Array>) copy.set(name, name.endsWith(".rdb") ? bytes : copyOf(bytes));
  return copy;
}

let shared: WeakSet<object> | null = null;

/**
 * The rules for forking labs. `probe` builds a lab exercising every node kind; it is called twice,
 * once per process, and what both probe labs reach is what labs share.
 */
export function forkRules(probe: () => object, alsoShared: readonly object[], checkpoint = false): Omit<CloneRules, "replace"> {
  if (shared === null) {
    const first = reachable(probe());
    const second = reachable(probe());
    const both = new WeakSet<object>();
    for (const object of first) if (second.has(object)) both.add(object);
    for (const object of [NULL_ENDPOINT, NULL_ENDPOINT.onData, NULL_ENDPOINT.onClose, IGNORE_OUTCOME, ...SHARED_EMPTY_TABLES, ...alsoShared]) both.add(object);
    shared = both;
  }
  const known = shared;
  return { isShared: (value) => known.has(value), classes: checkpoint ? checkpointRules() : CLASS_RULES };
}

/** The rules for one checkpoint: its dbs' dicts become `CheckpointDict`s, which know each other. */
function checkpointRules(): ReadonlyMap<object, ClassRule> {
  const dicts: CheckpointDict[] = [];
  const pack = (dict: unknown, copyOf: <T>(original: T) => T): CheckpointDict => CheckpointDict.of(dict as Database["dict"], copyOf, dicts);
  const classes = new Map(CLASS_RULES);
  classes.set(Database.prototype, { fields: { expires: { kind: "shallow" }, dict: { kind: "custom", copy: pack } } });
  return classes;
}
