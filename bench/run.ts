/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (so one benchmark's heap and JIT
 * state do not skew another's) and passes through their output: one JSON line per figure.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => !only || f.includes(only))
  .sort();
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(here, file)], { stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${file} exited with ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
