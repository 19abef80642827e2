/**
 * Time travel. While the viewer looks at a past moment, `lab` holds the lab as it was then, so every
 * component (cards, edges, inspector, event log) shows the past without knowing about it, and the
 * live stream keeps folding into `liveLab` in the background. Back to live swaps them again.
 */
import type { LabEvent } from "@replica-lab/protocol";
import type { StateCreator } from "zustand/vanilla";
import { followLab } from "../../canvas/canvasState.ts";
import { labAtMoment } from "../../timeline/pastLab.ts";
import type { MomentData, TimelineData } from "../../timeline/timelineApi.ts";
import { withNewEvents } from "../../timeline/timelineModel.ts";
import type { AppState } from "../appState.ts";
import type { LabData } from "../labData.ts";
import { selectionIn } from "./labSlice.ts";

export type TimeView =
  | { readonly kind: "live" }
  | {
      readonly kind: "past";
      /** The moment asked for (where the cursor is). */
      readonly atMs: number;
      /** The moment `lab` shows, once one arrived (it trails `atMs` while a seek is on its way). */
      readonly shownMs: number | null;
    };

/** An action tried while looking at the past: the app offers to continue from that moment. */
export interface BranchProposal {
  readonly atMs: number;
  /** The action in words ("kill B"), in the language shown when it was tried. */
  readonly what: string;
}

export interface TimelineSlice {
  /** The lab's timeline: fetched from the server, then grown by the stream's events. */
  readonly timeline: TimelineData | null;
  readonly timeView: TimeView;
  /** The live lab while `lab` shows the past; null while live. */
  readonly liveLab: LabData | null;
  readonly branchProposal: BranchProposal | null;
  /** Why the timeline could not be loaded (an older server, a lost connection), until it is. */
  readonly timelineError: { readonly code: string; readonly message: string } | null;
  setTimeline(data: TimelineData): void;
  setTimelineError(error: { readonly code: string; readonly message: string }): void;
  /** Adds the stream's newer events to the timeline. */
  addTimelineEvents(events: readonly LabEvent[]): void;
  /** Moves the cursor to `atMs`; the screen keeps its moment until {@link showMoment} brings the new one. */
  seekTo(atMs: number): void;
  /** Shows the lab at a moment the server sent (ignored once back to live). */
  showMoment(moment: MomentData): void;
  backToLive(): void;
  proposeBranch(what: string | null): void;
}

/** The lab as it is now, whichever moment the screen shows. */
export function liveLabOf(state: Pick<AppState, "lab" | "liveLab">): LabData {
  return state.liveLab ?? state.lab;
}

/** The moment shown, or null while live. */
export function viewedMs(state: Pick<AppState, "timeView">): number | null {
  return state.timeView.kind === "past" ? state.timeView.atMs : null;
}

export const createTimelineSlice: StateCreator<AppState, [], [], TimelineSlice> = (set) => ({
  timeline: null,
  timeView: { kind: "live" },
  liveLab: null,
  branchProposal: null,
  timelineError: null,
  setTimeline(data) {
    set((state) => {
      // Keep events the stream added after the server computed this answer, unless the lab went
      // back in time (a server that lost its last inputs in a crash): then the answer is the truth.
      const held = state.timeline;
      const timeline = held === null || data.nowMs < held.nowMs ? data : { ...data, events: withNewEvents(data.events, eventsAfter(held.events, data.events)) };
      return { timeline, timelineError: null };
    });
  },
  setTimelineError(error) {
    set({ timelineError: { code: error.code, message: error.message } });
  },
  addTimelineEvents(events) {
    set((state) => {
      if (state.timeline === null) return state;
      const merged = withNewEvents(state.timeline.events, events);
      return merged === state.timeline.events ? state : { timeline: { ...state.timeline, events: merged } };
    });
  },
  seekTo(atMs) {
    set((state) => {
      const time = Math.max(0, atMs);
      const shownMs = state.timeView.kind === "past" ? state.timeView.shownMs : null;
      if (state.timeView.kind === "past" && state.timeView.atMs === time) return state;
      return { timeView: { kind: "past", atMs: time, shownMs }, liveLab: liveLabOf(state), branchProposal: null };
    });
  },
  showMoment(moment) {
    set((state) => {
      if (state.timeView.kind !== "past" || state.liveLab === null) return state;
      const lab = labAtMoment(state.lab, state.liveLab, moment);
      const selection = selectionIn(lab, state.selection);
      return {
        lab,
        selection,
        canvas: followLab(state.canvas, lab, selection),
        timeView: { ...state.timeView, shownMs: moment.timeMs },
      };
    });
  },
  backToLive() {
    set((state) => {
      if (state.timeView.kind === "live") return state.branchProposal === null ? state : { branchProposal: null };
      const lab = liveLabOf(state);
      const selection = selectionIn(lab, state.selection);
      return { lab, liveLab: null, selection, canvas: followLab(state.canvas, lab, selection), timeView: { kind: "live" }, branchProposal: null };
    });
  },
  proposeBranch(what) {
    set((state) => {
      if (what === null || state.timeView.kind !== "past") return state.branchProposal === null ? state : { branchProposal: null };
      return { branchProposal: { atMs: state.timeView.atMs, what } };
    });
  },
});

/** Held events newer than the newest in `fresh` (by sequence). */
function eventsAfter(held: TimelineData["events"], fresh: TimelineData["events"]): TimelineData["events"] {
  let lastSeq = 0;
  for (const e of fresh) if (e.seq > lastSeq) lastSeq = e.seq;
  return held.filter((e) => e.seq > lastSeq);
}
