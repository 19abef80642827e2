/**
 * Checks fixtures/real-ssdb-1.9.8.json (recorded from a real ssdb-server by record-ssdb.ts): its
 * structure, the internal consistency of its wire traces, and the facts of ssdb-observed.md that
 * the lab's SSDB nodes must reproduce. It reads only the fixture, so it runs without the binary.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Checkpoint, NodeName, ReplicationEntry, SsdbFixture, SsdbInfo, SsdbScenario, WireConnection, WireMessage } from "./fixture-types.ts";
import { decodeRecordHeader, encodePacket, escapeBytes, parsePacket, unescapeBytes } from "./ssdb-wire.ts";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

/** The scenarios issue 15 names; the fixture may hold more. */
const REQUIRED = [
  "freshCopy",
  "streamWrites",
  "slaveKilledRestarted",
  "binlogTrimmedOutOfSync",
  "masterRestarted",
  "wipedMaster",
  "copyInterruptedResumed",
] as const;

const CLIENT_FIELDS = ["type", "status", "last_seq"];
const SLAVEOF_FIELDS = ["id", "type", "status", "last_seq", "copy_count", "sync_count"];
const MASTER_STATUSES = new Set(["INIT", "OUT_OF_SYNC", "COPY", "SYNC"]);
const SLAVE_STATUSES = new Set(["DISCONNECTED", "INIT", "COPY", "SYNC", "OUT_OF_SYNC"]);

