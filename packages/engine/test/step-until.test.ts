/**
 * `Lab.stepUntil(t, max)` (the server's real-time runtime catching up with the wall clock) is
 * `step()` called once per event due by t, at most `max` times: the same lab after it, and a log
 * that replays to the same lab, with one `steps` entry where the steps were.
 */
import { describe, expect, it } from "vitest";
import { Lab, Prng, type LabOrigin } from "../src/index.ts";
import { fingerprint } from "./random-lab.ts";

const ORIGIN: LabOrigin = { seed: "step-until", epochMs: 1_700_000_000_000, splitChunks: false, maxEvents: 5000, defaultLink: { latencyMs: 1, bandwidthBytesPerSec: 2_000_000, partitioned: false } };

/** A chain of three taking writes, over links with latency and little bandwidth: many events per ms. */
function build(): Lab {
  const lab = new Lab(ORIGIN);
  const [a, b, c] = ["A", "B", "C"].map((name) => lab.addNode({ name }).id);
  lab.replicaOf(b!, a!);
  lab.replicaOf(c!, b!);
  return lab;
}

describe("stepUntil", () => {
  it("is step() once per due event, within its cap, and its log replays to the same lab", () => {
    const one = build();
    const many = build();
    const rng = Prng.fromSeed("step-until");
    const a = one.nodeIds()[0]!;
    let capped = 0;
    for (let round = 0; round < 400; round++) {
      const write = ["SET", `k${rng.int(50)}`, "v".repeat(rng.int(3000))];
      one.command(a, ...write);
      many.command(a, ...write);
      if (round === 150) {
        one.kill(one.nodeIds()[1]!);
        many.kill(many.nodeIds()[1]!);
      }
      if (round === 200) {
        one.restart(one.nodeIds()[1]!);
        many.restart(many.nodeIds()[1]!);
      }
      const target = one.nowMs + rng.int(30);
      const max = 1 + rng.int(8);
      // The runtime's loop as it was, and as it is.
      for (let steps = 0; steps < max && one.nextEventMs() <= target; steps++) one.step();
      const count = many.stepUntil(target, max);
      if (count === max) capped++;
      expect(fingerprint(many), `round ${round}`).toBe(fingerprint(one));
      expect(many.nowMs).toBe(one.nowMs);
      if (rng.int(3) === 0) {
        one.runUntil(target);
        many.runUntil(target);
      }
    }
    // Both ways of ending were taken: the cap, and running out of due events.
    expect(capped).toBeGreaterThan(5);
    expect(capped).toBeLessThan(400);
    // Nothing due: nothing done, nothing logged.
    const length = many.inputs.length;
    expect(many.stepUntil(many.nowMs - 1, 10)).toBe(0);
    expect(many.inputs.length).toBe(length);
    // The log rebuilds the lab.
    expect(fingerprint(Lab.replay(ORIGIN, many.inputs.toArray()))).toBe(fingerprint(many));
    expect(fingerprint(Lab.replay(ORIGIN, one.inputs.toArray()))).toBe(fingerprint(one));
  });
});
