/**
 * The dicts' keyed hash (HalfSipHash-1-3 under the host's secret, `setKeyHashSecret`): the published
 * test vectors, the secret's checks, and keys crafted against the unkeyed hash the dicts used before
 * (murmur3, seed 0), which piled every key into one probe run and now spread as any keys do.
 *
 * Each secret is tried in a fresh copy of the module (`vi.resetModules`): a module refuses a new
 * secret once one of its tables holds keys.
 */
import { describe, expect, it, vi } from "vitest";
import type * as SizedMapExports from "./sized-map.ts";

type SizedMapModule = typeof SizedMapExports;

async function freshModule(secret?: Uint8Array): Promise<SizedMapModule> {
  vi.resetModules();
  const module = (await import("./sized-map.ts")) as SizedMapModule;
  if (secret !== undefined) module.setKeyHashSecret(secret);
  return module;
}

const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const range = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i);

/**
 * HalfSipHash-1-3, 32-bit output, key 00 01 .. 07, input 00 01 .. n-1 for n = 0..63: the vectors of
 * Linux's lib/siphash_kunit.c (test_vectors_hsiphash, 32-bit build), generated with the reference
 * implementation (github.com/veorq/SipHash). The dicts' default key is that same key.
 */
const HSIPHASH_1_3_VECTORS = [
  0x5814c896, 0xe7e864ca, 0xbc4b0e30, 0x01539939, 0x7e059ea6, 0x88e3d89b, 0xa0080b65, 0x9d38d9d6, 0x577999b1, 0xc839caed, 0xe4fa32cf, 0x959246ee, 0x6b28096c,
  0x66dd9cd6, 0x16658a7c, 0xd0257b04, 0x8b31d501, 0x2b1cd04b, 0x06712339, 0x522aca67, 0x911bb605, 0x90a65f0e, 0xf826ef7b, 0x62512deb, 0x57150ad7, 0x5d473507,
  0x1ec47442, 0xab64afd3, 0x0a4100d0, 0x6d2ce652, 0x2331b6a3, 0x08d8791a, 0xbc6dda8d, 0xe0f6c934, 0xb0652033, 0x9b9851cc, 0x7c46fb7f, 0x732ba8cb, 0xf142997a,
  0xfcc9aa1b, 0x05327eb2, 0xe110131c, 0xf9e5e7c0, 0xa7d708a6, 0x11795ab1, 0x65671619, 0x9f5fff91, 0xd89c5267, 0x007783eb, 0x95766243, 0xab639262, 0x9c7e1390,
  0xc368dda6, 0x38ddc455, 0xfa13d379, 0x979ea4e8, 0x53ecd77e, 0x2ee80657, 0x33dbb66a, 0xae3f0577, 0x88b4c4cc, 0x3e7f480b, 0x74c1ebf8, 0x87178304,
];

// --- The attacker's model: murmur3_x86_32 with seed 0, the dicts' hash before the key. ---

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function murmurBlock(h: number, k: number): number {
  k = rotl(Math.imul(k, C1), 15);
  h = rotl(h ^ Math.imul(k, C2), 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function murmurFinal(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function murmur3(data: Uint8Array): number {
  let h = 0;
  let i = 0;
  for (; i + 4 <= data.length; i += 4) h = murmurBlock(h, data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
  let tail = 0;
  for (let shift = 0; i < data.length; i++, shift += 8) tail |= data[i]! << shift;
  if (tail !== 0) h ^= Math.imul(rotl(Math.imul(tail, C1), 15), C2);
  return murmurFinal(h ^ data.length);
}

/** The multiplicative inverse of an odd number modulo 2^32 (Newton's iteration). */
function inverse(odd: number): number {
  let x = odd;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(odd, x));
  return x;
}

/** The state before murmur3's finalizer that gives `hash` (every step is a bijection). */
function unfinal(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, inverse(0xc2b2ae35));
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, inverse(0x85ebca6b));
  return h ^ (h >>> 16);
}

/** The block that takes murmur3's running hash from `before` to `after`. */
function blockBetween(before: number, after: number): number {
  let h = Math.imul((after - 0xe6546b64) | 0, inverse(5));
  h = rotl(h, 19) ^ before;
  const k = rotl(Math.imul(h, inverse(C2)), 17);
  return Math.imul(k, inverse(C1));
}

/**
 * `count` distinct 8-byte keys with one and the same murmur3 hash, `target`: any first block, then
 * the second block solved for it (no search: murmur3 without a key is invertible).
 */
function collidingKeys(count: number, target: number): string[] {
  const before = unfinal(target) ^ 8;
  const keys: string[] = [];
  for (let n = 0; n < count; n++) {
    const first = 0x3a79656b + n; // "key:" and up
    const second = blockBetween(murmurBlock(0, first), before);
    const words = [first, second];
    keys.push(String.fromCharCode(...words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24])));
  }
  return keys;
}

