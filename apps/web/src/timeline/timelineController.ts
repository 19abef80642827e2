/**
 * Drives time travel for one open lab: loads the timeline and the whole-history offsets when the
 * stream connects, keeps the timeline growing with the stream's events, fetches the lab at the
 * moment the cursor asks for (one request at a time, the newest wish winning, answers cached: a
 * past moment never changes), steps by event, keeps `?t=` in the URL, and branches.
 */
import { i18n } from "../i18n/i18n.ts";
import { asLabRequestError } from "../api/errors.ts";
import { momentFromUrl, urlWithMoment } from "../app/labUrl.ts";
import { formatVirtualTime } from "../format/units.ts";
import type { OffsetHistory } from "../panels/offsetHistory.ts";
import { liveLabOf, viewedMs } from "../store/slices/timelineSlice.ts";
import type { AppStore } from "../store/store.ts";
import { recordBranch, type KeyValueStore } from "./lineage.ts";
import { browserHost, type TimelineHost } from "./navigation.ts";
import { branchLab, fetchMoment, fetchSeries, fetchTimeline, type MomentData } from "./timelineApi.ts";
import { eventTimes, nextEventTime, previousEventTime } from "./timelineModel.ts";

export interface TimelineControllerOptions {
  readonly history: OffsetHistory;
  readonly host?: TimelineHost;
  readonly fetchImpl?: typeof fetch;
  /** Points asked of `/series` (the chart is a few hundred pixels wide). */
  readonly seriesPoints?: number;
  /** Where branches made here are remembered (localStorage by default). */
  readonly storage?: KeyValueStore | null;
}

/** What keyboard shortcuts and buttons call. */
export interface TimelineControls {
  seek(atMs: number): void;
  /** Back one event (from live: to the last event). False when there is nothing before. */
  stepBack(): boolean;
  /** Forward one event, or back to live after the last one. False while live. */
  stepForward(): boolean;
  live(): void;
  /** Continue from the moment shown, in a new lab. */
  branch(): Promise<void>;
}

const CACHED_MOMENTS = 48;
const URL_DELAY_MS = 250;

export class TimelineController implements TimelineControls {
  private readonly host: TimelineHost;
  private readonly cache = new Map<number, MomentData>();
  /** The moment wanted next (null: nothing to fetch). */
  private target: number | null = null;
  private fetching = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;
  private urlTimer: number | null = null;
  private lastEventSeq = 0;

  constructor(
    private readonly store: AppStore,
    readonly labId: string,
    private readonly options: TimelineControllerOptions,
  ) {
    this.host = options.host ?? browserHost;
  }

  /** Starts following the store; opens the moment the URL names, if any. */
  start(): void {
    this.stopped = false;
    this.lastEventSeq = 0;
    let lastView = this.store.getState().timeView;
    let lastEvents = liveLabOf(this.store.getState()).events;
    this.unsubscribe?.();
    this.unsubscribe = this.store.subscribe((state) => {
      const events = liveLabOf(state).events;
      if (events !== lastEvents) {
        lastEvents = events;
        this.followEvents();
      }
      if (state.timeView !== lastView) {
        lastView = state.timeView;
        this.scheduleUrl();
      }
    });
    const atMs = momentFromUrl(this.host.href());
    if (atMs !== null) this.seek(atMs);
  }

