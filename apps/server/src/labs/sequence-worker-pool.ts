/**
 * Runs the sequence diagram's replays (`GET /api/labs/:lab/sequence`, `GET …/sequence/:seq`) on a
 * worker thread (`sequence-worker.ts`) instead of the thread that runs every lab (issue 12): the
 * diagram of an earlier moment replays the lab's log from its beginning, seconds for a long lab,
 * and no lab's RESP replies or WebSocket updates may wait that long. As the comparison's pool does
 * (`compare-worker-pool.ts`):
 *
 * - One worker, started at the first question and stopped after `idleMs` without any; it keeps each
 *   lab's log and is sent only what it lacks (`log-worker.ts`). It answers in the order asked.
 * - A lab deleted meanwhile: its question answers `unknown-lab`. A worker that errs, throws or
 *   exits answers `internal-error` (500); the next question starts a new worker. The lab itself is
 *   never touched.
 * - The questions on the way (waiting for their turn or answered now) are bounded: with
 *   `maxWaiting` of them, or `maxWaitingPerLab` of one lab, a new one is refused at once with
 *   `sequence-busy` (503), so no client can pile up replays (an earlier moment of a long lab is
 *   seconds of the worker's time each) or the copies of logs they carry.
 */
import type { Lab, WireMessage } from "@replica-lab/engine";
import type { SequenceLane } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import { WorkerSlot, type LogWorker, type LogPart } from "./log-worker.ts";

export type { LogPart };

/** Messages a tapped replay keeps (older ones are dropped, counted in `omitted`). */
export const KEPT_MESSAGES = 20_000;

/** What a diagram asks: the messages sent in [fromMs, atMs], the newest `limit`, bytes if `raw`. */
export interface SequenceAsk {
  readonly atMs: number;
  readonly fromMs: number;
  readonly limit: number;
  readonly raw: boolean;
}

/** The worker's part of a diagram: the replay's nodes as lanes, the messages, how many left out. */
export interface SequenceAnswer {
  readonly lanes: readonly SequenceLane[];
  readonly messages: readonly WireMessage[];
  readonly omitted: number;
}

/** What the pool posts to its worker. */
export type SequenceWorkerRequest =
  | { readonly op: "append"; readonly part: LogPart }
  | ({ readonly op: "sequence"; readonly id: number; readonly part: LogPart } & SequenceAsk)
  | { readonly op: "message"; readonly id: number; readonly part: LogPart; readonly seq: number; readonly atMs: number }
  | { readonly op: "forget"; readonly labId: string };

/** The worker's answer to a `sequence` or a `message` (null: no such message by then). */
export type SequenceWorkerReply =
  | { readonly id: number; readonly ok: true; readonly answer: SequenceAnswer | WireMessage | null }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Tunables; tests shrink them. */
export interface SequencePoolOptions {
  /** The worker's module (default `sequence-worker.ts`). */
  readonly entry: URL;
  /** Log entries per message to the worker. */
  readonly chunkEntries: number;
  /** A worker with no question for this long (wall ms) is stopped, with the logs and replays it holds. */
  readonly idleMs: number;
  /** Questions on the way (waiting or being answered) before new ones are refused. */
  readonly maxWaiting: number;
  /** Questions of one lab on the way before its new ones are refused. */
  readonly maxWaitingPerLab: number;
}

export const DEFAULT_SEQUENCE_POOL: SequencePoolOptions = {
  entry: new URL("./sequence-worker.ts", import.meta.url),
  chunkEntries: 4096,
  idleMs: 5 * 60_000,
  // A live diagram has one question on the way per open drawer (it polls once the last answered).
  maxWaiting: 32,
  maxWaitingPerLab: 8,
};

export class SequenceWorkerPool {
  private readonly options: SequencePoolOptions;
  private readonly slot: WorkerSlot<SequenceWorkerReply>;
  /** Logs go to the worker one question at a time, so two questions' chunks never interleave. */
  private sending: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Questions on the way, in all and per lab. */
  private waitingAll = 0;
  private readonly waitingByLab = new Map<string, number>();

  constructor(
    /** The lab with this id now, or undefined once deleted. */
    private readonly labOf: (labId: string) => Lab | undefined,
    options: Partial<SequencePoolOptions> = {},
  ) {
    this.options = { ...DEFAULT_SEQUENCE_POOL, ...options };
    this.slot = new WorkerSlot(this.options.entry, "the sequence diagram", this.options.idleMs);
  }

