/**
 * Builds the web app, starts the real server on a free port (PORT=0), waits for the line it prints
 * with its URL, and hands the URL to the tests through REPLICA_LAB_URL. Returns the teardown.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(`${root}e2e/artifacts`, { recursive: true });
  if (process.env.E2E_SKIP_BUILD !== "1") {
    const build = spawnSync("npm", ["run", "build", "-w", "apps/web"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    if (build.status !== 0) throw new Error("the web app did not build");
  }
  // Its own data directory: a run starts with no stored labs and never meets another run's.
  const dataDir = mkdtempSync(join(tmpdir(), "replica-lab-e2e-data-"));
  const server = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", REPLICA_LAB_DATA_DIR: dataDir, REPLICA_LAB_MAX_LABS: "200" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start in time; it printed: ${out}`)), 60_000);
    server.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/[^\s/]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}: ${out}`));
    });
  });
  server.stdout.resume();
  process.env.REPLICA_LAB_URL = url;
  return async () => {
    server.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.kill("SIGKILL");
        resolve();
      }, 5000);
      server.on("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    rmSync(dataDir, { recursive: true, force: true });
  };
}
