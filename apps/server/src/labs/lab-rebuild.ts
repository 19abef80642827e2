/**
 * Rebuilds a lab from its origin and input log (an import, a restart), a slice of work at a time
 * so that other labs and requests keep their turn, and feeds its timeline on the way: offset
 * samples every `SAMPLE_EVERY_MS` of virtual time, and a checkpoint whenever one is due, as if the
 * lab had run live. The replayed lab is the lab that then runs live.
 *
 * A log that does not replay (an input naming a node that does not exist, a run that never ends
 * within the time allowed) is a `bad-request` naming the input: nothing is created.
 */
import { ReplayCursor, type Lab, type LabInput, type LabOrigin } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";
import { LabTimeline, type TimelineOptions } from "./lab-timeline.ts";

/** Virtual ms between offset samples while rebuilding. */
const SAMPLE_EVERY_MS = 250;
/** Wall ms of replay between two turns of the event loop. */
const SLICE_MS = 25;

export interface RebuildOptions {
  readonly timeline: TimelineOptions;
  /** Whether the timeline may take checkpoints (memory). */
  readonly mayGrow: () => boolean;
  /** Wall ms the replay may take in all (imports: a hostile file must not keep the server busy). */
  readonly deadlineMs?: number;
}

export interface Rebuilt {
  readonly lab: Lab;
  readonly timeline: LabTimeline;
}

export async function rebuildLab(origin: LabOrigin, inputs: readonly LabInput[], options: RebuildOptions): Promise<Rebuilt> {
  const cursor = ReplayCursor.start(origin, inputs);
  const lab = cursor.lab;
  // The lab's own log holds the whole log from the start: checkpoints read it.
  lab.inputs.load(inputs);
  const timeline = new LabTimeline(lab, options.timeline, options.mayGrow);
  const started = performance.now();
  let nextSampleMs = 0;
  try {
    while (!cursor.atEnd) {
      const sliceEnd = performance.now() + SLICE_MS;
      while (!cursor.atEnd && performance.now() < sliceEnd) {
        cursor.seek(Math.min(nextSampleMs, timeline.checkpointDueMs));
        if (lab.nowMs >= nextSampleMs) {
          timeline.sample();
          nextSampleMs = lab.nowMs + SAMPLE_EVERY_MS;
        }
        if (lab.nowMs >= timeline.checkpointDueMs) {
          const forked = options.mayGrow() ? cursor.fork(lab.inputs, timeline.checkpointChain) : { ok: false as const, reason: "the server is over its memory limit" };
          if (forked.ok) timeline.adopt({ timeMs: lab.nowMs, inputIndex: forked.cursor.position, cursor: forked.cursor, bytes: forked.bytes, held: forked.held, shared: false });
          else timeline.refused(forked.reason);
        }
      }
      if (options.deadlineMs !== undefined && performance.now() - started > options.deadlineMs) {
        throw new ApiFailure("bad-request", `the log did not replay within ${Math.round(options.deadlineMs / 1000)} s (at input ${cursor.position} of ${inputs.length})`);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    timeline.dispose();
    if (error instanceof ApiFailure) throw error;
    const input = inputs[cursor.position];
    throw new ApiFailure("bad-request", `input ${cursor.position} (${input?.op ?? "?"}) does not replay: ${error instanceof Error ? error.message : String(error)}`);
  }
  timeline.sample();
  return { lab, timeline };
}
