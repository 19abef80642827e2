/**
 * SSDB nodes through the REST API (issue 15): added with `version: "ssdb"` and ssdb.conf settings by
 * dotted name, made slaves by `PUT …/master` (the server sends the kind's own command, `slaveof`),
 * persisted into ssdb.conf's `replication.slaveof` block, and refused `masterId: null` (ssdb-server
 * cannot stop following a master at run time); their labs travel in time as any lab does.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeSnapshot } from "@replica-lab/engine";
import type { LabView, MomentView, TimelineView } from "@replica-lab/protocol";
import { addNode, createLab, startApp } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  // Virtual time moves only when a test steps it; the timeline is looked at by hand (`poll`).
  ({ app } = await startApp({ timing: { tickIntervalMs: 0 }, timeline: { pollMs: 0, checkpointEveryMs: 400 } }));
});
afterAll(async () => {
  await app.close();
});

type SsdbSnapshot = Extract<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

function ssdb(node: NodeSnapshot): SsdbSnapshot {
  if (node.protocol !== "ssdb-binlog") throw new Error(`${node.name} is not an SSDB node`);
  return node;
}

describe("SSDB nodes over REST", () => {
  it("adds them with ssdb.conf settings, makes one a slave with PUT master, and keeps it in ssdb.conf with persist", async () => {
    const lab = await createLab(app, { seed: 3 });
    const a = await addNode(app, lab.id, { version: "ssdb", resp: false, config: { "replication.binlog.capacity": 10, "replication.copy": "snapshot" } });
    const b = await addNode(app, lab.id, { version: "ssdb", resp: false });
    expect(ssdb(a).binlog.capacity).toBe(10);
    expect(a.configFile).toContain("\tcopy: snapshot");

    const bad = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: { version: "ssdb", resp: false, config: { "repl-backlog-size": 1 } } });
    expect(bad.statusCode).toBe(400);

    const set = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${b.id}/master`, payload: { masterId: a.id, persist: true } });
    expect(set.statusCode).toBe(200);
    const slave = ssdb(set.json<NodeSnapshot>());
    expect(slave).toMatchObject({ role: "replica", masterId: a.id, masterAddress: a.address });
    expect(slave.configFile).toContain(`\tslaveof:\n\t\ttype: sync\n\t\thost: ${a.host}\n\t\tport: ${a.port}`);

    const none = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${b.id}/master`, payload: { masterId: null } });
    expect(none.statusCode).toBe(409);
    expect(none.json<{ error: { message: string } }>().error.message).toMatch(/no command to stop following/);
  });

  it("travel in time: every moment of an SSDB lab is the lab as the API showed it, from checkpoints (forks) too", async () => {
    const lab = await createLab(app, { seed: 4 });
    const base = `/api/labs/${lab.id}`;
    const call = async <T>(method: "GET" | "POST" | "PUT", url: string, payload?: Record<string, unknown>): Promise<T> => {
      const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json<T>();
    };
    const runtime = app.labs.get(lab.id);
    await call("POST", `${base}/clock`, { action: "pause" });
    const a = await addNode(app, lab.id, { version: "ssdb", resp: false, config: { "replication.binlog.capacity": 10 } });
    const b = await addNode(app, lab.id, { version: "ssdb", resp: false });
    const seen = new Map<number, LabView>();
    const step = async (stepMs: number): Promise<void> => {
      await call("POST", `${base}/clock`, { action: "step", stepMs });
      runtime.timeline.poll();
      const view = await call<LabView>("GET", base);
      seen.set(view.clock.timeMs, view);
      await call("POST", `${base}/clock`, { action: "step", stepMs: 1 });
      runtime.timeline.poll();
    };
    for (let i = 0; i < 4; i++) await call("POST", `${base}/nodes/${a.id}/command`, { argv: ["SET", `k${i}`, "v"] });
    await call("PUT", `${base}/nodes/${b.id}/master`, { masterId: a.id, persist: true });
    await step(1_500);
    await call("POST", `${base}/nodes/${a.id}/command`, { argv: ["HSET", "h", "f", "x"] });
    await step(700);
    await call("POST", `${base}/nodes/${b.id}/kill`);
    await step(300);
    for (let i = 0; i < 15; i++) await call("POST", `${base}/nodes/${a.id}/command`, { argv: ["SET", `k${i}`, "w"] });
    await step(300);
    await call("POST", `${base}/nodes/${b.id}/restart`);
    await step(6_000);
    // Restarted from its ssdb.conf, the slave resumed from the last_seq on its disk (sync recover).
    const nodes = (await call<LabView>("GET", base)).nodes;
    const master = ssdb(nodes.find((n) => n.id === a.id)!);
    expect(ssdb(nodes.find((n) => n.id === b.id)!)).toMatchObject({ syncStatus: "SYNC", lastSeq: master.binlog.maxSeq, copyCount: 0, syncCount: 15 });

    const timeline = await call<TimelineView>("GET", `${base}/timeline`);
    expect(timeline.checkpointRefusal).toBeNull();
    expect(timeline.checkpoints.length).toBeGreaterThan(3);
    for (const [timeMs, view] of seen) {
      const moment = await call<MomentView>("GET", `${base}/at/${timeMs}`);
      expect(moment.snapshot.nodes, `at ${timeMs} ms`).toEqual(view.nodes);
      expect(moment.snapshot.edges, `at ${timeMs} ms`).toEqual(view.edges);
    }
  });
});
