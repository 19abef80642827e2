/**
 * External nodes: INFO parsing, discovery and edges without sockets; then a mixed topology of real
 * redis-server processes and lab nodes as the lab view and the stream show it (polled INFO,
 * transitive discovery, a stopped server shown unreachable, an address the server may not poll).
 */
import type { FastifyInstance } from "fastify";
import { asPsync2, type NodeId, type NodeSnapshot } from "@replica-lab/engine";
import type { ExternalNodeView, LabView, ServerMessage } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { applyMessage, type HeldLab } from "../testing/apply-message.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";
import { discoverExternalAddresses, externalEdges } from "./external-watch.ts";
import { parseObservation } from "./observation.ts";

/** INFO server replication stats keyspace of a real 7.0.15 master with one replica (abridged). */
const MASTER_INFO = [
  "# Server",
  "redis_version:7.0.15",
  "run_id:83c4ba2c0dc6cfb98ef5121935fe8f60451ff1f1",
  "tcp_port:7813",
  "",
  "# Stats",
  "sync_full:1",
  "sync_partial_ok:2",
  "sync_partial_err:1",
  "",
  "# Replication",
  "role:master",
  "connected_slaves:1",
  "slave0:ip=127.0.0.1,port=7814,state=online,offset=50,lag=1",
  "master_failover_state:no-failover",
  "master_replid:2b4ed38fef52c525fdbf9595a75390b09bf3a423",
  "master_replid2:0000000000000000000000000000000000000000",
  "master_repl_offset:50",
  "second_repl_offset:-1",
  "repl_backlog_active:1",
  "repl_backlog_size:1048576",
  "repl_backlog_first_byte_offset:1",
  "repl_backlog_histlen:50",
  "",
  "# Keyspace",
  "db0:keys=3,expires=1,avg_ttl=0",
  "db5:keys=2,expires=0,avg_ttl=0",
  "",
].join("\r\n");

const REPLICA_INFO = [
  "# Replication",
  "role:slave",
  "master_host:127.0.0.1",
  "master_port:7813",
  "master_link_status:down",
  "master_last_io_seconds_ago:-1",
  "master_sync_in_progress:0",
  "slave_read_repl_offset:42",
  "slave_repl_offset:42",
  "master_link_down_since_seconds:3",
  "connected_slaves:0",
  "master_replid:2b4ed38fef52c525fdbf9595a75390b09bf3a423",
  "master_replid2:0000000000000000000000000000000000000000",
  "master_repl_offset:42",
  "second_repl_offset:-1",
  "repl_backlog_active:1",
  "",
].join("\r\n");

describe("parseObservation", () => {
  it("reads the figures of a master, its replicas and its keys in every db", () => {
    expect(parseObservation(MASTER_INFO)).toEqual({
      version: "7.0.15",
      runId: "83c4ba2c0dc6cfb98ef5121935fe8f60451ff1f1",
      role: "master",
      masterAddress: null,
      masterLinkStatus: null,
      replid: "2b4ed38fef52c525fdbf9595a75390b09bf3a423",
      replid2: "0000000000000000000000000000000000000000",
      masterReplOffset: 50,
      secondReplOffset: -1,
      replicaOffset: null,
      connectedReplicas: 1,
      replicas: [{ address: "127.0.0.1:7814", state: "online", ackOffset: 50, lagSec: 1 }],
      backlogActive: true,
      backlogFirstByteOffset: 1,
      backlogHistlen: 50,
      keys: 5,
      syncFull: 1,
      syncPartialOk: 2,
      syncPartialErr: 1,
    });
  });

  it("reads a replica's master and link", () => {
    const observed = parseObservation(REPLICA_INFO);
    expect(observed).toMatchObject({ role: "replica", masterAddress: "127.0.0.1:7813", masterLinkStatus: "down", replicaOffset: 42, keys: 0 });
  });

  it("refuses text that is not INFO", () => {
    expect(parseObservation("hello")).toBeNull();
  });
});

function labNode(id: string, address: string, patch: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return { id: id as NodeId, address, masterId: null, removedMaster: null, masterAddress: null, replicas: [], ...patch } as NodeSnapshot;
}

function external(id: string, info: string | null, reachable = true): ExternalNodeView {
  const at = id.lastIndexOf(":");
  return { id, host: id.slice(0, at), port: Number(id.slice(at + 1)), reachable, error: null, lastPolledUnixMs: 1, observed: info === null ? null : parseObservation(info) };
}

