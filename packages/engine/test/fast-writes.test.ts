/**
 * LPUSH, RPUSH, HSET and ZADD run on fast paths (redis/commands/fast-writes.ts) when a client pipelines
 * them, on the master and on its replicas; lists are packed in chunks (redis/store/list.ts). Against
 * a live redis-server 7.0.15 (the live part skips where the binary is absent): the same pipelines,
 * long enough to fill many chunks, with reads, edits and the cases the fast paths leave to the full
 * path in between, must get identical replies, the same INFO commandstats calls and the same DEBUG
 * DIGEST, and a lab replica of the lab master must hold the same data (its DEBUG DIGEST).
 */
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8, type Reply } from "../src/index.ts";
import { concatBytes } from "../src/util/bytes.ts";
import { LiveRedis, labReplyConnection, liveRedisAvailable } from "./live-redis.ts";

function text(reply: Reply): string {
  return JSON.stringify(reply, (_, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : value));
}

/** The commands, in pipelines: long lists, a hash and sorted sets, with everything around them. */
function script(): string[][][] {
  const pipelines: string[][][] = [];
  let batch: string[][] = [];
  const flush = (): void => {
    pipelines.push(batch);
    batch = [];
  };
  for (let i = 0; i < 6000; i++) {
    const long = i % 97 === 0 ? "y".repeat(300 + (i % 7)) : `e${i}`;
    if (i % 3 === 0) batch.push(["LPUSH", "big", long]);
    else if (i % 3 === 1) batch.push([i % 2 === 0 ? "rpush" : "RPush", "big", long, `t${i}`]);
    else batch.push(["HSET", "h", `f${i % 40}`, i % 5 === 0 ? "same" : `v${i}`]);
    if (i % 500 === 499) {
      batch.push(["LLEN", "big"], ["LINDEX", "big", String(i)], ["LINDEX", "big", "-3"], ["LRANGE", "big", String(i - 200), String(i + 200)]);
      flush();
    }
  }
  batch.push(["SET", "str", "x"], ["LPUSH", "str", "a"], ["HSET", "str", "f", "v"], ["HSET", "h", "odd"], ["LPUSH", "big"]);
  batch.push(["RPUSH", "big", "z".repeat(20_000)], ["LSET", "big", "1500", "set"], ["LINSERT", "big", "BEFORE", "e3000", "ins"], ["LPOS", "big", "t3001", "RANK", "-1"]);
  batch.push(["LPOP", "big", "700"], ["RPOP", "big", "3"], ["LTRIM", "big", "10", "-10"], ["LREM", "big", "-5", "same"], ["LRANGE", "big", "0", "-1"]);
  batch.push(["OBJECT", "ENCODING", "big"], ["OBJECT", "ENCODING", "h"], ["HGETALL", "h"], ["DEBUG", "DIGEST"]);
  // A new list and hash from the fast paths, converted by a long field later; the same value
  // again once the threshold is lowered converts the hash as redis does.
  batch.push(["RPUSH", "fresh", "a", "b", "c"], ["HSET", "small", "f", "abcdefgh"], ["CONFIG", "SET", "hash-max-listpack-value", "4"], ["HSET", "small", "f", "abcdefgh"]);
  batch.push(["OBJECT", "ENCODING", "small"], ["CONFIG", "SET", "hash-max-listpack-value", "64"], ["HSET", "h", "long", "q".repeat(65)], ["OBJECT", "ENCODING", "h"], ["LRANGE", "fresh", "0", "-1"]);
  // Inside MULTI, and with a TTL in the db: the full path.
  batch.push(["MULTI"], ["LPUSH", "big", "m"], ["HSET", "h", "m", "1"], ["EXEC"], ["EXPIRE", "fresh", "1000"], ["RPUSH", "big", "after-ttl"], ["HSET", "h", "ttl", "1"]);
  batch.push(["LRANGE", "big", "-5", "-1"], ["DEBUG", "DIGEST"]);
  flush();
  // ZADD: new keys, updates, no-ops, several pairs (a member twice), -0, members too long for a
  // listpack and sets too big for one at lowered thresholds; then what the fast path leaves alone.
  // The TTL above keeps every fast path aside while it lasts.
  batch.push(["DEL", "fresh"], ["CONFIG", "SET", "zset-max-listpack-entries", "20"], ["CONFIG", "SET", "zset-max-listpack-value", "12"]);
  for (let i = 0; i < 600; i++) {
    const key = `z${i % 7}`;
    const member = i % 53 === 0 ? `long-member-${i}` : `m${(i * 7) % 31}`;
    const score = String(((i * 13) % 17) - 8);
    if (i % 5 === 0) batch.push(["ZADD", key, score, member, i % 10 === 0 ? "-0" : "3", `m${i % 4}`, "4", `m${i % 4}`]);
    else batch.push([i % 2 === 0 ? "zadd" : "ZADD", key, score, member]);
    if (i % 100 === 99) batch.push(["OBJECT", "ENCODING", key], ["ZRANGE", key, "0", "-1", "WITHSCORES"]);
  }
  batch.push(["ZADD", "z0", "1", "m1", "x", "m2"], ["ZADD", "z0", "XX", "1", "m1"], ["ZADD", "z0", "1.5", "m1"], ["ZADD", "str", "1", "m"], ["ZADD", "z1"], ["DEBUG", "DIGEST"]);
  flush();
  return pipelines;
}

