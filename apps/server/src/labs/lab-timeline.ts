/**
 * A lab's timeline: its whole history, and the lab as it was at any moment of it.
 *
 * - **Events.** Every event the lab records goes into a compact index (`EventIndex`), so the
 *   timeline shows the whole history while the lab's own event log keeps only the newest.
 * - **Checkpoints.** Every `checkpointEveryMs` of virtual time the live lab is forked (`Lab.fork`:
 *   a copy of its whole state) and the copy is kept aside with the place in the log it stands at.
 *   A moment is then a fork of the latest checkpoint before it, replayed forward to it
 *   (`ReplayCursor.seek`), so a seek replays at most one checkpoint interval and checkpoints are
 *   never used up. A checkpoint is a fork made to be forked again only, in the timeline's
 *   `CheckpointChain`: it shares what did not change with the one before (dict keyframes and
 *   deltas, backlog blocks, RDB dumps, buffers; a replica's as its differences from its master's).
 *   Their memory is each checkpoint's own bytes (estimated by the fork) and the pieces they hold,
 *   each counted once however many hold it (`keep` / `drop`), bounded by `checkpointBudgetBytes`, and by an equal share of `totalCheckpointBudgetBytes`
 *   among the labs the process holds: past it, the checkpoint whose neighbours are closest is
 *   dropped, and new ones come less often (`keepWithinBudget`). RDB work (save points, full
 *   syncs) makes the next checkpoint due at once (`noteCost`), so seeks do not replay it. A lab
 *   the engine cannot fork at a moment (a frozen node holding events, a real outbound
 *   connection) gets no checkpoint then; the reason is reported, and seeks replay from the
 *   checkpoint before.
 * - **The last moment shown** stays in hand: a seek later than it (and after the checkpoint that
 *   would serve it) goes on from it instead of forking, which makes stepping forward through
 *   events cheap.
 * - **Offsets.** master_repl_offset of every node, sampled as the lab runs (`OffsetSeries`).
 *
 * A branch or a rebuilt lab starts with a `TimelineSeed`: the history its log shares with its
 * parent (events, samples, checkpoints), or what its rebuild recorded.
 */