describe("discovery and edges", () => {
  const nodes = [
    labNode("n1", "127.0.0.1:7000", { masterAddress: "127.0.0.1:7813", role: "replica" }),
    labNode("n2", "127.0.0.1:7001", {
      replicas: [
        { nodeId: null, address: "127.0.0.1:7900", state: "online", ackOffset: 0, lagSec: 0, awaitingFirstAck: false },
        { nodeId: "n1" as NodeId, address: "127.0.0.1:7000", state: "online", ackOffset: 0, lagSec: 0, awaitingFirstAck: false },
      ],
    }),
  ];
  const labAt = (address: string): NodeId | undefined => nodes.find((n) => n.address === address)?.id;

  it("starts from the lab's links and follows external masters and replicas one hop per poll, up to the cap", () => {
    const observations = new Map([["127.0.0.1:7813", parseObservation(MASTER_INFO)]]);
    const found = discoverExternalAddresses(nodes, (a) => labAt(a) !== undefined, (a) => observations.get(a) ?? null, 16);
    expect(found).toEqual(["127.0.0.1:7813", "127.0.0.1:7900", "127.0.0.1:7814"]);
    expect(discoverExternalAddresses(nodes, (a) => labAt(a) !== undefined, (a) => observations.get(a) ?? null, 2)).toEqual(["127.0.0.1:7813", "127.0.0.1:7900"]);
  });

  it("does not take a deleted lab node's address, which its replicas still retry, for an outside server", () => {
    const orphan = labNode("n3", "127.0.0.1:7002", { masterAddress: "127.0.0.1:7005", role: "replica", removedMaster: "D" });
    expect(discoverExternalAddresses([orphan], () => false, () => null, 16)).toEqual([]);
  });

  it("draws an external replica's link from its own INFO, else from its master's list", () => {
    const externals = [external("127.0.0.1:7813", MASTER_INFO), external("127.0.0.1:7814", REPLICA_INFO), external("127.0.0.1:7900", null, false)];
    expect(externalEdges(nodes, externals, labAt)).toEqual([
      { id: "127.0.0.1:7814->127.0.0.1:7813", replica: { kind: "external", id: "127.0.0.1:7814" }, master: { kind: "external", id: "127.0.0.1:7813" }, linkStatus: "down" },
      { id: "127.0.0.1:7900->n2", replica: { kind: "external", id: "127.0.0.1:7900" }, master: { kind: "lab", id: "n2" }, linkStatus: "up" },
    ]);
  });
});

