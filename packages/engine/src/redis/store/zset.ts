/**
 * A sorted set value (t_zset.c): members (byte strings) with double scores, ordered by score,
 * then by member bytes. Redis 7.0 keeps a small one as a listpack and converts it for good to a
 * skiplist plus dict once it holds more than `zset-max-listpack-entries` members or a member
 * longer than `zset-max-listpack-value` bytes. Both encodings order elements the same way, so one
 * structure serves both here: a skiplist with spans (ranks in O(log n)) and a member → score map.
 * Its levels come from a fixed-seed generator of its own: they shape speed, never a reply.
 */

export type ZsetEncoding = "listpack" | "skiplist";

const MAX_LEVEL = 32;

/** One element of the skiplist. */
export class ZNode {
  backward: ZNode | null = null;
  readonly forward: (ZNode | null)[];
  readonly span: number[];

  constructor(
    public score: number,
    readonly member: string,
    level: number,
  ) {
    this.forward = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/** A score interval: `min`/`max` with exclusive ends where `minex`/`maxex`. */
export interface ScoreRange {
  readonly min: number;
  readonly max: number;
  readonly minex: boolean;
  readonly maxex: boolean;
}

/** A lexicographic interval; null ends are `-` / `+` (unbounded). */
export interface LexRange {
  readonly min: string | null;
  readonly max: string | null;
  readonly minex: boolean;
  readonly maxex: boolean;
  /** `+` given as the minimum or `-` as the maximum: the range is empty. */
  readonly empty?: boolean;
}

function before(score: number, member: string, node: ZNode): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

export function scoreGteMin(score: number, range: ScoreRange): boolean {
  return range.minex ? score > range.min : score >= range.min;
}

export function scoreLteMax(score: number, range: ScoreRange): boolean {
  return range.maxex ? score < range.max : score <= range.max;
}

export function lexGteMin(member: string, range: LexRange): boolean {
  if (range.empty) return false;
  if (range.min === null) return true;
  return range.minex ? member > range.min : member >= range.min;
}

export function lexLteMax(member: string, range: LexRange): boolean {
  if (range.empty) return false;
  if (range.max === null) return true;
  return range.maxex ? member < range.max : member <= range.max;
}

export class ZsetValue {
  readonly type = "zset" as const;
  readonly dict = new Map<string, number>();
  private readonly header = new ZNode(0, "", MAX_LEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  private seed = 0x9e3779b9;

  constructor(public encoding: ZsetEncoding = "listpack") {}

  get length(): number {
    return this.dict.size;
  }

  private randomLevel(): number {
    let level = 1;
    for (;;) {
      // xorshift32: the skiplist's own deterministic coin.
      let x = this.seed;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.seed = x >>> 0;
      if ((this.seed & 0xffff) >= 0x4000 || level >= MAX_LEVEL) return level;
      level++;
    }
  }

  /** Score of a member, or undefined. */
  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /** Adds a member or changes its score. Returns true if it was new. */
  set(member: string, score: number): boolean {
    const old = this.dict.get(member);
    if (old !== undefined) {
      // As zsetAdd: -0 and 0 compare equal, so the old zero's sign stays.
      if (old !== score) {
        this.unlink(old, member);
        this.insert(score, member);
        this.dict.set(member, score);
      }
      return false;
    }
    this.insert(score, member);
    this.dict.set(member, score);
    return true;
  }

  /**
   * A listpack keeps an integral score as an integer (double2ll), so -0 is stored as 0: called
   * when the set becomes (or is) a listpack. -0 and 0 order alike, so nodes stay where they are.
   */
  zerosToPositive(): void {
    for (let x = this.header.forward[0]; x; x = x.forward[0]!) {
      if (Object.is(x.score, -0)) {
        x.score = 0;
        this.dict.set(x.member, 0);
      }
    }
  }

  /** Removes a member; true if it was there. */
  delete(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    this.unlink(score, member);
    this.dict.delete(member);
    return true;
  }

  private insert(score: number, member: string): void {
    const update = new Array<ZNode>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      for (let next = x.forward[i]; next && before(score, member, next); next = x.forward[i]) {
        rank[i]! += x.span[i]!;
        x = next;
      }
      update[i] = x;
    }
    const level = this.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.dict.size;
      }
      this.level = level;
    }
    const node = new ZNode(score, member, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.forward[i] = u.forward[i]!;
      u.forward[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    if (node.forward[0]) node.forward[0].backward = node;
    else this.tail = node;
  }

  private unlink(score: number, member: string): void {
    const update = new Array<ZNode>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && before(score, member, next); next = x.forward[i]) x = next;
      update[i] = x;
    }
    const node = x.forward[0];
    if (!node || node.member !== member) throw new Error(`zset: ${member} not in skiplist`);
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.forward[i] === node) {
        u.span[i]! += node.span[i]! - 1;
        u.forward[i] = node.forward[i]!;
      } else {
        u.span[i]!--;
      }
    }
    if (node.forward[0]) node.forward[0].backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && this.header.forward[this.level - 1] === null) this.level--;
  }

  /** 0-based rank of a member in ascending order, or -1. */
  rank(member: string): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && (before(score, member, next) || next.member === member); next = x.forward[i]) {
        rank += x.span[i]!;
        x = next;
      }
      if (x !== this.header && x.member === member) return rank - 1;
    }
    return -1;
  }

  /** The node at 0-based ascending rank, or null. */
  byRank(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.dict.size) return null;
    const target = rank + 1;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && traversed + x.span[i]! <= target; next = x.forward[i]) {
        traversed += x.span[i]!;
        x = next;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  first(): ZNode | null {
    return this.header.forward[0] ?? null;
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** The first node with a score in range, or null. */
  firstInScoreRange(range: ScoreRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && !scoreGteMin(next.score, range); next = x.forward[i]) x = next;
    }
    const node = x.forward[0];
    return node && scoreLteMax(node.score, range) ? node : null;
  }

  /** The last node with a score in range, or null. */
  lastInScoreRange(range: ScoreRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && scoreLteMax(next.score, range); next = x.forward[i]) x = next;
    }
    return x !== this.header && scoreGteMin(x.score, range) ? x : null;
  }

  /**
   * zslIsInLexRange: false for a range that is empty by itself, or when the last member is below
   * it or the first above it. Members are only in lex order when their scores are equal; otherwise
   * these checks, like redis's, look at the ends only.
   */
  private isInLexRange(range: LexRange): boolean {
    if (range.empty) return false;
    if (range.min !== null && range.max !== null && (range.min > range.max || (range.min === range.max && (range.minex || range.maxex)))) return false;
    const last = this.tail;
    const first = this.header.forward[0];
    return last !== null && lexGteMin(last.member, range) && first !== null && first !== undefined && lexLteMax(first.member, range);
  }

  /**
   * The first member at or above the range's minimum, if it is not above its maximum. A listpack
   * scans from the head (zzlFirstInLexRange), a skiplist descends its levels (zslFirstInLexRange):
   * with mixed scores the two can stop at different members, as in redis.
   */
  firstInLexRange(range: LexRange): ZNode | null {
    if (!this.isInLexRange(range)) return null;
    let node: ZNode | null = null;
    if (this.encoding === "listpack") {
      for (let x = this.header.forward[0] ?? null; x; x = x.forward[0] ?? null) {
        if (lexGteMin(x.member, range)) {
          node = x;
          break;
        }
      }
    } else {
      let x = this.header;
      for (let i = this.level - 1; i >= 0; i--) {
        for (let next = x.forward[i]; next && !lexGteMin(next.member, range); next = x.forward[i]) x = next;
      }
      node = x.forward[0] ?? null;
    }
    return node && lexLteMax(node.member, range) ? node : null;
  }

  /**
   * zslDeleteRangeByLex's starting point: the skiplist descent to the first member at or above the
   * minimum, without the end checks of zslIsInLexRange (a listpack deletes from firstInLexRange).
   */
  lexDeletionStart(range: LexRange): ZNode | null {
    if (this.encoding === "listpack") return this.firstInLexRange(range);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next && !lexGteMin(next.member, range); next = x.forward[i]) x = next;
    }
    return x.forward[0] ?? null;
  }

  /** The last member at or below the range's maximum, if it is not below its minimum. */
  lastInLexRange(range: LexRange): ZNode | null {
    if (!this.isInLexRange(range)) return null;
    let node: ZNode | null = null;
    if (this.encoding === "listpack") {
      for (let x = this.tail; x; x = x.backward) {
        if (lexLteMax(x.member, range)) {
          node = x;
          break;
        }
      }
    } else {
      let x = this.header;
      for (let i = this.level - 1; i >= 0; i--) {
        for (let next = x.forward[i]; next && lexLteMax(next.member, range); next = x.forward[i]) x = next;
      }
      node = x === this.header ? null : x;
    }
    return node && lexGteMin(node.member, range) ? node : null;
  }

  /** Ascending from the first element. */
  *[Symbol.iterator](): IterableIterator<ZNode> {
    for (let x = this.header.forward[0]; x; x = x.forward[0]!) yield x;
  }

  clone(): ZsetValue {
    const copy = new ZsetValue(this.encoding);
    for (const node of this) copy.set(node.member, node.score);
    return copy;
  }
}
