/**
 * HyperLogLog as redis 7.0 keeps it (hyperloglog.c): a string value whose bytes are the structure
 * itself, so GET, DEBUG DIGEST, RDB and replication see exactly what a real server holds.
 *
 * Layout: a 16-byte header ("HYLL", the encoding, three zero bytes, the cached cardinality as 8
 * little-endian bytes whose top bit says "stale"), then the registers: 2^14 of them, 6 bits each.
 * - dense: the registers packed end to end, 12,288 bytes;
 * - sparse: run-length opcodes, `00xxxxxx` a run of 1–64 zero registers, `01xxxxxx yyyyyyyy` a run
 *   of 1–16,384 zero registers, `1vvvvvxx` a run of 1–4 registers holding 1–32. A sparse value turns
 *   dense when a register needs more than 32 or when it would grow past `hll-sparse-max-bytes`.
 * An element goes to register `hash & 16383` of MurmurHash64A (seed 0xadc83b19) with the length of
 * the run of zero bits that follows (1 + trailing zeros of the remaining 50 bits).
 *
 * Values are edited in an {@link HllEdit}, a growable copy, and stored back as new bytes: a string
 * value may be shared, and redis unshares it before writing (dbUnshareStringValue).
 */

import type { HyperLogLogEstimator } from "../dialect.ts";

export const HLL_REGISTERS = 1 << 14;
const HLL_P_MASK = HLL_REGISTERS - 1;
/** Bits of the hash left after the register index; the longest run counted is Q + 1. */
const HLL_Q = 64 - 14;
const REGISTER_MAX = 63;
export const HLL_HEADER = 16;
const DENSE_SIZE = HLL_HEADER + (HLL_REGISTERS * 6) / 8;
const DENSE = 0;
const SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
/** 1 / (2 ln 2), the estimator's constant for an infinite number of registers. */
const ALPHA_INF = 0.7213475204444817;

// -------------------------------------------------------------------------------------------------
// The hash

/** The low 64 bits of a × b, each given as two unsigned 32-bit halves; the result in `out`. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number, out: [number, number]): void {
  const a3 = aHi >>> 16, a2 = aHi & 0xffff, a1 = aLo >>> 16, a0 = aLo & 0xffff;
  const b3 = bHi >>> 16, b2 = bHi & 0xffff, b1 = bLo >>> 16, b0 = bLo & 0xffff;
  let c0 = a0 * b0;
  let c1 = (c0 >>> 16) + a1 * b0;
  let c2 = Math.floor(c1 / 0x10000);
  c1 = (c1 & 0xffff) + a0 * b1;
  c2 += Math.floor(c1 / 0x10000) + a2 * b0;
  let c3 = Math.floor(c2 / 0x10000);
  c2 = (c2 % 0x10000) + a1 * b1;
  c3 += Math.floor(c2 / 0x10000);
  c2 = (c2 % 0x10000) + a0 * b2;
  c3 += Math.floor(c2 / 0x10000) + a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3;
  c0 &= 0xffff;
  c1 &= 0xffff;
  c2 %= 0x10000;
  out[0] = (((c3 % 0x10000) << 16) | c2) >>> 0;
  out[1] = ((c1 << 16) | c0) >>> 0;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const R = 47;

/** MurmurHash64A of `bytes` with redis's seed, as [high, low] 32-bit halves (little-endian words). */
export function murmurHash64A(bytes: Uint8Array, seed = 0xadc83b19): [number, number] {
  const out: [number, number] = [0, 0];
  const len = bytes.length;
  // h = seed ^ (len * m)
  mul64(0, len >>> 0, M_HI, M_LO, out);
  let hHi = out[0] ^ 0;
  let hLo = (out[1] ^ seed) >>> 0;
  hHi >>>= 0;
  const whole = len - (len & 7);
  for (let i = 0; i < whole; i += 8) {
    const kLo = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    const kHi = (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO, out);
    // k ^= k >> 47: only the high word's top 17 bits reach the low word.
    let k1 = out[0], k0 = (out[1] ^ (out[0] >>> (R - 32))) >>> 0;
    mul64(k1, k0, M_HI, M_LO, out);
    k1 = out[0];
    k0 = out[1];
    hHi = (hHi ^ k1) >>> 0;
    hLo = (hLo ^ k0) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO, out);
    hHi = out[0];
    hLo = out[1];
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const byte = bytes[whole + j]!;
      if (j >= 4) hHi = (hHi ^ (byte << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (byte << (8 * j))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO, out);
    hHi = out[0];
    hLo = out[1];
  }
  hLo = (hLo ^ (hHi >>> (R - 32))) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO, out);
  hHi = out[0];
  hLo = (out[1] ^ (out[0] >>> (R - 32))) >>> 0;
  return [hHi, hLo];
}

