/**
 * The lab as the server last described it, and the pure reducer that folds stream messages into it.
 *
 * The reducer keeps object identity wherever it can: a node, edge or list that did not change is the
 * same object afterwards, so a component that selects node "n2" wakes up only when n2 changed.
 */
import type {
  LabClockView,
  LabEvent,
  LabView,
  LinkSnapshot,
  NodeId,
  NodeSnapshot,
  ReplicationEdgeSnapshot,
  ServerMessage,
  WriteLoadView,
} from "@replica-lab/protocol";
import { EMPTY_EXTERNALS, externalTopologyKey, mergeExternals, type ExternalData } from "./externalData.ts";
import { keepIfEqual } from "./jsonEqual.ts";
import { hasReplids } from "../format/kinds.ts";

/** The stream messages that change lab data (buffered and applied once per animation frame). */
export type LabStreamMessage = Extract<ServerMessage, { type: "snapshot" | "update" | "events" | "lab-deleted" }>;

/** One replication id a node has had, newest last. */
export interface ReplidChange {
  readonly replid: string;
  readonly replid2: string;
  readonly secondReplOffset: number;
  /** Virtual time when the client first saw it. */
  readonly seenAtMs: number;
}

export interface LabData {
  readonly labId: string | null;
  readonly name: string;
  readonly seed: string;
  /** True once the first snapshot arrived. */
  readonly loaded: boolean;
  /** The server said the lab was deleted. */
  readonly deleted: boolean;
  readonly clock: LabClockView;
  readonly nodes: Readonly<Record<string, NodeSnapshot>>;
  /** Node ids in the server's order (creation order). */
  readonly nodeIds: readonly NodeId[];
  readonly edges: Readonly<Record<string, ReplicationEdgeSnapshot>>;
  readonly edgeIds: readonly string[];
  readonly links: readonly LinkSnapshot[];
  readonly lastEventSeq: number;
  /** The newest events, oldest first, at most {@link MAX_EVENTS}. */
  readonly events: readonly LabEvent[];
  /** Events the server or this client dropped (the log is bounded). */
  readonly droppedEvents: number;
  readonly replidHistory: Readonly<Record<string, readonly ReplidChange[]>>;
  /** Server-side write loads by node id (SET/s), as the server runs them. */
  readonly writeLoads: Readonly<Record<string, number>>;
  /** Servers outside the lab linked to it by replication (external nodes). */
  readonly externals: ExternalData;
  /** Bumped when the set of nodes or of replica → master pairs changes (drives layout). */
  readonly topologyVersion: number;
  /** An update referred to a node this client does not hold: it must ask for a fresh snapshot. */
  readonly needsResync: boolean;
}

export const MAX_EVENTS = 2000;
const MAX_REPLID_HISTORY = 24;

export const EMPTY_CLOCK: LabClockView = { timeMs: 0, unixMs: 0, paused: false, speed: 1, lagMs: 0 };
const NO_LOADS: Readonly<Record<string, number>> = {};

export function emptyLabData(labId: string | null = null): LabData {
  return {
    labId,
    name: "",
    seed: "",
    loaded: false,
    deleted: false,
    clock: EMPTY_CLOCK,
    nodes: {},
    nodeIds: [],
    edges: {},
    edgeIds: [],
    links: [],
    lastEventSeq: 0,
    events: [],
    droppedEvents: 0,
    replidHistory: {},
    writeLoads: NO_LOADS,
    externals: EMPTY_EXTERNALS,
    topologyVersion: 0,
    needsResync: false,
  };
}

/** Folds a batch of stream messages into the lab data, in order. */
export function reduceLabMessages(prev: LabData, messages: readonly LabStreamMessage[]): LabData {
  let state = prev;
  for (const message of messages) state = reduceOne(state, message);
  return state;
}

function reduceOne(state: LabData, message: LabStreamMessage): LabData {
  switch (message.type) {
    case "snapshot":
      return applySnapshot(state, message.lab, message.events);
    case "update":
      return applyUpdate(state, message);
    case "events":
      return appendEvents(state, message.events, message.dropped);
    case "lab-deleted":
      return { ...state, deleted: true };
  }
}

