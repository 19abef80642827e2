import { describe, expect, it } from "vitest";
import { makeEvent } from "../store/fixtures.ts";
import type { TimelineEvent } from "./timelineApi.ts";
import { buildMarks, eventTimes, fractionOf, groupOfKind, lanesOf, nextEventTime, previousEventTime, snapToMark, timeAtFraction, withNewEvents } from "./timelineModel.ts";

const ev = (seq: number, timeMs: number, kind: string): TimelineEvent => ({ seq, timeMs, kind: kind as TimelineEvent["kind"], nodeId: "n1", source: "node" });

describe("the bar's scale", () => {
  it("maps moments to fractions of the bar and back, clamped to the lab's history", () => {
    expect(fractionOf(2500, 10_000)).toBe(0.25);
    expect(fractionOf(12_000, 10_000)).toBe(1);
    expect(fractionOf(-1, 10_000)).toBe(0);
    expect(fractionOf(0, 0)).toBe(1);
    expect(timeAtFraction(0.25, 10_000)).toBe(2500);
    expect(timeAtFraction(1.4, 10_000)).toBe(10_000);
    expect(timeAtFraction(-0.2, 10_000)).toBe(0);
  });
});

describe("stepping by event", () => {
  const times = eventTimes([ev(1, 0, "node-added"), ev(2, 0, "node-added"), ev(3, 40, "full-resync"), ev(4, 40, "rdb"), ev(5, 900, "partial-resync")]);

  it("folds events at the same moment into one stop", () => {
    expect(times).toEqual([0, 40, 900]);
  });

  it("steps back to the last moment strictly before, and forward to the first strictly after", () => {
    expect(previousEventTime(times, 1000)).toBe(900);
    expect(previousEventTime(times, 900)).toBe(40);
    expect(previousEventTime(times, 40)).toBe(0);
    expect(previousEventTime(times, 0)).toBeNull();
    expect(nextEventTime(times, 0)).toBe(40);
    expect(nextEventTime(times, 41)).toBe(900);
    expect(nextEventTime(times, 900)).toBeNull();
    expect(previousEventTime([], 10)).toBeNull();
  });

  it("puts stray out-of-order events in their place", () => {
    expect(eventTimes([ev(1, 50, "role"), ev(2, 10, "role"), ev(3, 50, "role")])).toEqual([10, 50]);
  });
});

describe("landing on a mark", () => {
  const marks = [
    { timeMs: 13_002.00848, kind: "full-resync" },
    { timeMs: 13_002.02728, kind: "link" },
    { timeMs: 13_010, kind: "role" },
  ];

  it("prefers the most important mark within reach over a nearer one", () => {
    expect(snapToMark(marks, 13_002.03, 5)).toBe(13_002.00848);
    expect(snapToMark(marks, 13_008, 7)).toBe(13_002.00848); // full resync outweighs the role change
    expect(snapToMark(marks, 13_008, 3)).toBe(13_010);
  });

  it("stays where the pointer is when no mark is within reach", () => {
    expect(snapToMark(marks, 20_000, 5)).toBe(20_000);
    expect(snapToMark([], 7, 5)).toBe(7);
  });

  it("takes the nearest of equally important marks", () => {
    expect(snapToMark([{ timeMs: 10, kind: "link" }, { timeMs: 14, kind: "backlog" }], 13, 5)).toBe(14);
  });
});

describe("marks", () => {
  it("gather a group's events per column, showing the most important kind and its moment", () => {
    const events = [ev(1, 10, "psync-request"), ev(2, 12, "full-resync"), ev(3, 14, "rdb"), ev(4, 12, "killed"), ev(5, 990, "partial-resync")];
    const marks = buildMarks(events, 1000, 10);
    expect(marks.map((m) => [m.group, m.column, m.kind, m.timeMs, m.count])).toEqual([
      ["sync", 0, "full-resync", 12, 3],
      ["sync", 9, "partial-resync", 990, 1],
      ["operator", 0, "killed", 12, 1],
    ]);
    expect(marks[0]!.kinds).toEqual(["full-resync", "psync-request", "rdb"]);
    expect(marks[0]!.fault).toBe(true);
    expect(marks[1]!.fault).toBe(false);
    expect(lanesOf(marks)).toEqual(["sync", "operator"]);
  });

  it("are bounded by columns × groups however many events there are", () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ev(i + 1, i, i % 2 === 0 ? "role" : "link"));
    expect(buildMarks(events, 10_000, 50)).toHaveLength(100);
  });

  it("file a kind newer than this client under other", () => {
    expect(groupOfKind("something-new")).toBe("other");
    expect(groupOfKind("full-resync")).toBe("sync");
    expect(groupOfKind("killed")).toBe("operator");
  });
});

describe("the timeline growing with the stream", () => {
  it("adds only events newer than the newest held, and keeps the list itself when nothing is new", () => {
    const held = [ev(1, 0, "node-added"), ev(2, 5, "role")];
    expect(withNewEvents(held, [makeEvent(1), makeEvent(2)])).toBe(held);
    const grown = withNewEvents(held, [makeEvent(2), makeEvent(3, { timeMs: 30, kind: "full-resync" })]);
    expect(grown.map((e) => [e.seq, e.timeMs, e.kind])).toEqual([
      [1, 0, "node-added"],
      [2, 5, "role"],
      [3, 30, "full-resync"],
    ]);
    // Only the fields the timeline needs are kept.
    expect(Object.keys(grown[2]!).sort()).toEqual(["kind", "nodeId", "seq", "source", "timeMs"]);
  });
});
