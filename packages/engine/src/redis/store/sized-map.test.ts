import { describe, expect, it } from "vitest";
import { KEY_OVERHEAD_BYTES, SizedMap } from "./sized-map.ts";
import { ownBytes } from "./value.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("SizedMap counting", () => {
  it("counts a string overwritten by a string, and by an aggregate, as set after delete would", () => {
    const map = new SizedMap<Uint8Array | { readonly length: number }>();
    map.set("k", bytes("abc"));
    map.set("k", bytes("abcdef"));
    expect(map.memoryBytes).toBe(KEY_OVERHEAD_BYTES + 1 + 6);
    map.set("k", { length: 2 });
    const aggregate = map.memoryBytes;
    map.set("k", bytes("x"));
    expect(map.memoryBytes).toBe(KEY_OVERHEAD_BYTES + 1 + 1);
    expect(aggregate).toBeGreaterThan(KEY_OVERHEAD_BYTES + 1);
  });

  it("loads entries to the same count as set, a repeated key included (the later value wins)", () => {
    const loaded = new SizedMap<Uint8Array>();
    const set = new SizedMap<Uint8Array>();
    for (const [key, value] of [
      ["a", "1"],
      ["bb", "22"],
      ["a", "333"],
    ] as const) {
      loaded.load(key, bytes(value));
      set.set(key, bytes(value));
    }
    expect([...loaded.keys()]).toEqual(["a", "bb"]);
    expect(loaded.get("a")).toEqual(bytes("333"));
    expect(loaded.memoryBytes).toBe(set.memoryBytes);
    // After the recount, changes count from the right total.
    loaded.delete("bb");
    set.delete("bb");
    expect(loaded.memoryBytes).toBe(set.memoryBytes);
  });
});

describe("ownBytes", () => {
  it("copies small and large ranges into values of their own", () => {
    const input = new Uint8Array(200).map((_, i) => i);
    const small = ownBytes(input, 3, 10);
    const large = ownBytes(input, 0, 150);
    input.fill(0);
    expect([...small]).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(large.length).toBe(150);
    expect(large[149]).toBe(149);
  });
});