/** The register an element goes to and the length of its run of zeros plus the final one. */
export function patternOf(element: Uint8Array): { readonly index: number; readonly count: number } {
  const [hi, lo] = murmurHash64A(element);
  const index = lo & HLL_P_MASK;
  // The 50 bits above the index, as a low word (bits 14..45) and the 18 bits above it.
  const low = ((lo >>> 14) | (hi << 18)) >>> 0;
  const high = hi >>> 14;
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (high !== 0) count = 32 + 32 - Math.clz32(high & -high);
  else count = HLL_Q + 1;
  return { index, count };
}

// -------------------------------------------------------------------------------------------------
// Values

/** The header's encoding byte if `bytes` is a well-formed HLL value (isHLLObjectOrReply), else -1. */
export function hllEncoding(bytes: Uint8Array): number {
  if (bytes.length < HLL_HEADER) return -1;
  if (bytes[0] !== 0x48 || bytes[1] !== 0x59 || bytes[2] !== 0x4c || bytes[3] !== 0x4c) return -1;
  const encoding = bytes[4]!;
  if (encoding > SPARSE) return -1;
  if (encoding === DENSE && bytes.length !== DENSE_SIZE) return -1;
  return encoding;
}

/** A new, empty HLL: sparse, one XZERO opcode covering every register, cached cardinality 0. */
export function createHll(): Uint8Array {
  const bytes = new Uint8Array(HLL_HEADER + 2);
  bytes.set([0x48, 0x59, 0x4c, 0x4c, SPARSE]);
  bytes[HLL_HEADER] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >> 8);
  bytes[HLL_HEADER + 1] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
  return bytes;
}

/** The cached cardinality, or -1 when it is stale. */
export function cachedCardinality(bytes: Uint8Array): number {
  if ((bytes[15]! & 0x80) !== 0) return -1;
  let card = 0;
  for (let i = 15; i >= 8; i--) card = card * 256 + bytes[i]!;
  return card;
}

function denseGet(bytes: Uint8Array, register: number): number {
  const bit = register * 6;
  const at = HLL_HEADER + (bit >>> 3);
  const shift = bit & 7;
  // The byte after the last register is sds's terminating zero in redis.
  const next = at + 1 < bytes.length ? bytes[at + 1]! : 0;
  return ((bytes[at]! >>> shift) | (next << (8 - shift))) & REGISTER_MAX;
}

function denseSetRegister(bytes: Uint8Array, register: number, value: number): void {
  const bit = register * 6;
  const at = HLL_HEADER + (bit >>> 3);
  const shift = bit & 7;
  bytes[at] = (bytes[at]! & ~(REGISTER_MAX << shift)) | (value << shift);
  if (at + 1 < bytes.length) bytes[at + 1] = (bytes[at + 1]! & ~(REGISTER_MAX >>> (8 - shift))) | (value >>> (8 - shift));
}

/** Calls `visit(first, length, value)` for each run of a sparse body; false if it does not cover exactly every register. */
function walkSparse(bytes: Uint8Array, end: number, visit: (first: number, length: number, value: number) => void): boolean {
  let register = 0;
  let p = HLL_HEADER;
  while (p < end) {
    const op = bytes[p]!;
    if ((op & 0xc0) === 0) {
      const run = (op & 0x3f) + 1;
      visit(register, run, 0);
      register += run;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const run = (((op & 0x3f) << 8) | (bytes[p + 1] ?? 0)) + 1;
      visit(register, run, 0);
      register += run;
      p += 2;
    } else {
      const run = (op & 3) + 1;
      if (register + run > HLL_REGISTERS) return false;
      visit(register, run, ((op >>> 2) & 0x1f) + 1);
      register += run;
      p++;
    }
  }
  return register === HLL_REGISTERS;
}

/** Every register's value (hllMerge into zeros); null for a corrupt sparse body. */
export function registersOf(bytes: Uint8Array, into: Uint8Array = new Uint8Array(HLL_REGISTERS)): Uint8Array | null {
  if (bytes[4] === DENSE) {
    for (let r = 0; r < HLL_REGISTERS; r++) {
      const value = denseGet(bytes, r);
      if (value > into[r]!) into[r] = value;
    }
    return into;
  }
  const ok = walkSparse(bytes, bytes.length, (first, length, value) => {
    if (value === 0) return;
    for (let r = first; r < first + length; r++) if (value > into[r]!) into[r] = value;
  });
  return ok ? into : null;
}

/** 2^-value for each register value (PE in redis; 2^0 = 1 for an empty register). */
const INVERSE_POWERS: readonly number[] = Array.from({ length: 64 }, (_, k) => 2 ** -k);

