/**
 * The seed-002 master (`replication.copy: snapshot`), rule by rule (SPEC.md SN-1..SN-10). Each test
 * names the rule and the code path of `shared/seeds/002_*.md` (`BackendSync::_run_thread` of
 * SSDB-Evolution's backend_sync2) that it exercises. The slaves are the lab's upstream slaves, as
 * they would be in a lab that mixes the two masters.
 */
import { describe, expect, it } from "vitest";
import { SsdbDatabase } from "../../src/protocols/ssdb/database.ts";
import type { MasterHost } from "../../src/protocols/ssdb/master-link.ts";
import { SnapshotMasterLink, SnapshotRegistry, SNAPSHOT_SWEEP_MS, SNAPSHOT_TIMEOUT_MS } from "../../src/protocols/ssdb/snapshot-master.ts";
import { SimDisk } from "../../src/process/disk.ts";
import type { ConnId } from "../../src/process/effects.ts";
import type { TraceEvent } from "../../src/process/trace.ts";
import type { WireMessage } from "./fixture-types.ts";
import { LabPair } from "./lab-pair.ts";
import { decodeRecordHeader, parsePacket, unescapeBytes } from "./ssdb-wire.ts";

/** 1 MB/s: a batch of 1000 items of ~128 bytes (packet included) sleeps about 122 ms after it is sent. */
const SNAPSHOT_MASTER = { "replication.copy": "snapshot", "replication.sync_speed": "1" } as const;
const VALUE = "v".repeat(100);

function masterPackets(h: LabPair, connection: number): WireMessage[] {
  return h.proxy.messagesOf(connection).filter((m) => m.dir === "master->slave");
}

function recordOf(m: WireMessage): { typeName: string; cmdName: string; seq: number; key: string } {
  if (m.framing !== "ssdb" || m.record === null) throw new Error("not a record");
  return m.record;
}

/** `count` keys of 100 bytes, as multi_set batches (one binlog record per key). */
function load(h: LabPair, count: number): void {
  for (let done = 0; done < count; done += 500) {
    const argv = ["multi_set"];
    for (let i = done; i < Math.min(count, done + 500); i++) argv.push(`k${String(i).padStart(5, "0")}`, VALUE);
    h.query("master", ...argv);
  }
}

/** A throttled copy of 3000 keys whose slave is killed after the first batch (then 3 s pass). */
function abortedCopy(): LabPair {
  const h = new LabPair({ master: SNAPSHOT_MASTER });
  h.startMaster();
  load(h, 3_000);
  h.startSlave();
  h.sleep(60);
  h.stopSlave();
  h.sleep(3_000);
  return h;
}

