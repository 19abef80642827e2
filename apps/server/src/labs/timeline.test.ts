/**
 * Time travel through the REST API, on a lab driven by its operations and a stepped clock: the
 * lab at a past moment (`at/:ms`) is the lab the API showed at that moment; the timeline lists
 * every event; checkpoints keep to their budget and seeks from them give the same moments; a
 * branch is its parent up to its moment, then goes its own way; a lab exported and imported is
 * the same lab at every moment; bad moments and bad files are 400s that create nothing.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabEvent } from "@replica-lab/engine";
import type { LabView, LayoutView, MomentView, SeriesView, TimelineView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  // Virtual time moves only when a test steps it; the timeline is looked at by hand (`poll`).
  ({ app } = await startApp({ timing: { tickIntervalMs: 0 }, timeline: { pollMs: 0, checkpointEveryMs: 400 } }));
});

afterAll(async () => {
  await app.close();
});

async function call<T>(method: "GET" | "POST" | "PUT" | "PATCH", url: string, payload?: unknown): Promise<T> {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json<T>();
}

/** What a moment must reproduce of the live view (the clock's running state and the runtime's extras aside). */
function state(view: LabView, options: { ports?: boolean } = {}): unknown {
  return {
    seed: view.seed,
    timeMs: view.clock.timeMs,
    unixMs: view.clock.unixMs,
    nodes: options.ports === false ? view.nodes.map((node) => ({ ...node, respPort: null })) : view.nodes,
    edges: view.edges,
    links: view.links,
    lastEventSeq: view.lastEventSeq,
  };
}

interface Driven {
  readonly lab: LabView;
  /** The live view at moments where nothing else happened at the same virtual time. */
  readonly seen: Map<number, LabView>;
}

/**
 * A lab through its story: writes, a partition, a kill and a wiped restart (a full resync), a
 * REPLICAOF chain, each followed by steps of the clock; the view is recorded between two steps.
 */
async function drive(seed: number): Promise<Driven> {
  const lab = await createLab(app, { template: "one-master-two-replicas", seed });
  const base = `/api/labs/${lab.id}`;
  const runtime = app.labs.get(lab.id);
  await call("POST", `${base}/clock`, { action: "pause" });
  const seen = new Map<number, LabView>();
  const step = async (stepMs: number): Promise<void> => {
    await call("POST", `${base}/clock`, { action: "step", stepMs });
    runtime.timeline.poll();
    const view = await call<LabView>("GET", base);
    seen.set(view.clock.timeMs, view);
    // The next input is a step too: the recorded moment is over when it is seen.
    await call("POST", `${base}/clock`, { action: "step", stepMs: 1 });
    runtime.timeline.poll();
  };
  const [a, b, c] = lab.nodes;
  for (let i = 0; i < 6; i++) {
    await call("POST", `${base}/nodes/${a!.id}/command`, { argv: ["SET", `k${i}`, "x".repeat(i * 50)] });
    await step(150);
  }
  await call("PATCH", `${base}/links/${a!.id}/${c!.id}`, { partitioned: true });
  await call("POST", `${base}/nodes/${a!.id}/command`, { argv: ["INCR", "during-partition"] });
  await step(700);
  await call("PATCH", `${base}/links/${a!.id}/${c!.id}`, { partitioned: false });
  await step(1500);
  await call("POST", `${base}/nodes/${b!.id}/kill`);
  await step(300);
  await call("POST", `${base}/nodes/${b!.id}/restart`, { wipe: true });
  await step(6000);
  await call("PUT", `${base}/nodes/${c!.id}/master`, { masterId: b!.id });
  await step(2500);
  await call("PUT", `${base}/nodes/${a!.id}/write-load`, { opsPerSec: 0 });
  await call("POST", `${base}/nodes/${a!.id}/command`, { argv: ["SET", "last", "1"] });
  await step(1200);
  return { lab, seen };
}

