/**
 * Test data builders: server snapshots as the stream sends them. Used by the unit tests only.
 */
import type { LabEvent, LabView, NodeId, NodeSnapshot, ReplicationEdgeSnapshot, ServerMessage } from "@replica-lab/protocol";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A 7.0 node's snapshot (the kind these builders make). */
type Psync2Node = Extract<NodeSnapshot, { readonly protocol: "redis-psync2" }>;

export function makeNode(id: string, patch: Partial<Mutable<Psync2Node>>): Psync2Node {
  const base: Psync2Node = {
    id: id as NodeId,
    name: id.toUpperCase(),
    address: `127.0.0.1:${6378 + Number(id.replace(/\D/g, "") || "1")}`,
    host: "127.0.0.1",
    port: 6379,
    version: "7.0",
    kindLabel: "Redis 7.0",
    protocol: "redis-psync2",
    configFile: "",
    transferProgress: null,
    dirty: 0,
    status: "up",
    boots: 1,
    role: "master",
    masterAddress: null,
    masterId: null,
    removedMaster: null,
    replState: null,
    linkPhase: null,
    linkUp: false,
    replid: "8f1c2b3a4d5e6f708192a3b4c5d6e7f801234567",
    replid2: "0000000000000000000000000000000000000000",
    secondReplOffset: -1,
    masterReplOffset: 0,
    replicaOffset: null,
    replicaReadOffset: null,
    masterLinkDownSinceSec: null,
    masterLastIoSecAgo: null,
    backlog: { active: false, sizeBytes: 1048576, firstByteOffset: 0, histlen: 0, memoryBytes: 0 },
    replicas: [],
    transfer: null,
    loading: null,
    keys: 0,
    expires: 0,
    stats: { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, commandsProcessed: 0, connectionsReceived: 0, expiredKeys: 0 },
    config: {
      replBacklogSize: 1048576,
      replBacklogTtl: 3600,
      replPingReplicaPeriod: 10,
      replTimeout: 60,
      replDisklessSync: true,
      replDisklessSyncDelay: 5,
      minReplicasToWrite: 0,
      minReplicasMaxLag: 10,
      replicaReadOnly: true,
      replicaServeStaleData: true,
      replicaPriority: 100,
      replicaAnnounced: true,
      save: "3600 1 300 100 60 10000",
    },
    uptimeSec: 0,
    respPort: null,
  };
  return { ...base, ...patch };
}

export function makeEdge(replicaId: string, masterId: string, patch: Partial<Mutable<ReplicationEdgeSnapshot>> = {}): ReplicationEdgeSnapshot {
  return {
    id: `${replicaId}->${masterId}`,
    replicaId: replicaId as NodeId,
    masterId: masterId as NodeId,
    masterAddress: "127.0.0.1:6379",
    phase: "connected",
    inFlightBytes: 0,
    partitioned: false,
    latencyMs: 1,
    bandwidthBytesPerSec: 0,
    transferProgress: null,
    inCycle: false,
    ...patch,
  };
}

export function makeEvent(seq: number, patch: Partial<Mutable<LabEvent>> = {}): LabEvent {
  return {
    seq,
    timeMs: seq * 10,
    nodeId: "n1" as NodeId,
    nodeName: "A",
    source: "lab",
    kind: "node-added",
    message: `event ${seq}`,
    detail: { kind: "node-added", message: `event ${seq}` },
    ...patch,
  };
}

export function makeLab(nodes: readonly NodeSnapshot[], edges: readonly ReplicationEdgeSnapshot[] = [], patch: Partial<Mutable<LabView>> = {}): LabView {
  return {
    id: "lab1",
    name: "test lab",
    seed: "1",
    clock: { timeMs: 1000, unixMs: 1_700_000_001_000, paused: false, speed: 1, lagMs: 0 },
    nodes,
    edges,
    links: [],
    writeLoads: [],
    lastEventSeq: 0,
    ...patch,
  };
}

export function snapshotMessage(lab: LabView, events: readonly LabEvent[] = []): Extract<ServerMessage, { type: "snapshot" }> {
  return { type: "snapshot", protocol: 1, lab, events };
}

export function updateMessage(
  nodes: readonly NodeSnapshot[],
  patch: Partial<Mutable<Extract<ServerMessage, { type: "update" }>>> = {},
): Extract<ServerMessage, { type: "update" }> {
  return {
    type: "update",
    clock: { timeMs: 2000, unixMs: 1_700_000_002_000, paused: false, speed: 1, lagMs: 0 },
    nodes,
    nodePatches: [],
    removedNodeIds: [],
    lastEventSeq: 0,
    serverTimeMs: 0,
    ...patch,
  };
}
