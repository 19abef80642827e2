/**
 * Node versions over REST (issues 14 and 15): `POST /api/labs { version }` builds the default lab
 * (one master, two replicas, linked and in sync) of that version; a node restarts as another version
 * (an upgrade); unknown versions and meaningless combinations are refused with a code that says why.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeSnapshot } from "@replica-lab/engine";
import type { ApiError, LabView } from "@replica-lab/protocol";
import { addNode, createLab, startApp } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startApp({ timing: { tickIntervalMs: 0 }, timeline: { pollMs: 0 } }));
});
afterAll(async () => {
  await app.close();
});

async function post<T>(url: string, payload: Record<string, unknown>): Promise<{ status: number; body: T }> {
  const response = await app.inject({ method: "POST", url, payload });
  return { status: response.statusCode, body: response.json<T>() };
}

/** The protocol tag each version's nodes carry. */
const PROTOCOL_OF = { "7.0": "redis-psync2", "4.0": "redis-psync2-ring", "2.8": "redis-psync1", "2.6": "redis-sync", ssdb: "ssdb-binlog" } as const;

describe("POST /api/labs with a version", () => {
  for (const [version, protocol] of Object.entries(PROTOCOL_OF)) {
    it(`builds the default lab as ${version}: A master, B and C its replicas, linked`, async () => {
      const { status, body } = await post<LabView>("/api/labs", { version, seed: 7 });
      expect(status).toBe(201);
      const byName = new Map(body.nodes.map((n) => [n.name, n] as const));
      expect([...byName.keys()].sort()).toEqual(["A", "B", "C"]);
      for (const node of body.nodes) expect({ name: node.name, version: node.version, protocol: node.protocol }).toEqual({ name: node.name, version, protocol });
      const a = byName.get("A")!;
      expect(a.role).toBe("master");
      for (const name of ["B", "C"]) {
        const replica = byName.get(name)!;
        expect({ name, role: replica.role, masterId: replica.masterId, linkUp: replica.linkUp }).toEqual({ name, role: "replica", masterId: a.id, linkUp: true });
      }
      await app.inject({ method: "DELETE", url: `/api/labs/${body.id}` });
    });
  }

  it("refuses an unknown version, an empty template with a version, and a lesson with a version", async () => {
    const unknown = await post<ApiError>("/api/labs", { version: "3.0" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("bad-version");
    expect(unknown.body.error.message).toContain("available: 7.0, 2.6, 2.8, 4.0, ssdb");
    const empty = await post<ApiError>("/api/labs", { version: "2.8", template: "empty" });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: "bad-request" });
    expect(empty.body.error.message).toMatch(/template "empty" has no nodes/);
    const lesson = await post<ApiError>("/api/labs", { version: "2.8", lesson: "chain" });
    expect(lesson.status).toBe(400);
    expect(lesson.body.error.message).toMatch(/lesson chooses its own node versions/);
    const wrongType = await post<ApiError>("/api/labs", { version: 2.8 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe("bad-request");
  });
});

describe("a node's version on add and restart", () => {
  it("adds a node of a version, restarts it as another (the upgrade keeps its disk), and refuses unknown ones", async () => {
    const lab = await createLab(app, { seed: 9 });
    const a = await addNode(app, lab.id, { version: "2.8", resp: false });
    expect(a).toMatchObject({ version: "2.8", protocol: "redis-psync1" });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${a.id}/command`, payload: { argv: ["SET", "k", "v"] } });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${a.id}/command`, payload: { argv: ["SAVE"] } });

    const upgraded = await post<NodeSnapshot>(`/api/labs/${lab.id}/nodes/${a.id}/restart`, { version: "4.0" });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ version: "4.0", protocol: "redis-psync2-ring", status: "up", keys: 1 });

    const plain = await post<NodeSnapshot>(`/api/labs/${lab.id}/nodes/${a.id}/restart`, {});
    expect(plain.body.version).toBe("4.0");

    const badRestart = await post<ApiError>(`/api/labs/${lab.id}/nodes/${a.id}/restart`, { version: "5.0" });
    expect(badRestart.status).toBe(400);
    expect(badRestart.body.error.code).toBe("bad-version");
    const badAdd = await post<ApiError>(`/api/labs/${lab.id}/nodes`, { version: "redis", resp: false });
    expect(badAdd.status).toBe(400);
    expect(badAdd.body.error.code).toBe("bad-version");
    const extra = await post<ApiError>(`/api/labs/${lab.id}/nodes/${a.id}/restart`, { version: "4.0", flavour: "x" });
    expect(extra.body.error.code).toBe("bad-request");
  });
});
