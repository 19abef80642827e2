/**
 * Records the handshake captures of real redis-server 7.0.15 into fixtures/handshakes-7.0.15.json
 * (see handshakes-7.0.ts). It builds nothing and starts servers on free loopback ports, stopping
 * them by PID. Run it by hand from the repository root:
 *
 *   node --import tsx packages/engine/test/sequence/record-handshakes-7.0.ts [/path/to/redis-server]
 *
 * (default: redis-server 7.0.15 at /usr/bin/redis-server).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { HandshakeName, HandshakeRecord } from "../legacy/legacy-fixture.ts";
import { captureHandshake } from "../legacy/legacy-handshakes.ts";
import { LegacyCluster } from "../legacy/legacy-servers.ts";
import { HANDSHAKES_7_0_URL, REDIS_7_0_DRIVING, SEQUENCE_CAPTURES, type Handshakes70Fixture } from "./handshakes-7.0.ts";

const binary = process.argv[2] ?? "/usr/bin/redis-server";
const banner = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
if (!banner.includes("v=7.0.15 ")) throw new Error(`${binary} is not redis 7.0.15: ${banner}`);

const handshakes: Partial<Record<HandshakeName, HandshakeRecord>> = {};
for (const name of SEQUENCE_CAPTURES) {
  handshakes[name] = await captureHandshake(name, (config) => new LegacyCluster(REDIS_7_0_DRIVING, binary, config));
  console.log(`7.0.15 handshake ${name}: ${handshakes[name].frames.length} frames`);
}
const fixture: Handshakes70Fixture = { recordedWith: banner, handshakes };
writeFileSync(HANDSHAKES_7_0_URL, `${JSON.stringify(fixture, null, 1)}\n`);
process.exit(0);
