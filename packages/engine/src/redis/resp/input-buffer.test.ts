import { describe, it, expect } from "vitest";
import { InputBuffer } from "./input-buffer.ts";

function pending(buffer: InputBuffer): number[] {
  return Array.from(buffer.data.subarray(buffer.start, buffer.end));
}

describe("InputBuffer", () => {
  it("keeps unconsumed bytes in order across compaction and growth", () => {
    const buffer = new InputBuffer();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 2000; round++) {
      const size = (round * 37) % 3000;
      const chunk = new Uint8Array(size);
      for (let i = 0; i < size; i++) chunk[i] = next++ & 0xff;
      buffer.append(chunk);
      expected.push(...chunk);
      const take = Math.min(buffer.length, (round * 53) % 3500);
      buffer.consume(take);
      expected.splice(0, take);
      expect(buffer.length).toBe(expected.length);
    }
    expect(pending(buffer)).toEqual(expected);
  });

  it("restarts at the front once drained, and gives back a large store", () => {
    const buffer = new InputBuffer();
    buffer.append(new Uint8Array(4 * 1024 * 1024));
    expect(buffer.data.length).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    buffer.consume(buffer.length);
    buffer.append(new Uint8Array([1, 2, 3]));
    expect(buffer.start).toBe(0);
    expect(buffer.data.length).toBeLessThan(1024 * 1024);
    expect(pending(buffer)).toEqual([1, 2, 3]);
  });

  it("sizes growth for a known need at once", () => {
    const buffer = new InputBuffer();
    buffer.append(new Uint8Array(10));
    buffer.append(new Uint8Array(20_000), 5_000_000);
    expect(buffer.data.length).toBe(5_000_000);
    expect(buffer.length).toBe(20_010);
  });

  it("reset drops everything", () => {
    const buffer = new InputBuffer();
    buffer.append(new Uint8Array(100_000));
    buffer.reset();
    expect(buffer.length).toBe(0);
    expect(buffer.data.length).toBeLessThan(100_000);
  });
});
