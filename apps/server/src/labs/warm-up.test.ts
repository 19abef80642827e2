/**
 * The fork probe runs at start (issue 12, found by the RESP fuzzer): without it, the first timeline
 * checkpoint of the process built the probe labs on the event loop (hundreds of ms on a loaded
 * machine) while every lab's clients waited. After the warm-up, forking a lab costs only the copy.
 * Compared with the warm-up's own time rather than a fixed bound, so a loaded machine slows both.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "@replica-lab/engine";
import { warmUpForks } from "./warm-up.ts";

describe("the warm-up at start", () => {
  it("leaves the first checkpoint of a lab only the copy to do", () => {
    const lab = new Lab({ seed: "warm-up-test" });
    lab.addNode({});
    lab.runUntilIdle(30_000);
    let started = performance.now();
    warmUpForks();
    const warmUpMs = performance.now() - started;
    started = performance.now();
    const fork = lab.fork();
    const forkMs = performance.now() - started;
    expect(fork.ok).toBe(true);
    expect(forkMs).toBeLessThan(warmUpMs / 4);
  });
});
