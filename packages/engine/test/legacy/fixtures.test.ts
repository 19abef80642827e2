/**
 * Checks the recorded legacy fixtures (real redis-server 2.6.17, 2.8.24, 4.0.14; see
 * record-legacy.ts): their structure, that nothing run-specific leaked into them, and a few facts
 * that ../shared/reference/legacy-redis-observed.md states about those versions. Reads only the
 * JSON files, so it runs without any server binary.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  LEGACY_RELEASES,
  legacyFixtureUrl,
  readLegacyFixture,
  significantFrames,
  type HandshakeFrame,
  type HandshakeName,
  type LegacyFixture,
  type LegacyRelease,
  type NodeObservation,
} from "./legacy-fixture.ts";

const fixtures = new Map<LegacyRelease, LegacyFixture>(LEGACY_RELEASES.map((release) => [release, readLegacyFixture(release)]));

function fixture(release: LegacyRelease): LegacyFixture {
  const found = fixtures.get(release);
  if (!found) throw new Error(`no fixture for ${release}`);
  return found;
}

const SCENARIOS = [
  "oneMasterTwoReplicas",
  "replicaWipedRejoins",
  "chain",
  "chainLateJoin",
  "promotionInChain",
  "promotionSiblings",
  "demotion",
  "linkDropByMaster",
  "linkDropByReplica",
  "chainLinkDrop",
  "backlogOverrun",
  "replicaRestartsFromRdb",
  "masterRestartsFromRdb",
  "replies",
];

function checkpoint(release: LegacyRelease, scenario: string, label: string): Record<string, NodeObservation> {
  const found = fixture(release).scenarios[scenario]?.checkpoints.find((c) => c.label === label);
  if (!found) throw new Error(`${release} ${scenario}: no checkpoint ${label}`);
  return { ...found.nodes };
}

function node(release: LegacyRelease, scenario: string, label: string, name: string): NodeObservation {
  const found = checkpoint(release, scenario, label)[name];
  if (!found) throw new Error(`${release} ${scenario} ${label}: no node ${name}`);
  return found;
}

/** The significant data frames of a capture, as `dir kind text` lines (steps and connects kept for order). */
function script(release: LegacyRelease, capture: HandshakeName): HandshakeFrame[] {
  return significantFrames(fixture(release).handshakes[capture].frames);
}

function texts(frames: readonly HandshakeFrame[], dir: "replica->master" | "master->replica"): string[] {
  return frames.flatMap((f) => ("text" in f && f.kind !== "step" && f.dir === dir ? [f.text] : []));
}

const ID_CLASS = /^(id\d+|zero)$/;

