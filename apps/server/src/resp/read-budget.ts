/**
 * How much of one turn of Node's event loop a lab's RESP clients may spend (issue 12: other labs
 * keep answering while one is flooded). Node reads a busy socket up to 32 times per turn, 64 KiB
 * each: a client pipelining megabytes of commands had the server run all of them before another
 * lab's PING was even read (668 ms measured). Each lab's gateway has one budget: once its clients
 * have had `budgetMs` of wall time in the current turn, what they send next waits, its socket
 * paused, until the next turn, so the other labs' clients, read in the same turn, are answered
 * first. Chunks are delayed whole, never split, so the node sees the same reads.
 */

/** Wall ms a lab's clients may have per turn of the event loop. */
export const READ_BUDGET_MS = 5;

export class ReadBudget {
  /** Wall ms spent in the current turn. */
  private spentMs = 0;
  /** A reset is scheduled for the end of this turn. */
  private resetQueued = false;
  /** Work waiting for the next turn, oldest first. */
  private waiting: (() => void)[] = [];

  constructor(private readonly budgetMs = READ_BUDGET_MS) {}

  /** True when the current turn's budget is used up. */
  get exhausted(): boolean {
    return this.spentMs >= this.budgetMs;
  }

  /** Runs `work(value)` now, counting its wall time against the turn's budget. */
  spend<T>(work: (value: T) => void, value: T): void {
    const started = performance.now();
    try {
      work(value);
    } finally {
      this.spentMs += performance.now() - started;
      this.queueReset();
    }
  }

  /** Runs `work` at the next turn (in order with other waiting work), when the budget is fresh. */
  later(work: () => void): void {
    this.waiting.push(work);
    this.queueReset();
  }

  private queueReset(): void {
    if (this.resetQueued) return;
    this.resetQueued = true;
    setImmediate(() => {
      this.resetQueued = false;
      this.spentMs = 0;
      const waiting = this.waiting;
      this.waiting = [];
      for (const work of waiting) work();
    });
  }
}
