#!/usr/bin/env node
// `npm start`: builds the web app if it has not been built yet (when the workspace exists), then
// runs the server with tsx. The server prints one line with the URL; build output goes to stderr so
// stdout stays that one line.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureNpmPackages } from "./bootstrap.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
ensureNpmPackages();
const webDist = `${root}apps/web/dist/index.html`;
const webPackage = `${root}apps/web/package.json`;

if (!existsSync(webDist) && existsSync(webPackage)) {
  process.stderr.write("Building the web app (apps/web)...\n");
  const build = spawnSync("npm", ["run", "build", "-w", "apps/web"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  if (build.status !== 0) process.stderr.write("The web app did not build; serving the API only.\n");
}

const server = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
