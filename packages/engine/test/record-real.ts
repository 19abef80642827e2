/**
 * Records what real redis-server 7.0.15 observes in every scenario of scenarios.ts, into
 * fixtures/real-redis-7.0.15.json. Run it by hand when a scenario changes:
 *   node --import tsx packages/engine/test/record-real.ts
 * The scenario tests compare the simulated lab against this file.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { RealBackend } from "./backends.ts";
import { SCENARIOS, type ScenarioResult } from "./scenarios.ts";

const version = execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
const results: Record<string, ScenarioResult> = {};
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  const backend = new RealBackend();
  try {
    results[name] = await scenario(backend);
    console.log(`recorded ${name}`);
  } finally {
    await backend.close();
  }
}
const file = new URL("./fixtures/real-redis-7.0.15.json", import.meta.url);
writeFileSync(file, `${JSON.stringify({ recordedWith: version, scenarios: results }, null, 1)}\n`);
process.exit(0);