/** `cmdstat_<name>:calls=N` for the fast commands. */
function callCounts(info: Reply): string {
  const body = info.kind === "bulk" && info.value !== null ? Buffer.from(info.value).toString("latin1") : "";
  return ["lpush", "rpush", "hset", "zadd"].map((name) => new RegExp(`^cmdstat_${name}:calls=\\d+`, "m").exec(body)?.[0] ?? `${name}: none`).join(" ");
}

describe.skipIf(!liveRedisAvailable())("fast LPUSH/RPUSH/HSET/ZADD: lab vs live redis-server 7.0.15", () => {
  it("pipelines get the same replies, commandstats and digest, and a lab replica the same data", { timeout: 120_000 }, async () => {
    const real = await LiveRedis.start({ "enable-debug-command": "yes" });
    try {
      const lab = new Lab({ seed: "fast-writes", epochMs: Date.now() });
      const config = { save: "", "enable-debug-command": "yes", "repl-diskless-sync-delay": "0" };
      const master = lab.addNode({ config }).id;
      const replica = lab.addNode({ config }).id;
      lab.replicaOf(replica, master);
      lab.runUntilIdle();
      const { connection, replies } = labReplyConnection(lab, master, "127.0.0.1:40020");
      lab.runCurrent();
      for (const [n, pipeline] of script().entries()) {
        const realReplies = await Promise.all(pipeline.map((argv) => real.client.command(...argv)));
        connection.send(concatBytes(pipeline.map((argv) => encodeCommand(argv.map(utf8)))));
        lab.runUntilIdle();
        const labReplies = replies.splice(0, replies.length);
        expect(labReplies.length, `pipeline ${n}`).toBe(pipeline.length);
        for (const [i, argv] of pipeline.entries()) expect(text(labReplies[i]!), `pipeline ${n}: ${argv.join(" ").slice(0, 80)}`).toBe(text(realReplies[i]!));
      }
      expect(callCounts(lab.command(master, "INFO", "commandstats"))).toBe(callCounts(await real.client.command("INFO", "commandstats")));
      const digest = text(await real.client.command("DEBUG", "DIGEST"));
      expect(text(lab.command(master, "DEBUG", "DIGEST"))).toBe(digest);
      expect(text(lab.command(replica, "DEBUG", "DIGEST"))).toBe(digest);
      const offset = (id: typeof master): number => {
        const snapshot = lab.nodeSnapshot(id);
        return snapshot.protocol === "redis-psync2" ? snapshot.masterReplOffset : -1;
      };
      expect(offset(replica)).toBeGreaterThan(0);
      expect(offset(replica)).toBe(offset(master));
    } finally {
      await real.stop();
    }
  });
});
