/**
 * A pipelined `ZADD key score member` that changes nothing is answered on a fast path (no argv, no
 * dispatch); with the requests around it that stand aside (other score spellings, a TTL, another
 * type, MULTI, WATCH, a conversion to skiplist, another db, wrong arity) it must leave what the full
 * path leaves. Expected values come from a live redis-server 7.0.15 given the same requests one by
 * one: every reply, `cmdstat_zadd` (but usec), errorstats and DEBUG DIGEST.
 */
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8, type Reply } from "../src/index.ts";
import { LiveRedis, labReplyConnection, liveRedisAvailable } from "./live-redis.ts";

const REQUESTS: readonly (readonly string[])[] = [
  ["ZADD", "z", "0", "a"], ["ZADD", "z", "0", "a"], ["zadd", "z", "-0", "a"], ["ZaDd", "z", "00", "a"],
  ["ZADD", "z", "5", "a"], ["ZADD", "z", "5", "a"], ["ZADD", "z", "-7", "b"], ["ZADD", "z", "-7", "b"], ["ZADD", "z", "-07", "b"],
  ["ZADD", "z", "123456789012345", "c"], ["ZADD", "z", "123456789012345", "c"], ["ZADD", "z", "1234567890123456", "c"], ["ZADD", "z", "1234567890123456", "c"],
  ["ZADD", "z", "5.0", "a"], ["ZADD", "z", "+5", "a"], ["ZADD", "z", "5 ", "a"], ["ZADD", "z", "", "a"], ["ZADD", "z", "-", "a"], ["ZADD", "z", "nx", "a"],
  ["SET", "s", "x"], ["ZADD", "s", "0", "a"], ["ZADD", "t", "0", "a"], ["EXPIRE", "t", "1000"], ["ZADD", "t", "0", "a"], ["TTL", "t"],
  ["MULTI"], ["ZADD", "z", "5", "a"], ["EXEC"],
  ["WATCH", "z"], ["ZADD", "z", "5", "a"], ["MULTI"], ["PING"], ["EXEC"],
  ["WATCH", "z"], ["ZADD", "z", "6", "a"], ["MULTI"], ["PING"], ["EXEC"],
  ["CONFIG", "SET", "zset-max-listpack-entries", "3"], ["ZADD", "z", "6", "a"], ["OBJECT", "ENCODING", "z"], ["ZADD", "z", "9", "d"], ["OBJECT", "ENCODING", "z"],
  ["ZADD", "z", "9", "d"], ["ZADD", "z", "-0", "e"], ["ZADD", "z", "0", "e"], ["ZSCORE", "z", "e"],
  ["SELECT", "3"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "1", "a"], ["SELECT", "0"],
  ["ZADD", "z"], ["ZADD", "z", "1", "a", "2"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["DEBUG", "DIGEST"], ["INFO", "commandstats"], ["INFO", "errorstats"],
];

/** A reply as text; INFO keeps its zadd and errorstat lines, without the timings. */
function shown(request: readonly string[], reply: Reply): string {
  const text = JSON.stringify(reply, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : value));
  if (request[0] !== "INFO" || reply.kind !== "bulk" || reply.value === null) return text;
  const lines = Buffer.from(reply.value).toString("latin1").split("\r\n");
  return lines.filter((line) => /^cmdstat_zadd:|^errorstat_/.test(line)).map((line) => line.replace(/usec=\d+,usec_per_call=[\d.]+,/, "")).join("\n");
}

describe.skipIf(!liveRedisAvailable())("ZADD that changes nothing, pipelined: as a live redis-server 7.0.15", () => {
  it("the same replies, commandstats, errorstats and digest", { timeout: 60_000 }, async () => {
    const real = await LiveRedis.start({ "enable-debug-command": "yes" });
    try {
      const expected: string[] = [];
      for (const request of REQUESTS) expected.push(shown(request, await real.client.command(...request)));
      const lab = new Lab({ seed: "zadd-unchanged" });
      const node = lab.addNode({ config: { save: "", "enable-debug-command": "yes" } }).id;
      const { connection, replies } = labReplyConnection(lab, node, "127.0.0.1:40001");
      lab.runCurrent();
      const parts = REQUESTS.map((request) => encodeCommand(request.map(utf8)));
      const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
      parts.reduce((at, part) => (bytes.set(part, at), at + part.length), 0);
      connection.send(bytes);
      while (replies.length < REQUESTS.length) lab.runUntil(lab.nextEventMs());
      expect(REQUESTS.map((request, i) => shown(request, replies[i]!))).toEqual(expected);
    } finally {
      await real.stop();
    }
  });
});
