/**
 * The sequence diagram and the protocol comparison over REST (issue 10): the messages of every
 * replication link of a lab up to a moment (`GET /api/labs/:lab/sequence`), and one lab's story
 * told under every protocol (`POST /api/labs/:lab/compare`). The engine reads both from the bytes
 * its world carried; these are their JSON shapes.
 */

import type { WireFault, WireMessage, WireMessageKind } from "@replica-lab/engine";

/**
 * One arrow, as the engine's wire tap reads it (kinds, texts, virtual send and arrival times, exact
 * bytes escaped, offsets, linked events): the engine's type is the JSON shape, declared once there.
 */
export type SequenceMessage = WireMessage;
/** What a message is, in the protocol's terms. */
export type SequenceMessageKind = WireMessageKind;
/** What went wrong with a message: lost on a reset, closed or crashed peer; a crash or timeout close. */
export type SequenceFault = WireFault;

/** A lane of the diagram. */
export interface SequenceLane {
  /** A node id, or an outside server's address. */
  readonly id: string;
  readonly name: string;
  readonly version: string | null;
}

/** `GET /api/labs/:lab/sequence?atMs=&fromMs=&limit=`. */
export interface SequenceView {
  /** The moment read up to (virtual ms). */
  readonly timeMs: number;
  readonly lanes: readonly SequenceLane[];
  /** Messages sent in [fromMs, timeMs], oldest first; the newest `limit` when there are more. */
  readonly messages: readonly SequenceMessage[];
  /** Messages in the window left out by `limit`, plus those the server no longer keeps. */
  readonly omitted: number;
}

/** A resync in a comparison lane. */
export interface CompareSyncView {
  readonly kind: "full" | "partial";
  readonly replica: string;
  readonly master: string;
  readonly atMs: number;
  readonly doneMs: number;
  readonly bytes: number;
}

/** What one protocol's telling of the story cost. */
export interface CompareFiguresView {
  readonly fullSyncs: number;
  readonly partialSyncs: number;
  readonly resyncBytes: number;
  readonly convergedAtMs: number | null;
  readonly keys: Readonly<Record<string, number | null>>;
  readonly keysBehind: number;
}

export type CompareLaneView =
  | { readonly version: string; readonly ok: true; readonly figures: CompareFiguresView; readonly syncs: readonly CompareSyncView[]; readonly notes: readonly string[]; readonly timeMs: number }
  | { readonly version: string; readonly ok: false; readonly reason: string };

/** `POST /api/labs/:lab/compare` `{ versions?, atMs? }`. */
export interface CompareView {
  readonly timeMs: number;
  /** Node ids to names, for the lanes' figures. */
  readonly names: Readonly<Record<string, string>>;
  readonly lanes: readonly CompareLaneView[];
}
