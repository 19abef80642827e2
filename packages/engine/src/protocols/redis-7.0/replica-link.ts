/**
 * The master's view of one attached replica (redis keeps these fields on the replica's client).
 */
import type { BacklogReader } from "./backlog.ts";

/** `slave->replstate` on the master. INFO prints wait_bgsave for both waiting states. */
export type ReplicaSyncState = "wait_bgsave_start" | "wait_bgsave_end" | "send_bulk" | "online";

export class ReplicaLink {
  state: ReplicaSyncState;
  /** Highest offset the replica acknowledged with REPLCONF ACK (0 before the first). */
  ackOffset = 0;
  /** Unix ms of the last ACK or newline from the replica. */
  ackTimeMs: number;
  /** The `+FULLRESYNC` offset this replica was given. */
  psyncInitialOffset = -1;
  /** This replica's place in the shared replication buffer (from its fork or PSYNC offset on). */
  reader: BacklogReader | null = null;
  /** Diskless transfer done: stream starts at the replica's first ACK. */
  startStreamOnAck = false;
  /**
   * Diskless transfer: when the socket last took part of a piece of the RDB pipe and left the rest
   * (repl_last_partial_write; 0 when it holds nothing), and how much it held then.
   */
  lastPartialWriteMs = 0;
  pipeBytesLeft = 0;
  /** send_bulk: the RDB file being written to the socket (its size and keys, for the online event). */
  bulk: { readonly bytes: number; readonly keys: number } | null = null;
  /** Attached with the old SYNC command: no +FULLRESYNC, no ACK timeouts. */
  readonly preSync: boolean;

  constructor(state: ReplicaSyncState, nowMs: number, preSync: boolean) {
    this.state = state;
    this.ackTimeMs = nowMs;
    this.preSync = preSync;
  }

  /** True once the replica is streaming (or about to stream at its first ACK). */
  get online(): boolean {
    return this.state === "online";
  }

  /** The name INFO uses. */
  get infoState(): string {
    switch (this.state) {
      case "wait_bgsave_start":
      case "wait_bgsave_end":
        return "wait_bgsave";
      case "send_bulk":
        return "send_bulk";
      case "online":
        return "online";
    }
  }
}
