/**
 * Scripting (EVAL, SCRIPT, FUNCTION, FCALL) against redis-server 7.0.15:
 *
 * - recorded (no binary needed): every request of scripting-cases.ts answers byte for byte what the
 *   real server answered (fixtures/scripting-7.0.15.json, record-scripting.ts); a runaway script is
 *   stopped by the lab's instruction budget within bounded time and the node keeps serving; a lab
 *   replica gets its master's function libraries with the full sync.
 * - live (redis-server 7.0 must be installed, as in CI; fails otherwise): the live server still
 *   answers as recorded; a replica's stream (raw PSYNC) after scripts and functions is the same bytes
 *   from a lab master as from a real one (a script's writes as its effects, two or more in
 *   MULTI/EXEC, FUNCTION LOAD as itself); function libraries cross RDB files both ways.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lab, RedisNode, encodeCommand, utf8, type NodeId, type Reply } from "../src/index.ts";
import { buildRdb } from "../src/redis/persistence.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";
import { labReplies, liveReplies, SCRIPTING_CASES, type ScriptingFixture } from "./scripting-cases.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/scripting-7.0.15.json", import.meta.url), "utf8")) as ScriptingFixture;

const LIBRARY = "#!lua name=rdblib\nredis.register_function{function_name='hello', callback=function(keys, args) return 'hello ' .. args[1] end, flags={'no-writes'}}\n";

function requireLive(): void {
  if (!liveRedisAvailable()) throw new Error("redis-server 7.0 must be installed for the live part (CI installs it: apt-get install redis-server)");
}

function redisNode(lab: Lab, id: NodeId): RedisNode {
  const process = lab.process(id);
  if (!(process instanceof RedisNode)) throw new Error("not a redis 7.0 node");
  return process;
}

function text(reply: Reply): unknown {
  if (reply.kind === "bulk") return reply.value === null ? null : String.fromCharCode(...reply.value);
  if (reply.kind === "array") return reply.items === null ? null : reply.items.map(text);
  return reply;
}

describe("scripting: recorded from redis-server 7.0.15", () => {
  it("the fixture holds every case", () => {
    expect(fixture.recordedWith).toBe("redis-server 7.0.15");
    expect(fixture.replies.map((r) => r.argv)).toEqual(SCRIPTING_CASES);
  });

  it("a lab node answers every case byte for byte", () => {
    const lab = labReplies();
    const differences = fixture.replies.flatMap((r, i) => (lab[i] === r.reply ? [] : [{ argv: r.argv, real: r.reply, lab: lab[i] }]));
    expect(differences).toEqual([]);
  });

  it("a runaway script is stopped by the instruction budget; pcall cannot catch it; the node keeps serving", { timeout: 60_000 }, () => {
    const lab = new Lab({ seed: "runaway" });
    const id = lab.addNode({ config: { save: "" } }).id;
    for (const script of ["while true do end", "while true do pcall(function() while true do end end) end"]) {
      const started = performance.now();
      const reply = lab.command(id, "EVAL", script, "0");
      // About a second of fengari on an idle core; generous for a loaded 2-core CI machine.
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(reply.kind).toBe("error");
      expect(reply.kind === "error" && reply.message).toMatch(/^ERR Script exceeded the lab's instruction budget/);
      expect(lab.command(id, "SET", "after", "1")).toEqual({ kind: "simple", value: "OK" });
    }
    const load = lab.command(id, "FUNCTION", "LOAD", "#!lua name=spin\nwhile true do end\n");
    expect(load).toEqual({ kind: "error", message: "ERR Error registering functions: ERR FUNCTION LOAD timeout" });
    expect(lab.command(id, "EVAL", "return redis.call('get', 'after')", "0")).toEqual({ kind: "bulk", value: utf8("1") });
  });

  it("a lab replica gets its master's libraries with the full sync, and FUNCTION LOAD/DELETE through the stream", () => {
    const lab = new Lab({ seed: "functions-sync" });
    const master = lab.addNode({ config: { save: "" } }).id;
    const replica = lab.addNode({ config: { save: "" } }).id;
    expect(lab.command(master, "FUNCTION", "LOAD", LIBRARY)).toEqual({ kind: "bulk", value: utf8("rdblib") });
    lab.replicaOf(replica, master);
    lab.runUntil(lab.nextEventMs() + 10_000);
    expect(text(lab.command(replica, "FCALL_RO", "hello", "0", "replica"))).toBe("hello replica");
    lab.command(master, "FUNCTION", "LOAD", "#!lua name=second\nredis.register_function{function_name='two', callback=function() return 2 end, flags={'no-writes'}}");
    lab.command(master, "FUNCTION", "DELETE", "rdblib");
    lab.runUntil(lab.nextEventMs() + 1_000);
    expect(lab.command(replica, "FCALL", "two", "0")).toEqual({ kind: "integer", value: 2 });
    expect(lab.command(replica, "FCALL_RO", "hello", "0", "x")).toEqual({ kind: "error", message: "ERR Function not found" });
    // A script that may write is refused on a read-only replica before it runs (scriptPrepareForRun).
    expect(lab.command(replica, "EVAL", "#!lua\nreturn 1", "0")).toEqual({ kind: "error", message: "READONLY Can not run script with write flag on readonly replica" });
  });
});

/** What a master sends a replica after PSYNC: +FULLRESYNC, the RDB, then the stream. */
class ReplicaStream {
  private bytes = "";

