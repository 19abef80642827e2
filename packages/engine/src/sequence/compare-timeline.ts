/**
 * One protocol's telling of a story as a timeline: what happened to each node (role, link state,
 * up or down) and to each replica's sync, moment by moment, with the cost so far after each moment.
 * Read after a tapped replay from three sources: the conversation (which connection synced, in
 * full or partially, with how many bytes, and when a synced link ended), the lab's events (roles,
 * link phases, kills and restarts, the keys a full resync loaded) and the story's inputs (the
 * writes a master took while a replica was away).
 *
 * A replica is out of sync from the moment a link it had synced on ends (a close or reset from
 * either side, sent at that moment: a master killing the link, a crash, a REPLICAOF elsewhere)
 * until a later link of its own has caught up (its RDB or copy loaded, or the backlog replayed).
 * The writes it missed are the writes lab masters took meanwhile; a first sync is not a stretch
 * out of sync (nothing was missed yet).
 */
import type { LabInput } from "../lab/input-log.ts";
import type { LabEvent } from "../lab/types.ts";
import type { BinlogSyncDecision, ReplicaLinkPhase } from "../process/trace.ts";
import { bytesToBinary } from "../util/bytes.ts";
import type { WireMessage } from "./wire-message.ts";

/** One resync: a replica catching up with its master. */
export interface CompareSync {
  readonly kind: "full" | "partial";
  /** Node ids (or outside addresses). */
  readonly replica: string;
  readonly master: string;
  /** When the master answered (RDB or copy started, +CONTINUE sent) and when the last byte of the catch-up arrived. */
  readonly atMs: number;
  readonly doneMs: number;
  /** Bytes the resync sent: the RDB or the copy, or the backlog a +CONTINUE replayed. */
  readonly bytes: number;
  /** Keys a full resync carried (the replica's count once loaded; null: partial, or not reported). */
  readonly keys: number | null;
  /** Writes the replica missed while out of sync before this resync (null: its first sync). */
  readonly writesMissed: number | null;
  /** Keys the replica held before a full resync that the dataset it loaded lacked. */
  readonly keysDropped: number;
}

/** The cost of a telling so far, at one moment. */
export interface CompareCosts {
  readonly fullSyncs: number;
  readonly partialSyncs: number;
  /** Bytes sent for resyncs (full and partial), counted when the master answered. */
  readonly resyncBytes: number;
  /** Replica-milliseconds spent out of sync (open stretches counted up to the moment): time to convergence. */
  readonly outOfSyncMs: number;
  /** Replicas out of sync at the moment: `outOfSyncMs` grows by this much per ms until the next moment. */
  readonly replicasOutOfSync: number;
  /** Writes lab masters took while a replica was out of sync, once per replica away. */
  readonly writesMissed: number;
  /** Keys replicas dropped when a full resync replaced their dataset with a smaller one. */
  readonly keysLost: number;
}

/** A node's state in a lane: up or down, its role, its link to its master (replicas). */
export interface CompareNodeState {
  readonly up: boolean;
  readonly role: "master" | "replica";
  readonly link: ReplicaLinkPhase | null;
}

/** Something that happened in a lane. */
export type CompareLaneEvent =
  /** A link `replica` had synced on ended: it is out of sync from here. */
  | { readonly kind: "out-of-sync"; readonly replica: string; readonly master: string }
  /** A master answered a sync (the catch-up starts). */
  | { readonly kind: "resync"; readonly sync: CompareSync }
  /** A catch-up ended: the replica is in sync again (`awayMs`: how long it was out of sync; null after a first sync). */
  | { readonly kind: "in-sync"; readonly replica: string; readonly master: string; readonly awayMs: number | null }
  /** A replica out of sync became a master: it is behind nobody from here. */
  | { readonly kind: "promoted"; readonly replica: string }
  /** Writes a master took while `replica` was out of sync. */
  | { readonly kind: "writes-missed"; readonly replica: string; readonly count: number }
  /** A node's state changed. */
  | { readonly kind: "node"; readonly node: string; readonly state: CompareNodeState };

