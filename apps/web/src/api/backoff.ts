/** Reconnect delays: exponential with jitter, capped, so a restarted server is not stampeded. */

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** 0..1: how much of each delay is randomised. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 300, maxMs: 8000, jitter: 0.3 };

/** The delay before attempt number `attempt` (0 = first retry). `random` is in [0, 1). */
export function backoffDelayMs(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = exp * (1 - options.jitter + options.jitter * random);
  return Math.round(Math.min(options.maxMs, jittered));
}
