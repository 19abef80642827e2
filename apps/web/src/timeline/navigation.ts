/**
 * Moving between labs inside the page (a branch, its parent, an imported lab, one from the list):
 * the URL changes with a history entry, so Back returns to the lab before, and the root component
 * opens the lab the URL names. Also where the browser's URL and timers are reached from the
 * timeline, so tests can give it their own.
 */
import { urlWithLab, urlWithMoment } from "../app/labUrl.ts";

/** Dispatched on `window` when the URL now names another lab. */
export const NAVIGATE_EVENT = "replica-lab:navigate";

/** Opens a lab, at a moment or live, as a new history entry. */
export function openLab(labId: string, atMs: number | null): void {
  history.pushState(null, "", urlWithMoment(urlWithLab(location.href, labId), atMs));
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** What the timeline needs from the browser. */
export interface TimelineHost {
  href(): string;
  /** Rewrites the URL without a history entry (the moment changes with every drag). */
  replaceHref(url: string): void;
  openLab(labId: string, atMs: number | null): void;
  setTimer(callback: () => void, ms: number): number;
  clearTimer(handle: number): void;
}

export const browserHost: TimelineHost = {
  href: () => location.href,
  replaceHref: (url) => {
    if (url !== location.href) history.replaceState(history.state, "", url);
  },
  openLab,
  setTimer: (callback, ms) => window.setTimeout(callback, ms),
  clearTimer: (handle) => window.clearTimeout(handle),
};
