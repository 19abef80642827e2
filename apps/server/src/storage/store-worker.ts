/**
 * The store's worker thread: owns the SQLite database (node-sqlite3-wasm: SQLite compiled to
 * WebAssembly, writing through Node's file system) and answers `StoreRequest`s in order. Each
 * write is one transaction, so a crash loses a whole write or nothing. The inputs of a write come
 * packed (`packInputs`) and are encoded here, off the labs' thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import sqlite from "node-sqlite3-wasm";
import { encodeLabInput } from "@replica-lab/engine";
import { Row, ROW_WIDTH, type PackedInputs, type StoreRequest, type StoreResponse, type StoreWorkerData, type StoredRows } from "./store-protocol.ts";

const SCHEMA_VERSION = "1";
const { file } = workerData as StoreWorkerData;
const db = new sqlite.Database(file);
// A new database gets 64 KiB pages (SQLite's largest; an existing one keeps its own): a busy lab
// writes megabytes of log a second, and SQLite writes and journals page by page, each page one
// call into Node's file system from WebAssembly (twelve writes of a 10 MB body: 520 ms of this
// thread's CPU with 4 KiB pages, 345 ms with these).
db.exec("PRAGMA page_size = 65536");
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
 * A chunk's `body`: its inputs as a recording writes them, one JSON array, written straight into
 * one buffer. The packed rows (a client's bytes, runs of time, acknowledgements) are written out
 * as JSON.stringify writes `encodeLabInput`'s objects, fields in its order, numbers as JSON writes
 * them; a client's bytes are encoded with Node's own base64, the same standard padded alphabet as
 * the engine's portable encoder and many times faster, and never need escaping. Other inputs go
 * through `encodeLabInput` and JSON.stringify.
 */
function chunkBody(packed: PackedInputs): Buffer {
  const { rows, others } = packed;
  const bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  const count = rows.length / ROW_WIDTH;
  // Each entry's text but a client's base64 (which follows its text), and the body's size.
  const texts: string[] = new Array<string>(count);
  let size = count === 0 ? 2 : count + 1;
  let other = 0;
  for (let i = 0, row = 0; i < count; i++, row += ROW_WIDTH) {
    const t = jsonNumber(rows[row + 1]!);
    let text: string;
    switch (rows[row]) {
      case Row.Send:
        text = `{"op":"send","t":${t},"conn":${jsonNumber(rows[row + 2]!)},"bytes":"`;
        size += text.length + 4 * Math.ceil(rows[row + 3]! / 3) + 2;
        break;
      case Row.RunUntil:
        text = `{"op":"run-until","t":${t},"untilMs":${jsonNumber(rows[row + 2]!)}}`;
        size += text.length;
        break;
      case Row.Steps:
        text = `{"op":"steps","t":${t},"count":${jsonNumber(rows[row + 2]!)}}`;
        size += text.length;
        break;
      case Row.Ack:
        text = `{"op":"ack","t":${t},"conn":${jsonNumber(rows[row + 2]!)},"bytes":${jsonNumber(rows[row + 3]!)}}`;
        size += text.length;
        break;
      default:
        text = JSON.stringify(encodeLabInput(others[other++]!));
        size += Buffer.byteLength(text, "utf8");
    }
    texts[i] = text;
  }
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  let from = 0;
  body[at++] = 0x5b; // [
  for (let i = 0, row = 0; i < count; i++, row += ROW_WIDTH) {
    if (i > 0) body[at++] = 0x2c; // ,
    if (rows[row] === Row.Send) {
      at += body.write(texts[i]!, at, "latin1");
      const to = from + rows[row + 3]!;
      at += body.write(bytes.toString("base64", from, to), at, "latin1");
      from = to;
      body[at++] = 0x22; // "
      body[at++] = 0x7d; // }
    } else at += body.write(texts[i]!, at, rows[row] === Row.Other ? "utf8" : "latin1");
  }
  body[at++] = 0x5d; // ]
  return body;
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
