/**
 * The sequence diagram and the protocol comparison over REST (issue 10): the messages of every
 * replication link of a lab up to a moment (`GET /api/labs/:lab/sequence`), and one lab's story
 * told under every protocol (`POST /api/labs/:lab/compare`). The engine reads both from the bytes
 * its world carried; these are their JSON shapes.
 */

/** What a message is, in the protocol's terms (see the engine's `WireMessageKind`). */
export type SequenceMessageKind =
  | "connect"
  | "refused"
  | "close"
  | "command"
  | "reply"
  | "rdb"
  | "newline"
  | "stream"
  | "ping"
  | "ack"
  | "getack"
  | "copy"
  | "binlog"
  | "noop"
  | "out-of-sync";

/** One arrow: from one node (or outside address) to another, sent and received in virtual ms. */
export interface SequenceMessage {
  readonly seq: number;
  readonly conn: number;
  readonly from: string;
  readonly to: string;
  readonly kind: SequenceMessageKind;
  /** The protocol's words: `PSYNC 3f2a… 312`, `+CONTINUE`, `RDB 195 bytes REDIS0008`, `SET k v`. */
  readonly text: string;
  readonly sentMs: number;
  readonly receivedMs: number;
  readonly bytes: number;
  /** Units batched into this arrow (stream writes, newlines, copied keys). */
  readonly count: number;
  /** The exact bytes, escaped (\r \n \xHH), cut at 512 bytes; an RDB as its header and size. */
  readonly raw: string;
  readonly rawTruncated: boolean;
  readonly offsets?: { readonly before: number; readonly after: number };
  /** A batch's first units in words, to open it (at most 20; `count` is the total). */
  readonly items?: readonly string[];
  /**
   * Seqs of the lab's events caused with this message (the engine links them by node step): what
   * the sender reported in the step that sent it, and the receiver in the step that read it.
   */
  readonly events: readonly number[];
  /** What went wrong, if anything (see {@link SequenceFault}). */
  readonly fault?: SequenceFault;
}

/**
 * `lost-reset`, `lost-closed`, `lost-crashed`: sent, never read (the connection was already reset,
 * the receiver had closed it, the receiver had crashed); on a close, `crash` (the sender was
 * killed: its connections reset) or `timeout` (the sender gave up on a silent peer).
 */
export type SequenceFault = "lost-reset" | "lost-closed" | "lost-crashed" | "crash" | "timeout";

/** A lane of the diagram. */
export interface SequenceLane {
  /** A node id, or an outside server's address. */
  readonly id: string;
  readonly name: string;
  readonly version: string | null;
}

/** `GET /api/labs/:lab/sequence?atMs=&fromMs=&limit=`. */
export interface SequenceView {
  /** The moment read up to (virtual ms). */
  readonly timeMs: number;
  readonly lanes: readonly SequenceLane[];
  /** Messages sent in [fromMs, timeMs], oldest first; the newest `limit` when there are more. */
  readonly messages: readonly SequenceMessage[];
  /** Messages in the window left out by `limit`, plus those the server no longer keeps. */
  readonly omitted: number;
}

/** A resync in a comparison lane. */
export interface CompareSyncView {
  readonly kind: "full" | "partial";
  readonly replica: string;
  readonly master: string;
  readonly atMs: number;
  readonly doneMs: number;
  readonly bytes: number;
}

/** What one protocol's telling of the story cost. */
export interface CompareFiguresView {
  readonly fullSyncs: number;
  readonly partialSyncs: number;
  readonly resyncBytes: number;
  readonly convergedAtMs: number | null;
  readonly keys: Readonly<Record<string, number | null>>;
  readonly keysBehind: number;
}

export type CompareLaneView =
  | { readonly version: string; readonly ok: true; readonly figures: CompareFiguresView; readonly syncs: readonly CompareSyncView[]; readonly notes: readonly string[]; readonly timeMs: number }
  | { readonly version: string; readonly ok: false; readonly reason: string };

/** `POST /api/labs/:lab/compare` `{ versions?, atMs? }`. */
export interface CompareView {
  readonly timeMs: number;
  /** Node ids to names, for the lanes' figures. */
  readonly names: Readonly<Record<string, string>>;
  readonly lanes: readonly CompareLaneView[];
}
