/**
 * RESP3 (HELLO 3), lab vs live redis-server 7.0.15: each command's reply bytes must be the real
 * server's exactly: nulls as `_`, HGETALL and CONFIG GET as maps, SMEMBERS and SPOP's sets, scores
 * as doubles and WITHSCORES / WITHVALUES as pairs, ZPOPMIN's nesting only with a count; HELLO 2
 * goes back to RESP2; DEBUG PROTOCOL's every type (bignum, bool, verbatim, attribute, push) in both. The replies are framed here by type byte alone, so no RESP2 parser guesses.
 */
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8 } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";

const COMMANDS: readonly (readonly string[])[] = [
  ["HELLO", "3", "SETNAME", "x"],
  ["GET", "missing"],
  ["LPOP", "missing"],
  ["LPOP", "missing", "1"],
  ["RPUSH", "l", "a", "b"],
  ["LPOS", "l", "zz"],
  ["HSET", "h", "f", "v", "g", "w"],
  ["HGETALL", "h"],
  ["HGETALL", "missing"],
  ["HKEYS", "h"],
  ["HMGET", "h", "f", "nope"],
  ["HRANDFIELD", "h", "5", "WITHVALUES"],
  ["SADD", "s", "3", "1", "2"],
  ["SMEMBERS", "s"],
  ["SMEMBERS", "missing"],
  ["SUNION", "s", "missing"],
  ["SINTER", "s", "missing"],
  ["SRANDMEMBER", "s", "5"],
  ["SPOP", "missing", "2"],
  ["ZADD", "z", "1", "a", "2.5", "b", "3", "c"],
  ["ZSCORE", "z", "b"],
  ["ZSCORE", "z", "nope"],
  ["ZMSCORE", "z", "a", "nope"],
  ["ZINCRBY", "z", "1", "a"],
  ["ZADD", "z", "INCR", "1", "c"],
  ["ZADD", "z", "NX", "INCR", "1", "c"],
  ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["ZRANGE", "z", "0", "-1"],
  ["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"],
  ["ZUNION", "2", "z", "missing", "WITHSCORES"],
  ["ZRANDMEMBER", "z", "5", "WITHSCORES"],
  ["ZPOPMIN", "z"],
  ["ZPOPMAX", "z", "1"],
  ["ZPOPMIN", "missing", "2"],
  ["ZMPOP", "1", "z", "MIN", "COUNT", "5"],
  ["ZMPOP", "1", "z", "MIN"],
  ["ZADD", "inf", "inf", "m", "-inf", "n"],
  ["ZRANGE", "inf", "0", "-1", "WITHSCORES"],
  ["BLPOP", "missing", "0.01"],
  ["CONFIG", "GET", "maxmemory-policy"],
  ...["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "true", "false", "verbatim"].map((type) => ["DEBUG", "PROTOCOL", type]),
  ["MULTI"],
  ["GET", "missing"],
  ["EXEC"],
  ["HELLO", "2"],
  ["GET", "missing"],
  ["HGETALL", "h"],
  ["ZRANGE", "inf", "0", "-1", "WITHSCORES"],
  ["HELLO", "4"],
  ...["double", "bignum", "set", "map", "attrib", "push", "true", "verbatim"].map((type) => ["DEBUG", "PROTOCOL", type]),
];

/** Length of the first complete RESP2/RESP3 reply in `buf`, or 0 when it is not all there yet. */
function frame(buf: Uint8Array, at = 0): number {
  if (at >= buf.length) return 0;
  let eol = at;
  while (eol + 1 < buf.length && !(buf[eol] === 13 && buf[eol + 1] === 10)) eol++;
  if (eol + 1 >= buf.length) return 0;
  const type = String.fromCharCode(buf[at]!);
  const head = new TextDecoder().decode(buf.subarray(at + 1, eol));
  const after = eol + 2;
  switch (type) {
    case "$":
    case "=":
    case "!": {
      const n = Number(head);
      if (n < 0) return after - at;
      return after + n + 2 <= buf.length ? after + n + 2 - at : 0;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      const n = Number(head);
      let p = after;
      // An attribute and a push message are each followed by the reply they come with: one frame.
      const items = (n < 0 ? 0 : type === "%" || type === "|" ? n * 2 : n) + (type === "|" || type === ">" ? 1 : 0);
      for (let i = 0; i < items; i++) {
        const len = frame(buf, p);
        if (len === 0) return 0;
        p += len;
      }
      return p - at;
    }
    default:
      return after - at;
  }
}

/** Replies as text, with HELLO's per-connection id blanked. */
function split(buf: Uint8Array): string[] {
  const out: string[] = [];
  for (let p = 0; p < buf.length; ) {
    const len = frame(buf, p);
    if (len === 0) throw new Error("incomplete reply");
    out.push(new TextDecoder("latin1").decode(buf.subarray(p, p + len)).replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:N\r\n"));
    p += len;
  }
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

async function runReal(): Promise<string[]> {
  const server = await LiveRedis.start({ "enable-debug-command": "yes" });
  try {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(server.port, "127.0.0.1", resolve);
    });
    const chunks: Uint8Array[] = [];
    socket.on("data", (data: Uint8Array) => chunks.push(new Uint8Array(data)));
    for (const argv of COMMANDS) {
      const before = split(concat(chunks)).length;
      socket.write(encodeCommand(argv.map(utf8)));
      for (let i = 0; i < 400; i++) {
        const buf = concat(chunks);
        if (frame(buf) !== 0 && (() => { try { return split(buf).length > before; } catch { return false; } })()) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    socket.destroy();
    return split(concat(chunks));
  } finally {
    await server.stop();
  }
}

function runLab(): string[] {
  const lab = new Lab({ seed: "resp3" });
  const node = lab.addNode({ config: { save: "", "enable-debug-command": "yes" } }).id;
  const chunks: Uint8Array[] = [];
  const conn = lab.openConnection(node, "127.0.0.1:41003", { onData: (bytes) => chunks.push(bytes.slice()), onClose: () => {} });
  lab.runCurrent();
  for (const argv of COMMANDS) {
    const before = split(concat(chunks)).length;
    conn.send(encodeCommand(argv.map(utf8)));
    const deadline = lab.nextEventMs() + 10_000;
    while (split(concat(chunks)).length === before && lab.nextEventMs() <= deadline) lab.runUntil(lab.nextEventMs());
  }
  return split(concat(chunks));
}

describe.skipIf(!liveRedisAvailable())("RESP3: lab vs live redis-server 7.0.15", () => {
  it("every reply's bytes, in RESP3 after HELLO 3 and back in RESP2 after HELLO 2", { timeout: 30_000 }, async () => {
    const real = await runReal();
    expect(real.length).toBe(COMMANDS.length);
    // SRANDMEMBER / HRANDFIELD / ZRANDMEMBER with a count covering the whole key order members by
    // the server's hash table; compare those as sorted sets of elements.
    const lab = runLab();
    const normalise = (replies: string[]): string[] =>
      replies.map((reply, i) => (["SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER", "SMEMBERS", "SUNION"].includes(COMMANDS[i]![0]!) ? reply.split("\r\n").sort().join("\r\n") : reply));
    expect(normalise(lab)).toEqual(normalise(real));
  });
});
