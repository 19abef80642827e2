/**
 * Trace events: the node's own account of what it did and why, in the words an operator would use.
 * Every event carries a ready-made `message`; the other fields let a UI filter and draw.
 */

interface TraceBase {
  /** Explanation for humans, e.g. "partial resync refused: offset 1203 precedes the backlog's first byte 16385". */
  readonly message: string;
}

export type TraceEvent =
  | (TraceBase & { readonly kind: "role"; readonly role: "master" | "replica"; readonly masterAddress: string | null })
  | (TraceBase & {
      readonly kind: "replid";
      readonly replid: string;
      readonly replid2: string;
      readonly secondReplOffset: number;
      readonly cause: "backlog-created" | "backlog-freed" | "promoted" | "full-sync" | "continue-new-id" | "startup";
    })
  | (TraceBase & { readonly kind: "link"; readonly state: ReplicaLinkPhase; readonly masterAddress: string })
  | (TraceBase & {
      readonly kind: "psync-request";
      readonly side: "replica";
      readonly replid: string;
      readonly offset: number;
      readonly masterAddress: string;
    })
  | (TraceBase & {
      readonly kind: "full-resync";
      readonly side: "master" | "replica";
      readonly peer: string;
      readonly replid: string;
      readonly offset: number;
      readonly reason: FullResyncReason;
      /** Master side: the backlog's first byte when the replica asked (0 without a backlog). */
      readonly backlogFirstByte?: number;
    })
  | (TraceBase & {
      readonly kind: "partial-resync";
      readonly side: "master" | "replica";
      readonly peer: string;
      readonly replid: string;
      readonly offset: number;
      readonly backlogBytes: number;
      /** Master side: the backlog window the offset fell in. */
      readonly backlogFirstByte?: number;
      readonly backlogLastByte?: number;
    })
  | (TraceBase & { readonly kind: "rdb"; readonly side: "master" | "replica"; readonly peer: string; readonly bytes: number; readonly keys: number; readonly mode: "disk" | "diskless" })
  | (TraceBase & { readonly kind: "replica-state"; readonly peer: string; readonly state: string })
  | (TraceBase & { readonly kind: "timeout"; readonly side: "master" | "replica"; readonly peer: string })
  | (TraceBase & { readonly kind: "disconnect"; readonly peer: string; readonly side: "master" | "replica" })
  | (TraceBase & { readonly kind: "backlog"; readonly action: "created" | "freed" | "resized"; readonly firstByteOffset: number })
  | (TraceBase & { readonly kind: "persistence"; readonly action: "save" | "load" | "save-point" | "config-rewrite"; readonly keys: number; readonly file: string })
  | (TraceBase & { readonly kind: "warning"; readonly code: string });

/** Why a master answered PSYNC with a full resync. */
export type FullResyncReason =
  | "no-replid"
  | "replid-mismatch"
  | "replid2-offset-too-high"
  | "no-backlog"
  | "offset-before-backlog"
  | "offset-after-backlog"
  | "sync-command";

/** Coarse phase of a replica's link, as ROLE names it. */
export type ReplicaLinkPhase = "none" | "connect" | "connecting" | "handshake" | "sync" | "connected";
