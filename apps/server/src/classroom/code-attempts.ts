/**
 * Wrong join codes, counted per client address, so a join code (six characters, about 887 million
 * of them) cannot be found by guessing: after `limit` wrong codes within `windowMs`, the address
 * gets 429 `too-many-attempts` on every classroom route until the window has passed. A class
 * behind one NAT shares an address, so the limit leaves room for a roomful of typos. Memory is
 * bounded: at most `maxAddresses` are remembered (the longest-quiet one goes first).
 */

export interface CodeAttemptLimits {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
}

export const DEFAULT_CODE_ATTEMPT_LIMITS: CodeAttemptLimits = { limit: 60, windowMs: 60_000, maxAddresses: 10_000 };

interface Window {
  /** When the window of the first counted failure started. */
  startMs: number;
  failures: number;
}

export class CodeAttempts {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: CodeAttemptLimits = DEFAULT_CODE_ATTEMPT_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const window = this.current(address);
    if (window === undefined || window.failures < this.limits.limit) return 0;
    return Math.max(1, window.startMs + this.limits.windowMs - this.now());
  }

  /** Counts one wrong code from `address`. */
  fail(address: string): void {
    const window = this.current(address);
    if (window !== undefined) {
      window.failures++;
      // Re-inserted, so the map's first entry is always the longest quiet.
      this.windows.delete(address);
      this.windows.set(address, window);
      return;
    }
    if (this.windows.size >= this.limits.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(address, { startMs: this.now(), failures: 1 });
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window !== undefined && this.now() - window.startMs >= this.limits.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
