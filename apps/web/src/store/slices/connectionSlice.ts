/** The WebSocket's health, for the indicator in the header. */
import type { StateCreator } from "zustand/vanilla";
import type { AppState } from "../appState.ts";

export type ConnectionStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** Why a connection ended, as data: the header puts it in the language shown. */
export type ConnectionReason =
  | { readonly kind: "lost" }
  | { readonly kind: "closed"; readonly code: number }
  | { readonly kind: "lab-deleted" }
  /** The close reason the server sent (its words). */
  | { readonly kind: "server"; readonly text: string };

export interface ConnectionInfo {
  readonly status: ConnectionStatus;
  /** Failed attempts since the last successful connection. */
  readonly attempt: number;
  /** When the next attempt starts (epoch ms), while reconnecting. */
  readonly retryAt: number | null;
  /** Why the last connection ended, if it did. */
  readonly reason: ConnectionReason | null;
  /** Round trip of the last ping, in ms. */
  readonly rttMs: number | null;
}

export interface ConnectionSlice {
  readonly connection: ConnectionInfo;
  setConnection(patch: Partial<ConnectionInfo>): void;
}

export const createConnectionSlice: StateCreator<AppState, [], [], ConnectionSlice> = (set) => ({
  connection: { status: "idle", attempt: 0, retryAt: null, reason: null, rttMs: null },
  setConnection(patch) {
    set((state) => ({ connection: { ...state.connection, ...patch } }));
  },
});
