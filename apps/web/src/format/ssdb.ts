/**
 * SSDB nodes (`protocol: "ssdb-binlog"`): binlog sequence numbers instead of byte offsets, a slave
 * status instead of a link state machine, and `info` text as ssdb-server prints it. Components ask
 * `asSsdb` and draw the binlog window where a Redis node has its backlog.
 */
import type { NodeId, NodeSnapshot, SsdbReplicaView, SsdbView } from "@replica-lab/protocol";

/** What the lab adds to every kind's view (the same for all kinds). */
type LabFields = Pick<NodeSnapshot, "id" | "name" | "address" | "host" | "port" | "version" | "kindLabel" | "status" | "boots" | "masterId" | "respPort" | "configFile">;

/** The snapshot of an SSDB node: the lab's fields and the SSDB view, slaves resolved to lab nodes. */
export type SsdbNode = LabFields & Omit<SsdbView, "replicas"> & { readonly replicas: readonly (SsdbReplicaView & { readonly nodeId: NodeId | null })[] };

/** Any Redis kind's snapshot: everything but SSDB. */
export type RedisNode = Exclude<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

/** True for the Redis kinds (narrows the snapshot to theirs); false for SSDB. */
export function isRedisNode(node: NodeSnapshot): node is RedisNode {
  return asSsdb(node) === null;
}

/** The node as an SSDB node's snapshot, or null for another kind. */
export function asSsdb(node: NodeSnapshot): SsdbNode | null {
  // Compared as a string: the snapshot union may not list the SSDB view yet where this is built.
  return (node.protocol as string) === "ssdb-binlog" ? (node as unknown as SsdbNode) : null;
}

/** A replica that is streaming: `online` for a Redis master, `SYNC` for an SSDB one. */
export function replicaOnline(replica: { readonly state: string } | { readonly status: string }): boolean {
  return "state" in replica ? replica.state === "online" : replica.status === "SYNC";
}

/** Where a slave's seq falls against a master's binlog window: resumable inside, OUT_OF_SYNC outside. */
export type SeqPlace = "inside" | "behind" | "ahead";

/**
 * ssdb-server's range check: a `last_seq` of 0 asks for a copy; otherwise it must lie in
 * `[min_seq, max_seq]`, or the master answers OUT_OF_SYNC.
 */
export function seqPlace(seq: number, minSeq: number, maxSeq: number): SeqPlace {
  if (seq !== 0 && seq < minSeq) return "behind";
  if (seq > maxSeq) return "ahead";
  return "inside";
}

/** Position (0..1) of `seq` on a bar from `from` to `to`, clamped. */
export function seqX(seq: number, from: number, to: number): number {
  if (to <= from) return 1;
  return Math.min(1, Math.max(0, (seq - from) / (to - from)));
}

/**
 * `info`'s `binlogs` and `replication` values as ssdb-server prints them: the node's slaves (the
 * master's cursor for each), then its upstream link.
 */
export function ssdbInfoText(node: SsdbNode): string {
  const b = node.binlog;
  const lines = ["binlogs", `    capacity : ${b.capacity}`, `    min_seq  : ${b.minSeq}`, `    max_seq  : ${b.maxSeq}`];
  for (const r of node.replicas) {
    lines.push("replication", `client ${r.address}`, "    type     : sync", `    status   : ${r.status}`, `    last_seq : ${r.lastSeq}`);
  }
  if (node.masterAddress !== null) {
    lines.push(
      "replication",
      `slaveof ${node.masterAddress}`,
      `    id         : ${node.slaveId ?? ""}`,
      "    type       : sync",
      `    status     : ${node.syncStatus ?? "DISCONNECTED"}`,
      `    last_seq   : ${node.lastSeq ?? 0}`,
      `    copy_count : ${node.copyCount}`,
      `    sync_count : ${node.syncCount}`,
    );
  }
  return lines.join("\n");
}