  push(chunk: Uint8Array): void {
    this.bytes += String.fromCharCode(...chunk);
  }

  /** The stream after the RDB payload, or null while the RDB has not fully arrived. */
  afterRdb(): string | null {
    const full = this.bytes.indexOf("+FULLRESYNC");
    if (full < 0) return null;
    const header = this.bytes.indexOf("$", full);
    const eol = header < 0 ? -1 : this.bytes.indexOf("\r\n", header);
    if (eol < 0) return null;
    const length = Number(this.bytes.slice(header + 1, eol));
    if (!Number.isFinite(length)) throw new Error("diskless EOF-marked payloads are not expected here");
    const end = eol + 2 + length;
    return this.bytes.length >= end ? this.bytes.slice(end) : null;
  }
}

const HANDSHAKE = [["PING"], ["REPLCONF", "listening-port", "6399"], ["REPLCONF", "capa", "eof", "capa", "psync2"], ["PSYNC", "?", "-1"]];

/** Scripts and functions whose effects reach the stream (and some that send nothing). */
const STREAM_COMMANDS: readonly (readonly string[])[] = [
  ["SET", "before", "1"],
  ["EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "one", "write"],
  ["EVAL", "redis.call('set', 'a', '1'); redis.call('incr', 'a'); return redis.call('get', 'a')", "0"],
  ["EVAL", "return redis.call('get', 'a')", "0"],
  ["EVAL", "redis.call('set', 'partial', '1'); return redis.call('incr', 'missing', 'extra')", "0"],
  ["EVAL", "redis.call('select', '3'); redis.call('set', 'in3', 'x'); redis.call('lpush', 'l3', 'y'); return 1", "0"],
  ["SET", "db0", "again"],
  ["SCRIPT", "LOAD", "return redis.call('del', 'a')"],
  ["EVALSHA", "23e9b53a17e0de375fe9ac52973d74a9231496c2", "0"],
  ["FUNCTION", "LOAD", "#!lua name=streamlib\nredis.register_function('bump', function(keys, args) redis.call('incrby', keys[1], args[1]); return redis.call('incrby', keys[1], args[1]) end)"],
  ["FCALL", "bump", "1", "counter", "5"],
  ["FCALL", "bump", "1", "counter", "x"],
  ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'counter')", "0"],
  ["FUNCTION", "DELETE", "streamlib"],
  ["FUNCTION", "FLUSH"],
  ["SET", "after", "1"],
];

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("scripting: live redis-server 7.0.15", () => {
  it("the live server still answers every case as recorded", { timeout: 60_000 }, async () => {
    requireLive();
    const real = await LiveRedis.start();
    try {
      const replies = await liveReplies(real.port);
      expect(replies).toEqual(fixture.replies.map((r) => r.reply));
    } finally {
      await real.stop();
    }
  });

  it("a replica's stream after scripts and functions: the same bytes from a lab master as from a real one", { timeout: 60_000 }, async () => {
    requireLive();
    const real = await LiveRedis.start({ "repl-diskless-sync": "no", "repl-ping-replica-period": "3600" });
    try {
      const realStream = new ReplicaStream();
      const socket = new Socket();
      await new Promise<void>((resolve, reject) => socket.connect(real.port, "127.0.0.1", resolve).once("error", reject));
      socket.on("data", (chunk: Uint8Array) => realStream.push(new Uint8Array(chunk)));
      for (const argv of HANDSHAKE) {
        socket.write(encodeCommand(argv.map(utf8)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await waitFor(() => realStream.afterRdb() !== null, "the real master's RDB");
      for (const argv of STREAM_COMMANDS) await real.client.command(...argv);
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.destroy();

      const lab = new Lab({ seed: "scripting-stream" });
      const master = lab.addNode({ config: { save: "", "repl-ping-replica-period": "3600", "repl-diskless-sync": "no" } }).id;
      lab.runUntil(2_000);
      const labStream = new ReplicaStream();
      const link = lab.openConnection(master, "127.0.0.1:40200", { onData: (b) => labStream.push(b), onClose: () => undefined });
      for (const argv of HANDSHAKE) {
        link.send(encodeCommand(argv.map(utf8)));
        lab.runUntil(lab.nextEventMs() + 100);
      }
      lab.runUntil(lab.nextEventMs() + 5_000);
      expect(labStream.afterRdb()).not.toBeNull();
      for (const argv of STREAM_COMMANDS) lab.command(master, ...argv);
      lab.runUntil(lab.nextEventMs() + 100);

      const realBytes = realStream.afterRdb()!;
      expect(realBytes).toContain("MULTI");
      expect(labStream.afterRdb()).toBe(realBytes);
    } finally {
      await real.stop();
    }
  });

  it("function libraries cross RDB files both ways (lab writes, real loads; real saves, lab loads)", { timeout: 60_000 }, async () => {
    requireLive();
    const lab = new Lab({ seed: "functions-rdb" });
    const id = lab.addNode({ config: { save: "" } }).id;
    lab.command(id, "FUNCTION", "LOAD", LIBRARY);
    lab.command(id, "SET", "key", "value");
    const real = await LiveRedis.start({ dbfilename: "lab.rdb", "enable-debug-command": "yes" });
    try {
      writeFileSync(join(real.dir, "lab.rdb"), buildRdb(redisNode(lab, id)));
      expect(await real.client.command("DEBUG", "RELOAD", "NOSAVE")).toEqual({ kind: "simple", value: "OK" });
      expect(text(await real.client.command("FCALL_RO", "hello", "0", "real"))).toBe("hello real");
      expect(text(await real.client.command("FUNCTION", "LIST", "WITHCODE"))).toEqual(text(lab.command(id, "FUNCTION", "LIST", "WITHCODE")));
      expect(text(await real.client.command("GET", "key"))).toBe("value");

      await real.client.command("FUNCTION", "LOAD", "#!lua name=fromreal\nredis.register_function('fr', function(keys, args) return redis.call('get', keys[1]) end)");
      await real.client.command("SET", "rk", "rv");
      await real.client.command("SAVE");
      const other = new Lab({ seed: "functions-rdb-load" });
      const loaded = other.addNode({ config: { save: "" } }).id;
      other.writeFile(loaded, "dump.rdb", new Uint8Array(readFileSync(join(real.dir, "lab.rdb"))));
      other.restart(loaded);
      other.runUntil(other.nextEventMs());
      expect(text(other.command(loaded, "FCALL", "fr", "1", "rk"))).toBe("rv");
      expect(text(other.command(loaded, "FCALL_RO", "hello", "0", "lab"))).toBe("hello lab");
      const listed = other.command(loaded, "FUNCTION", "STATS");
      expect(text(listed)).toEqual(text(await real.client.command("FUNCTION", "STATS")));

      // FUNCTION DUMP / RESTORE across: the same payload bytes, each side restores the other's.
      const realDump = await real.client.command("FUNCTION", "DUMP");
      const labDump = other.command(loaded, "FUNCTION", "DUMP");
      expect(realDump.kind === "bulk" && realDump.value !== null).toBe(true);
      if (realDump.kind !== "bulk" || realDump.value === null || labDump.kind !== "bulk" || labDump.value === null) return;
      const fresh = other.addNode({ config: { save: "" } }).id;
      expect(other.command(fresh, "FUNCTION", "RESTORE", realDump.value)).toEqual({ kind: "simple", value: "OK" });
      expect(text(other.command(fresh, "FCALL", "fr", "1", "rk"))).toBeNull();
      expect(other.command(fresh, "FUNCTION", "RESTORE", realDump.value)).toEqual({ kind: "error", message: expect.stringMatching(/^ERR Library \w+ already exists$/) });
      // Raw bytes both ways (the payload is binary): one request on its own connection.
      expect(await liveReplies(real.port, [["FUNCTION", "RESTORE", String.fromCharCode(...labDump.value), "REPLACE"]])).toEqual(["+OK\r\n"]);
      expect(await liveReplies(real.port, [["FUNCTION", "RESTORE", String.fromCharCode(...labDump.value)]])).toEqual([expect.stringMatching(/^-ERR Library \w+ already exists\r\n$/)]);
    } finally {
      await real.stop();
    }
  });
});