describe("seed 002: the snapshot master (SN-*)", () => {
  it("SN-1 `if (client.status == Client::SYNC) goto binlog;`: a slave resuming from a seq still in the binlog gets records, no copy", () => {
    const h = new LabPair({ master: { "replication.copy": "snapshot" } });
    h.startMaster();
    h.run("master", "set", "a", "1");
    h.startSlave();
    h.waitSlave();
    h.stopSlave();
    h.run("master", "set", "b", "2");
    h.startSlave();
    h.sleep(10);
    const packets = masterPackets(h, 1);
    expect(packets.map((m) => recordOf(m).typeName)).toEqual(["SYNC"]);
    expect(recordOf(packets[0]!).seq).toBe(2);
    // The seed's thread sends no copy_end first: the upstream slave stays INIT until that record.
    expect(h.slaveLink()["status"]).toBe("SYNC");
    expect(h.slaveLink()["copy_count"]).toBe("0");
  });

  it("SN-2 `client.pre_snapshot()`: a full copy walks a snapshot pinned with the binlog seq, and writes during it wait for the binlog", () => {
    const h = new LabPair({ master: SNAPSHOT_MASTER });
    h.startMaster();
    load(h, 2_500);
    h.startSlave();
    h.sleep(60);
    // The copy is throttled, so it is still running: change a key it has not reached yet.
    expect(h.slaveLink()["status"]).toBe("COPY");
    h.run("master", "set", "k02400", "changed");
    h.waitSlave();
    const records = masterPackets(h, 0).map(recordOf);
    expect(records[0]).toMatchObject({ typeName: "COPY", cmdName: "BEGIN", seq: 0 });
    const items = records.filter((r) => r.typeName === "COPY" && r.cmdName === "KSET");
    expect(items).toHaveLength(2_500);
    // Every item carries the seq pinned with the snapshot (5 batches of 500 records: seq 2500).
    expect(new Set(items.map((r) => r.seq))).toEqual(new Set([2_500]));
    // The changed key was copied as the snapshot had it, then streamed after copy_end.
    const item = masterPackets(h, 0).find((m) => m.framing === "ssdb" && m.record?.key === "kk02400" && m.record.typeName === "COPY")!;
    expect(item.framing === "ssdb" && item.blocks[1]).toBe(VALUE);
    const end = records.findIndex((r) => r.cmdName === "END");
    expect(records.slice(end + 1)).toEqual([{ ...records[end + 1]!, typeName: "SYNC", cmdName: "KSET", seq: 2_501, key: "kk02400" }]);
    expect(h.keyspace("slave").kv["k02400"]).toBe("changed");
  });

  it("SN-3 `backend->mark_snapshot(client.host, CopySnapshot::ABORT)`: a send error mid-copy keeps the snapshot, marked ABORT", () => {
    const h = abortedCopy();
    const master = h.node("master").view();
    expect(master.replicas).toEqual([]);
    expect(master.snapshots).toEqual([{ host: h.proxyAddress, status: "ABORT", binlogSeq: 3_000 }]);
    expect(h.traces.some((t) => t.event.kind === "binlog-sync" && t.event.decision === "snapshot-abort")).toBe(true);
  });

  it("SN-4 `pre_snapshot` resume: the slave's next sync140 continues the copy on the same snapshot after its last_key", () => {
    const h = abortedCopy();
    h.run("master", "set", "k02999", "after the pin");
    h.startSlave();
    h.waitSlave();
    const first = masterPackets(h, 0).map(recordOf).filter((r) => r.cmdName === "KSET");
    const request = h.proxy.messagesOf(1)[0]!;
    // The slave asks from the pinned seq and the last key it applied (the first batch's last).
    expect(request.framing === "ssdb" && request.blocks).toEqual(["sync140", "3000", first[first.length - 1]!.key, "sync"]);
    const resumed = masterPackets(h, 1).map(recordOf);
    expect(resumed[0]).toMatchObject({ typeName: "COPY", cmdName: "KSET", seq: 3_000, key: "kk01000" });
    expect(resumed.some((r) => r.cmdName === "BEGIN")).toBe(false);
    // The snapshot's value, then the change streamed from the binlog after copy_end.
    const item = masterPackets(h, 1).find((m) => m.framing === "ssdb" && m.record?.key === "kk02999" && m.record.typeName === "COPY")!;
    expect(item.framing === "ssdb" && item.blocks[1]).toBe(VALUE);
    expect(resumed[resumed.length - 1]).toMatchObject({ typeName: "SYNC", seq: 3_001, key: "kk02999" });
    expect(h.keyspace("slave")).toEqual(h.keyspace("master"));
    expect(h.node("master").view().snapshots).toEqual([]);
  });

  it("SN-5 `usleep((data_size_mb/backend->sync_speed) * 1000 * 1000)` before the flush empties the buffer: sync_speed really throttles the copy", () => {
    const batches = (settings: Record<string, string>): { tMs: number; bytes: number }[] => {
      const h = new LabPair({ master: settings });
      h.startMaster();
      load(h, 3_000);
      h.startSlave();
      h.waitSlave();
      // Packets sent together form one flush: group them by time.
      const groups = new Map<number, number>();
      for (const m of masterPackets(h, 0)) {
        if (m.framing !== "ssdb") continue;
        const bytes = m.blocks.reduce((n, b) => n + String(unescapeBytes(b).length).length + 2 + unescapeBytes(b).length, 1);
        groups.set(m.tMs, (groups.get(m.tMs) ?? 0) + bytes);
      }
      return [...groups].map(([tMs, bytes]) => ({ tMs, bytes }));
    };
    // Each batch (1000 items, the first with copy_begin) is followed by a sleep of its MB / sync_speed.
    const snapshot = batches(SNAPSHOT_MASTER);
    expect(snapshot.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < 3; i++) expect(snapshot[i]!.tMs - snapshot[i - 1]!.tMs).toBeCloseTo((snapshot[i - 1]!.bytes / (1024 * 1024)) * 1000, 6);
    // Upstream computes the sleep after the flush has emptied the buffer (Q1): the same copy is instant.
    expect(batches({ "replication.sync_speed": "1" })[0]!.tMs).toBe(batches({ "replication.sync_speed": "1" }).at(-1)!.tMs);
  });

  it("SN-6 `if (client.pre_binlog() != 0) { client.reset(); goto snapshot; }`: a slave behind the trimmed binlog is copied again by itself", () => {
    const h = new LabPair({ master: { "replication.copy": "snapshot" } });
    h.startMaster();
    h.run("master", "set", "k1", "v1");
    h.startSlave();
    h.waitSlave();
    h.stopSlave();
    h.query("master", "del", "k1");
    for (let i = 0; i < 11; i++) {
      const argv = ["multi_set"];
      for (let n = 0; n < 1_000; n++) argv.push(`bulk${n % 10}`, String(i * 1_000 + n));
      h.query("master", ...argv);
    }
    h.waitUntil("trimmed", () => Number(h.info("master").binlogs["min_seq"]) > 2);
    h.startSlave();
    h.waitSlave();
    const records = masterPackets(h, 1).map(recordOf);
    expect(records[0]).toMatchObject({ typeName: "COPY", cmdName: "BEGIN" });
    expect(h.slaveLink()["status"]).toBe("SYNC");
    expect(h.traces.some((t) => t.node === "master" && t.event.kind === "binlog-sync" && t.event.decision === "recopy")).toBe(true);
    // Upstream slaves keep their data on copy_begin: k1, deleted on the master meanwhile, survives.
    const { kv: slaveKv } = h.keyspace("slave");
    const { kv: masterKv } = h.keyspace("master");
    expect(slaveKv).toEqual({ ...masterKv, k1: "v1" });
  });

  it("SN-6 with a wiped master: the slave's seq beyond max_seq is reset and copied, where upstream says OUT_OF_SYNC", () => {
    const h = new LabPair({ master: { "replication.copy": "snapshot" } });
    h.startMaster();
    for (let i = 1; i <= 3; i++) h.run("master", "set", `k${i}`, `v${i}`);
    h.startSlave();
    h.waitSlave();
    h.refuseProxy();
    h.wipeAndRestartMaster();
    h.run("master", "set", "n1", "w1");
    h.waitSlave();
    expect(h.slaveLink()["status"]).toBe("SYNC");
    expect(Object.keys(h.keyspace("slave").kv).sort()).toEqual(["k1", "k2", "k3", "n1"]);
  });

  it("SN-7 `if (client.status != Client::SYNC) { client.reset(); goto snapshot; }`: a gap found on a live link resets the slave to a full copy", () => {
    const disk = new SimDisk();
    const db = new SsdbDatabase(disk, { capacity: 10, binlogEnabled: true });
    const sent: Uint8Array[] = [];
    const traces: TraceEvent[] = [];
    const host: MasterHost = { db, send: (_c, b) => sent.push(b), waitWritable: () => {}, close: () => {}, trace: (e) => traces.push(e), syncSpeedMBps: -1, servedBefore: () => true, markServed: () => {} };
    db.set("a", new TextEncoder().encode("1"));
    const link = new SnapshotMasterLink(host, new SnapshotRegistry(0), 1 as ConnId, "127.0.0.1:9", { lastSeq: 1, lastKey: "", isMirror: false, fourth: "sync" }, 0);
    link.run(0);
    expect(link.status).toBe("SYNC");
    // The binlog moves on and is trimmed past the cursor before the link reads again.
    for (let i = 0; i < 10_020; i++) db.set("b", new TextEncoder().encode(String(i)));
    db.trimBinlog();
    link.notifyBinlog(1);
    link.run(1);
    const decisions = traces.flatMap((e) => (e.kind === "binlog-sync" ? [e.decision] : []));
    expect(decisions).toEqual(["sync-recover", "out-of-sync", "recopy", "copy-begin", "copy-end"]);
    const headers = sent.flatMap((bytes) => splitPackets(bytes)).map((blocks) => decodeRecordHeader(blocks[0]!)!);
    expect(headers.map((r) => [r.typeName, r.cmdName])).toEqual([
      ["COPY", "BEGIN"],
      ["COPY", "KSET"],
      ["COPY", "KSET"],
      ["COPY", "END"],
    ]);
    expect(headers[1]!.seq).toBe(db.binlog.maxSeq);
  });

  it("SN-8 the cleanup thread (every 30 s) releases an ABORT snapshot once `last_active + snapshot_timeout < now`", () => {
    const h = abortedCopy();
    const abortedAt = h.traces.find((t) => t.event.kind === "binlog-sync" && t.event.decision === "snapshot-abort")!.tMs;
    // Kept for the whole timeout...
    h.sleep(abortedAt + SNAPSHOT_TIMEOUT_MS - h.now());
    expect(h.node("master").view().snapshots).toHaveLength(1);
    // ...and released at the first sweep after it.
    h.sleep(SNAPSHOT_SWEEP_MS + 1);
    expect(h.node("master").view().snapshots).toEqual([]);
    const released = h.traces.find((t) => t.event.kind === "binlog-sync" && t.event.decision === "snapshot-released")!;
    expect(released.tMs - abortedAt).toBeGreaterThan(SNAPSHOT_TIMEOUT_MS);
    expect(released.tMs - abortedAt).toBeLessThanOrEqual(SNAPSHOT_TIMEOUT_MS + SNAPSHOT_SWEEP_MS);
  });

  it("SN-9 `if (++idle > 30) { idle = 0; client.noop(); }`: an idle link gets a noop after 31 one-second waits", () => {
    // With SSDB-Evolution's slave timeout (300 s), the link just idles with a noop every 31 s.
    const h = new LabPair({ master: { "replication.copy": "snapshot" }, slave: { "replication.slaveof.recv_timeout": "300" } });
    h.startMaster();
    h.run("master", "set", "a", "1");
    h.startSlave();
    h.waitSlave();
    const start = h.now();
    h.sleep(70_000);
    const noops = masterPackets(h, 0).filter((m) => m.framing === "ssdb" && m.record?.typeName === "NOOP").map((m) => m.tMs - start);
    expect(noops).toEqual([31_000, 62_000]);
    // An upstream slave (recv_timeout 30 s) gives up first, at 30.2 s, and resumes by SN-1.
    const u = new LabPair({ master: { "replication.copy": "snapshot" } });
    u.startMaster();
    u.run("master", "set", "a", "1");
    u.startSlave();
    u.waitSlave();
    u.sleep(31_500);
    expect(u.proxy.connectionCount).toBe(2);
    expect(u.proxy.wire()[0]!.closedMs! - u.proxy.wire()[0]!.openedMs).toBe(30_200);
  });

  it("SN-10 `pthread_cond_timedwait(&server->binlog->cond, …)`: the binlog loop wakes on a write, not on a 300 ms tick", () => {
    const h = new LabPair({ master: { "replication.copy": "snapshot" } });
    h.startMaster();
    h.startSlave();
    h.waitSlave();
    h.sleep(1_234);
    const at = h.now();
    h.run("master", "set", "a", "1");
    const record = masterPackets(h, 0).find((m) => m.framing === "ssdb" && m.record?.typeName === "SYNC")!;
    expect(record.tMs).toBe(at);
  });
});

function splitPackets(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let rest = bytes;
  for (;;) {
    const parsed = parsePacket(rest);
    if (parsed.kind !== "packet") return out;
    out.push(parsed.blocks);
    rest = rest.subarray(parsed.consumed);
  }
}
