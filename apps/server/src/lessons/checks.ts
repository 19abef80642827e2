/**
 * The check evaluator: whether a lesson step's checks hold on a lab, read straight from the engine
 * (snapshots, the event log, the input log, a node's keyspace). The server runs it on every
 * progress request and the lesson tests run the same code against bare engine labs, so a lesson
 * that passes its tests passes in the browser.
 *
 * Reading never changes the lab: no command is sent (an `INFO` would be logged as an input), so a
 * figure comes from the node's snapshot, named as `INFO replication` names it.
 */
import { fromUtf8, parseConfigFile, RedisNode, RequestParser, type Lab, type LabEvent, type NodeId, type NodeSnapshot } from "@replica-lab/engine";
import type { CheckComparison, CheckField, CheckStatus, CheckValue, LessonCheck } from "@replica-lab/protocol";

/** Where "since the step began" and "since the lesson began" start, in the lab's logs. */
export interface CheckScope {
  /** Events after this sequence number count for `since: "step"`. */
  readonly stepEventSeq: number;
  readonly lessonEventSeq: number;
  /** Inputs from this index on count for `typed`. */
  readonly stepInputIndex: number;
}

/** Evaluates every check of a step. */
export function evaluateChecks(lab: Lab, checks: readonly LessonCheck[], scope: CheckScope): CheckStatus[] {
  // One event read per evaluation, shared by every event check.
  let stepEvents: readonly LabEvent[] | null = null;
  let lessonEvents: readonly LabEvent[] | null = null;
  const events = (since: "step" | "lesson"): readonly LabEvent[] => {
    if (since === "step") return (stepEvents ??= lab.events(scope.stepEventSeq));
    return (lessonEvents ??= lab.events(scope.lessonEventSeq));
  };
  return checks.map((check) => evaluateCheck(lab, check, scope, events));
}

function evaluateCheck(lab: Lab, check: LessonCheck, scope: CheckScope, events: (since: "step" | "lesson") => readonly LabEvent[]): CheckStatus {
  switch (check.kind) {
    case "field":
      return fieldCheck(lab, check.node, check.field, check.compare);
    case "event": {
      const matching = events(check.since).filter((event) => eventMatches(lab, event, check)).length;
      const pass = check.absent ? matching === 0 : matching >= check.atLeast;
      return { pass, actual: String(matching) };
    }
    case "key": {
      const db = keyspaceOf(lab, check.node)?.[check.db];
      if (!db) return { pass: false, actual: null };
      const value = db.get(check.key);
      if (value === undefined) return { pass: !check.exists, actual: null };
      const text = valueText(value);
      return { pass: check.exists && (check.equals === undefined || (value instanceof Uint8Array && check.equals === text)), actual: text };
    }
    case "same-data": {
      const a = keyspaceOf(lab, check.node);
      const b = keyspaceOf(lab, check.as);
      if (!a || !b) return { pass: false, actual: null };
      const keys = a.reduce((sum, db) => sum + db.size, 0);
      return { pass: sameData(a, b), actual: String(keys) };
    }
    case "typed": {
      const id = lab.resolve(check.node);
      if (id === undefined) return { pass: false, actual: null };
      const count = typedCount(lab, id, check.command, scope.stepInputIndex);
      return { pass: count > 0, actual: String(count) };
    }
  }
}

/** How far a `typed` count has read the input log, so the next progress request reads only what is new. */
interface TypedScan {
  /** Inputs read so far. */
  next: number;
  /** The node each open client connection belongs to (from the start of the log). */
  readonly nodeOf: Map<number, NodeId>;
  /** A request parser per connection to the node, for requests split across sends. */
  readonly parsers: Map<number, RequestParser>;
  count: number;
}

/** Scans kept per lab; a progress request polls the same few (node, command, step) keys. */
const typedScans = new WeakMap<Lab, Map<string, TypedScan>>();
const MAX_SCANS_PER_LAB = 32;

/**
 * How many `command`s reached node `id` from a user since input `from`: the lab's own commands
 * (`op: "command"`) and the requests sent on client connections to the node, which is how a
 * console (one per user, opened with `Lab.openConnection`) or a real redis-cli sends them. A
 * connection may have been opened before the step began, so opens are read from the start. The
 * log only grows, so each (node, command, step) scan resumes where the last request left it:
 * a progress poll costs what was logged since, not the lab's whole history.
 */