/** What the estimators start from: how many registers hold each value, and sum(2^-register) as redis adds it. */
interface RegisterStats {
  readonly histogram: number[];
  /** The harmonic sum, accumulated in the order and grouping of hllDenseSum / hllSparseSum / hllRawSum. */
  readonly sum: number;
}

function denseStats(bytes: Uint8Array): RegisterStats {
  const histogram = new Array<number>(64).fill(0);
  let sum = 0;
  const values = new Array<number>(16);
  for (let group = 0; group < HLL_REGISTERS / 16; group++) {
    for (let k = 0; k < 16; k++) {
      const value = denseGet(bytes, group * 16 + k);
      values[k] = value;
      histogram[value]!++;
    }
    // (PE[r0] + PE[r1]) + (PE[r2] + PE[r3]) + ... added to E once per 16 registers.
    let part = INVERSE_POWERS[values[0]!]! + INVERSE_POWERS[values[1]!]!;
    for (let k = 2; k < 16; k += 2) part += INVERSE_POWERS[values[k]!]! + INVERSE_POWERS[values[k + 1]!]!;
    sum += part;
  }
  return { histogram, sum };
}

function sparseStats(bytes: Uint8Array): RegisterStats | null {
  const histogram = new Array<number>(64).fill(0);
  let sum = 0;
  let covered = 0;
  walkSparse(bytes, bytes.length, (_first, length, value) => {
    histogram[value]! += length;
    covered += length;
    if (value !== 0) sum += INVERSE_POWERS[value]! * length;
  });
  if (covered !== HLL_REGISTERS) return null;
  return { histogram, sum: sum + histogram[0]! };
}

function rawStats(registers: Uint8Array): RegisterStats {
  const histogram = new Array<number>(64).fill(0);
  let sum = 0;
  for (let r = 0; r < HLL_REGISTERS; r++) {
    const value = registers[r]!;
    histogram[value]!++;
    if (value !== 0) sum += INVERSE_POWERS[value]!;
  }
  return { histogram, sum: sum + histogram[0]! };
}

/** hllCount of a value by the version's estimator; -1 when a sparse body is corrupt. */
export function estimate(bytes: Uint8Array, estimator: HyperLogLogEstimator): number {
  const stats = bytes[4] === DENSE ? denseStats(bytes) : sparseStats(bytes);
  return stats === null ? -1 : estimateFrom(stats, estimator);
}

/** hllCount for merged registers (PFCOUNT of several keys: the internal raw encoding). */
export function estimateRegisters(registers: Uint8Array, estimator: HyperLogLogEstimator): number {
  return estimateFrom(rawStats(registers), estimator);
}

function estimateFrom(stats: RegisterStats, estimator: HyperLogLogEstimator): number {
  const m = HLL_REGISTERS;
  const zeros = stats.histogram[0]!;
  if (estimator === "ertl") return ertl(stats.histogram);
  const alpha = 0.7213 / (1 + 1.079 / m);
  if (estimator === "loglog-beta") {
    const zl = Math.log(zeros + 1);
    const beta =
      -0.370393911 * zeros + 0.070471823 * zl + 0.17393686 * zl ** 2 + 0.16339839 * zl ** 3 - 0.09237745 * zl ** 4 + 0.03738027 * zl ** 5 - 0.005384159 * zl ** 6 + 0.00042419 * zl ** 7;
    return Math.round(alpha * m * (m - zeros) * (1 / (stats.sum + beta)));
  }
  // 2.8: raw estimate, linear counting while small, bias-corrected up to 72,000; truncated.
  let e = (1 / stats.sum) * alpha * m * m;
  if (e < m * 2.5 && zeros !== 0) e = m * Math.log(m / zeros);
  else if (e < 72000) {
    const bias = 5.9119 * 1.0e-18 * (e * e * e * e) - 1.4253 * 1.0e-12 * (e * e * e) + 1.294 * 1.0e-7 * (e * e) - 5.2921 * 1.0e-3 * e + 83.3216;
    e -= e * (bias / 100);
  }
  return Math.trunc(e);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (previous !== z);
  return z / 3;
}

/** 7.0's (5.0 on) estimator, from the register histogram alone. */
function ertl(histogram: readonly number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  // llroundl of a positive double.
  return Math.round((ALPHA_INF * m * m) / z);
}

// -------------------------------------------------------------------------------------------------
// Editing

/** A value being changed: a copy with room to grow, as redis edits its own unshared sds. */
export class HllEdit {
  private bytes: Uint8Array;
  private length: number;

  constructor(value: Uint8Array) {
    this.bytes = new Uint8Array(Math.max(value.length + 16, HLL_HEADER + 64));
    this.bytes.set(value);
    this.length = value.length;
  }

