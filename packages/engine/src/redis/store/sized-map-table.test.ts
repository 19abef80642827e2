import { describe, expect, it } from "vitest";
import { hashBytes, hashKey, KEY_OVERHEAD_BYTES, SizedMap } from "./sized-map.ts";

/** A small seeded generator (xorshift32), so a failure replays. */
function generator(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const counted = (model: Map<string, Uint8Array>): number => {
  let total = 0;
  for (const [key, value] of model) total += KEY_OVERHEAD_BYTES + key.length + value.length;
  return total;
};

describe("SizedMap as a table", () => {
  it("hashes a key's string and its bytes alike", () => {
    for (const key of ["", "a", "ab", "abc", "abcd", "key:12345", "\u0000\u00ff\u0080x", "x".repeat(37)]) {
      const data = bytes(`--${key}--`);
      expect(hashBytes(data, 2, 2 + key.length)).toBe(hashKey(key));
    }
  });

  it("keeps a Map's contents, order and counts through random sets, byte sets, deletes and clears", () => {
    for (const seed of [1, 2, 3]) {
      const random = generator(seed);
      const map = new SizedMap<Uint8Array>();
      const model = new Map<string, Uint8Array>();
      const pool = 50 + random(3000);
      for (let step = 0; step < 10_000; step++) {
        const key = `k${random(pool)}${random(4) === 0 ? "\u00e9\u0000" : ""}`;
        const op = random(100);
        if (op < 40) {
          const value = bytes("v".repeat(random(20)));
          map.set(key, value);
          model.set(key, value);
        } else if (op < 70) {
          const text = "w".repeat(random(20));
          const data = bytes(`..${key}.${text}`);
          map.setRange(data, 2, 2 + key.length, 3 + key.length, data.length);
          model.set(key, bytes(text));
        } else if (op < 99) {
          expect(map.delete(key)).toBe(model.delete(key));
        } else if (random(20) === 0) {
          map.clear();
          model.clear();
        }
        if (step % 997 === 0 || step === 9_999) {
          expect(map.size).toBe(model.size);
          expect([...map.keys()]).toEqual([...model.keys()]);
          expect([...map.values()]).toEqual([...model.values()]);
          expect(map.memoryBytes).toBe(counted(model));
          for (const k of model.keys()) expect(map.get(k)).toEqual(model.get(k));
          if (model.size > 0) {
            const n = random(model.size);
            expect(map.keyAt(n)).toBe([...model.keys()][n]);
          }
        }
      }
    }
  });

  it("entries loaded as places in an RDB-like arena act as set ones through lookups, byte sets, deletes, scans, walks and forks", () => {
    for (const seed of [4, 5, 6]) {
      const random = generator(seed);
      // Each entry as an RDB stores a short string: key length, key, value length (one byte), value.
      const parts: number[] = [9, 9, 9];
      const places: [number, number, number, number][] = [];
      for (let i = 0; i < 2000; i++) {
        // Some keys repeat (the later value wins), some values are too long for one length byte.
        const key = random(10) === 0 && i > 0 ? `k${random(i)}` : `k${i}${random(4) === 0 ? "\u00e9\u0000" : ""}`;
        const value = "v".repeat(random(8) === 0 ? 64 + random(40) : random(30));
        parts.push(key.length);
        const keyStart = parts.length;
        for (const c of key) parts.push(c.charCodeAt(0));
        parts.push(value.length);
        const valueStart = parts.length;
        for (const c of value) parts.push(c.charCodeAt(0));
        places.push([keyStart, keyStart + key.length, valueStart, valueStart + value.length]);
      }
      const arena = Uint8Array.from(parts);
      const map = new SizedMap<Uint8Array>();
      const order = new Map<string, Uint8Array>();
      for (const [keyStart, keyEnd, valueStart, valueEnd] of places) {
        map.loadRange(arena, keyStart, keyEnd, valueStart, valueEnd);
        let key = "";
        for (let i = keyStart; i < keyEnd; i++) key += String.fromCharCode(arena[i]!);
        order.set(key, arena.slice(valueStart, valueEnd));
      }
      expect(map.size).toBe(order.size);
      expect(map.memoryBytes).toBe(counted(order));
      const loaded = [...order.entries()];
      // A fork taken before anything looked at the entries: it shares the arena.
      const fork = map.copyForFork((value) => value);
      const keys = [...order.keys()];
      for (let step = 0; step < 6000; step++) {
        const key = random(5) === 0 ? `new${random(300)}` : keys[random(keys.length)]!;
        const op = random(100);
        if (op < 25) {
          expect(map.get(key)).toEqual(order.get(key));
        } else if (op < 45) {
          const text = "w".repeat(random(20));
          const data = bytes(`..${key}.${text}`);
          map.setRange(data, 2, 2 + key.length, 3 + key.length, data.length);
          order.set(key, bytes(text));
        } else if (op < 60) {
          const value = bytes("s".repeat(random(5)));
          map.set(key, value);
          order.set(key, value);
        } else if (op < 85) {
          expect(map.delete(key)).toBe(order.delete(key));
        } else if (op < 95) {
          expect(map.has(key)).toBe(order.has(key));
        } else if (order.size > 0) {
          const n = random(order.size);
          expect(map.keyAt(n)).toBe([...order.keys()][n]);
        }
        if (step % 1499 === 0) {
          expect(map.memoryBytes).toBe(counted(order));
          const found: string[] = [];
          let cursor = 0;
          do cursor = map.scan(cursor, 1 + random(50), found);
          while (cursor !== 0);
          expect(found).toEqual([...order.keys()]);
        }
      }
      expect([...map.entries()]).toEqual([...order.entries()]);
      expect(map.memoryBytes).toBe(counted(order));
      // The fork kept the loaded contents, untouched by the changes above; a checkpoint's view of
      // its table holds strings and bytes only.
      const table = fork.tableParts();
      expect(table.slots.filter((slot) => typeof slot === "number").length).toBe(fork.size);
      expect([...fork.entries()]).toEqual(loaded);
      expect(fork.memoryBytes).toBe(counted(new Map(loaded)));
    }
  });

  it("a SET of the bytes a key already holds keeps its value; other bytes are copied out of the input", () => {
    const map = new SizedMap<Uint8Array>();
    const data = bytes("key:1 abc abd");
    map.setRange(data, 0, 5, 6, 9);
    const first = map.get("key:1")!;
    map.setRange(data, 0, 5, 6, 9);
    expect(map.get("key:1")).toBe(first);
    map.setRange(data, 0, 5, 10, 13);
    const second = map.get("key:1")!;
    expect(second).not.toBe(first);
    data.fill(0);
    expect([...first, ...second]).toEqual([...bytes("abcabd")]);
    expect(map.memoryBytes).toBe(KEY_OVERHEAD_BYTES + 5 + 3);
  });

  it("SCAN returns every key present for the whole scan exactly once while others come and go, across growth and compaction", () => {
    for (const seed of [7, 8, 9]) {
      const random = generator(seed);
      const map = new SizedMap<Uint8Array>();
      const value = bytes("v");
      for (let i = 0; i < 500; i++) map.set(`stay:${i}`, value);
      for (let i = 0; i < 2000; i++) map.set(`go:${i}`, value);
      const seen = new Map<string, number>();
      let cursor = 0;
      let added = 0;
      let deleted = 0;
      do {
        const found: string[] = [];
        cursor = map.scan(cursor, 1 + random(40), found);
        for (const key of found) seen.set(key, (seen.get(key) ?? 0) + 1);
        // Churn: delete some of the others (compaction), add new ones (growth).
        for (let i = 0; i < 60; i++) if (map.delete(`go:${random(2000)}`)) deleted++;
        if (added < 3000) for (let i = 0; i < 40; i++) map.set(`new:${added++}`, value);
      } while (cursor !== 0);
      expect(deleted).toBeGreaterThan(1000);
      for (let i = 0; i < 500; i++) expect(seen.get(`stay:${i}`)).toBe(1);
      for (const count of seen.values()) expect(count).toBe(1);
    }
  });

  it("a scan with no changes pages through the keys in order, its cursor the next key's position", () => {
    const map = new SizedMap<Uint8Array>();
    for (let i = 0; i < 25; i++) map.set(`key:${i}`, bytes("x"));
    const pages: string[][] = [];
    const cursors: number[] = [];
    let cursor = 0;
    do {
      const found: string[] = [];
      cursor = map.scan(cursor, 10, found);
      pages.push(found);
      cursors.push(cursor);
    } while (cursor !== 0);
    expect(cursors).toEqual([10, 20, 0]);
    expect(pages.flat()).toEqual([...map.keys()]);
  });

  it("iterates as a Map does while entries are deleted and added during the walk", () => {
    const random = generator(11);
    const map = new SizedMap<Uint8Array>();
    const model = new Map<string, Uint8Array>();
    const value = bytes("v");
    for (let i = 0; i < 3000; i++) {
      map.set(`k${i}`, value);
      model.set(`k${i}`, value);
    }
    const script: [string, string][] = [];
    for (let i = 0; i < 3000; i++) script.push(random(3) === 0 ? ["add", `n${i}`] : ["del", `k${random(3000)}`]);
    const walk = (m: { keys(): IterableIterator<string>; set(k: string, v: Uint8Array): unknown; delete(k: string): boolean }): string[] => {
      const out: string[] = [];
      let i = 0;
      for (const key of m.keys()) {
        out.push(key);
        const [op, arg] = script[i++ % script.length]!;
        if (op === "add") m.set(arg, value);
        else m.delete(arg);
        if (out.length > 20_000) break;
      }
      return out;
    };
    expect(walk(map)).toEqual(walk(model));
    // forEach too, which goes straight along the slots until a visit moves them: deletes that
    // compact the table, adds that grow it, a clear.
    type Walked = { forEach(visit: (v: Uint8Array, k: string) => void): void; set(k: string, v: Uint8Array): unknown; delete(k: string): boolean; clear(): void };
    const each = (m: Walked, clearAt: number): string[] => {
      const pick = generator(12);
      for (let i = 0; i < 3000; i++) m.set(`k${i}`, value);
      const out: string[] = [];
      m.forEach((_v, key) => {
        out.push(key);
        for (let j = 0; j < 3; j++) m.delete(`k${pick(3000)}`);
        if (out.length < 6000) m.set(`n${out.length}`, value);
        if (out.length === clearAt) m.clear();
      });
      return out;
    };
    for (const clearAt of [-1, 700, 5000]) {
      map.clear();
      model.clear();
      expect(each(map, clearAt)).toEqual(each(model, clearAt));
    }
  });

  it("a fork's copy is independent and counted the same", () => {
    const map = new SizedMap<Uint8Array | { length: number }>();
    for (let i = 0; i < 100; i++) map.set(`k${i}`, i % 10 === 0 ? { length: i } : bytes("abc"));
    for (let i = 0; i < 100; i += 3) map.delete(`k${i}`);
    const copy = map.copyForFork((value) => (typeof value === "object" && value !== null && !(value instanceof Uint8Array) ? { ...value } : value));
    expect([...copy.keys()]).toEqual([...map.keys()]);
    expect(copy.memoryBytes).toBe(map.memoryBytes);
    copy.set("extra", bytes("zz"));
    copy.delete("k1");
    expect(map.has("extra")).toBe(false);
    expect(map.has("k1")).toBe(true);
    expect(copy.get("k10")).not.toBe(map.get("k10"));
    expect(copy.get("k10")).toEqual(map.get("k10"));
  });
});
