/**
 * The sequence diagram and the protocol comparison over REST (issue 10): the messages of every
 * replication link of a lab up to a moment (`GET /api/labs/:lab/sequence`), and one lab's story
 * told under every protocol (`POST /api/labs/:lab/compare`). The engine reads both from the bytes
 * its world carried; these are their JSON shapes.
 */

import type {
  CompareCosts,
  CompareDifference,
  CompareFigures,
  CompareLane,
  CompareLaneEvent,
  CompareMark,
  CompareMoment,
  CompareNodeState,
  CompareSync,
  WireFault,
  WireMessage,
  WireMessageKind,
} from "@replica-lab/engine";

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

/**
 * A resync in a comparison lane: full or partial, replica and master (node ids), when the master
 * answered and when the catch-up arrived (virtual ms), the bytes it sent, the keys a full one
 * carried, the writes the replica had missed before it (null: a first sync), keys it dropped.
 */
export type CompareSyncView = CompareSync;

/** What one protocol's telling cost by the moment asked (the cost so far at `timeMs`, plus keys per node). */
export type CompareFiguresView = CompareFigures;

/**
 * The cost so far at one moment of a lane: full and partial syncs, resync bytes, replica-ms out of
 * sync (time to convergence) and how many replicas are out of sync then, writes missed, keys lost.
 */
export type CompareCostsView = CompareCosts;

/** A moment of a lane's timeline: a node's state change, a link lost, a resync, a catch-up, missed writes; with the cost so far. */
export type CompareMomentView = CompareMoment;
export type CompareLaneEventView = CompareLaneEvent;
export type CompareNodeStateView = CompareNodeState;

/** A step of the story a kind tells differently: translated (REPLICAOF → SLAVEOF), skipped (SSDB's REPLICAOF NO ONE), unknown (WAIT before 3.0), a setting left out. */
export type CompareMarkView = CompareMark;

/** Where the lanes part ways: the k-th resync of a replica, each lane's part, the words in English. */
export type CompareDifferenceView = CompareDifference;

/** One lane: the story told under a version (figures, resyncs, marks, timeline), or why it could not be told. */
export type CompareLaneView = CompareLane;

/** `POST /api/labs/:lab/compare` `{ versions?, atMs? }`. */
export interface CompareView {
  readonly timeMs: number;
  /** Node ids to names, for the lanes' figures. */
  readonly names: Readonly<Record<string, string>>;
  readonly lanes: readonly CompareLaneView[];
  /** The lanes' differences, oldest first. */
  readonly differences: readonly CompareDifferenceView[];
}
