/**
 * Two clients on one node, lab vs live redis-server 7.0.15 (the live part skips where the binary
 * is absent): blocking pops served by another client's push (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
 * BLMPOP, BZPOPMIN, BZMPOP), waiters served in the order they blocked, timeouts, WATCH made dirty
 * by another client, MULTI refusals (SAVE, SHUTDOWN), REPLICAOF queued, EXEC refused at EXEC time
 * (EXECABORT ends the transaction), DEBUG SLEEP holding the other client and inside EXEC, SWAPDB
 * with watchers and waiters, FUNCTION FLUSH/LIST, INFO's blocked-client counts. Every reply must be
 * the real server's, in the same order.
 */
import { describe, expect, it } from "vitest";
import { Lab, ReplyParser, encodeCommand, utf8, type Reply } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable, RespClient } from "./live-redis.ts";

/** A step: who sends what, and whether to wait for the reply before the next step. */
interface Step {
  readonly by: "a" | "b";
  readonly argv: readonly string[];
  /** The reply comes later (a blocking command): go on without it. */
  readonly later?: boolean;
  /** The command stays blocked to the end: its reply is never awaited. */
  readonly forever?: boolean;
  /** An INFO reply: compare only these fields (the rest differ by build and buffers). */
  readonly fields?: readonly string[];
  /** An INFO commandstats / errorstats reply: compare its lines sorted, without the usec figures. */
  readonly stats?: boolean;
}

const BLOCKED_FIELDS = ["blocked_clients", "clients_in_timeout_table"] as const;

