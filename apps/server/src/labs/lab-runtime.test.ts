/**
 * The clock rules on a real runtime: commands are answered at once whatever the clock does, what
 * needs time waits for it, a step advances exactly, and a lab with too much work falls behind
 * instead of freezing the event loop.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/engine";
import { DEFAULT_LIMITS } from "../limits.ts";
import { sleep } from "../testing/helpers.ts";
import { DEFAULT_TIMING, LabRuntime, type RuntimeTiming } from "./lab-runtime.ts";
import { warmUpForks } from "./warm-up.ts";

// As the server does before it answers anyone (main.ts): the timeline's first checkpoint (every
// 2 s of virtual time, so within these tests' windows at 20x) would otherwise run the fork probe
// on the clock's turn and hold it back.
beforeAll(() => warmUpForks());

const runtimes: LabRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.dispose();
});

function makeRuntime(timing: Partial<RuntimeTiming> = {}): LabRuntime {
  const runtime = new LabRuntime({
    id: "t",
    name: "t",
    seed: 3,
    limits: DEFAULT_LIMITS,
    timing: { ...DEFAULT_TIMING, ...timing },
    bindHost: "127.0.0.1",
    overMemory: () => false,
  });
  runtimes.push(runtime);
  return runtime;
}

async function pair(runtime: LabRuntime): Promise<[NodeId, NodeId]> {
  const a = await runtime.addNode({ name: "A", resp: false, config: { "repl-diskless-sync-delay": 0 } });
  const b = await runtime.addNode({ name: "B", resp: false });
  return [a.id, b.id];
}

describe("LabRuntime clock rules", () => {
  it("answers commands while paused, and replication waits for the clock", async () => {
    const runtime = makeRuntime();
    const [a, b] = await pair(runtime);
    runtime.clockAction("pause", undefined, 0);
    const t0 = runtime.clockView().timeMs;
    const reply = await runtime.command(b, ["REPLICAOF", "127.0.0.1", runtime.lab.addressOf(a).split(":")[1]!]);
    expect(reply).toEqual({ kind: "simple", value: "OK" });
    await sleep(100);
    // Paused: virtual time stood still, so the link has not even connected.
    expect(runtime.clockView().timeMs).toBe(t0);
    expect(runtime.nodeView(b).linkUp).toBe(false);
    runtime.clockAction("step", undefined, 2000);
    expect(runtime.clockView().timeMs).toBe(t0 + 2000);
    expect(runtime.nodeView(b).linkUp).toBe(true);
    await runtime.command(a, ["SET", "k", "v"]);
    expect(await runtime.command(b, ["GET", "k"])).toEqual({ kind: "bulk", value: null });
    runtime.clockAction("step", undefined, 5);
    expect(await runtime.command(b, ["GET", "k"])).toEqual({ kind: "bulk", value: new TextEncoder().encode("v") });
  });

  it("follows the wall clock at the chosen speed", async () => {
    const runtime = makeRuntime();
    await pair(runtime);
    runtime.clockAction("resume", 20, 0);
    const t0 = runtime.clockView().timeMs;
    const wall0 = performance.now();
    await sleep(200);
    const advanced = runtime.clockView().timeMs - t0;
    const expected = (performance.now() - wall0) * 20;
    // Within one tick or so (10 ms wall = 200 ms virtual), whatever else the machine is doing.
    expect(advanced).toBeGreaterThan(expected - 600);
    expect(advanced).toBeLessThanOrEqual(expected + 1);
  });

  it("falls behind under a tiny budget and reports the lag instead of blocking", async () => {
    // A 0 ms budget: each tick processes at most one batch of 64 events, while 20 nodes at 100x
    // need 20 cron ticks per node per wall tick.
    const runtime = makeRuntime({ tickBudgetMs: 0, maxLagMs: 50 });
    for (let i = 0; i < 20; i++) await runtime.addNode({ resp: false });
    runtime.clockAction("resume", 100, 0);
    const started = performance.now();
    let maxLag = 0;
    let ticks = 0;
    while (performance.now() - started < 500) {
      await sleep(20);
      ticks++;
      maxLag = Math.max(maxLag, runtime.clockView().lagMs);
    }
    expect(maxLag).toBeGreaterThan(0);
    // The event loop kept turning: sleeps of 20 ms came back about on time.
    expect(ticks).toBeGreaterThan(5);
    // Never more than the allowed backlog: 50 wall ms at 100x = 5000 virtual ms.
    expect(maxLag).toBeLessThanOrEqual(5000);
  });

  it("drives a write load on a dedicated connection", async () => {
    const runtime = makeRuntime();
    const [a] = await pair(runtime);
    // The wall clock is read before the load starts: a pause between the two (a GC under load) must
    // not count as time the load could not have used.
    const wall0 = performance.now();
    runtime.setWriteLoad(a, 2000);
    await sleep(300);
    runtime.setWriteLoad(a, 0);
    const sent = runtime.writeLoad.sent;
    const expected = ((performance.now() - wall0) * 2000) / 1000;
    expect(sent).toBeGreaterThan(expected * 0.5);
    expect(sent).toBeLessThanOrEqual(expected + 1);
    expect(runtime.nodeView(a).keys).toBeGreaterThan(100);
    // The console still answers.
    expect(await runtime.command(a, ["PING"])).toEqual({ kind: "simple", value: "PONG" });
  });
});
