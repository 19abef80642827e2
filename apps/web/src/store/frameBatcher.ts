/**
 * Buffers incoming messages and hands them over at most once per animation frame. A hidden tab gets
 * no animation frames, so a timer flushes anyway after `maxDelayMs`; the backlog never grows
 * without bound.
 */

export interface FrameScheduler {
  requestFrame(callback: () => void): number;
  cancelFrame(handle: number): void;
  setTimer(callback: () => void, ms: number): number;
  clearTimer(handle: number): void;
}

export const browserScheduler: FrameScheduler = {
  requestFrame: (callback) => requestAnimationFrame(() => callback()),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  setTimer: (callback, ms) => window.setTimeout(callback, ms),
  clearTimer: (handle) => window.clearTimeout(handle),
};

export class FrameBatcher<T> {
  private items: T[] = [];
  private frame: number | null = null;
  private timer: number | null = null;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly scheduler: FrameScheduler = browserScheduler,
    private readonly maxDelayMs = 250,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.frame === null) this.frame = this.scheduler.requestFrame(() => this.run());
    if (this.timer === null) this.timer = this.scheduler.setTimer(() => this.run(), this.maxDelayMs);
  }

  /** Number of messages waiting for the next frame. */
  get pending(): number {
    return this.items.length;
  }

  /** Applies whatever is waiting now (used before tearing down). */
  run(): void {
    if (this.frame !== null) this.scheduler.cancelFrame(this.frame);
    if (this.timer !== null) this.scheduler.clearTimer(this.timer);
    this.frame = null;
    this.timer = null;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.flush(items);
  }

  /** Drops waiting messages and cancels the scheduled flush. */
  dispose(): void {
    if (this.frame !== null) this.scheduler.cancelFrame(this.frame);
    if (this.timer !== null) this.scheduler.clearTimer(this.timer);
    this.frame = null;
    this.timer = null;
    this.items = [];
  }
}
