/**
 * SHA-1 (FIPS 180-4), for DEBUG DIGEST: redis hashes the dataset with it, and a lab node must give
 * the same hex as a real server. Not for security; the engine may not import node:crypto.
 */

/** An incremental SHA-1. */
export class Sha1 {
  private readonly h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
  private readonly block = new Uint8Array(64);
  private readonly w = new Int32Array(80);
  private filled = 0;
  private total = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.total += end - start;
    for (let i = start; i < end; ) {
      const take = Math.min(64 - this.filled, end - i);
      this.block.set(data.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === 64) {
        this.compress();
        this.filled = 0;
      }
    }
    return this;
  }

  /** The 20-byte digest; the hash cannot be updated afterwards. */
  digest(): Uint8Array {
    const bits = this.total * 8;
    const tail = new Uint8Array(((this.filled < 56 ? 56 : 120) - this.filled) + 8);
    tail[0] = 0x80;
    const hi = Math.floor(bits / 4294967296);
    const lo = bits >>> 0;
    const n = tail.length;
    tail[n - 8] = hi >>> 24;
    tail[n - 7] = (hi >>> 16) & 0xff;
    tail[n - 6] = (hi >>> 8) & 0xff;
    tail[n - 5] = hi & 0xff;
    tail[n - 4] = lo >>> 24;
    tail[n - 3] = (lo >>> 16) & 0xff;
    tail[n - 2] = (lo >>> 8) & 0xff;
    tail[n - 1] = lo & 0xff;
    const total = this.total;
    this.update(tail);
    this.total = total;
    const out = new Uint8Array(20);
    for (let i = 0; i < 5; i++) {
      const v = this.h[i]!;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = (v >>> 16) & 0xff;
      out[i * 4 + 2] = (v >>> 8) & 0xff;
      out[i * 4 + 3] = v & 0xff;
    }
    return out;
  }

  private compress(): void {
    const w = this.w;
    const b = this.block;
    for (let i = 0; i < 16; i++) w[i] = (b[i * 4]! << 24) | (b[i * 4 + 1]! << 16) | (b[i * 4 + 2]! << 8) | b[i * 4 + 3]!;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = this.h[0]!;
    let bb = this.h[1]!;
    let c = this.h[2]!;
    let d = this.h[3]!;
    let e = this.h[4]!;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    this.h[0] = (this.h[0]! + a) | 0;
    this.h[1] = (this.h[1]! + bb) | 0;
    this.h[2] = (this.h[2]! + c) | 0;
    this.h[3] = (this.h[3]! + d) | 0;
    this.h[4] = (this.h[4]! + e) | 0;
  }
}

/** SHA-1 of `data` in one call. */
export function sha1(data: Uint8Array, start = 0, end = data.length): Uint8Array {
  return new Sha1().update(data, start, end).digest();
}
