/**
 * Records what real redis-server 2.6.17, 2.8.24 and 4.0.14 do in the legacy scenario set and the
 * handshake captures, into fixtures/real-redis-<release>.json (shape: legacy-fixture.ts). It builds
 * nothing: the binaries come from the environment. Run it by hand from the repository root:
 *
 *   REDIS_2_6_BIN=/path/to/2.6.17/redis-server \
 *   REDIS_2_8_BIN=/path/to/2.8.24/redis-server \
 *   REDIS_4_0_BIN=/path/to/4.0.14/redis-server \
 *   node --import tsx packages/engine/test/legacy/record-legacy.ts [release...] [--only=name,name]
 *
 * With releases named (e.g. `2.8.24`) only those are recorded; the others need no binary. With
 * `--only`, only the named scenarios / captures are recorded again and merged into the existing file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { legacyFixtureUrl, type HandshakeName, type HandshakeRecord, type LegacyFixture, type LegacyScenarioRecord } from "./legacy-fixture.ts";
import { HANDSHAKE_NAMES, captureHandshake } from "./legacy-handshakes.ts";
import { NORMALIZATION } from "./legacy-observe.ts";
import { LEGACY_SCENARIOS, QUIET_CONFIG, runLegacyScenario } from "./legacy-scenarios.ts";
import { LEGACY_VERSIONS, LegacyCluster, type LegacyVersion } from "./legacy-servers.ts";

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const releases = args.filter((a) => !a.startsWith("--"));
const versions = LEGACY_VERSIONS.filter((v) => releases.length === 0 || releases.includes(v.release));
if (versions.length === 0) throw new Error(`no legacy release among ${releases.join(", ")}`);
const wanted = (name: string): boolean => only === undefined || only.includes(name);

/** The binary for `version`, checked to be that release. */
function binaryOf(version: LegacyVersion): { readonly path: string; readonly banner: string } {
  const path = process.env[version.binEnv];
  if (!path || !existsSync(path)) throw new Error(`set ${version.binEnv} to a redis-server ${version.release} binary`);
  const banner = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  if (!banner.includes(`v=${version.release} `)) throw new Error(`${path} is not ${version.release}: ${banner}`);
  return { path, banner };
}

async function record(version: LegacyVersion): Promise<void> {
  const { path, banner } = binaryOf(version);
  const file = legacyFixtureUrl(version.release);
  const previous: LegacyFixture | undefined = only && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LegacyFixture) : undefined;
  const scenarios: Record<string, LegacyScenarioRecord> = { ...previous?.scenarios };
  for (const name of Object.keys(LEGACY_SCENARIOS).filter(wanted)) {
    const result = await runLegacyScenario(name, version, () => new LegacyCluster(version, path, QUIET_CONFIG));
    if (result) scenarios[name] = result;
    console.log(`${version.release} ${name}: ${result ? `${result.checkpoints.length} checkpoints, ${result.replies.length} replies` : "not applicable"}`);
  }
  const handshakes: Partial<Record<HandshakeName, HandshakeRecord>> = { ...previous?.handshakes };
  for (const name of HANDSHAKE_NAMES.filter(wanted)) {
    handshakes[name] = await captureHandshake(name, (config) => new LegacyCluster(version, path, config));
    console.log(`${version.release} handshake ${name}: ${handshakes[name].frames.length} frames`);
  }
  const missing = HANDSHAKE_NAMES.filter((name) => !handshakes[name]);
  if (missing.length > 0) throw new Error(`no capture ${missing.join(", ")} for ${version.release}: record them first`);
  const fixture: LegacyFixture = {
    release: version.release,
    recordedWith: banner,
    quietConfig: QUIET_CONFIG,
    normalization: NORMALIZATION,
    // Keep the scenario set's order whatever was merged.
    scenarios: Object.fromEntries(Object.keys(LEGACY_SCENARIOS).flatMap((name) => (scenarios[name] ? [[name, scenarios[name]]] : []))),
    handshakes: Object.fromEntries(HANDSHAKE_NAMES.map((name) => [name, handshakes[name]])) as Record<HandshakeName, HandshakeRecord>,
  };
  writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`wrote ${file.pathname}`);
}

for (const version of versions) await record(version);
process.exit(0);
