#!/usr/bin/env node
// Runs every check and test in the repository and ends with one line:
//   tests: N passed, N failed
// Steps: typecheck, lint, unit and integration tests (vitest), end-to-end tests (Playwright in
// Chromium). A failing typecheck or lint counts as one failed test each, so nothing is skipped.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureNpmPackages, ensureSystemPackages } from "./bootstrap.mjs";

const root = new URL("..", import.meta.url).pathname;
ensureNpmPackages();
ensureSystemPackages();
const scratch = mkdtempSync(join(tmpdir(), "replica-lab-test-"));
let passed = 0;
let failed = 0;

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(title, command, args) {
  if (run(title, command, args)) passed++;
  else {
    failed++;
    console.log(`!!! ${title} failed`);
  }
}

check("typecheck", "npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]);
check("lint", "npx", ["eslint", "."]);

const vitestJson = join(scratch, "vitest.json");
const vitestOk = run("unit and integration tests", "npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails to load has no tests to count: count it as a failure.
  for (const suite of report.testResults ?? []) if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failed++;
} else if (!vitestOk) {
  failed++;
}

const e2eConfig = join(root, "e2e", "playwright.config.ts");
if (existsSync(e2eConfig)) {
  const e2eJson = join(scratch, "e2e.json");
  const e2eOk = run("end-to-end tests", "npx", ["playwright", "test", "-c", e2eConfig, "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson });
  if (existsSync(e2eJson)) {
    const report = JSON.parse(readFileSync(e2eJson, "utf8"));
    const stats = report.stats ?? {};
    passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    failed += (stats.unexpected ?? 0) + (stats.skipped ?? 0);
    if ((report.errors ?? []).length > 0) failed += report.errors.length;
  } else if (!e2eOk) {
    failed++;
  }
}

rmSync(scratch, { recursive: true, force: true });
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
