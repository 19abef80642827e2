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
    heap.push({ timeMs, seq: this.seq++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.timeMs : Infinity;
  }

  pop(): { timeMs: number; value: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return { timeMs: top.timeMs, value: top.value };
  }

  /** Every pending value (unordered), for inspection. */
  values(): T[] {
    return this.heap.map((e) => e.value);
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
