/**
 * The engine's only source of randomness: a small deterministic PRNG (sfc32) seeded from the lab
 * seed. Independent streams are made with named forks so that adding a random choice in one place
 * (say, link jitter) does not shift the values drawn elsewhere (say, replication ids).
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // Warm up so that similar seeds diverge.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A generator for a seed given as a number or a string. */
  static fromSeed(seed: number | string): Prng {
    const h = hashString(typeof seed === "number" ? `n:${seed}` : `s:${seed}`);
    return new Prng(h[0], h[1], h[2], h[3]);
  }

  /** An independent generator derived from this one's current state and a name. */
  fork(name: string): Prng {
    const h = hashString(`${name}/${this.a}/${this.b}/${this.c}/${this.d}`);
    return new Prng(h[0], h[1], h[2], h[3]);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    if (!(bound > 0)) throw new RangeError(`Prng.int bound must be positive, got ${bound}`);
    return Math.floor((this.nextU32() / 4294967296) * bound);
  }

  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Prng.pick on an empty array");
    return items[this.int(items.length)]!;
  }

  /**
   * `count` lowercase hex chars, made the way redis's getRandomHexChars does: each random byte's
   * low nibble picks one of "0123456789abcdef".
   */
  hex(count: number): string {
    const digits = "0123456789abcdef";
    // Made in one piece: appending char by char leaves a chain of `count` string pieces, which a
    // node keeps for as long as its run id or replid lives.
    const codes = new Array<number>(count);
    for (let i = 0; i < count; i++) codes[i] = digits.charCodeAt(this.nextU32() & 0x0f);
    return String.fromCharCode(...codes);
  }
}

/** cyrb128: a fast string hash giving four 32-bit words, used only to seed sfc32. */
function hashString(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