/** A moment of a lane: what happened, and the cost so far once it had. */
export interface CompareMoment {
  readonly atMs: number;
  readonly event: CompareLaneEvent;
  readonly costs: CompareCosts;
}

export const NO_COSTS: CompareCosts = { fullSyncs: 0, partialSyncs: 0, resyncBytes: 0, outOfSyncMs: 0, replicasOutOfSync: 0, writesMissed: 0, keysLost: 0 };

/** The cost so far at `atMs`, from a lane's moments (oldest first): the last one at or before it, open stretches counted on. */
export function costsAt(moments: readonly CompareMoment[], atMs: number): CompareCosts {
  let last: CompareMoment | null = null;
  for (const m of moments) {
    if (m.atMs > atMs) break;
    last = m;
  }
  if (last === null) return NO_COSTS;
  return { ...last.costs, outOfSyncMs: last.costs.outOfSyncMs + last.costs.replicasOutOfSync * (atMs - last.atMs) };
}

/** What the replay saw besides the conversation: keys a replica held before each full resync. */
export interface KeySample {
  readonly node: string;
  readonly atMs: number;
  readonly keys: number;
}

/** A resync as the wire shows it, with the connection it happened on. */
type ConnSync = Pick<CompareSync, "kind" | "replica" | "master" | "atMs" | "doneMs" | "bytes"> & { readonly conn: number };

/** The resyncs a conversation holds, with their connections (see `syncsOf` in compare.ts). */
export function connSyncsOf(messages: readonly WireMessage[], events: readonly LabEvent[] = []): ConnSync[] {
  const syncs: ConnSync[] = [];
  const reports = new BacklogReports(events);
  for (const [conn, list] of byConnection(messages)) {
    let sync140 = false;
    let copied = false;
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      if (m.kind === "rdb") {
        syncs.push({ conn, kind: "full", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: m.receivedMs, bytes: m.bytes });
      } else if (m.kind === "reply" && m.text.startsWith("+CONTINUE")) {
        // The backlog replayed follows the +CONTINUE: as many bytes as the master said it sent
        // (its partial-resync report); without the report, what it wrote before the +CONTINUE arrived.
        const told = reports.take(m.from, m.sentMs);
        let bytes = 0;
        let done = m.receivedMs;
        for (let j = i + 1; j < list.length; j++) {
          const next = list[j]!;
          if (next.from !== m.from || (next.kind !== "stream" && next.kind !== "ping")) break;
          if (told === null ? next.sentMs >= m.receivedMs : bytes >= told) break;
          bytes += next.bytes;
          done = next.receivedMs;
        }
        syncs.push({ conn, kind: "partial", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: done, bytes: told ?? bytes });
      } else if (m.kind === "command" && m.text.startsWith("sync140")) {
        sync140 = true;
      } else if (m.kind === "copy" && m.text.startsWith("copy_begin")) {
        copied = true;
        const copy = list.slice(i).filter((n) => n.kind === "copy");
        const last = copy[copy.length - 1]!;
        syncs.push({ conn, kind: "full", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: last.receivedMs, bytes: copy.reduce((sum, n) => sum + n.bytes, 0) });
      } else if (m.kind === "binlog" && sync140 && !copied) {
        // A sync140 answered from the binlog, without a copy: SSDB's partial resync.
        syncs.push({ conn, kind: "partial", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: m.receivedMs, bytes: m.bytes });
        sync140 = false;
      }
    }
  }
  return syncs.sort((a, b) => a.atMs - b.atMs || a.conn - b.conn);
}

/** Masters' reports of the backlog bytes each partial resync sent, taken in order. */
class BacklogReports {
  private readonly byNode = new Map<string, { readonly atMs: number; readonly bytes: number }[]>();

  constructor(events: readonly LabEvent[]) {
    for (const e of events) {
      if (e.nodeId === null || e.detail.kind !== "partial-resync" || e.detail.side !== "master") continue;
      this.byNode.set(e.nodeId, [...(this.byNode.get(e.nodeId) ?? []), { atMs: e.timeMs, bytes: e.detail.backlogBytes }]);
    }
  }

