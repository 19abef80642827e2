/**
 * Every REST route through `inject()`, with good input and bad: wrong types, missing and unknown
 * fields, unknown ids, oversized bodies, invalid argv, operations on killed nodes, and the limits.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabView } from "@replica-lab/protocol";
import { asPsync2, type NodeSnapshot } from "@replica-lab/engine";
import { ALL_ERROR_CODES, ERROR_CODES, isErrorCode } from "./errors.ts";
import { buildApp } from "../app.ts";
import { addNode, createLab } from "../testing/helpers.ts";

let app: FastifyInstance;
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  app = buildApp({ limits: { maxLabs: 6, maxNodesPerLab: 4, maxValueBytes: 64 * 1024, bodyLimitBytes: 256 * 1024, commandTimeoutMs: 300 } });
  // Every API route, so the bad-input sweep below can prove it covers them all (HEAD routes are
  // Fastify's automatic twins of GET routes).
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== "HEAD" && route.url.startsWith("/api/")) routes.push({ method, url: route.url });
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

function expectError(response: { statusCode: number; json: () => unknown }, status: number, code: string): void {
  const body = response.json() as { error?: { code?: unknown; message?: unknown } };
  expect({ status: response.statusCode, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error?.message).toBe("string");
  expect(isErrorCode(body.error?.code)).toBe(true);
}

describe("the error registry", () => {
  it("gives every code a 4xx or 5xx status", () => {
    for (const code of ALL_ERROR_CODES) expect(ERROR_CODES[code].statusCode).toBeGreaterThanOrEqual(400);
  });

  it("is documented in the README, code by code", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const code of ALL_ERROR_CODES) expect(readme).toContain(`| \`${code}\` | ${ERROR_CODES[code].statusCode} |`);
  });
});

describe("labs", () => {
  it("creates an empty lab by default and lists it", async () => {
    const created = await app.inject({ method: "POST", url: "/api/labs" });
    expect(created.statusCode).toBe(201);
    const lab = created.json<LabView>();
    expect(lab.id).toMatch(/^[0-9a-f]{8}$/);
    expect(lab.nodes).toEqual([]);
    expect(lab.clock.paused).toBe(false);
    const list = await app.inject({ method: "GET", url: "/api/labs" });
    expect(list.json<{ labs: { id: string }[] }>().labs.map((l) => l.id)).toContain(lab.id);
    const one = await app.inject({ method: "GET", url: `/api/labs/${lab.id}` });
    expect(one.json<LabView>().id).toBe(lab.id);
    expect((await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` })).statusCode).toBe(204);
    expectError(await app.inject({ method: "GET", url: `/api/labs/${lab.id}` }), 404, "unknown-lab");
  });

  it("builds one-master-two-replicas linked and in sync", async () => {
    const lab = await createLab(app, { name: "demo", seed: 7, template: "one-master-two-replicas" });
    expect(lab.name).toBe("demo");
    expect(lab.seed).toBe("7");
    const [a, b, c] = lab.nodes as [NodeSnapshot, NodeSnapshot, NodeSnapshot];
    expect([a.role, b.role, c.role]).toEqual(["master", "replica", "replica"]);
    expect(b.masterId).toBe(a.id);
    expect(c.linkUp && b.linkUp).toBe(true);
    expect(asPsync2(a).replicas.map((r) => r.state)).toEqual(["online", "online"]);
    expect(new Set([a, b, c].map((n) => asPsync2(n).replid)).size).toBe(1);
    expect(lab.edges).toHaveLength(2);
    for (const node of lab.nodes) expect(node.respPort).toBe(node.port);
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
  });

  it("rejects bad lab bodies", async () => {
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: { template: "three-masters" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: { name: 42 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: { seed: 1.5 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: { nodes: 3 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: [1, 2] }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: "/api/labs", headers: { "content-type": "application/json" }, payload: "{nope" }), 400, "bad-json");
    expectError(await app.inject({ method: "POST", url: "/api/labs", headers: { "content-type": "text/plain" }, payload: "hello" }), 415, "unsupported-media-type");
    expectError(await app.inject({ method: "DELETE", url: "/api/labs/nope" }), 404, "unknown-lab");
    expectError(await app.inject({ method: "GET", url: "/api/nothing-here" }), 404, "not-found");
  });

  it("refuses bodies over the body limit", async () => {
    const huge = { name: "x".repeat(300 * 1024) };
    expectError(await app.inject({ method: "POST", url: "/api/labs", payload: huge }), 413, "body-too-large");
  });

  it("refuses labs over the lab limit", async () => {
    const before = (await app.inject({ method: "GET", url: "/api/labs" })).json<{ labs: unknown[] }>().labs.length;
    const made: string[] = [];
    for (let i = before; i < 6; i++) made.push((await createLab(app)).id);
    expectError(await app.inject({ method: "POST", url: "/api/labs" }), 409, "too-many-labs");
    for (const id of made) await app.inject({ method: "DELETE", url: `/api/labs/${id}` });
  });
});

describe("nodes", () => {
  let lab: LabView;
  let a: NodeSnapshot;
  let b: NodeSnapshot;

  beforeAll(async () => {
    lab = await createLab(app, { name: "nodes" });
    a = await addNode(app, lab.id, { name: "A", config: { "repl-diskless-sync-delay": 0 } });
    b = await addNode(app, lab.id, { config: { "repl-diskless-sync-delay": 0 } });
  });
  afterAll(async () => {
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
  });

  it("adds nodes with OS-assigned RESP ports as their lab addresses", () => {
    expect(a.name).toBe("A");
    expect(b.name).toBe("B");
    expect(a.respPort).toBeGreaterThan(0);
    expect(a.address).toBe(`127.0.0.1:${a.respPort}`);
    expect(asPsync2(a).config.replDisklessSyncDelay).toBe(0);
  });

  it("adds a node without a port when resp is false", async () => {
    const quiet = await addNode(app, lab.id, { name: "Q", resp: false });
    expect(quiet.respPort).toBeNull();
    expect((await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}/nodes/${quiet.id}` })).statusCode).toBe(204);
    expectError(await app.inject({ method: "GET", url: `/api/labs/${lab.id}/nodes/${quiet.id}` }), 404, "unknown-node");
  });

  it("rejects bad node bodies", async () => {
    const url = `/api/labs/${lab.id}/nodes`;
    expectError(await app.inject({ method: "POST", url, payload: { name: "A" } }), 409, "name-taken");
    expectError(await app.inject({ method: "POST", url, payload: { name: "" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { name: "has space" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { version: "9.9" } }), 400, "bad-version");
    expectError(await app.inject({ method: "POST", url, payload: { version: 7 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { config: { "no-such-option": 1 } } }), 400, "bad-config");
    expectError(await app.inject({ method: "POST", url, payload: { config: { "repl-backlog-size": "lots" } } }), 400, "bad-config");
    expectError(await app.inject({ method: "POST", url, payload: { config: { "repl-timeout": [1] } } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { resp: "yes" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { port: 70000 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { port: a.respPort } }), 409, "port-taken");
    expectError(await app.inject({ method: "POST", url: "/api/labs/nope/nodes", payload: {} }), 404, "unknown-lab");
  });

  it("refuses nodes over the per-lab limit", async () => {
    const extra = [await addNode(app, lab.id, { resp: false }), await addNode(app, lab.id, { resp: false })];
    expectError(await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: {} }), 409, "too-many-nodes");
    for (const node of extra) await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}/nodes/${node.id}` });
  });

  it("runs commands and answers JSON and redis-cli text", async () => {
    const url = `/api/labs/${lab.id}/nodes/${a.id}/command`;
    const set = await app.inject({ method: "POST", url, payload: { argv: ["SET", "greeting", "hello"] } });
    expect(set.json()).toEqual({ reply: { type: "simple", value: "OK" }, text: "OK" });
    const get = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/A/command`, payload: { argv: ["GET", "greeting"] } });
    expect(get.json()).toEqual({ reply: { type: "bulk", value: "hello", encoding: "utf8" }, text: '"hello"' });
    const wrong = await app.inject({ method: "POST", url, payload: { argv: ["NOSUCHCOMMAND"] } });
    expect(wrong.statusCode).toBe(200);
    expect(wrong.json<{ reply: { type: string } }>().reply.type).toBe("error");
  });

  it("rejects invalid argv", async () => {
    const url = `/api/labs/${lab.id}/nodes/${a.id}/command`;
    expectError(await app.inject({ method: "POST", url, payload: {} }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { argv: [] } }), 400, "bad-argv");
    expectError(await app.inject({ method: "POST", url, payload: { argv: "GET x" } }), 400, "bad-argv");
    expectError(await app.inject({ method: "POST", url, payload: { argv: ["GET", 1] } }), 400, "bad-argv");
    expectError(await app.inject({ method: "POST", url, payload: { argv: ["GET", null] } }), 400, "bad-argv");
    expectError(await app.inject({ method: "POST", url, payload: { argv: Array(1025).fill("x") } }), 400, "bad-argv");
    expectError(await app.inject({ method: "POST", url, payload: { argv: ["SET", "k", "v".repeat(64 * 1024 + 1)] } }), 413, "value-too-large");
    expectError(await app.inject({ method: "POST", url, payload: { argv: ["GET", "x"], extra: true } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/Z/command`, payload: { argv: ["PING"] } }), 404, "unknown-node");
  });

  it("makes replicas with PUT master and promotes with null", async () => {
    const url = `/api/labs/${lab.id}/nodes/${b.id}/master`;
    const replica = await app.inject({ method: "PUT", url, payload: { masterId: a.id } });
    expect(replica.statusCode).toBe(200);
    expect(replica.json<NodeSnapshot>()).toMatchObject({ role: "replica", masterId: a.id });
    expectError(await app.inject({ method: "PUT", url, payload: {} }), 400, "bad-request");
    expectError(await app.inject({ method: "PUT", url, payload: { masterId: 5 } }), 400, "bad-request");
    expectError(await app.inject({ method: "PUT", url, payload: { masterId: "nobody" } }), 404, "unknown-node");
    const master = await app.inject({ method: "PUT", url, payload: { masterId: null } });
    expect(master.json<NodeSnapshot>().role).toBe("master");
  });

  it("kills, refuses operations on the killed node, and restarts", async () => {
    const base = `/api/labs/${lab.id}/nodes/${b.id}`;
    const killed = await app.inject({ method: "POST", url: `${base}/kill` });
    expect(killed.json<NodeSnapshot>().status).toBe("down");
    expectError(await app.inject({ method: "POST", url: `${base}/kill` }), 409, "node-down");
    expectError(await app.inject({ method: "POST", url: `${base}/command`, payload: { argv: ["PING"] } }), 409, "node-down");
    expectError(await app.inject({ method: "POST", url: `${base}/freeze` }), 409, "node-down");
    expectError(await app.inject({ method: "POST", url: `${base}/thaw` }), 409, "node-down");
    expectError(await app.inject({ method: "PUT", url: `${base}/master`, payload: { masterId: a.id } }), 409, "node-down");
    expectError(await app.inject({ method: "POST", url: `${base}/restart`, payload: { wipe: "yes" } }), 400, "bad-request");
    const restarted = await app.inject({ method: "POST", url: `${base}/restart`, payload: { wipe: true } });
    expect(restarted.json<NodeSnapshot>()).toMatchObject({ status: "up", boots: 2 });
    const pong = await app.inject({ method: "POST", url: `${base}/command`, payload: { argv: ["PING"] } });
    expect(pong.json<{ text: string }>().text).toBe("PONG");
  });

  it("freezes and thaws; a frozen node's command times out", async () => {
    const base = `/api/labs/${lab.id}/nodes/${b.id}`;
    expect((await app.inject({ method: "POST", url: `${base}/freeze`, headers: { "content-type": "application/json" }, payload: "" })).json<NodeSnapshot>().status).toBe("frozen");
    expectError(await app.inject({ method: "POST", url: `${base}/command`, payload: { argv: ["PING"] } }), 504, "reply-timeout");
    expectError(await app.inject({ method: "POST", url: `${base}/freeze`, payload: { now: true } }), 400, "bad-request");
    expect((await app.inject({ method: "POST", url: `${base}/thaw` })).json<NodeSnapshot>().status).toBe("up");
  });

  it("changes links", async () => {
    const url = `/api/labs/${lab.id}/links/${a.id}/${b.id}`;
    const link = await app.inject({ method: "PATCH", url, payload: { latencyMs: 50, partitioned: true } });
    expect(link.json()).toMatchObject({ a: a.id, b: b.id, latencyMs: 50, partitioned: true });
    expectError(await app.inject({ method: "PATCH", url, payload: {} }), 400, "bad-request");
    expectError(await app.inject({ method: "PATCH", url, payload: { latencyMs: -1 } }), 400, "bad-request");
    expectError(await app.inject({ method: "PATCH", url, payload: { partitioned: "no" } }), 400, "bad-request");
    expectError(await app.inject({ method: "PATCH", url: `/api/labs/${lab.id}/links/${a.id}/${a.id}`, payload: { latencyMs: 1 } }), 400, "bad-argument");
    expectError(await app.inject({ method: "PATCH", url: `/api/labs/${lab.id}/links/${a.id}/zz`, payload: { latencyMs: 1 } }), 404, "unknown-node");
    await app.inject({ method: "PATCH", url, payload: { latencyMs: 1, partitioned: false } });
  });

  it("pauses, steps and resumes the clock", async () => {
    const url = `/api/labs/${lab.id}/clock`;
    const paused = await app.inject({ method: "POST", url, payload: { action: "pause" } });
    const t0 = paused.json<{ timeMs: number; paused: boolean }>();
    expect(t0.paused).toBe(true);
    const stepped = await app.inject({ method: "POST", url, payload: { action: "step", stepMs: 2500 } });
    expect(stepped.json<{ timeMs: number }>().timeMs).toBe(t0.timeMs + 2500);
    const fast = await app.inject({ method: "POST", url, payload: { action: "resume", speed: 10 } });
    expect(fast.json()).toMatchObject({ paused: false, speed: 10 });
    expectError(await app.inject({ method: "POST", url, payload: { action: "rewind" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { action: "resume", speed: 1000 } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: { action: "step", stepMs: "5" } }), 400, "bad-request");
    expectError(await app.inject({ method: "POST", url, payload: {} }), 400, "bad-request");
    await app.inject({ method: "POST", url, payload: { action: "resume", speed: 1 } });
  });

  it("lists events after a sequence number", async () => {
    const all = await app.inject({ method: "GET", url: `/api/labs/${lab.id}/events` });
    const body = all.json<{ events: { seq: number }[]; lastEventSeq: number }>();
    expect(body.events.length).toBeGreaterThan(3);
    const later = await app.inject({ method: "GET", url: `/api/labs/${lab.id}/events?after=${body.lastEventSeq - 2}` });
    expect(later.json<{ events: { seq: number }[] }>().events.map((e) => e.seq)).toEqual([body.lastEventSeq - 1, body.lastEventSeq]);
    expectError(await app.inject({ method: "GET", url: `/api/labs/${lab.id}/events?after=minus` }), 400, "bad-request");
    expectError(await app.inject({ method: "GET", url: `/api/labs/${lab.id}/events?after=-1` }), 400, "bad-request");
  });

  it("sets and stops a write load", async () => {
    const url = `/api/labs/${lab.id}/nodes/${a.id}/write-load`;
    const on = await app.inject({ method: "PUT", url, payload: { opsPerSec: 500 } });
    expect(on.json()).toEqual({ writeLoads: [{ nodeId: a.id, opsPerSec: 500 }] });
    expectError(await app.inject({ method: "PUT", url, payload: { opsPerSec: -5 } }), 400, "bad-request");
    expectError(await app.inject({ method: "PUT", url, payload: { opsPerSec: 10_000_000 } }), 400, "bad-request");
    const off = await app.inject({ method: "PUT", url, payload: { opsPerSec: 0 } });
    expect(off.json()).toEqual({ writeLoads: [] });
  });
});

describe("every route", () => {
  it("answers bad input with a registered code", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id, { resp: false });
    const cases: { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; url: string; payload?: unknown }[] = [
      { method: "POST", url: "/api/labs", payload: { template: 1 } },
      { method: "GET", url: "/api/labs/unknown" },
      { method: "DELETE", url: "/api/labs/unknown" },
      { method: "GET", url: `/api/labs/${lab.id}/stream` },
      { method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: { name: [] } },
      { method: "GET", url: `/api/labs/${lab.id}/nodes/unknown` },
      { method: "DELETE", url: `/api/labs/${lab.id}/nodes/unknown` },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: 3 } },
      { method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/master`, payload: { masterId: false } },
      { method: "GET", url: `/api/labs/${lab.id}/nodes/unknown/config-file` },
      { method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/config-file`, payload: { text: "no-such-directive 1" } },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/shutdown`, payload: { save: "yes" } },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/kill`, payload: { hard: 1 } },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/restart`, payload: { wipe: 0 } },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/freeze`, payload: { x: 1 } },
      { method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/thaw`, payload: { x: 1 } },
      { method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/write-load`, payload: { opsPerSec: "many" } },
      { method: "PATCH", url: `/api/labs/${lab.id}/links/${node.id}/unknown`, payload: { latencyMs: "slow" } },
      { method: "POST", url: `/api/labs/${lab.id}/clock`, payload: { action: 1 } },
      { method: "GET", url: `/api/labs/${lab.id}/events?after=x` },
      // The keyspace browser and the cards' digests: a bad page size, an unknown lab.
      { method: "GET", url: `/api/labs/${lab.id}/nodes/${node.id}/keyspace?count=0` },
      { method: "GET", url: "/api/labs/unknown/digests" },
      // Lessons: an unknown lesson, and a lab that plays none.
      { method: "GET", url: "/api/lessons/unknown" },
      { method: "GET", url: `/api/labs/${lab.id}/lesson` },
      { method: "POST", url: `/api/labs/${lab.id}/lesson/do` },
      { method: "POST", url: `/api/labs/${lab.id}/lesson/next` },
      { method: "POST", url: `/api/labs/${lab.id}/lesson/back` },
      // Time travel: a moment that is not one, a bad query or body, an unknown lab, a bad file.
      { method: "GET", url: "/api/labs/unknown/timeline" },
      { method: "GET", url: `/api/labs/${lab.id}/at/-1` },
      { method: "GET", url: `/api/labs/${lab.id}/series?points=none` },
      { method: "POST", url: `/api/labs/${lab.id}/branch`, payload: { atMs: "now" } },
      { method: "GET", url: "/api/labs/unknown/export" },
      { method: "GET", url: "/api/labs/unknown/layout" },
      { method: "PUT", url: `/api/labs/${lab.id}/layout`, payload: { positions: [] } },
      { method: "POST", url: "/api/labs", payload: { import: { format: "replica-lab/0" } } },
      // The sequence diagram and the protocol comparison: a bad limit, message number and version.
      { method: "GET", url: `/api/labs/${lab.id}/sequence?limit=0` },
      { method: "GET", url: `/api/labs/${lab.id}/sequence/0` },
      { method: "POST", url: `/api/labs/${lab.id}/compare`, payload: { versions: ["9.9"] } },
      // The classroom: a bad lab to teach, codes that name no session, bad bodies.
      { method: "POST", url: "/api/classroom", payload: { lab: 7 } },
      { method: "POST", url: "/api/classroom/NOSUCH/join" },
      { method: "GET", url: "/api/classroom/NOSUCH" },
      { method: "PUT", url: "/api/classroom/NOSUCH/selection", payload: { nodeId: 5 } },
      { method: "PUT", url: "/api/classroom/NOSUCH/pointer", payload: { at: { x: "left" } } },
      { method: "POST", url: "/api/classroom/NOSUCH/gather", payload: { atMs: -1 } },
      { method: "POST", url: "/api/classroom/NOSUCH/fork" },
      { method: "DELETE", url: "/api/classroom/NOSUCH" },
    ];
    const covered = new Set<string>();
    for (const c of cases) {
      const response = await app.inject(c.payload === undefined ? { method: c.method, url: c.url } : { method: c.method, url: c.url, payload: c.payload as object });
      expect(response.statusCode, `${c.method} ${c.url}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, `${c.method} ${c.url}`).toBeLessThan(500);
      expect(isErrorCode(response.json<{ error: { code: string } }>().error.code), `${c.method} ${c.url}`).toBe(true);
      covered.add(`${c.method} ${routePattern(c.url)}`);
    }
    // `GET /api/labs` and `GET /api/lessons` take no input at all.
    covered.add("GET /api/labs");
    covered.add("GET /api/lessons");
    expect(routes.length).toBeGreaterThanOrEqual(cases.length);
    for (const route of routes) expect(covered, `${route.method} ${route.url} has no bad-input case`).toContain(`${route.method} ${route.url}`);
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
  });
});

/** The registered route a concrete URL belongs to (ids replaced by parameters). */
function routePattern(url: string): string {
  const path = url.split("?")[0]!;
  const parts = path.split("/");
  if (parts[3] === undefined) return path;
  parts[3] = parts[2] === "lessons" ? ":lesson" : parts[2] === "classroom" ? ":code" : ":lab";
  if (parts[4] === "sequence" && parts[5] !== undefined) parts[5] = ":seq";
  if (parts[4] === "nodes" && parts[5] !== undefined) parts[5] = ":node";
  if (parts[4] === "at" && parts[5] !== undefined) parts[5] = ":ms";
  if (parts[4] === "links") {
    parts[5] = ":from";
    parts[6] = ":to";
  }
  return parts.join("/");
}

describe("the memory limit", () => {
  it("refuses new labs, nodes and write loads while the server is over it (commands still run: DEL frees memory)", async () => {
    let used = 0;
    const limited = buildApp({ limits: { maxMemoryBytes: 1000 }, memoryProbe: () => used });
    await limited.ready();
    const lab = await createLab(limited);
    const node = await addNode(limited, lab.id, { resp: false });
    used = 5000;
    // The probe is sampled at most every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expectError(await limited.inject({ method: "POST", url: "/api/labs" }), 507, "memory-limit");
    expectError(await limited.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: {} }), 507, "memory-limit");
    expectError(await limited.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/write-load`, payload: { opsPerSec: 10 } }), 507, "memory-limit");
    // Reading and deleting still work, so memory can be freed.
    expect((await limited.inject({ method: "GET", url: `/api/labs/${lab.id}` })).statusCode).toBe(200);
    expect((await limited.inject({ method: "DELETE", url: `/api/labs/${lab.id}` })).statusCode).toBe(204);
    await limited.close();
  });
});
