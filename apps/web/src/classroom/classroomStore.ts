/**
 * The classroom side of the page: which session the URL names, this page's role in it, and the
 * poll that keeps the session fresh (once a second). Its own small store, like the lessons', so
 * the classroom adds nothing to the lab store.
 *
 * A follower's page mirrors the instructor: it selects what the instructor selects while it
 * follows, and when the instructor brings everyone back it leaves its fork (or its past moment)
 * for the instructor's lab at the moment given. The instructor's page shares its selection.
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { ClassroomView, FollowerMode } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import type { AppStore } from "../store/store.ts";
import { selectedNodeId } from "../canvas/canvasState.ts";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { joinClassroom, pollClassroom, shareSelection } from "./classroomApi.ts";
import { storedFollower, storeFollower } from "./classroomUrl.ts";

/** How often every page in a session asks for it. */
export const CLASSROOM_POLL_MS = 500;

export interface ClassroomState {
  /** The join code the URL names, or null. */
  readonly code: string | null;
  readonly view: ClassroomView | null;
  /** This tab's follower id, once joined. */
  readonly followerId: string | null;
  /** The last failure (an ended session is `unknown-classroom`). */
  readonly error: { readonly code: string; readonly message: string } | null;
}

export const classroomStore = createStore<ClassroomState>()(() => ({ code: null, view: null, followerId: null, error: null }));

/** Subscribes a component to part of the classroom state. */
export function useClassroom<T>(selector: (state: ClassroomState) => T): T {
  return useStore(classroomStore, selector);
}

/** What the poll needs from the open lab's page. */
export interface ClassroomHost {
  /** The lab this page shows. */
  readonly labId: string;
  readonly store: AppStore;
  /** Shows a moment of the open lab (null: live). */
  showMoment(atMs: number | null): void;
  /** Opens another lab, at a moment or live. */
  openLab(labId: string, atMs: number | null): void;
  /** Opens this page's lab afresh. */
  reload(): void;
}

/**
 * Polls the session while the page shows a lab in it; returns the stop function. The gather
 * already seen survives lab changes (a fork, a return) because the store outlives them.
 */
export function followClassroom(code: string, host: ClassroomHost): () => void {
  if (classroomStore.getState().code !== code) classroomStore.setState({ code, view: null, followerId: storedFollower(code), error: null });
  let stopped = false;
  let timer: number | null = null;
  let gatherSeen: number | null = classroomStore.getState().view?.gather.seq ?? null;
  let lastSelection: string | null | undefined;

  const tick = async (): Promise<void> => {
    try {
      const view = await poll(code, host);
      if (stopped) return;
      classroomStore.setState({ view, error: null });
      if (view.role === "follower") mirror(view);
      if (view.role === "instructor") void share();
    } catch (error) {
      const failure = asLabRequestError(error);
      if (!stopped) classroomStore.setState({ error: { code: failure.code, message: failure.message } });
    } finally {
      if (!stopped) timer = window.setTimeout(() => void tick(), CLASSROOM_POLL_MS);
    }
  };

  const mirror = (view: ClassroomView): void => {
    // The instructor's "back" in a lesson rebuilds the lab under the same id: the stream said it
    // was deleted, the session (answering again) says it is back, so open it afresh.
    if (host.labId === view.labId && liveLabOf(host.store.getState()).deleted) {
      host.reload();
      return;
    }
    const previous = gatherSeen;
    gatherSeen = view.gather.seq;
    if (previous !== null && view.gather.seq > previous) {
      if (host.labId !== view.labId) host.openLab(view.labId, view.gather.atMs);
      else host.showMoment(view.gather.atMs);
      return;
    }
    if (host.labId !== view.labId) return;
    const mine = selectedNodeId(host.store.getState().selection);
    if (view.selectedNodeId !== mine && view.selectedNodeId !== lastSelection) {
      host.store.getState().select(view.selectedNodeId === null ? null : { kind: "node", id: view.selectedNodeId });
    }
    lastSelection = view.selectedNodeId;
  };

  const share = async (): Promise<void> => {
    const selected = selectedNodeId(host.store.getState().selection);
    if (selected === lastSelection || classroomStore.getState().view?.labId !== host.labId) return;
    lastSelection = selected;
    try {
      await shareSelection(code, selected);
    } catch {
      lastSelection = undefined; // tried again at the next poll
    }
  };

  void tick();
  return () => {
    stopped = true;
    if (timer !== null) window.clearTimeout(timer);
  };
}

/** One poll: as the instructor, as this tab's follower (joining first if needed), or as a visitor. */
/**
 * Reads the session once more before the page leaves the class's lab for a fork: a gather the
 * instructor made just before (which this page's poll may not have seen yet) is then known as seen,
 * so the next lab's poll does not take it for new and pull the fresh fork back to the class.
 */
export async function refreshBeforeFork(code: string): Promise<void> {
  const { followerId } = classroomStore.getState();
  if (followerId === null) return;
  const view = await pollClassroom(code, { id: followerId, mode: "following" });
  if (view.role === "follower") classroomStore.setState({ view });
}

async function poll(code: string, host: ClassroomHost): Promise<ClassroomView> {
  const { followerId, view } = classroomStore.getState();
  if (followerId === null) {
    const seen = await pollClassroom(code, null);
    if (seen.role === "instructor") return seen;
    const joined = await joinClassroom(code);
    storeFollower(code, joined.followerId);
    classroomStore.setState({ followerId: joined.followerId });
    return pollClassroom(code, { id: joined.followerId, mode: modeOf(host, joined.labId) });
  }
  const mode = modeOf(host, view?.labId ?? host.labId);
  const answer = await pollClassroom(code, { id: followerId, mode });
  // A follower forgotten by the server (the tab slept past the staleness window) joins again.
  if (answer.role === "visitor") {
    classroomStore.setState({ followerId: null });
    return poll(code, host);
  }
  return answer;
}

function modeOf(host: ClassroomHost, sessionLabId: string): FollowerMode {
  return host.labId === sessionLabId ? "following" : "forked";
}
