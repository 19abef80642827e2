/**
 * A replay that can stand at any moment of a log, not only between two inputs: the timeline's
 * seek. `seek(t)` applies every input stamped at or before virtual time t and cuts the run of
 * time in progress at t, so the lab is as it was at t: every event due by t processed, the clock
 * at t. A cut run resumes where it stopped, so a cursor can keep going forward, and `fork()`
 * copies a cursor (its lab included) to go forward from the same place twice.
 *
 * `log()` is the input log that rebuilds the cursor's lab exactly: the inputs applied, then what
 * the cut run did (a `run-until` to the moment, or the events a `steps` or `until-idle` stepped
 * and a run to the moment). A branch is a fork whose log this is.
 */
import { Lab, type TimeInput } from "./lab.ts";
import type { LabInput, LabOrigin } from "./input-log.ts";
import type { CheckpointChain } from "./fork.ts";

/** A log as a cursor reads it: an array, or a live lab's `InputLog`, which keeps growing. */
export interface LogSource {
  readonly length: number;
  at(index: number): LabInput | undefined;
  /** Index of the last `outbound` entry, or -1 (an `InputLog` knows; an array is searched). */
  readonly lastOutboundIndex?: number;
  /**
   * True for a log that is still being written (a live lab's `InputLog`, a copy kept up with one):
   * its last entry, a run of time, may yet be merged into. An array is a finished log.
   */
  readonly growing?: boolean;
}

/** Entries of a time run that a cursor may apply in parts. */
export function isTimeInput(input: LabInput): input is TimeInput {
  return input.op === "run-until" || input.op === "steps" || input.op === "until-idle";
}

export class ReplayCursor {
  private constructor(
    /** The lab standing where the cursor is. */
    readonly lab: Lab,
    private readonly source: LogSource,
    /** The next input not applied in whole. */
    private next: number,
    /** Events stepped so far by the run at `next`, when it was cut (null: not started). */
    private progress: { steps: number } | null,
    /** Inputs `noteReplayedInput` has seen (what outside servers said comes later in the log). */
    private noted: number,
  ) {}

  /** A cursor at the start of `source`, on a fresh lab. */
  static start(origin: LabOrigin, source: LogSource): ReplayCursor {
    const lab = new Lab(origin);
    return new ReplayCursor(lab, source, 0, null, 0);
  }

  /**
   * A cursor standing at the end of `source` on `lab`, a lab that has applied all of it (a fork of
   * a live lab). A live log merges a new run of time into its last entry, so a last entry that is
   * a run counts as in progress: the cursor resumes it, extended or not.
   */
  static atEnd(lab: Lab, source: LogSource): ReplayCursor {
    const last = source.at(source.length - 1);
    const cursor =
      last !== undefined && (last.op === "run-until" || last.op === "steps")
        ? new ReplayCursor(lab, source, source.length - 1, { steps: last.op === "steps" ? last.count : 0 }, 0)
        : new ReplayCursor(lab, source, source.length, null, 0);
    cursor.noted = source.length;
    return cursor;
  }

  /** Index of the next input the cursor has not applied in whole. */
  get position(): number {
    return this.next;
  }

  /** True while the input at `position` is a run cut part way. */
  get inRun(): boolean {
    return this.progress !== null;
  }

  get timeMs(): number {
    return this.lab.nowMs;
  }

  /** True once every input of the source is applied in whole. */
  get atEnd(): boolean {
    return this.progress === null && this.next >= this.source.length;
  }

  /**
   * Goes forward to virtual time `timeMs`: every input stamped at or before it is applied, and a
   * run going past it is cut there. A cursor only goes forward (fork an earlier one to go back).
   */
  seek(timeMs: number): void {
    if (timeMs < this.lab.nowMs) throw new RangeError(`the cursor is at ${this.lab.nowMs} ms, after ${timeMs} ms`);
    this.note();
    for (;;) {
      const input = this.source.at(this.next);
      if (input === undefined || input.t > timeMs) return;
      if (!this.apply(input, timeMs, true)) return;
    }
  }

