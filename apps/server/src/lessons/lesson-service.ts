/**
 * Lessons on live labs: starts a lab at a lesson's first step, keeps each lab's `LessonPlayer`, and
 * runs the step actions one at a time per lab (a double click on "next" must not skip a step).
 *
 * "Back" is a branch of the lab cut at the input where the previous step began (not at a time:
 * the step's own operations run at the same virtual millisecond as its start), rebuilt with the
 * timeline's machinery (`rebuildLab`, its checkpoints, `listenOnNodePorts`) and hosted in place of
 * the lab, under the same id and on the same RESP ports, so the page, a shared link and a redis-cli
 * session all find it again and no stale branch is left behind per click.
 */
import type { LessonDefinition, LessonProgress, LessonSummary } from "@replica-lab/protocol";
import { ApiFailure, toApiFailure } from "../http/errors.ts";
import { listenOnNodePorts } from "../labs/lab-ports.ts";
import { rebuildLab } from "../labs/lab-rebuild.ts";
import type { LabRegistry } from "../labs/lab-registry.ts";
import type { LabRuntime } from "../labs/lab-runtime.ts";
import { DEFAULT_TIMELINE } from "../labs/lab-timeline.ts";
import type { Access } from "../security/access.ts";
import type { LessonCatalogue } from "./lesson-catalogue.ts";
import { LessonPlayer, LessonStateError, type SavedLessonState } from "./lesson-player.ts";
import { MissingNodeError } from "./operations.ts";
import { RuntimeDriver } from "./runtime-driver.ts";

/** What `POST /api/labs` takes for a lesson lab. */
export interface LessonLabRequest {
  readonly lesson: string;
  readonly name?: string;
  readonly seed?: string | number;
}

/** The lesson labs of a server and their players. */
export class LessonService {
  private readonly players = new Map<string, LessonPlayer>();
  /** Per lab, the tail of its queue of step actions. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Labs being rebuilt by "back": their deletion is not the end of their lesson. */
  private readonly rebuilding = new Set<string>();
  private readonly stopWatching: () => void;

  constructor(
    readonly catalogue: LessonCatalogue,
    private readonly registry: LabRegistry,
    private readonly access: Access,
  ) {
    this.stopWatching = registry.onDeleted((runtime) => {
      if (this.rebuilding.has(runtime.id)) return;
      this.players.delete(runtime.id);
      this.queues.delete(runtime.id);
    });
  }

  list(): LessonSummary[] {
    return this.catalogue.list();
  }

  /** A lesson by id; unknown ids are 404s. */
  lesson(id: string): LessonDefinition {
    const lesson = this.catalogue.get(id);
    if (!lesson) throw new ApiFailure("unknown-lesson", `no lesson ${JSON.stringify(id)}`);
    return lesson;
  }

  /** Creates a lab, runs the lesson's set-up on it and enters the first step. */
  async createLab(request: LessonLabRequest): Promise<LabRuntime> {
    const lesson = this.lesson(request.lesson);
    if (!lesson.available) {
      throw new ApiFailure("bad-version", `lesson ${lesson.id} needs node kind${lesson.missingKinds.length === 1 ? "" : "s"} ${lesson.missingKinds.join(", ")}, which this server does not have yet`);
    }
    const runtime = await this.registry.create({ name: request.name ?? lesson.title.en, ...(request.seed === undefined ? {} : { seed: request.seed }) });
    const player = new LessonPlayer(lesson, new RuntimeDriver(runtime));
    try {
      await player.begin();
    } catch (error) {
      await this.registry.delete(runtime.id);
      throw asFailure(error);
    }
    this.players.set(runtime.id, player);
    return runtime;
  }

  /** The lab's progress, checks evaluated now. */
  progress(labId: string): LessonProgress {
    return this.playerOf(labId).progress();
  }

  doItForMe(labId: string): Promise<LessonProgress> {
    return this.queued(labId, async (player) => {
      await player.doItForMe();
      return player.progress();
    });
  }

  next(labId: string): Promise<LessonProgress> {
    return this.queued(labId, async (player) => {
      await player.next();
      return player.progress();
    });
  }

  /** Rebuilds the lab as it was when the previous step began, and enters that step again. */
  back(labId: string): Promise<LessonProgress> {
    return this.queued(labId, async (player) => {
      const { step, mark } = player.backTarget();
      const old = this.registry.get(labId);
      const { timeline } = await rebuildLab(old.lab.creation, old.lab.inputs.toArray().slice(0, mark.inputIndex), {
        timeline: this.registry.options.timeline ?? DEFAULT_TIMELINE,
        mayGrow: () => !this.registry.overMemory(),
      });
      const owner = this.access.ownerOf(labId);
      this.rebuilding.add(labId);
      let runtime: LabRuntime;
      try {
        // The old lab goes first: its nodes' ports are the rebuilt nodes' addresses.
        await this.registry.delete(labId);
        runtime = await this.registry.create({ id: labId, name: old.name, lab: timeline.lab, timeline, parent: old.parent, layout: old.layout, createdAt: old.createdAt });
      } catch (error) {
        timeline.dispose();
        throw error;
      } finally {
        this.rebuilding.delete(labId);
      }
      this.access.setOwner(labId, owner);
      await listenOnNodePorts(runtime, true);
      await player.resumeAt(new RuntimeDriver(runtime), step);
      return player.progress();
    });
  }

  /** What the store keeps of the lab's lesson (null: the lab plays none). */
  savedOf(labId: string): SavedLessonState | null {
    return this.players.get(labId)?.saved() ?? null;
  }

  /**
   * Takes a lab restored after a restart back into its lesson, at the step it was on. A lesson
   * that is gone or changed shape since leaves the lab without one; the lab itself is kept.
   */
  adopt(runtime: LabRuntime, saved: SavedLessonState): boolean {
    const lesson = this.catalogue.get(saved.lessonId);
    const player = lesson ? LessonPlayer.resumed(lesson, new RuntimeDriver(runtime), saved) : null;
    if (player === null) return false;
    this.players.set(runtime.id, player);
    return true;
  }

  close(): void {
    this.stopWatching();
  }

  private playerOf(labId: string): LessonPlayer {
    this.registry.get(labId);
    const player = this.players.get(labId);
    if (!player) throw new ApiFailure("unknown-lesson", `lab ${labId} is not playing a lesson`);
    return player;
  }

  private queued(labId: string, action: (player: LessonPlayer) => Promise<LessonProgress>): Promise<LessonProgress> {
    const player = this.playerOf(labId);
    const previous = this.queues.get(labId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      try {
        return await action(player);
      } catch (error) {
        throw asFailure(error);
      }
    });
    this.queues.set(labId, run);
    return run;
  }
}

function asFailure(error: unknown): ApiFailure {
  if (error instanceof LessonStateError) return new ApiFailure("lesson-not-ready", error.message);
  if (error instanceof MissingNodeError) return new ApiFailure("unknown-node", error.message);
  return toApiFailure(error);
}
