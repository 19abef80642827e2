/**
 * The packed list (list.ts) against a plain array doing the same operations: long lists cross many
 * chunks, chunks regrow, compact and split, and every read (index, range, iteration, pops) must
 * give the array's elements. Views handed out stay valid whatever the list does afterwards.
 */
import { describe, expect, it } from "vitest";
import { ListValue } from "./list.ts";
import { Prng } from "../../sim/prng.ts";

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "latin1"));

function element(random: Prng, n: number): Uint8Array {
  // Mostly short, sometimes long (past a chunk's byte limit), sometimes empty.
  const kind = random.int(20);
  if (kind === 0) return new Uint8Array(0);
  if (kind === 1) return bytes(`big${n}:`.padEnd(20_000 + random.int(3), "z"));
  return bytes(`e${n}`.padEnd(1 + random.int(kind < 4 ? 300 : 12), "x"));
}

function same(list: ListValue, model: readonly Uint8Array[]): void {
  expect(list.length).toBe(model.length);
  expect([...list].map(text)).toEqual(model.map(text));
}

describe("packed list", () => {
  it("matches an array through random pushes, pops, sets, inserts, trims and reads", () => {
    const random = Prng.fromSeed("packed-list");
    const list = new ListValue();
    let model: Uint8Array[] = [];
    const held: { view: Uint8Array; copy: string }[] = [];
    for (let step = 0; step < 40_000; step++) {
      const op = random.int(100);
      if (op < 30) {
        const value = element(random, step);
        list.pushHead(value);
        model.unshift(value);
      } else if (op < 60) {
        const value = element(random, step);
        list.pushTail(value);
        model.push(value);
      } else if (op < 70) {
        const view = list.popHead();
        const expected = model.shift();
        expect(view === undefined ? undefined : text(view)).toBe(expected === undefined ? undefined : text(expected));
        if (view !== undefined && held.length < 2000) held.push({ view, copy: text(view) });
      } else if (op < 80) {
        const view = list.popTail();
        const expected = model.pop();
        expect(view === undefined ? undefined : text(view)).toBe(expected === undefined ? undefined : text(expected));
        if (view !== undefined && held.length < 2000) held.push({ view, copy: text(view) });
      } else if (op < 88 && model.length > 0) {
        const index = random.int(model.length);
        expect(text(list.at(index)!)).toBe(text(model[index]!));
        const view = list.at(index)!;
        if (held.length < 2000) held.push({ view, copy: text(view) });
      } else if (op < 91 && model.length > 0) {
        const index = random.int(model.length);
        const value = element(random, step);
        list.set(index, value);
        model[index] = value;
      } else if (op < 94) {
        const index = random.int(model.length + 1);
        const value = element(random, step);
        list.insertAt(index, value);
        model.splice(index, 0, value);
      } else if (op < 96 && model.length > 0) {
        const start = random.int(model.length);
        const end = start + random.int(model.length - start);
        expect(list.range(start, end).map(text)).toEqual(model.slice(start, end + 1).map(text));
      } else if (op < 97) {
        const head = random.int(Math.min(50, model.length + 1));
        const tail = random.int(Math.min(50, model.length - head + 1));
        list.trimHead(head);
        list.trimTail(tail);
        model = model.slice(head, model.length - tail);
      } else if (op < 98 && random.int(20) === 0) {
        // LREM-like: keep every other element.
        model = model.filter((_, i) => i % 2 === 0);
        list.replaceAll(model);
      } else if (model.length > 0) {
        // Reads walking down from the tail (LPOS with a negative rank).
        for (let i = model.length - 1; i >= Math.max(0, model.length - 40); i--) expect(text(list.at(i)!)).toBe(text(model[i]!));
      }
      if (step % 5000 === 0) same(list, model);
    }
    same(list, model);
    expect(list.clone().toArray().map(text)).toEqual(model.map(text));
    // What was handed out kept its bytes.
    for (const { view, copy } of held) expect(text(view)).toBe(copy);
  });

  it("holds a long list pushed at one end in order, with its first and last elements at hand", () => {
    const list = new ListValue();
    for (let i = 0; i < 100_000; i++) list.pushHead(bytes(String(i)));
    expect(list.length).toBe(100_000);
    expect(text(list.at(0)!)).toBe("99999");
    expect(text(list.at(99_999)!)).toBe("0");
    expect(text(list.at(50_000)!)).toBe("49999");
    expect(list.range(99_997, 99_999).map(text)).toEqual(["2", "1", "0"]);
    const descending = Array.from({ length: 100_000 }, (_, i) => String(99_999 - i));
    expect(Array.from(list, text)).toEqual(descending);
    const popped: string[] = [];
    for (let i = 0; i < 100_000; i++) popped.push(text(list.popTail()!));
    expect(popped).toEqual(descending.reverse());
    expect(list.length).toBe(0);
    expect(list.popHead()).toBeUndefined();
  });
});
