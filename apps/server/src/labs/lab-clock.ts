/**
 * Maps wall-clock time to a lab's virtual time. Pure: the caller passes the wall clock in, so the
 * rules are testable without timers.
 *
 * The clock names a *target* virtual time; the runtime runs the world up to it as fast as its
 * per-tick budget allows. When the world cannot keep up, `slip` moves the anchor so the target never
 * runs further ahead than `maxLagMs` of wall time: under load the lab runs slower than the wall
 * clock instead of trying to catch up forever.
 */

/** Slowest and fastest speeds (virtual ms per wall ms). */
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

export class LabClock {
  private anchorWallMs: number;
  private anchorVirtualMs: number;
  private speedValue = 1;
  private pausedValue = false;

  constructor(wallNowMs: number, virtualNowMs: number) {
    this.anchorWallMs = wallNowMs;
    this.anchorVirtualMs = virtualNowMs;
  }

  get speed(): number {
    return this.speedValue;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  /** The virtual time the world should have reached at `wallNowMs`. */
  targetMs(wallNowMs: number): number {
    if (this.pausedValue) return this.anchorVirtualMs;
    return this.anchorVirtualMs + Math.max(0, wallNowMs - this.anchorWallMs) * this.speedValue;
  }

  /** Stops the target at `virtualNowMs` (where the world actually is). */
  pause(wallNowMs: number, virtualNowMs: number): void {
    this.rebase(wallNowMs, virtualNowMs);
    this.pausedValue = true;
  }

  /** Lets the target follow the wall clock again from `virtualNowMs`. */
  resume(wallNowMs: number, virtualNowMs: number): void {
    this.rebase(wallNowMs, virtualNowMs);
    this.pausedValue = false;
  }

  /** Changes the speed from now on, without a jump. */
  setSpeed(speed: number, wallNowMs: number, virtualNowMs: number): void {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) throw new RangeError(`speed ${speed} is outside ${MIN_SPEED}..${MAX_SPEED}`);
    this.rebase(wallNowMs, virtualNowMs);
    this.speedValue = speed;
  }

  /** Moves the target `ms` further (paused or not). */
  step(ms: number): void {
    this.anchorVirtualMs += ms;
  }

  /**
   * Called when the world is behind the target: keeps at most `maxLagMs` of wall time of backlog,
   * dropping the rest, so the target cannot run away.
   */
  slip(wallNowMs: number, virtualNowMs: number, maxLagMs: number): void {
    const target = this.targetMs(wallNowMs);
    const limit = virtualNowMs + maxLagMs * (this.pausedValue ? 1 : this.speedValue);
    if (target > limit && !this.pausedValue) {
      this.anchorWallMs = wallNowMs;
      this.anchorVirtualMs = limit;
    }
  }

  private rebase(wallNowMs: number, virtualNowMs: number): void {
    // A running clock restarts from the world's actual position, so a lagging lab does not jump; a
    // paused one keeps a step that is still being worked off.
    this.anchorWallMs = wallNowMs;
    this.anchorVirtualMs = this.pausedValue ? Math.max(virtualNowMs, this.anchorVirtualMs) : virtualNowMs;
  }
}
