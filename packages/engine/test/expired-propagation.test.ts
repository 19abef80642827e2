/**
 * The DELs a master sends its replicas for keys it finds expired while serving a command, against
 * a live redis-server 7.0.15 (the live part skips where the binary is absent). 7.0.15 collects
 * them with the command's own propagation and wraps more than one op in MULTI/EXEC
 * (propagatePendingCommands), except when the command run directly touches arbitrary keys
 * (CMD_TOUCHES_ARBITRARY_KEYS: SCAN, RANDOMKEY), whose DELs go bare; KEYS deletes nothing
 * (keyIsExpired only), and inside EXEC everything is wrapped again. redis's unit/keyspace and
 * unit/expire read this stream with attach_to_replication_stream.
 *
 * Both masters get the same keys before a raw replica attaches (active expiry off), so the stream
 * after the RDB holds only what the commands propagated. The order of the DELs a scan of the
 * keyspace produces follows the dict's hash order (redis seeds its hash at random), so runs of
 * single-key DELs are compared as sets; everything else (MULTI, EXEC, SELECT, order of commands)
 * must be byte-equal.
 */
import { describe, expect, it } from "vitest";
import { Lab, ReplyParser, type Reply } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";
import { attachLabReplica, attachRealReplica, LabClient, waitFor } from "./replication-stream.ts";

const TTL_MS = 300;

/** db 1: SCAN; db 2: RANDOMKEY (all keys expired); db 3: KEYS then a GET; db 4: DEL and MSET; db 5: SCAN in MULTI; db 6: one key. */
const SETUP: string[][] = [
  ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
  ["SELECT", "1"], ["SET", "s1", "a", "PX", String(TTL_MS)], ["SET", "s2", "b", "PX", String(TTL_MS)], ["SET", "s3", "c", "PX", String(TTL_MS)], ["SET", "live", "x"],
  ["SELECT", "2"], ["SET", "r1", "a", "PX", String(TTL_MS)], ["SET", "r2", "b", "PX", String(TTL_MS)], ["SET", "r3", "c", "PX", String(TTL_MS)],
  ["SELECT", "3"], ["SET", "k1", "a", "PX", String(TTL_MS)], ["SET", "k2", "b", "PX", String(TTL_MS)], ["SET", "live", "x"],
  ["SELECT", "4"], ["SET", "d1", "a", "PX", String(TTL_MS)], ["SET", "d2", "b", "PX", String(TTL_MS)], ["SET", "d3", "c"], ["SET", "m1", "a", "PX", String(TTL_MS)], ["SET", "m2", "b", "PX", String(TTL_MS)],
  ["SELECT", "5"], ["SET", "t1", "a", "PX", String(TTL_MS)], ["SET", "t2", "b", "PX", String(TTL_MS)], ["SET", "live", "x"],
  ["SELECT", "6"], ["SET", "o1", "a", "PX", String(TTL_MS)], ["SET", "live", "x"],
  ["SELECT", "0"],
];

const AFTER_EXPIRY: string[][] = [
  ["SELECT", "1"], ["SCAN", "0", "COUNT", "100"], ["SET", "mark", "scan"],
  ["SELECT", "2"], ["RANDOMKEY"], ["SET", "mark", "randomkey"],
  ["SELECT", "3"], ["KEYS", "*"], ["SET", "mark", "keys"], ["GET", "k1"],
  ["SELECT", "4"], ["DEL", "d1", "d2", "d3"], ["MSET", "m1", "1", "m2", "2"],
  ["SELECT", "5"], ["MULTI"], ["SCAN", "0", "COUNT", "100"], ["EXEC"],
  ["SELECT", "6"], ["SCAN", "0", "COUNT", "100"], ["SET", "mark", "one"],
];

/** The stream as one line per command, runs of single-key DELs sorted. */
function commands(stream: Uint8Array): string[] {
  const parser = new ReplyParser();
  parser.push(stream);
  const out: string[] = [];
  for (;;) {
    const reply = parser.next();
    if (reply === undefined) break;
    if (reply.kind !== "array" || reply.items === null) throw new Error(`not a command in the stream: ${JSON.stringify(reply)}`);
    out.push(reply.items.map((item: Reply) => (item.kind === "bulk" && item.value !== null ? Buffer.from(item.value).toString("latin1") : JSON.stringify(item))).join(" "));
  }
  const normalized: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    normalized.push(...run.sort());
    run = [];
  };
  for (const line of out) {
    if (/^DEL \S+$/.test(line)) run.push(line);
    else {
      flush();
      normalized.push(line);
    }
  }
  flush();
  return normalized;
}

describe.skipIf(!liveRedisAvailable())("DELs of lazily expired keys on the replication stream: lab vs live redis-server 7.0.15", () => {
  it("SCAN and RANDOMKEY send them bare, KEYS sends none, DEL/MSET and EXEC wrap them in MULTI/EXEC", { timeout: 60_000 }, async () => {
    const config = { "repl-ping-replica-period": "3600", "repl-diskless-sync": "no", "enable-debug-command": "yes" };
    const real = await LiveRedis.start(config);
    try {
      const lab = new Lab({ seed: "expired-propagation", epochMs: Date.now() });
      const master = lab.addNode({ config: { save: "", ...config } }).id;
      // Past the first replication cron, which pings whatever replicas there are.
      lab.runUntil(2_000);
      const labClient = new LabClient(lab, master);
      for (const reply of labClient.run(SETUP)) expect(reply.kind).not.toBe("error");
      for (const argv of SETUP) expect((await real.client.command(...argv)).kind).not.toBe("error");
      const setAt = Date.now();

      const labStream = attachLabReplica(lab, master);
      lab.runUntil(lab.nextEventMs() + TTL_MS * 2);
      const { stream: realStream, socket } = await attachRealReplica(real.port);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, setAt + TTL_MS * 2 - Date.now())));
      expect(labStream.length).toBe(0);
      expect(realStream.length).toBe(0);

      const labReplies = labClient.run(AFTER_EXPIRY);
      const realReplies: Reply[] = [];
      for (const argv of AFTER_EXPIRY) realReplies.push(await real.client.command(...argv));
      // The replies agree too, up to the order of a scan.
      const shown = (reply: Reply): string => JSON.stringify(reply, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
      expect(labReplies.map(shown)).toEqual(realReplies.map(shown));

      lab.runUntil(lab.nextEventMs() + 1_000);
      await waitFor(() => realStream.length >= labStream.length, "the real stream to reach the lab's length", 3_000).catch(() => {});
      socket.destroy();
      const lab7 = commands(labStream.stream());
      const real7 = commands(realStream.stream());
      expect(lab7).toEqual(real7);
      // What the comparison is about: SCAN's three DELs bare, DEL's wrapped.
      expect(real7.slice(0, 5)).toEqual(["SELECT 1", "DEL s1", "DEL s2", "DEL s3", "SET mark scan"]);
      expect(real7).toContain("MULTI");
    } finally {
      await real.stop();
    }
  });
});
