/**
 * Launcher benchmark, one JSON line per figure:
 * - `launcher.resp_set_ratio`: `redis-benchmark -t set -P 16 -n 500000` against a launcher node
 *   (`bin/replica-lab-server`, one engine node in its own process) divided by the same against a
 *   real redis-server 7.0 started the same way (no save points, no replicas), in the same run
 *   (target >= 0.8, issue 18); the median of three alternating pairs, so a burst of load from
 *   elsewhere spoils one pair rather than the figure, after one unmeasured warm-up round against
 *   each (100,000 SETs). The raw figures are printed too.
 *
 * Run: node --import tsx bench/launcher.bench.ts   (BENCH_QUICK=1 for a short run; LAUNCHER_PROF=<dir>
 * starts the launcher with `--cpu-prof --cpu-prof-dir <dir>` to see where its time goes)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, median, redisBenchmarkSet, report, run, sleep } from "./support.ts";

const QUICK = process.env.BENCH_QUICK === "1";
const REQUESTS = QUICK ? 100_000 : 500_000;
const ROUNDS = QUICK ? 1 : 3;
const WARM_UP_REQUESTS = QUICK ? 20_000 : 100_000;
const root = dirname(dirname(fileURLToPath(import.meta.url)));

interface Running {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a server program with redis-server's command line and waits for PONG; stop() sends SIGTERM
 * (so a profiled launcher writes its profile) and SIGKILL if it lingers.
 */
async function startServer(command: readonly string[], name: string, dir: string): Promise<Running> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--dbfilename", `${name}.rdb`, "--logfile", join(dir, `${name}.log`)];
  const child: ChildProcess = spawn(command[0]!, [...command.slice(1), ...args], { stdio: "ignore" });
  for (let i = 0; ; i++) {
    try {
      if ((await run("redis-cli", ["-p", String(port), "PING"])).trim() === "PONG") break;
    } catch {
      // not up yet
    }
    if (i > 400 || child.exitCode !== null) throw new Error(`${name} did not start`);
    await sleep(25);
  }
  return {
    port,
    stop: async () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      const late = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(late);
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-launcher-bench-"));
  const profDir = process.env.LAUNCHER_PROF;
  // Node refuses --cpu-prof in NODE_OPTIONS, so a profiled launcher is node run as the bin script runs it.
  const launcherCommand = profDir
    ? [process.execPath, "--cpu-prof", "--cpu-prof-dir", profDir, "--import", `file://${root}/node_modules/tsx/dist/loader.mjs`, join(root, "apps", "server", "src", "dropin", "main.ts")]
    : [join(root, "bin", "replica-lab-server")];
  const real = await startServer(["redis-server"], "real", dir);
  let launcher: Running | null = null;
  try {
    launcher = await startServer(launcherCommand, "launcher", dir);
    // One unmeasured round against each first: the launcher's JIT warms up on it (its first run is
    // ~15% slower than the next), and the figure is about a node that has been running a while.
    await redisBenchmarkSet(real.port, WARM_UP_REQUESTS);
    await redisBenchmarkSet(launcher.port, WARM_UP_REQUESTS);
    const realRuns: number[] = [];
    const launcherRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      realRuns.push(await redisBenchmarkSet(real.port, REQUESTS));
      launcherRuns.push(await redisBenchmarkSet(launcher.port, REQUESTS));
    }
    const ratios = launcherRuns.map((rps, i) => rps / realRuns[i]!);
    report("launcher.resp_set_rps_real", median(realRuns), "req/s", { runs: realRuns.map(Math.round) });
    report("launcher.resp_set_rps_launcher", median(launcherRuns), "req/s", { runs: launcherRuns.map(Math.round) });
    report("launcher.resp_set_ratio", median(ratios), "ratio", { runs: ratios.map((r) => Math.round(r * 1000) / 1000), target: 0.8 });
  } finally {
    await launcher?.stop();
    await real.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