  /** Applies the next input in whole (the rest of a cut run included); false at the end of the log. */
  step(): boolean {
    this.note();
    const input = this.source.at(this.next);
    if (input === undefined) return false;
    this.apply(input, Infinity);
    return true;
  }

  /** Applies whole inputs until `position` is `index`. */
  stepTo(index: number): void {
    while (this.next < index && this.step()) {
      // step() does the work.
    }
  }

  /**
   * A cursor at the same place on a copy of this cursor's lab, or the reason the lab cannot be
   * copied (see `Lab.fork`). The copy keeps no log of its own: `log()` computes one. It reads
   * `source`, by default this cursor's log: another log that is the same up to this place (a
   * branch's) lets a checkpoint serve both.
   */
  fork(
    source: LogSource = this.source,
    /** A checkpoint's copy, only ever forked again (see `ForkOptions.checkpoint`). */
    checkpoint: boolean | CheckpointChain = false,
  ): { readonly ok: true; readonly cursor: ReplayCursor; readonly bytes: number; readonly held: ReadonlyMap<object, number> } | { readonly ok: false; readonly reason: string } {
    const forked = this.lab.fork({ inputs: [], checkpoint });
    if (!forked.ok) return forked;
    const progress = this.progress === null ? null : { steps: this.progress.steps };
    return { ok: true, cursor: new ReplayCursor(forked.lab, source, this.next, progress, source === this.source ? this.noted : 0), bytes: forked.bytes, held: forked.held };
  }

  /** The log that rebuilds this cursor's lab exactly (see the file comment). */
  log(): LabInput[] {
    const out: LabInput[] = [];
    for (let i = 0; i < this.next; i++) out.push(this.source.at(i)!);
    const run = this.source.at(this.next);
    if (this.progress === null || run === undefined || !isTimeInput(run)) return out;
    const now = this.lab.nowMs;
    if (run.op === "run-until") {
      out.push({ op: "run-until", t: run.t, untilMs: now });
      return out;
    }
    if (this.progress.steps > 0) out.push({ op: "steps", t: run.t, count: this.progress.steps });
    out.push({ op: "run-until", t: run.t, untilMs: now });
    return out;
  }

  /**
   * Applies `input` (the one at `next`) up to `limitMs`; false when a run was cut there. With
   * `mayGrow`, a run that is the last entry of a growing source stays in progress even when it ran
   * to its end (false is returned), as {@link ReplayCursor.atEnd} keeps it: a live log merges the
   * next run of time into its last entry, so the run may yet go further, and an input stamped later
   * must not be applied before it does.
   * Taking it as done let the next seek apply the following input at the run's old end, earlier
   * than the live lab had (the sequence diagram's replay, polled while a lab stood still, then told
   * another story than the lab's events).
   */
  private apply(input: LabInput, limitMs: number, mayGrow = false): boolean {
    if (isTimeInput(input)) {
      const progress = this.progress ?? { steps: 0 };
      if (!this.lab.replayRun(input, progress, limitMs)) {
        this.progress = progress;
        return false;
      }
      if (mayGrow && this.source.growing === true && input.op !== "until-idle" && this.next === this.source.length - 1) {
        this.progress = progress;
        return false;
      }
      this.progress = null;
    } else {
      this.lab.replayInput(input);
    }
    this.next++;
    return true;
  }

  /** Tells the lab what the log says about outbound connections, up to the log's current end. */
  private note(): void {
    // Only `outbound` entries say anything: none past the noted ones, none to look at (a seek from a
    // checkpoint would otherwise walk the rest of a long live log every time).
    const last = this.source.lastOutboundIndex;
    if (last !== undefined && last < this.noted) {
      this.noted = Math.max(this.noted, this.source.length);
      return;
    }
    for (; this.noted < this.source.length; this.noted++) this.lab.noteReplayedInput(this.source.at(this.noted)!);
  }
}
