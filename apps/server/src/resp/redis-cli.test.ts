/**
 * Lab nodes driven only with the real `redis-cli` (Debian's redis-tools): REPLICAOF between lab
 * nodes by port, SET on the master, GET on the replica, INFO replication on both. The API is used
 * only to create the empty lab and its three nodes.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, parseInfo, redisCli, startApp, waitFor } from "../testing/helpers.ts";

describe.runIf(haveRedisTools)("lab nodes through redis-cli", () => {
  let app: FastifyInstance;
  const ports: number[] = [];

  beforeAll(async () => {
    ({ app } = await startApp());
    const lab = await createLab(app);
    for (let i = 0; i < 3; i++) ports.push((await addNode(app, lab.id)).respPort!);
  });
  afterAll(async () => {
    await app.close();
  });

  it("links replicas by port, replicates a SET, and reports INFO replication on both sides", async () => {
    const [master, replica1, replica2] = ports as [number, number, number];
    expect(await redisCli(master, "CONFIG", "SET", "repl-diskless-sync-delay", "0")).toBe("OK");
    expect(await redisCli(replica1, "REPLICAOF", "127.0.0.1", String(master))).toBe("OK");
    expect(await redisCli(replica2, "SLAVEOF", "127.0.0.1", String(master))).toBe("OK");
    for (const replica of [replica1, replica2]) {
      await waitFor(async () => parseInfo(await redisCli(replica, "INFO", "replication")).master_link_status === "up", 15_000, "the link");
    }
    expect(await redisCli(master, "SET", "tutorial", "k1")).toBe("OK");
    for (const replica of [replica1, replica2]) {
      await waitFor(async () => (await redisCli(replica, "GET", "tutorial")) === "k1", 5000, "the replicated key");
    }
    expect(await redisCli(replica1, "SET", "k2", "v2")).toBe("READONLY You can't write against a read only replica.");

    const masterInfo = parseInfo(await redisCli(master, "INFO", "replication"));
    expect(masterInfo.role).toBe("master");
    expect(masterInfo.connected_slaves).toBe("2");
    const attached = [masterInfo.slave0, masterInfo.slave1].map((line) => /port=(\d+),state=(\w+)/.exec(line ?? "")?.slice(1));
    expect(attached).toEqual(expect.arrayContaining([[String(replica1), "online"], [String(replica2), "online"]]));

    const replicaInfo = parseInfo(await redisCli(replica1, "INFO", "replication"));
    expect(replicaInfo).toMatchObject({ role: "slave", master_host: "127.0.0.1", master_port: String(master), master_link_status: "up" });
    await waitFor(async () => parseInfo(await redisCli(replica1, "INFO", "replication")).master_repl_offset === parseInfo(await redisCli(master, "INFO", "replication")).master_repl_offset, 5000, "offsets to match");
    expect(parseInfo(await redisCli(replica1, "INFO", "replication")).master_replid).toBe(masterInfo.master_replid);
  });
});
