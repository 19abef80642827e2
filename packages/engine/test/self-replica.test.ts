/**
 * REPLICAOF a node's own address (issue: it stuck in receive_ping_reply). A real redis-server 7.0.15
 * answers its own PING, refuses its own PSYNC with -NOMASTERLINK and retries every second; the lab
 * must show the same INFO and say why in the event log. Live part needs redis-server.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Lab } from "../src/index.ts";
import { freePort, info, parseInfo, redisServerAvailable, RespClient, type Backend } from "./backends.ts";

const FIELDS = ["role", "master_link_status", "master_sync_in_progress", "slave_repl_offset", "connected_slaves", "master_repl_offset"];

function pick(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(FIELDS.map((f) => [f, fields[f] ?? ""]));
}

it.runIf(redisServerAvailable())("a node told to replicate from itself retries like redis-server 7.0.15: PING answered, PSYNC refused with NOMASTERLINK", async () => {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-self-"));
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir], { stdio: "ignore" });
  try {
    let client: RespClient | null = null;
    for (let i = 0; i < 100 && client === null; i++) {
      client = await RespClient.connect(port).catch(() => null);
      if (client === null) await new Promise((r) => setTimeout(r, 25));
    }
    expect((await client!.command("REPLICAOF", "127.0.0.1", String(port))).kind).toBe("simple");
    await new Promise((r) => setTimeout(r, 2500));
    const real = pick(parseInfo(await client!.command("INFO", "replication")));
    const realStats = parseInfo(await client!.command("INFO", "stats"));
    client!.close();

    const lab = new Lab({ seed: "self" });
    const a = lab.addNode().id;
    lab.command(a, "REPLICAOF", "127.0.0.1", "6379");
    lab.advance(2500);
    const backend = { command: async (_n: string, ...argv: string[]) => lab.command(a, ...argv) } as unknown as Backend;
    expect(pick(await info(backend, "A"))).toEqual(real);
    const stats = await info(backend, "A", "stats");
    expect([stats.sync_full, stats.sync_partial_ok, stats.sync_partial_err]).toEqual([realStats.sync_full, realStats.sync_partial_ok, realStats.sync_partial_err]);
    expect(lab.events().filter((e) => /NOMASTERLINK Can't SYNC while not connected with my master/.test(e.message)).length).toBeGreaterThanOrEqual(2);
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 20_000);