describe.each(LEGACY_RELEASES)("legacy fixture %s: structure", (release) => {
  const data = fixture(release);

  it("names its release and the binary that recorded it", () => {
    expect(data.release).toBe(release);
    expect(data.recordedWith).toContain(`v=${release} `);
    expect(data.quietConfig).toEqual({ "repl-ping-slave-period": "3600" });
  });

  it("holds every scenario of the set (the backlog one only where there is a backlog)", () => {
    const expected = release === "2.6.17" ? SCENARIOS.filter((s) => s !== "backlogOverrun") : SCENARIOS;
    expect(Object.keys(data.scenarios)).toEqual(expected);
    for (const scenario of Object.values(data.scenarios)) {
      expect(scenario.description.length).toBeGreaterThan(20);
      expect(scenario.checkpoints.length).toBeGreaterThan(0);
      for (const reply of scenario.replies) expect(reply).toMatch(/^[A-C] .+ -> .+$/);
    }
  });

  it("observes each node fully, with ids as classes and ports as names", () => {
    for (const scenario of Object.values(data.scenarios)) {
      for (const cp of scenario.checkpoints) {
        for (const obs of Object.values(cp.nodes)) {
          expect(obs.run_id).toMatch(ID_CLASS);
          const fields = Object.keys(obs.replication);
          expect(fields[0]).toBe("role");
          expect(fields).toContain("connected_slaves");
          if (obs.replication.role === "slave") expect(obs.replication.master_port).toMatch(/^<[A-C]>$/);
          for (const [field, value] of Object.entries(obs.replication)) {
            if (field === "master_replid" || field === "master_replid2") expect(value).toMatch(ID_CLASS);
            if (/^slave\d+$/.test(field)) expect(value).toMatch(/<[A-C]>/);
          }
          expect(Number.isInteger(obs.dbsize)).toBe(true);
        }
      }
    }
  });

  it("leaks no raw id, port or clock", () => {
    // The hex dumps of RDB 6 payloads are bytes, not ids: left out of this scan.
    const text = JSON.stringify(JSON.parse(readFileSync(legacyFixtureUrl(release), "utf8")), (key, value: unknown) => (key === "hex" ? undefined : value));
    expect(text).not.toMatch(/[0-9a-f]{40}(?![0-9a-f])/);
    expect(text).not.toMatch(/port=\d|master_port":"\d|listening-port \d|lag=\d/);
    expect(text).not.toMatch(/"ctime":"\d/);
  });

  it("has the five captures, frames well formed, periodic marks only where timing decides", () => {
    expect(Object.keys(data.handshakes).sort()).toEqual(["chainDrop", "firstSync", "pings", "promotion", "reconnect"]);
    for (const capture of Object.values(data.handshakes)) {
      expect(capture.frames[0]?.kind).toBe("step");
      for (const frame of capture.frames) {
        if (frame.kind === "step") continue;
        expect(frame.conn).toBeGreaterThan(0);
        if (frame.kind === "rdb") {
          expect(frame.text).toBe(`$${frame.rdb.bytes}\r\n<RDB ${frame.rdb.bytes} bytes ${frame.rdb.magic}>`);
          expect(frame.rdb.magic).toMatch(/^REDIS000[68]$/);
        }
        if (frame.kind === "ack") expect(frame.text).toMatch(/^\*3\r\n\$8\r\nREPLCONF\r\n\$3\r\nACK\r\n\$\d+\r\n\d+\r\n$/);
        if (frame.kind === "ack" || frame.kind === "ping" || frame.kind === "newline") expect(frame.periodic).toBe(true);
      }
    }
  });

  it("refuses writes on a replica with the slave wording", () => {
    expect(data.scenarios.oneMasterTwoReplicas?.replies).toContain("B SET k2 v2 -> -READONLY You can't write against a read only slave.");
  });

  it("has SLAVEOF but no REPLICAOF", () => {
    const replies = data.scenarios.replies?.replies ?? [];
    expect(replies).toContain("A SLAVEOF NO ONE -> +OK");
    expect(replies.find((r) => r.startsWith("A REPLICAOF NO ONE"))).toMatch(/-ERR unknown command/);
  });
});

describe("legacy fixtures: facts of legacy-redis-observed.md", () => {
  it("2.6 prints no sync counters, no offsets, and slave lines as ip,port,state", () => {
    const a = node("2.6.17", "oneMasterTwoReplicas", "C synced", "A");
    expect(a.stats).toEqual({});
    expect(Object.keys(a.replication)).toEqual(["role", "connected_slaves", "slave0", "slave1"]);
    expect(a.replication.slave0).toBe("127.0.0.1,<B>,online");
    const b = node("2.6.17", "oneMasterTwoReplicas", "C synced", "B");
    expect(Object.keys(b.replication)).toEqual([
      "role",
      "master_host",
      "master_port",
      "master_link_status",
      "master_last_io_seconds_ago",
      "master_sync_in_progress",
      "slave_priority",
      "slave_read_only",
      "connected_slaves",
    ]);
  });

  it("2.8 and 4.0 print the sync counters and the key=value slave line", () => {
    for (const release of ["2.8.24", "4.0.14"] as const) {
      const a = node(release, "oneMasterTwoReplicas", "after SET", "A");
      expect(Object.keys(a.stats)).toEqual(["sync_full", "sync_partial_ok", "sync_partial_err"]);
      expect(a.replication.slave0).toMatch(/^ip=127\.0\.0\.1,port=<B>,state=online,offset=\d+,lag=<seconds>$/);
    }
  });

  it("a fresh replica counts as a failed partial sync on 4.0 only", () => {
    expect(node("2.8.24", "oneMasterTwoReplicas", "B synced", "A").stats).toEqual({ sync_full: "1", sync_partial_ok: "0", sync_partial_err: "0" });
    expect(node("4.0.14", "oneMasterTwoReplicas", "B synced", "A").stats).toEqual({ sync_full: "1", sync_partial_ok: "0", sync_partial_err: "1" });
  });

  it("2.8 offsets start at 1 when the backlog is made; 4.0 stays at 0 and changes its replid", () => {
    expect(node("2.8.24", "oneMasterTwoReplicas", "fresh", "A").replication.master_repl_offset).toBe("0");
    expect(node("2.8.24", "oneMasterTwoReplicas", "B synced", "A").replication.master_repl_offset).toBe("1");
    const fresh = node("4.0.14", "oneMasterTwoReplicas", "fresh", "A");
    const synced = node("4.0.14", "oneMasterTwoReplicas", "B synced", "A");
    expect(synced.replication.master_repl_offset).toBe("0");
    expect(synced.replication.master_replid).not.toBe(fresh.replication.master_replid);
    expect(node("4.0.14", "oneMasterTwoReplicas", "B synced", "B").replication.master_replid).toBe(synced.replication.master_replid);
  });

  it("first sync: SYNC and the RDB at once (2.6), PSYNC ? -1 and FULLRESYNC ... 1 (2.8), psync2 and FULLRESYNC ... 0 (4.0)", () => {
    const up26 = texts(script("2.6.17", "firstSync"), "replica->master");
    expect(up26).toEqual(["PING\r\n", "REPLCONF listening-port <B>\r\n", "SYNC\r\n"]);
    const down26 = texts(script("2.6.17", "firstSync"), "master->replica");
    expect(down26).toEqual(["+PONG\r\n", "+OK\r\n", "$34\r\n<RDB 34 bytes REDIS0006>", "*3\r\n$3\r\nSET\r\n$2\r\nw1\r\n$2\r\nv1\r\n"]);

    const run28 = fixture("2.8.24").handshakes.firstSync.idsAtStart.A?.run_id;
    expect(texts(script("2.8.24", "firstSync"), "replica->master")).toEqual(["PING\r\n", "REPLCONF listening-port <B>\r\n", "REPLCONF capa eof\r\n", "PSYNC ? -1\r\n"]);
    expect(texts(script("2.8.24", "firstSync"), "master->replica")).toEqual([
      "+PONG\r\n",
      "+OK\r\n",
      "+OK\r\n",
      `+FULLRESYNC ${run28} 1\r\n`,
      "$34\r\n<RDB 34 bytes REDIS0006>",
      "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n",
      "*3\r\n$3\r\nSET\r\n$2\r\nw1\r\n$2\r\nv1\r\n",
    ]);

    const ids40 = fixture("4.0.14").handshakes.firstSync;
    const down40 = texts(script("4.0.14", "firstSync"), "master->replica");
    expect(texts(script("4.0.14", "firstSync"), "replica->master")).toEqual([
      "PING\r\n",
      "REPLCONF listening-port <B>\r\n",
      "REPLCONF capa eof capa psync2\r\n",
      `PSYNC ${ids40.idsAtStart.B?.master_replid} 1\r\n`,
    ]);
    expect(down40[3]).toBe(`+FULLRESYNC ${ids40.idsAtEnd.A?.master_replid} 0\r\n`);
    expect(down40[4]).toBe("$195\r\n<RDB 195 bytes REDIS0008>");
  });

  it("4.0's RDB carries the aux fields, 2.6/2.8's none", () => {
    const rdb = (release: LegacyRelease) => script(release, "firstSync").find((f) => f.kind === "rdb");
    const rdb40 = rdb("4.0.14");
    expect(rdb40?.kind === "rdb" && Object.keys(rdb40.rdb.aux)).toEqual(["redis-ver", "redis-bits", "ctime", "used-mem", "repl-stream-db", "repl-id", "repl-offset", "aof-preamble"]);
    for (const release of ["2.6.17", "2.8.24"] as const) {
      const found = rdb(release);
      expect(found?.kind === "rdb" && found.rdb).toMatchObject({ bytes: 34, magic: "REDIS0006", aux: {} });
    }
  });

  it("reconnect: full SYNC again (2.6), +CONTINUE (2.8), +CONTINUE <replid> (4.0)", () => {
    const second = (release: LegacyRelease) => script(release, "reconnect").filter((f) => f.kind !== "step" && f.conn === 2);
    expect(texts(second("2.6.17"), "master->replica")).toContain("$48\r\n<RDB 48 bytes REDIS0006>");
    const run28 = fixture("2.8.24").handshakes.reconnect.idsAtStart.A?.run_id;
    expect(texts(second("2.8.24"), "replica->master")).toContain(`PSYNC ${run28} 54\r\n`);
    expect(texts(second("2.8.24"), "master->replica")).toContain("+CONTINUE\r\n");
    const replid40 = fixture("4.0.14").handshakes.reconnect.idsAtEnd.A?.master_replid;
    expect(texts(second("4.0.14"), "replica->master")).toContain(`PSYNC ${replid40} 53\r\n`);
    expect(texts(second("4.0.14"), "master->replica")).toContain(`+CONTINUE ${replid40}\r\n`);
  });

  it("promotion: 2.6 refuses SYNC while B has no master; 2.8 keeps the link; 4.0 reconnects with +CONTINUE <new replid>", () => {
    expect(texts(script("2.6.17", "promotion"), "master->replica")).toContain("-ERR Can't SYNC while not connected with my master\r\n");
    const frames28 = script("2.8.24", "promotion");
    expect(frames28.filter((f) => f.kind === "connect")).toHaveLength(1);
    expect(texts(frames28, "master->replica").at(-1)).toBe("*3\r\n$3\r\nSET\r\n$2\r\nn1\r\n$2\r\nv1\r\n");
    const capture40 = fixture("4.0.14").handshakes.promotion;
    expect(texts(script("4.0.14", "promotion"), "master->replica")).toContain(`+CONTINUE ${capture40.idsAtEnd.B?.master_replid}\r\n`);
    expect(capture40.idsAtEnd.B?.master_replid2).toBe(capture40.idsAtEnd.C?.master_replid2);
  });

  it("2.6 drops its sub-replica when its own link drops; 2.8 and 4.0 keep it", () => {
    const c26 = script("2.6.17", "chainDrop");
    expect(c26.filter((f) => f.kind === "connect").length).toBeGreaterThan(1);
    expect(c26.filter((f) => f.kind === "rdb")).toHaveLength(2);
    for (const release of ["2.8.24", "4.0.14"] as const) {
      const frames = script(release, "chainDrop");
      expect(frames.filter((f) => f.kind === "connect")).toHaveLength(1);
      expect(texts(frames, "master->replica").at(-1)).toBe("*3\r\n$3\r\nSET\r\n$2\r\nw2\r\n$2\r\nv2\r\n");
    }
  });

  it("2.6 drops its replicas when it loses its master", () => {
    expect(node("2.6.17", "promotionInChain", "A killed", "B").replication.connected_slaves).toBe("0");
    expect(node("2.8.24", "promotionInChain", "A killed", "B").replication.connected_slaves).toBe("1");
    expect(node("4.0.14", "promotionInChain", "A killed", "B").replication.connected_slaves).toBe("1");
  });

  it("a 2.8 intermediate replica serves its own offset space; 4.0 proxies its master's", () => {
    const b28 = node("2.8.24", "chainLateJoin", "C joined", "B").replication;
    expect(b28.master_repl_offset).not.toBe(b28.slave_repl_offset);
    const b40 = node("4.0.14", "chainLateJoin", "C joined", "B").replication;
    expect(b40.master_repl_offset).toBe(b40.slave_repl_offset);
  });

  it("master PINGs are 14 bytes in 2.8's offset", () => {
    const acks = fixture("2.8.24").handshakes.pings.frames.flatMap((f) => (f.kind === "ack" ? [Number(f.text.split("\r\n").at(-2))] : []));
    const steps = acks.slice(1).map((ack, i) => ack - acks[i]!);
    expect(steps).toContain(14);
  });
});