  /** The bytes `master` reported for the +CONTINUE it sent at `atMs` (the same step), or null. */
  take(master: string, atMs: number): number | null {
    const list = this.byNode.get(master);
    while (list !== undefined && list.length > 0 && list[0]!.atMs < atMs - 1) list.shift();
    const found = list?.[0];
    if (found === undefined || found.atMs > atMs + 1) return null;
    list!.shift();
    return found.bytes;
  }
}

function byConnection(messages: readonly WireMessage[]): Map<number, WireMessage[]> {
  const out = new Map<number, WireMessage[]>();
  for (const m of messages) {
    const list = out.get(m.conn);
    if (list) list.push(m);
    else out.set(m.conn, [m]);
  }
  return out;
}

/** A stretch a replica spent out of sync (`toMs` null: still out at the end). */
interface Stretch {
  readonly replica: string;
  /** The master of the link that ended. */
  readonly master: string;
  readonly fromMs: number;
  toMs: number | null;
  /** The sync that ended it. */
  endedBy: ConnSync | null;
}

/** Commands that change no data: everything else a master accepts counts as a write. */
const NOT_WRITES = new Set(
  (
    "get mget exists keys scan type ttl pttl expiretime pexpiretime strlen getrange substr lrange llen lindex lpos smembers scard sismember smismember srandmember sscan " +
    "sinter sunion sdiff hget hgetall hlen hkeys hvals hmget hexists hstrlen hscan hrandfield zrange zrangebyscore zrangebylex zrevrange zrevrangebyscore zrevrangebylex " +
    "zscore zmscore zcard zcount zlexcount zrank zrevrank zscan zrandmember xrange xrevrange xlen xread xinfo getbit bitcount bitpos bitfield_ro pfcount geopos geodist " +
    "georadius_ro georadiusbymember_ro geohash geosearch dump object randomkey dbsize info ping echo time lastsave role config client command debug memory slowlog latency " +
    "hello auth select quit reset readonly readwrite wait waitaof monitor subscribe psubscribe unsubscribe punsubscribe pubsub publish save bgsave bgrewriteaof shutdown " +
    "replicaof slaveof sync psync replconf script function eval_ro evalsha_ro fcall_ro sort_ro lcs touch multi exec discard watch unwatch digest digest-value"
  ).split(" "),
);

/** The commands one input sends a node (argv[0] only), with the node, for counting writes. */
function commandsOf(input: LabInput, connNodes: Map<number, string>): { readonly node: string; readonly names: readonly string[]; readonly count: number } | null {
  switch (input.op) {
    case "command":
      return { node: input.node, names: [bytesToBinary(input.argv[0] ?? new Uint8Array()).toLowerCase()], count: 1 };
    case "load":
      return { node: input.node, names: ["set"], count: input.count };
    case "send": {
      const node = connNodes.get(input.conn);
      return node === undefined ? null : { node, names: commandNames(bytesToBinary(input.bytes)), count: 1 };
    }
    default:
      return null;
  }
}

/** The names of the commands in some request bytes (RESP multibulk or inline lines), lower case. */
function commandNames(text: string): string[] {
  const names: string[] = [];
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf("\r\n", at);
    if (eol < 0) break;
    if (text[at] === "*") {
      const count = Number(text.slice(at + 1, eol));
      let p = eol + 2;
      for (let i = 0; i < count && p < text.length; i++) {
        const lineEnd = text.indexOf("\r\n", p);
        if (lineEnd < 0 || text[p] !== "$") return names;
        const length = Number(text.slice(p + 1, lineEnd));
        if (i === 0) names.push(text.slice(lineEnd + 2, lineEnd + 2 + length).toLowerCase());
        p = lineEnd + 2 + length + 2;
      }
      at = p;
    } else {
      const word = text.slice(at, eol).trim().split(/\s+/)[0];
      if (word) names.push(word.toLowerCase());
      at = eol + 2;
    }
  }
  return names;
}

