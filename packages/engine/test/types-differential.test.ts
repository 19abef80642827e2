/**
 * The data types against a live redis-server 7.0.15 (the live part skips where the binary is
 * absent):
 *
 * - 100 batches of 1,000 random commands over every type (type-commands.ts) go to a lab node and
 *   to the real server; every reply must be identical (order-free replies compared as multisets,
 *   unless OBJECT ENCODING says the value keeps an order; TTLs within a second), and so must
 *   DEBUG DIGEST after every batch. Between batches both switch to the same random encoding
 *   thresholds, so conversions happen at every size.
 * - A replica's stream: a raw PSYNC connection to a real master and to a lab master, then the
 *   same deterministic commands on both; the bytes after the RDB must be the same.
 */
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8, type Reply } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable, RespClient } from "./live-redis.ts";
import { TypeCommandGenerator, type GeneratedCommand } from "./type-commands.ts";
import { attachLabReplica, attachRealReplica, LabClient, waitFor } from "./replication-stream.ts";
import { Prng } from "../src/sim/prng.ts";

const BATCHES = 100;
const BATCH_SIZE = 1000;

function text(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : Buffer.from(reply.value).toString("latin1");
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "integer") return String(reply.value);
  if (reply.kind === "error") return `ERR:${reply.message}`;
  return JSON.stringify(reply);
}

function items(reply: Reply): string[] | null {
  return reply.kind === "array" && reply.items !== null ? reply.items.map(text) : null;
}