  get encoding(): number {
    return this.bytes[4]!;
  }

  /** The value's bytes now (a fresh array). */
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  invalidateCache(): void {
    this.bytes[15] = this.bytes[15]! | 0x80;
  }

  storeCardinality(card: number): void {
    let rest = card;
    for (let i = 8; i < 16; i++) {
      this.bytes[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }

  /** hllAdd: 1 if a register grew, 0 if not, -1 for a corrupt value. */
  add(element: Uint8Array, sparseMaxBytes: number): number {
    const { index, count } = patternOf(element);
    return this.set(index, count, sparseMaxBytes);
  }

  /** Raises register `index` to `count` if lower: 1 if it did, 0 if not, -1 for a corrupt value. */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.encoding === DENSE) return this.denseSet(index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  private denseSet(index: number, count: number): number {
    if (count <= denseGet(this.view(), index)) return 0;
    denseSetRegister(this.view(), index, count);
    return 1;
  }

  private view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** hllSparseToDense: false (the value unchanged) for a corrupt sparse body. */
  toDense(): boolean {
    if (this.encoding === DENSE) return true;
    const dense = new Uint8Array(DENSE_SIZE);
    dense.set(this.bytes.subarray(0, HLL_HEADER));
    dense[4] = DENSE;
    const ok = walkSparse(this.bytes, this.length, (first, length, value) => {
      if (value !== 0) for (let r = first; r < first + length; r++) denseSetRegister(dense, r, value);
    });
    if (!ok) return false;
    this.bytes = dense;
    this.length = DENSE_SIZE;
    return true;
  }

  private ensureRoom(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** hllSparseSet: splits the opcode covering `index`, merges equal neighbours, or goes dense. */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.ensureRoom(3);
    const b = this.bytes;
    let end = this.length;
    // Find the opcode covering the register, remembering the one before it.
    let p = HLL_HEADER;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]!) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const isZero = (op & 0xc0) === 0;
    const isXzero = (op & 0xc0) === 0x40;
    const isVal = (op & 0x80) !== 0;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]!) + 1 : (op & 3) + 1;

    let done = false;
    if (isVal) {
      const old = ((op >>> 2) & 0x1f) + 1;
      if (old >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        done = true;
      }
    }
    if (!done && isZero && runlen === 1) {
      b[p] = valOp(count, 1);
      done = true;
    }
    if (!done) {
      // Replace the opcode by up to three covering the same registers, the middle one `count`.
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) pushZeros(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(seq, last - index);
      } else {
        const current = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(current, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(current, last - index));
      }
      const delta = seq.length - (isXzero ? 2 : 1);
      if (delta > 0 && this.length + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
      this.length += delta;
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
      end += delta;
    }
    // Merge runs of equal values next to where the change was, up to five opcodes from the one before.
    let q = prev >= 0 ? prev : HLL_HEADER;
    let scan = 5;
    while (q < end && scan-- > 0) {
      const here = b[q]!;
      if ((here & 0xc0) === 0x40) {
        q += 2;
        continue;
      }
      if ((here & 0xc0) === 0) {
        q++;
        continue;
      }
      if (q + 1 < end && b[q + 1]! & 0x80) {
        const there = b[q + 1]!;
        const v1 = ((here >>> 2) & 0x1f) + 1;
        const v2 = ((there >>> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (here & 3) + 1 + (there & 3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[q + 1] = valOp(v1, len);
            b.copyWithin(q, q + 1, end);
            this.length--;
            end--;
            continue;
          }
        }
      }
      q++;
    }
    this.invalidateCache();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    return this.denseSet(index, count);
  }

  /** PFDEBUG DECODE's text for a sparse value. */
  decode(): string {
    const parts: string[] = [];
    let p = HLL_HEADER;
    const b = this.bytes;
    while (p < this.length) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        parts.push(`z:${(op & 0x3f) + 1}`);
        p++;
      } else if ((op & 0xc0) === 0x40) {
        parts.push(`Z:${(((op & 0x3f) << 8) | (b[p + 1] ?? 0)) + 1}`);
        p += 2;
      } else {
        parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
        p++;
      }
    }
    return parts.join(" ");
  }

  /** Every register (the value must be dense). */
  denseRegisters(): number[] {
    const view = this.view();
    const out = new Array<number>(HLL_REGISTERS);
    for (let r = 0; r < HLL_REGISTERS; r++) out[r] = denseGet(view, r);
    return out;
  }
}

function valOp(value: number, length: number): number {
  return 0x80 | ((value - 1) << 2) | (length - 1);
}

function pushZeros(seq: number[], length: number): void {
  if (length > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((length - 1) >> 8), (length - 1) & 0xff);
  else seq.push(length - 1);
}
