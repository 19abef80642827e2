/**
 * Labs kept in the store and rebuilt by a new app on the same data directory: same ids, names,
 * owners, parents, layouts, clocks and write loads, the same input log, the same lab at every
 * moment, and the same RESP ports. Also: a busy lab's log goes to the store in slices that let the
 * event loop turn, a view into a larger buffer is stored as its own bytes, a running lab whose log merges runs of time between
 * writes is stored whole, a deleted lab is forgotten, and a second server cannot open a data
 * directory a live one owns.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/engine";
import type { LabView, MomentView } from "@replica-lab/protocol";
import { createLab, sleep, startApp } from "../testing/helpers.ts";
import type { AppOptions } from "../app.ts";
import { LabStore } from "./lab-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-store-"));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, options: AppOptions = {}): Promise<FastifyInstance> {
  const { app } = await startApp({ store: await LabStore.open(dir), persistence: { flushMs: 50 }, timeline: { pollMs: 0 }, ...options });
  const problems = await app.persistence!.restore(app.timelines);
  expect(problems).toEqual([]);
  return app;
}

async function call<T>(app: FastifyInstance, method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, payload?: unknown): Promise<T> {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return (response.statusCode === 204 ? undefined : response.json()) as T;
}

/** What must come back of a lab: its view (clock and extras aside) and its log. */
async function picture(app: FastifyInstance, id: string): Promise<unknown> {
  const view = await call<LabView>(app, "GET", `/api/labs/${id}`);
  const file = await call<{ inputs: unknown[]; endMs: number; layout: unknown; parent: unknown; name: string }>(app, "GET", `/api/labs/${id}/export`);
  const moments: unknown[] = [];
  for (const t of [0, file.endMs / 3, file.endMs / 2, file.endMs]) moments.push((await call<MomentView>(app, "GET", `/api/labs/${id}/at/${t}`)).snapshot.nodes);
  return {
    id: view.id,
    name: view.name,
    owner: view.owner,
    parent: view.parent,
    paused: view.clock.paused,
    speed: view.clock.speed,
    timeMs: view.clock.timeMs,
    nodes: view.nodes,
    writeLoads: view.writeLoads,
    file,
    moments,
  };
}