function applySnapshot(state: LabData, lab: LabView, events: readonly LabEvent[]): LabData {
  const nodes: Record<string, NodeSnapshot> = {};
  for (const node of lab.nodes) nodes[node.id] = keepIfEqual(state.nodes[node.id], node);
  const nodeIds = lab.nodes.map((n) => n.id);
  const { edges, edgeIds } = mergeEdges(state, lab.edges);
  // A lab whose event sequence went backwards is a different lab (the server restarted): start over.
  const restarted = lab.lastEventSeq < state.lastEventSeq || state.labId !== lab.id;
  const base: LabData = restarted ? { ...emptyLabData(lab.id), topologyVersion: state.topologyVersion } : state;
  const merged = restarted ? { events: [...events], dropped: 0 } : mergeEventLists(base.events, events);
  const next: LabData = {
    ...base,
    labId: lab.id,
    name: lab.name,
    seed: lab.seed,
    loaded: true,
    deleted: false,
    clock: keepIfEqual(base.clock, lab.clock),
    nodes: shallowRecordEqual(base.nodes, nodes) ? base.nodes : nodes,
    nodeIds: sameIds(base.nodeIds, nodeIds) ? base.nodeIds : nodeIds,
    edges,
    edgeIds,
    links: keepIfEqual(base.links, lab.links),
    lastEventSeq: lab.lastEventSeq,
    events: capEvents(merged.events),
    droppedEvents: base.droppedEvents + merged.dropped + Math.max(0, merged.events.length - MAX_EVENTS),
    replidHistory: trackReplids(base.replidHistory, lab.nodes, lab.clock.timeMs, new Set(nodeIds)),
    writeLoads: loadsRecord(base.writeLoads, lab.writeLoads ?? []),
    externals: mergeExternals(base.externals, lab.externalNodes ?? [], lab.externalEdges ?? []),
    needsResync: false,
  };
  return withTopologyVersion(state, next);
}

function applyUpdate(state: LabData, update: Extract<ServerMessage, { type: "update" }>): LabData {
  let nodes = state.nodes;
  let nodeIds = state.nodeIds;
  let needsResync = state.needsResync;
  const patches = update.nodePatches ?? [];
  const touched: NodeSnapshot[] = [];
  if (update.nodes.length > 0 || patches.length > 0 || update.removedNodeIds.length > 0) {
    const draft: Record<string, NodeSnapshot> = { ...state.nodes };
    let changed = false;
    const added: NodeId[] = [];
    for (const node of update.nodes) {
      const previous = draft[node.id];
      const kept = keepIfEqual(previous, node);
      if (kept !== previous) {
        draft[node.id] = kept;
        changed = true;
        touched.push(kept);
      }
      if (previous === undefined) added.push(node.id);
    }
    for (const patch of patches) {
      const previous = draft[patch.id];
      if (previous === undefined) {
        // A patch for a node we never saw: our copy is out of step with the server's.
        needsResync = true;
        continue;
      }
      // A patch holds fields of the node's own kind (the snapshot is a union by protocol).
      const next = { ...previous, ...patch.changes, id: previous.id } as NodeSnapshot;
      const kept = keepIfEqual(previous, next);
      if (kept !== previous) {
        draft[patch.id] = kept;
        changed = true;
        touched.push(kept);
      }
    }
    for (const id of update.removedNodeIds) {
      if (draft[id] !== undefined) {
        delete draft[id];
        changed = true;
      }
    }
    if (changed) nodes = draft;
    if (added.length > 0 || update.removedNodeIds.length > 0) {
      const removed = new Set<string>(update.removedNodeIds);
      const ids = [...state.nodeIds.filter((id) => !removed.has(id)), ...added.filter((id) => !removed.has(id) && !state.nodeIds.includes(id))];
      if (!sameIds(state.nodeIds, ids)) nodeIds = ids;
    }
  }
  let edges = state.edges;
  let edgeIds = state.edgeIds;
  if (update.edges) ({ edges, edgeIds } = mergeEdges(state, update.edges));
  const next: LabData = {
    ...state,
    clock: keepIfEqual(state.clock, update.clock),
    nodes,
    nodeIds,
    edges,
    edgeIds,
    links: update.links ? keepIfEqual(state.links, update.links) : state.links,
    lastEventSeq: Math.max(state.lastEventSeq, update.lastEventSeq),
    replidHistory: touched.length > 0 || nodeIds !== state.nodeIds ? trackReplids(state.replidHistory, touched, update.clock.timeMs, new Set(nodeIds)) : state.replidHistory,
    writeLoads: update.writeLoads ? loadsRecord(state.writeLoads, update.writeLoads) : state.writeLoads,
    externals:
      update.externalNodes || update.externalEdges
        ? mergeExternals(state.externals, update.externalNodes ?? Object.values(state.externals.nodes), update.externalEdges ?? Object.values(state.externals.edges))
        : state.externals,
    needsResync,
  };
  if (
    next.clock === state.clock &&
    nodes === state.nodes &&
    nodeIds === state.nodeIds &&
    edges === state.edges &&
    next.links === state.links &&
    next.lastEventSeq === state.lastEventSeq &&
    next.replidHistory === state.replidHistory &&
    next.writeLoads === state.writeLoads &&
    next.externals === state.externals &&
    needsResync === state.needsResync
  ) {
    return state;
  }
  return withTopologyVersion(state, next);
}

