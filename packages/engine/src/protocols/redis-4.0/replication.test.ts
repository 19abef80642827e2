/**
 * Rules of the "4.0" kind that the recorded scenarios and captures do not reach (those are checked
 * in test/legacy against real 4.0.14 recordings): WAIT and GETACK, REPLCONF ip-address, a freed
 * backlog's new id, transactions passed on whole, a writable replica's own writes, a replica
 * restarted from its own SAVE, diskless sync, 4.0's config names and command table.
 */
import { describe, expect, it } from "vitest";
import { Lab, fromUtf8, type NodeId, type Reply } from "../../index.ts";

function text(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : fromUtf8(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "error") return `-${reply.message}`;
  if (reply.kind === "integer") return String(reply.value);
  if (reply.kind === "array") return `[${(reply.items ?? []).map(text).join(", ")}]`;
  return JSON.stringify(reply);
}

function info(lab: Lab, id: NodeId, section = "replication"): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text(lab.command(id, "INFO", section)).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

function nodes(count: number, config: Record<string, string> = {}): { lab: Lab; ids: NodeId[] } {
  const lab = new Lab({ seed: `redis-4.0:${count}:${JSON.stringify(config)}` });
  const ids = Array.from({ length: count }, (_, i) => lab.addNode({ name: String.fromCharCode(65 + i), version: "4.0", config: { "repl-ping-replica-period": "3600", ...config } }).id);
  return { lab, ids };
}

function slaveOf(lab: Lab, replica: NodeId, master: NodeId): void {
  expect(text(lab.command(replica, "SLAVEOF", "127.0.0.1", String(lab.nodeSnapshot(master).port)))).toBe("OK");
}

