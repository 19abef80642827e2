/**
 * Trace events: the node's own account of what it did and why, in the words an operator would use.
 * Every event carries a ready-made `message`; the other fields let a UI filter and draw.
 */

interface TraceBase {
  /** Explanation for humans, e.g. "partial resync refused: offset 1203 precedes the backlog's first byte 16385". */
  readonly message: string;
  /**
   * How redis's own log names the peer, where that differs from `peer`: a replica that announced
   * no listening port is `ip:<unknown-replica-port>` there (replicationGetSlaveName).
   */
  readonly redisPeer?: string;
}

export type TraceEvent =
  | (TraceBase & {
      readonly kind: "role";
      readonly role: "master" | "replica";
      readonly masterAddress: string | null;
      /** The client whose REPLICAOF did it, as CLIENT LIST shows it (redis logs it: catClientInfoString). */
      readonly requestedBy?: string;
    })
  | (TraceBase & {
      readonly kind: "replid";
      readonly replid: string;
      readonly replid2: string;
      readonly secondReplOffset: number;
      readonly cause: "backlog-created" | "backlog-freed" | "promoted" | "full-sync" | "continue-new-id" | "startup";
    })
  | (TraceBase & { readonly kind: "link"; readonly state: ReplicaLinkPhase; readonly masterAddress: string; readonly load?: RdbLoadTrace })
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
      /** Master side, PSYNC: what the replica asked for (`replid` and `offset` are the master's own). */
      readonly requested?: { readonly replid: string; readonly offset: number };
      /** Master side, PSYNC: the master's second id and the offset up to which it is valid. */
      readonly replid2?: string;
      readonly secondReplidOffset?: number;
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
  | (TraceBase & {
      readonly kind: "rdb";
      readonly side: "master" | "replica";
      readonly peer: string;
      readonly bytes: number;
      readonly keys: number;
      readonly mode: "disk" | "diskless";
      /** A replica whose load took time (a `link` event with `load` began it): how it loaded. */
      readonly load?: RdbLoadMode;
    })
  | (TraceBase & {
      readonly kind: "replica-state";
      readonly peer: string;
      readonly state: string;
      /** Master side, a replica starting to wait for a full sync: why it gets one. */
      readonly reason?: FullResyncReason;
    })
  | (TraceBase & { readonly kind: "timeout"; readonly side: "master" | "replica"; readonly peer: string })
  | (TraceBase & { readonly kind: "disconnect"; readonly peer: string; readonly side: "master" | "replica" })
  | (TraceBase & { readonly kind: "backlog"; readonly action: "created" | "freed" | "resized"; readonly firstByteOffset: number })
  | (TraceBase & { readonly kind: "persistence"; readonly action: "save" | "load" | "save-point" | "config-rewrite"; readonly keys: number; readonly file: string })
  | (TraceBase & { readonly kind: "warning"; readonly code: string })
  | (TraceBase & {
      readonly kind: "binlog-sync";
      readonly side: "master" | "replica";
      /** The other end of the link (the slave as the master sees it, or the master). */
      readonly peer: string;
      readonly decision: BinlogSyncDecision;
      /** The seq the decision is about: the slave's last_seq, or the master's cursor. */
      readonly seq: number;
      /** The master's binlog window [min_seq, max_seq] when it decided. */
      readonly minSeq?: number;
      readonly maxSeq?: number;
    })
  | (TraceBase & {
      readonly kind: "propagation";
      /** The command as the client sent it (arguments as text, long ones cut). */
      readonly command: readonly string[];
      /** What replicas got instead, or null when the command itself was not propagated. */
      readonly propagated: readonly string[] | null;
      readonly reason: string;
    });

/**
 * What an SSDB master decided for a slave's `sync140`, or what a slave learnt from its master
 * (binlog replication: a copy, a resume from a seq, an out-of-sync verdict).
 */
export type BinlogSyncDecision =
  /** A full copy starts (`copy_begin`). */
  | "copy-begin"
  /** An interrupted copy continues after the slave's last_key. */
  | "copy-recover"
  /** The slave's last_seq is in the binlog: streaming resumes with no copy. */
  | "sync-recover"
  /** The copy is complete (`copy_end`): binlog streaming from here. */
  | "copy-end"
  /** The needed records are gone (or never existed): replication stops until a human resets the slave. */
  | "out-of-sync"
  /** Seed 002: out of sync, so the master resets the slave and copies again by itself. */
  | "recopy"
  /** Seed 002: a send failed mid-copy; the pinned snapshot is kept, marked ABORT, for a resume. */
  | "snapshot-abort"
  /** Seed 002: a reconnecting slave resumes the copy on its pinned snapshot. */
  | "snapshot-resume"
  /** Seed 002: an aborted snapshot was released after its timeout. */
  | "snapshot-released"
  /** The master noticed that a slave is gone (its second failed send) and dropped it. */
  | "slave-gone";

/** Why a master answered PSYNC with a full resync. */
export type FullResyncReason =
  | "no-replid"
  | "replid-mismatch"
  | "replid2-offset-too-high"
  | "no-backlog"
  | "offset-before-backlog"
  | "offset-after-backlog"
  | "sync-command";

/** How a replica loads a full sync's RDB: from the file once on disk, from the socket into its dataset, or beside it (swapdb). */
export type RdbLoadMode = "disk" | "diskless" | "swapdb";

/** A replica's RDB load beginning (link state `loading`) or failing (state `connect`). */
export interface RdbLoadTrace {
  readonly mode: RdbLoadMode;
  /** async_loading: the old dataset serves reads meanwhile. */
  readonly async: boolean;
  /** The RDB came with an EOF mark (diskless master), not a length. */
  readonly eofFormat: boolean;
  /** The announced length (0 with an EOF mark). */
  readonly bytes: number;
}

/**
 * Coarse phase of a replica's link, as ROLE names it; `loading` is the part of ROLE's `sync` where
 * the replica loads the RDB (INFO loading:1 or async_loading:1), which ROLE still calls `sync`.
 */
export type ReplicaLinkPhase = "none" | "connect" | "connecting" | "handshake" | "sync" | "loading" | "connected";