function typedCount(lab: Lab, id: NodeId, command: string, from: number): number {
  let scans = typedScans.get(lab);
  if (scans === undefined) typedScans.set(lab, (scans = new Map()));
  const key = `${id}\u0000${command}\u0000${from}`;
  let scan = scans.get(key);
  if (scan === undefined || scan.next > lab.inputs.length) {
    if (scans.size >= MAX_SCANS_PER_LAB) scans.delete(scans.keys().next().value!);
    scan = { next: 0, nodeOf: new Map(), parsers: new Map(), count: 0 };
    scans.set(key, scan);
  }
  const isCommand = (name: Uint8Array | undefined): boolean => name !== undefined && fromUtf8(name).toUpperCase() === command;
  for (; scan.next < lab.inputs.length; scan.next++) {
    const i = scan.next;
    const input = lab.inputs.at(i);
    if (input === undefined) continue;
    if (input.op === "open") scan.nodeOf.set(input.conn, input.node);
    if (i < from) continue;
    if (input.op === "command" && input.node === id && isCommand(input.argv[0])) scan.count++;
    if (input.op === "send" && scan.nodeOf.get(input.conn) === id) {
      let parser = scan.parsers.get(input.conn);
      if (parser === undefined) scan.parsers.set(input.conn, (parser = new RequestParser()));
      parser.push(input.bytes);
      for (let request = parser.next(); request.kind === "command" || request.kind === "empty"; request = parser.next()) {
        if (request.kind === "command" && isCommand(request.argv[0])) scan.count++;
      }
    }
  }
  return scan.count;
}

// -------------------------------------------------------------------------------------------------
// Fields

function fieldCheck(lab: Lab, node: string, field: CheckField, compare: CheckComparison): CheckStatus {
  const actual = readField(lab, node, field);
  const shown = actual === null ? null : String(actual);
  if (actual === null) return { pass: false, actual: shown };
  switch (compare.kind) {
    case "equals":
      return { pass: sameValue(actual, compare.value), actual: shown };
    case "notEquals":
      return { pass: !sameValue(actual, compare.value), actual: shown };
    case "atLeast":
      return { pass: typeof actual === "number" && actual >= compare.value, actual: shown };
    case "atMost":
      return { pass: typeof actual === "number" && actual <= compare.value, actual: shown };
    case "sameAs":
    case "differsFrom": {
      const other = readField(lab, compare.ref.node, compare.ref.field ?? field);
      if (other === null) return { pass: false, actual: shown };
      const same = sameValue(actual, other);
      return { pass: compare.kind === "sameAs" ? same : !same, actual: shown };
    }
  }
}

/** Numbers compare as numbers, anything else as text (a file's "1" equals 1). */
function sameValue(a: CheckValue, b: CheckValue): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return String(a) === String(b);
}

/**
 * A node's figure, or null when the node is missing, down (a dead process answers no INFO) or of a
 * kind that has no such figure. Views of every kind are read by the names they share with the
 * Redis 7.0 view, so a kind with the same concept gets its figures without a change here.
 */
export function readField(lab: Lab, name: string, field: CheckField): CheckValue | null {
  const id = lab.resolve(name);
  if (id === undefined) return null;
  const s = lab.nodeSnapshot(id);
  switch (field) {
    case "status":
      return s.status;
    case "boots":
      return s.boots;
    case "file_replicaof":
      return fileMaster(lab, s);
    default:
      break;
  }
  if (s.status === "down") return null;
  const view = s as unknown as Readonly<Record<string, unknown>>;
  const num = (key: string): number | null => (typeof view[key] === "number" ? (view[key] as number) : null);
  const str = (key: string): string | null => (typeof view[key] === "string" ? (view[key] as string) : null);
  const replica = s.role === "replica";
  switch (field) {
    case "role":
      return replica ? "slave" : "master";
    case "keys":
      return s.keys;
    case "master":
      return s.masterId !== null ? lab.nodeSnapshot(s.masterId).name : (s.masterAddress ?? "");
    case "master_link_status":
      return replica ? (s.linkUp ? "up" : "down") : null;
    case "master_sync_in_progress":
      return replica ? (str("replState") === "transfer" ? 1 : 0) : null;
    case "repl_state":
      return str("replState") ?? "";
    case "master_repl_offset":
      return num("masterReplOffset");
    case "slave_repl_offset":
      return replica ? num("replicaOffset") : null;
    case "master_replid":
      return str("replid");
    case "master_replid2":
      return str("replid2");
    case "second_repl_offset":
      return num("secondReplOffset");
    case "connected_slaves":
      return s.replicas.length;
    case "repl_backlog_active":
    case "repl_backlog_size":
    case "repl_backlog_first_byte_offset":
    case "repl_backlog_histlen":
      return backlogField(view.backlog, field);
    case "slave_read_only": {
      const config = view.config as Readonly<Record<string, unknown>> | undefined;
      return typeof config?.replicaReadOnly === "boolean" ? (config.replicaReadOnly ? 1 : 0) : null;
    }
    case "sync_full":
    case "sync_partial_ok":
    case "sync_partial_err":
      return statsField(view.stats, field);
    case "rdb_changes_since_last_save":
      return num("dirty");
  }
}