describe("time travel over REST", () => {
  let driven: Driven;
  let base: string;

  beforeAll(async () => {
    driven = await drive(7);
    base = `/api/labs/${driven.lab.id}`;
  }, 120_000);

  it("shows the lab at every recorded moment as the API showed it then", async () => {
    expect(driven.seen.size).toBeGreaterThan(10);
    for (const [timeMs, view] of driven.seen) {
      const moment = await call<MomentView>("GET", `${base}/at/${timeMs}`);
      expect(moment.timeMs).toBe(timeMs);
      expect(state(moment.snapshot), `at ${timeMs} ms`).toEqual(state(view));
      expect(moment.snapshot.id).toBe(driven.lab.id);
      expect(moment.snapshot.clock.paused).toBe(true);
      expect(moment.events.every((event) => event.timeMs <= timeMs)).toBe(true);
      expect(moment.events[moment.events.length - 1]?.seq).toBe(view.lastEventSeq);
      for (const node of view.nodes) {
        if (node.status === "down") continue;
        expect(moment.info[node.id], `INFO of ${node.name}`).toMatch(/^# Replication\r\nrole:(master|slave)\r\n/);
      }
    }
  });

  it("lists every event in the timeline, with checkpoints within their budget", async () => {
    const timeline = await call<TimelineView>("GET", `${base}/timeline`);
    const { events } = await call<{ events: LabEvent[] }>("GET", `${base}/events?after=0`);
    expect(timeline.events).toEqual(events.map((e) => ({ seq: e.seq, timeMs: e.timeMs, kind: e.kind, nodeId: e.nodeId, source: e.source })));
    expect(timeline.nowMs).toBe(app.labs.get(driven.lab.id).lab.nowMs);
    expect(timeline.inputCount).toBe(app.labs.get(driven.lab.id).lab.inputs.length);
    expect(timeline.parent).toBeNull();
    expect(timeline.checkpoints.length).toBeGreaterThan(5);
    expect(timeline.checkpointBytes).toBeGreaterThan(0);
    expect(timeline.checkpointBytes).toBeLessThanOrEqual(timeline.checkpointBudgetBytes);
    expect(timeline.checkpointRefusal).toBeNull();
    const times = timeline.checkpoints.map((c) => c.timeMs);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it("answers any moment the same, from a checkpoint or from the start", async () => {
    const runtime = app.labs.get(driven.lab.id);
    const end = runtime.lab.nowMs;
    const moments = [0, 1, end / 7, end / 3 + 0.25, end / 2, end - 1, end];
    const fromCheckpoints: MomentView[] = [];
    for (const t of moments) fromCheckpoints.push(await call<MomentView>("GET", `${base}/at/${t}`));
    // A timeline without checkpoints replays from the start.
    const { LabTimeline } = await import("./lab-timeline.ts");
    const bare = new LabTimeline(runtime.lab, { checkpointEveryMs: 1e12, checkpointBudgetBytes: 0, totalCheckpointBudgetBytes: 0, pollMs: 0, maxSamples: 10 }, () => false);
    try {
      for (const [i, t] of moments.entries()) {
        const replayed = bare.moment(t, (snapshot) => ({ ...fromCheckpoints[i]!.snapshot, ...snapshot, clock: fromCheckpoints[i]!.snapshot.clock }));
        expect(state(replayed.snapshot), `at ${t} ms`).toEqual(state(fromCheckpoints[i]!.snapshot));
        expect(replayed.info).toEqual(fromCheckpoints[i]!.info);
      }
    } finally {
      bare.dispose();
    }
  });

  it("refuses moments that are not in the history", async () => {
    const end = app.labs.get(driven.lab.id).lab.nowMs;
    for (const bad of ["-1", "abc", "NaN", "Infinity", String(end + 1), "1e400", "0x10"]) {
      const response = await app.inject({ url: `${base}/at/${bad}` });
      expect(response.statusCode, bad).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe("bad-request");
    }
    expect((await app.inject({ url: "/api/labs/nope/at/0" })).statusCode).toBe(404);
    expect((await app.inject({ url: `${base}/at/1e2` })).statusCode).toBe(200);
  });

  it("gives offsets over the whole history", async () => {
    const series = await call<SeriesView>("GET", `${base}/series?points=40`);
    expect(series.timeMs.length).toBeGreaterThan(20);
    expect(series.timeMs.length).toBeLessThanOrEqual(40);
    expect([...series.timeMs].sort((x, y) => x - y)).toEqual(series.timeMs);
    expect(Object.keys(series.nodes).sort()).toEqual(driven.lab.nodes.map((n) => n.id).sort());
    for (const column of Object.values(series.nodes)) expect(column).toHaveLength(series.timeMs.length);
    // Each value is the node's offset at that moment.
    for (const i of [1, Math.floor(series.timeMs.length / 2), series.timeMs.length - 1]) {
      const moment = await call<MomentView>("GET", `${base}/at/${series.timeMs[i]}`);
      for (const node of moment.snapshot.nodes) {
        const expected = node.status === "down" || !("masterReplOffset" in node) ? null : node.masterReplOffset;
        expect(series.nodes[node.id]![i], `${node.name} at ${series.timeMs[i]} ms`).toBe(expected);
      }
    }
    expect((await app.inject({ url: `${base}/series?points=0` })).statusCode).toBe(400);
  });

  it("branches: the parent up to the moment, on its own ports, then its own way", async () => {
    const times = [...driven.seen.keys()];
    const atMs = times[Math.floor(times.length * 0.6)]!;
    const response = await app.inject({ method: "POST", url: `${base}/branch`, payload: { atMs } });
    expect(response.statusCode, response.body).toBe(201);
    const branch = response.json<LabView>();
    expect(branch.id).not.toBe(driven.lab.id);
    expect(branch.parent).toEqual({ labId: driven.lab.id, atMs });
    expect(branch.clock.paused).toBe(true);
    expect(state(branch, { ports: false })).toEqual(state(driven.seen.get(atMs)!, { ports: false }));
    const parentPorts = new Set(driven.seen.get(atMs)!.nodes.map((n) => n.respPort));
    for (const node of branch.nodes) if (node.respPort !== null) expect(parentPorts.has(node.respPort)).toBe(false);
    // Its past is its parent's.
    for (const t of times.filter((x) => x < atMs)) {
      const mine = await call<MomentView>("GET", `/api/labs/${branch.id}/at/${t}`);
      expect(state(mine.snapshot), `at ${t} ms`).toEqual(state(driven.seen.get(t)!));
    }
    const timeline = await call<TimelineView>("GET", `/api/labs/${branch.id}/timeline`);
    expect(timeline.parent).toEqual({ labId: driven.lab.id, atMs });
    expect(timeline.events.every((e) => e.seq <= branch.lastEventSeq)).toBe(true);
    // A new input: the branch differs, the parent does not change.
    const parentBefore = state(await call<LabView>("GET", base));
    const killed = branch.nodes.find((n) => n.status === "up")!;
    await call("POST", `/api/labs/${branch.id}/nodes/${killed.id}/kill`);
    const after = await call<LabView>("GET", `/api/labs/${branch.id}`);
    expect(after.nodes.find((n) => n.id === killed.id)!.status).toBe("down");
    expect(state(await call<LabView>("GET", base))).toEqual(parentBefore);
    expect((await app.inject({ method: "POST", url: `${base}/branch`, payload: { atMs: -5 } })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: `${base}/branch`, payload: { atMs: 1e15 } })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: `${base}/branch`, payload: {} })).statusCode).toBe(400);
    await app.inject({ method: "DELETE", url: `/api/labs/${branch.id}` });
  });

  it("exports a lab as one file and imports it as the same lab at every moment", async () => {
    await call("PUT", `${base}/layout`, { positions: { n1: { x: 10, y: 20.5 }, n2: { x: -4, y: 0 } } });
    const exported = await app.inject({ url: `${base}/export` });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-disposition"]).toMatch(/^attachment; filename="[^"]+\.replica-lab\.json"/);
    const file = exported.json<Record<string, unknown>>();
    expect(file.format).toBe("replica-lab/1");
    expect(file.layout).toEqual({ n1: { x: 10, y: 20.5 }, n2: { x: -4, y: 0 } });
    const response = await app.inject({ method: "POST", url: "/api/labs", payload: { import: file } });
    expect(response.statusCode, response.body).toBe(201);
    const imported = response.json<LabView>();
    expect(imported.clock.timeMs).toBe(file.endMs);
    expect(await call<LayoutView>("GET", `/api/labs/${imported.id}/layout`)).toEqual({ positions: file.layout });
    for (const [t, view] of driven.seen) {
      const moment = await call<MomentView>("GET", `/api/labs/${imported.id}/at/${t}`);
      expect(state(moment.snapshot), `at ${t} ms`).toEqual(state(view));
    }
    await app.inject({ method: "DELETE", url: `/api/labs/${imported.id}` });
  });

  it("refuses a bad or truncated file with a 400 and creates nothing", async () => {
    const text = (await app.inject({ url: `${base}/export` })).body;
    const file = JSON.parse(text) as { inputs: unknown[]; inputCount: number };
    const labsBefore = (await call<{ labs: unknown[] }>("GET", "/api/labs")).labs.length;
    const cut = { ...file, inputs: file.inputs.slice(0, -2) };
    const cutAndCounted = { ...cut, inputCount: cut.inputs.length };
    const cases: [string, unknown, RegExp][] = [
      ["the text of a truncated file", text.slice(0, text.length / 2), /^file: must be an object/],
      ["inputs cut short", cut, /^file\.inputs: holds/],
      ["inputs cut short and recounted", cutAndCounted, /^file\.checksum: does not match/],
      ["another format", { ...file, format: "replica-lab/9" }, /^file\.format/],
      ["nothing", {}, /^file: missing field "format"/],
    ];
    for (const [what, body, message] of cases) {
      const response = await app.inject({ method: "POST", url: "/api/labs", payload: { import: body } });
      expect(response.statusCode, what).toBe(400);
      const error = response.json<{ error: { code: string; message: string } }>().error;
      expect(error.code, what).toBe("bad-request");
      expect(error.message, what).toMatch(message);
    }
    // A well-formed file whose log does not replay (a command to a node that never existed).
    const { encodeRecording } = await import("@replica-lab/engine");
    const unreplayable = encodeRecording({
      name: "broken",
      origin: app.labs.get(driven.lab.id).lab.creation,
      inputs: [{ op: "kill", t: 0, node: "n9" as never }],
      endMs: 0,
    });
    const response = await app.inject({ method: "POST", url: "/api/labs", payload: { import: unreplayable } });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(/^input 0 \(kill\) does not replay/);
    const withOthers = await app.inject({ method: "POST", url: "/api/labs", payload: { import: file, template: "empty" } });
    expect(withOthers.statusCode).toBe(400);
    expect((await call<{ labs: unknown[] }>("GET", "/api/labs")).labs.length).toBe(labsBefore);
  });

  it("keeps a layout of node positions", async () => {
    const layout = await call<LayoutView>("PUT", `${base}/layout`, { positions: { n3: { x: 1, y: 2 } } });
    expect(layout).toEqual({ positions: { n3: { x: 1, y: 2 } } });
    expect(await call<LayoutView>("GET", `${base}/layout`)).toEqual(layout);
    expect((await app.inject({ method: "PUT", url: `${base}/layout`, payload: { positions: { n1: { x: "left" } } } })).statusCode).toBe(400);
  });
});

