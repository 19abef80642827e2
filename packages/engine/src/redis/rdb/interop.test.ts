/**
 * Interop proof against a real redis-server 7.0 (CI installs it; these tests fail, never skip,
 * when it is missing):
 * - RDB-21: files redis writes with SAVE (strings of every encoding, expiries, several dbs, lists,
 *   hashes, sets, sorted sets in both encodings, a stream, a function library, LRU/LFU opcodes,
 *   compression and checksum off) are read right.
 * - RDB-22: re-writing what the reader got from a redis dump gives back the very same bytes.
 * - RDB-23: redis-server loads what the writer produces: every key, value and TTL, and the
 *   replication AUX fields.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRdb, scanRdbKeyEnds, type RdbKeyScan, type RdbSummary, type RdbUnsupportedKey } from "./reader.ts";
import { writeRdb, type RdbAux, type RdbDatabase } from "./writer.ts";
import { valueFromRdb } from "../store/from-rdb.ts";
import type { RedisValue } from "../store/value.ts";
import { defaultConfig } from "../config.ts";
import { freePort } from "@replica-lab/testing";

const SERVER_TIMEOUT_MS = 60_000;

// ---- a real redis-server ------------------------------------------------------------------------

function redisServerVersion(): string | null {
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) return null;
  return /v=(\d+\.\d+\.\d+)/.exec(probe.stdout)?.[1] ?? null;
}

type Reply =
  | { t: "simple"; v: string }
  | { t: "error"; v: string }
  | { t: "int"; v: number }
  | { t: "bulk"; v: Uint8Array | null }
  | { t: "array"; v: Reply[] | null };

type Arg = string | Uint8Array;

/** A minimal pipelining RESP2 client, binary-safe both ways. */
class RespClient {
  private buffer = new Uint8Array(0);
  private readonly waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    // A server that exits (a refused RDB) closes the connection under a pending request: that
    // request fails instead of waiting for ever. ECONNRESET and the like end in "close" too.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error("the server closed the connection"));
    });
    socket.on("data", (chunk: Buffer) => {
      const merged = new Uint8Array(this.buffer.length + chunk.length);
      merged.set(this.buffer);
      merged.set(chunk, this.buffer.length);
      this.buffer = merged;
      for (;;) {
        const parsed = parseReply(this.buffer, 0);
        if (parsed === null) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.resolve(parsed.reply);
      }
    });
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespClient(socket));
      });
    });
  }

  send(...args: Arg[]): Promise<Reply> {
    const parts: Uint8Array[] = [ascii(`*${args.length}\r\n`)];
    for (const arg of args) {
      const bytes = typeof arg === "string" ? binary(arg) : arg;
      parts.push(ascii(`$${bytes.length}\r\n`), bytes, ascii("\r\n"));
    }
    if (this.closed) return Promise.reject(new Error("the server closed the connection"));
    this.socket.write(concat(parts));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async ok(...args: Arg[]): Promise<Reply> {
    const reply = await this.send(...args);
    if (reply.t === "error") throw new Error(`${args.map(String).join(" ")} -> ${reply.v}`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

function parseLine(buf: Uint8Array, at: number): { line: string; next: number } | null {
  for (let i = at; i + 1 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10) return { line: latin1(buf.subarray(at, i)), next: i + 2 };
  }
  return null;
}

function parseReply(buf: Uint8Array, at: number): { reply: Reply; end: number } | null {
  if (at >= buf.length) return null;
  const head = parseLine(buf, at + 1);
  if (head === null) return null;
  switch (buf[at]) {
    case 0x2b:
      return { reply: { t: "simple", v: head.line }, end: head.next };
    case 0x2d:
      return { reply: { t: "error", v: head.line }, end: head.next };
    case 0x3a:
      return { reply: { t: "int", v: Number(head.line) }, end: head.next };
    case 0x24: {
      const length = Number(head.line);
      if (length < 0) return { reply: { t: "bulk", v: null }, end: head.next };
      if (head.next + length + 2 > buf.length) return null;
      return { reply: { t: "bulk", v: buf.slice(head.next, head.next + length) }, end: head.next + length + 2 };
    }
    case 0x2a: {
      const count = Number(head.line);
      if (count < 0) return { reply: { t: "array", v: null }, end: head.next };
      const items: Reply[] = [];
      let next = head.next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (item === null) return null;
        items.push(item.reply);
        next = item.end;
      }
      return { reply: { t: "array", v: items }, end: next };
    }
    default:
      throw new Error(`bad RESP type byte ${buf[at]}`);
  }
}

interface RunningServer {
  port: number;
  dir: string;
  dbfilename: string;
  child: ChildProcess;
  client: RespClient;
  exited: Promise<number | null>;
}

const servers: RunningServer[] = [];
const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rdb-interop-"));
  tempDirs.push(dir);
  return dir;
}

