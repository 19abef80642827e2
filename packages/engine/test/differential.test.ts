/**
 * Differential test: every scenario runs on real redis-server 7.0.15 processes (started on free
 * loopback ports, stopped by PID) and on the simulated lab; observations must be identical.
 * CI installs redis-server; without it this test fails rather than skipping.
 */
import { describe, expect, it } from "vitest";
import { LabBackend, RealBackend, redisServerAvailable } from "./backends.ts";
import { SCENARIOS } from "./scenarios.ts";

describe("lab vs real redis-server 7.0.15", () => {
  it("redis-server is installed", () => {
    expect(redisServerAvailable(), "install the Debian package redis-server").toBe(true);
  });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}`, { timeout: 90_000 }, async () => {
      const real = new RealBackend();
      try {
        const expected = await scenario(real);
        const actual = await scenario(new LabBackend(`diff:${name}`));
        expect(actual.replies).toEqual(expected.replies);
        expect(actual.checkpoints).toEqual(expected.checkpoints);
      } finally {
        await real.close();
      }
    });
  }
});
