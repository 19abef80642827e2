/**
 * Time travel over the labs a server holds: the lab at a past moment, branches, lab files
 * (export and import), and labs rebuilt from a store at start. Every lab it makes goes through the
 * registry like any other, with its history already in its timeline.
 */
import { decodeRecording, encodeRecording, type LabInput, type LabOrigin, type RecordingFile } from "@replica-lab/engine";
import type { LabParent, MomentView, NodePosition } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { LabRegistry } from "./lab-registry.ts";
import type { LabRuntime } from "./lab-runtime.ts";
import { listenOnNodePorts } from "./lab-ports.ts";
import { rebuildLab } from "./lab-rebuild.ts";
import { LabTimeline, type TimelineOptions } from "./lab-timeline.ts";

export interface TimelineServiceOptions {
  readonly timeline: TimelineOptions;
  /** Wall ms an import's log may take to replay. */
  readonly importDeadlineMs: number;
}

/** A lab as a store keeps it, to host again. */
export interface StoredLab {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly origin: LabOrigin;
  readonly inputs: readonly LabInput[];
  readonly parent: LabParent | null;
  readonly layout: Readonly<Record<string, NodePosition>>;
}

const NAME_LENGTH = 64;

export class TimelineService {
  constructor(
    private readonly registry: LabRegistry,
    private readonly options: TimelineServiceOptions,
  ) {}

  /** The lab as it was at virtual time `timeMs` (see `LabTimeline.moment`). */
  moment(labId: string, timeMs: number): MomentView {
    const runtime = this.registry.get(labId);
    return runtime.timeline.moment(timeMs, (snapshot) => ({
      ...snapshot,
      clock: { ...snapshot.clock, paused: true, speed: runtime.clock.speed, lagMs: 0 },
      id: runtime.id,
      name: runtime.name,
      writeLoads: [],
      externalNodes: [],
      externalEdges: [],
      parent: runtime.parent,
    }));
  }

  /**
   * A new lab whose log is this lab's up to `atMs` (the run in progress cut there): the same lab
   * at that moment, which then goes its own way, paused, its nodes on new ports. The original
   * keeps going.
   */
  async branch(labId: string, atMs: number): Promise<LabRuntime> {
    const parent = this.registry.get(labId);
    const cursor = parent.timeline.detachedCursorAt(atMs);
    const lab = cursor.lab;
    lab.inputs.load(cursor.log());
    const timeline = new LabTimeline(lab, this.options.timeline, () => !this.registry.overMemory(), parent.timeline.seedFor(atMs, lab.lastEventSeq));
    const runtime = await this.host(timeline, {
      name: clip(`${parent.name} @ ${(atMs / 1000).toFixed(3)} s`),
      parent: { labId, atMs },
      layout: parent.layout,
    });
    runtime.clock.pause(performance.now(), lab.nowMs);
    await listenOnNodePorts(runtime, false);
    return runtime;
  }

  /** The lab as one file (format `replica-lab/1`, see the engine's `recording.ts`). */
  exportLab(labId: string): { readonly file: RecordingFile; readonly fileName: string } {
    const runtime = this.registry.get(labId);
    const lab = runtime.lab;
    const file = encodeRecording({ name: runtime.name, origin: lab.creation, inputs: lab.inputs.toArray(), endMs: lab.nowMs, layout: runtime.layout, parent: runtime.parent });
    const slug = runtime.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "lab";
    return { file, fileName: `${slug}-${runtime.id}.replica-lab.json` };
  }

  /**
   * A new lab from a file `exportLab` wrote: the same lab at every moment, running from where the
   * file ends, paused. A file that is not one, or whose log does not replay, is `bad-request`
   * and creates nothing.
   */
  async importLab(file: unknown): Promise<LabRuntime> {
    const decoded = decodeRecording(file);
    if (!decoded.ok) throw new ApiFailure("bad-request", decoded.error);
    const { recording } = decoded;
    this.registry.requireRoom();
    const { timeline } = await rebuildLab(recording.origin, recording.inputs, {
      timeline: this.options.timeline,
      mayGrow: () => !this.registry.overMemory(),
      deadlineMs: this.options.importDeadlineMs,
    });
    if (timeline.lab.nowMs !== recording.endMs) {
      timeline.dispose();
      throw new ApiFailure("bad-request", `the log replays to ${timeline.lab.nowMs} ms, the file says ${recording.endMs} ms`);
    }
    const runtime = await this.host(timeline, { name: clip(recording.name || "imported lab"), parent: recording.parent ?? null, layout: recording.layout ?? {} });
    runtime.clock.pause(performance.now(), runtime.lab.nowMs);
    await listenOnNodePorts(runtime, true);
    return runtime;
  }

  /** Hosts a stored lab again under its id (a restart): rebuilt from its log, on its own ports where free. */
  async restore(stored: StoredLab): Promise<LabRuntime> {
    const { timeline } = await rebuildLab(stored.origin, stored.inputs, { timeline: this.options.timeline, mayGrow: () => !this.registry.overMemory() });
    const runtime = await this.host(timeline, { id: stored.id, name: stored.name, parent: stored.parent, layout: stored.layout, createdAt: stored.createdAt });
    await listenOnNodePorts(runtime, true);
    return runtime;
  }

  private async host(timeline: LabTimeline, request: { id?: string; name: string; parent: LabParent | null; layout: Readonly<Record<string, NodePosition>>; createdAt?: string }): Promise<LabRuntime> {
    try {
      return await this.registry.create({ ...request, lab: timeline.lab, timeline, layout: { ...request.layout } });
    } catch (error) {
      timeline.dispose();
      throw error;
    }
  }
}

function clip(name: string): string {
  return name.length <= NAME_LENGTH ? name : `${name.slice(0, NAME_LENGTH - 1)}…`;
}
