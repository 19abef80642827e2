/**
 * SSDB nodes (`protocol: "ssdb-binlog"`): binlog sequence numbers instead of byte offsets, a slave
 * status instead of a link state machine, and `info` text as ssdb-server prints it. Components ask
 * `asSsdb` and draw the binlog window where a Redis node has its backlog.
 */
import type { NodeSnapshot } from "@replica-lab/protocol";

/** The snapshot of an SSDB node: the lab's fields and the SSDB view, slaves resolved to lab nodes. */
export type SsdbNode = Extract<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

/** Any Redis kind's snapshot: everything but SSDB. */
export type RedisNode = Exclude<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

/** True for the Redis kinds (narrows the snapshot to theirs); false for SSDB. */
export function isRedisNode(node: NodeSnapshot): node is RedisNode {
  return node.protocol !== "ssdb-binlog";
}

/** The node as an SSDB node's snapshot, or null for another kind. */
export function asSsdb(node: NodeSnapshot): SsdbNode | null {
  return node.protocol === "ssdb-binlog" ? node : null;
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
