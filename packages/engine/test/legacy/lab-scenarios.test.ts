/**
 * The legacy scenario set, run on the lab's legacy kinds, against what real redis-server 2.6.17,
 * 2.8.24 and 4.0.14 did in the same stories (fixtures/real-redis-<release>.json, recorded by
 * record-legacy.ts): every checkpoint (INFO replication field by field in printed order, ids as
 * equality classes; the sync counters; INFO keyspace; DBSIZE) and every reply.
 */
import { describe, expect, it } from "vitest";
import { LEGACY_RELEASES, readLegacyFixture } from "./legacy-fixture.ts";
import { LEGACY_SCENARIOS, QUIET_CONFIG, runLegacyScenario } from "./legacy-scenarios.ts";
import { LEGACY_VERSIONS } from "./legacy-servers.ts";
import { LabLegacyBackend, labKindOf } from "./lab-backend.ts";

/** The releases whose lab kind exists (LEGACY_KINDS=2.8.24,… picks some). */
const ENABLED = process.env.LEGACY_KINDS?.split(",") ?? LEGACY_RELEASES.filter((release) => labKindOf(release) !== null);

describe.each(LEGACY_RELEASES.filter((r) => ENABLED.includes(r)))("the lab's kind for %s replays the recorded scenarios", (release) => {
  const fixture = readLegacyFixture(release);
  const version = LEGACY_VERSIONS.find((v) => v.release === release)!;
  for (const name of Object.keys(LEGACY_SCENARIOS)) {
    const expected = fixture.scenarios[name];
    if (!expected) continue;
    it(name, async () => {
      const actual = await runLegacyScenario(name, version, () => new LabLegacyBackend(version, labKindOf(release)!, QUIET_CONFIG, `legacy:${release}:${name}`));
      expect(actual?.replies).toEqual(expected.replies);
      expect(actual?.checkpoints).toEqual(expected.checkpoints);
    });
  }
});
