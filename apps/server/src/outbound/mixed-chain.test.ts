/**
 * Mixed chains of real redis-server 7.0.15 processes and lab nodes, over real TCP, with a promotion
 * (REPLICAOF NO ONE) of the node in the middle and the old top master rejoining under it:
 *
 * - real → lab → real: the lab node in the middle proxies its master's stream to a real
 *   sub-replica, is promoted, and both real servers continue from it with partial resyncs;
 * - lab → real → lab: the same with the roles swapped.
 *
 * After each phase every node must agree on master_replid, master_replid2, second_repl_offset and
 * master_repl_offset, and hold the same keys. Cron PINGs are off so offsets are exact.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { dumpKeyspace, keyspaceDifferences, position, RespClient, stat, waitForSamePosition, type ReplicationPosition } from "../testing/resp-client.ts";

const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" };
const LAB_CONFIG = { "repl-diskless-sync-delay": 0, "repl-ping-replica-period": 3600 };

/** Writes on `client`, tagged so each phase adds keys of its own. */
async function write(client: RespClient, tag: string): Promise<void> {
  await Promise.all([
    client.text("SET", `${tag}:str`, `value of ${tag}`),
    client.text("SET", `${tag}:int`, "31337"),
    client.text("SET", `${tag}:lzf`, `${tag}-`.repeat(2000)),
    client.text("SET", `${tag}:ttl`, "x", "EX", 2000),
    client.text("INCRBY", "counter", 5),
  ]);
}

/** Waits until every replica's link is up (writes made before that would travel in the RDB). */
async function linksUp(replicas: readonly RespClient[]): Promise<void> {
  await waitFor(async () => (await Promise.all(replicas.map((r) => r.info("replication")))).every((i) => i.master_link_status === "up"), 10_000, "links up");
}

/** Every node on the same history: same replid, replid2, second_repl_offset and offset; same keys. */
async function expectAgreement(nodes: readonly RespClient[]): Promise<ReplicationPosition[]> {
  const positions = await waitForSamePosition(nodes);
  const first = positions[0]!;
  for (const p of positions) {
    expect(p.replid).toBe(first.replid);
    expect(p.replid2).toBe(first.replid2);
    expect(p.secondOffset).toBe(first.secondOffset);
    expect(p.offset).toBe(first.offset);
  }
  const reference = await dumpKeyspace(nodes[0]!, [0]);
  for (const node of nodes.slice(1)) expect(keyspaceDifferences(reference, await dumpKeyspace(node, [0]))).toEqual([]);
  return positions;
}

/** Promotes `middle`, checks the new history it starts, and that its replica continued partially. */
async function promote(middle: RespClient, subReplica: RespClient, oldTop: RespClient): Promise<ReplicationPosition> {
  const before = await position(middle);
  const partialBefore = await stat(middle, "sync_partial_ok");
  expect(await middle.text("REPLICAOF", "NO", "ONE")).toBe("OK");
  const after = await position(middle);
  expect(after.role).toBe("master");
  expect(after.replid).not.toBe(before.replid);
  expect(after.replid2).toBe(before.replid);
  expect(after.secondOffset).toBe(before.offset + 1);
  // The sub-replica was disconnected (7.0.15) and continued with a partial resync.
  await waitFor(async () => (await stat(middle, "sync_partial_ok")) === partialBefore + 1, 10_000, "the sub-replica's partial resync");
  await write(middle, "after-promotion");
  await expectAgreement([middle, subReplica]);
  // The old top master is on its own now: its history stopped where the promotion happened.
  const top = await position(oldTop);
  expect(top.replid).toBe(before.replid);
  expect(top.offset).toBe(before.offset);
  expect((await oldTop.info("replication")).connected_slaves).toBe("0");
  return after;
}

/** The old top master joins under the promoted node: a partial resync, then one history for all. */
async function rejoin(oldTop: RespClient, promoted: RespClient, promotedPort: number, all: readonly RespClient[]): Promise<void> {
  const partialBefore = await stat(promoted, "sync_partial_ok");
  const fullBefore = await stat(promoted, "sync_full");
  expect(await oldTop.text("REPLICAOF", "127.0.0.1", String(promotedPort))).toBe("OK");
  await waitFor(async () => (await stat(promoted, "sync_partial_ok")) === partialBefore + 1, 10_000, "the old master's partial resync");
  expect(await stat(promoted, "sync_full")).toBe(fullBefore);
  await write(promoted, "rejoined");
  await expectAgreement(all);
}

describe("mixed chains of real redis-server 7.0.15 and lab nodes, with a promotion in the middle", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  const servers: RedisServerProcess[] = [];
  const clients: RespClient[] = [];

  const realServer = async (name: string): Promise<{ server: RedisServerProcess; client: RespClient }> => {
    const server = await RedisServerProcess.start(scratch!.dir, name, REAL_CONFIG);
    servers.push(server);
    const client = await RespClient.connect(server.port);
    clients.push(client);
    return { server, client };
  };

  const labNode = async (labId: string, name: string): Promise<{ port: number; client: RespClient }> => {
    const node = await addNode(app, labId, { name, config: LAB_CONFIG });
    const client = await RespClient.connect(node.respPort!);
    clients.push(client);
    return { port: node.respPort!, client };
  };

  beforeAll(async () => {
    if (!haveRedisTools) throw new Error("redis-server 7.0 must be installed (Debian package redis-server)");
    scratch = scratchDir("replica-lab-chain-");
    ({ app } = await startApp());
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.kill();
    await app?.close();
    scratch?.remove();
  });

  it("real → lab → real: one history through the lab node; promote it; the real servers continue from it", async () => {
    const labId = (await createLab(app, { name: "real-lab-real" })).id;
    const top = await realServer("chain1-top");
    const middle = await labNode(labId, "L");
    const bottom = await realServer("chain1-bottom");
    await write(top.client, "seed");
    await middle.client.text("REPLICAOF", "127.0.0.1", String(top.server.port));
    await bottom.client.text("REPLICAOF", "127.0.0.1", String(middle.port));
    await linksUp([middle.client, bottom.client]);
    await write(top.client, "streamed");
    const chain = await expectAgreement([top.client, middle.client, bottom.client]);
    expect(chain[0]!.offset).toBeGreaterThan(0);
    // The lab node proxies its master's stream: the real sub-replica sees the top master's replid.
    expect(chain[2]!.replid).toBe(chain[0]!.replid);

    await promote(middle.client, bottom.client, top.client);
    await rejoin(top.client, middle.client, middle.port, [middle.client, top.client, bottom.client]);
  });

  it("lab → real → lab: one history through the real server; promote it; the lab nodes continue from it", async () => {
    const labId = (await createLab(app, { name: "lab-real-lab" })).id;
    const top = await labNode(labId, "T");
    const middle = await realServer("chain2-middle");
    const bottom = await labNode(labId, "B");
    await write(top.client, "seed");
    await middle.client.text("REPLICAOF", "127.0.0.1", String(top.port));
    await bottom.client.text("REPLICAOF", "127.0.0.1", String(middle.server.port));
    await linksUp([middle.client, bottom.client]);
    await write(top.client, "streamed");
    const chain = await expectAgreement([top.client, middle.client, bottom.client]);
    expect(chain[0]!.offset).toBeGreaterThan(0);
    expect(chain[2]!.replid).toBe(chain[0]!.replid);

    await promote(middle.client, bottom.client, top.client);
    await rejoin(top.client, middle.client, middle.server.port, [middle.client, top.client, bottom.client]);
  });
});
