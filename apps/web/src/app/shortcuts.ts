/**
 * Keyboard shortcuts for the common actions. One table drives both the handler and the help overlay,
 * so they cannot disagree. Keys typed into inputs are never taken.
 */
import type { LabActions } from "./actions.ts";
import type { AppState } from "../store/appState.ts";

export interface Shortcut {
  readonly keys: string;
  readonly label: string;
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
  { keys: "N", label: "Add a node", match: plain("n"), run: (c) => (c.actions.addNode(), true) },
  { keys: "1–9", label: "Select node 1–9", match: (e) => /^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey, run: () => true },
  { keys: "Esc", label: "Clear the selection, close overlays", match: (e) => e.key === "Escape", run: (c) => (c.state.setHelpOpen(false), c.state.select(null), true) },
  { keys: "S", label: "SET a random key on the selected node", match: plain("s"), run: (c) => withNode(c, (id) => c.actions.setRandomKey(id)) },
  { keys: "K", label: "Kill the selected node", match: plain("k"), run: (c) => withNode(c, (id) => c.actions.kill(id)) },
  { keys: "R", label: "Restart it, keeping its disk", match: plain("r"), run: (c) => withNode(c, (id) => c.actions.restart(id, false)) },
  { keys: "⇧R", label: "Restart it with a wiped disk", match: shifted("r"), run: (c) => withNode(c, (id) => c.actions.restart(id, true)) },
  { keys: "F", label: "Freeze or thaw it", match: plain("f"), run: (c) => withNode(c, (id) => c.actions.toggleFreeze(id)) },
  { keys: "P", label: "Promote it (REPLICAOF NO ONE)", match: plain("p"), run: (c) => withNode(c, (id) => c.actions.setMaster(id, null)) },
  {
    keys: "Del",
    label: "Delete the selected node, or remove the selected link",
    match: (e) => e.key === "Delete" || e.key === "Backspace",
    run: (c) => {
      const sel = c.state.selection;
      if (sel?.kind === "node") c.actions.removeNode(sel.id);
      else if (sel?.kind === "edge") c.actions.removeEdge(sel.id);
      else return false;
      return true;
    },
  },
  { keys: "Space", label: "Pause or resume the clock", match: (e) => e.key === " ", run: (c) => (c.actions.clock({ action: c.state.lab.clock.paused ? "resume" : "pause" }), true) },
  { keys: ".", label: "Step the clock by 100 ms", match: (e) => e.key === ".", run: (c) => (c.actions.clock({ action: "step", stepMs: 100 }), true) },
  { keys: "L", label: "Auto layout", match: plain("l"), run: (c) => (c.state.relayout(), true) },
  { keys: "`", label: "Focus the console", match: (e) => e.key === "`", run: (c) => (c.focusConsole(), true) },
  { keys: "Z", label: "Presentation mode: the canvas alone", match: plain("z"), run: (c) => (c.state.setPresenting(!c.state.presenting), true) },
  { keys: "T", label: "Switch light / dark theme", match: plain("t"), run: (c) => (c.state.setTheme(c.state.theme === "dark" ? "light" : "dark"), true) },
  { keys: "?", label: "Show these shortcuts", match: (e) => e.key === "?", run: (c) => (c.state.setHelpOpen(!c.state.helpOpen), true) },
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
