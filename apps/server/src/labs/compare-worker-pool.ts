/**
 * Runs the protocol comparison (`POST /api/labs/:lab/compare`) on a worker thread
 * (`compare-worker.ts`) instead of the thread that runs every lab: telling a story of minutes five
 * times takes seconds, and no lab's RESP replies or WebSocket updates may wait that long (issue 12).
 *
 * - One worker, started at the first comparison and stopped after a while without any; it keeps
 *   each lab's log and is sent only what it lacks (`log-worker.ts`).
 * - Answers are cached per (lab, log length, moment, versions): the past does not change.
 * - Requests for the same answer share one run; a live request (no `atMs`) joins a live one of the
 *   same lab and versions still waiting (it gets the newer answer, which is the present it asked
 *   for). Jobs run one at a time; more than `maxQueued` waiting, or `maxQueuedPerLab` for one lab,
 *   is refused with `compare-busy` (503).
 * - A lab deleted meanwhile: its waiting jobs answer `unknown-lab` and a running one's answer is
 *   dropped the same way. A worker that throws or dies answers `internal-error` (500) for the job
 *   it ran; the next comparison starts a new worker. The lab itself is never touched.
 */
import type { Lab, NodeVersion } from "@replica-lab/engine";
import type { CompareView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import { WorkerSlot, type LogPart } from "./log-worker.ts";

/** A lab's log entries from `from` on, as the worker should hold them (earlier ones it has). */
export type CompareJob = LogPart;

/** What the pool posts to its worker. */
export type CompareWorkerRequest =
  | { readonly op: "append"; readonly job: CompareJob }
  | { readonly op: "compare"; readonly id: number; readonly job: CompareJob; readonly atMs: number; readonly versions: readonly NodeVersion[]; readonly names: Readonly<Record<string, string>> }
  | { readonly op: "forget"; readonly labId: string };

/** The worker's answer to a `compare`. */
export type CompareWorkerReply = { readonly id: number; readonly ok: true; readonly view: CompareView } | { readonly id: number; readonly ok: false; readonly error: string };

/** Tunables; tests shrink them and may point `entry` at a worker that fails. */
export interface ComparePoolOptions {
  /** The worker's module (default `compare-worker.ts`). */
  readonly entry: URL;
  /** Jobs waiting (not counting the one running) before new ones are refused. */
  readonly maxQueued: number;
  /** Jobs of one lab waiting before its new ones are refused. */
  readonly maxQueuedPerLab: number;
  /** Answers kept. */
  readonly cacheSize: number;
  /** Log entries per message to the worker. */
  readonly chunkEntries: number;
  /** A worker with no job for this long (wall ms) is stopped, with the logs it holds. */
  readonly idleMs: number;
}

export const DEFAULT_COMPARE_POOL: ComparePoolOptions = {
  entry: new URL("./compare-worker.ts", import.meta.url),
  maxQueued: 8,
  maxQueuedPerLab: 2,
  cacheSize: 32,
  chunkEntries: 4096,
  idleMs: 60_000,
};

/** A comparison asked for: the moment is the lab's present when the job starts if `atMs` is absent. */
export interface CompareAsk {
  readonly labId: string;
  readonly atMs: number | undefined;
  readonly versions: readonly NodeVersion[];
}

interface Waiter {
  readonly resolve: (view: CompareView) => void;
  readonly reject: (error: Error) => void;
}

interface Job {
  readonly ask: CompareAsk;
  /** For a fixed moment, its cache key (known when asked); a live job's is known when it starts. */
  readonly key: string | null;
  readonly waiters: Waiter[];
  /** Set when the lab is deleted: the answer, whenever it comes, is dropped. */
  dropped: boolean;
}

export class CompareWorkerPool {
  private readonly options: ComparePoolOptions;
  private readonly queue: Job[] = [];
  private active: Job | null = null;
  private readonly cache = new Map<string, CompareView>();
  /** A number per lab object, so a lab rebuilt under the same id never hits the old one's answers. */
  private readonly generations = new WeakMap<Lab, number>();
  private nextGeneration = 1;
  private readonly slot: WorkerSlot<CompareWorkerReply>;
  private closed = false;
  /** Comparisons the worker was asked for (not those answered from the cache or joined): for tests. */
  runs = 0;

  constructor(
    /** The lab with this id now, or undefined once deleted. */
    private readonly labOf: (labId: string) => Lab | undefined,
    options: Partial<ComparePoolOptions> = {},
  ) {
    this.options = { ...DEFAULT_COMPARE_POOL, ...options };
    this.slot = new WorkerSlot(this.options.entry, "the comparison", this.options.idleMs);
  }

  /** The comparison `ask` describes, from the cache, a run already under way or a new job. */
  compare(ask: CompareAsk): Promise<CompareView> {
    const lab = this.labOf(ask.labId);
    if (lab === undefined) return Promise.reject(new ApiFailure("unknown-lab", `no lab ${ask.labId}`));
    const key = this.keyOf(ask, lab, ask.atMs ?? lab.nowMs);
    const cached = this.cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const joined = this.joinable(ask, key);
    if (joined !== undefined) return new Promise((resolve, reject) => joined.waiters.push({ resolve, reject }));
    const waitingForLab = this.queue.filter((job) => job.ask.labId === ask.labId).length;
    if (this.queue.length >= this.options.maxQueued || waitingForLab >= this.options.maxQueuedPerLab) {
      const why = waitingForLab >= this.options.maxQueuedPerLab ? `${waitingForLab} comparisons of this lab are` : `${this.queue.length} comparisons are`;
      return Promise.reject(new ApiFailure("compare-busy", `${why} already waiting; ask again when one has answered`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ask, key: ask.atMs === undefined ? null : key, waiters: [{ resolve, reject }], dropped: false });
      this.pump();
    });
  }

  /** The lab is gone: its jobs answer `unknown-lab`, its answers and its log in the worker go. */
  forget(labId: string): void {
    const gone = new ApiFailure("unknown-lab", `lab ${labId} was deleted while its comparison waited`);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.ask.labId !== labId) continue;
      this.queue.splice(i, 1);
      for (const waiter of job.waiters) waiter.reject(gone);
    }
    if (this.active?.ask.labId === labId) this.active.dropped = true;
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${labId}|`)) this.cache.delete(key);
    if (this.slot.current?.sent.delete(labId) === true) this.slot.current.post({ op: "forget", labId } satisfies CompareWorkerRequest);
  }

  /** Stops the worker; waiting and running comparisons answer `internal-error`. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new ApiFailure("internal-error", "the server is closing");
    for (const job of this.queue.splice(0)) for (const waiter of job.waiters) waiter.reject(closing);
    await this.slot.stop(closing);
  }

  private keyOf(ask: CompareAsk, lab: Lab, atMs: number): string {
    let generation = this.generations.get(lab);
    if (generation === undefined) {
      generation = this.nextGeneration++;
      this.generations.set(lab, generation);
    }
    return `${ask.labId}|${generation}|${lab.inputs.length}|${atMs}|${ask.versions.join(",")}`;
  }

  /** A job the request can share: the same answer, or (live) a waiting live one of the same lab and versions. */
  private joinable(ask: CompareAsk, key: string): Job | undefined {
    if (ask.atMs !== undefined) {
      if (this.active?.key === key && !this.active.dropped) return this.active;
      return this.queue.find((job) => job.key === key);
    }
    const versions = ask.versions.join(",");
    return this.queue.find((job) => job.key === null && job.ask.labId === ask.labId && job.ask.versions.join(",") === versions);
  }

  private pump(): void {
    if (this.active !== null || this.closed) return;
    const job = this.queue.shift();
    if (job === undefined) {
      this.slot.idle(() => this.active !== null || this.queue.length > 0);
      return;
    }
    this.active = job;
    void this.run(job).finally(() => {
      this.active = null;
      this.pump();
    });
  }

  private async run(job: Job): Promise<void> {
    const settle = (outcome: { ok: true; view: CompareView } | { ok: false; error: Error }): void => {
      for (const waiter of job.waiters) {
        if (job.dropped) waiter.reject(new ApiFailure("unknown-lab", `lab ${job.ask.labId} was deleted while it was compared`));
        else if (outcome.ok) waiter.resolve(outcome.view);
        else waiter.reject(outcome.error);
      }
    };
    const lab = this.labOf(job.ask.labId);
    if (lab === undefined || job.dropped) {
      job.dropped = true;
      settle({ ok: false, error: new Error("deleted") });
      return;
    }
    // A live job's moment is the present when it starts: the newest answer its waiters can have.
    const atMs = job.ask.atMs ?? lab.nowMs;
    if (atMs > lab.nowMs) {
      settle({ ok: false, error: new ApiFailure("bad-request", `${atMs} ms is after the lab's present (${lab.nowMs} ms)`) });
      return;
    }
    const key = job.key ?? this.keyOf(job.ask, lab, atMs);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      settle({ ok: true, view: cached });
      return;
    }
    const names: Record<string, string> = {};
    for (const id of lab.nodeIds()) names[id] = lab.nodeSnapshot(id).name;
    try {
      const view = await this.ask(job.ask, lab, atMs, names);
      if (!job.dropped) this.remember(key, view);
      settle({ ok: true, view });
    } catch (error) {
      settle({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private remember(key: string, view: CompareView): void {
    this.cache.delete(key);
    this.cache.set(key, view);
    // A Map iterates in insertion order: the first key is the least recently stored.
    while (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Sends the worker the part of the log it lacks, in chunks, then asks for the comparison. */
  private async ask(ask: CompareAsk, lab: Lab, atMs: number, names: Readonly<Record<string, string>>): Promise<CompareView> {
    const running = this.slot.take();
    // Whatever happens below, the worker's copy is unknown until its answer says otherwise.
    const job = await running.sendLog(ask.labId, lab, this.options.chunkEntries, (part) => ({ op: "append", job: part }) satisfies CompareWorkerRequest);
    this.runs++;
    const reply = await running.ask((id) => ({ op: "compare", id, job, atMs, versions: ask.versions, names }) satisfies CompareWorkerRequest);
    if (!reply.ok) throw new ApiFailure("internal-error", `the comparison failed: ${reply.error}`);
    // A lab deleted meanwhile is not noted: the entry would keep the deleted lab alive.
    if (this.slot.current === running && this.labOf(ask.labId) === lab) running.sent.set(ask.labId, { lab, count: job.from + job.inputs.length });
    return reply.view;
  }
}

