/** The wall-to-virtual mapping, with the wall clock passed in. */
import { describe, expect, it } from "vitest";
import { LabClock } from "./lab-clock.ts";

describe("LabClock", () => {
  it("follows the wall clock at its speed", () => {
    const clock = new LabClock(1000, 0);
    expect(clock.targetMs(1500)).toBe(500);
    clock.setSpeed(10, 1500, 500);
    expect(clock.targetMs(1600)).toBe(1500);
    expect(() => clock.setSpeed(0.01, 1600, 1500)).toThrow(RangeError);
    expect(() => clock.setSpeed(101, 1600, 1500)).toThrow(RangeError);
  });

  it("stands still while paused, moves only by steps, and resumes without a jump", () => {
    const clock = new LabClock(0, 0);
    clock.pause(100, 100);
    expect(clock.targetMs(5000)).toBe(100);
    clock.step(250);
    expect(clock.targetMs(9000)).toBe(350);
    clock.resume(10_000, 350);
    expect(clock.targetMs(10_100)).toBe(450);
  });

  it("keeps a pending step when the speed changes while paused", () => {
    const clock = new LabClock(0, 0);
    clock.pause(0, 0);
    clock.step(1000);
    clock.setSpeed(2, 50, 400);
    expect(clock.targetMs(60)).toBe(1000);
  });

  it("slips instead of running away when the world falls behind", () => {
    const clock = new LabClock(0, 0);
    // 10 s of wall time passed but the world only reached 2 s.
    clock.slip(10_000, 2000, 1000);
    expect(clock.targetMs(10_000)).toBe(3000);
    // Within the allowance nothing changes.
    clock.slip(10_500, 3000, 1000);
    expect(clock.targetMs(10_500)).toBe(3500);
  });
});