describe("labs kept across restarts", () => {
  it("come back identical: log, moments, names, owners, parents, layouts, clocks, write loads, ports", async () => {
    const dir = dataDir();
    const first = await open(dir, { timing: { tickIntervalMs: 0 } });
    const a = await createLab(first, { template: "one-master-two-replicas", seed: 11, name: "tutorial" });
    const b = await createLab(first, { seed: "text seed" });
    const base = `/api/labs/${a.id}`;
    await call(first, "POST", `${base}/clock`, { action: "pause" });
    for (let i = 0; i < 5; i++) {
      await call(first, "POST", `${base}/nodes/A/command`, { argv: ["SET", `k${i}`, `v${i}`] });
      await call(first, "POST", `${base}/clock`, { action: "step", stepMs: 400 });
    }
    await call(first, "POST", `${base}/nodes/C/kill`);
    await call(first, "POST", `${base}/clock`, { action: "step", stepMs: 300, speed: 2 });
    await call(first, "PUT", `${base}/layout`, { positions: { n1: { x: 1, y: 2 } } });
    await call(first, "PUT", `${base}/nodes/A/write-load`, { opsPerSec: 10 });
    const branch = await call<LabView>(first, "POST", `${base}/branch`, { atMs: 1000 });
    await call(first, "POST", `/api/labs/${b.id}/nodes`, { name: "solo", resp: false });
    const gone = await createLab(first, {});
    await call(first, "DELETE", `/api/labs/${gone.id}`);
    const before = new Map<string, unknown>();
    for (const id of [a.id, b.id, branch.id]) before.set(id, await picture(first, id));
    const ports = (await call<LabView>(first, "GET", base)).nodes.map((n) => n.respPort);
    await first.close();

    const second = await open(dir, { timing: { tickIntervalMs: 0 } });
    try {
      const labs = (await call<{ labs: { id: string }[] }>(second, "GET", "/api/labs")).labs.map((l) => l.id);
      expect(labs.sort()).toEqual([a.id, b.id, branch.id].sort());
      for (const id of [a.id, b.id, branch.id]) expect(await picture(second, id), `lab ${id}`).toEqual(before.get(id));
      expect((await call<LabView>(second, "GET", base)).nodes.map((n) => n.respPort)).toEqual(ports);
    } finally {
      await second.close();
    }
  }, 120_000);

  it("store a running lab's log whole, runs of time merged into its last entry included", async () => {
    const dir = dataDir();
    const first = await open(dir, { timing: { tickIntervalMs: 5 } });
    const lab = await createLab(first, { template: "one-master-two-replicas", seed: 12 });
    await call(first, "PUT", `/api/labs/${lab.id}/nodes/A/write-load`, { opsPerSec: 2000 });
    await sleep(700);
    await call(first, "PUT", `/api/labs/${lab.id}/nodes/A/write-load`, { opsPerSec: 0 });
    await call(first, "POST", `/api/labs/${lab.id}/clock`, { action: "pause" });
    const before = await picture(first, lab.id);
    await first.close();
    const second = await open(dir, { timing: { tickIntervalMs: 0 } });
    try {
      expect(await picture(second, lab.id)).toEqual(before);
    } finally {
      await second.close();
    }
  }, 60_000);

  it("keep a chunk as a recording writes its inputs (base64 of every byte string, padded), a view into a larger buffer as its own bytes", async () => {
    const store = await LabStore.open(dataDir());
    try {
      const buffer = new TextEncoder().encode("xxPING\r\nyy");
      await store.write([
        {
          labId: "x",
          meta: "{}",
          chunk: {
            seq: 0,
            first: 0,
            inputs: [
              { op: "send", t: 5, conn: 1, bytes: buffer.subarray(2, 8) },
              { op: "command", t: 6.5, node: "n1" as NodeId, argv: [new TextEncoder().encode("SET"), new TextEncoder().encode("k"), new TextEncoder().encode("v")] },
              { op: "run-until", t: 7, untilMs: 9 },
              { op: "steps", t: 9, count: 3 },
              { op: "ack", t: 9, conn: 1, bytes: 524288 },
              { op: "send", t: 9, conn: 2, bytes: new Uint8Array(0) },
              { op: "send", t: 9, conn: 2, bytes: Uint8Array.of(0xfb) },
              { op: "send", t: 9, conn: 2, bytes: Uint8Array.of(0xff, 0xfe, 0x3e, 0x3f, 0) },
              // Text beyond ASCII (the body reaches SQLite as UTF-8 bytes, cast to TEXT), a lone
              // surrogate as JSON.stringify escapes it.
              { op: "rename-node", t: 10, node: "n1" as NodeId, name: "主节点 é \ud800" },
            ],
          },
        },
      ]);
      const rows = await store.load();
      expect(rows.map((row) => row.chunks)).toEqual([
        [{ seq: 0, first: 0, body: '[{"op":"send","t":5,"conn":1,"bytes":"UElORw0K"},{"op":"command","t":6.5,"node":"n1","argv":["U0VU","aw==","dg=="]},{"op":"run-until","t":7,"untilMs":9},{"op":"steps","t":9,"count":3},{"op":"ack","t":9,"conn":1,"bytes":524288},{"op":"send","t":9,"conn":2,"bytes":""},{"op":"send","t":9,"conn":2,"bytes":"+w=="},{"op":"send","t":9,"conn":2,"bytes":"//4+PwA="},{"op":"rename-node","t":10,"node":"n1","name":"主节点 é \\ud800"}]' }],
      ]);
    } finally {
      await store.close();
    }
  });

  it("refuse a data directory a live server owns, and take one a dead server left", async () => {
    const dir = dataDir();
    // A live process that is not this one (the test runner's parent).
    writeFileSync(join(dir, "server.pid"), `${process.ppid}\n`);
    await expect(LabStore.open(dir)).rejects.toThrow(/in use by process/);
    // A server killed with SIGKILL leaves its pid (a process gone) and the database's lock.
    writeFileSync(join(dir, "server.pid"), "999999999\n");
    mkdirSync(join(dir, "labs.sqlite.lock"));
    const store = await LabStore.open(dir);
    await store.write([{ labId: "x", meta: "{}" }]);
    expect((await store.load()).map((row) => row.labId)).toEqual(["x"]);
    await store.close();
  });
});

describe("the periodic write of a busy lab's log", () => {
  it("goes in slices of about 1 MiB: a flush stops part-way, the rest follows at the next turns of the event loop, and the store gets the whole log", async () => {
    const dir = dataDir();
    // No periodic writes: the test calls flush itself.
    const first = await open(dir, { persistence: { flushMs: 3_600_000 }, timing: { tickIntervalMs: 0 } });
    const lab = await createLab(first, { template: "one-master-two-replicas", seed: 3 });
    await first.persistence!.flush();
    const runtime = first.labs.get(lab.id);
    // 20,000 client writes of 300 bytes since the last flush, as a lab under a pipelining client
    // gets within one flush interval: about 7 MB, far more than one 1 MiB slice.
    const connection = runtime.lab.openConnection(runtime.lab.snapshot().nodes[0]!.id, "10.0.0.1:40000", { onData: () => undefined, onClose: () => undefined });
    const bytes = new TextEncoder().encode(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$270\r\n${"v".repeat(270)}\r\n`);
    for (let i = 0; i < 20_000; i++) connection.send(bytes);
    const written = first.persistence!.flush(1024 * 1024);
    // It stopped part-way...
    const left = first.persistence!.pendingInputs();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(20_000);
    // ...and the rest follows on its own, a turn of the event loop apart.
    let turns = 0;
    while (first.persistence!.pendingInputs() > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(turns).toBeGreaterThan(0);
    await written;
    const log = runtime.lab.inputs.toArray().length;
    await first.close();
    const second = await open(dir, { timing: { tickIntervalMs: 0 } });
    try {
      const file = await call<{ inputs: unknown[] }>(second, "GET", `/api/labs/${lab.id}/export`);
      expect(file.inputs.length).toBe(log);
    } finally {
      await second.close();
    }
  }, 120_000);
});