describe("external nodes of a mixed topology (real redis-server 7.0.15)", () => {
  let app: FastifyInstance;
  let wsUrl: string;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  const servers: RedisServerProcess[] = [];
  const clients: RespClient[] = [];

  beforeAll(async () => {
    if (!haveRedisTools) throw new Error("redis-server 7.0 must be installed (Debian package redis-server)");
    scratch = scratchDir("replica-lab-external-");
    ({ app, wsUrl } = await startApp({ externalWatch: { intervalMs: 100, timeoutMs: 600 } }, true));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) {
      server.resume();
      await server.kill();
    }
    await app?.close();
    scratch?.remove();
  });

  const real = async (name: string): Promise<{ server: RedisServerProcess; client: RespClient }> => {
    const server = await RedisServerProcess.start(scratch!.dir, name, { "repl-diskless-sync-delay": "0" });
    servers.push(server);
    const client = await RespClient.connect(server.port);
    clients.push(client);
    return { server, client };
  };

  it("shows real servers linked to the lab as external nodes, with edges to and from lab nodes", async () => {
    // top (real) → L (lab) → bottom (real); side (real) replicates from top, two hops from the lab.
    const labId = (await createLab(app, { name: "externals" })).id;
    const top = await real("top");
    const bottom = await real("bottom");
    const side = await real("side");
    const node = await addNode(app, labId, { name: "L", config: { "repl-diskless-sync-delay": 0 } });
    const l = await RespClient.connect(node.respPort!);
    clients.push(l);
    await top.client.text("SET", "k", "v");
    await l.text("REPLICAOF", "127.0.0.1", String(top.server.port));
    await bottom.client.text("REPLICAOF", "127.0.0.1", String(node.respPort));
    await side.client.text("REPLICAOF", "127.0.0.1", String(top.server.port));
    await waitForSamePosition([top.client, l, bottom.client, side.client]);

    const topId = `127.0.0.1:${top.server.port}`;
    const bottomId = `127.0.0.1:${bottom.server.port}`;
    const sideId = `127.0.0.1:${side.server.port}`;
    let view: LabView | null = null;
    const ready = (v: LabView): boolean => {
      const byId = new Map((v.externalNodes ?? []).map((e) => [e.id, e]));
      return [topId, bottomId, sideId].every((id) => byId.get(id)?.reachable === true && byId.get(id)?.observed?.keys === 1) && (v.externalEdges ?? []).length === 2;
    };
    await waitFor(
      async () => {
        view = (await app.inject({ method: "GET", url: `/api/labs/${labId}` })).json<LabView>();
        return ready(view);
      },
      10_000,
      "three external nodes polled",
    );
    const v = view as unknown as LabView;
    const byId = new Map((v.externalNodes ?? []).map((e) => [e.id, e]));
    const topView = byId.get(topId)!;
    expect(topView.observed).toMatchObject({ version: "7.0.15", role: "master", connectedReplicas: 2, syncFull: 2 });
    expect(topView.lastPolledUnixMs).toBeGreaterThan(Date.now() - 5_000);
    const lab = asPsync2(v.nodes[0]!);
    expect(topView.observed!.replid).toBe(lab.replid);
    expect(byId.get(bottomId)!.observed).toMatchObject({ role: "replica", masterAddress: node.address, masterLinkStatus: "up", replid: lab.replid, masterReplOffset: lab.masterReplOffset });
    expect(byId.get(sideId)!.observed).toMatchObject({ role: "replica", masterAddress: topId });
    // The lab node's own link points at the external master's id.
    expect(v.edges).toEqual([expect.objectContaining({ replicaId: node.id, masterId: null, masterAddress: topId, phase: "connected" })]);
    expect(v.externalEdges).toEqual(
      expect.arrayContaining([
        { id: `${bottomId}->${node.id}`, replica: { kind: "external", id: bottomId }, master: { kind: "lab", id: node.id }, linkStatus: "up" },
        { id: `${sideId}->${topId}`, replica: { kind: "external", id: sideId }, master: { kind: "external", id: topId }, linkStatus: "up" },
      ]),
    );

    // The stream carries them too: a client applying snapshot and updates holds the same lists.
    const socket = new WebSocket(`${wsUrl}/api/labs/${labId}/stream`);
    let held: HeldLab | null = null;
    socket.on("message", (data: Buffer) => {
      held = applyMessage(held, JSON.parse(data.toString("utf8")) as ServerMessage);
    });
    try {
      await waitFor(() => held !== null && ready(held), 5_000, "the stream's external nodes");

      // A stopped server stays on the canvas, unreachable, with its last known state.
      top.server.pause();
      try {
        await waitFor(() => (held as LabView | null)?.externalNodes?.find((e) => e.id === topId)?.reachable === false, 5_000, "top unreachable");
        const stopped = (held as unknown as LabView).externalNodes!.find((e) => e.id === topId)!;
        expect(stopped.error).toMatch(/no answer to INFO/);
        expect(stopped.observed?.role).toBe("master");
      } finally {
        top.server.resume();
      }
      await waitFor(() => (held as LabView | null)?.externalNodes?.find((e) => e.id === topId)?.reachable === true, 5_000, "top reachable again");

      // No longer referenced: forgotten. bottom leaves the lab node; side is still reached through top.
      await bottom.client.text("REPLICAOF", "NO", "ONE");
      await waitFor(() => (held as LabView | null)?.externalNodes?.some((e) => e.id === bottomId) === false, 5_000, "bottom forgotten");
      expect((held as unknown as LabView).externalNodes!.map((e) => e.id).sort()).toEqual([sideId, topId].sort());
    } finally {
      socket.close();
    }
  });

  it("shows an address the server may not poll, without connecting to it", async () => {
    const labId = (await createLab(app, { name: "not-allowed" })).id;
    const node = await addNode(app, labId);
    await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "10.0.0.1", "6379"] } });
    await waitFor(
      async () => {
        const v = (await app.inject({ method: "GET", url: `/api/labs/${labId}` })).json<LabView>();
        const e = v.externalNodes?.find((x) => x.id === "10.0.0.1:6379");
        return e !== undefined && e.error !== null && e.error.startsWith("not polled: outbound connections to 10.0.0.1:6379 are not allowed");
      },
      5_000,
      "the refused external node",
    );
  });
});
