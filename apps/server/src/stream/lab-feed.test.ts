/**
 * The feed without sockets: a slow client is skipped, then catches up with one coalesced update;
 * event backlogs are bounded and counted; frames where only figures moved go out every other frame,
 * anything else in the next one.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServerMessage } from "@replica-lab/protocol";
import { LabRuntime, DEFAULT_TIMING } from "../labs/lab-runtime.ts";
import { DEFAULT_LIMITS } from "../limits.ts";
import { applyMessage, type HeldLab } from "../testing/apply-message.ts";
import { DEFAULT_FEED_OPTIONS, LabFeed, type FeedSubscriber, type SubscriberState } from "./lab-feed.ts";

class FakeSubscriber implements FeedSubscriber {
  state: SubscriberState = { frameSeq: -1, nodes: new Map(), edgesJson: "", linksJson: "", loadsJson: "", externalsJson: "", lastEventSeq: 0 };
  bufferedAmount = 0;
  readonly messages: ServerMessage[] = [];
  send(message: Buffer): void {
    this.messages.push(JSON.parse(message.toString("utf8")) as ServerMessage);
  }
}

const runtimes: LabRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.dispose();
});

function makeRuntime(): LabRuntime {
  const runtime = new LabRuntime({
    id: "t",
    name: "t",
    seed: 1,
    limits: DEFAULT_LIMITS,
    timing: { ...DEFAULT_TIMING, tickIntervalMs: 0 },
    bindHost: "127.0.0.1",
    overMemory: () => false,
  });
  runtimes.push(runtime);
  return runtime;
}

/** A lab of one node A and its feed with one client; clock-only frames never due. */
async function oneNodeFeed(): Promise<{ runtime: LabRuntime; a: Awaited<ReturnType<LabRuntime["addNode"]>>; feed: LabFeed; client: FakeSubscriber }> {
  const runtime = makeRuntime();
  const a = await runtime.addNode({ name: "A", resp: false });
  const feed = new LabFeed(runtime, { ...DEFAULT_FEED_OPTIONS, frameIntervalMs: 60_000, clockOnlyEveryFrames: 1000 });
  const client = new FakeSubscriber();
  feed.add(client);
  return { runtime, a, feed, client };
}

describe("LabFeed", () => {
  it("skips a slow client and brings it up to date in one update", async () => {
    const runtime = makeRuntime();
    const a = await runtime.addNode({ name: "A", resp: false });
    const feed = new LabFeed(runtime, { ...DEFAULT_FEED_OPTIONS, frameIntervalMs: 60_000, maxEventsPerMessage: 3 });
    const fast = new FakeSubscriber();
    const slow = new FakeSubscriber();
    feed.add(fast);
    feed.add(slow);
    slow.bufferedAmount = 10 * 1024 * 1024;
    for (let i = 0; i < 5; i++) {
      await runtime.command(a.id, ["SET", `k${i}`, "v"]);
      await runtime.addNode({ resp: false });
      feed.tick();
    }
    expect(slow.messages.map((m) => m.type)).toEqual(["snapshot"]);
    expect(fast.messages.filter((m) => m.type === "update")).toHaveLength(5);
    slow.bufferedAmount = 0;
    feed.tick();
    const catchUp = slow.messages.slice(1);
    expect(catchUp.map((m) => m.type)).toEqual(["update", "events"]);
    const update = catchUp[0] as Extract<ServerMessage, { type: "update" }>;
    expect(update.nodes).toHaveLength(5);
    const events = catchUp[1] as Extract<ServerMessage, { type: "events" }>;
    expect(events.events).toHaveLength(3);
    expect(events.dropped).toBeGreaterThan(0);
    let held: HeldLab | null = null;
    for (const message of slow.messages) held = applyMessage(held, message);
    expect(held?.nodes).toEqual(runtime.view().nodes);
    feed.close();
  });

  it("sends nothing but an occasional clock update when nothing changes", async () => {
    const runtime = makeRuntime();
    await runtime.addNode({ name: "A", resp: false });
    const feed = new LabFeed(runtime, { ...DEFAULT_FEED_OPTIONS, frameIntervalMs: 60_000 });
    const client = new FakeSubscriber();
    feed.add(client);
    for (let i = 0; i < 10; i++) feed.tick();
    const updates = client.messages.filter((m) => m.type === "update");
    expect(updates.length).toBe(10 / DEFAULT_FEED_OPTIONS.clockOnlyEveryFrames);
    feed.close();
  });

  it("sends figures-only frames every other frame and a setting in the next frame", async () => {
    const { runtime, a, feed, client } = await oneNodeFeed();
    const updates = (): Extract<ServerMessage, { type: "update" }>[] => client.messages.filter((m): m is Extract<ServerMessage, { type: "update" }> => m.type === "update");
    feed.tick();
    const first = updates().length;
    // Each frame a write moves the key count and the counters: figures only.
    for (let i = 0; i < 10; i++) {
      await runtime.command(a.id, ["SET", `k${i}`, "v"]);
      feed.tick();
    }
    expect(updates().length - first).toBe(5);
    for (const update of updates().slice(first)) {
      for (const patch of update.nodePatches) expect(Object.keys(patch.changes)).not.toContain("config");
    }
    // A frame the figures would wait in: a setting still goes out in it.
    await runtime.command(a.id, ["SET", "odd", "v"]);
    feed.tick();
    const before = updates().length;
    await runtime.command(a.id, ["CONFIG", "SET", "repl-backlog-ttl", "77"]);
    feed.tick();
    expect(updates().length).toBe(before + 1);
    const last = updates().at(-1)!;
    const changes = last.nodePatches.find((p) => p.id === a.id)?.changes as { config?: { replBacklogTtl?: number } } | undefined;
    expect(changes?.config?.replBacklogTtl).toBe(77);
    let held: HeldLab | null = null;
    for (const message of client.messages) held = applyMessage(held, message);
    expect(held?.nodes).toEqual(runtime.view().nodes);
    feed.close();
  });

  it("does not build a frame a client would wait for when only time and a write load moved the lab", async () => {
    const { runtime, a, feed, client } = await oneNodeFeed();
    runtime.setWriteLoad(a.id, 2000);
    const views = vi.spyOn(runtime, "view");
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      runtime.tick();
      feed.tick();
    }
    // Frames 1 and 2, then every even frame: the odd ones would only have moved figures.
    expect(views).toHaveBeenCalledTimes(6);
    expect(client.messages.filter((m) => m.type === "update")).toHaveLength(6);
    // A command is not time nor load: the frame is built and the setting goes out in it.
    await runtime.command(a.id, ["CONFIG", "SET", "repl-backlog-ttl", "78"]);
    feed.tick();
    expect(views).toHaveBeenCalledTimes(7);
    const last = client.messages.at(-1);
    expect(last?.type).toBe("update");
    const changes = (last as Extract<ServerMessage, { type: "update" }>).nodePatches.find((p) => p.id === a.id)?.changes as { config?: { replBacklogTtl?: number } } | undefined;
    expect(changes?.config?.replBacklogTtl).toBe(78);
    runtime.setWriteLoad(a.id, 0);
    feed.tick();
    let held: HeldLab | null = null;
    for (const message of client.messages) held = applyMessage(held, message);
    expect(held?.nodes).toEqual(runtime.view().nodes);
    feed.close();
  });
});