  stop(): void {
    this.stopped = true;
    this.target = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.urlTimer !== null) this.host.clearTimer(this.urlTimer);
    this.urlTimer = null;
  }

  /** The stream (re)connected: the timeline and the series may have grown while it was away. */
  async refresh(): Promise<void> {
    const fetchImpl = this.options.fetchImpl;
    const [timeline, series] = await Promise.allSettled([fetchTimeline(this.labId, fetchImpl), fetchSeries(this.labId, this.options.seriesPoints ?? 600, fetchImpl)]);
    if (this.stopped) return;
    if (timeline.status === "fulfilled") this.store.getState().setTimeline(timeline.value);
    else this.store.getState().setTimelineError(asLabRequestError(timeline.reason));
    if (series.status === "fulfilled") this.options.history.seed(series.value);
    // Without a series the chart still shows what the stream brings; the timeline error says why.
  }

  /** The live edge: the newest virtual time known. */
  liveEdgeMs(): number {
    const state = this.store.getState();
    return Math.max(liveLabOf(state).clock.timeMs, state.timeline?.nowMs ?? 0);
  }

  seek(atMs: number): void {
    const state = this.store.getState();
    const time = Math.max(0, atMs);
    // At or beyond the live edge is live (while the lab is still loading the edge is unknown).
    if (liveLabOf(state).loaded && time >= liveLabOf(state).clock.timeMs) {
      this.live();
      return;
    }
    state.seekTo(time);
    this.target = time;
    void this.pump();
  }

  stepBack(): boolean {
    const state = this.store.getState();
    const from = viewedMs(state) ?? this.liveEdgeMs();
    const previous = previousEventTime(eventTimes(state.timeline?.events ?? []), from);
    const to = previous ?? (from > 0 && state.timeline !== null ? 0 : null);
    if (to === null) return false;
    this.seek(to);
    return true;
  }

  stepForward(): boolean {
    const state = this.store.getState();
    const from = viewedMs(state);
    if (from === null) return false;
    const next = nextEventTime(eventTimes(state.timeline?.events ?? []), from);
    if (next === null) this.live();
    else this.seek(next);
    return true;
  }

  live(): void {
    this.target = null;
    this.store.getState().backToLive();
  }

  async branch(): Promise<void> {
    const state = this.store.getState();
    const atMs = viewedMs(state) ?? liveLabOf(state).clock.timeMs;
    try {
      const lab = await branchLab(this.labId, atMs, this.options.fetchImpl);
      recordBranch({ labId: this.labId, atMs }, lab.id, this.options.storage);
      this.host.openLab(lab.id, null);
    } catch (error) {
      this.report(i18n.t("timeline.branchFailed", { time: formatVirtualTime(atMs) }), error);
    }
  }

  /** Fetches the wanted moment; while one is on its way, later wishes replace each other. */
  private async pump(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      while (this.target !== null && !this.stopped) {
        const want = this.target;
        let moment = this.cache.get(want);
        if (moment === undefined) {
          try {
            moment = await fetchMoment(this.labId, want, this.options.fetchImpl);
          } catch (error) {
            if (this.target === want) this.failed(want, error);
            continue;
          }
          this.remember(want, moment);
        }
        if (this.stopped) return;
        if (this.target === want) this.target = null;
        // A moment passed on the way to a newer wish is shown too: a drag then moves smoothly.
        this.store.getState().showMoment(moment);
      }
    } finally {
      this.fetching = false;
    }
  }

  private failed(atMs: number, error: unknown): void {
    this.target = null;
    this.store.getState().backToLive();
    this.report(i18n.t("timeline.seekFailed", { time: formatVirtualTime(atMs) }), error);
  }

  /** A failure as a notice: what could not be done, with the server's code and words. */
  private report(title: string, error: unknown): void {
    const failure = asLabRequestError(error);
    this.store.getState().notify({ level: "error", title, message: failure.message, code: failure.code, fromServer: true });
  }

  private remember(atMs: number, moment: MomentData): void {
    this.cache.delete(atMs);
    this.cache.set(atMs, moment);
    if (this.cache.size > CACHED_MOMENTS) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Hands the stream's new events to the timeline (only those not handed over before). */
  private followEvents(): void {
    const events = liveLabOf(this.store.getState()).events;
    // A sequence that went backwards is a lab rebuilt by a restarted server: start counting again.
    if ((events[events.length - 1]?.seq ?? 0) < this.lastEventSeq) this.lastEventSeq = 0;
    let from = events.length;
    while (from > 0 && events[from - 1]!.seq > this.lastEventSeq) from--;
    if (from === events.length) return;
    this.lastEventSeq = events[events.length - 1]!.seq;
    this.store.getState().addTimelineEvents(events.slice(from));
  }

  /** Writes `?t=` a moment after the cursor settles (browsers limit how often a page may rewrite its URL). */
  private scheduleUrl(): void {
    if (this.urlTimer !== null) return;
    this.urlTimer = this.host.setTimer(() => {
      this.urlTimer = null;
      if (!this.stopped) this.host.replaceHref(urlWithMoment(this.host.href(), viewedMs(this.store.getState())));
    }, URL_DELAY_MS);
  }
}
