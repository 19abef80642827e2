/**
 * A list value (t_list.c). Redis 7.0 keeps every list as a quicklist, a linked list of listpack
 * nodes; which node holds an element shows only in the RDB file (see rdb/types-writer.ts), which
 * cuts the list into nodes as redis would. Here the elements are packed too, in chunks of their
 * own (see {@link Chunk}): one byte buffer and one offsets array per few hundred elements instead
 * of an object per element, so a list of millions costs the garbage collector next to nothing.
 * O(1) at both ends, O(chunk) in the middle; reading by index walks chunks from the last one read.
 *
 * Elements read back (pops, `at`, iteration) are views into a chunk's buffer. A buffer's bytes are
 * never written again once an element is in them (a chunk that needs room is rebuilt into a new
 * buffer), so a view stays valid whatever happens to the list afterwards.
 */

/** A chunk grows up to this many elements and bytes (a longer element gets a chunk to itself). */
const MAX_SLOTS = 1024;
const MAX_BYTES = 16384;
const MIN_SLOTS = 8;
const MIN_BYTES = 64;

/**
 * Elements in slots `[first, last)`; slot `s` is `data[pos[2s], pos[2s] + pos[2s+1])`. Bytes in
 * use are `[lo, hi)`: a push at the head writes below `lo`, one at the tail from `hi`. A pop frees
 * the slot but not its bytes (a view of them may still be held); `used` counts live bytes.
 */
class Chunk {
  first: number;
  last: number;
  lo: number;
  hi: number;
  used = 0;

  constructor(
    readonly data: Uint8Array,
    readonly pos: Int32Array,
    /** Where the free room is: at the head end (true) or the tail end. */
    atHead: boolean,
  ) {
    const slots = pos.length >> 1;
    this.first = this.last = atHead ? slots : 0;
    this.lo = this.hi = atHead ? data.length : 0;
  }

  get count(): number {
    return this.last - this.first;
  }

  view(slot: number): Uint8Array {
    return new Uint8Array(this.data.buffer, this.pos[2 * slot]!, this.pos[2 * slot + 1]!);
  }

  putHead(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const at = this.lo - length;
    const data = this.data;
    for (let i = 0; i < length; i++) data[at + i] = src[start + i]!;
    this.lo = at;
    const slot = --this.first;
    this.pos[2 * slot] = at;
    this.pos[2 * slot + 1] = length;
    this.used += length;
  }

  putTail(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const at = this.hi;
    const data = this.data;
    for (let i = 0; i < length; i++) data[at + i] = src[start + i]!;
    this.hi = at + length;
    const slot = this.last++;
    this.pos[2 * slot] = at;
    this.pos[2 * slot + 1] = length;
    this.used += length;
  }

  roomAtHead(length: number): boolean {
    return this.first > 0 && this.lo >= length;
  }

  roomAtTail(length: number): boolean {
    return this.last < this.pos.length >> 1 && this.data.length - this.hi >= length;
  }
}

/** A chunk for `slots` elements of `bytes` bytes in all, its room at the head end or the tail end. */
function newChunk(slots: number, bytes: number, atHead: boolean): Chunk {
  return new Chunk(new Uint8Array(bytes), new Int32Array(2 * slots), atHead);
}

/** Packs `items` into a new chunk with room for about as many again at one end. */
function chunkOf(items: readonly Uint8Array[], bytes: number, atHead: boolean, extraBytes: number): Chunk {
  const slots = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, 2 * items.length + 2));
  const chunk = newChunk(Math.max(slots, items.length + 1), Math.max(MIN_BYTES, Math.min(MAX_BYTES, 2 * (bytes + extraBytes)), bytes + extraBytes), atHead);
  if (atHead) for (let i = items.length - 1; i >= 0; i--) chunk.putHead(items[i]!, 0, items[i]!.length);
  else for (const item of items) chunk.putTail(item, 0, item.length);
  return chunk;
}

/** Elements of a chunk, as views. */
function itemsOf(chunk: Chunk): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = chunk.first; s < chunk.last; s++) out.push(chunk.view(s));
  return out;
}

/** Full chunks holding `items` in order (the last one with room at its tail). */
function chunksOf(items: readonly Uint8Array[]): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < items.length) {
    let end = start;
    let bytes = 0;
    while (end < items.length && end - start < MAX_SLOTS && (end === start || bytes + items[end]!.length <= MAX_BYTES)) bytes += items[end++]!.length;
    const part = items.slice(start, end);
    chunks.push(chunkOf(part, bytes, false, 0));
    start = end;
  }
  return chunks;
}

export class ListValue {
  readonly type = "list" as const;
  /** Head first; none when the list is empty. */
  private chunks: Chunk[] = [];
  private count = 0;
  /** The chunk `at` last read, and the index of its first element (-1: none). */
  private cursor = -1;
  private cursorBase = 0;

  constructor(initial: readonly Uint8Array[] = []) {
    if (initial.length > 0) this.replaceAll(initial);
  }

  get length(): number {
    return this.count;
  }

  pushHead(value: Uint8Array): void {
    this.pushHeadBytes(value, 0, value.length);
  }

  pushTail(value: Uint8Array): void {
    this.pushTailBytes(value, 0, value.length);
  }

  /** Pushes a copy of `data[start, end)` at the head. */
  pushHeadBytes(data: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let head = this.chunks[0];
    if (head === undefined || !head.roomAtHead(length)) head = this.headWithRoom(head, length);
    head.putHead(data, start, end);
    this.count++;
    this.cursor = -1;
  }

  /** Pushes a copy of `data[start, end)` at the tail. */
  pushTailBytes(data: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let tail = this.chunks[this.chunks.length - 1];
    if (tail === undefined || !tail.roomAtTail(length)) tail = this.tailWithRoom(tail, length);
    tail.putTail(data, start, end);
    this.count++;
  }

