/**
 * PSYNC2's partial-resynchronization rule (4.0 on; replication.c masterTryPartialResynchronization),
 * shared by the ring-backlog 4.0 and the block-backlog 7.0: a replica may continue when it names
 * the master's replication id, or its previous id (replid2) up to the offset where that history
 * ended, and the offset it asks for is still in the backlog.
 */
import type { FullResyncReason } from "../../process/trace.ts";

/** What a master knows of its history when a PSYNC arrives. */
export interface Psync2History {
  readonly replid: string;
  readonly replid2: string;
  /** second_replid_offset: the first offset replid2 does not cover (-1: no replid2). */
  readonly secondReplidOffset: number;
  /** The backlog's window (repl_backlog_off and histlen), or null when there is none. */
  readonly backlog: { readonly firstByteOffset: number; readonly histlen: number } | null;
}

export type Psync2Decision = { readonly partial: true } | { readonly partial: false; readonly reason: FullResyncReason; readonly explanation: string };

function short(replid: string): string {
  return `${replid.slice(0, 6)}…`;
}

/** Whether `PSYNC <replid> <offset>` can continue (ids compared case-insensitively), with the reason it cannot in words. */
export function psync2Decision(history: Psync2History, replid: string, offset: number): Psync2Decision {
  const idLower = replid.toLowerCase();
  if (idLower !== history.replid) {
    if (replid === "?") return { partial: false, reason: "no-replid", explanation: "the replica has no replication id (PSYNC ? -1)" };
    if (idLower !== history.replid2) {
      return { partial: false, reason: "replid-mismatch", explanation: `replid ${short(replid)} unknown to this master (replid ${short(history.replid)}, replid2 ${short(history.replid2)})` };
    }
    if (offset > history.secondReplidOffset) {
      return {
        partial: false,
        reason: "replid2-offset-too-high",
        explanation: `replid ${short(replid)} is our previous id, but offset ${offset} is past where it ends (${history.secondReplidOffset})`,
      };
    }
  }
  const backlog = history.backlog;
  if (!backlog) return { partial: false, reason: "no-backlog", explanation: "this master has no backlog" };
  if (offset < backlog.firstByteOffset) {
    return { partial: false, reason: "offset-before-backlog", explanation: `offset ${offset} precedes the backlog's first byte ${backlog.firstByteOffset}` };
  }
  if (offset > backlog.firstByteOffset + backlog.histlen) {
    return { partial: false, reason: "offset-after-backlog", explanation: `offset ${offset} is beyond the end of the backlog (${backlog.firstByteOffset + backlog.histlen})` };
  }
  return { partial: true };
}
