/**
 * LZF, the compression redis applies to long RDB strings (`lzf_c.c`, `lzf_d.c`, liblzf 3.6).
 *
 * Stream format, one control byte at a time:
 * - `000LLLLL` then L+1 literal bytes (1..32);
 * - `LLLooooo oooooooo`: copy L+2 bytes (L = 1..6) from `offset+1` bytes back;
 * - `111ooooo LLLLLLLL oooooooo`: the same with length L+9.
 *
 * The compressor reproduces redis's build of liblzf decision for decision (HLOG 16, VERY_FAST,
 * the same hash, the same match-length quirks and the same conservative output-space checks), so
 * the bytes we write, and whether a string gets compressed at all, match redis-server.
 */

import { RdbError } from "./errors.ts";

const HASH_SIZE = 1 << 16;
const MAX_LITERAL = 1 << 5;
const MAX_OFFSET = 1 << 13;
const MAX_REFERENCE = (1 << 8) + (1 << 3);

/**
 * Hash slots hold `generation + position + 1`; a slot is empty for the current call when it is not
 * above `generation`. Bumping the generation by the input length empties the whole table in O(1),
 * so compressing a million short values does not clear 256 KiB a million times.
 *
 * liblzf as redis builds it leaves the table uninitialized (INIT_HTAB 0) and stores raw pointers,
 * so a stale slot can in rare cases point inside the current input and offer a match a clean table
 * would not. That output is still valid LZF; starting from an empty table is the deterministic
 * choice a reimplementation can make.
 */
const table = new Uint32Array(HASH_SIZE);
let generation = 0;

function hashSlot(h: number): number {
  // IDX(h) for VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1), with h the last three bytes.
  return ((h >>> 8) - h * 5) & (HASH_SIZE - 1);
}

/**
 * Compresses `input[inStart..inEnd)` into `out[outStart..outStart+outLimit)`.
 * Returns the compressed length, or 0 when it does not fit, exactly when liblzf returns 0.
 * `out` must have room for `outLimit` bytes from `outStart`.
 */
export function lzfCompressInto(
  input: Uint8Array,
  inStart: number,
  inEnd: number,
  out: Uint8Array,
  outStart: number,
  outLimit: number,
): number {
  const inLength = inEnd - inStart;
  if (inLength <= 0 || outLimit <= 0) return 0;
  if (generation + inLength + 1 >= 0xffffffff) {
    table.fill(0);
    generation = 0;
  }
  const base = generation - inStart + 1;
  const empty = generation;
  generation += inLength + 1;

  const outEnd = outStart + outLimit;
  let ip = inStart;
  let op = outStart + 1; // reserve the first literal-run header
  let lit = 0;
  let hval = (input[ip]! << 8) | (input[ip + 1]! | 0);

  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
    const slot = hashSlot(hval);
    const stored = table[slot]!;
    table[slot] = base + ip;
    const ref = stored > empty ? stored - base : -1;
    const off = ip - ref - 1;

    if (
      ref > inStart &&
      off < MAX_OFFSET &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxLen = inEnd - ip - len;
      if (maxLen > MAX_REFERENCE) maxLen = MAX_REFERENCE;

      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;

      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // ... or drop its header if it is empty

      // liblzf checks 16 bytes without a bound when more than 16 remain, then extends one at a time;
      // the resulting lengths (which can pass maxLen by a little) are part of the byte format we match.
      let mismatch = false;
      if (maxLen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxLen && input[ref + len] === input[ip + len]);
      }

      len -= 2; // now octets - 1
      ip++;

      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;

      lit = 0;
      op++; // reserve the next literal-run header

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: hash only the last two positions of the match.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      table[hashSlot(hval)] = base + ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      table[hashSlot(hval)] = base + ip;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LITERAL) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  // liblzf's own conservative test: at most 3 bytes can still be needed here.
  if (op + 3 > outEnd) return 0;

  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LITERAL) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op - outStart;
}

/**
 * Compresses `input` the way redis does for RDB strings: into at most `length - 4` bytes
 * (`rdbSaveLzfStringObject`). Returns null when liblzf would give up, which is when redis stores
 * the string verbatim. Redis only tries strings longer than 20 bytes; that rule is the writer's.
 */
export function lzfCompress(input: Uint8Array): Uint8Array | null {
  if (input.length <= 4) return null;
  const limit = input.length - 4;
  const out = new Uint8Array(limit);
  const written = lzfCompressInto(input, 0, input.length, out, 0, limit);
  return written === 0 ? null : out.slice(0, written);
}

/**
 * Decompresses `input[inStart..inEnd)` into `out[outStart..outStart+outLength)`, which it must fill
 * exactly. Throws `RdbError` ("corrupt") on any malformed stream, as `lzf_decompress` returning a
 * short length makes redis report "Invalid LZF compressed string".
 */
export function lzfDecompressInto(
  input: Uint8Array,
  inStart: number,
  inEnd: number,
  out: Uint8Array,
  outStart: number,
  outLength: number,
): void {
  const outEnd = outStart + outLength;
  let ip = inStart;
  let op = outStart;
  while (ip < inEnd) {
    const ctrl = input[ip++]!;
    if (ctrl < MAX_LITERAL) {
      const run = ctrl + 1;
      if (op + run > outEnd) throw invalid("literal run passes the declared length");
      if (ip + run > inEnd) throw invalid("literal run passes the end of the input");
      if (run < 16) {
        for (let i = 0; i < run; i++) out[op + i] = input[ip + i]!;
      } else {
        out.set(input.subarray(ip, ip + run), op);
      }
      ip += run;
      op += run;
    } else {
      let len = ctrl >>> 5;
      if (ip >= inEnd) throw invalid("back-reference cut short");
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inEnd) throw invalid("back-reference cut short");
      }
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!;
      len += 2;
      if (op + len > outEnd) throw invalid("back-reference passes the declared length");
      if (ref < outStart) throw invalid("back-reference before the start of the output");
      if (op >= ref + len) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // Overlapping copy: the bytes being produced are the pattern being repeated.
        for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
      }
    }
  }
  if (op !== outEnd) throw invalid(`decompressed to ${op - outStart} bytes, expected ${outLength}`);
}

/** Decompresses a whole LZF stream that must expand to exactly `expectedLength` bytes. */
export function lzfDecompress(input: Uint8Array, expectedLength: number): Uint8Array {
  const out = new Uint8Array(expectedLength);
  lzfDecompressInto(input, 0, input.length, out, 0, expectedLength);
  return out;
}

function invalid(detail: string): RdbError {
  return new RdbError("corrupt", `Invalid LZF compressed string: ${detail}`);
}
