import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { OffsetHistory } from "../panels/offsetHistory.ts";
import { createAppStore } from "../store/store.ts";
import { makeEdge, makeEvent, makeLab, makeNode, snapshotMessage } from "../store/fixtures.ts";
import type { TimelineHost } from "./navigation.ts";
import { TimelineController } from "./timelineController.ts";
import { branchesOf, type KeyValueStore } from "./lineage.ts";

const A = makeNode("n1", { name: "A", keys: 5 });
const B = makeNode("n2", { name: "B", role: "replica", masterId: "n1" as NodeId });

/** A server for one lab "L" whose history is 60 s long; answers are held until released. */
function fakeServer() {
  const requests: string[] = [];
  const held: { path: string; release: () => void }[] = [];
  let holding = false;
  const failing = new Set<string>();
  const respond = (path: string, init?: RequestInit): Response => {
    if (failing.has(path)) return Response.json({ error: { code: "bad-argument", message: `no moment ${path}` } }, { status: 400 });
    const at = /^\/api\/labs\/L\/at\/([\d.]+)$/.exec(path);
    if (at) {
      const ms = Number(at[1]);
      return Response.json({
        timeMs: ms,
        snapshot: makeLab([{ ...A, keys: Math.floor(ms / 1000) }, B], [makeEdge("n2", "n1")], { id: "L", clock: { timeMs: ms, unixMs: 0, paused: false, speed: 1, lagMs: 0 } }),
        events: [makeEvent(1, { timeMs: 0 })],
      });
    }
    if (path === "/api/labs/L/timeline") {
      return Response.json({
        nowMs: 60_000,
        inputCount: 40,
        events: [
          { seq: 1, timeMs: 0, kind: "node-added", nodeId: "n1", source: "lab" },
          { seq: 2, timeMs: 40, kind: "full-resync", nodeId: "n1", source: "node" },
          { seq: 3, timeMs: 20_000, kind: "killed", nodeId: "n2", source: "lab" },
          { seq: 4, timeMs: 20_000, kind: "link", nodeId: "n2", source: "node" },
          { seq: 5, timeMs: 30_000, kind: "full-resync", nodeId: "n1", source: "node" },
        ],
        checkpoints: [{ timeMs: 0, inputIndex: 0 }],
        parent: { labId: "P", atMs: 5000 },
      });
    }
    if (path.startsWith("/api/labs/L/series")) return Response.json({ timeMs: [0, 30_000, 60_000], nodes: { n1: [0, 100, 200], n2: [0, 90, 200] } });
    if (path === "/api/labs/L/branch") {
      const body = JSON.parse(String(init?.body)) as { atMs: number };
      return Response.json({ ...makeLab([A], [], { id: `L-branch-${body.atMs}` }), parent: { labId: "L", atMs: body.atMs } }, { status: 201 });
    }
    return Response.json({ error: { code: "not-found", message: path } }, { status: 404 });
  };
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = String(input);
    requests.push(path);
    if (!holding) return Promise.resolve(respond(path, init));
    return new Promise((resolve) => held.push({ path, release: () => resolve(respond(path, init)) }));
  }) as typeof fetch;
  return {
    fetchImpl,
    requests,
    hold: () => (holding = true),
    fail: (path: string) => failing.add(path),
    /** Answers every held request, oldest first, letting each answer be handled. */
    async releaseAll(): Promise<void> {
      holding = false;
      while (held.length > 0) {
        held.shift()!.release();
        await settle();
      }
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function fakeHost(href = "http://h/?lab=L") {
  const timers: (() => void)[] = [];
  const host = {
    url: href,
    opened: [] as [string, number | null][],
    href: () => host.url,
    replaceHref: (url: string) => {
      host.url = url;
    },
    openLab: (labId: string, atMs: number | null) => host.opened.push([labId, atMs]),
    setTimer: (callback: () => void) => timers.push(callback),
    clearTimer: () => undefined,
    runTimers: () => timers.splice(0).forEach((cb) => cb()),
  };
  return host satisfies TimelineHost;
}

function memoryStorage(): KeyValueStore {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

async function setup(href?: string) {
  const store = createAppStore();
  store.getState().resetLab("L");
  const server = fakeServer();
  const host = fakeHost(href);
  const history = new OffsetHistory(100, 0);
  const storage = memoryStorage();
  const controller = new TimelineController(store, "L", { history, host, fetchImpl: server.fetchImpl, storage });
  controller.start();
  store.getState().applyStream([snapshotMessage(makeLab([A, B], [makeEdge("n2", "n1")], { id: "L", clock: { timeMs: 60_000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } }))]);
  await controller.refresh();
  return { store, server, host, history, controller, storage };
}

describe("the timeline controller", () => {
  it("loads the timeline and the whole-history series when the stream connects", async () => {
    const { store, history } = await setup();
    expect(store.getState().timeline?.events).toHaveLength(5);
    expect(store.getState().timeline?.parent).toEqual({ labId: "P", atMs: 5000 });
    expect(history.data(["n1"])).toEqual([
      [0, 30, 60],
      [0, 100, 200],
    ]);
  });

  it("shows the moment asked for and writes it into the URL once the cursor settles", async () => {
    const { store, host, controller } = await setup();
    controller.seek(12_000);
    await settle();
    expect(store.getState().lab.nodes["n1"]?.keys).toBe(12);
    expect(store.getState().timeView).toEqual({ kind: "past", atMs: 12_000, shownMs: 12_000 });
    host.runTimers();
    expect(host.url).toBe("http://h/?lab=L&t=12000");
    controller.live();
    host.runTimers();
    expect(host.url).toBe("http://h/?lab=L");
    expect(store.getState().lab.nodes["n1"]?.keys).toBe(5);
  });

  it("asks one moment at a time: while one is on its way, only the newest wish is fetched next", async () => {
    const { store, server, controller } = await setup();
    server.hold();
    const before = server.requests.length;
    controller.seek(1000);
    controller.seek(2000);
    controller.seek(3000);
    controller.seek(4000);
    await server.releaseAll();
    await settle();
    expect(server.requests.slice(before)).toEqual(["/api/labs/L/at/1000", "/api/labs/L/at/4000"]);
    expect(store.getState().timeView).toEqual({ kind: "past", atMs: 4000, shownMs: 4000 });
    expect(store.getState().lab.nodes["n1"]?.keys).toBe(4);
  });

  it("answers a moment seen before from its cache", async () => {
    const { server, controller } = await setup();
    controller.seek(7000);
    await settle();
    controller.seek(8000);
    await settle();
    const before = server.requests.length;
    controller.seek(7000);
    await settle();
    expect(server.requests.length).toBe(before);
  });

  it("asks for an event's moment exactly, fraction of a millisecond included", async () => {
    const { store, server, controller } = await setup();
    store.getState().addTimelineEvents([makeEvent(6, { timeMs: 58_002.00848, kind: "full-resync" })]);
    controller.stepBack();
    await settle();
    expect(server.requests.at(-1)).toBe("/api/labs/L/at/58002.00848");
    expect(store.getState().timeView).toEqual({ kind: "past", atMs: 58_002.00848, shownMs: 58_002.00848 });
  });

  it("treats a moment at or past the live edge as live", async () => {
    const { store, controller } = await setup();
    controller.seek(12_000);
    await settle();
    controller.seek(60_000);
    expect(store.getState().timeView).toEqual({ kind: "live" });
  });

  it("steps back and forward by event moments, from live into the past and out again", async () => {
    const { store, controller } = await setup();
    expect(controller.stepForward()).toBe(false); // live: nothing ahead
    expect(controller.stepBack()).toBe(true);
    expect(store.getState().timeView).toMatchObject({ atMs: 30_000 });
    controller.stepBack();
    expect(store.getState().timeView).toMatchObject({ atMs: 20_000 }); // the kill and its link event: one stop
    controller.stepBack();
    controller.stepBack();
    expect(store.getState().timeView).toMatchObject({ atMs: 0 });
    expect(controller.stepBack()).toBe(false);
    controller.stepForward();
    expect(store.getState().timeView).toMatchObject({ atMs: 40 });
    controller.seek(30_000);
    controller.stepForward();
    expect(store.getState().timeView).toEqual({ kind: "live" });
    await settle();
  });

  it("opens the moment the URL names when it starts, before the lab has loaded", async () => {
    const store = createAppStore();
    store.getState().resetLab("L");
    const server = fakeServer();
    const host = fakeHost("http://h/?lab=L&t=15000");
    const controller = new TimelineController(store, "L", { history: new OffsetHistory(), host, fetchImpl: server.fetchImpl });
    controller.start();
    await settle();
    expect(store.getState().timeView).toEqual({ kind: "past", atMs: 15_000, shownMs: 15_000 });
    expect(store.getState().lab.loaded).toBe(true);
    expect(store.getState().lab.nodes["n1"]?.keys).toBe(15);
    // The live stream arrives meanwhile and waits in the live copy.
    store.getState().applyStream([snapshotMessage(makeLab([A, B], [], { id: "L", clock: { timeMs: 60_000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } }))]);
    expect(store.getState().lab.nodes["n1"]?.keys).toBe(15);
    expect(store.getState().liveLab?.nodes["n1"]?.keys).toBe(5);
  });

  it("goes back to live with the server's error when a moment cannot be shown", async () => {
    const { store, server, controller } = await setup();
    server.fail("/api/labs/L/at/9000");
    controller.seek(9000);
    await settle();
    expect(store.getState().timeView).toEqual({ kind: "live" });
    const notice = store.getState().notices.at(-1);
    expect(notice).toMatchObject({ level: "error", code: "bad-argument", message: "no moment /api/labs/L/at/9000", fromServer: true });
    expect(notice?.title).toContain("9.0 s");
  });

  it("branches at the moment shown and opens the branch", async () => {
    const { controller, host, storage } = await setup();
    controller.seek(12_000);
    await settle();
    await controller.branch();
    expect(host.opened).toEqual([["L-branch-12000", null]]);
    // The parent remembers it, so it can offer to switch to it.
    expect(branchesOf("L", storage)).toEqual([{ labId: "L-branch-12000", atMs: 12_000 }]);
  });

  it("hands the stream's new events to the timeline once each", async () => {
    const { store } = await setup();
    store.getState().applyStream([{ type: "events", events: [makeEvent(6, { timeMs: 61_000, kind: "role" })], dropped: 0 }]);
    store.getState().applyStream([{ type: "events", events: [makeEvent(7, { timeMs: 62_000, kind: "replid" })], dropped: 0 }]);
    expect(store.getState().timeline?.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("says why when the server has no timeline", async () => {
    const store = createAppStore();
    store.getState().resetLab("X");
    const controller = new TimelineController(store, "X", { history: new OffsetHistory(), host: fakeHost("http://h/?lab=X"), fetchImpl: fakeServer().fetchImpl });
    controller.start();
    await controller.refresh();
    expect(store.getState().timeline).toBeNull();
    expect(store.getState().timelineError?.code).toBe("not-found");
  });
});
