/**
 * The lesson side of the web app: whether the panel is open, the lesson list, the open lab's
 * lesson and its progress (polled while the panel shows it: the checks are evaluated on the
 * server), and the step actions. Its own small store, so lessons add nothing to the lab store.
 *
 * Starting a lesson opens a new lab; "back" rebuilds the lab on the server under the same id. Both
 * reload the page onto the lab, which is the one path that already knows how to open a lab.
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { LessonDefinition, LessonProgress, LessonSummary } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import { createLessonLab, getLesson, getProgress, listLessons, stepAction } from "./lessonApi.ts";

/** The step action under way, if any (buttons wait for it). */
export type LessonBusy = "start" | "do" | "next" | "back";

export interface LessonState {
  readonly panelOpen: boolean;
  /** The lessons the server offers, once loaded. */
  readonly catalogue: readonly LessonSummary[] | null;
  /** The lab the progress belongs to. */
  readonly labId: string | null;
  /** The lesson the open lab plays, or null (a lab without a lesson). */
  readonly lesson: LessonDefinition | null;
  readonly progress: LessonProgress | null;
  readonly busy: LessonBusy | null;
  /** The last failure, as the server's code and message. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

const INITIAL: LessonState = { panelOpen: false, catalogue: null, labId: null, lesson: null, progress: null, busy: null, error: null };

/** The lesson state of the page. */
export const lessonStore = createStore<LessonState>()(() => INITIAL);

/** Subscribes a component to part of the lesson state. */
export function useLessons<T>(selector: (state: LessonState) => T): T {
  return useStore(lessonStore, selector);
}

/** How often the progress (the step's checks) is asked for while the panel shows it. */
export const POLL_MS = 500;

/** Opens or closes the panel (the lesson list is loaded the first time). */
export function setPanelOpen(open: boolean): void {
  lessonStore.setState({ panelOpen: open });
  if (open && lessonStore.getState().catalogue === null) void loadCatalogue();
}

/** Loads the lesson list. */
export async function loadCatalogue(): Promise<void> {
  try {
    lessonStore.setState({ catalogue: await listLessons() });
  } catch (error) {
    fail(error);
  }
}

/**
 * Finds out whether the lab plays a lesson; if it does, loads the lesson and opens the panel (a
 * lesson lab opened from a link shows its lesson at once).
 */
export async function attachLab(labId: string): Promise<void> {
  lessonStore.setState({ labId, lesson: null, progress: null, error: null });
  let progress: LessonProgress;
  try {
    progress = await getProgress(labId);
  } catch (error) {
    // A lab without a lesson answers unknown-lesson: nothing to show, and nothing wrong.
    if (asLabRequestError(error).code !== "unknown-lesson") fail(error);
    return;
  }
  try {
    const lesson = await getLesson(progress.lessonId);
    if (lessonStore.getState().labId !== labId) return;
    lessonStore.setState({ lesson, progress, panelOpen: true });
  } catch (error) {
    fail(error);
  }
}

/** Asks for the progress again (the poll). */
export async function refreshProgress(): Promise<void> {
  const { labId, lesson, busy } = lessonStore.getState();
  if (labId === null || lesson === null || busy !== null) return;
  try {
    const progress = await getProgress(labId);
    if (lessonStore.getState().labId === labId) lessonStore.setState({ progress });
  } catch (error) {
    fail(error);
  }
}

/** Starts a lesson in a new lab and opens it. */
export async function startLesson(lessonId: string): Promise<void> {
  lessonStore.setState({ busy: "start", error: null });
  try {
    const lab = await createLessonLab(lessonId);
    location.assign(urlForLab(location.href, lab.id));
  } catch (error) {
    lessonStore.setState({ busy: null });
    fail(error);
  }
}

/** "Do it for me" and "Next". */
export async function runStepAction(action: "do" | "next"): Promise<void> {
  const labId = lessonStore.getState().labId;
  if (labId === null) return;
  lessonStore.setState({ busy: action, error: null });
  try {
    const progress = await stepAction(labId, action);
    lessonStore.setState({ progress, busy: null });
  } catch (error) {
    lessonStore.setState({ busy: null });
    fail(error);
  }
}

/**
 * "Back": the server rebuilds the lab as the previous step began. `beforeRebuild` lets the page
 * close its stream first (the old lab's deletion is not news to show), and the page reloads onto
 * the rebuilt lab whether or not it worked, so it never shows a lab that is gone.
 */
export async function goBack(beforeRebuild: () => void): Promise<void> {
  const labId = lessonStore.getState().labId;
  if (labId === null) return;
  lessonStore.setState({ busy: "back", error: null });
  beforeRebuild();
  try {
    await stepAction(labId, "back");
  } finally {
    location.reload();
  }
}

/** The page's URL for another lab: the lab id and the language kept, anything else (a moment) dropped. */
export function urlForLab(href: string, labId: string): string {
  const url = new URL(href);
  const lang = url.searchParams.get("lang");
  url.search = "";
  url.hash = "";
  url.searchParams.set("lab", labId);
  if (lang !== null) url.searchParams.set("lang", lang);
  return url.toString();
}

function fail(error: unknown): void {
  const failure = asLabRequestError(error);
  lessonStore.setState({ error: { code: failure.code, message: failure.message } });
}
