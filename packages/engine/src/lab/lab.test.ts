/**
 * Lab-level tests for the time-driven rules, in virtual time (exact to the millisecond, which a
 * test against a real server cannot be). Each names the rule of SPEC.md it checks.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "./lab.ts";
import type { NodeId } from "./types.ts";
import { asPsync2 } from "./narrow.ts";
import { fromUtf8 } from "../util/bytes.ts";
import type { Reply } from "../redis/resp/reply.ts";

function text(reply: Reply): string {
  if (reply.kind === "bulk" && reply.value) return fromUtf8(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "error") return `-${reply.message}`;
  if (reply.kind === "integer") return String(reply.value);
  return JSON.stringify(reply);
}

function info(lab: Lab, id: NodeId, section = "replication"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text(lab.command(id, "INFO", section)).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

function pair(config: Record<string, string> = {}): { lab: Lab; a: NodeId; b: NodeId } {
  const lab = new Lab({ seed: "lab-test" });
  const a = lab.addNode({ config: { "repl-ping-replica-period": "3600", ...config } }).id;
  const b = lab.addNode({ config: { "repl-ping-replica-period": "3600", ...config } }).id;
  return { lab, a, b };
}

describe("Lab: time-driven replication rules", () => {
  it("PS-3 a diskless full sync waits repl-diskless-sync-delay whole seconds, sending a newline each cron second", () => {
    const { lab, a, b } = pair();
    lab.replicaOf(b, a);
    lab.advance(4_000);
    expect(lab.nodeSnapshot(b).linkPhase).toBe("handshake");
    expect(asPsync2(lab.nodeSnapshot(a)).replicas[0]?.state).toBe("wait_bgsave");
    lab.advance(1_500);
    expect(lab.nodeSnapshot(b).linkPhase).toBe("connected");
    const rdb = lab.events().find((e) => e.kind === "rdb" && e.nodeId === a)!;
    expect(rdb.timeMs).toBeGreaterThanOrEqual(5_000);
    expect(rdb.timeMs).toBeLessThan(6_100);
    expect(rdb.message).toContain("diskless");
  });

  it("PS-7 the backlog is freed after repl-backlog-ttl seconds without replicas, with a new replid; the offset stays", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.command(a, "SET", "x", "1");
    lab.runUntilIdle();
    lab.command(a, "CONFIG", "SET", "repl-backlog-ttl", "2");
    lab.replicaOf(b, null);
    lab.advance(100);
    const before = info(lab, a);
    expect(before.connected_slaves).toBe("0");
    lab.advance(4_000);
    const after = info(lab, a);
    expect(after.repl_backlog_active).toBe("0");
    expect(after.master_replid).not.toBe(before.master_replid);
    expect(after.master_repl_offset).toBe(before.master_repl_offset);
    expect(lab.events().some((e) => e.nodeId === a && e.message.includes("backlog freed after 2 seconds"))).toBe(true);
    // A write does not advance a master without backlog and replicas (ST-1).
    lab.command(a, "SET", "y", "2");
    expect(info(lab, a).master_repl_offset).toBe(before.master_repl_offset);
  });

  it("RS-7 a replica drops a master silent for more than repl-timeout and continues partially", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.command(b, "CONFIG", "SET", "repl-timeout", "3");
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.freeze(a);
    lab.advance(5_000);
    expect(lab.events().some((e) => e.nodeId === b && e.message.startsWith("MASTER timeout"))).toBe(true);
    lab.thaw(a);
    lab.runUntilIdle();
    lab.advance(2_000);
    expect(info(lab, a, "stats").sync_partial_ok).toBe("1");
    expect(lab.nodeSnapshot(b).linkUp).toBe(true);
  });

  it("PS-7 a master drops a replica that sent no ACK for more than repl-timeout", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.command(a, "CONFIG", "SET", "repl-timeout", "2");
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.freeze(b);
    lab.advance(5_000);
    expect(lab.events().some((e) => e.nodeId === a && e.message.startsWith("disconnecting timed out replica"))).toBe(true);
    expect(lab.nodeSnapshot(a).replicas).toHaveLength(0);
  });

  it("NET-3 a partition holds the stream; healing delivers it in order and the replica catches up", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.setLink(a, b, { partitioned: true });
    for (let i = 0; i < 10; i++) lab.command(a, "SET", `k${i}`, String(i));
    lab.advance(1_000);
    expect(asPsync2(lab.nodeSnapshot(b)).masterReplOffset).toBeLessThan(asPsync2(lab.nodeSnapshot(a)).masterReplOffset);
    expect(lab.snapshot().edges[0]!.partitioned).toBe(true);
    lab.setLink(a, b, { partitioned: false });
    lab.runUntilIdle();
    expect(asPsync2(lab.nodeSnapshot(b)).masterReplOffset).toBe(asPsync2(lab.nodeSnapshot(a)).masterReplOffset);
    expect(text(lab.command(b, "GET", "k9"))).toBe("9");
    expect(info(lab, a, "stats").sync_partial_ok).toBe("0"); // the connection survived
  });

  it("NET-5 a frozen node answers nothing until thawed, then runs what waited in order", () => {
    const { lab, a } = pair();
    lab.freeze(a);
    let reply: Reply | null = null;
    lab.execute(a, ["SET", "k", "v"], (o) => (reply = o.ok ? o.reply : null));
    lab.advance(10_000);
    expect(reply).toBeNull();
    expect(lab.nodeSnapshot(a).status).toBe("frozen");
    lab.thaw(a);
    lab.runCurrent();
    expect(reply).toEqual({ kind: "simple", value: "OK" });
  });

  it("NET-2/NET-4 a killed master refuses connections; its replica keeps retrying and serves stale reads", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.command(a, "SET", "k", "v");
    lab.runUntilIdle();
    lab.kill(a);
    lab.advance(3_000);
    const fields = info(lab, b);
    expect(fields.master_link_status).toBe("down");
    expect(fields.master_link_down_since_seconds).toBe("3");
    expect(text(lab.command(b, "GET", "k"))).toBe("v");
    expect(lab.events().filter((e) => e.nodeId === b && e.message.includes("Connection refused")).length).toBeGreaterThanOrEqual(2);
    expect(lab.command(b, "ROLE")).toMatchObject({ kind: "array" });
  });

  it("a replica of a deleted node keeps retrying its address, and the lab names whose address it was until a node takes it again", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    const address = lab.nodeSnapshot(a).address;
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
    lab.removeNode(a);
    lab.advance(3_000);
    const orphan = lab.nodeSnapshot(b);
    expect(orphan).toMatchObject({ masterId: null, masterAddress: address, removedMaster: "A" });
    expect(info(lab, b).master_link_status).toBe("down");
    const again = lab.addNode({ name: "Z", host, port }).id;
    expect(lab.nodeSnapshot(b)).toMatchObject({ masterId: again, removedMaster: null });
  });

  it("NET-4 a restarted replica comes back from its config file: a master without replicaof, a replica continuing partially with it", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
    // k reaches the replica in the full sync's RDB, which it keeps on disk; k2 only in the stream.
    lab.command(a, "SET", "k", "v");
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.command(a, "SET", "k2", "v2");
    lab.runUntilIdle();
    // REPLICAOF typed at runtime is not in redis.conf: the restarted node is a master with its data.
    lab.restart(b);
    lab.runUntilIdle();
    expect(lab.nodeSnapshot(b).role).toBe("master");
    expect(lab.nodeSnapshot(b).boots).toBe(2);
    expect(text(lab.command(b, "GET", "k"))).toBe("v");
    expect(text(lab.command(b, "GET", "k2"))).toBe('{"kind":"bulk","value":null}');
    expect(lab.events().some((e) => e.nodeId === b && e.kind === "restarted" && /as a master \(no replicaof in the file\)/.test(e.message))).toBe(true);
    // REPLICAOF, then CONFIG REWRITE puts it in the file; the next restart rejoins partially.
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    expect(text(lab.command(b, "CONFIG", "REWRITE"))).toBe("OK");
    expect(lab.configFile(b)).toMatch(/^replicaof 127\.0\.0\.1 6379$/m);
    const partialBefore = Number(info(lab, a, "stats").sync_partial_ok);
    lab.restart(b);
    lab.runUntilIdle();
    expect(lab.nodeSnapshot(b).role).toBe("replica");
    expect(Number(info(lab, a, "stats").sync_partial_ok)).toBe(partialBefore + 1);
    expect(text(lab.command(b, "GET", "k"))).toBe("v");
  });

  it("events explain why a resync was partial or full, with the offsets involved", () => {
    const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0", "repl-backlog-size": "16384" });
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    const full = lab.events().find((e) => e.nodeId === a && e.kind === "full-resync")!;
    expect(full.message).toMatch(/replid [0-9a-f]{6}… unknown to this master/);
    lab.command(b, "CLIENT", "KILL", "TYPE", "master");
    lab.runUntilIdle();
    const partial = lab.events().find((e) => e.nodeId === a && e.kind === "partial-resync")!;
    expect(partial.message).toMatch(/partial resync accepted for 127\.0\.0\.1:6380: offset \d+ inside backlog \[\d+, \d+\]/);
    lab.freeze(b);
    lab.command(a, "CLIENT", "KILL", "TYPE", "replica");
    for (let i = 0; i < 60; i++) lab.command(a, "SET", `big${i}`, "x".repeat(1000));
    lab.thaw(b);
    lab.runUntilIdle();
    const refused = lab.events().filter((e) => e.nodeId === a && e.kind === "full-resync").at(-1)!;
    expect(refused.message).toMatch(/offset \d+ precedes the backlog's first byte \d+/);
  });

  it("NET-6 the same seed and operations give the same replids and the same event log", () => {
    const run = (): string => {
      const { lab, a, b } = pair({ "repl-diskless-sync-delay": "0" });
      lab.replicaOf(b, a);
      lab.runUntilIdle();
      lab.command(a, "SET", "k", "v");
      lab.advance(12_000);
      return JSON.stringify([lab.snapshot(), lab.events().map((e) => [e.timeMs, e.message])]);
    };
    expect(run()).toBe(run());
  });

  it("rejects operator mistakes with a LabError and changes nothing", () => {
    const { lab, a } = pair();
    const before = JSON.stringify(lab.snapshot());
    expect(() => lab.addNode({ name: lab.nodeSnapshot(a).name })).toThrow(/already exists/);
    expect(() => lab.addNode({ config: { "repl-backlog-size": "lots" } })).toThrow(/memory value/);
    expect(() => lab.addNode({ config: { "no-such-setting": "1" } })).toThrow(/Unknown option/);
    expect(() => lab.kill("n99" as NodeId)).toThrow(/no node/);
    expect(JSON.stringify(lab.snapshot())).toBe(before);
  });
});
