/**
 * Keyboard shortcuts for the common actions. One table drives both the handler and the help overlay,
 * so they cannot disagree. Keys typed into inputs are never taken.
 */
import type { ParseKeys } from "i18next";
import type { LabActions } from "./actions.ts";
import type { AppState } from "../store/appState.ts";
import type { TimelineControls } from "../timeline/timelineController.ts";

export interface Shortcut {
  readonly keys: string;
  /** The catalogue key of what it does. */
  readonly label: ParseKeys;
  /** The catalogue key of the key's name, for keys whose name is a word (Space). */
  readonly keyName?: ParseKeys;
  /** Returns false when the key does not apply now (nothing is done then). */
  readonly run: (ctx: ShortcutContext) => boolean;
  readonly match: (event: KeyLike) => boolean;
}

export interface KeyLike {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export interface ShortcutContext {
  readonly state: AppState;
  readonly actions: LabActions;
  readonly focusConsole: () => void;
  /** Time travel (absent where no timeline runs). */
  readonly timeline?: TimelineControls;
}

const plain = (key: string) => (e: KeyLike) => !e.ctrlKey && !e.metaKey && !e.altKey && e.key.toLowerCase() === key && !e.shiftKey;
const shifted = (key: string) => (e: KeyLike) => !e.ctrlKey && !e.metaKey && !e.altKey && e.key.toLowerCase() === key && e.shiftKey;

function withNode(ctx: ShortcutContext, run: (id: string) => void): boolean {
  const sel = ctx.state.selection;
  if (sel?.kind !== "node") return false;
  run(sel.id);
  return true;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: "N", label: "shortcut.addNode", match: plain("n"), run: (c) => (c.actions.addNode(), true) },
  { keys: "1–9", label: "shortcut.selectNode", match: (e) => /^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey, run: () => true },
  { keys: "Esc", label: "shortcut.escape", match: (e) => e.key === "Escape", run: (c) => (c.state.setHelpOpen(false), c.state.select(null), true) },
  { keys: "S", label: "shortcut.setKey", match: plain("s"), run: (c) => withNode(c, (id) => c.actions.setRandomKey(id)) },
  { keys: "K", label: "shortcut.kill", match: plain("k"), run: (c) => withNode(c, (id) => c.actions.kill(id)) },
  { keys: "R", label: "shortcut.restart", match: plain("r"), run: (c) => withNode(c, (id) => c.actions.restart(id, false)) },
  { keys: "⇧R", label: "shortcut.restartWipe", match: shifted("r"), run: (c) => withNode(c, (id) => c.actions.restart(id, true)) },
  { keys: "F", label: "shortcut.freeze", match: plain("f"), run: (c) => withNode(c, (id) => c.actions.toggleFreeze(id)) },
  { keys: "P", label: "shortcut.promote", match: plain("p"), run: (c) => withNode(c, (id) => c.actions.setMaster(id, null)) },
  {
    keys: "Del",
    label: "shortcut.remove",
    match: (e) => e.key === "Delete" || e.key === "Backspace",
    run: (c) => {
      const sel = c.state.selection;
      if (sel?.kind === "node") c.actions.removeNode(sel.id);
      else if (sel?.kind === "edge") c.actions.removeEdge(sel.id);
      else return false;
      return true;
    },
  },
  { keys: "Space", keyName: "shortcut.spaceKey", label: "shortcut.clock", match: (e) => e.key === " ", run: (c) => (c.actions.clock({ action: c.state.lab.clock.paused ? "resume" : "pause" }), true) },
  {
    keys: ".",
    label: "shortcut.step",
    match: (e) => e.key === "." && !e.ctrlKey && !e.metaKey && !e.altKey,
    // In the past the clock is not this moment's to step: the key moves to the next event instead.
    run: (c) => (c.state.timeView.kind === "past" && c.timeline ? c.timeline.stepForward() : (c.actions.clock({ action: "step", stepMs: 100 }), true)),
  },
  { keys: ",", label: "timeline.keyBack", match: (e) => e.key === "," && !e.ctrlKey && !e.metaKey && !e.altKey, run: (c) => c.timeline?.stepBack() ?? false },
  // Alt+arrows are also the browser's Back/Forward: taken whole while a timeline runs, so a step
  // with nowhere to go does not leave the page.
  { keys: "Alt+←", label: "timeline.keyBack", match: (e) => e.key === "ArrowLeft" && e.altKey && !e.ctrlKey && !e.metaKey, run: (c) => (c.timeline?.stepBack(), c.timeline !== undefined) },
  { keys: "Alt+→", label: "timeline.keyForward", match: (e) => e.key === "ArrowRight" && e.altKey && !e.ctrlKey && !e.metaKey, run: (c) => (c.timeline?.stepForward(), c.timeline !== undefined) },
  {
    keys: "End",
    label: "timeline.keyLive",
    match: (e) => e.key === "End" && !e.ctrlKey && !e.metaKey && !e.altKey,
    run: (c) => (c.state.timeView.kind === "past" && c.timeline ? (c.timeline.live(), true) : false),
  },
  { keys: "L", label: "shortcut.layout", match: plain("l"), run: (c) => (c.state.relayout(), true) },
  { keys: "`", label: "shortcut.console", match: (e) => e.key === "`", run: (c) => (c.focusConsole(), true) },
  { keys: "Z", label: "shortcut.present", match: plain("z"), run: (c) => (c.state.setPresenting(!c.state.presenting), true) },
  { keys: "T", label: "shortcut.theme", match: plain("t"), run: (c) => (c.state.setTheme(c.state.theme === "dark" ? "light" : "dark"), true) },
  { keys: "?", label: "shortcut.help", match: (e) => e.key === "?", run: (c) => (c.state.setHelpOpen(!c.state.helpOpen), true) },
];

/** Handles a key press; returns true when a shortcut ran (the caller then prevents the default). */
export function handleShortcut(event: KeyLike, ctx: ShortcutContext): boolean {
  if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const id = ctx.state.lab.nodeIds[Number(event.key) - 1];
    if (id === undefined) return false;
    ctx.state.select({ kind: "node", id });
    return true;
  }
  for (const shortcut of SHORTCUTS) {
    if (shortcut.match(event)) return shortcut.run(ctx);
  }
  return false;
}

/**
 * True when the key press belongs to the focused element: typing in a text field or select, or
 * Space/Enter pressing a focused button (keyboard users rely on that).
 */
export function isTypingTarget(target: EventTarget | null, key = ""): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return true;
  return (key === " " || key === "Enter") && (tag === "BUTTON" || target.getAttribute("role") === "button");
}
