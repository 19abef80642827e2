// Makes `npm start` and `npm test` work on a fresh clone: installs the npm packages if they are
// missing and, for the tests, the Debian packages they drive (redis-server, redis-tools, chromium)
// when running as root with apt-get; otherwise it names the command to run and stops.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Installs npm packages when node_modules is missing or incomplete. */
export function ensureNpmPackages() {
  const needed = ["tsx", "vitest", "fastify", "@xyflow/react"].map((p) => `${root}node_modules/${p}/package.json`);
  if (needed.every((p) => existsSync(p))) return;
  process.stderr.write("Installing npm packages (npm ci)...\n");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  if (result.status !== 0) {
    process.stderr.write("npm ci failed; see the output above.\n");
    process.exit(1);
  }
}

const SYSTEM = [
  { command: "redis-server", pkg: "redis-server" },
  { command: "redis-cli", pkg: "redis-tools" },
  { command: "redis-benchmark", pkg: "redis-tools" },
  { command: "chromium", pkg: "chromium" },
];

/** The real programs the tests compare against or drive. */
export function ensureSystemPackages() {
  const missing = [...new Set(SYSTEM.filter((s) => !has(s.command)).map((s) => s.pkg))];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && has("apt-get")) {
    process.stderr.write(`Installing Debian packages: ${missing.join(" ")}...\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", process.stderr, process.stderr], env });
    const install = update.status === 0 && spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: ["ignore", process.stderr, process.stderr], env });
    if (install && install.status === 0) return;
  }
  process.stderr.write(`The tests need these Debian packages: ${missing.join(" ")}\n  sudo apt-get install ${missing.join(" ")}\n`);
  process.exit(1);
}
