/**
 * The ring backlog's rules (SPEC.md beside this file), checked against the bytes fed: whatever was
 * fed, the last `size` bytes come back from any offset inside the window, wrapped or not.
 */
import { describe, expect, it } from "vitest";
import { Prng } from "../../sim/prng.ts";
import { RingBacklog } from "./ring-backlog.ts";

describe("ring backlog", () => {
  it("RB-1 starts empty with its first byte at the next offset", () => {
    const ring = new RingBacklog(16, 2);
    expect([ring.idx, ring.histlen, ring.firstByteOffset, ring.endOffset, ring.wrapped]).toEqual([0, 0, 2, 1, false]);
    expect(ring.copyFrom(2)).toEqual(new Uint8Array(0));
  });

  it("RB-2 writes at idx, wraps, caps histlen, and keeps first byte = end - histlen + 1", () => {
    const ring = new RingBacklog(10, 1);
    const fed: number[] = [];
    for (let chunk = 0; chunk < 7; chunk++) {
      const bytes = Uint8Array.from({ length: chunk + 1 }, (_, i) => (fed.length + i) % 251);
      ring.feed(bytes);
      fed.push(...bytes);
      expect(ring.histlen).toBe(Math.min(10, fed.length));
      expect(ring.idx).toBe(fed.length % 10);
      expect(ring.firstByteOffset).toBe(ring.endOffset - ring.histlen + 1);
      expect([...ring.contents()]).toEqual(fed.slice(-10));
    }
    expect(ring.wrapped).toBe(true);
  });

  it("RB-2 a piece longer than the ring leaves only its last bytes, idx where the loop would", () => {
    const ring = new RingBacklog(8, 1);
    ring.feed(Uint8Array.from([1, 2, 3]));
    const big = Uint8Array.from({ length: 21 }, (_, i) => 100 + i);
    ring.feed(big);
    expect(ring.idx).toBe((3 + 21) % 8);
    expect([...ring.contents()]).toEqual([...big.slice(-8)]);
    expect(ring.firstByteOffset).toBe(24 - 8 + 1);
  });

  it("RB-3 gives the bytes from any offset in the window, across the wrap", () => {
    const prng = Prng.fromSeed("ring");
    const ring = new RingBacklog(64, 1);
    const fed: number[] = [];
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from({ length: 1 + prng.int(40) }, () => prng.int(256));
      ring.feed(bytes, 0, bytes.length);
      fed.push(...bytes);
      const o = ring.firstByteOffset + prng.int(ring.histlen + 1);
      expect([...ring.copyFrom(o)]).toEqual(fed.slice(o - 1));
    }
    expect(() => ring.copyFrom(ring.firstByteOffset - 1)).toThrow();
  });

  it("RB-3 takes a range of a larger buffer without copying it first", () => {
    const ring = new RingBacklog(16, 1);
    const data = Uint8Array.from({ length: 30 }, (_, i) => i);
    ring.feed(data, 5, 12);
    expect([...ring.contents()]).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(ring.endOffset).toBe(7);
  });

  it("RB-2 small pieces (copied byte by byte) and large ones (copied as a block) keep the same stream", () => {
    // Sizes either side of the byte-loop threshold, ranges inside larger buffers, a ring large
    // enough that its lazily grown buffer grows while wrapping.
    const prng = Prng.fromSeed("ring-mixed");
    const ring = new RingBacklog(5000, 1);
    const fed: number[] = [];
    for (let round = 0; round < 400; round++) {
      const data = Uint8Array.from({ length: 1 + prng.int(130) }, () => prng.int(256));
      const start = prng.int(data.length);
      const end = start + prng.int(data.length - start + 1);
      ring.feed(data, start, end);
      fed.push(...data.subarray(start, end));
      expect(ring.idx).toBe(fed.length % 5000);
    }
    expect(ring.wrapped).toBe(true);
    expect([...ring.contents()]).toEqual(fed.slice(-5000));
  });
});