/** The most buckets a lookup walks in a linear-probing index: each occupied bucket's distance from its hash's home, plus one. */
function longestProbe(index: Int32Array, mask: number): number {
  let longest = 0;
  for (let bucket = 0; bucket <= mask; bucket++) {
    if (index[2 * bucket + 1] === 0) continue;
    longest = Math.max(longest, ((bucket - (index[2 * bucket]! & mask)) & mask) + 1);
  }
  return longest;
}

/** The index `hashes` make when placed, in order, as the dicts place them (first free bucket from home). */
function placed(hashes: readonly number[], mask: number): Int32Array {
  const index = new Int32Array(2 * (mask + 1));
  hashes.forEach((hash, i) => {
    let bucket = hash & mask;
    while (index[2 * bucket + 1] !== 0) bucket = (bucket + 1) & mask;
    index[2 * bucket] = hash;
    index[2 * bucket + 1] = i + 1;
  });
  return index;
}

describe("the dicts' keyed hash", () => {
  it("is HalfSipHash-1-3: the published vectors, from a string and from bytes at any offset", async () => {
    const { hashBytes, hashKey } = await freshModule();
    const input = range(64);
    const shifted = new Uint8Array(67);
    shifted.set(input, 3);
    for (let n = 0; n < 64; n++) {
      expect(hashBytes(input, 0, n) >>> 0, `length ${n}`).toBe(HSIPHASH_1_3_VECTORS[n]);
      expect(hashBytes(shifted, 3, 3 + n) >>> 0, `length ${n} at offset 3`).toBe(HSIPHASH_1_3_VECTORS[n]);
      expect(hashKey(String.fromCharCode(...input.subarray(0, n))) >>> 0, `string of length ${n}`).toBe(HSIPHASH_1_3_VECTORS[n]);
    }
  });

  it("depends on the secret, and a string and its bytes hash alike under any secret", async () => {
    const defaults = await freshModule();
    const keyed = await freshModule(Uint8Array.of(0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15));
    const differing = ["", "a", "key:1", "key:000123", "\u0000\u00ff\u0080x", "x".repeat(300)].filter((key) => defaults.hashKey(key) !== keyed.hashKey(key));
    expect(differing.length).toBe(6);
    for (const key of ["", "a", "abc", "abcd", "key:12345", "\u0000\u00ff\u0080x", "y".repeat(257)]) {
      const data = bytesOf(`--${key}--`);
      expect(keyed.hashBytes(data, 2, 2 + key.length)).toBe(keyed.hashKey(key));
    }
  });

  it("takes a secret of 8 bytes only, before any table holds a key, and changes nothing when refused", async () => {
    const module = await freshModule();
    const before = module.hashKey("key:1");
    expect(() => module.setKeyHashSecret(new Uint8Array(7))).toThrow(/must be 8 bytes, not 7/);
    expect(() => module.setKeyHashSecret(new Uint8Array(16))).toThrow(/must be 8 bytes, not 16/);
    expect(module.hashKey("key:1")).toBe(before);
    const secret = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    module.setKeyHashSecret(secret);
    const keyed = module.hashKey("key:1");
    expect(keyed).not.toBe(before);
    new module.SizedMap<Uint8Array>().set("key:1", bytesOf("v"));
    // The same secret again is fine (a second start-up call); another would strand the table's hashes.
    module.setKeyHashSecret(secret.slice());
    expect(() => module.setKeyHashSecret(Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1))).toThrow(/before any dict holds a key/);
    expect(module.hashKey("key:1")).toBe(keyed);
  });

  it("the attacker's model is murmur3_x86_32, seed 0 (published values)", () => {
    expect(murmur3(bytesOf("")) >>> 0).toBe(0);
    expect(murmur3(bytesOf("test")) >>> 0).toBe(0xba6bd213);
    expect(murmur3(bytesOf("Hello, world!")) >>> 0).toBe(0xc0363e43);
    expect(murmur3(bytesOf("The quick brown fox jumps over the lazy dog")) >>> 0).toBe(0x2e4ff723);
  });

  it("keys crafted to collide under the unkeyed hash make one probe run of all of them there, and short runs under a secret", async () => {
    const count = 2048;
    const target = 0x5eed0000;
    const keys = collidingKeys(count, target);
    expect(new Set(keys).size).toBe(count);
    for (const key of keys) expect(murmur3(bytesOf(key))).toBe(target | 0);
    const secrets = [
      undefined,
      Uint8Array.of(0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15),
      Uint8Array.of(255, 0, 255, 0, 1, 2, 3, 4),
      Uint8Array.of(0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42),
    ];
    for (const secret of secrets) {
      const { SizedMap } = await freshModule(secret);
      const map = new SizedMap<Uint8Array>();
      const value = bytesOf("v");
      for (const key of keys) map.set(key, value);
      for (const key of keys) expect(map.get(key)).toBe(value);
      const { index, mask } = map.tableParts();
      // The same table, filled in the same order, with the old hash: every key walks past all before it.
      expect(longestProbe(placed(keys.map((key) => murmur3(bytesOf(key))), mask), mask)).toBe(count);
      expect(longestProbe(index, mask)).toBeLessThanOrEqual(32);
    }
  });
});