describe("checkpoint memory", () => {
  it("stays within the budget by thinning the checkpoints", async () => {
    const { app: small } = await startApp({ timing: { tickIntervalMs: 0 }, timeline: { pollMs: 0, checkpointEveryMs: 100, checkpointBudgetBytes: 2_000_000 } });
    try {
      const lab = await createLab(small, { template: "one-master-two-replicas", seed: 3 });
      const runtime = small.labs.get(lab.id);
      await small.inject({ method: "POST", url: `/api/labs/${lab.id}/clock`, payload: { action: "pause" } });
      for (let i = 0; i < 40; i++) {
        await small.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/A/command`, payload: { argv: ["SET", `key${i}`, "v".repeat(2000)] } });
        await small.inject({ method: "POST", url: `/api/labs/${lab.id}/clock`, payload: { action: "step", stepMs: 120 } });
        runtime.timeline.poll();
        expect(runtime.timeline.checkpointBytes).toBeLessThanOrEqual(2_000_000);
      }
      const timeline = (await small.inject({ url: `/api/labs/${lab.id}/timeline` })).json<TimelineView>();
      expect(timeline.checkpoints.length).toBeGreaterThan(1);
      // Thinned: fewer than one per 100 ms of the 40 × 120 ms.
      expect(timeline.checkpoints.length).toBeLessThan(40);
      const moment = (await small.inject({ url: `/api/labs/${lab.id}/at/${timeline.nowMs - 50}` })).json<MomentView>();
      expect(moment.snapshot.nodes[0]!.keys).toBeGreaterThan(30);
    } finally {
      await small.close();
    }
  }, 60_000);
});