/** Writes the story's inputs gave lab nodes, by time: only those a master (up, not a replica) took. */
function writesOf(inputs: readonly LabInput[], isMasterAt: (node: string, atMs: number) => boolean): { readonly atMs: number; readonly count: number }[] {
  const connNodes = new Map<number, string>();
  const out: { atMs: number; count: number }[] = [];
  for (const input of inputs) {
    if (input.op === "open") connNodes.set(input.conn, input.node);
    const sent = commandsOf(input, connNodes);
    if (sent === null || !isMasterAt(sent.node, input.t)) continue;
    const writes = input.op === "load" ? sent.count : sent.names.filter((n) => !NOT_WRITES.has(n)).length;
    if (writes > 0) out.push({ atMs: input.t, count: writes });
  }
  return out;
}

/** The link phase an SSDB slave is in once it learns a verdict (the others leave it as it was). */
const SSDB_SLAVE_PHASE: Partial<Record<BinlogSyncDecision, ReplicaLinkPhase>> = {
  "copy-begin": "sync",
  "copy-recover": "sync",
  "snapshot-resume": "sync",
  recopy: "sync",
  "copy-end": "connected",
  "sync-recover": "connected",
  "out-of-sync": "connect",
};

/** Node states over time, from the lab's events: a moment for each change. */
function nodeStates(events: readonly LabEvent[], caughtUp: readonly { readonly atMs: number; readonly node: string }[]): { readonly atMs: number; readonly node: string; readonly state: CompareNodeState }[] {
  const now = new Map<string, CompareNodeState>();
  const out: { atMs: number; node: string; state: CompareNodeState }[] = [];
  const set = (node: string, atMs: number, patch: Partial<CompareNodeState>): void => {
    const before = now.get(node) ?? { up: true, role: "master", link: null };
    const state = { ...before, ...patch };
    if (state.role === "master") state.link = null;
    if (now.has(node) && before.up === state.up && before.role === state.role && before.link === state.link) return;
    now.set(node, state);
    out.push({ atMs, node, state });
  };
  // A catch-up the wire showed makes a replica still "syncing" in sync (SSDB reports no link
  // phase when it resumes from the binlog).
  const pending = [...caughtUp].sort((x, y) => x.atMs - y.atMs);
  let next = 0;
  const catchUp = (untilMs: number): void => {
    for (; next < pending.length && pending[next]!.atMs <= untilMs; next++) {
      const { atMs, node } = pending[next]!;
      const link = now.get(node)?.link;
      if (link === "handshake" || link === "sync") set(node, atMs, { link: "connected" });
    }
  };
  for (const e of events) {
    catchUp(e.timeMs);
    if (e.nodeId === null) continue;
    const d = e.detail;
    switch (d.kind) {
      case "node-added":
        set(e.nodeId, e.timeMs, { up: true, role: "master", link: null });
        break;
      case "killed":
      case "exited":
        set(e.nodeId, e.timeMs, { up: false });
        break;
      case "restarted":
        set(e.nodeId, e.timeMs, { up: true, role: d.replicaOf === null ? "master" : "replica", link: d.replicaOf === null ? null : "connect" });
        break;
      case "role":
        set(e.nodeId, e.timeMs, { role: d.role, link: d.role === "replica" ? (now.get(e.nodeId)?.link ?? "connect") : null });
        break;
      case "link":
        set(e.nodeId, e.timeMs, { role: "replica", link: d.state });
        break;
      case "binlog-sync": {
        // An SSDB slave reports its sync by the master's verdicts, not by a link phase.
        const link = d.side === "replica" ? SSDB_SLAVE_PHASE[d.decision] : undefined;
        if (link !== undefined) set(e.nodeId, e.timeMs, { role: "replica", link });
        break;
      }
      default:
        break;
    }
  }
  catchUp(Infinity);
  return out;
}

/** Whether `node` took writes at `atMs` (up and a master), read from its state changes. */
function masterAt(states: readonly { readonly atMs: number; readonly node: string; readonly state: CompareNodeState }[]): (node: string, atMs: number) => boolean {
  const byNode = new Map<string, { atMs: number; state: CompareNodeState }[]>();
  for (const s of states) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  return (node, atMs) => {
    let current: CompareNodeState = { up: true, role: "master", link: null };
    for (const s of byNode.get(node) ?? []) {
      if (s.atMs > atMs) break;
      current = s.state;
    }
    return current.up && current.role === "master";
  };
}