describe("redis 4.0 replication", () => {
  it("M4-4 WAIT counts replicas that acknowledged the last write, asking them with GETACK; refused on a replica", () => {
    const { lab, ids } = nodes(3);
    const [a, b, c] = ids as [NodeId, NodeId, NodeId];
    slaveOf(lab, b, a);
    slaveOf(lab, c, a);
    lab.advance(2_000);
    lab.command(a, "SET", "k", "v");
    expect(text(lab.command(a, "WAIT", "2", "1000"))).toBe("2");
    // The GETACK went through the stream: replicas counted its bytes too.
    const master = info(lab, a);
    expect(info(lab, b).slave_repl_offset).toBe(master.master_repl_offset);
    expect(text(lab.command(b, "WAIT", "1", "10"))).toMatch(/^-ERR WAIT cannot be used with slave instances/);
    lab.kill(c);
    lab.command(a, "SET", "k", "w");
    expect(text(lab.command(a, "WAIT", "2", "300"))).toBe("1");
  });

  it("M4-4 REPLCONF ip-address (slave-announce-ip) names the replica in INFO and ROLE", () => {
    const { lab, ids } = nodes(2);
    const [a, b] = ids as [NodeId, NodeId];
    expect(text(lab.command(b, "CONFIG", "SET", "slave-announce-ip", "10.9.8.7"))).toBe("OK");
    slaveOf(lab, b, a);
    lab.advance(2_000);
    expect(info(lab, a).slave0).toMatch(/^ip=10\.9\.8\.7,port=\d+,state=online,offset=0,lag=\d+$/);
    expect(text(lab.command(a, "ROLE"))).toMatch(/^\[master, 0, \[\[10\.9\.8\.7, \d+, 0\]\]\]$/);
  });

  it("P2-2 a master whose backlog is freed after repl-backlog-ttl takes a new id; its old replica resyncs fully", () => {
    const { lab, ids } = nodes(2);
    const [a, b] = ids as [NodeId, NodeId];
    slaveOf(lab, b, a);
    lab.advance(2_000);
    lab.command(a, "SET", "k", "v");
    lab.advance(1_000);
    const before = info(lab, a).master_replid;
    lab.command(a, "CONFIG", "SET", "repl-backlog-ttl", "2");
    lab.kill(b);
    lab.advance(4_000);
    const after = info(lab, a);
    expect(after.repl_backlog_active).toBe("0");
    expect(after.master_replid).not.toBe(before);
    expect(after.master_replid2).toBe("0".repeat(40));
    lab.restart(b);
    slaveOf(lab, b, a);
    lab.advance(2_000);
    const stats = info(lab, a, "stats");
    expect([stats.sync_full, stats.sync_partial_ok]).toEqual(["2", "0"]);
  });

  it("R4-3 a transaction from the master is passed on whole, and a writable replica's own writes are not", () => {
    const { lab, ids } = nodes(3);
    const [a, b, c] = ids as [NodeId, NodeId, NodeId];
    slaveOf(lab, b, a);
    lab.advance(2_000);
    slaveOf(lab, c, b);
    lab.advance(2_000);
    lab.command(a, "MULTI");
    lab.command(a, "SET", "x", "1");
    lab.command(a, "INCR", "n");
    lab.command(a, "EXEC");
    lab.advance(200);
    expect([text(lab.command(c, "GET", "x")), text(lab.command(c, "GET", "n"))]).toEqual(["1", "1"]);
    const offsets = [a, b, c].map((id) => info(lab, id).master_repl_offset);
    expect(new Set(offsets).size).toBe(1);
    lab.command(b, "CONFIG", "SET", "slave-read-only", "no");
    expect(text(lab.command(b, "SET", "local", "1"))).toBe("OK");
    lab.advance(200);
    expect(text(lab.command(c, "GET", "local"))).toBe("(nil)");
    expect(info(lab, b).master_repl_offset).toBe(offsets[0]);
  });

  it("R4-5 a replica restarted from its own SAVE offers the saved id and offset and continues partially", () => {
    const { lab, ids } = nodes(2);
    const [a, b] = ids as [NodeId, NodeId];
    slaveOf(lab, b, a);
    lab.advance(2_000);
    lab.command(a, "SET", "k", "v");
    lab.advance(200);
    lab.command(b, "CONFIG", "REWRITE");
    lab.command(b, "SAVE");
    const saved = info(lab, b);
    lab.kill(b);
    lab.command(a, "SET", "k2", "v2");
    lab.restart(b);
    lab.advance(2_500);
    const replica = info(lab, b);
    expect(replica.master_link_status).toBe("up");
    expect(replica.master_replid).toBe(saved.master_replid);
    expect(replica.master_repl_offset).toBe(info(lab, a).master_repl_offset);
    expect(text(lab.command(b, "GET", "k2"))).toBe("v2");
    expect(info(lab, a, "stats").sync_partial_ok).toBe("1");
  });

  it("M4-2 diskless sync waits more than repl-diskless-sync-delay seconds, then streams the RDB as $EOF", () => {
    const { lab, ids } = nodes(2, { "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "2" });
    const [a, b] = ids as [NodeId, NodeId];
    lab.command(a, "SET", "k", "v");
    slaveOf(lab, b, a);
    lab.advance(2_000);
    expect(info(lab, b).master_link_status).toBe("down");
    lab.advance(2_500);
    expect(info(lab, b).master_link_status).toBe("up");
    expect(text(lab.command(b, "GET", "k"))).toBe("v");
    expect(lab.events().some((e) => e.nodeId === a && e.detail.kind === "rdb" && e.detail.mode === "diskless")).toBe(true);
  });

  it("D40-1/D40-2 4.0's commands, replies and config names", () => {
    const { lab, ids } = nodes(1);
    const [a] = ids as [NodeId];
    expect(text(lab.command(a, "REPLICAOF", "no", "one"))).toBe("-ERR unknown command `REPLICAOF`, with args beginning with: `no`, `one`, ");
    expect(text(lab.command(a, "SET", "k", "v", "NX", "XX"))).toBe("-ERR syntax error");
    expect(text(lab.command(a, "SET", "k", "v", "EX", "0"))).toBe("-ERR invalid expire time in set");
    expect(text(lab.command(a, "SELECT", "16"))).toBe("-ERR DB index is out of range");
    expect(text(lab.command(a, "UNLINK", "k"))).toBe("0");
    expect(text(lab.command(a, "CONFIG", "GET", "slave-announce-port"))).toBe("[slave-announce-port, 0]");
    expect(text(lab.command(a, "CONFIG", "GET", "replica-read-only"))).toBe("[]");
    expect(text(lab.command(a, "CONFIG", "GET", "repl-diskless-sync"))).toBe("[repl-diskless-sync, no]");
    expect(text(lab.command(a, "CONFIG", "SET", "repl-backlog-size", "abc"))).toBe("-ERR Invalid argument 'abc' for CONFIG SET 'repl-backlog-size'");
    expect(info(lab, a, "server").redis_version).toBe("4.0.14");
  });
});