import { CheckpointChain, RedisNode, ReplayCursor, isTimeInput, renderInfo, type Lab, type LabEvent, type LabOrigin, type LogSource } from "@replica-lab/engine";
import type { LabParent, MomentView, SeriesView, TimelineCheckpoint, TimelineView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import { EventIndex } from "./timeline-events.ts";
import { OffsetSeries } from "./timeline-series.ts";

/** How a timeline keeps its lab's history. */
export interface TimelineOptions {
  /** Virtual ms between checkpoints to begin with (further apart once the budget is reached, `keepWithinBudget`). */
  readonly checkpointEveryMs: number;
  /** Estimated bytes one lab's checkpoints may hold. */
  readonly checkpointBudgetBytes: number;
  /** Estimated bytes the checkpoints of all labs may hold: each lab gets at most its share. */
  readonly totalCheckpointBudgetBytes: number;
  /** Wall ms between the timeline's looks at its lab (offset samples, checkpoints); 0: none (tests call `poll`). */
  readonly pollMs: number;
  /** Offset samples kept per lab (the resolution halves beyond). */
  readonly maxSamples: number;
}

export const DEFAULT_TIMELINE: TimelineOptions = {
  checkpointEveryMs: 2_000,
  checkpointBudgetBytes: 256 * 1024 * 1024,
  totalCheckpointBudgetBytes: 512 * 1024 * 1024,
  pollMs: 250,
  maxSamples: 20_000,
};

/**
 * Wall ms between two checkpoints of the process's timer-driven polls, whichever labs they are of.
 * A fork stops the event loop for a few ms (more as the lab grows), and labs created together come
 * due together: 25 of them forking in one turn held every stream update back by over 200 ms. A lab
 * whose turn has not come takes its checkpoint at a later poll.
 */
const FORK_SPACING_MS = 30;

/** Wall ms a series query may spend replaying to fill gaps. */
const SERIES_FILL_MS = 300;

/**
 * Keys that RDB work (a save, a load, a full sync's transfer) went through since the last
 * checkpoint, past which the next checkpoint is taken as soon as it may be (see `noteCost`).
 */
const HEAVY_KEYS = 10_000;

/** Intervals between two checkpoints of a lab given no input meanwhile (`poll`). */
const IDLE_SPACING = 10;

/** Events a moment carries, newest last. */
const MOMENT_EVENTS = 500;

/** A copy of the lab kept aside, standing at `timeMs` and input `inputIndex` of the log. */
export interface Checkpoint {
  readonly timeMs: number;
  readonly inputIndex: number;
  readonly cursor: ReplayCursor;
  /** Its own bytes (estimated), besides the pieces in `held`. */
  readonly bytes: number;
  /** Pieces it may share with the checkpoints before and after it (`CheckpointChain`), with their bytes. */
  readonly held: ReadonlyMap<object, number>;
  /** A parent's checkpoint a branch reads too (its memory is the parent's). */
  readonly shared: boolean;
  /** Taken as soon as it could be after RDB work (`noteCost`): thinning keeps it longer. */
  readonly afterHeavy?: boolean;
}

/** What a timeline starts from when its lab's history is not all its own live run. */
export interface TimelineSeed {
  readonly events: EventIndex;
  readonly series: OffsetSeries;
  readonly checkpoints: readonly Checkpoint[];
}

export class LabTimeline {
  /** Every timeline not disposed of, which share `totalCheckpointBudgetBytes`. */
  private static readonly live = new Set<LabTimeline>();
  /** The wall time (performance.now) before which no timer-driven poll forks (`FORK_SPACING_MS`). */
  private static nextForkAt = 0;
  private readonly events: EventIndex;
  private readonly series: OffsetSeries;
  private checkpoints: Checkpoint[];
  /** The pieces the checkpoints of this lab hold (not a parent's), each counted once: holders and bytes. */
  private readonly pieces = new Map<object, { holders: number; readonly bytes: number }>();
  private piecesBytes = 0;
  /** What this lab's checkpoints remember of each other (the next shares what did not change). */
  readonly checkpointChain = new CheckpointChain();
  private everyMs: number;
  private nextCheckpointMs: number;
  private refusal: string | null = null;
  /** Keys of the RDB work done since the last checkpoint (`noteCost`). */
  private heavyKeys = 0;
  /** The cursor of the last moment shown, kept to go on from. */
  private hot: ReplayCursor | null = null;
  private readonly moments = new Map<number, MomentView>();
  /** The live lab's last sample: its time, and the inputs the log held then. */
  private lastSample: { readonly timeMs: number; readonly inputs: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(
    /** The lab whose history this is (the live lab). */
    readonly lab: Lab,
    private readonly options: TimelineOptions,
    /** Whether the lab may take new checkpoints now (false while the server is over its memory). */
    private readonly mayGrow: () => boolean,
    seed?: TimelineSeed,
  ) {
    this.events = seed?.events ?? new EventIndex();
    this.series = seed?.series ?? new OffsetSeries(options.maxSamples);
    this.checkpoints = [];
    for (const checkpoint of seed?.checkpoints ?? []) this.keep(checkpoint);
    this.everyMs = options.checkpointEveryMs;
    const last = this.checkpoints[this.checkpoints.length - 1];
    this.nextCheckpointMs = (last?.timeMs ?? 0) + this.everyMs;
    // Events the seed does not hold (a lab handed over with a longer event log) are indexed too.
    for (const event of lab.events(this.events.lastSeq)) this.events.add(event);
    this.unsubscribe = lab.subscribe((event) => {
      this.events.add(event);
      this.noteCost(event);
    });
    LabTimeline.live.add(this);
    // One more lab: every lab's share of the total is smaller now.
    for (const timeline of LabTimeline.live) timeline.keepWithinBudget();
  }

  /** What this lab's checkpoints may hold now. */
  get checkpointBudgetBytes(): number {
    return Math.min(this.options.checkpointBudgetBytes, this.options.totalCheckpointBudgetBytes / LabTimeline.live.size);
  }

  /** Starts looking at the live lab every `pollMs` (a rebuild feeds the timeline itself first). */
  start(): void {
    if (this.timer !== null || this.disposed || this.options.pollMs <= 0) return;
    this.timer = setInterval(() => this.poll(true), this.options.pollMs);
    this.timer.unref();
  }

  /**
   * Samples the offsets and takes a checkpoint when one is due; `spaced` (the timer's polls) waits
   * for the process's next fork turn (`FORK_SPACING_MS`).
   */
  poll(spaced = false): void {
    this.sample();
    if (this.lab.nowMs < this.nextCheckpointMs || !this.mayGrow()) return;
    // A lab given no input since its last checkpoint (time passing only, merged into one entry)
    // and no RDB work replays that time cheaply: it waits `IDLE_SPACING` intervals, rather than
    // fill its budget with copies of a lab at rest (each a few thousand objects for the collector).
    const last = this.checkpoints[this.checkpoints.length - 1];
    const idle = last !== undefined && !last.shared && this.lab.inputs.length <= last.inputIndex + 1 && this.heavyKeys < HEAVY_KEYS;
    if (idle && this.lab.nowMs < last.timeMs + IDLE_SPACING * this.everyMs) return;
    if (spaced && performance.now() < LabTimeline.nextForkAt) return;
    try {
      this.checkpoint();
    } finally {
      // Counted from the fork's end: a long fork leaves the others the same room.
      if (spaced) LabTimeline.nextForkAt = performance.now() + FORK_SPACING_MS;
    }
  }

  /**
   * Records every node's offset as the lab is now. A sample of the live lab holds for its time
   * only until an input comes stamped with that same time (an operation on a paused lab, or right
   * after a step): the lab at that time (`moment`, which applies every input stamped up to it) is
   * then not what the sample saw, so the sample goes, and is taken again if the lab is still there.
   */
  sample(): void {
    const inputs = this.lab.inputs;
    const last = this.lastSample;
    if (last !== null) {
      for (let i = last.inputs; i < inputs.length; i++) {
        const input = inputs.at(i)!;
        if (input.t > last.timeMs) break;
        // A run of time from that moment on changes nothing at it: its events due then were run.
        if (!isTimeInput(input)) {
          this.series.forget(last.timeMs);
          break;
        }
      }
    }
    this.series.sample(this.lab);
    this.lastSample = { timeMs: this.lab.nowMs, inputs: inputs.length };
  }

  /** The virtual time the next checkpoint is due at. */
  get checkpointDueMs(): number {
    return this.nextCheckpointMs;
  }

  /** Takes a checkpoint of the live lab now, if the engine can fork it; true if it did. */
  checkpoint(): boolean {
    const lab = this.lab;
    const forked = lab.fork({ inputs: [], checkpoint: this.checkpointChain });
    if (!forked.ok) {
      this.refused(forked.reason);
      return false;
    }
    this.refusal = null;
    const cursor = ReplayCursor.atEnd(forked.lab, lab.inputs);
    this.keep({ timeMs: lab.nowMs, inputIndex: cursor.position, cursor, bytes: forked.bytes, held: forked.held, shared: false, afterHeavy: this.heavyKeys >= HEAVY_KEYS });
    this.nextCheckpointMs = lab.nowMs + this.everyMs;
    this.heavyKeys = 0;
    this.keepWithinBudget();
    return true;
  }

  /** Notes why a checkpoint due now was not taken; the next try is a quarter interval later. */
  refused(reason: string): void {
    this.refusal = reason;
    // Forking a lab that refuses costs a walk of its state: not again before a while.
    this.nextCheckpointMs = this.lab.nowMs + this.everyMs / 4;
  }

  /** Adds a checkpoint a rebuild made (in time order, before the lab runs live). */
  adopt(checkpoint: Checkpoint): void {
    this.keep({ ...checkpoint, afterHeavy: this.heavyKeys >= HEAVY_KEYS });
    this.nextCheckpointMs = checkpoint.timeMs + this.everyMs;
    this.heavyKeys = 0;
    this.keepWithinBudget();
  }

  /** What this lab's checkpoints hold: their own bytes, and each piece they hold once. */
  get checkpointBytes(): number {
    return this.checkpoints.reduce((sum, c) => sum + (c.shared ? 0 : c.bytes), 0) + this.piecesBytes;
  }

  view(parent: LabParent | null): TimelineView {
    return {
      nowMs: this.lab.nowMs,
      inputCount: this.lab.inputs.length,
      events: this.events.list(),
      checkpoints: this.checkpoints.map((c): TimelineCheckpoint => ({ timeMs: c.timeMs, inputIndex: c.inputIndex })),
      parent,
      checkpointBytes: this.checkpointBytes,
      checkpointBudgetBytes: this.checkpointBudgetBytes,
      checkpointRefusal: this.refusal,
    };
  }

  /**
   * Offsets over the whole history at `points` evenly spread moments. Gaps in the samples (a lab
   * that ran a long step at once, a template settling) are filled by replay, earliest first, so
   * the replay goes forward on one cursor; for at most `SERIES_FILL_MS` per query (the next query
   * goes on).
   */
  offsets(points: number): SeriesView {
    this.sample();
    const deadline = performance.now() + SERIES_FILL_MS;
    return this.series.view(points, this.lab.nowMs, (timeMs) => {
      if (performance.now() > deadline) return false;
      const cursor = this.cursorAt(timeMs, true);
      this.series.sample(cursor.lab);
      this.hot = cursor;
      return true;
    });
  }

  /**
   * The lab as it was at `timeMs`: its snapshot shaped as the live view, its newest events then,
   * and each Redis node's INFO replication then. `shape` adds what the runtime knows (id, name).
   */
  moment(timeMs: number, shape: (snapshot: ReturnType<Lab["snapshot"]>, lab: Lab) => MomentView["snapshot"]): MomentView {
    this.requireMoment(timeMs);
    // A moment already shown is the same lab (the past does not change); the live edge moves.
    const cached = this.moments.get(timeMs);
    if (cached !== undefined) return cached;
    const cursor = this.cursorAt(timeMs, true);
    const past = cursor.lab;
    const info: Record<string, string> = {};
    for (const id of past.nodeIds()) {
      const process = past.process(id);
      if (process instanceof RedisNode && past.isUp(id)) info[id] = renderInfo(process, ["replication"]);
    }
    const events: LabEvent[] = past.events();
    const moment: MomentView = {
      timeMs,
      snapshot: shape(past.snapshot({ paused: true, speed: 1 }), past),
      events: events.slice(-MOMENT_EVENTS),
      info,
    };
    this.hot = cursor;
    // Only a moment in the past is kept: the live edge's time may yet take inputs stamped with it.
    if (timeMs < this.lab.nowMs) this.moments.set(timeMs, moment);
    if (this.moments.size > 16) this.moments.delete(this.moments.keys().next().value!);
    return moment;
  }

  /**
   * A cursor standing at `timeMs` on a lab of its own (a branch's), which the timeline will not
   * touch again. Its `log()` rebuilds it.
   */
  detachedCursorAt(timeMs: number): ReplayCursor {
    this.requireMoment(timeMs);
    return this.cursorAt(timeMs, false);
  }

  /** The share of this history a branch at `timeMs` inherits; `lastEventSeq` is the branch's. */
  seedFor(timeMs: number, lastEventSeq: number): TimelineSeed {
    return {
      events: this.events.prefix(lastEventSeq),
      series: this.series.before(timeMs),
      checkpoints: this.checkpoints.filter((c) => c.timeMs < timeMs).map((c) => ({ ...c, shared: true })),
    };
  }

  /** Lets go of the last moment shown and the cached moments (the next seek starts from a checkpoint). */
  forgetShown(): void {
    this.hot = null;
    this.moments.clear();
  }

  dispose(): void {
    this.disposed = true;
    LabTimeline.live.delete(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe();
    this.checkpoints = [];
    this.pieces.clear();
    this.piecesBytes = 0;
    this.hot = null;
    this.moments.clear();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Replaying an RDB save, load or transfer costs as much as its keys, and a save point comes due
   * on every node of a chain at once: a minute of writes at 1,000/s makes three saves of 100k keys
   * in the same ms, which cost more to replay than the 10 s of writes around them. So once such
   * work reaches `HEAVY_KEYS` since the last checkpoint, the next checkpoint is due at once
   * (at most one per tenth of the interval), and a seek after it starts past the work.
   */
  private noteCost(event: LabEvent): void {
    const detail = event.detail;
    const keys = detail.kind === "rdb" || (detail.kind === "persistence" && (detail.action === "save" || detail.action === "load")) ? detail.keys : 0;
    if (keys === 0 || this.refusal !== null) return;
    this.heavyKeys += keys;
    if (this.heavyKeys < HEAVY_KEYS) return;
    const lastMs = this.checkpoints[this.checkpoints.length - 1]?.timeMs ?? 0;
    this.nextCheckpointMs = Math.min(this.nextCheckpointMs, Math.max(event.timeMs, lastMs + this.everyMs / 10));
  }

  /** Adds a checkpoint (the latest) and counts the pieces it holds. */
  private keep(checkpoint: Checkpoint): void {
    this.checkpoints.push(checkpoint);
    // A branch's share of its parent's checkpoints is the parent's memory.
    if (checkpoint.shared) return;
    for (const [piece, bytes] of checkpoint.held) {
      const counted = this.pieces.get(piece);
      if (counted !== undefined) {
        counted.holders++;
        continue;
      }
      this.pieces.set(piece, { holders: 1, bytes });
      this.piecesBytes += bytes;
    }
  }

  /** Drops the checkpoint at `at`, and the pieces no other checkpoint holds. */
  private drop(at: number): void {
    const [checkpoint] = this.checkpoints.splice(at, 1);
    if (checkpoint === undefined || checkpoint.shared) return;
    for (const piece of checkpoint.held.keys()) {
      const counted = this.pieces.get(piece);
      if (counted === undefined || --counted.holders > 0) continue;
      this.pieces.delete(piece);
      this.piecesBytes -= counted.bytes;
    }
  }

  private requireMoment(timeMs: number): void {
    if (!Number.isFinite(timeMs) || timeMs < 0) throw new ApiFailure("bad-request", `${timeMs} is not a moment (virtual ms, 0 or more)`);
    if (timeMs > this.lab.nowMs) throw new ApiFailure("bad-request", `${timeMs} ms is after the lab's present (${this.lab.nowMs} ms)`);
  }

  /** A cursor at `timeMs`: from the hot cursor when it is the nearest start, else a fork of a checkpoint. */
  private cursorAt(timeMs: number, mayUseHot: boolean): ReplayCursor {
    const source: LogSource = this.lab.inputs;
    let start: Checkpoint | null = null;
    for (const checkpoint of this.checkpoints) if (checkpoint.timeMs <= timeMs && (start === null || checkpoint.timeMs >= start.timeMs)) start = checkpoint;
    const hot = this.hot;
    if (mayUseHot && hot !== null && hot.timeMs <= timeMs && hot.timeMs >= (start?.timeMs ?? 0)) {
      this.hot = null;
      hot.seek(timeMs);
      return hot;
    }
    // The last moment shown is replaced by this one (the callers that may go on from it keep the
    // cursor they get): its dict tables serve the restore.
    if (mayUseHot && hot !== null) {
      this.hot = null;
      this.checkpointChain.recycle(hot.lab);
    }
    let cursor: ReplayCursor | null = null;
    if (start !== null) {
      const forked = start.cursor.fork(source);
      if (forked.ok) cursor = forked.cursor;
    }
    cursor ??= ReplayCursor.start(this.origin, source);
    cursor.seek(timeMs);
    return cursor;
  }

  private get origin(): LabOrigin {
    return this.lab.creation;
  }

  /**
   * Drops checkpoints until the budget holds them, each time the one whose neighbours are closest
   * (the newest stays; one taken after RDB work counts its gap three times, as a seek from the
   * one before would replay that work), so the gaps stay as even as they can. New checkpoints
   * then come at half the gap dropped, or the options' interval if longer: each displaces an
   * older one, and a long history gets as many checkpoints as the budget holds.
   */
  private keepWithinBudget(): void {
    const budget = this.checkpointBudgetBytes;
    while (this.checkpointBytes > budget && this.checkpoints.length > 1) {
      const all = this.checkpoints;
      let drop = -1;
      let best = Infinity;
      let gapMs = 0;
      for (let i = 0; i < all.length - 1; i++) {
        const checkpoint = all[i]!;
        // A branch's share of its parent's checkpoints costs it nothing.
        if (checkpoint.shared) continue;
        const gap = all[i + 1]!.timeMs - (all[i - 1]?.timeMs ?? 0);
        const weighed = checkpoint.afterHeavy === true ? 3 * gap : gap;
        if (weighed < best) {
          best = weighed;
          gapMs = gap;
          drop = i;
        }
      }
      if (drop < 0) break;
      this.drop(drop);
      this.everyMs = Math.max(this.options.checkpointEveryMs, this.everyMs, Math.floor(gapMs / 2));
    }
    for (let i = this.checkpoints.length - 1; i >= 0 && this.checkpointBytes > budget; i--) if (!this.checkpoints[i]!.shared) this.drop(i);
  }
}
