import { describe, expect, it } from "vitest";
import type { NodeId, NodeSnapshot } from "@replica-lab/protocol";
import { infoReplication } from "./infoReplication.ts";
import { makeNode } from "../store/fixtures.ts";

describe("infoReplication", () => {
  it("renders a master with its replicas in redis' field order", () => {
    const text = infoReplication(
      makeNode("n1", {
        masterReplOffset: 14,
        backlog: { active: true, sizeBytes: 1048576, firstByteOffset: 1, histlen: 14, memoryBytes: 0 },
        replicas: [{ nodeId: "n2" as NodeId, address: "127.0.0.1:6380", state: "online", ackOffset: 14, lagSec: 0, awaitingFirstAck: false }],
      }),
      "(down)",
    );
    expect(text.split("\n")).toEqual([
      "# Replication",
      "role:master",
      "connected_slaves:1",
      "slave0:ip=127.0.0.1,port=6380,state=online,offset=14,lag=0",
      "master_failover_state:no-failover",
      "master_replid:8f1c2b3a4d5e6f708192a3b4c5d6e7f801234567",
      "master_replid2:0000000000000000000000000000000000000000",
      "master_repl_offset:14",
      "second_repl_offset:-1",
      "repl_backlog_active:1",
      "repl_backlog_size:1048576",
      "repl_backlog_first_byte_offset:1",
      "repl_backlog_histlen:14",
    ]);
  });

  it("renders a 2.8 master's fields as 2.8.24 prints them: offsets and the ring's window, no replids", () => {
    // A 7.0 fixture node without what 2.8 does not have.
    const { replid: _replid, replid2: _replid2, secondReplOffset: _second, ...base } = makeNode("n1", { masterReplOffset: 0 });
    const node = {
      ...base,
      protocol: "redis-psync1",
      runId: "53b9aa0000000000000000000000000000000000",
      masterRunId: null,
      replicaOffset: null,
      backlog: { active: false, sizeBytes: 1048576, idx: 0, histlen: 0, firstByteOffset: 0, lastByteOffset: -1, wrapped: false, fedBytes: 0 },
      syncPartialOk: 0,
      syncPartialErr: 0,
    } as unknown as NodeSnapshot;
    // packages/engine/test/fixtures/real-redis-2.8.24.json, oneMasterTwoReplicas, first checkpoint, A.
    const recorded = { role: "master", connected_slaves: "0", master_repl_offset: "0", repl_backlog_active: "0", repl_backlog_size: "1048576", repl_backlog_first_byte_offset: "0", repl_backlog_histlen: "0" };
    expect(infoReplication(node, "(down)").split("\n")).toEqual(["# Replication", ...Object.entries(recorded).map(([k, v]) => `${k}:${v}`)]);
  });

  it("renders a replica's link fields", () => {
    const text = infoReplication(
      makeNode("n2", { role: "replica", masterAddress: "127.0.0.1:6379", replState: "connect", linkPhase: "connect", masterLinkDownSinceSec: 3, replicaOffset: 84, replicaReadOffset: 84 }),
      "(down)",
    );
    expect(text).toContain("role:slave\nmaster_host:127.0.0.1\nmaster_port:6379\nmaster_link_status:down");
    expect(text).toContain("slave_repl_offset:84");
    expect(text).toContain("master_link_down_since_seconds:3");
  });

  it("prints the caller's note under the header while the node is down", () => {
    expect(infoReplication(makeNode("n1", { status: "down" }), "（节点已宕机）")).toBe("# Replication\n（节点已宕机）");
  });
});
