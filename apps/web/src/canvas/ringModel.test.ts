import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import type { OffsetNode } from "../format/kinds.ts";
import { makeNode } from "../store/fixtures.ts";
import { arcPath, pointAt, ringOf, ringPlace } from "./ringModel.ts";

const nameOf = (id: string | null, address: string): string => id ?? address;

/**
 * A 4.0 master with a 100-byte ring that has been fed 250 bytes since it was made (offsets 1..250):
 * the writer went round twice and stands at index 50; the ring holds offsets 151..250.
 */
function ringNode(acks: readonly number[]): OffsetNode {
  const base = makeNode("n1", { masterReplOffset: 250 });
  return {
    ...base,
    protocol: "redis-psync2-ring",
    backlog: { active: true, sizeBytes: 100, idx: 50, histlen: 100, firstByteOffset: 151, lastByteOffset: 250, wrapped: true, fedBytes: 250 },
    replicas: acks.map((ackOffset, i) => ({ nodeId: `n${i + 2}` as NodeId, address: `127.0.0.1:${6380 + i}`, state: "online" as const, ackOffset, lagSec: 0, awaitingFirstAck: false })),
  } as unknown as OffsetNode;
}

describe("ringPlace", () => {
  it("keeps a replica whose next byte is still held, down to the oldest byte", () => {
    expect(ringPlace(250, 250, 100)).toBe("inside");
    expect(ringPlace(150, 250, 100)).toBe("inside");
  });
  it("marks one the writer went round past as overwritten, and one past the stream as ahead", () => {
    expect(ringPlace(149, 250, 100)).toBe("overwritten");
    expect(ringPlace(251, 250, 100)).toBe("ahead");
  });
});

describe("ringOf", () => {
  it("puts the write index, the history and each replica on the buffer, counting laps", () => {
    const ring = ringOf(ringNode([250, 200, 120]), nameOf)!;
    expect(ring).toMatchObject({ sizeBytes: 100, idx: 50, laps: 2, wrapped: true, idxTurn: 0.5, historyStartTurn: 0.5 });
    const [current, lagging, lapped] = ring.markers;
    // In sync: it reads next where the writer writes next.
    expect(current).toMatchObject({ index: 50, place: "inside", behindBytes: 0 });
    // 50 bytes behind the writer: index 0, still held.
    expect(lagging).toMatchObject({ index: 0, place: "inside", behindBytes: 50 });
    // 130 bytes behind a 100-byte ring: the writer lapped it (its spot now holds newer bytes).
    expect(lapped).toMatchObject({ index: 20, place: "overwritten", behindBytes: 130 });
  });

  it("is null for kinds without a ring (7.0's block backlog)", () => {
    expect(ringOf(makeNode("n1", {}), nameOf)).toBeNull();
  });
});

describe("ring drawing", () => {
  it("goes clockwise from the top", () => {
    const top = pointAt(100, 100, 50, 0);
    const right = pointAt(100, 100, 50, 0.25);
    expect(top.x).toBeCloseTo(100);
    expect(top.y).toBeCloseTo(50);
    expect(right.x).toBeCloseTo(150);
    expect(right.y).toBeCloseTo(100);
    expect(arcPath(100, 100, 50, 0, 0.75, false)).toMatch(/ A 50 50 0 1 1 /);
    expect(arcPath(100, 100, 50, 0.9, 0.1, false)).toMatch(/ A 50 50 0 0 1 /);
  });
});
