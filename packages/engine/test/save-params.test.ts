/**
 * `save` as redis-server 7.0.15 takes it (setConfigSaveOption): CONFIG SET refuses an odd count,
 * a non-integer, seconds below 1 and negative changes with "Invalid save parameters", and CONFIG
 * GET prints the pairs as numbers; in a config file the first `save` line replaces the defaults and
 * later lines add to it, and a bad line stops the start-up. Every expected value is read from a live
 * redis-server in the same run (the live part needs the binary, which CI installs).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, parseConfigFile } from "../src/index.ts";
import { freePort } from "./backends.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";

const SET_VALUES = ["60", "60 x", "60 1 300", "0 5", "-1 5", "60 -1", "60 1", "+60 01", "0x10 1", " ", "", "900 1 300 10"];

const FILES: readonly string[] = [
  "save 60\n",
  "save 60 1 300\n",
  "save 0 1\n",
  "save 60 x\n",
  "save 900 1\nsave 300 10\n",
  'save ""\nsave 60 5\n',
  'save 60 5\nsave ""\n',
  "save 10 1 20 2\nsave 30 3\n",
  "repl-backlog-size 1mb\n",
];

/** Starts redis-server on a config file: its `save` once up, or the fatal error's line and reason. */
async function realFromFile(text: string): Promise<{ ok: true; save: string } | { ok: false; line: number; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-save-"));
  const port = await freePort();
  const file = join(dir, "redis.conf");
  writeFileSync(file, `${text}port ${port}\nbind 127.0.0.1\ndir ${dir}\n`);
  const child = spawn("redis-server", [file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const { RespClient } = await import("./backends.ts");
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) break;
      const client = await RespClient.connect(port).catch(() => null);
      if (client) {
        const reply = await client.command("CONFIG", "GET", "save");
        client.close();
        if (reply.kind === "array" && reply.items?.[1]?.kind === "bulk") return { ok: true, save: new TextDecoder().decode(reply.items[1].value ?? new Uint8Array()) };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    const line = Number(/at line (\d+)/.exec(output)?.[1]);
    const message = /\n>>> .*\n(.*)\n/.exec(output)?.[1] ?? output;
    return { ok: false, line, message };
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(liveRedisAvailable())("save parameters, against a live redis-server 7.0.15", () => {
  let real: LiveRedis;
  beforeAll(async () => {
    real = await LiveRedis.start();
  });
  afterAll(async () => {
    await real.stop();
  });

  it("CONFIG SET save answers and keeps what redis does, value by value", async () => {
    const lab = new Lab({ seed: "save-params" });
    const a = lab.addNode().id;
    // Both start with no save points (the live server runs with --save "").
    lab.command(a, "CONFIG", "SET", "save", "");
    for (const value of SET_VALUES) {
      const expected = [await real.client.command("CONFIG", "SET", "save", value), await real.client.command("CONFIG", "GET", "save")];
      const actual = [lab.command(a, "CONFIG", "SET", "save", value), lab.command(a, "CONFIG", "GET", "save")];
      expect(actual, `CONFIG SET save ${JSON.stringify(value)}`).toEqual(expected);
    }
  });

  it("a config file's save lines start the server as redis does, or stop it on the same line", async () => {
    for (const text of FILES) {
      const expected = await realFromFile(text);
      const parsed = parseConfigFile(text);
      if (expected.ok) {
        expect(parsed.ok, text).toBe(true);
        // The defaults stand where the file has no save line.
        const save = parsed.ok ? (parsed.config.save ?? "3600 1 300 100 60 10000") : null;
        expect(save, text).toBe(expected.save);
      } else {
        expect(parsed, text).toEqual({ ok: false, line: expected.line, message: expected.message });
      }
    }
  }, 60_000);
});
