/**
 * A master's record of one attached replica before 7.0 (what redis keeps on the replica's client:
 * replstate, slaveseldb in 2.6, repl_ack_off / repl_ack_time from 2.8 on), and the replica's
 * output buffer while the master holds it back.
 */
import { ByteWriter } from "../../util/bytes.ts";
import type { AttachedReplica } from "../../redis/replication.ts";
import type { Client } from "../../redis/client.ts";

/** `slave->replstate`. INFO prints wait_bgsave for both waiting states. */
export type ClassicReplicaState = "wait_bgsave_start" | "wait_bgsave_end" | "send_bulk" | "online";

export class ClassicReplicaLink implements AttachedReplica {
  state: ClassicReplicaState;
  /** Virtual ms of the last REPLCONF ACK or keep-alive (2.8); the attach time in 2.6. */
  ackTimeMs: number;
  /** Highest offset acknowledged with REPLCONF ACK (2.8; 0 before the first). */
  ackOffset = 0;
  /** 2.6: the db this replica's stream last SELECTed (each replica has its own; 0 after SYNC). */
  slaveseldb = 0;
  /** Attached with SYNC rather than PSYNC (REDIS_PRE_PSYNC): no ACKs expected, no ACK timeout. */
  readonly preSync: boolean;
  /** 2.8 diskless: the transfer is done, but nothing is sent until the replica's first ACK. */
  putOnlineOnAck = false;
  /** Stream bytes kept while the output is held back (diskless, before the first ACK). */
  readonly held = new ByteWriter(64);

  constructor(state: ClassicReplicaState, nowMs: number, preSync: boolean) {
    this.state = state;
    this.ackTimeMs = nowMs;
    this.preSync = preSync;
  }

  /** The word INFO uses for the state. */
  get infoState(): "wait_bgsave" | "send_bulk" | "online" {
    return this.state === "wait_bgsave_start" || this.state === "wait_bgsave_end" ? "wait_bgsave" : this.state;
  }

  /** Still waiting for a fork to start: such a replica is fed nothing. */
  get waitingForFork(): boolean {
    return this.state === "wait_bgsave_start";
  }
}

/** The legacy link of a replica client (asserts that it is one). */
export function classicLinkOf(client: Client): ClassicReplicaLink {
  const link = client.replica;
  if (!(link instanceof ClassicReplicaLink)) throw new Error(`client ${client.id} is not a replica of a master before 7.0`);
  return link;
}
