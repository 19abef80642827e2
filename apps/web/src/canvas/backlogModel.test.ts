import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { cardBacklogBar, markerPlace, scaledBacklogBar } from "./backlogModel.ts";
import { makeNode } from "../store/fixtures.ts";

const nameOf = (id: string | null, address: string): string => id ?? address;

describe("markerPlace", () => {
  it("accepts offsets from first-1 (nothing missing yet) to the end of the window", () => {
    expect(markerPlace(0, 1, 244)).toBe("inside");
    expect(markerPlace(244, 1, 244)).toBe("inside");
    expect(markerPlace(100, 1, 244)).toBe("inside");
  });
  it("puts replicas that lost bytes behind and impossible ones ahead", () => {
    expect(markerPlace(15, 17, 300)).toBe("behind");
    expect(markerPlace(301, 17, 300)).toBe("ahead");
  });
});

describe("cardBacklogBar", () => {
  it("spans the window and marks each replica where it stands", () => {
    const node = makeNode("n1", {
      masterReplOffset: 244,
      backlog: { active: true, sizeBytes: 1048576, firstByteOffset: 1, histlen: 244, memoryBytes: 0 },
      replicas: [
        { nodeId: "n2" as NodeId, address: "127.0.0.1:6380", state: "online", ackOffset: 244, lagSec: 0, awaitingFirstAck: false },
        { nodeId: "n3" as NodeId, address: "127.0.0.1:6381", state: "online", ackOffset: 100, lagSec: 0, awaitingFirstAck: false },
      ],
    });
    const bar = cardBacklogBar(node, nameOf);
    expect(bar.first).toBe(1);
    expect(bar.last).toBe(244);
    expect(bar.windowStart).toBeGreaterThan(0);
    expect(bar.windowEnd).toBeLessThan(1);
    const [b, c] = bar.markers;
    expect(b?.x).toBeCloseTo(bar.windowEnd, 5);
    expect(c!.x).toBeGreaterThan(bar.windowStart);
    expect(c!.x).toBeLessThan(b!.x);
    expect(bar.markers.every((m) => m.place === "inside" && !m.clamped)).toBe(true);
  });

  it("widens the range to the left for a replica behind the window", () => {
    const node = makeNode("n1", {
      masterReplOffset: 20000,
      backlog: { active: true, sizeBytes: 16384, firstByteOffset: 3617, histlen: 16384, memoryBytes: 0 },
      replicas: [{ nodeId: "n2" as NodeId, address: "a", state: "online", ackOffset: 1000, lagSec: 3, awaitingFirstAck: false }],
    });
    const bar = cardBacklogBar(node, nameOf);
    expect(bar.markers[0]?.place).toBe("behind");
    expect(bar.markers[0]!.x).toBeLessThan(bar.windowStart);
    expect(bar.markers[0]!.x).toBeGreaterThan(0);
  });

  it("draws no window for a node without a backlog", () => {
    const bar = cardBacklogBar(makeNode("n1", {}), nameOf);
    expect(bar.active).toBe(false);
    expect(bar.markers).toEqual([]);
  });
});

describe("scaledBacklogBar", () => {
  it("draws the history to scale against repl-backlog-size", () => {
    const node = makeNode("n1", {
      masterReplOffset: 262144,
      backlog: { active: true, sizeBytes: 1048576, firstByteOffset: 1, histlen: 262144, memoryBytes: 0 },
      replicas: [{ nodeId: "n2" as NodeId, address: "a", state: "online", ackOffset: 262144, lagSec: 0, awaitingFirstAck: false }],
    });
    const bar = scaledBacklogBar(node, nameOf);
    expect(bar.windowEnd - bar.windowStart).toBeCloseTo(0.25, 3);
    expect(bar.markers[0]?.x).toBe(1);
  });

  it("clamps a replica older than the whole capacity to the left end", () => {
    const node = makeNode("n1", {
      masterReplOffset: 5_000_000,
      backlog: { active: true, sizeBytes: 1048576, firstByteOffset: 5_000_000 - 1048576 + 1, histlen: 1048576, memoryBytes: 0 },
      replicas: [{ nodeId: "n2" as NodeId, address: "a", state: "online", ackOffset: 10, lagSec: 0, awaitingFirstAck: false }],
    });
    const bar = scaledBacklogBar(node, nameOf);
    expect(bar.markers[0]).toMatchObject({ x: 0, clamped: true, place: "behind" });
  });
});
