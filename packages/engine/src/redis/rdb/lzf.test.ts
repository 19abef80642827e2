import { describe, expect, it } from "vitest";
import { RdbError } from "./errors.ts";
import { lzfCompress, lzfCompressInto, lzfDecompress } from "./lzf.ts";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const toHex = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Compressed payloads copied out of dump.rdb files written by redis-server 7.0.15 (SET k <input>; SAVE). */
const REDIS_VECTORS: ReadonlyArray<[string, string]> = [
  ["abc".repeat(100), "0361626361e0ff02e11507016263"],
  ["a".repeat(21), "016161e00a00"],
  [
    "the quick brown fox jumps over the lazy dog; the quick brown fox jumps again",
    "1f74686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e086c617a7920646f673b600de00d2c04616761696e",
  ],
];

function pseudoRandom(length: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 16) % alphabet;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function expectCorrupt(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RdbError);
  expect((thrown as RdbError).code).toBe("corrupt");
  expect((thrown as RdbError).message).toMatch(/^Invalid LZF compressed string/);
}

describe("lzf", () => {
  it("RDB-13: compresses exactly as redis-server 7.0.15 does", () => {
    for (const [input, compressed] of REDIS_VECTORS) {
      expect(toHex(lzfCompress(ascii(input))), input).toBe(compressed);
    }
  });

  it("RDB-12: decompresses redis's payloads", () => {
    for (const [input, compressed] of REDIS_VECTORS) {
      expect(lzfDecompress(hex(compressed), input.length)).toEqual(ascii(input));
    }
  });

  it("RDB-12: decodes the spec's hand-made stream (literal abc, then overlapping back-references)", () => {
    // 02 'abc' = literal run of 3; E0 FF 02 = copy 7+255+2 = 264 bytes from 3 back; E0 18 02 = 33 more.
    const stream = Uint8Array.of(0x02, 0x61, 0x62, 0x63, 0xe0, 0xff, 0x02, 0xe0, 0x18, 0x02);
    expect(lzfDecompress(stream, 300)).toEqual(ascii("abc".repeat(100)));
  });

  it("RDB-12/13: round-trips text, runs, far matches and noise of many sizes", () => {
    const inputs: Uint8Array[] = [ascii("a".repeat(100_000)), ascii("abcdefgh".repeat(5000))];
    for (const size of [5, 21, 33, 64, 100, 1000, 9000, 70_000]) {
      for (const alphabet of [2, 4, 26, 256]) inputs.push(pseudoRandom(size, size * alphabet, alphabet));
    }
    // A block repeated more than 8 KiB later: too far for LZF's 13-bit offsets.
    const block = pseudoRandom(3000, 5, 256);
    const far = new Uint8Array(3000 + 9000 + 3000);
    far.set(block, 0);
    far.set(pseudoRandom(9000, 6, 256), 3000);
    far.set(block, 12000);
    inputs.push(far);
    for (const input of inputs) {
      const compressed = lzfCompress(input);
      if (compressed === null) continue;
      expect(compressed.length).toBeLessThanOrEqual(input.length - 4);
      expect(sameBytes(lzfDecompress(compressed, input.length), input)).toBe(true);
    }
    // 100 000 equal bytes: 3 bytes per maximal 264-byte match.
    expect(lzfCompress(inputs[0]!)!.length).toBeLessThan(1200);
  });

  it("RDB-11: gives up (null) when the result would not be at least 4 bytes shorter", () => {
    expect(lzfCompress(ascii("aaaa"))).toBeNull(); // redis does not even try 4 bytes or fewer
    expect(lzfCompress(new Uint8Array(0))).toBeNull();
    expect(lzfCompress(pseudoRandom(1000, 3, 256))).toBeNull();
    // 20 distinct bytes then a short repeat: a match that saves too little.
    expect(lzfCompress(ascii("abcdefghijklmnopqrstabc"))).toBeNull();
    // lzfCompressInto reports 0 when the output window is too small.
    const out = new Uint8Array(3);
    expect(lzfCompressInto(ascii("a".repeat(100)), 0, 100, out, 0, 3)).toBe(0);
  });

  it("RDB-12: an empty stream decodes to an empty string", () => {
    expect(lzfDecompress(new Uint8Array(0), 0)).toEqual(new Uint8Array(0));
  });

  it("RDB-12: refuses every malformed stream with RdbError 'corrupt'", () => {
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x02, 0x61, 0x62, 0x63), 2)); // literal past the declared length
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x05, 0x61, 0x62), 6)); // literal past the input
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x00, 0x61, 0x20), 10)); // back-reference missing its offset byte
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x00, 0x61, 0xe0, 0x05), 20)); // long form cut short
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x00, 0x61, 0x20, 0x05), 10)); // reference before the output start
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x00, 0x61, 0xe0, 0x40, 0x00), 10)); // reference past the declared length
    expectCorrupt(() => lzfDecompress(Uint8Array.of(0x01, 0x61, 0x62), 3)); // ends short of the declared length
  });
});
