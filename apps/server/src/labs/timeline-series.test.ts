/**
 * The offsets chart shows each moment as the moment itself shows it, also where an operation came
 * at the very virtual time of a sample already taken (a paused lab acted on, or an action right
 * after a step): a node killed then is down at that time, a SET then counts at that time.
 */
import { describe, expect, it } from "vitest";
import { Lab, type NodeId } from "@replica-lab/engine";
import type { MomentView } from "@replica-lab/protocol";
import { DEFAULT_TIMELINE, LabTimeline } from "./lab-timeline.ts";

function offsetAt(timeline: LabTimeline, points: number, timeMs: number, id: NodeId): number | null | undefined {
  const series = timeline.offsets(points);
  const i = series.timeMs.indexOf(timeMs);
  return i < 0 ? undefined : series.nodes[id]![i];
}

function momentOffset(timeline: LabTimeline, timeMs: number, id: NodeId): number | null {
  const moment = timeline.moment(timeMs, (snapshot) => snapshot as unknown as MomentView["snapshot"]);
  const node = moment.snapshot.nodes.find((n) => n.id === id)!;
  return node.status === "down" || !("masterReplOffset" in node) ? null : node.masterReplOffset;
}

describe("the offsets series", () => {
  it("drops a sample an operation at its own time made stale, and samples the moment again", () => {
    const lab = new Lab({ seed: "series-same-time", epochMs: 1_700_000_000_000 });
    const timeline = new LabTimeline(lab, { ...DEFAULT_TIMELINE, pollMs: 0 }, () => true);
    try {
      const [a, b] = ["A", "B"].map((name) => lab.addNode({ name }).id);
      lab.replicaOf(b!, a!);
      lab.runUntilIdle(60_000);
      // T: a whole number of ms, so that the middle of 3 points over [0, 2T] is T exactly.
      const t = Math.ceil(lab.nowMs) + 100;
      lab.runUntil(t);
      timeline.sample();
      expect(offsetAt(timeline, 3, t, b!)).toEqual(expect.any(Number));

      // The paused lab acted on: a SET on A, at T.
      lab.command(a!, "SET", "k", "v");
      lab.runCurrent();
      timeline.sample();
      const afterSet = momentOffset(timeline, t, a!);
      expect(afterSet).toBeGreaterThan(0);
      expect(offsetAt(timeline, 3, t, a!)).toBe(afterSet);

      // B killed at T, and the lab goes on: wherever the chart shows T, it shows the moment's T
      // (B down), not the sample taken before the kill.
      lab.kill(b!);
      lab.runUntil(2 * t);
      timeline.sample();
      expect(momentOffset(timeline, t, b!)).toBeNull();
      for (const points of [3, 5, 9, 40]) {
        const series = timeline.offsets(points);
        series.timeMs.forEach((time, i) => {
          for (const id of [a!, b!]) expect(series.nodes[id]![i], `${id} at ${time} ms of ${points} points`).toBe(momentOffset(timeline, time, id));
        });
      }

      // A run of time from a sampled moment changes nothing at it: that sample stays.
      const before = timeline.offsets(5);
      lab.runUntil(3 * t);
      timeline.sample();
      const later = timeline.offsets(5);
      for (const time of before.timeMs.filter((x) => x <= 2 * t && later.timeMs.includes(x))) {
        expect(later.nodes[a!]![later.timeMs.indexOf(time)]).toBe(before.nodes[a!]![before.timeMs.indexOf(time)]);
      }
      expect(later.timeMs).toContain(2 * t);
    } finally {
      timeline.dispose();
    }
  });
});
