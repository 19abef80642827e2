/**
 * CRC-64/Jones, the checksum at the end of every RDB file (redis `crc64.c`).
 *
 * Parameters: polynomial 0xad93d23594c935a9, reflected input and output, init 0, xorout 0; the
 * right-shifting form below therefore uses the bit-reversed polynomial 0x95ac9329ac4bc9b5.
 * Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * A full sync checksums tens of megabytes twice (writer and reader), so the state lives in two
 * uint32 halves and the loop consumes 8 bytes per step with eight lookup tables ("slicing-by-8");
 * BigInt only appears when a caller asks for the final value as a number.
 */

const POLY_REFLECTED_HI = 0x95ac9329;
const POLY_REFLECTED_LO = 0xac4bc9b5;
const SLICES = 8;

/** Low and high halves of the eight tables, table k at [k * 256, k * 256 + 256). */
const TABLE_LO = new Int32Array(SLICES * 256);
const TABLE_HI = new Int32Array(SLICES * 256);

function buildTables(): void {
  for (let byte = 0; byte < 256; byte++) {
    let lo = byte;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi = hi >>> 1;
      if (carry !== 0) {
        lo ^= POLY_REFLECTED_LO;
        hi ^= POLY_REFLECTED_HI;
      }
    }
    TABLE_LO[byte] = lo;
    TABLE_HI[byte] = hi;
  }
  // Table k advances a byte's contribution through k further zero bytes.
  for (let k = 1; k < SLICES; k++) {
    for (let byte = 0; byte < 256; byte++) {
      const prevLo = TABLE_LO[(k - 1) * 256 + byte]!;
      const prevHi = TABLE_HI[(k - 1) * 256 + byte]!;
      const index = prevLo & 0xff;
      TABLE_LO[k * 256 + byte] = ((prevLo >>> 8) | (prevHi << 24)) ^ TABLE_LO[index]!;
      TABLE_HI[k * 256 + byte] = (prevHi >>> 8) ^ TABLE_HI[index]!;
    }
  }
}
buildTables();

/** Word reads assume little-endian memory, true of every platform JS engines ship on; checked anyway. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * An incremental CRC-64/Jones. Feed bytes in any chunking with `update`; the result does not
 * depend on how the input was split.
 */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  /** Adds `bytes[start..end)` to the checksum. */
  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let i = start;
    // Bytes one at a time until the position is 4-byte aligned in its ArrayBuffer, so the bulk
    // can be read as uint32 words (two loads per 8 bytes instead of eight).
    const head = Math.min(end, start + ((4 - ((bytes.byteOffset + start) & 3)) & 3));
    if (head > i) this.bytewise(bytes, i, head);
    i = head;
    const words = (end - i) >>> 3;
    if (words > 0 && LITTLE_ENDIAN) {
      const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words * 2);
      this.wordwise(view);
      i += words * 8;
    }
    if (i < end) this.bytewise(bytes, i, end);
    return this;
  }

  private wordwise(words: Int32Array): void {
    const tLo = TABLE_LO;
    const tHi = TABLE_HI;
    let lo = this.lo;
    let hi = this.hi;
    const n = words.length;
    for (let w = 0; w < n; w += 2) {
      const a = lo ^ words[w]!;
      const b = hi ^ words[w + 1]!;
      const i7 = 1792 + (a & 0xff);
      const i6 = 1536 + ((a >>> 8) & 0xff);
      const i5 = 1280 + ((a >>> 16) & 0xff);
      const i4 = 1024 + (a >>> 24);
      const i3 = 768 + (b & 0xff);
      const i2 = 512 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = tLo[i7]! ^ tLo[i6]! ^ tLo[i5]! ^ tLo[i4]! ^ tLo[i3]! ^ tLo[i2]! ^ tLo[i1]! ^ tLo[i0]!;
      hi = tHi[i7]! ^ tHi[i6]! ^ tHi[i5]! ^ tHi[i4]! ^ tHi[i3]! ^ tHi[i2]! ^ tHi[i1]! ^ tHi[i0]!;
    }
    this.lo = lo;
    this.hi = hi;
  }

  private bytewise(bytes: Uint8Array, start: number, end: number): void {
    const tLo = TABLE_LO;
    const tHi = TABLE_HI;
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      const index = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tLo[index]!;
      hi = (hi >>> 8) ^ tHi[index]!;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** The checksum as redis stores it after the EOF opcode: 8 bytes, little-endian. */
  digestLE(): Uint8Array {
    const out = new Uint8Array(8);
    this.writeLE(out, 0);
    return out;
  }

  /** Writes the 8-byte little-endian checksum into `target` at `at`. */
  writeLE(target: Uint8Array, at: number): void {
    const lo = this.lo;
    const hi = this.hi;
    target[at] = lo & 0xff;
    target[at + 1] = (lo >>> 8) & 0xff;
    target[at + 2] = (lo >>> 16) & 0xff;
    target[at + 3] = lo >>> 24;
    target[at + 4] = hi & 0xff;
    target[at + 5] = (hi >>> 8) & 0xff;
    target[at + 6] = (hi >>> 16) & 0xff;
    target[at + 7] = hi >>> 24;
  }

  /** True when `bytes[at..at+8)` holds this checksum in little-endian order. */
  matchesLE(bytes: Uint8Array, at: number): boolean {
    const lo = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    const hi = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    return lo === this.lo >>> 0 && hi === this.hi >>> 0;
  }

  /** The checksum as an unsigned 64-bit integer. */
  toBigInt(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }

  /** Starts over from the initial value 0. */
  reset(): void {
    this.lo = 0;
    this.hi = 0;
  }
}

/** CRC-64/Jones of `bytes`, as an unsigned 64-bit integer. */
export function crc64(bytes: Uint8Array): bigint {
  return new Crc64().update(bytes).toBigInt();
}