function loadsRecord(prev: Readonly<Record<string, number>>, loads: readonly WriteLoadView[]): Readonly<Record<string, number>> {
  const next: Record<string, number> = {};
  for (const load of loads) if (load.opsPerSec > 0) next[load.nodeId] = load.opsPerSec;
  return keepIfEqual(prev, next);
}

function appendEvents(state: LabData, events: readonly LabEvent[], dropped: number): LabData {
  const lastSeen = state.events.length > 0 ? state.events[state.events.length - 1]!.seq : 0;
  const fresh = events.filter((e) => e.seq > lastSeen);
  if (fresh.length === 0 && dropped === 0) return state;
  const all = [...state.events, ...fresh];
  const overflow = Math.max(0, all.length - MAX_EVENTS);
  return {
    ...state,
    events: overflow > 0 ? all.slice(overflow) : all,
    droppedEvents: state.droppedEvents + dropped + overflow,
    lastEventSeq: Math.max(state.lastEventSeq, fresh.length > 0 ? fresh[fresh.length - 1]!.seq : 0),
  };
}

/** Merges a snapshot's events into what the client already has, without duplicates. */
function mergeEventLists(have: readonly LabEvent[], incoming: readonly LabEvent[]): { events: readonly LabEvent[]; dropped: number } {
  if (incoming.length === 0) return { events: have, dropped: 0 };
  const firstIncoming = incoming[0]!.seq;
  const lastHave = have.length > 0 ? have[have.length - 1]!.seq : 0;
  const kept = have.filter((e) => e.seq < firstIncoming);
  // Events between what we had and what the snapshot starts with were missed while disconnected.
  const gap = lastHave > 0 && firstIncoming > lastHave + 1 ? firstIncoming - lastHave - 1 : 0;
  return { events: [...kept, ...incoming], dropped: gap };
}

function capEvents(events: readonly LabEvent[]): readonly LabEvent[] {
  return events.length > MAX_EVENTS ? events.slice(events.length - MAX_EVENTS) : events;
}

function mergeEdges(state: LabData, incoming: readonly ReplicationEdgeSnapshot[]): Pick<LabData, "edges" | "edgeIds"> {
  const edges: Record<string, ReplicationEdgeSnapshot> = {};
  for (const edge of incoming) edges[edge.id] = keepIfEqual(state.edges[edge.id], edge);
  const edgeIds = incoming.map((e) => e.id);
  return {
    edges: shallowRecordEqual(state.edges, edges) ? state.edges : edges,
    edgeIds: sameIds(state.edgeIds, edgeIds) ? state.edgeIds : edgeIds,
  };
}

function trackReplids(
  history: Readonly<Record<string, readonly ReplidChange[]>>,
  nodes: readonly NodeSnapshot[],
  timeMs: number,
  live: ReadonlySet<string>,
): Readonly<Record<string, readonly ReplidChange[]>> {
  let draft: Record<string, readonly ReplidChange[]> | null = null;
  for (const node of nodes) {
    // Kinds without replication ids (2.6, 2.8) have no history of them; a down node has no id.
    if (!hasReplids(node) || node.replid === "") continue;
    const list = history[node.id] ?? [];
    const last = list[list.length - 1];
    if (last && last.replid === node.replid && last.replid2 === node.replid2 && last.secondReplOffset === node.secondReplOffset) continue;
    draft ??= { ...history };
    const entry: ReplidChange = { replid: node.replid, replid2: node.replid2, secondReplOffset: node.secondReplOffset, seenAtMs: timeMs };
    const grown = [...list, entry];
    draft[node.id] = grown.length > MAX_REPLID_HISTORY ? grown.slice(grown.length - MAX_REPLID_HISTORY) : grown;
  }
  for (const id of Object.keys(draft ?? history)) {
    if (!live.has(id)) {
      draft ??= { ...history };
      delete draft[id];
    }
  }
  return draft ?? history;
}

/** The topology key: node ids plus replica → master pairs, external ones included. Changes here re-run the layout. */
export function topologyKey(state: Pick<LabData, "nodeIds" | "edgeIds" | "edges"> & { readonly externals?: ExternalData }): string {
  const pairs = state.edgeIds.map((id) => {
    const e = state.edges[id];
    return e ? `${e.replicaId}>${e.masterId ?? e.masterAddress}` : id;
  });
  const lab = `${state.nodeIds.join(",")}|${pairs.join(",")}`;
  return state.externals && state.externals.nodeIds.length > 0 ? `${lab}|${externalTopologyKey(state.externals)}` : lab;
}

function withTopologyVersion(prev: LabData, next: LabData): LabData {
  if (prev.nodeIds === next.nodeIds && prev.edgeIds === next.edgeIds && prev.edges === next.edges && prev.externals === next.externals) return next;
  if (topologyKey(prev) === topologyKey(next)) return next;
  return { ...next, topologyVersion: prev.topologyVersion + 1 };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shallowRecordEqual<T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
