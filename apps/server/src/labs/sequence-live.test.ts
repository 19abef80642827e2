/**
 * The sequence diagram against a real redis-server 7.0.15 (issue 10): a lab node replicating from
 * it over real TCP draws the real master's own bytes in the protocol's words: +PONG, +OK,
 * +FULLRESYNC with the real master's replid, the diskless `$EOF:` RDB, then the stream, whose
 * offsets end at the real master's master_repl_offset; after the lab node drops its link, the
 * real master's +CONTINUE carries its replid. The real server runs on a free loopback port and is
 * stopped by PID. Without redis-server installed this test fails; it never skips.
 */
import type { FastifyInstance } from "fastify";
import type { NodeSnapshot } from "@replica-lab/engine";
import type { SequenceMessage, SequenceView } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";

const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" };

describe("the diagram of a lab node replicating from a real redis-server 7.0.15", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  let real: RedisServerProcess | undefined;
  let master: RespClient | undefined;
  let replica: RespClient | undefined;
  let labId = "";
  let node: NodeSnapshot;

  beforeAll(async () => {
    if (!haveRedisTools) throw new Error("redis-server and redis-cli 7.0 must be installed (Debian packages redis-server, redis-tools; .ci/run installs them)");
    scratch = scratchDir("replica-lab-sequence-");
    ({ app } = await startApp());
    real = await RedisServerProcess.start(scratch.dir, "master", REAL_CONFIG);
    labId = (await createLab(app, { name: "sequence-live" })).id;
    node = await addNode(app, labId, { name: "L" });
    master = await RespClient.connect(real.port);
    replica = await RespClient.connect(node.respPort!);
    await master.text("SET", "k1", "v1");
  });

  afterAll(async () => {
    master?.close();
    replica?.close();
    await real?.kill();
    await app?.close();
    scratch?.remove();
  });

  const sequence = async (): Promise<SequenceMessage[]> => {
    const response = await app.inject({ method: "GET", url: `/api/labs/${labId}/sequence` });
    expect(response.statusCode, response.body).toBe(200);
    const view = response.json<SequenceView>();
    const outside = `127.0.0.1:${real!.port}`;
    expect(view.lanes.map((l) => l.id)).toContain(outside);
    return view.messages.filter((m) => m.from === outside || m.to === outside);
  };

  it("reads the real master's handshake replies, RDB and stream, with offsets ending at its master_repl_offset", async () => {
    expect(await replica!.text("REPLICAOF", "127.0.0.1", String(real!.port))).toBe("OK");
    await waitFor(async () => (await replica!.info("replication")).master_link_status === "up", 10_000, "the lab node's link to the real master");
    await master!.text("SET", "k2", "v2");
    const realInfo = async (): Promise<Record<string, string>> => master!.info("replication");
    await waitFor(async () => (await replica!.info("replication")).master_repl_offset === (await realInfo()).master_repl_offset, 10_000, "the lab node catching up");
    const info = await realInfo();
    let messages: SequenceMessage[] = [];
    await waitFor(async () => {
      messages = await sequence();
      const last = messages.filter((m) => m.kind === "stream").at(-1);
      return last?.offsets?.after === Number(info.master_repl_offset);
    }, 10_000, "the diagram's stream to reach the real master's offset");
    const fromReal = messages.filter((m) => m.to === node.id).map((m) => m.kind === "rdb" ? "RDB" : m.text);
    const replid = info.master_replid!;
    // What redis-server 7.0.15 answered, in order (its FULLRESYNC offset is its offset when the sync began).
    expect(fromReal.slice(0, 4)).toEqual(["+PONG", "+OK", "+OK", expect.stringMatching(new RegExp(`^\\+FULLRESYNC ${replid.slice(0, 4)}… [0-9]+$`))]);
    const rdb = messages.find((m) => m.kind === "rdb")!;
    expect(rdb.raw).toMatch(/^\$EOF:[0-9a-f]{4}…\\r\\n<RDB [0-9]+ bytes REDIS0010>$/);
    const fullresync = messages.find((m) => m.text.startsWith("+FULLRESYNC"))!;
    expect(fullresync.raw).toBe(`+FULLRESYNC ${replid} ${fullresync.text.split(" ")[2]}\\r\\n`);
  });

  it("draws the real master's +CONTINUE after the lab node drops its link", async () => {
    await replica!.text("CLIENT", "KILL", "TYPE", "master");
    await master!.text("SET", "k3", "v3");
    const replid = (await master!.info("replication")).master_replid!;
    let cont: SequenceMessage | undefined;
    await waitFor(async () => {
      cont = (await sequence()).find((m) => m.kind === "reply" && m.text.startsWith("+CONTINUE"));
      return cont !== undefined;
    }, 10_000, "the real master's +CONTINUE");
    expect(cont!.raw).toBe(`+CONTINUE ${replid}\\r\\n`);
  });
});
