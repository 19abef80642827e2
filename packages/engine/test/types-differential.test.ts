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
import { Socket } from "node:net";
import { Lab, ReplyParser, encodeCommand, utf8, type Reply } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable, RespClient } from "./live-redis.ts";
import { TypeCommandGenerator, type GeneratedCommand } from "./type-commands.ts";
import { Prng } from "../src/sim/prng.ts";

const BATCHES = 100;
const BATCH_SIZE = 1000;

/** A pipelined connection into a lab node. */
class LabClient {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private readonly connection;

  constructor(
    private readonly lab: Lab,
    node: ReturnType<Lab["nodeIds"]>[number],
  ) {
    this.connection = lab.openConnection(node, "127.0.0.1:40001", {
      onData: (bytes) => {
        this.parser.push(bytes);
        for (;;) {
          const reply = this.parser.next();
          if (reply === undefined) break;
          if (reply.kind === "protocol-error") throw new Error(reply.message);
          this.replies.push(reply);
        }
      },
      onClose: () => {},
    });
    lab.runCurrent();
  }

  /** Sends every command at once and lets virtual time run until each has its reply. */
  run(commands: readonly (readonly string[])[]): Reply[] {
    const parts = commands.map((argv) => encodeCommand(argv.map((a) => utf8(a))));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    this.connection.send(bytes);
    const deadline = this.lab.nextEventMs() + 600_000;
    while (this.replies.length < commands.length) {
      const next = this.lab.nextEventMs();
      if (next > deadline) throw new Error(`lab: ${this.replies.length} of ${commands.length} replies`);
      this.lab.runUntil(next);
    }
    return this.replies.splice(0, this.replies.length);
  }
}

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
      const handshake = [["PING"], ["REPLCONF", "listening-port", "6399"], ["REPLCONF", "capa", "eof", "capa", "psync2"], ["PSYNC", "?", "-1"]];
      const labStream = new StreamCollector();
      const labReplica = lab.openConnection(master, "127.0.0.1:40002", { onData: (b) => labStream.push(b), onClose: () => {} });
      lab.runCurrent();
      // One at a time, as a replica does (PSYNC with replies pending is refused).
      for (const [i, argv] of handshake.entries()) {
        labReplica.send(encodeCommand(argv.map(utf8)));
        while (labStream.lines < i + 1) lab.runUntil(lab.nextEventMs());
      }
      lab.runUntil(lab.nextEventMs() + 2_000);
      const realStream = new StreamCollector();
      const socket = new Socket();
      await new Promise<void>((resolve, reject) => socket.connect(real.port, "127.0.0.1", resolve).once("error", reject));
      socket.on("data", (chunk: Buffer) => realStream.push(new Uint8Array(chunk)));
      for (const [i, argv] of handshake.entries()) {
        socket.write(encodeCommand(argv.map(utf8)));
        await waitFor(() => realStream.lines >= i + 1, `the reply to ${argv[0]}`);
      }
      await waitFor(() => realStream.synced, "the real master's RDB");
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

/** Collects what a master sends a replica: +FULLRESYNC, the RDB ($len or $EOF), then the stream. */
class StreamCollector {
  private buffer = new Uint8Array(0);
  synced = false;

  /** Reply lines seen before the RDB (the handshake's answers). */
  get lines(): number {
    let count = 0;
    for (const byte of this.synced ? [] : this.buffer) if (byte === 0x0a) count++;
    return this.synced ? 4 : count;
  }

  push(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + bytes.length);
    merged.set(this.buffer);
    merged.set(bytes, this.buffer.length);
    this.buffer = merged;
    if (!this.synced) this.trySync();
  }

  private trySync(): void {
    const textOf = (from: number, to: number): string => Buffer.from(this.buffer.subarray(from, to)).toString("latin1");
    let at = 0;
    const line = (): string | null => {
      while (this.buffer[at] === 0x0a) at++;
      const end = this.buffer.indexOf(0x0a, at);
      if (end < 0) return null;
      const result = textOf(at, end - 1);
      at = end + 1;
      return result;
    };
    // +PONG, +OK, +OK, +FULLRESYNC ...
    for (let i = 0; i < 4; i++) if (line() === null) return;
    const header = line();
    if (header === null) return;
    if (header.startsWith("$EOF:")) {
      const mark = header.slice(5);
      const end = Buffer.from(this.buffer).indexOf(mark, at, "latin1");
      if (end < 0) return;
      at = end + mark.length;
    } else {
      const length = Number(header.slice(1));
      if (this.buffer.length < at + length) return;
      at += length;
    }
    this.buffer = this.buffer.slice(at);
    this.synced = true;
  }

  get length(): number {
    return this.synced ? this.buffer.length : -1;
  }

  stream(): Uint8Array {
    return this.buffer;
  }
}

async function waitFor(ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
