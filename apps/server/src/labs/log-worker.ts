/**
 * A worker thread that replays labs' logs away from the labs' thread (the comparison's,
 * `compare-worker-pool.ts`, and the sequence diagram's, `sequence-worker-pool.ts`): it keeps a
 * copy of each lab's log it was sent, so a live lab is sent only the entries added since (plus the
 * last one again: a run of time merges into the entry before it). Logs go in chunks, the thread
 * yielding between them, so even a first long log is never one long copy.
 *
 * Questions carry an `id`; the worker's replies name it. A worker that fails or exits rejects every
 * question on the way with `internal-error` (the lab is untouched) and is not used again.
 */
import { Worker } from "node:worker_threads";
import { setImmediate as yieldTurn } from "node:timers/promises";
import type { Lab, LabInput, LabOrigin } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";
import { tsxEsmApi } from "../storage/lab-store.ts";

/** A lab's log entries from `from` on, as the worker should hold them (earlier ones it has). */
export interface LogPart {
  readonly labId: string;
  readonly origin: LabOrigin;
  readonly from: number;
  readonly inputs: readonly LabInput[];
}

export class LogWorker<Reply extends { readonly id: number }> {
  private readonly worker: Worker;
  /** Per lab: the lab object whose log the worker holds, and how many entries of it. */
  readonly sent = new Map<string, { readonly lab: Lab; readonly count: number }>();
  private readonly replies = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private nextId = 1;
  /** False once the worker failed, exited or was stopped. */
  alive = true;

  /** Starts the worker `entry`; `what` names it in errors ("the comparison"). */
  constructor(
    entry: URL,
    private readonly what: string,
  ) {
    // The worker is TypeScript: as for the store's worker, a bootstrap gives its thread tsx.
    const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
    this.worker = new Worker(bootstrap, { eval: true });
    this.worker.unref();
    this.worker.on("message", (reply: Reply) => {
      const waiter = this.replies.get(reply.id);
      this.replies.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.worker.on("error", (error) => this.lost(new ApiFailure("internal-error", `${what}'s worker failed (${error.message}); the lab is untouched, ask again`)));
    this.worker.on("exit", (code) => this.lost(new ApiFailure("internal-error", `${what}'s worker exited (${code}); the lab is untouched, ask again`)));
  }

  /** Questions waiting for their answers. */
  get waiting(): number {
    return this.replies.size;
  }

  /**
   * Posts, as `append` requests, the part of the lab's log the worker lacks but the last
   * `chunkEntries` entries (or fewer), a turn of the event loop between chunks; returns that last
   * part, for the question that follows. Until then the worker's copy is unknown (`sent` has no
   * entry for the lab).
   */
  async sendLog(labId: string, lab: Lab, chunkEntries: number, append: (part: LogPart) => unknown): Promise<LogPart> {
    const end = lab.inputs.length;
    const held = this.sent.get(labId);
    // The last entry held is sent again: a run of time may have merged into it since.
    let from = held !== undefined && held.lab === lab && held.count <= end ? Math.max(0, held.count - 1) : 0;
    this.sent.delete(labId);
    const origin = lab.creation;
    while (end - from > chunkEntries) {
      const to = from + chunkEntries;
      this.worker.postMessage(append({ labId, origin, from, inputs: entries(lab, from, to) }));
      from = to;
      // Copying a chunk takes a few ms of this thread; the labs run between chunks.
      await yieldTurn();
      if (!this.alive) throw new ApiFailure("internal-error", `${this.what}'s worker stopped while the log was sent`);
    }
    return { labId, origin, from, inputs: entries(lab, from, end) };
  }

  /** Posts `question(id)` and resolves with the worker's reply to it. */
  ask(question: (id: number) => unknown): Promise<Reply> {
    if (!this.alive) return Promise.reject(new ApiFailure("internal-error", `${this.what}'s worker stopped`));
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.replies.set(id, { resolve, reject }));
    this.worker.postMessage(question(id));
    return reply;
  }

  /** Posts a message that has no answer. */
  post(message: unknown): void {
    if (this.alive) this.worker.postMessage(message);
  }

  /** Stops the worker; questions on the way are rejected with `failure`. */
  async stop(failure: ApiFailure): Promise<void> {
    this.lost(failure);
    await this.worker.terminate();
  }

  private lost(failure: ApiFailure): void {
    this.alive = false;
    for (const waiter of this.replies.values()) waiter.reject(failure);
    this.replies.clear();
  }
}

/** Entries [from, to) of the lab's log (read one by one: no copy of the whole log). */
function entries(lab: Lab, from: number, to: number): LabInput[] {
  const out: LabInput[] = [];
  for (let i = from; i < to; i++) out.push(lab.inputs.at(i)!);
  return out;
}

/** A pool's worker: started when a question needs it, stopped after `idleMs` without any. */
export class WorkerSlot<Reply extends { readonly id: number }> {
  private running: LogWorker<Reply> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly entry: URL,
    private readonly what: string,
    private readonly idleMs: number,
  ) {}

  /** The worker running now, if any. */
  get current(): LogWorker<Reply> | null {
    return this.running;
  }

  /** The worker, started if need be (a failed one is replaced); it is not idle meanwhile. */
  take(): LogWorker<Reply> {
    this.disarm();
    if (this.running === null || !this.running.alive) this.running = new LogWorker(this.entry, this.what);
    return this.running;
  }

  /** Stops the worker after `idleMs` unless `busy()` by then (or taken again). */
  idle(busy: () => boolean): void {
    if (this.running === null || this.idleTimer !== null) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (!busy()) void this.stop(new ApiFailure("internal-error", `${this.what}'s worker was stopped`));
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Stops the worker; its questions on the way are rejected with `failure`. */
  async stop(failure: ApiFailure): Promise<void> {
    this.disarm();
    const running = this.running;
    this.running = null;
    await running?.stop(failure);
  }

  private disarm(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
