import { describe, expect, it, vi } from "vitest";
import { handleShortcut, type KeyLike, type ShortcutContext } from "./shortcuts.ts";
import { createAppStore } from "../store/store.ts";
import { makeLab, makeNode, snapshotMessage } from "../store/fixtures.ts";
import type { LabActions } from "./actions.ts";

function setup() {
  const store = createAppStore();
  store.getState().applyStream([snapshotMessage(makeLab([makeNode("n1", {}), makeNode("n2", {})]))]);
  const actions = {
    addNode: vi.fn(),
    removeNode: vi.fn(),
    removeEdge: vi.fn(),
    kill: vi.fn(),
    restart: vi.fn(),
    setMaster: vi.fn(),
    setRandomKey: vi.fn(),
    toggleFreeze: vi.fn(),
    clock: vi.fn(),
  } as unknown as LabActions;
  const ctx = (): ShortcutContext => ({ state: store.getState(), actions, focusConsole: vi.fn() });
  return { store, actions, ctx };
}

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe("shortcuts", () => {
  it("selects nodes by number and acts on the selection", () => {
    const { store, actions, ctx } = setup();
    expect(handleShortcut(key("k"), ctx())).toBe(false);
    expect(handleShortcut(key("2"), ctx())).toBe(true);
    expect(store.getState().selection).toEqual({ kind: "node", id: "n2" });
    handleShortcut(key("k"), ctx());
    expect(actions.kill).toHaveBeenCalledWith("n2");
    handleShortcut(key("R", { shiftKey: true }), ctx());
    expect(actions.restart).toHaveBeenCalledWith("n2", true);
    handleShortcut(key("Delete"), ctx());
    expect(actions.removeNode).toHaveBeenCalledWith("n2");
  });

  it("leaves modified keys to the browser", () => {
    const { actions, ctx } = setup();
    expect(handleShortcut(key("n", { ctrlKey: true }), ctx())).toBe(false);
    expect(actions.addNode).not.toHaveBeenCalled();
  });

  it("pauses a running clock with Space", () => {
    const { actions, ctx } = setup();
    handleShortcut(key(" "), ctx());
    expect(actions.clock).toHaveBeenCalledWith({ action: "pause" });
  });

  it("steps through the timeline: , back (into the past), . forward there but the clock while live, End to live", () => {
    const { store, actions, ctx } = setup();
    const timeline = { seek: vi.fn(), stepBack: vi.fn(() => true), stepForward: vi.fn(() => true), live: vi.fn(), branch: vi.fn(async () => undefined) };
    const withTimeline = (): ShortcutContext => ({ ...ctx(), timeline });
    expect(handleShortcut(key(","), withTimeline())).toBe(true);
    expect(timeline.stepBack).toHaveBeenCalledTimes(1);
    handleShortcut(key("."), withTimeline());
    expect(actions.clock).toHaveBeenCalledWith({ action: "step", stepMs: 100 });
    expect(timeline.stepForward).not.toHaveBeenCalled();
    expect(handleShortcut(key("End"), withTimeline())).toBe(false);

    store.getState().seekTo(500);
    handleShortcut(key("."), withTimeline());
    expect(timeline.stepForward).toHaveBeenCalledTimes(1);
    expect(actions.clock).toHaveBeenCalledTimes(1);
    handleShortcut(key("ArrowLeft", { altKey: true }), withTimeline());
    expect(timeline.stepBack).toHaveBeenCalledTimes(2);
    handleShortcut(key("ArrowRight", { altKey: true }), withTimeline());
    expect(timeline.stepForward).toHaveBeenCalledTimes(2);
    expect(handleShortcut(key("End"), withTimeline())).toBe(true);
    expect(timeline.live).toHaveBeenCalled();
    // Without a timeline (tests, older hosts) the keys are left alone.
    expect(handleShortcut(key(","), ctx())).toBe(false);
  });
});
