import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.ts";

describe("backoffDelayMs", () => {
  const opts = { baseMs: 100, maxMs: 2000, jitter: 0.5 };
  it("doubles per attempt", () => {
    expect(backoffDelayMs(0, 1, opts)).toBe(100);
    expect(backoffDelayMs(1, 1, opts)).toBe(200);
    expect(backoffDelayMs(3, 1, opts)).toBe(800);
  });
  it("never exceeds the cap, even for huge attempt counts", () => {
    expect(backoffDelayMs(10, 1, opts)).toBe(2000);
    expect(backoffDelayMs(10_000, 0.99, opts)).toBeLessThanOrEqual(2000);
  });
  it("jitters down by at most the jitter fraction", () => {
    expect(backoffDelayMs(2, 0, opts)).toBe(200);
    expect(backoffDelayMs(2, 0.5, opts)).toBe(300);
  });
});
