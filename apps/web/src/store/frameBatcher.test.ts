import { describe, expect, it } from "vitest";
import { FrameBatcher, type FrameScheduler } from "./frameBatcher.ts";

function fakeScheduler() {
  const frames = new Map<number, () => void>();
  const timers = new Map<number, () => void>();
  let next = 1;
  const scheduler: FrameScheduler = {
    requestFrame: (cb) => (frames.set(next, cb), next++),
    cancelFrame: (h) => void frames.delete(h),
    setTimer: (cb) => (timers.set(next, cb), next++),
    clearTimer: (h) => void timers.delete(h),
  };
  const fire = (map: Map<number, () => void>) => {
    const callbacks = [...map.values()];
    map.clear();
    for (const cb of callbacks) cb();
  };
  return { scheduler, frame: () => fire(frames), timeout: () => fire(timers), frames, timers };
}

describe("FrameBatcher", () => {
  it("delivers everything pushed before a frame in one flush, in order", () => {
    const fake = fakeScheduler();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), fake.scheduler);
    batcher.push(1);
    batcher.push(2);
    batcher.push(3);
    expect(fake.frames.size).toBe(1);
    expect(flushes).toEqual([]);
    fake.frame();
    expect(flushes).toEqual([[1, 2, 3]]);
    expect(fake.timers.size).toBe(0);
  });

  it("flushes on the timer when no frame comes (hidden tab)", () => {
    const fake = fakeScheduler();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), fake.scheduler);
    batcher.push(1);
    fake.timeout();
    expect(flushes).toEqual([[1]]);
    expect(fake.frames.size).toBe(0);
    batcher.push(2);
    fake.frame();
    expect(flushes).toEqual([[1], [2]]);
  });

  it("drops waiting items on dispose", () => {
    const fake = fakeScheduler();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), fake.scheduler);
    batcher.push(1);
    batcher.dispose();
    fake.frame();
    fake.timeout();
    expect(flushes).toEqual([]);
    expect(batcher.pending).toBe(0);
  });
});
