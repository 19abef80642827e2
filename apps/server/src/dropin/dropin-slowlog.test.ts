/**
 * SLOWLOG GET / LEN / RESET / HELP with slowlog-log-slower-than and slowlog-max-len, on a
 * bin/replica-lab-server process and, beside it, on a real redis-server 7.0.15 doing the same; the
 * expected answers are the real server's, live. Durations are the server's own measure (a real
 * command takes a few microseconds, a lab command none), so they are compared as "at least the
 * sleep" where a command sleeps and left out elsewhere. Without redis-server installed this fails;
 * it never skips.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Reply } from "@replica-lab/engine";
import { RedisServerProcess, scratchDir } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import { answer, type Launcher, launcher, stopServers, requireRedisServer } from "./launcher-process.ts";

const SETTINGS = { "enable-debug-command": "yes" };
const CONFIG = 'enable-debug-command yes\nsave ""\n';

/** A reply as plain data: strings for bulks and statuses, numbers, arrays, `error: …`. */
function plain(reply: Reply): unknown {
  switch (reply.kind) {
    case "bulk":
      return reply.value === null ? null : Buffer.from(reply.value).toString("utf8");
    case "array":
      return reply.items === null ? null : reply.items.map(plain);
    case "error":
      return `error: ${reply.message}`;
    case "simple":
      return reply.value;
    case "integer":
      return Number(reply.value);
  }
}

/** SLOWLOG GET's entries with what differs by server and run masked: ids from the first, the time, the duration, the port. */
function entries(reply: Reply, nowSec: number): unknown[] {
  const list = plain(reply) as [number, number, number, string[], string, string][];
  const firstId = list.length > 0 ? list[list.length - 1]![0] : 0;
  return list.map(([id, time, , argv, peer, name]) => ({ id: id - firstId, recent: Math.abs(time - nowSec) <= 30, argv, peer: /^127\.0\.0\.1:\d+$/.test(peer), name }));
}

describe("SLOWLOG, launcher against real redis-server 7.0.15", () => {
  const scratch = scratchDir("dropin-slowlog-");
  const launchers: Launcher[] = [];
  const reals: RedisServerProcess[] = [];
  afterAll(async () => {
    await stopServers(launchers, reals);
    scratch.remove();
  });

  async function steps(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    let port: number;
    if (kind === "lab") {
      const node = await launcher(scratch.dir, "lab", CONFIG);
      launchers.push(node);
      port = node.port;
    } else {
      const real = await RedisServerProcess.start(scratch.dir, "real", SETTINGS);
      reals.push(real);
      port = real.port;
    }
    const c = await RespClient.connect(port);
    const seen: Record<string, unknown> = {};
    const now = (): number => Math.floor(Date.now() / 1000);
    try {
      // As a map: a real server lists the names in its dict's order, which varies.
      const defaults = plain(await c.call("CONFIG", "GET", "slowlog*")) as string[];
      seen.defaults = Object.fromEntries(Array.from({ length: defaults.length / 2 }, (_, i) => [defaults[2 * i], defaults[2 * i + 1]]).sort());
      await c.text("CONFIG", "SET", "slowlog-log-slower-than", 0);
      await c.text("SLOWLOG", "RESET");
      // The RESET itself is logged once it has run.
      seen.lenAfterReset = await c.text("SLOWLOG", "LEN");
      await c.text("CLIENT", "SETNAME", "tester");
      await c.text("SET", "foo", "bar");
      await c.text("GET", "foo");
      await c.text("RPUSH", "list", ...Array.from({ length: 40 }, (_, i) => i + 1));
      await c.text("SET", "k".repeat(200), "v");
      await c.text("MULTI");
      await c.text("SET", "a", 1);
      await c.call("EXEC");
      seen.all = entries(await c.call("SLOWLOG", "GET", -1), now());
      seen.two = (plain(await c.call("SLOWLOG", "GET", 2)) as unknown[]).length;
      seen.defaultCount = (plain(await c.call("SLOWLOG", "GET")) as unknown[]).length;
      seen.errors = [
        await answer(c, "SLOWLOG", "GET", -2),
        await answer(c, "SLOWLOG", "GET", "x"),
        await answer(c, "SLOWLOG", "GET", 1, 2),
        await answer(c, "SLOWLOG", "LEN", "x"),
        await answer(c, "SLOWLOG", "FOO"),
        await answer(c, "SLOWLOG"),
        await answer(c, "CONFIG", "SET", "slowlog-log-slower-than", "abc"),
        await answer(c, "CONFIG", "SET", "slowlog-log-slower-than", -2),
        await answer(c, "CONFIG", "SET", "slowlog-max-len", -1),
      ];
      seen.help = plain(await c.call("SLOWLOG", "HELP"));
      await c.text("CONFIG", "SET", "slowlog-max-len", 3);
      await c.text("SET", "x", 1);
      seen.lenAtMax = await c.text("SLOWLOG", "LEN");
      await c.text("CONFIG", "SET", "slowlog-max-len", 128);
      // 50 ms: only a command that sleeps is slow enough.
      await c.text("CONFIG", "SET", "slowlog-log-slower-than", 50_000);
      await c.text("SLOWLOG", "RESET");
      await c.text("SET", "y", 1);
      await c.text("DEBUG", "SLEEP", "0.1");
      const slow = plain(await c.call("SLOWLOG", "GET")) as [number, number, number, string[]][];
      seen.slow = slow.map(([, , duration, argv]) => ({ argv, atLeastTheSleep: duration >= 100_000 }));
      await c.text("CONFIG", "SET", "slowlog-log-slower-than", -1);
      await c.text("DEBUG", "SLEEP", "0.1");
      seen.lenWhenDisabled = await c.text("SLOWLOG", "LEN");
    } finally {
      c.close();
    }
    return seen;
  }

  it("logs, trims, reads and resets as a real server does", async () => {
    requireRedisServer();
    const real = await steps("real");
    expect(await steps("lab")).toEqual(real);
  }, 120_000);
});
