/**
 * The keyspace browser's and the cards' reads (issue 17): `GET …/nodes/:node/keyspace` lists a
 * db's keys with type, encoding, TTL and a preview, without running a command (the node's
 * keyspace hits stay as they were); `GET …/digests` gives each node's DEBUG DIGEST, equal on a
 * replica in sync with its master.
 */
import type { FastifyInstance } from "fastify";
import type { DigestsAnswer, KeyspaceAnswer, LabView } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, startApp, waitFor } from "../testing/helpers.ts";

let app: FastifyInstance;
beforeAll(async () => {
  ({ app } = await startApp());
});
afterAll(async () => {
  await app.close();
});

/** Runs a command; its reply's value (status, bulk text, integer). */
async function command(labId: string, node: string, ...argv: string[]): Promise<unknown> {
  const response = await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/${node}/command`, payload: { argv } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ reply: { value?: unknown } }>().reply.value;
}

async function keyspace(labId: string, node: string, query = ""): Promise<KeyspaceAnswer> {
  const response = await app.inject({ method: "GET", url: `/api/labs/${labId}/nodes/${node}/keyspace${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<KeyspaceAnswer>();
}

async function digests(labId: string): Promise<Record<string, string | null>> {
  return (await app.inject({ method: "GET", url: `/api/labs/${labId}/digests` })).json<DigestsAnswer>().digests;
}

describe("the keyspace browser's read", () => {
  it("lists keys sorted with type, encoding, TTL, length and a preview, and pages them", async () => {
    const lab = await createLab(app, { name: "keyspace" });
    const a = await addNode(app, lab.id, { name: "A", config: { "enable-debug-command": "yes" } });
    await command(lab.id, "A", "RPUSH", "list", "a", "b", "c");
    await command(lab.id, "A", "HSET", "hash", "f", "v");
    await command(lab.id, "A", "SADD", "set", "3", "1", "2");
    await command(lab.id, "A", "ZADD", "zset", "2", "b", "1", "a");
    await command(lab.id, "A", "SET", "str", "12", "EX", "100");
    await command(lab.id, "A", "SET", "long", "x".repeat(200));
    await command(lab.id, "A", "SELECT", "3");
    const hitsBefore = ((await command(lab.id, "A", "INFO", "stats")) as string).match(/keyspace_hits:(\d+)/)?.[1];

    const answer = await keyspace(lab.id, a.id);
    if (answer.kind !== "keys") throw new Error(JSON.stringify(answer));
    expect(answer.page.total).toBe(6);
    expect(answer.page.dbs).toEqual([{ db: 0, keys: 6 }]);
    const byKey = new Map(answer.page.keys.map((k) => [k.key, k]));
    expect([...byKey.keys()]).toEqual(["hash", "list", "long", "set", "str", "zset"]);
    expect(byKey.get("list")).toEqual({ key: "list", type: "list", encoding: "quicklist", ttlMs: null, length: 3, preview: ["a", "b", "c"] });
    expect(byKey.get("hash")).toMatchObject({ type: "hash", encoding: "listpack", preview: ["f=v"] });
    expect(byKey.get("set")).toMatchObject({ type: "set", encoding: "intset", length: 3, preview: ["1", "2", "3"] });
    expect(byKey.get("zset")).toMatchObject({ type: "zset", encoding: "listpack", preview: ["a (1)", "b (2)"] });
    expect(byKey.get("str")).toMatchObject({ type: "string", encoding: "int", preview: ["12"] });
    expect(byKey.get("str")!.ttlMs).toBeGreaterThan(90_000);
    expect(byKey.get("long")!.preview[0]).toBe(`${"x".repeat(80)}…`);

    const page = await keyspace(lab.id, "A", "?offset=2&count=2&items=1");
    expect(page.kind === "keys" ? page.page.keys.map((k) => [k.key, k.preview.length]) : page).toEqual([
      ["long", 1],
      ["set", 1],
    ]);
    const empty = await keyspace(lab.id, "A", "?db=3");
    expect(empty.kind === "keys" ? empty.page.total : empty).toBe(0);
    // Looking ran no command.
    expect(((await command(lab.id, "A", "INFO", "stats")) as string).match(/keyspace_hits:(\d+)/)?.[1]).toBe(hitsBefore);

    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/A/kill`, payload: {} });
    expect(await keyspace(lab.id, "A")).toEqual({ kind: "unavailable", reason: "down" });
  });

  it("pages a db of more than 10,000 keys in insertion order, without the expired ones", async () => {
    const lab = await createLab(app, { name: "keyspace-large" });
    await addNode(app, lab.id, { name: "A", config: { "enable-debug-command": "yes" } });
    await command(lab.id, "A", "DEBUG", "SET-ACTIVE-EXPIRE", "0");
    for (let from = 0; from < 10_500; from += 500) {
      await command(lab.id, "A", "MSET", ...Array.from({ length: 500 }, (_, i) => [`k${from + i}`, "v"]).flat());
    }
    await command(lab.id, "A", "PEXPIRE", "k11", "1");
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A command first brings the lab's clock up to the host's (past k11's expiry).
    await command(lab.id, "A", "PING");
    const answer = await keyspace(lab.id, "A", "?offset=10&count=3&items=0");
    if (answer.kind !== "keys") throw new Error(JSON.stringify(answer));
    expect(answer.page.total).toBe(10_499);
    expect(answer.page.keys.map((k) => k.key)).toEqual(["k10", "k12", "k13"]);
  });

  it("digests: DEBUG DIGEST per node, the master's on a replica in sync, null for a node that is down", async () => {
    const lab = await createLab(app, { name: "digests" });
    const config = { "enable-debug-command": "yes" };
    const a = await addNode(app, lab.id, { name: "A", config });
    const b = await addNode(app, lab.id, { name: "B", config });
    expect(await digests(lab.id)).toEqual({ [a.id]: "0".repeat(40), [b.id]: "0".repeat(40) });
    await command(lab.id, "A", "LPUSH", "l", "x", "y");
    await command(lab.id, "A", "SADD", "s", "m");
    const master = await command(lab.id, "A", "DEBUG", "DIGEST");
    expect((await digests(lab.id))[a.id]).toBe(master);
    await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/B/master`, payload: { masterId: a.id } });
    await waitFor(async () => (await digests(lab.id))[b.id] === master, 10_000, "B's digest to be A's");
    const view = (await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).json<LabView>();
    expect(view.nodes.find((n) => n.id === b.id)?.role).toBe("replica");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/B/kill`, payload: {} });
    expect((await digests(lab.id))[b.id]).toBeNull();
  });
});
