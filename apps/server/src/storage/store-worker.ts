/**
 * The store's worker thread: owns the SQLite database (node-sqlite3-wasm: SQLite compiled to
 * WebAssembly, writing through Node's file system) and answers `StoreRequest`s in order. Each
 * write is one transaction, so a crash loses a whole write or nothing. The inputs of a write come as
 * they are and are encoded here, off the labs' thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import sqlite from "node-sqlite3-wasm";
import { encodeLabInput, type LabInput } from "@replica-lab/engine";
import type { StoreRequest, StoreResponse, StoreWorkerData, StoredRows } from "./store-protocol.ts";

const SCHEMA_VERSION = "1";
const { file } = workerData as StoreWorkerData;
const db = new sqlite.Database(file);
db.exec(`
  CREATE TABLE IF NOT EXISTS store (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS labs (id TEXT PRIMARY KEY, meta TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS chunks (lab TEXT NOT NULL, seq INTEGER NOT NULL, first INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (lab, seq)) WITHOUT ROWID;
`);
const version = db.get("SELECT value FROM store WHERE key = 'schema'");
if (version === null) db.run("INSERT INTO store (key, value) VALUES ('schema', ?)", [SCHEMA_VERSION]);
else if (version.value !== SCHEMA_VERSION) throw new Error(`${file} holds schema ${String(version.value)}; this server reads ${SCHEMA_VERSION}`);

const upsertLab = db.prepare("INSERT INTO labs (id, meta) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET meta = excluded.meta");
// The body is bound as its UTF-8 bytes and made TEXT by SQLite (a BLOB cast to TEXT is read in the
// database's encoding, UTF-8): the row holds the same text, and the bytes are copied into the
// WebAssembly heap in one piece instead of being measured and encoded a character at a time in
// JavaScript (which cost this thread about a microsecond per pipelined SET, issue 12).
const insertChunk = db.prepare("INSERT OR REPLACE INTO chunks (lab, seq, first, body) VALUES (?, ?, ?, CAST(? AS TEXT))");
const deleteChunks = db.prepare("DELETE FROM chunks WHERE lab = ?");
const deleteLab = db.prepare("DELETE FROM labs WHERE id = ?");

function load(): StoredRows[] {
  const labs = db.all("SELECT id, meta FROM labs ORDER BY id");
  return labs.map((lab) => ({
    labId: String(lab.id),
    meta: String(lab.meta),
    chunks: db.all("SELECT seq, first, body FROM chunks WHERE lab = ? ORDER BY seq", [String(lab.id)]).map((row) => ({ seq: Number(row.seq), first: Number(row.first), body: String(row.body) })),
  }));
}

/**
 * A chunk's `body`: its inputs as a recording writes them, one JSON array. A client's bytes (most
 * of a busy lab's log) are encoded with Node's own base64, the same standard padded alphabet as the
 * engine's portable encoder and many times faster, with the fields in `encodeLabInput`'s order.
 */
function chunkBody(inputs: readonly LabInput[]): Buffer {
  const entries: string[] = [];
  for (const input of inputs) {
    // A client's bytes are written out as JSON.stringify would write { op, t, conn, bytes }: base64
    // never needs escaping, so its (long) string is not scanned for characters to escape.
    if (input.op === "send") entries.push(`{"op":"send","t":${jsonNumber(input.t)},"conn":${jsonNumber(input.conn)},"bytes":"${Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength).toString("base64")}"}`);
    else entries.push(JSON.stringify(encodeLabInput(input)));
  }
  return Buffer.from(`[${entries.join(",")}]`, "utf8");
}

/** A number as JSON.stringify writes it (null when not finite). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

function handle(request: StoreRequest): StoreResponse {
  switch (request.op) {
    case "load":
      return { id: request.id, ok: true, rows: load() };
    case "write":
      db.exec("BEGIN");
      try {
        for (const lab of request.labs) {
          if (lab.deleted === true) {
            deleteChunks.run([lab.labId]);
            deleteLab.run([lab.labId]);
            continue;
          }
          if (lab.meta !== undefined) upsertLab.run([lab.labId, lab.meta]);
          if (lab.replaceChunks === true) deleteChunks.run([lab.labId]);
          if (lab.chunk !== undefined) insertChunk.run([lab.labId, lab.chunk.seq, lab.chunk.first, chunkBody(lab.chunk.inputs)]);
        }
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
      return { id: request.id, ok: true };
    case "close":
      for (const statement of [upsertLab, insertChunk, deleteChunks, deleteLab]) statement.finalize();
      db.close();
      return { id: request.id, ok: true };
  }
}

parentPort!.on("message", (request: StoreRequest) => {
  let response: StoreResponse;
  try {
    response = handle(request);
  } catch (error) {
    response = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response);
});