function backlogField(backlog: unknown, field: "repl_backlog_active" | "repl_backlog_size" | "repl_backlog_first_byte_offset" | "repl_backlog_histlen"): number | null {
  if (typeof backlog !== "object" || backlog === null) return null;
  const b = backlog as Readonly<Record<string, unknown>>;
  const value = { repl_backlog_active: b.active === true ? 1 : b.active === false ? 0 : null, repl_backlog_size: b.sizeBytes, repl_backlog_first_byte_offset: b.firstByteOffset, repl_backlog_histlen: b.histlen }[field];
  return typeof value === "number" ? value : null;
}

function statsField(stats: unknown, field: "sync_full" | "sync_partial_ok" | "sync_partial_err"): number | null {
  if (typeof stats !== "object" || stats === null) return null;
  const s = stats as Readonly<Record<string, unknown>>;
  const value = { sync_full: s.syncFull, sync_partial_ok: s.syncPartialOk, sync_partial_err: s.syncPartialErr }[field];
  return typeof value === "number" ? value : null;
}

/** The node the config file's `replicaof` names (its lesson name, or host:port), "" for none. */
function fileMaster(lab: Lab, s: NodeSnapshot): string | null {
  const parsed = parseConfigFile(s.configFile);
  if (!parsed.ok) return null;
  if (parsed.replicaOf === null) return "";
  const address = `${parsed.replicaOf.host}:${parsed.replicaOf.port}`;
  const id = lab.nodeByAddress(address);
  return id === undefined ? address : lab.nodeSnapshot(id).name;
}

// -------------------------------------------------------------------------------------------------
// Events

function eventMatches(lab: Lab, event: LabEvent, check: Extract<LessonCheck, { kind: "event" }>): boolean {
  if (event.kind !== check.event) return false;
  if (check.node !== undefined && (event.nodeId === null || event.nodeId !== lab.resolve(check.node))) return false;
  const detail = event.detail as unknown as Readonly<Record<string, unknown>>;
  if (check.side !== undefined && detail.side !== check.side) return false;
  if (check.peer !== undefined) {
    const id = lab.resolve(check.peer);
    const peer = typeof detail.peer === "string" ? detail.peer : typeof detail.masterAddress === "string" ? detail.masterAddress : null;
    if (id === undefined || peer === null || peer !== lab.addressOf(id)) return false;
  }
  if (check.detail !== undefined && eventDetail(detail) !== check.detail) return false;
  return true;
}

/** The one word that tells events of a kind apart: a resync's reason, a warning's code, and so on. */
function eventDetail(detail: Readonly<Record<string, unknown>>): string | null {
  for (const key of ["reason", "code", "action", "state", "cause", "role", "decision"]) {
    if (typeof detail[key] === "string") return detail[key] as string;
  }
  return null;
}

// -------------------------------------------------------------------------------------------------
// Data

/** A stored value: a string's bytes, or an aggregate (hash, list, set, zset) with its length. */
type StoredValue = Uint8Array | { readonly type: string; readonly length: number };

interface ReadableDb {
  readonly size: number;
  get(key: string): StoredValue | undefined;
  readonly dict: Iterable<readonly [string, StoredValue]>;
}

/** A string value as text; an aggregate by its type ("(hash)"). */
function valueText(value: StoredValue): string {
  return value instanceof Uint8Array ? fromUtf8(value) : `(${value.type})`;
}

/** A running Redis node's databases (read, never touched), or null. */
function keyspaceOf(lab: Lab, name: string): readonly ReadableDb[] | null {
  const id: NodeId | undefined = lab.resolve(name);
  if (id === undefined || !lab.isUp(id)) return null;
  const process = lab.process(id);
  return process instanceof RedisNode ? process.keyspace.dbs : null;
}

/**
 * Same keys in every db, strings byte for byte. Aggregates compare by type and length: lessons
 * write strings, and a replica that missed a write to a hash would differ in the string writes
 * around it too.
 */
function sameData(a: readonly ReadableDb[], b: readonly ReadableDb[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.size !== y.size) return false;
    for (const [key, value] of x.dict) {
      const other = y.get(key);
      if (other === undefined || !sameStored(value, other)) return false;
    }
  }
  return true;
}

function sameStored(a: StoredValue, b: StoredValue): boolean {
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((byte, j) => byte === b[j]);
  return !(b instanceof Uint8Array) && a.type === b.type && a.length === b.length;
}