/** A lane's timeline: its resyncs and its moments, oldest first (see the file comment). */
export function laneTimeline(
  messages: readonly WireMessage[],
  events: readonly LabEvent[],
  inputs: readonly LabInput[],
  keySamples: readonly KeySample[],
  timeMs: number,
): { readonly syncs: CompareSync[]; readonly moments: CompareMoment[] } {
  const connSyncs = connSyncsOf(messages, events);
  const states = nodeStates(
    events,
    connSyncs.map((c) => ({ atMs: c.doneMs, node: c.replica })),
  );
  const writes = writesOf(inputs, masterAt(states));

  // Each replica's links in order: when each was synced and when it ended.
  const closes = new Map<number, number>();
  for (const m of messages) if (m.kind === "close" && !closes.has(m.conn)) closes.set(m.conn, m.sentMs);
  const stretches: Stretch[] = [];
  const byReplica = new Map<string, ConnSync[]>();
  for (const s of connSyncs) byReplica.set(s.replica, [...(byReplica.get(s.replica) ?? []), s]);
  // A replica promoted (or removed) is no longer behind anyone: its open stretch ends there.
  const promotions = new Map<string, number[]>();
  for (const s of states) if (s.state.role === "master") promotions.set(s.node, [...(promotions.get(s.node) ?? []), s.atMs]);
  for (const [replica, syncs] of byReplica) {
    // Per connection, its last catch-up (a link syncs once; SSDB may resume a copy).
    const links = new Map<number, ConnSync>();
    for (const s of syncs) links.set(s.conn, s);
    const ordered = [...links.values()].sort((a, b) => a.doneMs - b.doneMs);
    let open: Stretch | null = null;
    for (let i = 0; i < ordered.length; i++) {
      const link = ordered[i]!;
      if (link.doneMs > timeMs) break;
      if (open !== null) endByPromotion(open, promotions.get(replica), link.doneMs);
      if (open !== null && open.toMs !== null) open = null;
      if (open !== null) {
        open.toMs = link.doneMs;
        open.endedBy = link;
        open = null;
      }
      const closed = closes.get(link.conn);
      const nextDone = ordered[i + 1]?.doneMs ?? Infinity;
      if (closed !== undefined && closed >= link.doneMs && closed <= timeMs && closed <= nextDone) {
        open = { replica, master: link.master, fromMs: closed, toMs: null, endedBy: null };
        stretches.push(open);
      }
    }
    if (open !== null) endByPromotion(open, promotions.get(replica), timeMs);
  }

  const syncs: CompareSync[] = connSyncs.map((s) => {
    const stretch = stretches.find((st) => st.endedBy === s) ?? null;
    const loaded = s.kind === "full" ? fullSyncKeys(events, s) : null;
    const before = loaded === null ? null : lastSample(keySamples, s.replica, s.atMs);
    return {
      kind: s.kind,
      replica: s.replica,
      master: s.master,
      atMs: s.atMs,
      doneMs: s.doneMs,
      bytes: s.bytes,
      keys: loaded,
      writesMissed: stretch === null ? null : writesIn(writes, stretch.fromMs, stretch.toMs ?? timeMs),
      keysDropped: loaded === null || before === null ? 0 : Math.max(0, before - loaded),
    };
  });

  // Moments: every change, then the cost so far after each, in time order.
  const raw: { atMs: number; order: number; event: CompareLaneEvent }[] = [];
  for (const s of states) raw.push({ atMs: s.atMs, order: 0, event: { kind: "node", node: s.node, state: s.state } });
  for (const st of stretches) {
    raw.push({ atMs: st.fromMs, order: 1, event: { kind: "out-of-sync", replica: st.replica, master: st.master } });
    if (st.endedBy === null && st.toMs !== null) raw.push({ atMs: st.toMs, order: 3, event: { kind: "promoted", replica: st.replica } });
  }
  for (let i = 0; i < syncs.length; i++) {
    const s = syncs[i]!;
    if (s.atMs > timeMs) continue;
    raw.push({ atMs: s.atMs, order: 2, event: { kind: "resync", sync: s } });
    if (s.doneMs > timeMs) continue;
    const stretch = stretches.find((st) => st.endedBy === connSyncs[i]) ?? null;
    // A link catches up once: the in-sync moment belongs to its last sync (the one stretches use).
    const last = connSyncs.filter((c) => c.conn === connSyncs[i]!.conn).at(-1);
    if (last !== connSyncs[i]) continue;
    raw.push({ atMs: s.doneMs, order: 3, event: { kind: "in-sync", replica: s.replica, master: s.master, awayMs: stretch === null ? null : s.doneMs - stretch.fromMs } });
  }
  for (const w of writes) {
    for (const st of stretches) {
      if (w.atMs >= st.fromMs && w.atMs < (st.toMs ?? Infinity) && w.atMs <= timeMs) raw.push({ atMs: w.atMs, order: 4, event: { kind: "writes-missed", replica: st.replica, count: w.count } });
    }
  }
  raw.sort((a, b) => a.atMs - b.atMs || a.order - b.order);

  const moments: CompareMoment[] = [];
  let costs: CompareCosts = NO_COSTS;
  let lastMs = 0;
  for (const { atMs, event } of raw) {
    const outOfSyncMs = costs.outOfSyncMs + costs.replicasOutOfSync * (atMs - lastMs);
    lastMs = atMs;
    costs = { ...costs, outOfSyncMs };
    switch (event.kind) {
      case "out-of-sync":
        costs = { ...costs, replicasOutOfSync: costs.replicasOutOfSync + 1 };
        break;
      case "in-sync":
        if (event.awayMs !== null) costs = { ...costs, replicasOutOfSync: costs.replicasOutOfSync - 1 };
        break;
      case "promoted":
        costs = { ...costs, replicasOutOfSync: costs.replicasOutOfSync - 1 };
        break;
      case "resync": {
        const s = event.sync;
        costs = {
          ...costs,
          fullSyncs: costs.fullSyncs + (s.kind === "full" ? 1 : 0),
          partialSyncs: costs.partialSyncs + (s.kind === "partial" ? 1 : 0),
          resyncBytes: costs.resyncBytes + s.bytes,
          keysLost: costs.keysLost + s.keysDropped,
        };
        break;
      }
      case "writes-missed":
        costs = { ...costs, writesMissed: costs.writesMissed + event.count };
        break;
      case "node":
        break;
    }
    moments.push({ atMs, event, costs });
  }
  return { syncs, moments };
}

