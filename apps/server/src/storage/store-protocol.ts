/**
 * Messages between the server and its store's worker thread (`store-worker.ts`). The worker owns
 * the SQLite database, so no write ever blocks the thread that runs the labs.
 *
 * The database (`labs.sqlite` in the data directory):
 * - `labs(id, meta)`: one row per lab, `meta` the JSON of {@link StoredMeta} (`lab-persistence.ts`);
 * - `chunks(lab, seq, first, body)`: the lab's input log in the order written, each chunk the JSON
 *   array of inputs `first`, `first + 1`, ... as recordings encode them. A later chunk may start
 *   one entry before where the previous one ended: the log merges a run of time into its last
 *   entry, so that entry is written again when it grew;
 * - `store(key, value)`: the schema version.
 *
 * A write carries a chunk's inputs as they are (a structured clone: bytes stay bytes); the worker
 * encodes them (JSON, base64 of every byte string), so the labs' thread never does (issue 12: that
 * encoding was an eighth of its time under a pipelining client).
 */
import type { LabInput } from "@replica-lab/engine";

/** One lab's share of a write. */
export interface LabWrite {
  readonly labId: string;
  /** The lab's metadata, when it changed. */
  readonly meta?: string;
  /** Inputs `first`, `first + 1`, ... of the lab's log, stored as the chunk's `body`. */
  readonly chunk?: { readonly seq: number; readonly first: number; readonly inputs: readonly LabInput[] };
  /** Drop every chunk of the lab first (the chunk that follows then holds its whole log). */
  readonly replaceChunks?: boolean;
  /** The lab is gone: its rows go. */
  readonly deleted?: boolean;
}

/** A lab as the store holds it. */
export interface StoredRows {
  readonly labId: string;
  readonly meta: string;
  /** In `seq` order. */
  readonly chunks: readonly { readonly seq: number; readonly first: number; readonly body: string }[];
}

export type StoreRequest =
  | { readonly id: number; readonly op: "load" }
  | { readonly id: number; readonly op: "write"; readonly labs: readonly LabWrite[] }
  | { readonly id: number; readonly op: "close" };

export type StoreResponse =
  | { readonly id: number; readonly ok: true; readonly rows?: readonly StoredRows[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What the worker is started with. */
export interface StoreWorkerData {
  readonly file: string;
}
