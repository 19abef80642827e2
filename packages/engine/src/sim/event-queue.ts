/**
 * A discrete-event queue ordered by (time, sequence): events at the same virtual time run in the
 * order they were scheduled, which makes every run of the same inputs identical.
 */
interface Entry<T> {
  readonly timeMs: number;
  readonly seq: number;
  readonly value: T;
}

export class EventQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeMs: number, value: T): void {
    const heap = this.heap;
    const entry: Entry<T> = { timeMs, seq: this.seq++, value };
    // Sift up by moving parents down into the hole, then place the entry once (no swaps).
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (!before(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.timeMs : Infinity;
  }

  /** The earliest event (its time and value), or undefined when none is queued. */
  pop(): { readonly timeMs: number; readonly value: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      // Sift the last entry down from the root through the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const child = r < size && before(heap[r]!, heap[l]!) ? r : l;
        const below = heap[child]!;
        if (!before(below, last)) break;
        heap[i] = below;
        i = child;
      }
      heap[i] = last;
    }
    // The entry itself: a pop per event, so no new object for it.
    return top;
  }

  /** Every pending value (unordered), for inspection. */
  values(): T[] {
    return this.heap.map((e) => e.value);
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
