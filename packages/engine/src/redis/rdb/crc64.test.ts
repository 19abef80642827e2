import { describe, expect, it } from "vitest";
import { Crc64, crc64 } from "./crc64.ts";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Bit-at-a-time CRC-64/Jones straight from the definition (reflected, init 0, xorout 0). */
function referenceCrc64(bytes: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe("crc64", () => {
  it("RDB-1: CRC-64/Jones check value: crc64('123456789') = 0xe9c6d914c4b8d9ca", () => {
    expect(crc64(ascii("123456789"))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });

  it("RDB-1: matches the bit-by-bit definition for every length 0..100 and larger inputs", () => {
    const data = pseudoRandom(5000, 7);
    for (let length = 0; length <= 100; length++) {
      expect(crc64(data.subarray(0, length)), `length ${length}`).toBe(referenceCrc64(data.subarray(0, length)));
    }
    expect(crc64(data)).toBe(referenceCrc64(data));
  });

  it("RDB-1: gives the same result however the input is split and wherever it sits in its buffer", () => {
    const data = pseudoRandom(3001, 11);
    const whole = crc64(data);
    for (const chunk of [1, 3, 7, 8, 9, 64, 1000]) {
      const crc = new Crc64();
      for (let at = 0; at < data.length; at += chunk) crc.update(data, at, Math.min(data.length, at + chunk));
      expect(crc.toBigInt(), `chunks of ${chunk}`).toBe(whole);
    }
    for (let offset = 0; offset < 8; offset++) {
      const shifted = new Uint8Array(data.length + 8);
      shifted.set(data, offset);
      expect(new Crc64().update(shifted, offset, offset + data.length).toBigInt(), `offset ${offset}`).toBe(whole);
      expect(crc64(shifted.subarray(offset, offset + data.length)), `view at ${offset}`).toBe(whole);
    }
  });

  it("RDB-2: digestLE is the 8-byte little-endian form redis stores after FF", () => {
    const crc = new Crc64().update(ascii("123456789"));
    expect(Array.from(crc.digestLE())).toEqual([0xca, 0xd9, 0xb8, 0xc4, 0x14, 0xd9, 0xc6, 0xe9]);
    expect(crc.matchesLE(crc.digestLE(), 0)).toBe(true);
    const other = crc.digestLE();
    other[7] = other[7]! ^ 1;
    expect(crc.matchesLE(other, 0)).toBe(false);
    crc.reset();
    expect(crc.toBigInt()).toBe(0n);
  });
});
