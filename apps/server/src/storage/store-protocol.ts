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
 * A write carries a chunk's inputs packed (`packInputs`): the common ones (a client's bytes, runs of
 * time, acknowledgements) as rows of numbers and their bytes end to end in one buffer, both handed
 * over without a copy, and the rest as they are (a structured clone: bytes stay bytes). The worker
 * encodes them (JSON, base64 of every byte string), so the labs' thread never does (issue 12: that
 * encoding was an eighth of its time under a pipelining client, and cloning every client write as
 * its own object another 17 ms per half second of `redis-benchmark -P 16`).
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

/** A lab's write as it crosses to the worker: its chunk's inputs packed. */
export interface PackedLabWrite extends Omit<LabWrite, "chunk"> {
  readonly chunk?: { readonly seq: number; readonly first: number; readonly inputs: PackedInputs };
}

export type StoreRequest =
  | { readonly id: number; readonly op: "load" }
  | { readonly id: number; readonly op: "write"; readonly labs: readonly PackedLabWrite[] }
  | { readonly id: number; readonly op: "close" };

export type StoreResponse =
  | { readonly id: number; readonly ok: true; readonly rows?: readonly StoredRows[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What the worker is started with. */
export interface StoreWorkerData {
  readonly file: string;
}

/**
 * A chunk's inputs in a form that crosses to the worker in one piece: `rows` holds four numbers per
 * input, in order: its kind (`Row`), its `t`, and two fields; the bytes of `send` rows lie end to
 * end in `bytes`; an input of kind `Row.Other` is the next of `others`, as it is.
 */
export interface PackedInputs {
  readonly rows: Float64Array;
  readonly bytes: Uint8Array;
  readonly others: readonly LabInput[];
}

/** The kind of a packed row, and what its two fields hold. */
export const Row = {
  /** The next of `others`. */
  Other: 0,
  /** `conn`, and how many bytes of `bytes` it takes. */
  Send: 1,
  /** `untilMs`. */
  RunUntil: 2,
  /** `count`. */
  Steps: 3,
  /** `conn`, `bytes` (a count). */
  Ack: 4,
} as const;

/** Numbers per packed row. */
export const ROW_WIDTH = 4;

/** Packs inputs for the worker (see `PackedInputs`); `transfer` gets the buffers to hand over. */
export function packInputs(inputs: readonly LabInput[], transfer: ArrayBuffer[]): PackedInputs {
  let byteCount = 0;
  for (const input of inputs) if (input.op === "send") byteCount += input.bytes.byteLength;
  const rows = new Float64Array(inputs.length * ROW_WIDTH);
  const bytes = new Uint8Array(byteCount);
  const others: LabInput[] = [];
  let at = 0;
  let row = 0;
  for (const input of inputs) {
    rows[row + 1] = input.t;
    switch (input.op) {
      case "send":
        rows[row] = Row.Send;
        rows[row + 2] = input.conn;
        rows[row + 3] = input.bytes.byteLength;
        bytes.set(input.bytes, at);
        at += input.bytes.byteLength;
        break;
      case "run-until":
        rows[row] = Row.RunUntil;
        rows[row + 2] = input.untilMs;
        break;
      case "steps":
        rows[row] = Row.Steps;
        rows[row + 2] = input.count;
        break;
      case "ack":
        rows[row] = Row.Ack;
        rows[row + 2] = input.conn;
        rows[row + 3] = input.bytes;
        break;
      default:
        rows[row] = Row.Other;
        others.push(input);
    }
    row += ROW_WIDTH;
  }
  transfer.push(rows.buffer, bytes.buffer);
  return { rows, bytes, others };
}
