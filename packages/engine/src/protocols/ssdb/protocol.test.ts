/**
 * SSDB's framing, its Redis adapter, the sync140 request and ssdb.conf (SPEC.md WIRE-*, CONF-*,
 * MS-1). Byte-for-byte comparisons with the real server are in `test/ssdb/*.test.ts`; these pin the
 * parsing rules those rely on, at their edges.
 */
import { describe, expect, it } from "vitest";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { DEFAULT_BINLOG_CAPACITY } from "./binlog.ts";
import { buildSsdbConf, confGet, parseSsdbConf, settingsOf, withSlaveOf } from "./config.ts";
import { parseSync140 } from "./master-link.ts";
import { convertRedisRequest, encodeRedisReply } from "./redis-adapter.ts";
import { encodePacket, LinkReader } from "./wire.ts";

const text = (bytes: Uint8Array): string => bytesToBinary(bytes);

function read(input: string): ReturnType<LinkReader["next"]>[] {
  const reader = new LinkReader();
  reader.push(asciiBytes(input));
  const out: ReturnType<LinkReader["next"]>[] = [];
  for (;;) {
    const next = reader.next();
    out.push(next);
    if (next.kind !== "request") return out;
  }
}

describe("framing (WIRE)", () => {
  it("WIRE-1 a packet is <len>\\n<bytes>\\n per block and one more \\n; \\r\\n is accepted; leading blank lines are skipped", () => {
    expect(text(encodePacket([asciiBytes("sync140"), asciiBytes("0"), new Uint8Array(0), asciiBytes("sync")]))).toBe("7\nsync140\n1\n0\n0\n\n4\nsync\n\n");
    const [first, second, third] = read("\n3\nget\n1\na\n\n3\r\nset\r\n1\r\nb\r\n\r\n2\nok");
    expect(first?.kind === "request" && first.blocks.map(text)).toEqual(["get", "a"]);
    expect(second?.kind === "request" && second.blocks.map(text)).toEqual(["set", "b"]);
    expect(third).toEqual({ kind: "incomplete" });
  });

  it("WIRE-1 the reader reads pushed bytes where they are and never writes into them, whatever the cut", () => {
    const packets = "3\nset\n1\na\n3\nxyz\n\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\nvv\r\n3\nget\n1\na\n\n";
    const expected = [["set", "a", "xyz"], ["SET", "b", "vv"], ["get", "a"]];
    for (let cut = 0; cut <= packets.length; cut++) {
      for (const second of [packets.length, cut + 3]) {
        const pieces = [packets.slice(0, cut), packets.slice(cut, second), packets.slice(second)].map(asciiBytes);
        const copies = pieces.map((p) => p.slice());
        const reader = new LinkReader();
        const got: string[][] = [];
        for (const piece of pieces) {
          reader.push(piece);
          for (let r = reader.next(); r.kind === "request"; r = reader.next()) got.push(r.blocks.map(text));
        }
        expect(got, `cut at ${cut}, ${second}`).toEqual(expected);
        expect(pieces.map(text)).toEqual(copies.map(text));
      }
    }
  });

  it("WIRE-2 a request starting with * is RESP; anything else that is not a length line is an error", () => {
    const [resp] = read("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
    expect(resp?.kind === "request" && resp.resp && resp.blocks.map(text)).toEqual(["GET", "a"]);
    expect(read("SYNC\r\n")[0]).toEqual({ kind: "error" });
    expect(read("-ERR unknown command '7'\r\n")[0]).toEqual({ kind: "error" });
    expect(read("*0\r\n")[0]).toEqual({ kind: "error" });
  });

  it("WIRE-3 Redis commands are renamed and reordered, and answered in the table's reply type", () => {
    const blocks = (...argv: string[]): Uint8Array[] => argv.map((a) => asciiBytes(a));
    expect(convertRedisRequest(blocks("DEL", "a", "b")).req).toEqual(["multi_del", "a", "b"]);
    expect(convertRedisRequest(blocks("setex", "k", "10", "v")).req).toEqual(["setx", "k", "v", "10"]);
    expect(convertRedisRequest(blocks("hkeys", "h")).req).toEqual(["hkeys", "h", "", "", "2000000000"]);
    expect(convertRedisRequest(blocks("REPLICAOF", "h", "1")).req).toEqual(["replicaof", "h", "1"]);
    const reply = (resp: string[], ...argv: string[]): string => text(encodeRedisReply(resp, convertRedisRequest(blocks(...argv))));
    expect(reply(["ok", "1"], "set", "a", "1")).toBe("+OK\r\n");
    expect(reply(["ok", "1"], "del", "a")).toBe(":1\r\n");
    expect(reply(["not_found"], "get", "a")).toBe("$-1\r\n");
    expect(reply(["client_error", "Unknown Command: x"], "x")).toBe("-ERR Unknown Command: x\r\n");
    expect(reply(["ok", "a", "1"], "mget", "a", "b")).toBe("*2\r\n$1\r\n1\r\n$-1\r\n");
    expect(reply(["ok", "m", "1"], "zrange", "z", "0", "-1")).toBe("*1\r\n$1\r\nm\r\n");
  });
});

describe("sync140 (MS-1)", () => {
  it("MS-1 missing arguments default to seq 0, key '' and sync; the seq is read like strtoull", () => {
    expect(parseSync140(["sync140"])).toEqual({ lastSeq: 0, lastKey: "", isMirror: false, fourth: "" });
    expect(parseSync140(["sync140", "33", "kk1", "mirror"])).toEqual({ lastSeq: 33, lastKey: "kk1", isMirror: true, fourth: "mirror" });
    expect(parseSync140(["sync140", "x", "", "6380"]).lastSeq).toBe(0);
  });
});

describe("ssdb.conf (CONF)", () => {
  const SLAVE = "replication:\n\tbinlog: yes\n\t\tcapacity: 10\n\tsync_speed: -1\n\tslaveof:\n\t\ttype: sync\n\t\thost: 127.0.0.1\n\t\tport: 8883\n";

  it("CONF-1 tab-indented tree, dotted paths, defaults as ssdb-server's", () => {
    const parsed = parseSsdbConf(SLAVE);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(confGet(parsed.root, "replication.binlog.capacity")?.value).toBe("10");
    expect(settingsOf(parsed.root, DEFAULT_BINLOG_CAPACITY)).toEqual({
      binlogEnabled: true,
      binlogCapacity: 10,
      syncSpeed: -1,
      copyMode: "upstream",
      readonly: false,
      slaveOf: [{ id: "", host: "127.0.0.1", port: 8883, type: "sync", auth: "", recvTimeoutSec: 30 }],
    });
    const bare = parseSsdbConf("replication:\n\tbinlog: yes\n");
    expect(bare.ok && settingsOf(bare.root, DEFAULT_BINLOG_CAPACITY).binlogCapacity).toBe(20_000_000);
    expect(parseSsdbConf("replication:\n\t\t\tcapacity: 1\n")).toMatchObject({ ok: false, line: 2 });
    expect(parseSsdbConf("server:\n  port: 1\n")).toMatchObject({ ok: false, line: 2 });
  });

  it("CONF-2 a new node's file takes settings by dotted name and refuses unknown or bad ones", () => {
    const built = buildSsdbConf({ "replication.binlog.capacity": "10", "replication.copy": "snapshot", "replication.slaveof.host": "127.0.0.1", "replication.slaveof.port": "6380" });
    if ("error" in built) throw new Error(built.error);
    const parsed = parseSsdbConf(built.text);
    expect(parsed.ok && settingsOf(parsed.root, DEFAULT_BINLOG_CAPACITY)).toMatchObject({ binlogCapacity: 10, copyMode: "snapshot", slaveOf: [{ host: "127.0.0.1", port: 6380 }] });
    expect(buildSsdbConf({ "repl-backlog-size": "1" })).toMatchObject({ error: expect.stringContaining("unknown ssdb.conf setting") });
    expect(buildSsdbConf({ "replication.copy": "sometimes" })).toMatchObject({ error: "replication.copy must be upstream or snapshot" });
    expect(buildSsdbConf({ "replication.slaveof.port": "6380" })).toMatchObject({ error: expect.stringContaining("both host and port") });
  });

  it("CONF-3 pointing a node at a master rewrites its slaveof blocks and keeps the rest", () => {
    const pointed = withSlaveOf(SLAVE + "\nlogger:\n\tlevel: debug\n", { host: "10.0.0.1", port: 9000 });
    const parsed = parseSsdbConf(pointed);
    expect(parsed.ok && settingsOf(parsed.root, DEFAULT_BINLOG_CAPACITY).slaveOf).toEqual([{ id: "", host: "10.0.0.1", port: 9000, type: "sync", auth: "", recvTimeoutSec: 30 }]);
    expect(pointed).toContain("logger:\n\tlevel: debug");
    const master = parseSsdbConf(withSlaveOf(pointed, null));
    expect(master.ok && settingsOf(master.root, DEFAULT_BINLOG_CAPACITY)).toMatchObject({ binlogCapacity: 10, slaveOf: [] });
    const none = parseSsdbConf(withSlaveOf("server:\n\tip: 127.0.0.1\n", { host: "h", port: 1 }));
    expect(none.ok && settingsOf(none.root, DEFAULT_BINLOG_CAPACITY).slaveOf).toHaveLength(1);
  });
});
