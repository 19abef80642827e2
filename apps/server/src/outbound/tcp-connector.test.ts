/**
 * The outbound adapter as the server runs it: the allow-list (refusals in the node's log, and
 * `outbound-not-allowed` from set-master), an outside address as a set-master target, sockets
 * closed when the node is killed or the lab deleted, and a frozen node's socket left unread.
 */
import type { FastifyInstance } from "fastify";
import type { LabEvent } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, freePort, haveRedisTools, RedisServerProcess, scratchDir, sleep, startApp, waitFor } from "../testing/helpers.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";

const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" };

async function events(app: FastifyInstance, labId: string): Promise<LabEvent[]> {
  return (await app.inject({ method: "GET", url: `/api/labs/${labId}/events` })).json<{ events: LabEvent[] }>().events;
}

async function connectedReplicas(client: RespClient): Promise<number> {
  return Number((await client.info("replication")).connected_slaves);
}

describe("outbound connections from lab nodes", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  let real: RedisServerProcess | undefined;
  let master: RespClient;

  beforeAll(async () => {
    if (!haveRedisTools) throw new Error("redis-server 7.0 must be installed (Debian package redis-server)");
    scratch = scratchDir("replica-lab-connector-");
    ({ app } = await startApp());
    real = await RedisServerProcess.start(scratch.dir, "master", REAL_CONFIG);
    master = await RespClient.connect(real.port);
  });

  afterAll(async () => {
    master?.close();
    await real?.kill();
    await app?.close();
    scratch?.remove();
  });

  it("refuses an address the server does not allow: set-master answers outbound-not-allowed, REPLICAOF logs the reason", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    const response = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/master`, payload: { masterId: "10.0.0.1:6379" } });
    expect(response.statusCode).toBe(403);
    expect(response.json<{ error: { code: string } }>().error.code).toBe("outbound-not-allowed");
    // Typed as a command, REPLICAOF answers +OK as redis does; the connection is what fails.
    const command = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "10.0.0.1", "6379"] } });
    expect(command.json<{ text: string }>().text).toBe("OK");
    await waitFor(async () => (await events(app, lab.id)).some((e) => e.message.includes("error condition on socket for SYNC: outbound connections to 10.0.0.1:6379 are not allowed")), 5_000, "the refusal in the log");
    // Neither a lab node nor an address: unknown-node.
    const unknown = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/master`, payload: { masterId: "Z" } });
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe("unknown-node");
  });

  it("reports a closed port as redis does (Connection refused) and keeps retrying", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    const port = await freePort();
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "127.0.0.1", String(port)] } });
    await waitFor(async () => (await events(app, lab.id)).filter((e) => e.message === "error condition on socket for SYNC: Connection refused; retrying every second").length >= 2, 5_000, "two refusals");
  });

  it("takes an outside host:port as set-master's target; kill, restart and lab deletion close and reopen the real socket", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id, { config: { "repl-ping-replica-period": 3600 } });
    const response = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/master`, payload: { masterId: `127.0.0.1:${real!.port}` } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ masterAddress: string; masterId: string | null }>()).toMatchObject({ masterAddress: `127.0.0.1:${real!.port}`, masterId: null });
    const replica = await RespClient.connect(node.respPort!);
    await master.text("SET", "k", "v");
    await waitForSamePosition([master, replica]);
    const runtime = app.labs.get(lab.id);
    expect(runtime.outbound.openSockets).toBe(1);

    // With REPLICAOF written to its redis.conf, the node rejoins and continues partially after a restart.
    const rewrite = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: ["CONFIG", "REWRITE"] } });
    expect(rewrite.json<{ text: string }>().text).toBe("OK");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/kill` });
    await waitFor(async () => (await connectedReplicas(master)) === 0, 5_000, "the real master to see the replica gone");
    expect(runtime.outbound.openSockets).toBe(0);

    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/restart` });
    const again = await RespClient.connect(node.respPort!);
    await waitForSamePosition([master, again]);
    expect(await connectedReplicas(master)).toBe(1);
    again.close();
    replica.close();

    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
    await waitFor(async () => (await connectedReplicas(master)) === 0, 5_000, "the lab's socket closed with the lab");
    expect(runtime.outbound.openSockets).toBe(0);
  });

  it("does not read a frozen node's socket: the stream waits in the kernel and the real master, not in the lab's memory, until the thaw", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id, { config: { "repl-ping-replica-period": 3600 } });
    const replica = await RespClient.connect(node.respPort!);
    await replica.text("REPLICAOF", "127.0.0.1", String(real!.port));
    await waitForSamePosition([master, replica]);
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/freeze` });
    const value = "f".repeat(1024 * 1024);
    for (let i = 0; i < 16; i++) await master.text("SET", `frozen:${i}`, value);
    // The socket is not read: 16 MiB of stream wait in the kernel and the real master, not in
    // the lab's memory (the frozen host holds at most the read that noticed the freeze).
    await sleep(500);
    const runtime = app.labs.get(lab.id);
    expect(runtime.lab.isFrozen(node.id)).toBe(true);
    expect(runtime.lab.heldEvents(node.id)).toBeLessThanOrEqual(2);
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/thaw` });
    await waitForSamePosition([master, replica]);
    expect(await replica.text("STRLEN", "frozen:15")).toBe(String(1024 * 1024));
    replica.close();
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
  });
});

describe("allowOutbound", () => {
  it("an empty allow-list refuses loopback too", async () => {
    const { app } = await startApp({ allowOutbound: [] });
    try {
      const lab = await createLab(app);
      const node = await addNode(app, lab.id);
      const response = await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${node.id}/master`, payload: { masterId: "127.0.0.1:6379" } });
      expect(response.json<{ error: { code: string } }>().error.code).toBe("outbound-not-allowed");
      await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "localhost", "6379"] } });
      await waitFor(async () => (await events(app, lab.id)).some((e) => /outbound connections to localhost:6379 .*are not allowed/.test(e.message)), 5_000, "the refusal");
    } finally {
      await app.close();
    }
  });
});
