/**
 * A replica's lag, one definition for every place that shows it (the card, the inspector's replica
 * table): **bytes** are how much of its master's stream the replica has not applied yet, its
 * master's `master_repl_offset` minus the replica's own offset in that stream (`slave_repl_offset`);
 * **seconds** are INFO's `lag=`, the time since the master last heard the replica's ACK.
 *
 * The master's own view (its offset minus the replica's last ACK) runs up to a second behind at
 * any write rate, since a replica acknowledges once a second: at 10k SET/s that is hundreds of KB
 * a replica has long applied. It is only the basis when the replica's own offset cannot be read
 * (a replica outside the lab, or one that is down), and then it says so.
 */
import type { NodeSnapshot } from "@replica-lab/protocol";
import { hasOffsets, offsetInMasterStream, replicaAckOffset, replicaLagSec } from "./kinds.ts";

type AttachedReplica = NodeSnapshot["replicas"][number];

export interface ReplicaLag {
  /** Bytes of the master's stream not yet applied (never negative). */
  readonly bytes: number;
  /** Seconds since the master's last ACK from the replica, where the master's kind tracks ACKs. */
  readonly sec: number | undefined;
  /** Where `bytes` came from: the replica's own offset, or (failing that) its last ACK. */
  readonly basis: "applied" | "acked";
}

/**
 * The lag of `replica` (its snapshot when it is a lab node and up) behind `master`, whose replica
 * list holds `entry` for it. Null where the kinds have no offsets (2.6, SSDB) or nothing is known.
 */
export function replicaLag(master: NodeSnapshot | undefined, replica: NodeSnapshot | undefined, entry: AttachedReplica | undefined): ReplicaLag | null {
  if (master === undefined || !hasOffsets(master)) return null;
  const sec = entry === undefined ? undefined : replicaLagSec(entry);
  const applied = replica !== undefined && replica.status !== "down" && replica.masterId === master.id ? offsetInMasterStream(replica) : null;
  if (applied !== null) return { bytes: Math.max(0, master.masterReplOffset - applied), sec, basis: "applied" };
  const acked = entry === undefined ? undefined : replicaAckOffset(entry);
  if (acked === undefined) return null;
  return { bytes: Math.max(0, master.masterReplOffset - acked), sec, basis: "acked" };
}