function scenario(name: string): SsdbScenario {
  const found = fixture.scenarios[name];
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

function checkpoint(name: string, label: string): Checkpoint {
  const found = scenario(name).checkpoints.find((c) => c.label === label);
  if (!found) throw new Error(`no checkpoint ${name}/${label}`);
  return found;
}

/** A node's info at a checkpoint (it must be up). */
function info(name: string, label: string, node: NodeName): SsdbInfo {
  const observation = checkpoint(name, label).nodes[node];
  if (!observation.up) throw new Error(`${node} down at ${name}/${label}`);
  return observation.info;
}

function data(name: string, label: string, node: NodeName): unknown {
  const observation = checkpoint(name, label).nodes[node];
  if (!observation.up) throw new Error(`${node} down at ${name}/${label}`);
  return observation.data;
}

/** The slave's `slaveof` fields at a checkpoint. */
function link(name: string, label: string): Readonly<Record<string, string>> {
  const entry = info(name, label, "slave").replication.find((r) => r.kind === "slaveof");
  if (!entry) throw new Error(`no slaveof at ${name}/${label}`);
  return entry.fields;
}

function clients(name: string, label: string): ReplicationEntry[] {
  return info(name, label, "master").replication.filter((r) => r.kind === "client");
}

const maxSeq = (name: string, label: string): number => Number(info(name, label, "master").binlogs["max_seq"]);

type SsdbMessage = Extract<WireMessage, { framing: "ssdb" }>;

function ssdbMessages(connection: WireConnection, dir?: WireMessage["dir"]): SsdbMessage[] {
  return connection.messages.filter((m): m is SsdbMessage => m.framing === "ssdb" && (dir === undefined || m.dir === dir));
}

function connection(name: string, index: number): WireConnection {
  const found = scenario(name).wire[index];
  if (!found) throw new Error(`no connection ${index} in ${name}`);
  return found;
}

/** Master → slave packets of a connection as `seq TYPE CMD key` plus the value block, if any. */
function summary(conn: WireConnection): string[] {
  return ssdbMessages(conn, "master->slave").map((m) => {
    const r = m.record;
    if (!r) throw new Error("master packet without a record");
    return [r.seq, r.typeName, r.cmdName, r.key, ...m.blocks.slice(1)].join(" ").trimEnd();
  });
}

/** The first `sync140` request of a connection. */
function syncRequest(conn: WireConnection): readonly string[] {
  const first = ssdbMessages(conn, "slave->master")[0];
  if (!first) throw new Error(`connection ${conn.index} has no request`);
  return first.blocks;
}

describe("real ssdb-server fixture: structure", () => {
  it("was recorded from ssdb-server 1.9.8", () => {
    expect(fixture.recordedWith.server).toMatch(/^ssdb-server 1\.9\.8/);
    expect(fixture.recordedWith.infoVersion).toBe("1.9.8");
  });

  it("holds every scenario issue 15 asks for, each with uniquely labelled checkpoints", () => {
    for (const name of REQUIRED) {
      const s = scenario(name);
      expect(s.checkpoints.length, name).toBeGreaterThan(1);
      const labels = s.checkpoints.map((c) => c.label);
      expect(new Set(labels).size, `${name} labels`).toBe(labels.length);
      expect(s.wire.length, `${name} connections`).toBeGreaterThan(0);
    }
  });

  it("info: binlogs is three lines, replication entries carry exactly the printed fields", () => {
    for (const [name, s] of Object.entries(fixture.scenarios)) {
      for (const c of s.checkpoints) {
        for (const node of ["master", "slave"] as const) {
          const observation = c.nodes[node];
          if (!observation.up) continue;
          const { binlogs, binlogsText, replication } = observation.info;
          const where = `${name}/${c.label}/${node}`;
          expect(binlogsText, where).toBe(`    capacity : ${binlogs["capacity"]}\n    min_seq  : ${binlogs["min_seq"]}\n    max_seq  : ${binlogs["max_seq"]}`);
          expect(binlogs["capacity"], where).toBe(String(s.binlogCapacity));
          for (const entry of replication) {
            const f = entry.fields;
            if (entry.kind === "client") {
              expect(node, where).toBe("master");
              expect(Object.keys(f), where).toEqual(CLIENT_FIELDS);
              expect(MASTER_STATUSES.has(f["status"] ?? ""), `${where} ${f["status"]}`).toBe(true);
              // The exact layout ssdb-server prints (name padded to 8, no trailing newline).
              expect(entry.text, where).toBe(`client ${entry.address}\n    type     : ${f["type"]}\n    status   : ${f["status"]}\n    last_seq : ${f["last_seq"]}`);
            } else {
              expect(node, where).toBe("slave");
              expect(Object.keys(f), where).toEqual(SLAVEOF_FIELDS);
              expect(SLAVE_STATUSES.has(f["status"] ?? ""), `${where} ${f["status"]}`).toBe(true);
              // The default id is `host|port` of the configured master.
              expect(f["id"], where).toBe(entry.address.replace(":", "|"));
              expect(entry.text, where).toBe(
                `slaveof ${entry.address}\n    id         : ${f["id"]}\n    type       : ${f["type"]}\n    status     : ${f["status"]}\n` +
                  `    last_seq   : ${f["last_seq"]}\n    copy_count : ${f["copy_count"]}\n    sync_count : ${f["sync_count"]}`,
              );
            }
          }
        }
      }
    }
  });

  it("wire: every packet re-encodes to canonical framing and its header decodes as recorded", () => {
    for (const [name, s] of Object.entries(fixture.scenarios)) {
      for (const conn of s.wire) {
        for (const m of conn.messages) {
          expect(m.framing, `${name} #${conn.index}`).toBe("ssdb");
          if (m.framing !== "ssdb") continue;
          const blocks = m.blocks.map(unescapeBytes);
          expect(blocks.map(escapeBytes)).toEqual(m.blocks);
          const bytes = encodePacket(blocks);
          const parsed = parsePacket(bytes);
          expect(parsed.kind === "packet" && parsed.consumed === bytes.length && parsed.canonical).toBe(true);
          const first = blocks[0];
          const decoded = m.dir === "master->slave" && first ? decodeRecordHeader(first) : null;
          expect(decoded, `${name} #${conn.index} at ${m.tMs}`).toEqual(m.record);
        }
        // The slave sends exactly one packet per connection: sync140 <last_seq> <last_key> sync.
        const requests = ssdbMessages(conn, "slave->master");
        expect(requests.length, `${name} #${conn.index}`).toBe(1);
        expect(requests[0]?.blocks[0]).toBe("sync140");
        expect(requests[0]?.blocks.length).toBe(4);
        expect(requests[0]?.blocks[3]).toBe("sync");
      }
    }
  });

  it("wire: a record header is 10 bytes, seq little-endian, then type and cmd", () => {
    const header = unescapeBytes("\\x05\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x03\\x01kk1");
    expect(decodeRecordHeader(header)).toEqual({
      seq: 5,
      type: 3,
      typeName: "COPY",
      cmd: 1,
      cmdName: "KSET",
      headerHex: "05000000000000000301",
      key: "kk1",
    });
    expect(escapeBytes(encodePacket([unescapeBytes("sync140"), unescapeBytes("0"), unescapeBytes(""), unescapeBytes("sync")]))).toBe(
      "7\\x0async140\\x0a1\\x0a0\\x0a0\\x0a\\x0a4\\x0async\\x0a\\x0a",
    );
  });
});

describe("real ssdb-server fixture: facts of ssdb-observed.md", () => {
  it("fresh copy: copy_begin at seq 0, items in key order stamped with the newest seq, copy_end, then noops with the cursor", () => {
    const conn = connection("freshCopy", 0);
    expect(syncRequest(conn)).toEqual(["sync140", "0", "", "sync"]);
    expect(summary(conn).slice(0, 7)).toEqual([
      "0 COPY BEGIN  copy_begin",
      "5 COPY KSET kk1 v1",
      "5 COPY KSET kk2 v2",
      "5 COPY KSET kk3 v3",
      "5 COPY KSET kk4 v4",
      "5 COPY KSET kk5 v5",
      "5 COPY END  copy_end",
    ]);
    const noops = summary(conn).slice(7);
    expect(noops.length).toBeGreaterThan(0);
    for (const noop of noops) expect(noop).toBe("5 NOOP NONE  noop");
    expect(link("freshCopy", "copied")).toMatchObject({ status: "SYNC", last_seq: "5", copy_count: "5", sync_count: "0" });
    expect(clients("freshCopy", "copied").map((c) => c.fields)).toEqual([{ type: "sync", status: "SYNC", last_seq: "5" }]);
    expect(data("freshCopy", "copied", "slave")).toEqual(data("freshCopy", "copied", "master"));
  });

  it("min_seq is 0 on a master that never restarted, the oldest stored seq after a restart", () => {
    expect(info("freshCopy", "copied", "master").binlogs).toEqual({ capacity: "10", min_seq: "0", max_seq: "5" });
    expect(info("masterRestarted", "synced", "master").binlogs["min_seq"]).toBe("0");
    expect(info("masterRestarted", "master-restarted", "master").binlogs["min_seq"]).toBe("1");
  });

  it("streamed writes: one SYNC record each, counted in sync_count, a delete carries no value", () => {
    expect(summary(connection("streamWrites", 0)).slice(7)).toEqual(["6 SYNC KSET kk6 v6", "7 SYNC KSET kk1 v1b", "8 SYNC KDEL kk2"]);
    expect(link("streamWrites", "streamed-delete")).toMatchObject({ status: "SYNC", last_seq: "8", copy_count: "5", sync_count: "3" });
    expect(data("streamWrites", "streamed-delete", "slave")).toEqual(data("streamWrites", "streamed-delete", "master"));
  });

  it("records per command: set with the same value makes a record, hset with the same value does not", () => {
    const steps = scenario("recordsPerCommand").checkpoints;
    const added = new Map<string, number>();
    for (let i = 1; i < steps.length; i++) {
      const before = steps[i - 1];
      const after = steps[i];
      if (!before || !after) continue;
      added.set(after.label, maxSeq("recordsPerCommand", after.label) - maxSeq("recordsPerCommand", before.label));
    }
    expect(Object.fromEntries(added)).toMatchObject({
      "set new key": 1,
      "set same value": 1,
      "del existing": 1,
      "del missing": 1,
      "hset new field": 1,
      "hset same value": 0,
      "hset other value": 1,
      "hdel missing": 0,
      "zset same score": 0,
      "zdel missing": 0,
      "qpop_front empty": 0,
      "multi_set 2 keys": 2,
      "setx with ttl": 2,
    });
    // Every record reached the slave as one SYNC packet.
    const last = steps[steps.length - 1];
    if (!last) throw new Error("no steps");
    expect(link("recordsPerCommand", last.label)["sync_count"]).toBe(String(maxSeq("recordsPerCommand", last.label)));
  });

  it("slave killed and restarted: the master lists it until a send fails; it resumes by sync recover with copy_end alone", () => {
    expect(clients("slaveKilledRestarted", "slave-killed").map((c) => c.fields.status)).toEqual(["SYNC"]);
    expect(clients("slaveKilledRestarted", "ghost-gone")).toEqual([]);
    const resumed = connection("slaveKilledRestarted", 1);
    expect(syncRequest(resumed)).toEqual(["sync140", "6", "", "sync"]);
    expect(summary(resumed).slice(0, 3)).toEqual(["6 COPY END  copy_end", "7 SYNC KSET kk7 v7", "8 SYNC KDEL kk3"]);
    // The counters belong to the process: the restarted slave starts from 0.
    expect(link("slaveKilledRestarted", "sync-recovered")).toMatchObject({ status: "SYNC", last_seq: "8", copy_count: "0", sync_count: "2" });
    expect(data("slaveKilledRestarted", "sync-recovered", "slave")).toEqual(data("slaveKilledRestarted", "sync-recovered", "master"));
  });

  it("binlog trimmed past a stopped slave: exactly capacity records kept, OUT_OF_SYNC with the slave's seq, then noops only", () => {
    const trimmed = info("binlogTrimmedOutOfSync", "trimmed", "master").binlogs;
    expect(Number(trimmed["max_seq"]) - Number(trimmed["min_seq"]) + 1).toBe(10);
    const conn = connection("binlogTrimmedOutOfSync", 1);
    expect(syncRequest(conn)).toEqual(["sync140", "5", "", "sync"]);
    const packets = summary(conn);
    expect(packets[0]).toBe("5 CTRL NONE OUT_OF_SYNC");
    expect(ssdbMessages(conn, "master->slave")[0]?.blocks.length).toBe(1);
    for (const noop of packets.slice(1)) expect(noop).toBe("5 NOOP NONE  noop");
    for (const label of ["out-of-sync", "out-of-sync-idle", "write-not-sent", "out-of-sync-again"]) {
      expect(link("binlogTrimmedOutOfSync", label), label).toMatchObject({ status: "OUT_OF_SYNC", last_seq: "5" });
    }
    expect(clients("binlogTrimmedOutOfSync", "out-of-sync").map((c) => c.fields)).toEqual([{ type: "sync", status: "OUT_OF_SYNC", last_seq: "5" }]);
    expect(data("binlogTrimmedOutOfSync", "write-not-sent", "slave")).toEqual(data("binlogTrimmedOutOfSync", "out-of-sync", "slave"));
  });

  it("master restarted: the connection ends with RST, the slave shows DISCONNECTED and resumes by sync recover", () => {
    expect(connection("masterRestarted", 0).closedBy).toEqual({ side: "master", how: "rst" });
    expect(link("masterRestarted", "master-stopped")["status"]).toBe("DISCONNECTED");
    const resumed = connection("masterRestarted", 1);
    expect(syncRequest(resumed)).toEqual(["sync140", "6", "", "sync"]);
    expect(summary(resumed)[0]).toBe("6 COPY END  copy_end");
    expect(link("masterRestarted", "write-streamed")).toMatchObject({ status: "SYNC", last_seq: "7", copy_count: "5", sync_count: "2" });
  });

  it("wiped master: OUT_OF_SYNC while its max_seq is below the slave's last_seq, silent divergence once it passes it", () => {
    expect(info("wipedMaster", "out-of-sync-after-wipe", "master").binlogs["max_seq"]).toBe("0");
    expect(link("wipedMaster", "out-of-sync-after-wipe")).toMatchObject({ status: "OUT_OF_SYNC", last_seq: "8" });
    // The connected OUT_OF_SYNC slave is never re-evaluated.
    expect(link("wipedMaster", "master-passed-slave-seq")["status"]).toBe("OUT_OF_SYNC");
    const reconnect = connection("wipedMaster", 2);
    expect(syncRequest(reconnect)).toEqual(["sync140", "8", "", "sync"]);
    expect(summary(reconnect).slice(0, 2)).toEqual(["8 COPY END  copy_end", "9 SYNC KSET kn9 w9"]);
    expect(link("wipedMaster", "silent-divergence")["status"]).toBe("SYNC");
    const master = data("wipedMaster", "silent-divergence", "master") as { kv: Record<string, string> };
    const slave = data("wipedMaster", "silent-divergence", "slave") as { kv: Record<string, string> };
    expect(slave.kv["n9"]).toBe("w9");
    expect(slave.kv["n1"]).toBeUndefined();
    expect(slave.kv["k2"]).toBe("v2");
    expect(master.kv["k2"]).toBeUndefined();
  });

  it("copy interrupted and resumed: copy recover after last_key; a SYNC record may come before the copy continues", () => {
    const resumed = connection("copyInterruptedResumed", 1);
    expect(syncRequest(resumed)).toEqual(["sync140", "10", "kk04", "sync"]);
    const packets = summary(resumed);
    expect(packets[0]).toBe("11 SYNC KSET kk02 v02b");
    expect(packets).toContain("11 COPY KSET kk05 v05");
    expect(packets).toContain("11 COPY KSET kk08 v08b");
    expect(packets).not.toContain("11 COPY KSET kk09 v09");
    expect(link("copyInterruptedResumed", "copy-interrupted")).toMatchObject({ status: "DISCONNECTED", last_seq: "10", copy_count: "4" });
    expect(data("copyInterruptedResumed", "copy-resumed", "slave")).toEqual(data("copyInterruptedResumed", "copy-resumed", "master"));
  });

  it("copy order is the order of encoded keys: hash fields, KV, queue items, zset members", () => {
    const copied = summary(connection("copyMixedTypes", 0)).filter((p) => / COPY (HSET|KSET|QPUSH_BACK|ZSET) /.test(p));
    const keys = copied.map((p) => p.split(" ")[3] ?? "");
    const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(unescapeBytes(a)), Buffer.from(unescapeBytes(b))));
    expect(keys).toEqual(sorted);
    expect(keys.map((k) => k[0]).join("")).toMatch(/^h+k+q+s+$/);
  });

  it("the port answers the Redis protocol too", () => {
    const reply = (argv: string): string | undefined => fixture.redisProtocol.find((p) => p.argv.join(" ") === argv)?.reply;
    expect(reply("ping")).toBe("+PONG\\x0d\\x0a");
    expect(reply("set rk rv")).toBe("+OK\\x0d\\x0a");
    expect(reply("get rk")).toBe("$2\\x0d\\x0arv\\x0d\\x0a");
    expect(reply("psync ? -1")).toBe("-ERR Unknown Command: psync\\x0d\\x0a");
  });
});