function logTail(dir: string): string {
  const path = join(dir, "redis.log");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").slice(-15).join("\n") : "(no log)";
}

/** Starts redis-server on a free port; resolves once it answers PING (i.e. finished loading). */
async function startServer(dir: string, dbfilename = "dump.rdb", extra: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--daemonize", "no", "--dir", dir, "--dbfilename", dbfilename, "--logfile", "redis.log",
      ...extra,
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = performance.now() + SERVER_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) throw new ServerExited(exitCode, logTail(dir));
    try {
      const client = await RespClient.connect(port);
      const pong = await client.send("PING");
      if (pong.t === "simple" && pong.v === "PONG") {
        const server: RunningServer = { port, dir, dbfilename, child, client, exited };
        servers.push(server);
        return server;
      }
      client.close();
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not come up:\n${logTail(dir)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

class ServerExited extends Error {
  constructor(
    readonly code: number | null,
    readonly log: string,
  ) {
    super(`redis-server exited with ${code}:\n${log}`);
  }
}

async function stopServer(server: RunningServer): Promise<void> {
  server.client.close();
  if (server.child.exitCode === null && server.child.signalCode === null && server.child.pid !== undefined) {
    try {
      process.kill(server.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await server.exited;
}

/** Runs SAVE and returns the dump's bytes. */
async function save(server: RunningServer): Promise<Uint8Array> {
  await server.client.ok("SAVE");
  return new Uint8Array(readFileSync(join(server.dir, server.dbfilename)));
}

// ---- bytes ------------------------------------------------------------------------------------

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
const binary = ascii;

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bulk(reply: Reply): Uint8Array | null {
  if (reply.t !== "bulk") throw new Error(`expected a bulk reply, got ${JSON.stringify(reply)}`);
  return reply.v;
}

function int(reply: Reply): number {
  if (reply.t !== "int") throw new Error(`expected an integer reply, got ${JSON.stringify(reply)}`);
  return reply.v;
}

/** Deterministic bytes for test data (xorshift32). */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** Text-like bytes with repeats near and far, so LZF finds short, long and distant matches. */
function compressibleBytes(length: number, seed: number, alphabet: number, repeatChance: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    if (i > 8 && next() % 100 < repeatChance) {
      const distance = 1 + (next() % Math.min(i, next() % 4 === 0 ? 9000 : 64));
      out[i] = out[i - distance]!;
    } else {
      out[i] = 0x61 + (next() % alphabet);
    }
  }
  return out;
}

// ---- keyspace bookkeeping ---------------------------------------------------------------------------

interface Entry {
  value: Uint8Array;
  expireAtMs: number;
}

/** What the test put into the server, per db. */
type Expected = Map<number, Map<string, Entry>>;

function expect1(expected: Expected, db: number, key: string, value: Uint8Array, expireAtMs = -1): void {
  let keys = expected.get(db);
  if (keys === undefined) expected.set(db, (keys = new Map()));
  keys.set(key, { value, expireAtMs });
}

interface ReadBack {
  summary: RdbSummary;
  strings: Expected;
  order: Array<{ db: number; key: string; value: Uint8Array; expireAtMs: number }>;
  aux: Array<[string, string]>;
  unsupported: RdbUnsupportedKey[];
}

function readBack(bytes: Uint8Array): ReadBack {
  const strings: Expected = new Map();
  const order: ReadBack["order"] = [];
  const aux: Array<[string, string]> = [];
  const unsupported: RdbUnsupportedKey[] = [];
  const summary = readRdb(bytes, {
    onAux: (key, value) => aux.push([key, latin1(value)]),
    onString: (db, key, value, expireAtMs) => {
      expect1(strings, db, key, value, expireAtMs);
      order.push({ db, key, value, expireAtMs });
    },
    onUnsupported: (db, key, typeName, expireAtMs) => unsupported.push({ db, key, typeName, rdbType: -1, expireAtMs }),
  });
  return { summary, strings, order, aux, unsupported };
}

/** Rebuilds writer input from what the reader saw, keeping redis's key order. */
function rewrite(read: ReadBack, options: { compression: boolean; checksum: boolean }): Uint8Array {
  const auxMap = new Map(read.aux);
  const replid = auxMap.get("repl-id");
  const aux: RdbAux = {
    redisVer: auxMap.get("redis-ver") ?? "",
    ctimeSec: Number(auxMap.get("ctime")),
    usedMemBytes: Number(auxMap.get("used-mem")),
    replication:
      replid === undefined
        ? null
        : { streamDb: Number(auxMap.get("repl-stream-db")), replid, offset: Number(auxMap.get("repl-offset")) },
    aofBase: Number(auxMap.get("aof-base")),
  };
  const dbs = [...new Set(read.order.map((e) => e.db))];
  const databases: RdbDatabase[] = dbs.map((db) => {
    const entries = read.order.filter((e) => e.db === db);
    return {
      db,
      size: entries.length,
      expires: entries.filter((e) => e.expireAtMs !== -1).length,
      forEach: (visit) => entries.forEach((e) => visit(e.key, e.value, e.expireAtMs)),
    };
  });
  return writeRdb({ aux, databases, ...options });
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `first difference at byte ${i} of ${a.length}/${b.length}`;
  }
  return a.length === b.length ? "identical" : `lengths ${a.length} vs ${b.length}`;
}

function expectSameBytes(ours: Uint8Array, theirs: Uint8Array): void {
  const verdict = firstDifference(ours, theirs);
  expect(verdict).toBe("identical");
}

function expectStrings(actual: Expected, expected: Expected): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [db, keys] of expected) {
    const got = actual.get(db)!;
    expect(got.size, `db ${db} size`).toBe(keys.size);
    for (const [key, entry] of keys) {
      const read = got.get(key);
      expect(read, `db ${db} key ${JSON.stringify(key)}`).toBeDefined();
      expect(latin1(read!.value), `db ${db} value of ${JSON.stringify(key)}`).toBe(latin1(entry.value));
      expect(read!.expireAtMs, `db ${db} expire of ${JSON.stringify(key)}`).toBe(entry.expireAtMs);
    }
  }
}

// ---- the tests ----------------------------------------------------------------------------------

describe("interop with a real redis-server 7.0", () => {
  beforeAll(() => {
    const version = redisServerVersion();
    if (version === null) {
      throw new Error(
        "redis-server is not on PATH. The RDB interop tests need redis-server 7.0.x (CI installs it: apt-get install redis-server).",
      );
    }
    if (!version.startsWith("7.0.")) {
      throw new Error(`redis-server ${version} found; the RDB interop tests need 7.0.x (RDB version 10).`);
    }
  });

  afterAll(async () => {
    for (const server of servers) await stopServer(server);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe("RDB-21/RDB-22: redis-server writes, we read (and write back the same bytes)", () => {
    let server: RunningServer;
    const expected: Expected = new Map();
    const farFutureMs = 4102444800123; // 2100-01-01T00:00:00.123Z

    beforeAll(async () => {
      server = await startServer(tempDir());
      const c = server.client;
      const set = async (db: number, key: string | Uint8Array, value: string | Uint8Array, expireAtMs = -1): Promise<void> => {
        await c.ok("SELECT", String(db));
        await c.ok("SET", key, value);
        if (expireAtMs !== -1) await c.ok("PEXPIREAT", key, String(expireAtMs));
        expect1(expected, db, typeof key === "string" ? key : latin1(key), typeof value === "string" ? binary(value) : value, expireAtMs);
      };
      // Raw strings, including binary ones.
      await set(0, "k1", "hello");
      await set(0, "empty", "");
      await set(0, "spaced", "hello world");
      await set(0, Uint8Array.from({ length: 256 }, (_, i) => i), Uint8Array.from({ length: 256 }, (_, i) => 255 - i));
      // Integer-looking strings on both sides of every encoding boundary.
      const ints = [
        "0", "-0", "5", "-5", "127", "128", "-128", "-129", "32767", "32768", "-32768", "-32769",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "12345678901", "-1234567890",
        "9223372036854775807", "007", "+5", " 5", "1.5", "1e3", "12345",
      ];
      for (const [i, text] of ints.entries()) await set(0, `int:${i}`, text);
      await set(0, "123", "int-encoded key");
      await set(0, "-7", "negative int key");
      // INCR makes an OBJ_ENCODING_INT object, saved through rdbSaveLongLongAsStringObject.
      await c.ok("SELECT", "0");
      await c.ok("SET", "counter", "41");
      await c.ok("INCR", "counter");
      expect1(expected, 0, "counter", binary("42"));
      await c.ok("SET", "bigcounter", "9999999999");
      await c.ok("INCR", "bigcounter");
      expect1(expected, 0, "bigcounter", binary("10000000000"));
      // LZF thresholds and a spread of compressible shapes.
      await set(0, "a20", "a".repeat(20));
      await set(0, "a21", "a".repeat(21));
      await set(0, "abc300", "abc".repeat(100));
      await set(0, "long-compressible-key-".repeat(4), "v");
      for (let i = 0; i < 150; i++) {
        const length = 21 + ((i * 97) % 3000);
        await set(0, `lzf:${i}`, compressibleBytes(length, 1000 + i, 2 + (i % 20), 20 + (i % 70)));
      }
      await set(0, "big:text", compressibleBytes(300_000, 7, 16, 85));
      await set(0, "big:noise", compressibleBytes(50_000, 9, 256, 0));
      // Expiries, in several dbs.
      await set(0, "ttl:a", "v", farFutureMs);
      await set(0, "ttl:int", "12345", farFutureMs + 1);
      await set(3, "in3", "x");
      await set(3, "ttl3", "abc".repeat(30), farFutureMs + 2);
      await set(15, "in15", "fifteen");
      // One key set with a relative TTL: compare against the server's own PEXPIRETIME.
      await c.ok("SELECT", "0");
      await c.ok("SET", "ttl:rel", "v", "PX", "100000000");
      const pexpiretime = int(await c.ok("PEXPIRETIME", "ttl:rel"));
      expect1(expected, 0, "ttl:rel", binary("v"), pexpiretime);
    }, SERVER_TIMEOUT_MS);

    it("RDB-21: reads every string, expiry and db of a SAVE dump", async () => {
      const dump = await save(server);
      const read = readBack(dump);
      expect(read.summary.version).toBe(10);
      expect(read.summary.checksum).toBe("verified");
      expect(read.summary.byteLength).toBe(dump.length);
      expect(read.aux.map(([k]) => k)).toEqual(["redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"]);
      expect(read.aux[0]![1]).toMatch(/^7\.0\./);
      expect(read.unsupported).toEqual([]);
      expectStrings(read.strings, expected);
    });

    it("RDB-22: writing back what was read reproduces redis's bytes exactly", async () => {
      const dump = await save(server);
      expectSameBytes(rewrite(readBack(dump), { compression: true, checksum: true }), dump);
    });

    it("RDB-22: same with rdbcompression no, then rdbchecksum no", async () => {
      await server.client.ok("CONFIG", "SET", "rdbcompression", "no");
      const plain = await save(server);
      const plainRead = readBack(plain);
      expectStrings(plainRead.strings, expected);
      expectSameBytes(rewrite(plainRead, { compression: false, checksum: true }), plain);

      // rdbchecksum cannot change at runtime: a second server loads the same data with it off.
      const dir = tempDir();
      writeFileSync(join(dir, "dump.rdb"), plain);
      const unchecking = await startServer(dir, "dump.rdb", ["--rdbchecksum", "no", "--rdbcompression", "no"]);
      const unchecked = await save(unchecking);
      await stopServer(unchecking);
      const uncheckedRead = readBack(unchecked);
      expect(uncheckedRead.summary.checksum).toBe("disabled");
      expect(Array.from(unchecked.subarray(-8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      expectStrings(uncheckedRead.strings, expected);
      expectSameBytes(rewrite(uncheckedRead, { compression: false, checksum: false }), unchecked);

      await server.client.ok("CONFIG", "SET", "rdbcompression", "yes");
    });

    it("RDB-14: reads dumps with LRU idle (F8) and LFU frequency (F9) opcodes", async () => {
      const baseline = await save(server);
      const keys = readBack(baseline).summary.keys;
      for (const policy of ["allkeys-lru", "allkeys-lfu"]) {
        await server.client.ok("CONFIG", "SET", "maxmemory-policy", policy);
        const dump = await save(server);
        // Each key now carries an opcode and at least one byte before its type byte.
        expect(dump.length - baseline.length).toBeGreaterThanOrEqual(2 * keys);
        expectStrings(readBack(dump).strings, expected);
      }
      await server.client.ok("CONFIG", "SET", "maxmemory-policy", "noeviction");
    });

    it("RDB-15: decodes lists, hashes, sets, sorted sets (every encoding); reports streams and functions", async () => {
      const c = server.client;
      await c.ok("SELECT", "0");
      await c.ok("RPUSH", "list:small", "a", "b", "123", "c".repeat(40));
      await c.ok("RPUSH", "list:big", ...Array.from({ length: 3000 }, (_, i) => `element-${i}-${"x".repeat(i % 50)}`));
      await c.ok("HSET", "hash:small", "f1", "v1", "f2", "2");
      await c.ok("HSET", "hash:big", ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `value${i}`]).flat());
      await c.ok("SADD", "set:ints", "1", "2", "3", "-70000", "5000000000");
      await c.ok("SADD", "set:strings", "a", "b", "c");
      await c.ok("SADD", "set:big", ...Array.from({ length: 1000 }, (_, i) => String(i * 7)));
      await c.ok("ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c");
      await c.ok("ZADD", "zset:big", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `member${i}`]).flat());
      await c.ok("XADD", "stream", "1-1", "field", "value");
      await c.ok("XADD", "stream", "2-1", "field", "value2", "other", "x");
      await c.ok("XGROUP", "CREATE", "stream", "group", "0");
      await c.ok("XREADGROUP", "GROUP", "group", "alice", "COUNT", "1", "STREAMS", "stream", ">");
      await c.ok("SELECT", "3");
      await c.ok("RPUSH", "list:in3", "x");
      await c.ok("PEXPIREAT", "list:in3", String(farFutureMs));
      await c.ok("FUNCTION", "LOAD", "#!lua name=rdbtest\nredis.register_function('rdbtest_f', function() return 1 end)");

      const dump = await save(server);
      const seen = new Map<string, { typeName: string; rdbType: number; expireAtMs: number; size: number }>();
      const summary = readRdb(dump, {
        onAggregate: (db, key, value, expireAtMs) => {
          const size = value.type === "list" ? value.nodes.reduce((n, node) => n + node.items.length, 0) : value.type === "set" ? value.members.length : value.entries.length;
          seen.set(`${db}/${key}`, { typeName: value.type, rdbType: value.rdbType, expireAtMs, size });
        },
      });
      expect(summary.checksum).toBe("verified");
      expect(summary.functionLibraries).toBe(1);
      for (const u of summary.unsupported) seen.set(`${u.db}/${u.key}`, { typeName: u.typeName, rdbType: u.rdbType, expireAtMs: u.expireAtMs, size: -1 });
      const expectType = (db: number, key: string, typeName: string, rdbType: number, expireAtMs = -1): void => {
        const found = seen.get(`${db}/${key}`);
        expect(found, key).toBeDefined();
        expect([found!.typeName, found!.rdbType, found!.expireAtMs]).toEqual([typeName, rdbType, expireAtMs]);
      };
      expectType(0, "list:small", "list", 18);
      expectType(0, "list:big", "list", 18);
      expectType(0, "hash:small", "hash", 16);
      expectType(0, "hash:big", "hash", 4);
      expectType(0, "set:ints", "set", 11);
      expectType(0, "set:strings", "set", 2);
      expectType(0, "set:big", "set", 2);
      expectType(0, "zset:small", "zset", 17);
      expectType(0, "zset:big", "zset", 5);
      expectType(0, "stream", "stream", 19);
      expectType(3, "list:in3", "list", 18, farFutureMs);
      expect(summary.unsupported).toHaveLength(1);
      expect(seen.get("0/list:big")!.size).toBe(3000);
      expect(seen.get("0/hash:big")!.size).toBe(600);
      expect(seen.get("0/set:big")!.size).toBe(1000);
      expect(seen.get("0/zset:big")!.size).toBe(300);
      // The strings around them are still all right.
      expectStrings(readBack(dump).strings, expected);

      // A paced socket load (key-load-delay) finds where each key ends as the file arrives in pieces:
      // as many keys as redis holds, the last one right before the EOF opcode and the checksum.
      const keyspace = await c.send("INFO", "keyspace");
      const redisKeys = [...(keyspace.t === "bulk" && keyspace.v ? new TextDecoder().decode(keyspace.v) : "").matchAll(/keys=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      const scan: RdbKeyScan = { at: 0, ends: [], done: false, version: 0, maxVersion: 10 };
      for (let from = 0; from < dump.length && !scan.done; from += 997) scanRdbKeyEnds(dump.subarray(scan.at, Math.min(dump.length, from + 997)), scan);
      expect(scan.done).toBe(true);
      expect(scan.ends).toHaveLength(redisKeys);
      expect(scan.ends.at(-1)).toBe(dump.length - 9);
      expect(dump[dump.length - 9]).toBe(0xff);
    });
  });

  describe("RDB-24: lists, hashes, sets and sorted sets of every encoding, byte for byte", () => {
    it("reads what redis-server saves, writes it back to the same bytes, and redis-server loads that to the same digest", async () => {
      const server = await startServer(tempDir(), "dump.rdb", ["--enable-debug-command", "yes"]);
      const c = server.client;
      await c.ok("RPUSH", "list:small", "a", "b", "123", "-5", "c".repeat(40), "4294967296");
      await c.ok("RPUSH", "list:big", ...Array.from({ length: 3000 }, (_, i) => `element-${i}-${"x".repeat(i % 50)}`));
      await c.ok("RPUSH", "list:ints", ...Array.from({ length: 700 }, (_, i) => String(i * 977 - 300000)));
      await c.ok("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100");
      await c.ok("RPUSH", "list:plain", "short", "p".repeat(150), "tail", "q".repeat(5000));
      await c.ok("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0");
      await c.ok("HSET", "hash:small", "f1", "v1", "f2", "2", "n", "-70000", "big", "9223372036854775807");
      await c.ok("HSET", "hash:big", ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `value${i}`]).flat());
      await c.ok("HSET", "hash:long", "f", "v".repeat(100));
      await c.ok("SADD", "set:int16", "1", "2", "3", "-70");
      await c.ok("SADD", "set:int32", "1", "-70000", "5000");
      await c.ok("SADD", "set:int64", "1", "5000000000", "-9223372036854775808");
      await c.ok("SADD", "set:strings", "a", "b", "c");
      await c.ok("SADD", "set:big", ...Array.from({ length: 1000 }, (_, i) => String(i * 7)));
      await c.ok("ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "1e20", "d", "inf", "e", "-inf", "f", "0.1", "g");
      await c.ok("ZADD", "zset:big", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `member${i}`]).flat());
      await c.ok("ZADD", "zset:long", "1", "m".repeat(100));
      await c.ok("PEXPIREAT", "zset:long", "4102444800999");
      await c.ok("SELECT", "4");
      await c.ok("SADD", "set:in4", "x");
      await c.ok("SET", "string:in4", "s");
      const dump = await save(server);
      const digest = await c.ok("DEBUG", "DIGEST");

      const aux = new Map<string, string>();
      const order: { db: number; key: string; value: RedisValue; expireAtMs: number }[] = [];
      readRdb(dump, {
        onAux: (key, value) => aux.set(key, latin1(value)),
        onString: (db, key, value, expireAtMs) => order.push({ db, key, value, expireAtMs }),
        onAggregate: (db, key, value, expireAtMs) => order.push({ db, key, value: valueFromRdb(defaultConfig(), value), expireAtMs }),
      });
      const dbs = [...new Set(order.map((e) => e.db))];
      const written = writeRdb({
        aux: { redisVer: aux.get("redis-ver")!, ctimeSec: Number(aux.get("ctime")), usedMemBytes: Number(aux.get("used-mem")), replication: null, aofBase: Number(aux.get("aof-base")) },
        databases: dbs.map((db) => {
          const entries = order.filter((e) => e.db === db);
          return { db, size: entries.length, expires: entries.filter((e) => e.expireAtMs !== -1).length, forEach: (visit) => entries.forEach((e) => visit(e.key, e.value, e.expireAtMs)) };
        }),
        lists: { fill: -2, packedThreshold: 100 },
      });
      expectSameBytes(written, dump);

      const dir = tempDir();
      writeFileSync(join(dir, "ours.rdb"), written);
      const loader = await startServer(dir, "ours.rdb", ["--enable-debug-command", "yes"]);
      expect(await loader.client.ok("DEBUG", "DIGEST")).toEqual(digest);
      expect(await loader.client.ok("OBJECT", "ENCODING", "list:plain")).toEqual({ t: "bulk", v: binary("quicklist") });
      await stopServer(loader);
      await stopServer(server);
    });
  });

  describe("RDB-23: we write, redis-server loads", () => {
    const replid = "8f4c3d2b1a0918273645f5e4d3c2b1a098765432";
    const futureMs = 4102444800456;
    const expected: Expected = new Map();

    function keyspace(): RdbDatabase[] {
      expected.clear();
      const put = (db: number, key: string, value: Uint8Array | string, expireAtMs = -1): void =>
        expect1(expected, db, key, typeof value === "string" ? binary(value) : value, expireAtMs);
      put(0, "plain", "hello world");
      put(0, "empty", "");
      put(0, "int8", "-5");
      put(0, "int16", "12345");
      put(0, "int32", "1234567");
      put(0, "notint", "007");
      put(0, "wide", "12345678901");
      put(0, "42", "integer key");
      put(0, latin1(Uint8Array.from({ length: 256 }, (_, i) => i)), Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
      put(0, "lzf", "abc".repeat(100));
      put(0, "long-compressible-key-".repeat(5), compressibleBytes(5000, 3, 4, 60));
      put(0, "megabyte", compressibleBytes(1 << 20, 11, 26, 50));
      put(0, "withttl", "v", futureMs);
      put(0, "ttl-int", "99", futureMs + 1);
      const next = prng(99);
      for (let i = 0; i < 2000; i++) {
        const key = latin1(Uint8Array.from({ length: 1 + (next() % 40) }, () => next() & 0xff));
        const value = next() % 3 === 0 ? String(next() % 100000) : compressibleBytes(next() % 200, i, 1 + (next() % 30), next() % 90);
        put(i % 4 === 0 ? 7 : 0, key, value, i % 10 === 0 ? futureMs + i : -1);
      }
      put(5, "in5", "five", futureMs + 5);
      put(15, "in15", "fifteen");
      return [...expected].map(([db, keys]) => ({
        db,
        size: keys.size,
        expires: [...keys.values()].filter((e) => e.expireAtMs !== -1).length,
        forEach: (visit) => keys.forEach((e, key) => visit(key, e.value, e.expireAtMs)),
      }));
    }

    const aux = (replication: RdbAux["replication"]): RdbAux => ({
      redisVer: "7.0.15",
      ctimeSec: 1700000000,
      usedMemBytes: 1234567,
      replication,
      aofBase: 0,
    });

    async function verifyLoaded(server: RunningServer): Promise<void> {
      const c = server.client;
      for (let db = 0; db < 16; db++) {
        await c.ok("SELECT", String(db));
        expect(int(await c.ok("DBSIZE")), `DBSIZE of db ${db}`).toBe(expected.get(db)?.size ?? 0);
      }
      for (const [db, keys] of expected) {
        await c.ok("SELECT", String(db));
        const gets = [...keys].map(([key]) => Promise.all([c.send("GET", key), c.send("PEXPIRETIME", key)]));
        const replies = await Promise.all(gets);
        let i = 0;
        for (const [key, entry] of keys) {
          const [value, expireAt] = replies[i++]!;
          expect(latin1(bulk(value) ?? new Uint8Array(0)), `value of ${JSON.stringify(key)}`).toBe(latin1(entry.value));
          expect(int(expireAt), `PEXPIRETIME of ${JSON.stringify(key)}`).toBe(entry.expireAtMs);
        }
      }
    }

    it("loads every key, value and expire, and takes the replication AUX fields as replid2", async () => {
      const dir = tempDir();
      const rdb = writeRdb({ aux: aux({ streamDb: 0, replid, offset: 12345 }), databases: keyspace() });
      writeFileSync(join(dir, "ours.rdb"), rdb);
      const server = await startServer(dir, "ours.rdb");
      await verifyLoaded(server);
      const info = latin1(bulk(await server.client.ok("INFO", "replication")) ?? new Uint8Array(0));
      expect(info).toContain(`master_replid2:${replid}`);
      expect(info).toContain("second_repl_offset:12346");
      expect(info).toContain("master_repl_offset:12345");

      // And its own SAVE, now with replication AUX fields, is again what our writer makes of it.
      const dump = await save(server);
      const read = readBack(dump);
      expect(read.aux.map(([k]) => k)).toEqual([
        "redis-ver", "redis-bits", "ctime", "used-mem", "repl-stream-db", "repl-id", "repl-offset", "aof-base",
      ]);
      expect(read.summary.replication.replOffset).toBe(12345);
      expectStrings(read.strings, expected);
      expectSameBytes(rewrite(read, { compression: true, checksum: true }), dump);
      await stopServer(server);
    });

    it("loads files written without compression and without checksum", async () => {
      for (const options of [{ compression: false }, { checksum: false }, { compression: false, checksum: false }]) {
        const dir = tempDir();
        writeFileSync(join(dir, "ours.rdb"), writeRdb({ aux: aux(null), databases: keyspace(), ...options }));
        const server = await startServer(dir, "ours.rdb");
        await verifyLoaded(server);
        if (options.checksum === false) {
          expect(readFileSync(join(dir, "redis.log"), "utf8")).toContain("RDB file was saved with checksum disabled");
        }
        await stopServer(server);
      }
    });

    it("drops keys whose expire has passed (a master loading an RDB does)", async () => {
      const dir = tempDir();
      const database: RdbDatabase = {
        db: 0,
        size: 2,
        expires: 1,
        forEach: (visit) => {
          visit("stale", binary("old"), 1000);
          visit("fresh", binary("new"), -1);
        },
      };
      writeFileSync(join(dir, "ours.rdb"), writeRdb({ aux: aux(null), databases: [database] }));
      const server = await startServer(dir, "ours.rdb");
      expect(int(await server.client.ok("DBSIZE"))).toBe(1);
      expect(latin1(bulk(await server.client.ok("GET", "fresh"))!)).toBe("new");
      await stopServer(server);
    });

    it("refuses a file whose checksum we corrupted (so the good ones really were checked)", async () => {
      const dir = tempDir();
      const rdb = writeRdb({ aux: aux(null), databases: keyspace() });
      rdb[rdb.length - 1] = rdb[rdb.length - 1]! ^ 0x01;
      writeFileSync(join(dir, "ours.rdb"), rdb);
      const failure = await startServer(dir, "ours.rdb").then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ServerExited);
      expect((failure as ServerExited).log).toContain("Wrong RDB checksum");
    });
  });
});
