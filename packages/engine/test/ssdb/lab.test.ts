/**
 * SSDB nodes through the Lab, the door the server uses: added by version with ssdb.conf settings,
 * pointed at a master with the kind's own command (`slaveof`), seen in snapshots with the SSDB view,
 * restarted from their disk (config file, data, the slave's resume point).
 */
import { describe, expect, it } from "vitest";
import { Lab, LabError } from "../../src/lab/lab.ts";
import type { NodeId, NodeSnapshot } from "../../src/lab/types.ts";
import type { Reply } from "../../src/redis/resp/reply.ts";

type SsdbSnapshot = Extract<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

function ssdb(node: NodeSnapshot): SsdbSnapshot {
  if (node.protocol !== "ssdb-binlog") throw new Error(`${node.name} is not an SSDB node`);
  return node;
}

/** A bulk reply's text (the console speaks RESP to SSDB nodes, as redis-cli does). */
function textOf(reply: Reply): string {
  if (reply.kind !== "bulk" || reply.value === null) throw new Error(`not a bulk: ${JSON.stringify(reply)}`);
  return new TextDecoder().decode(reply.value);
}

describe("SSDB nodes in a Lab", () => {
  it("are added by version with ssdb.conf settings, and refuse settings ssdb.conf does not have", () => {
    const lab = new Lab({ seed: 5 });
    const a = lab.addNode({ version: "ssdb", config: { "replication.binlog.capacity": 10, "replication.copy": "snapshot" } });
    expect(a.kindLabel).toBe("SSDB 1.9.8");
    expect(a.configFile).toContain("\t\tcapacity: 10");
    const view = ssdb(a);
    expect(view.binlog).toEqual({ enabled: true, capacity: 10, minSeq: 0, maxSeq: 0 });
    expect(view.copyMode).toBe("snapshot");
    expect(() => lab.addNode({ version: "ssdb", config: { "repl-backlog-size": 1 } })).toThrow(LabError);
  });

  it("replicaOf sends slaveof; the slave copies, then streams; INFO and writes go through the Redis protocol", () => {
    const lab = new Lab({ seed: 6 });
    const a = lab.addNode({ version: "ssdb", config: { "replication.binlog.capacity": 10 } }).id;
    const b = lab.addNode({ version: "ssdb" }).id;
    lab.command(a, "SET", "k1", "v1");
    lab.command(a, "HSET", "h", "f", "x");
    expect(lab.replicaOfCommand(b, { host: "127.0.0.1", port: 6379 })).toEqual({ argv: ["slaveof", "", "127.0.0.1", "6379"] });
    // `slaveof` is not in ssdb's Redis table: its `ok` comes back as an empty multibulk.
    expect(lab.replicaOf(b, a)).toEqual({ kind: "array", items: [] });
    lab.runUntilIdle();
    const slave = ssdb(lab.nodeSnapshot(b));
    expect(slave).toMatchObject({ role: "replica", masterId: a, syncStatus: "SYNC", linkPhase: "connected", linkUp: true, lastSeq: 2, copyCount: 2, syncCount: 0, keys: 2 });
    const master = ssdb(lab.nodeSnapshot(a));
    expect(master.replicas).toMatchObject([{ address: lab.addressOf(b), nodeId: b, status: "SYNC", lastSeq: 2 }]);
    expect(lab.snapshot().edges).toMatchObject([{ replicaId: b, masterId: a, phase: "connected" }]);
    lab.command(a, "SET", "k2", "v2");
    lab.runUntilIdle();
    expect(textOf(lab.command(b, "GET", "k2"))).toBe("v2");
    expect(ssdb(lab.nodeSnapshot(b))).toMatchObject({ lastSeq: 3, syncCount: 1 });
    const info = lab.command(b, "INFO");
    expect(info.kind === "array" && info.items?.map(textOf).join("\n")).toContain(`slaveof ${lab.addressOf(a)}\n    id         : ${lab.addressOf(a).replace(":", "|")}`);
    // ssdb-server cannot stop following a master at run time.
    expect(() => lab.replicaOf(b, null)).toThrow(/no command to stop following/);
  });

  it("a slave killed and restarted from its ssdb.conf resumes by sync recover (its resume point is on its disk)", () => {
    const lab = new Lab({ seed: 7 });
    const a = lab.addNode({ version: "ssdb" }).id;
    const b = lab.addNode({ version: "ssdb" }).id;
    lab.command(a, "SET", "k", "1");
    lab.replicaOf(b, a);
    lab.persistMaster(b, a);
    lab.runUntilIdle();
    lab.kill(b);
    expect(ssdb(lab.nodeSnapshot(b))).toMatchObject({ status: "down", role: "replica", lastSeq: 1, lastKey: "" });
    lab.command(a, "SET", "k", "2");
    lab.restart(b);
    lab.runUntilIdle();
    expect(ssdb(lab.nodeSnapshot(b))).toMatchObject({ syncStatus: "SYNC", lastSeq: 2, copyCount: 0, syncCount: 1 });
    expect(lab.events().some((e) => e.detail.kind === "binlog-sync" && e.detail.decision === "sync-recover")).toBe(true);
  });

  it("a wiped SSDB master's restart does not say its slaves will drop keys: they keep them (OUT_OF_SYNC here)", () => {
    const lab = new Lab({ seed: 10 });
    const a = lab.addNode({ version: "ssdb" }).id;
    const b = lab.addNode({ version: "ssdb" }).id;
    for (let i = 0; i < 3; i++) lab.command(a, "SET", `k${i}`, "v");
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.kill(a);
    lab.restart(a, { wipe: true });
    lab.advance(3_000);
    expect(lab.events().some((e) => e.detail.kind === "warning" && e.detail.code === "replicas-will-drop-keys")).toBe(false);
    expect(ssdb(lab.nodeSnapshot(b))).toMatchObject({ syncStatus: "OUT_OF_SYNC", keys: 3 });
  });

  it("runUntilIdle settles once nothing is left to send, whichever master the slave follows", () => {
    for (const copy of ["upstream", "snapshot"]) {
      const lab = new Lab({ seed: 8 });
      const a = lab.addNode({ version: "ssdb", config: { "replication.copy": copy } }).id;
      const b = lab.addNode({ version: "ssdb" }).id;
      lab.command(a, "SET", "k", "1");
      lab.replicaOf(b, a);
      lab.persistMaster(b, a);
      expect(lab.runUntilIdle(), copy).toBe(true);
      lab.kill(b);
      lab.restart(b);
      // A snapshot master sends a resuming slave nothing until a write: the slave waits, idle.
      const before = lab.nowMs;
      expect(lab.runUntilIdle(), copy).toBe(true);
      expect(lab.nowMs - before, copy).toBeLessThan(1_500);
      lab.command(a, "SET", "k", "2");
      expect(lab.runUntilIdle(), copy).toBe(true);
      expect(textOf(lab.command(b, "GET", "k")), copy).toBe("2");
    }
  });

  it("fork: a copy of an SSDB lab goes on exactly as the original would, and shares nothing either writes", () => {
    // The server keeps forks of every lab as time-travel checkpoints (lab/fork.ts).
    const start = (): { lab: Lab; a: NodeId; b: NodeId } => {
      const lab = new Lab({ seed: 9 });
      const a = lab.addNode({ version: "ssdb", config: { "replication.binlog.capacity": 10 } }).id;
      const b = lab.addNode({ version: "ssdb" }).id;
      for (let i = 0; i < 20; i++) lab.command(a, "SET", `k${i}`, "v");
      lab.replicaOf(b, a);
      lab.persistMaster(b, a);
      lab.advance(2_000);
      lab.command(a, "HSET", "h", "f", "x");
      return { lab, a, b };
    };
    const rest = (lab: Lab, a: NodeId, b: NodeId, tag: string): void => {
      lab.command(a, "SET", "z", tag);
      lab.command(a, "QPUSH", "q", tag);
      lab.advance(10_000);
      lab.kill(b);
      lab.command(a, "SET", "k3", tag);
      lab.restart(b);
      lab.kill(a);
      lab.restart(a);
      lab.advance(8_000);
    };
    const original = start();
    const forked = original.lab.fork();
    if (!forked.ok) throw new Error(forked.reason);
    expect(forked.lab.snapshot()).toEqual(original.lab.snapshot());
    // The original goes its own way (its disks rewritten by the restarts); the fork must not see it.
    rest(original.lab, original.a, original.b, "original");
    const reference = start();
    rest(reference.lab, reference.a, reference.b, "fork");
    rest(forked.lab, original.a, original.b, "fork");
    expect(forked.lab.snapshot()).toEqual(reference.lab.snapshot());
    expect(forked.lab.events()).toEqual(reference.lab.events());
    for (const key of ["z", "k3"]) expect(textOf(forked.lab.command(original.b, "GET", key))).toBe("fork");
    expect(textOf(original.lab.command(original.b, "GET", "z"))).toBe("original");
  });
});