const SCENARIOS: Record<string, readonly Step[]> = {
  "BLPOP served by another client's RPUSH": [
    { by: "a", argv: ["BLPOP", "q", "other", "0"], later: true },
    { by: "b", argv: ["RPUSH", "q", "x", "y"] },
    { by: "b", argv: ["LRANGE", "q", "0", "-1"] },
  ],
  "two waiters are served in the order they blocked, one element each": [
    { by: "a", argv: ["BRPOP", "q", "0"], later: true },
    { by: "b", argv: ["PING"] },
    { by: "b", argv: ["LPUSH", "q", "1", "2", "3"] },
    { by: "b", argv: ["LRANGE", "q", "0", "-1"] },
  ],
  "BLMOVE and BRPOPLPUSH served, the element moved": [
    { by: "a", argv: ["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"], later: true },
    { by: "b", argv: ["RPUSH", "src", "a", "b"] },
    { by: "b", argv: ["LRANGE", "dst", "0", "-1"] },
    { by: "a", argv: ["BRPOPLPUSH", "empty", "dst", "0"], later: true },
    { by: "b", argv: ["LPUSH", "empty", "z"] },
    { by: "b", argv: ["LRANGE", "dst", "0", "-1"] },
  ],
  "BLMPOP with COUNT and BZPOPMIN / BZMPOP served": [
    { by: "a", argv: ["BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "2"], later: true },
    { by: "b", argv: ["RPUSH", "l2", "x", "y", "z"] },
    { by: "a", argv: ["BZPOPMIN", "z1", "0"], later: true },
    { by: "b", argv: ["ZADD", "z1", "2", "b", "1", "a"] },
    { by: "a", argv: ["BZMPOP", "0", "1", "z2", "MAX", "COUNT", "5"], later: true },
    { by: "b", argv: ["ZADD", "z2", "1.5", "m", "2.5", "n"] },
    { by: "b", argv: ["ZRANGE", "z1", "0", "-1", "WITHSCORES"] },
  ],
  "a timeout answers a null array; a wrong type unblocks with WRONGTYPE": [
    { by: "a", argv: ["BLPOP", "never", "0.05"], later: true },
    { by: "b", argv: ["DEBUG", "SLEEP", "0.1"] },
    { by: "a", argv: ["BLMOVE", "s", "t", "LEFT", "LEFT", "0"], later: true },
    { by: "b", argv: ["SET", "t", "string"] },
    { by: "b", argv: ["RPUSH", "s", "e"] },
    { by: "b", argv: ["LRANGE", "s", "0", "-1"] },
  ],
  "WATCH made dirty by another client; UNWATCH; a transaction that goes through": [
    { by: "a", argv: ["WATCH", "k"] },
    { by: "b", argv: ["SET", "k", "1"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["INCR", "k"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["WATCH", "k"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["INCR", "k"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["WATCH", "h"] },
    { by: "b", argv: ["HSET", "h", "f", "v"] },
    { by: "a", argv: ["UNWATCH"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["HGET", "h", "f"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["WATCH", "l"] },
    { by: "b", argv: ["FLUSHALL"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["EXEC"] },
  ],
  "MULTI refuses SAVE and SHUTDOWN, queues REPLICAOF; EXEC refused at EXEC time ends the transaction": [
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["SAVE"] },
    { by: "a", argv: ["SHUTDOWN", "NOSAVE"] },
    { by: "a", argv: ["SET", "x", "1"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["GET", "x"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["REPLICAOF", "NO", "ONE"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["SET", "y", "1"] },
    { by: "b", argv: ["CONFIG", "SET", "min-replicas-to-write", "1"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["EXEC"] },
    { by: "b", argv: ["CONFIG", "SET", "min-replicas-to-write", "0"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["EXEC", "extra"] },
    { by: "a", argv: ["DISCARD"] },
    { by: "a", argv: ["GET", "y"] },
  ],
  "SWAPDB dooms watchers of either db and serves a waiter whose key arrives": [
    { by: "a", argv: ["WATCH", "k"] },
    { by: "b", argv: ["SELECT", "1"] },
    { by: "b", argv: ["SET", "k", "v"] },
    { by: "b", argv: ["SWAPDB", "0", "1"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["GET", "k"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["GET", "k"] },
    { by: "a", argv: ["BLPOP", "q", "0"], later: true },
    { by: "b", argv: ["RPUSH", "q", "x", "y"] },
    { by: "b", argv: ["SWAPDB", "1", "0"] },
    { by: "b", argv: ["LRANGE", "q", "0", "-1"] },
    { by: "a", argv: ["LRANGE", "q", "0", "-1"] },
    { by: "b", argv: ["SWAPDB", "0", "16"] },
    { by: "b", argv: ["SWAPDB", "x", "1"] },
    { by: "b", argv: ["SWAPDB", "0", "-1"] },
    { by: "b", argv: ["SWAPDB", "3", "3"] },
  ],
  "DEBUG SLEEP inside EXEC: the queued commands share the time it started; the key expires after": [
    { by: "a", argv: ["SET", "t", "v", "PX", "100"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["DEBUG", "SLEEP", "0.2"] },
    { by: "a", argv: ["TTL", "t"] },
    { by: "a", argv: ["GET", "t"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["GET", "t"] },
    { by: "b", argv: ["EXISTS", "t"] },
  ],
  "FUNCTION FLUSH and FUNCTION LIST with no library": [
    { by: "a", argv: ["FUNCTION", "FLUSH"] },
    { by: "a", argv: ["FUNCTION", "FLUSH", "ASYNC"] },
    { by: "a", argv: ["FUNCTION", "FLUSH", "sync"] },
    { by: "a", argv: ["FUNCTION", "FLUSH", "later"] },
    { by: "a", argv: ["FUNCTION", "FLUSH", "sync", "extra"] },
    { by: "a", argv: ["FUNCTION", "LIST"] },
    { by: "a", argv: ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "x*"] },
    { by: "a", argv: ["FUNCTION", "LIST", "WITHCODE", "withcode"] },
    { by: "a", argv: ["FUNCTION", "LIST", "LIBRARYNAME"] },
    { by: "a", argv: ["FUNCTION", "LIST", "nope"] },
    { by: "a", argv: ["FUNCTION"] },
  ],
  "INFO commandstats and errorstats: calls, rejected and failed calls, errors by code": [
    { by: "a", argv: ["CONFIG", "RESETSTAT"] },
    { by: "a", argv: ["SET", "k", "v"] },
    { by: "a", argv: ["GET", "k"] },
    { by: "a", argv: ["GET"] },
    { by: "a", argv: ["LPUSH", "k", "x"] },
    { by: "a", argv: ["NOSUCHCOMMAND", "x"] },
    { by: "a", argv: ["CONFIG", "GET", "maxmemory"] },
    { by: "a", argv: ["MEMORY", "USAGE", "missing"] },
    { by: "a", argv: ["MEMORY", "USAGE", "k", "SAMPLES", "-1"] },
    { by: "a", argv: ["MEMORY", "USAGE", "k", "SAMPLES", "x"] },
    { by: "a", argv: ["MEMORY", "USAGE", "k", "nope"] },
    { by: "a", argv: ["MEMORY", "PURGE"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["INCR", "n"] },
    { by: "a", argv: ["INCR"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["INCR", "k"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["INFO", "commandstats"], stats: true },
    { by: "a", argv: ["INFO", "errorstats"], stats: true },
    { by: "a", argv: ["INFO", "everything"], fields: ["errorstat_WRONGTYPE", "total_error_replies"] },
    { by: "a", argv: ["INFO"], fields: ["cmdstat_get", "errorstat_WRONGTYPE"] },
    { by: "a", argv: ["CONFIG", "RESETSTAT"] },
    { by: "a", argv: ["INFO", "errorstats"], stats: true },
  ],
  "INCRBYFLOAT and HINCRBYFLOAT never answer -0": [
    { by: "a", argv: ["INCRBYFLOAT", "f", "0.024390243902439025"] },
    { by: "a", argv: ["INCRBYFLOAT", "f", "-0.024390243902439025"] },
    { by: "a", argv: ["GET", "f"] },
    { by: "a", argv: ["INCRBYFLOAT", "g", "-0.000000000000000000001"] },
    { by: "a", argv: ["HINCRBYFLOAT", "h", "x", "0.1"] },
    { by: "a", argv: ["HINCRBYFLOAT", "h", "x", "-0.1"] },
    { by: "a", argv: ["HINCRBYFLOAT", "h", "y", "-0.000000000000000000001"] },
  ],
  "CLIENT UNBLOCK (timeout and error) and CLIENT LIST ID arguments": [
    { by: "a", argv: ["BLPOP", "q", "0"], later: true },
    { by: "b", argv: ["CLIENT", "UNBLOCK", "$a", "nope"] },
    { by: "b", argv: ["CLIENT", "UNBLOCK", "$b"] },
    { by: "b", argv: ["CLIENT", "LIST", "ID", "0"] },
    { by: "b", argv: ["CLIENT", "LIST", "ID", "x"] },
    { by: "b", argv: ["CLIENT", "UNBLOCK", "$a"] },
    { by: "a", argv: ["BZPOPMAX", "z", "0"], later: true },
    { by: "b", argv: ["CLIENT", "UNBLOCK", "$a", "ERROR"] },
    { by: "b", argv: ["CLIENT", "UNBLOCK", "x"] },
    { by: "a", argv: ["PING"] },
  ],
  "a key moved into place by RENAME, MOVE or COPY serves its waiters": [
    { by: "a", argv: ["BLPOP", "foo", "0"], later: true },
    { by: "b", argv: ["LPUSH", "bob", "abc", "def", "hij"] },
    { by: "b", argv: ["RENAME", "bob", "foo"] },
    { by: "a", argv: ["BZPOPMIN", "zz", "0"], later: true },
    { by: "b", argv: ["ZADD", "src", "1", "m"] },
    { by: "b", argv: ["COPY", "src", "zz"] },
    { by: "a", argv: ["BRPOP", "moved", "0"], later: true },
    { by: "b", argv: ["SELECT", "1"] },
    { by: "b", argv: ["RPUSH", "moved", "x"] },
    { by: "b", argv: ["MOVE", "moved", "0"] },
    { by: "a", argv: ["LRANGE", "foo", "0", "-1"] },
  ],
  "SETBIT and GETBIT; a SETBIT that changes nothing leaves WATCH alone": [
    { by: "a", argv: ["SETBIT", "bits", "1", "1"] },
    { by: "a", argv: ["GET", "bits"] },
    { by: "a", argv: ["SETBIT", "bits", "20", "1"] },
    { by: "a", argv: ["GETBIT", "bits", "20"] },
    { by: "a", argv: ["GETBIT", "bits", "21"] },
    { by: "a", argv: ["GETBIT", "bits", "9999"] },
    { by: "a", argv: ["GETBIT", "nokey", "0"] },
    { by: "a", argv: ["SET", "n", "1"] },
    { by: "a", argv: ["GETBIT", "n", "2"] },
    { by: "a", argv: ["GETBIT", "n", "3"] },
    { by: "a", argv: ["SETBIT", "n", "6", "1"] },
    { by: "a", argv: ["GET", "n"] },
    { by: "a", argv: ["OBJECT", "ENCODING", "n"] },
    { by: "a", argv: ["WATCH", "bits"] },
    { by: "b", argv: ["SETBIT", "bits", "1", "1"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["PING"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["WATCH", "bits"] },
    { by: "b", argv: ["SETBIT", "bits", "1", "0"] },
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["EXEC"] },
    { by: "a", argv: ["SETBIT", "bits", "-1", "1"] },
    { by: "a", argv: ["SETBIT", "bits", "4294967296", "1"] },
    { by: "a", argv: ["SETBIT", "bits", "100000", "0"] },
    { by: "a", argv: ["STRLEN", "bits"] },
    { by: "a", argv: ["SETBIT", "bits", "x", "1"] },
    { by: "a", argv: ["SETBIT", "bits", "0", "2"] },
    { by: "a", argv: ["SETBIT", "bits", "0", "-1"] },
    { by: "a", argv: ["LPUSH", "l", "x"] },
    { by: "a", argv: ["SETBIT", "l", "0", "1"] },
    { by: "a", argv: ["GETBIT", "l", "0"] },
  ],
  "INFO clients: blocked pops, and only those with a timeout in the timeout table; WAIT 0 too": [
    { by: "a", argv: ["BLPOP", "q", "0"], later: true },
    { by: "b", argv: ["INFO", "clients"], fields: BLOCKED_FIELDS },
    { by: "b", argv: ["RPUSH", "q", "1"] },
    { by: "a", argv: ["BZPOPMIN", "z", "30"], later: true },
    { by: "b", argv: ["INFO", "clients"], fields: BLOCKED_FIELDS },
    { by: "b", argv: ["ZADD", "z", "1", "m"] },
    { by: "b", argv: ["INFO", "clients"], fields: BLOCKED_FIELDS },
    { by: "a", argv: ["WAIT", "1", "0"], forever: true },
    { by: "b", argv: ["INFO", "clients"], fields: BLOCKED_FIELDS },
  ],
  "blocking commands inside MULTI do not block": [
    { by: "a", argv: ["MULTI"] },
    { by: "a", argv: ["BLPOP", "nothing", "0"] },
    { by: "a", argv: ["BZPOPMAX", "nothing", "0"] },
    { by: "a", argv: ["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0"] },
    { by: "a", argv: ["EXEC"] },
  ],
};

/** The replies each client got, in order. */
type Transcript = Record<"a" | "b", Reply[]>;

async function runReal(steps: readonly Step[]): Promise<Transcript> {
  const server = await LiveRedis.start({ "enable-debug-command": "yes" });
  try {
    const clients = { a: await RespClient.connect(server.port), b: await RespClient.connect(server.port) };
    const ids = { a: await clientId(clients.a), b: await clientId(clients.b) };
    const pending: Promise<Reply>[] = [];
    const order: ("a" | "b")[] = [];
    for (const step of steps) {
      const reply = clients[step.by].command(...withIds(step.argv, ids));
      if (step.forever) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      pending.push(reply);
      order.push(step.by);
      // Let a blocking command reach the server before the next step.
      if (step.later) await new Promise((resolve) => setTimeout(resolve, 50));
      else await reply;
    }
    const replies = await Promise.all(pending);
    clients.a.close();
    clients.b.close();
    const out: Transcript = { a: [], b: [] };
    replies.forEach((reply, i) => out[order[i]!].push(reply));
    return pickFields(steps, out);
  } finally {
    await server.stop();
  }
}

function runLab(steps: readonly Step[]): Transcript {
  const lab = new Lab({ seed: "two-clients" });
  const node = lab.addNode({ config: { save: "", "enable-debug-command": "yes" } }).id;
  const out: Transcript = { a: [], b: [] };
  const expected = { a: 0, b: 0 };
  const open = (who: "a" | "b"): ReturnType<Lab["openConnection"]> => {
    const parser = new ReplyParser();
    return lab.openConnection(node, `127.0.0.1:4100${who === "a" ? 1 : 2}`, {
      onData: (bytes) => {
        parser.push(bytes);
        for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
          if (reply.kind === "protocol-error") throw new Error(reply.message);
          out[who].push(reply);
        }
      },
      onClose: () => {},
    });
  };
  const connections = { a: open("a"), b: open("b") };
  const ids = { a: 0, b: 0 };
  for (const who of ["a", "b"] as const) {
    connections[who].send(encodeCommand([utf8("CLIENT"), utf8("ID")]));
    lab.runUntil(lab.nextEventMs());
    const reply = out[who].shift();
    if (reply?.kind !== "integer") throw new Error("CLIENT ID did not answer an integer");
    ids[who] = Number(reply.value);
  }
  lab.runCurrent();
  const settle = (who: "a" | "b"): void => {
    const deadline = lab.nextEventMs() + 60_000;
    while (out[who].length < expected[who] && lab.nextEventMs() <= deadline) lab.runUntil(lab.nextEventMs());
  };
  for (const step of steps) {
    connections[step.by].send(encodeCommand(withIds(step.argv, ids).map(utf8)));
    if (step.forever) {
      lab.runUntil(lab.nextEventMs());
    } else if (!step.later) {
      expected[step.by]++;
      settle(step.by);
    } else {
      lab.runUntil(lab.nextEventMs());
      expected[step.by]++;
    }
  }
  settle("a");
  settle("b");
  return pickFields(steps, out);
}

async function clientId(client: RespClient): Promise<number> {
  const reply = await client.command("CLIENT", "ID");
  if (reply.kind !== "integer") throw new Error("CLIENT ID did not answer an integer");
  return Number(reply.value);
}

/** `$a` / `$b` in a step stand for that client's CLIENT ID, which differs between the servers. */
function withIds(argv: readonly string[], ids: Record<"a" | "b", number>): string[] {
  return argv.map((arg) => (arg === "$a" ? String(ids.a) : arg === "$b" ? String(ids.b) : arg));
}

/** Bulk strings as text, so that a difference reads as words rather than byte lists. */
function printable(transcript: Transcript): Record<"a" | "b", unknown[]> {
  const text = (reply: Reply): unknown => {
    if (reply.kind === "bulk") return reply.value === null ? null : new TextDecoder("latin1").decode(reply.value);
    if (reply.kind === "array") return reply.items === null ? "(nil array)" : reply.items.map(text);
    return reply;
  };
  return { a: transcript.a.map(text), b: transcript.b.map(text) };
}

/** Narrows INFO replies of steps with `fields` to those lines, in the order asked. */
function pickFields(steps: readonly Step[], transcript: Transcript): Transcript {
  const out: Transcript = { a: [...transcript.a], b: [...transcript.b] };
  const index = { a: 0, b: 0 };
  for (const step of steps) {
    if (step.forever) continue;
    const at = index[step.by]++;
    const reply = out[step.by][at];
    if ((step.fields === undefined && !step.stats) || reply === undefined || reply.kind !== "bulk" || reply.value === null) continue;
    const lines = new TextDecoder().decode(reply.value).split("\r\n");
    if (step.stats) {
      const kept = lines.filter((line) => line !== "").map((line) => line.replace(/usec=\d+,usec_per_call=[\d.]+/, "usec=*"));
      out[step.by][at] = { kind: "bulk", value: utf8(kept.sort().join("\n")) };
      continue;
    }
    if (step.fields === undefined) continue;
    const picked = step.fields.map((field) => lines.find((line) => line.startsWith(`${field}:`)) ?? `${field}: absent`);
    out[step.by][at] = { kind: "bulk", value: utf8(picked.join("\n")) };
  }
  return out;
}

describe.skipIf(!liveRedisAvailable())("two clients: lab vs live redis-server 7.0.15", () => {
  for (const [name, steps] of Object.entries(SCENARIOS)) {
    it(name, { timeout: 30_000 }, async () => {
      const real = await runReal(steps);
      const lab = runLab(steps);
      expect(printable(lab)).toEqual(printable(real));
    });
  }
});
