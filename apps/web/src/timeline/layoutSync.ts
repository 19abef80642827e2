/**
 * The node positions a lab keeps on the server (`GET/PUT /api/labs/:lab/layout`), so an exported
 * file, an imported lab and another browser show the cards where they were put. This browser's
 * own positions (localStorage) win when it has some; otherwise the server's are taken. Changes are
 * sent a moment after the last drag. A server without the route is left alone.
 */
import type { Point } from "../canvas/layout.ts";
import { sendRest } from "../api/rest.ts";
import type { AppStore } from "../store/store.ts";

const SEND_DELAY_MS = 800;

/** Positions from a layout answer, dropping anything that is not a point. */
export function positionsOf(body: unknown): Record<string, Point> {
  const positions = typeof body === "object" && body !== null ? (body as { positions?: unknown }).positions : undefined;
  const out: Record<string, Point> = {};
  if (typeof positions !== "object" || positions === null) return out;
  for (const [id, value] of Object.entries(positions)) {
    if (typeof value !== "object" || value === null) continue;
    const p = value as { x?: unknown; y?: unknown };
    if (typeof p.x === "number" && typeof p.y === "number" && Number.isFinite(p.x) && Number.isFinite(p.y)) out[id] = { x: p.x, y: p.y };
  }
  return out;
}

export interface LayoutSyncOptions {
  readonly fetchImpl?: typeof fetch;
  readonly setTimer?: (callback: () => void, ms: number) => number;
  readonly clearTimer?: (handle: number) => void;
}

export class LayoutSync {
  private unsubscribe: (() => void) | null = null;
  private timer: number | null = null;
  /** False until the server's layout was read (or found missing): nothing is sent before. */
  private ready = false;
  private supported = true;

  constructor(
    private readonly store: AppStore,
    private readonly labId: string,
    private readonly options: LayoutSyncOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stop();
    let last = this.store.getState().canvas.pinned;
    this.unsubscribe = this.store.subscribe((state) => {
      if (state.canvas.pinned === last) return;
      last = state.canvas.pinned;
      this.schedule();
    });
    const path = `/api/labs/${encodeURIComponent(this.labId)}/layout`;
    try {
      const positions = positionsOf(await sendRest({ method: "GET", path }, this.options.fetchImpl));
      if (this.unsubscribe === null) return;
      const state = this.store.getState();
      if (Object.keys(state.canvas.pinned).length === 0 && Object.keys(positions).length > 0) state.loadPinned(positions);
    } catch {
      // No layout route (an older server) or no server: positions stay in this browser only.
      this.supported = false;
    }
    this.ready = true;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) (this.options.clearTimer ?? ((h) => window.clearTimeout(h)))(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null || !this.supported) return;
    this.timer = (this.options.setTimer ?? ((cb, ms) => window.setTimeout(cb, ms)))(() => {
      this.timer = null;
      void this.send();
    }, SEND_DELAY_MS);
  }

  private async send(): Promise<void> {
    if (!this.ready) {
      this.schedule();
      return;
    }
    const positions = this.store.getState().canvas.pinned;
    try {
      await sendRest({ method: "PUT", path: `/api/labs/${encodeURIComponent(this.labId)}/layout`, body: { positions } }, this.options.fetchImpl);
    } catch {
      // Positions are a convenience: a refused or lost update is retried with the next drag.
    }
  }
}
