/**
 * The glob matcher against a live redis-server 7.0.15: random patterns over a small alphabet,
 * KEYS on the real server gives the expected matches (the live part skips without the binary);
 * and the patterns that freeze a backtracking matcher answer at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globMatch } from "./glob.ts";
import { LiveRedis, liveRedisAvailable } from "../../test/live-redis.ts";
import { Prng } from "../sim/prng.ts";
import type { Reply } from "./resp/reply.ts";

function bulkStrings(reply: Reply): string[] {
  if (reply.kind !== "array" || reply.items === null) throw new Error(`not an array: ${JSON.stringify(reply)}`);
  return reply.items.map((item) => {
    if (item.kind !== "bulk" || item.value === null) throw new Error("not a bulk");
    return String.fromCharCode(...item.value);
  });
}

describe("globMatch", () => {
  it("answers nested-star patterns at once (the suite's 'pattern matching long nested loops')", () => {
    const started = performance.now();
    expect(globMatch(`${"a*".repeat(50)}b`, "a".repeat(200))).toBe(false);
    expect(globMatch("*".repeat(100_000) + "x", "y".repeat(100_000))).toBe(false);
    expect(globMatch(`${"a*".repeat(300_000)}b`, "a".repeat(5_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  describe.skipIf(!liveRedisAvailable())("against redis-server 7.0.15", () => {
    let redis: LiveRedis;
    beforeAll(async () => {
      redis = await LiveRedis.start();
    }, 30_000);
    afterAll(async () => {
      await redis?.stop();
    });

    it("matches the keys KEYS returns, for 400 random patterns", async () => {
      const prng = Prng.fromSeed(17);
      const keys = new Set<string>();
      const alphabet = "abAB-]\\^?*[";
      while (keys.size < 60) {
        let key = "";
        const length = 1 + prng.int(5);
        for (let i = 0; i < length; i++) key += alphabet[prng.int(alphabet.length)];
        keys.add(key);
      }
      await Promise.all([...keys].map((key) => redis.client.command("SET", key, "1")));
      const patternAlphabet = "abAB*?[]^-\\";
      const patterns: string[] = [];
      for (let n = 0; n < 400; n++) {
        let pattern = "";
        const length = 1 + prng.int(7);
        for (let i = 0; i < length; i++) pattern += patternAlphabet[prng.int(patternAlphabet.length)];
        patterns.push(pattern);
      }
      const replies = await Promise.all(patterns.map((pattern) => redis.client.command("KEYS", pattern)));
      patterns.forEach((pattern, i) => {
        const expected = bulkStrings(replies[i]!).sort();
        const actual = [...keys].filter((key) => globMatch(pattern, key)).sort();
        expect(actual, `pattern ${JSON.stringify(pattern)}`).toEqual(expected);
      });
    });

    it("matches CONFIG GET's case-insensitive name matching", async () => {
      const names = bulkStrings(await redis.client.command("CONFIG", "GET", "*")).filter((_, i) => i % 2 === 0);
      for (const pattern of ["REPL-*", "*-MAX-*-ENTRIES", "[r-s]*save*", "?AVE", "Repl-[b-d]*"]) {
        const expected = bulkStrings(await redis.client.command("CONFIG", "GET", pattern)).filter((_, i) => i % 2 === 0).sort();
        expect(names.filter((name) => globMatch(pattern, name, true)).sort(), pattern).toEqual(expected);
      }
    });
  });
});
