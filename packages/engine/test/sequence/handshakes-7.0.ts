/**
 * The handshake captures of real redis-server 7.0.15 (issue 10's diagram checks): the legacy
 * recorder's captures (legacy/legacy-handshakes.ts: a first sync, a reconnect after a killed link,
 * a promotion in a chain), recorded through its TCP proxy (legacy/recording-proxy.ts) from the
 * 7.0.15 binary, into fixtures/handshakes-7.0.15.json. The recorder drives 7.0 as it drives 4.0
 * (a backlog, PSYNC, CLIENT KILL by address), so 4.0's driving settings are reused; only the
 * binary and the file differ.
 */
import { readFileSync } from "node:fs";
import type { HandshakeName, HandshakeRecord } from "../legacy/legacy-fixture.ts";
import { LEGACY_VERSIONS, type LegacyVersion } from "../legacy/legacy-servers.ts";

/** The captures the diagram is checked against. */
export const SEQUENCE_CAPTURES: readonly HandshakeName[] = ["firstSync", "reconnect", "promotion"];

/** How the recorder drives 7.0: as 4.0 (the `release` field only labels the recorder's errors). */
export const REDIS_7_0_DRIVING: LegacyVersion = LEGACY_VERSIONS.find((v) => v.release === "4.0.14")!;

export const HANDSHAKES_7_0_URL = new URL("../fixtures/handshakes-7.0.15.json", import.meta.url);

export interface Handshakes70Fixture {
  /** `redis-server --version` of the binary recorded. */
  readonly recordedWith: string;
  readonly handshakes: Readonly<Partial<Record<HandshakeName, HandshakeRecord>>>;
}

export function readHandshakes70(): Handshakes70Fixture {
  return JSON.parse(readFileSync(HANDSHAKES_7_0_URL, "utf8")) as Handshakes70Fixture;
}