  /** The worker's part of the diagram of `lab` (the lab with id `labId` now) at `ask.atMs`. */
  async sequence(labId: string, lab: Lab, ask: SequenceAsk): Promise<SequenceAnswer> {
    return (await this.ask(labId, lab, (id, part) => ({ op: "sequence", id, part, ...ask }))) as SequenceAnswer;
  }

  /** One message as it stood at `atMs`, or null when none with that number was sent by then. */
  async message(labId: string, lab: Lab, seq: number, atMs: number): Promise<WireMessage | null> {
    return (await this.ask(labId, lab, (id, part) => ({ op: "message", id, part, seq, atMs }))) as WireMessage | null;
  }

  /** The lab is gone: its log and replay in the worker go. */
  forget(labId: string): void {
    if (this.slot.current?.sent.delete(labId) === true) this.slot.current.post({ op: "forget", labId } satisfies SequenceWorkerRequest);
  }

  /** Stops the worker; questions on the way answer `internal-error`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.slot.stop(new ApiFailure("internal-error", "the server is closing"));
  }

  /** Sends the worker the part of the log it lacks, then the question; resolves with its answer. */
  private async ask(labId: string, lab: Lab, question: (id: number, part: LogPart) => SequenceWorkerRequest): Promise<SequenceAnswer | WireMessage | null> {
    if (this.closed) throw new ApiFailure("internal-error", "the server is closing");
    const ofLab = this.waitingByLab.get(labId) ?? 0;
    if (this.waitingAll >= this.options.maxWaiting || ofLab >= this.options.maxWaitingPerLab) {
      const why = ofLab >= this.options.maxWaitingPerLab ? `${ofLab} sequence questions of this lab are` : `${this.waitingAll} sequence questions are`;
      throw new ApiFailure("sequence-busy", `${why} already on the way; ask again when one has answered`);
    }
    this.waitingAll++;
    this.waitingByLab.set(labId, ofLab + 1);
    try {
      return await this.answer(labId, lab, question);
    } finally {
      this.waitingAll--;
      const left = this.waitingByLab.get(labId)! - 1;
      if (left === 0) this.waitingByLab.delete(labId);
      else this.waitingByLab.set(labId, left);
    }
  }

  private async answer(labId: string, lab: Lab, question: (id: number, part: LogPart) => SequenceWorkerRequest): Promise<SequenceAnswer | WireMessage | null> {
    const posted = this.sending.then(() => this.post(labId, lab, question));
    this.sending = posted.catch(() => undefined);
    const { running, answer } = await posted;
    const reply = await answer;
    this.slot.idle(() => (this.slot.current?.waiting ?? 0) > 0);
    if (this.labOf(labId) !== lab) {
      // Deleted while its log was on the way (so `forget` did not know the worker had it).
      if (this.labOf(labId) === undefined) running.post({ op: "forget", labId } satisfies SequenceWorkerRequest);
      throw new ApiFailure("unknown-lab", `lab ${labId} was deleted while its diagram was read`);
    }
    if (!reply.ok) {
      // The worker forgot the log it could not follow: it is sent whole next time.
      if (running.sent.get(labId)?.lab === lab) running.sent.delete(labId);
      throw new ApiFailure("internal-error", `the sequence diagram failed: ${reply.error}`);
    }
    return reply.answer;
  }

  private async post(labId: string, lab: Lab, question: (id: number, part: LogPart) => SequenceWorkerRequest): Promise<{ running: LogWorker<SequenceWorkerReply>; answer: Promise<SequenceWorkerReply> }> {
    const running = this.slot.take();
    const part = await running.sendLog(labId, lab, this.options.chunkEntries, (chunk) => ({ op: "append", part: chunk }) satisfies SequenceWorkerRequest);
    const answer = running.ask((id) => question(id, part));
    // The worker reads messages in order: the next question of this lab finds this log there. A
    // lab deleted meanwhile is not noted: the entry would keep the deleted lab alive.
    if (this.labOf(labId) === lab) running.sent.set(labId, { lab, count: part.from + part.inputs.length });
    return { running, answer };
  }
}