/** Ends `open` at the replica's first promotion after it began and before `untilMs`, if any. */
function endByPromotion(open: Stretch, promotions: readonly number[] | undefined, untilMs: number): void {
  const at = promotions?.find((t) => t >= open.fromMs && t <= untilMs);
  if (at !== undefined) open.toMs = at;
}

function writesIn(writes: readonly { readonly atMs: number; readonly count: number }[], fromMs: number, toMs: number): number {
  return writes.filter((w) => w.atMs >= fromMs && w.atMs < toMs).reduce((sum, w) => sum + w.count, 0);
}

/** Keys a full resync loaded: the replica's own report of the RDB it loaded (redis kinds). */
function fullSyncKeys(events: readonly LabEvent[], sync: ConnSync): number | null {
  for (const e of events) {
    if (e.nodeId !== sync.replica || e.timeMs < sync.atMs) continue;
    if (e.timeMs > sync.doneMs + 1) break;
    if (e.detail.kind === "rdb" && e.detail.side === "replica") return e.detail.keys;
  }
  return null;
}

function lastSample(samples: readonly KeySample[], node: string, atMs: number): number | null {
  let found: number | null = null;
  for (const s of samples) {
    if (s.atMs > atMs) break;
    if (s.node === node) found = s.keys;
  }
  return found;
}
