import { describe, expect, it } from "vitest";
import { createAppStore } from "../store/store.ts";
import { makeLab, makeNode, snapshotMessage } from "../store/fixtures.ts";
import { LayoutSync, positionsOf } from "./layoutSync.ts";

function fakeServer(layout: unknown, status = 200) {
  const puts: unknown[] = [];
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) => {
    if (init?.method === "PUT") {
      puts.push(JSON.parse(String(init.body)));
      return Promise.resolve(Response.json(JSON.parse(String(init.body))));
    }
    return Promise.resolve(status === 200 ? Response.json(layout) : Response.json({ error: { code: "not-found", message: String(input) } }, { status }));
  }) as typeof fetch;
  return { fetchImpl, puts };
}

function fakeTimers() {
  const pending: (() => void)[] = [];
  return {
    setTimer: (cb: () => void) => pending.push(cb),
    clearTimer: () => undefined,
    run: () => pending.splice(0).forEach((cb) => cb()),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the lab's layout on the server", () => {
  it("takes the server's positions when this browser has none, and moves the cards at once", async () => {
    const store = createAppStore();
    store.getState().applyStream([snapshotMessage(makeLab([makeNode("n1", {}), makeNode("n2", {})]))]);
    const server = fakeServer({ positions: { n1: { x: 500, y: 40 } } });
    const sync = new LayoutSync(store, "L", { fetchImpl: server.fetchImpl, ...fakeTimers() });
    await sync.start();
    expect(store.getState().canvas.pinned).toEqual({ n1: { x: 500, y: 40 } });
    expect(store.getState().canvas.flowNodes.find((n) => n.id === "n1")?.position).toEqual({ x: 500, y: 40 });
    sync.stop();
  });

  it("keeps this browser's positions and sends drags a moment after the last one", async () => {
    const store = createAppStore();
    store.getState().loadPinned({ n1: { x: 1, y: 2 } });
    const server = fakeServer({ positions: { n1: { x: 500, y: 40 } } });
    const timers = fakeTimers();
    const sync = new LayoutSync(store, "L", { fetchImpl: server.fetchImpl, ...timers });
    await sync.start();
    expect(store.getState().canvas.pinned).toEqual({ n1: { x: 1, y: 2 } });
    store.getState().pinNode("n1", { x: 10, y: 20 });
    store.getState().pinNode("n1", { x: 30, y: 40 });
    timers.run();
    await settle();
    expect(server.puts).toEqual([{ positions: { n1: { x: 30, y: 40 } } }]);
    sync.stop();
  });

  it("leaves a server without the route alone", async () => {
    const store = createAppStore();
    const server = fakeServer(null, 404);
    const timers = fakeTimers();
    const sync = new LayoutSync(store, "L", { fetchImpl: server.fetchImpl, ...timers });
    await sync.start();
    store.getState().pinNode("n1", { x: 10, y: 20 });
    timers.run();
    await settle();
    expect(server.puts).toEqual([]);
  });

  it("reads only well-formed points", () => {
    expect(positionsOf({ positions: { a: { x: 1, y: 2 }, b: { x: "1", y: 2 }, c: null, d: { x: Infinity, y: 0 } } })).toEqual({ a: { x: 1, y: 2 } });
    expect(positionsOf(null)).toEqual({});
    expect(positionsOf({})).toEqual({});
  });
});