  /** The head chunk rebuilt with room for `length` more bytes, or a new chunk before it. */
  private headWithRoom(head: Chunk | undefined, length: number): Chunk {
    const grown = head === undefined ? null : this.regrown(head, length, true);
    if (grown !== null) {
      this.chunks[0] = grown;
      return grown;
    }
    // A list that filled a chunk is a long one: the next chunk starts at full size.
    const chunk = head === undefined ? newChunk(MIN_SLOTS, Math.max(MIN_BYTES, 2 * length), true) : newChunk(MAX_SLOTS, Math.max(MAX_BYTES, length), true);
    this.chunks.unshift(chunk);
    return chunk;
  }

  private tailWithRoom(tail: Chunk | undefined, length: number): Chunk {
    const grown = tail === undefined ? null : this.regrown(tail, length, false);
    if (grown !== null) {
      this.chunks[this.chunks.length - 1] = grown;
      return grown;
    }
    const chunk = tail === undefined ? newChunk(MIN_SLOTS, Math.max(MIN_BYTES, 2 * length), false) : newChunk(MAX_SLOTS, Math.max(MAX_BYTES, length), false);
    this.chunks.push(chunk);
    return chunk;
  }

  /**
   * `chunk` rebuilt (compacted, twice its live size) with room at one end, when that stays within a
   * chunk's limits with half of it free; null when the push needs a new chunk instead.
   */
  private regrown(chunk: Chunk, length: number, atHead: boolean): Chunk | null {
    const count = chunk.count;
    if (2 * (count + 1) > MAX_SLOTS || 2 * (chunk.used + length) > MAX_BYTES) return null;
    this.cursor = -1;
    return chunkOf(itemsOf(chunk), chunk.used, atHead, length);
  }

  popHead(): Uint8Array | undefined {
    const head = this.chunks[0];
    if (head === undefined) return undefined;
    const value = head.view(head.first++);
    head.used -= value.length;
    this.count--;
    if (head.count === 0) this.chunks.shift();
    this.cursor = -1;
    return value;
  }

  popTail(): Uint8Array | undefined {
    const tail = this.chunks[this.chunks.length - 1];
    if (tail === undefined) return undefined;
    const value = tail.view(--tail.last);
    tail.used -= value.length;
    this.count--;
    if (tail.count === 0) {
      this.chunks.pop();
      this.cursor = -1;
    }
    return value;
  }

  /** The chunk holding element `index` (in range): its position in `chunks`; `cursorBase` is its first index. */
  private seek(index: number): number {
    const chunks = this.chunks;
    let c = this.cursor;
    let base = this.cursorBase;
    if (c < 0) {
      // From the nearer end.
      if (index < this.count >> 1) {
        c = 0;
        base = 0;
      } else {
        c = chunks.length - 1;
        base = this.count - chunks[c]!.count;
      }
    }
    while (index < base) base -= chunks[--c]!.count;
    while (index >= base + chunks[c]!.count) base += chunks[c++]!.count;
    this.cursor = c;
    this.cursorBase = base;
    return c;
  }

  /** The element at `index` (0-based from the head), or undefined. */
  at(index: number): Uint8Array | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const chunk = this.chunks[this.seek(index)]!;
    return chunk.view(chunk.first + index - this.cursorBase);
  }

  /** Replaces the element at `index` (in range) with a copy of `value`. */
  set(index: number, value: Uint8Array): void {
    const c = this.seek(index);
    const items = itemsOf(this.chunks[c]!);
    items[index - this.cursorBase] = value;
    this.rebuildChunk(c, items);
  }

  /** Inserts `value` so that it ends up at `index` (0..length). */
  insertAt(index: number, value: Uint8Array): void {
    if (index === 0) return this.pushHead(value);
    if (index === this.count) return this.pushTail(value);
    const c = this.seek(index);
    const items = itemsOf(this.chunks[c]!);
    items.splice(index - this.cursorBase, 0, value);
    this.rebuildChunk(c, items);
    this.count++;
  }

  /** Chunk `c` made again from `items` (split when they no longer fit one). */
  private rebuildChunk(c: number, items: readonly Uint8Array[]): void {
    this.chunks.splice(c, 1, ...chunksOf(items));
    this.cursor = -1;
  }

  /** Replaces the whole content (LREM: edits all over the list rebuild it). */
  replaceAll(values: readonly Uint8Array[]): void {
    this.chunks = chunksOf(values);
    this.count = values.length;
    this.cursor = -1;
  }

  /** Removes `count` elements from the head. */
  trimHead(count: number): void {
    for (let i = 0; i < count; i++) this.popHead();
  }

  /** Removes `count` elements from the tail. */
  trimTail(count: number): void {
    for (let i = 0; i < count; i++) this.popTail();
  }

  /** Elements from `start` to `end` inclusive (already clamped to the list). */
  range(start: number, end: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (start > end) return out;
    let c = this.seek(start);
    let slot = this.chunks[c]!.first + start - this.cursorBase;
    for (let i = start; i <= end; i++) {
      let chunk = this.chunks[c]!;
      if (slot >= chunk.last) {
        chunk = this.chunks[++c]!;
        slot = chunk.first;
      }
      out.push(chunk.view(slot++));
    }
    return out;
  }

  toArray(): Uint8Array[] {
    return this.count === 0 ? [] : this.range(0, this.count - 1);
  }

  /** Head to tail. */
  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (const chunk of this.chunks) for (let s = chunk.first; s < chunk.last; s++) yield chunk.view(s);
  }

  clone(): ListValue {
    return new ListValue(this.toArray());
  }
}
