/**
 * A list value (t_list.c). Redis 7.0 keeps every list as a quicklist, a linked list of listpack
 * nodes; which node holds an element shows only in the RDB file (see rdb/types-writer.ts), so
 * here a list is a growable ring buffer: O(1) at both ends and by index, O(n) in the middle.
 */

export class ListValue {
  readonly type = "list" as const;
  private items: (Uint8Array | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initial: readonly Uint8Array[] = []) {
    let capacity = 8;
    while (capacity < initial.length) capacity *= 2;
    this.items = new Array<Uint8Array | undefined>(capacity);
    for (let i = 0; i < initial.length; i++) this.items[i] = initial[i];
    this.count = initial.length;
  }

  get length(): number {
    return this.count;
  }

  private slot(index: number): number {
    return (this.head + index) & (this.items.length - 1);
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<Uint8Array | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }

  pushTail(value: Uint8Array): void {
    if (this.count === this.items.length) this.grow();
    this.items[this.slot(this.count)] = value;
    this.count++;
  }

  pushHead(value: Uint8Array): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = value;
    this.count++;
  }

  popHead(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return value;
  }

  popTail(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const at = this.slot(this.count - 1);
    const value = this.items[at];
    this.items[at] = undefined;
    this.count--;
    return value;
  }

  /** The element at `index` (0-based from the head), or undefined. */
  at(index: number): Uint8Array | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[this.slot(index)];
  }

  set(index: number, value: Uint8Array): void {
    this.items[this.slot(index)] = value;
  }

  /** Inserts `value` so that it ends up at `index` (0..length). */
  insertAt(index: number, value: Uint8Array): void {
    if (index === 0) return this.pushHead(value);
    if (index === this.count) return this.pushTail(value);
    const all = this.toArray();
    all.splice(index, 0, value);
    this.replaceAll(all);
  }

  /** Replaces the whole content (LREM, LINSERT: edits in the middle rebuild the ring). */
  replaceAll(values: readonly Uint8Array[]): void {
    let capacity = 8;
    while (capacity < values.length) capacity *= 2;
    this.items = new Array<Uint8Array | undefined>(capacity);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
    this.count = values.length;
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
    for (let i = start; i <= end; i++) out.push(this.items[this.slot(i)]!);
    return out;
  }

  toArray(): Uint8Array[] {
    return this.count === 0 ? [] : this.range(0, this.count - 1);
  }

  /** Head to tail. */
  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.count; i++) yield this.items[this.slot(i)]!;
  }

  clone(): ListValue {
    return new ListValue(this.toArray());
  }
}
