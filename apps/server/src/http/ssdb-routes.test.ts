/**
 * SSDB nodes through the REST API (issue 15): added with `version: "ssdb"` and ssdb.conf settings by
 * dotted name, made slaves by `PUT …/master` (the server sends the kind's own command, `slaveof`),
 * persisted into ssdb.conf's `replication.slaveof` block, and refused `masterId: null` (ssdb-server
 * cannot stop following a master at run time).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeSnapshot } from "@replica-lab/engine";
import { buildApp } from "../app.ts";
import { addNode, createLab } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  app = buildApp({});
  await app.ready();
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
});
