/**
 * A lab driven through every door the server has (REST operations, console commands, real
 * redis-cli connections on the nodes' ports, the write load, the real-time clock) is rebuilt
 * exactly by replaying its seed, epoch and input log: same snapshot, same keyspaces.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, RedisNode, valueFingerprint } from "@replica-lab/engine";
import { createLab, haveRedisTools, redisCli, sleep, startApp, waitFor } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startApp());
});

afterAll(async () => {
  await app.close();
});

/** Snapshot and every key, value and TTL of every node. */
function fingerprint(lab: Lab): string {
  const parts = [JSON.stringify(lab.snapshot())];
  for (const id of lab.nodeIds()) {
    const process = lab.process(id);
    if (!(process instanceof RedisNode)) continue;
    for (const db of process.keyspace.dbs) for (const [key, value] of db.dict) parts.push(`${id}/${db.id}/${key}=${valueFingerprint(value)}@${db.expireAt(key)}`);
  }
  return parts.join("\n");
}

describe("a lab driven through REST, redis-cli and the write load replays from its log", () => {
  it.runIf(haveRedisTools)("rebuilds the same lab from seed, epoch and inputs", async () => {
    const lab = await createLab(app, { template: "one-master-two-replicas", seed: 42 });
    const [a, b, c] = lab.nodes;
    const op = (method: "POST" | "PUT" | "PATCH", url: string, payload: Record<string, unknown> = {}): Promise<unknown> =>
      app.inject({ method, url: `/api/labs/${lab.id}${url}`, payload }).then((r) => {
        expect(r.statusCode, r.body).toBeLessThan(300);
        return r.json();
      });
    await op("PUT", `/nodes/${a!.id}/write-load`, { opsPerSec: 2000 });
    await redisCli(a!.respPort!, "SET", "from-cli", "1");
    await redisCli(a!.respPort!, "MSET", "x", "1", "y", "2");
    await op("POST", `/nodes/${a!.id}/command`, { argv: ["INCR", "counter"] });
    await sleep(300);
    await op("PATCH", `/links/${a!.id}/${c!.id}`, { partitioned: true });
    await redisCli(a!.respPort!, "SET", "during-partition", "yes");
    await sleep(300);
    await op("PATCH", `/links/${a!.id}/${c!.id}`, { partitioned: false });
    await op("POST", `/nodes/${b!.id}/kill`);
    await op("POST", `/nodes/${b!.id}/restart`);
    await op("PUT", `/nodes/${c!.id}/master`, { masterId: b!.id });
    await redisCli(c!.respPort!, "CONFIG", "REWRITE");
    await sleep(300);
    await op("PUT", `/nodes/${a!.id}/write-load`, { opsPerSec: 0 });
    await op("POST", "/clock", { action: "pause" });
    const runtime = app.labs.get(lab.id);
    await waitFor(() => runtime.writeLoad.sent > 0, 5_000, "the write load to send");
    const original = runtime.lab;
    const inputs = original.inputs.toArray();
    const ops = new Set(inputs.map((input) => input.op));
    for (const kind of ["add-node", "command", "open", "send", "load", "load-stop", "set-link", "kill", "restart", "run-until"]) expect(ops, kind).toContain(kind);
    const replayed = Lab.replay(original.creation, inputs);
    expect(fingerprint(replayed)).toBe(fingerprint(original));
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
  }, 60_000);
});
