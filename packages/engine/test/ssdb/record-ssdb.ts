/**
 * Records what a real ssdb-server 1.9.8 does in master/slave replication into
 * fixtures/real-ssdb-1.9.8.json (shape: fixture-types.ts). It builds nothing: point it at a binary
 * you built yourself (never commit one). Run by hand when a scenario changes:
 *
 *   SSDB_SERVER_BIN=/path/to/ssdb-server node --import tsx packages/engine/test/ssdb/record-ssdb.ts
 *
 * Optional environment:
 * - SSDB_SOURCE_NOTE   free text stored as `recordedWith.source` (repository, tag, compiler, flags)
 * - SSDB_SCENARIOS     comma-separated scenario names to record (default: all)
 * - SSDB_FIXTURE_OUT   output path (default: the fixture in the repository)
 * - REDIS_SERVER_BIN / REDIS_CLI_BIN   real redis-server / redis-cli (default: found on PATH);
 *   without them the interop runs / redis-cli texts are left empty
 * - SSDB_KEEP_TMP=1    keep the scenario directories (ssdb.conf, logs, data) for inspection
 *
 * It runs a master and a slave per scenario on 127.0.0.1 (free ports, own temp directories), the
 * slave connected through a recording proxy, and stops every process it started by PID.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToBinary } from "../../src/util/bytes.ts";
import { freePort } from "../backends.ts";
import type { RespProbe, SsdbFixture, SsdbScenario } from "./fixture-types.ts";
import { recordInterop } from "./interop.ts";
import { PairHarness } from "./pair-harness.ts";
import { respRoundTrip } from "./ssdb-client.ts";
import { parseSsdbInfo } from "./ssdb-info.ts";
import { SSDB_SCENARIOS } from "./ssdb-scenarios.ts";
import { ssdbConf, SsdbServerProcess } from "./ssdb-server.ts";
import { escapeBytes } from "./ssdb-wire.ts";
import { summarizeTiming, type TimingInput } from "./timing.ts";

const bin = process.env["SSDB_SERVER_BIN"];
if (!bin || !existsSync(bin)) {
  console.error("Set SSDB_SERVER_BIN to a built ssdb-server binary (see the file's header).");
  process.exit(2);
}

/** The first existing path among an env override and the usual install places. */
function findTool(envName: string, name: string): string | null {
  const candidates = [process.env[envName], `/usr/bin/${name}`, `/usr/local/bin/${name}`];
  return candidates.find((p): p is string => typeof p === "string" && p !== "" && existsSync(p)) ?? null;
}

const redisServer = findTool("REDIS_SERVER_BIN", "redis-server");
const redisCli = findTool("REDIS_CLI_BIN", "redis-cli");
const keepTmp = process.env["SSDB_KEEP_TMP"] === "1";
const only = process.env["SSDB_SCENARIOS"]?.split(",").filter((s) => s !== "");
const out = process.env["SSDB_FIXTURE_OUT"] ?? new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url).pathname;

const versionOf = (tool: string | null, flag: string): string | null =>
  tool ? execFileSync(tool, [flag], { encoding: "utf8" }).trim().split("\n")[0] ?? null : null;

/** `ssdb-server -h` prints its version as the first line of stderr. */
function ssdbVersionLine(path: string): string {
  return spawnSync(path, ["-h"], { encoding: "utf8" }).stderr.split("\n")[0] ?? "";
}

/** Requests sent to the master's port in the Redis protocol. */
const RESP_PROBES: readonly (readonly string[])[] = [
  ["ping"],
  ["set", "rk", "rv"],
  ["get", "rk"],
  ["get", "missing"],
  ["hset", "rh", "f", "v"],
  ["hget", "rh", "f"],
  ["hgetall", "rh"],
  ["incr", "rn"],
  ["del", "rk"],
  ["info"],
  ["replicaof", "127.0.0.1", "1"],
  ["psync", "?", "-1"],
  ["nosuchcommand"],
];

/** Starts a fresh standalone ssdb-server in `dir`. */
async function standalone(dir: string): Promise<SsdbServerProcess> {
  const server = new SsdbServerProcess("standalone", bin as string, dir, { port: await freePort(), binlogCapacity: 10, slaveOf: null });
  await server.start();
  return server;
}

/**
 * Sends every probe to a fresh server as raw RESP, and (when redis-cli is present) again through
 * redis-cli to a second fresh server, so both see the same state at each step.
 */
async function recordRespProbes(root: string): Promise<{ probes: RespProbe[]; infoVersion: string }> {
  const raw = await standalone(join(root, "resp-raw"));
  const probes: RespProbe[] = [];
  let infoVersion = "";
  try {
    for (const argv of RESP_PROBES) probes.push({ argv, reply: escapeBytes(await respRoundTrip(raw.port, argv)), redisCli: null });
    const info = parseSsdbInfo((await (await raw.client()).request("info")).map((b) => bytesToBinary(b)));
    infoVersion = info.fields["version"] ?? "";
  } finally {
    await raw.kill();
  }
  if (!redisCli) return { probes, infoVersion };
  const viaCli = await standalone(join(root, "resp-cli"));
  try {
    return {
      infoVersion,
      probes: probes.map((probe) => {
        // `psync` puts redis-cli into replica mode, which only ends on the timeout.
        const run = spawnSync(redisCli, ["-p", String(viaCli.port), ...probe.argv], { encoding: "latin1", timeout: 3_000 });
        return { ...probe, redisCli: `${run.stdout}${run.stderr}` };
      }),
    };
  } finally {
    await viaCli.kill();
  }
}

const root = mkdtempSync(join(tmpdir(), "ssdb-record-"));
const scenarios: Record<string, SsdbScenario> = {};
const timingInputs: TimingInput[] = [];
try {
  for (const [name, def] of Object.entries(SSDB_SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    const h = await PairHarness.create({ bin, root: join(root, name), binlogCapacity: def.binlogCapacity, wireCap: def.wireCap });
    try {
      await def.run(h);
      scenarios[name] = h.result(def.description);
      timingInputs.push({
        scenario: name,
        wire: h.proxy.wire({ head: Number.MAX_SAFE_INTEGER, tail: 0 }),
        slaveLog: h.logs.slave,
        ghosts: h.samples.ghosts.map((g) => ({ scenario: name, ...g })),
        writeToSlaveMs: h.samples.writeToSlaveMs,
      });
      console.log(`recorded ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      await h.close();
    }
  }
  const resp = await recordRespProbes(root);
  console.log("recorded the Redis-protocol probes");
  const interop = redisServer ? await recordInterop(bin, redisServer) : [];
  if (redisServer) console.log("recorded the interop runs");
  const fixture: SsdbFixture = {
    recordedWith: {
      server: ssdbVersionLine(bin),
      infoVersion: resp.infoVersion,
      source: process.env["SSDB_SOURCE_NOTE"] ?? "(SSDB_SOURCE_NOTE not set)",
      redisCli: versionOf(redisCli, "--version"),
      redisServer: versionOf(redisServer, "--version"),
    },
    configTemplate: {
      master: ssdbConf({ port: "<master port>", binlogCapacity: 10, slaveOf: null }),
      slave: ssdbConf({ port: "<slave port>", binlogCapacity: 10, slaveOf: { host: "127.0.0.1", port: "<proxy port>" } }),
    },
    scenarios,
    redisProtocol: resp.probes,
    interop,
    timing: summarizeTiming(timingInputs),
  };
  writeFileSync(out, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`wrote ${out}`);
} finally {
  if (keepTmp) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
process.exit(0);