/** Pairs (field/value, member/score) of a flat reply, sorted; SCAN replies compare their elements. */
function sortedElements(reply: Reply, pairs: boolean): string[] | null {
  let list = items(reply);
  if (reply.kind === "array" && reply.items?.length === 2 && reply.items[1]!.kind === "array") list = items(reply.items[1]!);
  if (list === null) return null;
  if (!pairs) return [...list].sort();
  const out: string[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push(`${list[i]}=${list[i + 1]}`);
  return out.sort();
}

function compare(command: GeneratedCommand, lab: Reply, real: Reply, encoding: string | null): string | null {
  const same = JSON.stringify(lab) === JSON.stringify(real);
  if (same) return null;
  const ordered = encoding === "listpack" || encoding === "intset";
  switch (command.check) {
    case "exact":
      return "replies differ";
    case "unordered":
    case "unordered-pairs":
      if (ordered && command.orderKey !== undefined && !command.argv[0]!.toUpperCase().startsWith("SPOP")) return "replies differ (the encoding keeps an order)";
      return JSON.stringify(sortedElements(lab, command.check === "unordered-pairs")) === JSON.stringify(sortedElements(real, command.check === "unordered-pairs")) ? null : "elements differ";
    case "length":
      return lab.kind === real.kind && (items(lab)?.length ?? -1) === (items(real)?.length ?? -1) ? null : "lengths differ";
    case "ttl":
      return lab.kind === "integer" && real.kind === "integer" && Math.abs(lab.value - real.value) <= 1 ? null : "TTLs differ";
    default:
      return "unknown check";
  }
}

const THRESHOLDS = [
  ["hash-max-listpack-entries", ["512", "4", "8", "1"]],
  ["hash-max-listpack-value", ["64", "8", "16"]],
  ["set-max-intset-entries", ["512", "4", "10"]],
  ["zset-max-listpack-entries", ["128", "4", "6", "0"]],
  ["zset-max-listpack-value", ["64", "4", "16"]],
] as const;

describe.skipIf(!liveRedisAvailable())("data types: lab vs live redis-server 7.0.15", () => {
  it(`${BATCHES * BATCH_SIZE} random commands: identical replies, and DEBUG DIGEST after every batch`, { timeout: 300_000 }, async () => {
    const real = await LiveRedis.start({ "enable-debug-command": "yes" });
    try {
      const started = Date.now();
      const lab = new Lab({ seed: "types-differential", epochMs: started });
      const node = lab.addNode({ config: { save: "", "enable-debug-command": "yes" } }).id;
      const labClient = new LabClient(lab, node);
      const generator = new TypeCommandGenerator("types-differential");
      const thresholds = Prng.fromSeed("thresholds");
      let compared = 0;
      for (let batch = 0; batch < BATCHES; batch++) {
        // Keep the lab's clock with the real one, so TTLs stay comparable.
        lab.runUntil(Math.max(lab.nextEventMs() - 1, Date.now() - started));
        const commands: GeneratedCommand[] = [];
        while (commands.length < BATCH_SIZE) {
          const command = generator.next();
          commands.push(command);
          if (command.orderKey !== undefined) commands.push({ argv: ["OBJECT", "ENCODING", command.orderKey], check: "exact" });
        }
        commands.push({ argv: ["EXEC"], check: "exact" }, { argv: ["SELECT", "0"], check: "exact" }, { argv: ["DEBUG", "DIGEST"], check: "exact" });
        if (batch % 5 === 4) {
          const [name, values] = THRESHOLDS[thresholds.int(THRESHOLDS.length)]!;
          commands.push({ argv: ["CONFIG", "SET", name, values[thresholds.int(values.length)]!], check: "exact" });
        }
        const realReplies = await Promise.all(commands.map((c) => real.client.command(...c.argv)));
        const labReplies = labClient.run(commands.map((c) => c.argv));
        for (let i = 0; i < commands.length; i++) {
          const command = commands[i]!;
          const next = commands[i + 1];
          const encoding = next !== undefined && next.argv[0] === "OBJECT" && command.orderKey !== undefined ? text(realReplies[i + 1]!) : null;
          const problem = compare(command, labReplies[i]!, realReplies[i]!, encoding);
          if (problem !== null && command.argv[0] === "DEBUG") throw new Error(`batch ${batch}: DEBUG DIGEST differs\n${await digestDiff(real, labClient)}`);
          if (problem !== null) {
            const context = commands.slice(Math.max(0, i - 8), i).map((c) => c.argv.join(" "));
            throw new Error(`batch ${batch}, command ${i}: ${problem}\n  ${command.argv.join(" ")}\n  lab:  ${JSON.stringify(labReplies[i])}\n  real: ${JSON.stringify(realReplies[i])}\n  after: ${context.join(" | ")}`);
          }
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(BATCHES * BATCH_SIZE);
    } finally {
      await real.stop();
    }
  });

  it("a replica's stream from a lab master equals one from a real master", { timeout: 120_000 }, async () => {
    const real = await LiveRedis.start({ "repl-ping-replica-period": "3600", "repl-diskless-sync": "no" });
    try {
      const lab = new Lab({ seed: "types-stream", epochMs: Date.now() });
      const master = lab.addNode({ config: { save: "", "repl-ping-replica-period": "3600", "repl-diskless-sync": "no" } }).id;
      // Past the first replication cron, which pings whatever replicas there are (as a real one did before we came).
      lab.runUntil(2_000);
      const labStream = attachLabReplica(lab, master);
      const { stream: realStream, socket } = await attachRealReplica(real.port);
      expect(labStream.synced).toBe(true);

      const generator = new TypeCommandGenerator("types-stream");
      const commands: string[][] = [];
      while (commands.length < 3000) {
        const { argv } = generator.next();
        // A relative TTL becomes an absolute time from each server's own clock.
        if (["EXPIRE", "SETEX"].includes(argv[0]!)) continue;
        commands.push([...argv]);
      }
      commands.push(["EXEC"]);
      await Promise.all(commands.map((argv) => real.client.command(...argv)));
      const labClient = new LabClient(lab, master);
      labClient.run(commands);
      // Blocked clients served by another client's push: replicas get the pops they became.
      const blocking = [["BLPOP", "bq", "0"], ["BLMOVE", "bm", "bdst", "RIGHT", "LEFT", "0"], ["BZPOPMAX", "bz", "0"], ["BLMPOP", "0", "1", "bq2", "RIGHT", "COUNT", "2"]];
      const pushes = [["RPUSH", "bq", "x", "y"], ["LPUSH", "bm", "1", "2"], ["ZADD", "bz", "1", "a", "2", "b"], ["RPUSH", "bq2", "p", "q", "r"]];
      const realWaiter = await RespClient.connect(real.port);
      const labWaiter = lab.openConnection(master, "127.0.0.1:40003", { onData: () => {}, onClose: () => {} });
      for (let i = 0; i < blocking.length; i++) {
        const served = realWaiter.command(...blocking[i]!);
        await new Promise((resolve) => setTimeout(resolve, 30));
        await real.client.command(...pushes[i]!);
        await served;
        labWaiter.send(encodeCommand(blocking[i]!.map(utf8)));
        lab.runUntil(lab.nextEventMs());
        labClient.run([pushes[i]!]);
      }
      realWaiter.close();
      lab.runUntil(lab.nextEventMs() + 1_000);
      await waitFor(() => realStream.length === labStream.length, "the real stream to match the lab's length", 3_000).catch(() => {});
      socket.destroy();
      const labBytes = Buffer.from(labStream.stream()).toString("latin1");
      const realBytes = Buffer.from(realStream.stream()).toString("latin1");
      expect(labBytes.length).toBeGreaterThan(10_000);
      if (labBytes !== realBytes) {
        let at = 0;
        while (labBytes[at] === realBytes[at]) at++;
        expect(labBytes.slice(Math.max(0, at - 200), at + 200)).toBe(realBytes.slice(Math.max(0, at - 200), at + 200));
      }
    } finally {
      await real.stop();
    }
  });
});

/** Which keys hold different values (DEBUG DIGEST-VALUE), and what each side holds there. */
async function digestDiff(real: LiveRedis, lab: LabClient): Promise<string> {
  const out: string[] = [];
  for (const db of ["0", "1"]) {
    await real.client.command("SELECT", db);
    lab.run([["SELECT", db]]);
    const keys = new Set([...(items(await real.client.command("KEYS", "*")) ?? []), ...(items(lab.run([["KEYS", "*"]])[0]!) ?? [])]);
    for (const key of keys) {
      const argv = ["DEBUG", "DIGEST-VALUE", key];
      const r = JSON.stringify(await real.client.command(...argv));
      const l = JSON.stringify(lab.run([argv])[0]);
      if (r === l) continue;
      const type = text(await real.client.command("TYPE", key));
      const dump = type === "list" ? ["LRANGE", key, "0", "-1"] : type === "hash" ? ["HGETALL", key] : type === "set" ? ["SMEMBERS", key] : type === "zset" ? ["ZRANGE", key, "0", "-1", "WITHSCORES"] : ["GET", key];
      out.push(`db ${db} key ${key} (${type}): real ${JSON.stringify(items(await real.client.command(...dump)) ?? text(await real.client.command(...dump)))} lab ${JSON.stringify(items(lab.run([dump])[0]!) ?? text(lab.run([dump])[0]!))} ttl real ${text(await real.client.command("PTTL", key))} lab ${text(lab.run([["PTTL", key]])[0]!)}`);
    }
  }
  return out.join("\n");
}
