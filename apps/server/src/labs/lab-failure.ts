/**
 * One lab failing must not take the others down (issue 12). Every way into a lab's engine (its
 * timer, bytes from its RESP clients and outside servers, REST and stream operations, snapshots for
 * the stream) goes through its guard. An exception the engine was not meant to throw (anything but
 * the operator mistakes it reports as `LabError`, and the server's own `ApiFailure`s) marks the lab
 * failed: it stops (timer, write loads, RESP ports, outbound sockets) but is kept, with its input
 * log, for a bug report. Its view then carries `failure` (code `lab-failed`); operations on it are
 * answered `lab-failed`; every other lab, and the process, go on.
 */
import { LabError, type Lab } from "@replica-lab/engine";
import type { LabFailureView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";

/** What went wrong, kept for the bug report (the stack stays on the server). */
export interface LabFailure extends LabFailureView {
  readonly stack: string;
  /** Where the exception surfaced: "timer", "client bytes", an operation kind... */
  readonly during: string;
}

export class LabFailureGuard {
  private failed: LabFailure | null = null;

  constructor(
    private readonly lab: Lab,
    private readonly labId: string,
    /** Stops what keeps the lab running; called once, after the failure is recorded. */
    private readonly stop: (failure: LabFailure) => void,
  ) {}

  get failure(): LabFailure | null {
    return this.failed;
  }

  /** The failure as views and answers show it. */
  get view(): LabFailureView | null {
    const failure = this.failed;
    return failure === null ? null : { code: failure.code, message: failure.message, atMs: failure.atMs, at: failure.at, inputs: failure.inputs };
  }

  /** Refuses work on a failed lab. */
  requireHealthy(): void {
    if (this.failed !== null) throw this.answer();
  }

  /**
   * Runs `work` for a caller that answers (an operation): an unexpected exception fails the lab and
   * becomes the `lab-failed` answer; expected ones pass through.
   */
  run<T>(during: string, work: () => T): T {
    this.requireHealthy();
    try {
      return work();
    } catch (error) {
      throw this.caught(during, error);
    }
  }

  /**
   * {@link run} for work that continues asynchronously. Work during which the lab failed (in a step
   * it ran without answering, such as processing bytes) is answered `lab-failed` too.
   */
  async runAsync<T>(during: string, work: () => Promise<T>): Promise<T> {
    this.requireHealthy();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      throw this.caught(during, error);
    }
    this.requireHealthy();
    return result;
  }

  /**
   * Runs `work` for a caller that cannot answer (a timer, a socket's event): nothing escapes, so an
   * engine bug never reaches Node's event loop as an uncaught exception.
   */
  safely(during: string, work: () => void): void {
    if (this.failed !== null) return;
    try {
      work();
    } catch (error) {
      this.caught(during, error);
    }
  }

  /** The error to answer with for `error`: the same one when expected, else `lab-failed` (failing the lab). */
  caught(during: string, error: unknown): unknown {
    if (error instanceof ApiFailure || error instanceof LabError) return error;
    this.fail(during, error);
    return this.answer();
  }

  private fail(during: string, error: unknown): void {
    if (this.failed !== null) return;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.failed = {
      code: "lab-failed",
      message: `the lab stopped: its engine threw ${message} (during ${during}); its log of ${this.lab.inputs.length} inputs is kept for a bug report`,
      atMs: this.lab.nowMs,
      at: new Date().toISOString(),
      inputs: this.lab.inputs.length,
      stack: error instanceof Error ? (error.stack ?? message) : message,
      during,
    };
    try {
      this.stop(this.failed);
    } catch {
      // Stopping a broken lab must not fail in turn: what could not be stopped dies with the lab.
    }
  }

  private answer(): ApiFailure {
    return new ApiFailure("lab-failed", `lab ${this.labId} failed and was stopped: ${this.failed?.message ?? "unknown error"}`);
  }
}
