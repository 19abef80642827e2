/**
 * The server's store: a SQLite database in the data directory, written by a worker thread
 * (`store-worker.ts`) so that the thread running the labs never waits on a disk.
 *
 * One server per data directory: `server.pid` holds the owner's process id, and a directory whose
 * owner is alive is refused. A stale owner (a server killed with SIGKILL) leaves the pid file and
 * perhaps the database's lock directory (`labs.sqlite.lock`, how the WebAssembly SQLite locks):
 * both are cleared, and SQLite rolls back a write the crash interrupted from its journal.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packInputs, type LabWrite, type PackedLabWrite, type StoreRequest, type StoreResponse, type StoreWorkerData, type StoredRows } from "./store-protocol.ts";

const DATABASE = "labs.sqlite";
const PID_FILE = "server.pid";

/** Distributes the worker's answers to the requests waiting for them. */
interface Waiting {
  resolve(response: StoreResponse): void;
  reject(error: Error): void;
}

/** What a request asks for, without its id. */
type Ask = StoreRequest extends infer R ? (R extends { readonly id: number } ? Omit<R, "id"> : never) : never;

export class LabStore {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    /** The data directory. */
    readonly dir: string,
  ) {
    worker.on("message", (response: StoreResponse) => {
      const waiting = this.waiting.get(response.id);
      this.waiting.delete(response.id);
      waiting?.resolve(response);
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(new Error(`the store's worker exited (${code})`));
    });
  }

  /** Opens (creating it if need be) the store in `dir`; fails if another live server owns it. */
  static async open(dir: string): Promise<LabStore> {
    mkdirSync(dir, { recursive: true });
    claim(dir);
    // A lock left by a server that died holding it would keep the database shut for ever.
    rmSync(join(dir, `${DATABASE}.lock`), { recursive: true, force: true });
    const data: StoreWorkerData = { file: join(dir, DATABASE) };
    // The worker is TypeScript too: a two-line bootstrap gives its thread the loader the server
    // runs with (tsx), then loads it. (Workers do not inherit `--import` hooks in Node 20.)
    const tsx = tsxEsmApi();
    const entry = new URL("./store-worker.ts", import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: data });
    worker.unref();
    const store = new LabStore(worker, dir);
    // The first answer says the database opened.
    await store.request({ op: "write", labs: [] });
    return store;
  }

  async load(): Promise<readonly StoredRows[]> {
    return (await this.request({ op: "load" })).rows ?? [];
  }

  /**
   * One transaction: every lab's share lands, or none does. The chunks' inputs cross to the worker
   * packed (`packInputs`): their buffers are handed over, not copied.
   */
  async write(labs: readonly LabWrite[]): Promise<void> {
    const transfer: ArrayBuffer[] = [];
    const packed = labs.map(({ chunk, ...lab }): PackedLabWrite => (chunk === undefined ? lab : { ...lab, chunk: { seq: chunk.seq, first: chunk.first, inputs: packInputs(chunk.inputs, transfer) } }));
    await this.request({ op: "write", labs: packed }, transfer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request({ op: "close" });
    } finally {
      this.closed = true;
      await this.worker.terminate();
      rmSync(join(this.dir, PID_FILE), { force: true });
    }
  }

  private request(ask: Ask, transfer: readonly ArrayBuffer[] = []): Promise<StoreResponse & { ok: true }> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (response) => (response.ok ? resolve(response) : reject(new Error(response.error))),
        reject,
      });
      this.worker.postMessage({ ...ask, id } as StoreRequest, transfer);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** The file URL of tsx's ESM API (its `register()`), read from tsx's own exports map. */
export function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("tsx/package.json");
  const exports = (require("tsx/package.json") as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports["./esm/api"]!.import.default)).href;
}

/** Makes this process the data directory's owner, or says which live process is. */
function claim(dir: string): void {
  const file = join(dir, PID_FILE);
  let owner = NaN;
  try {
    owner = Number(readFileSync(file, "utf8").trim());
  } catch {
    // No owner yet.
  }
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
    throw new Error(`the data directory ${dir} is in use by process ${owner} (another Replica Lab server); set REPLICA_LAB_DATA_DIR to another directory`);
  }
  writeFileSync(file, `${process.pid}\n`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
