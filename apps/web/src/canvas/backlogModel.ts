/**
 * Geometry of a backlog bar: the window of stream bytes a master still holds, on the offset axis,
 * with each attached replica's acknowledged offset marked. A replica at offset r can continue with a
 * partial resync when r + 1 lies inside [first_byte_offset, master_repl_offset + 1], i.e. when
 * first_byte_offset - 1 ≤ r ≤ master_repl_offset.
 */
import type { OffsetNode } from "../format/kinds.ts";

export type MarkerPlace = "inside" | "behind" | "ahead";

export interface BacklogMarker {
  readonly key: string;
  readonly label: string;
  readonly offset: number;
  /** 0..1 along the bar. */
  readonly x: number;
  readonly place: MarkerPlace;
  /** The marker sits at an end of the bar because its offset is outside the drawn range. */
  readonly clamped: boolean;
}

export interface BacklogBar {
  readonly active: boolean;
  /** First offset held, and the last (= master_repl_offset). */
  readonly first: number;
  readonly last: number;
  readonly histlen: number;
  readonly sizeBytes: number;
  /** Drawn offset range. */
  readonly from: number;
  readonly to: number;
  /** The window's extent along the bar, 0..1. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly markers: readonly BacklogMarker[];
}

/** Where a replica at `offset` stands against a backlog holding [first, last]. */
export function markerPlace(offset: number, first: number, last: number): MarkerPlace {
  if (offset < first - 1) return "behind";
  if (offset > last) return "ahead";
  return "inside";
}

type NameOf = (nodeId: string | null, address: string) => string;

function markersFor(node: OffsetNode, nameOf: NameOf, from: number, to: number, first: number, last: number): BacklogMarker[] {
  const span = Math.max(1, to - from);
  return node.replicas.map((r, i) => {
    const raw = (r.ackOffset - from) / span;
    const x = Math.min(1, Math.max(0, raw));
    return {
      key: r.nodeId ?? `${r.address}#${i}`,
      label: nameOf(r.nodeId, r.address),
      offset: r.ackOffset,
      x,
      place: markerPlace(r.ackOffset, first, last),
      clamped: x !== raw,
    };
  });
}

/**
 * The card's bar: zoomed so the window fills most of the bar, with room on the left for replicas
 * that fell behind it.
 */
export function cardBacklogBar(node: OffsetNode, nameOf: NameOf): BacklogBar {
  const { active, firstByteOffset: first, histlen, sizeBytes } = node.backlog;
  const last = active ? first + histlen - 1 : node.masterReplOffset;
  let from = active ? first - 1 : last;
  for (const r of node.replicas) from = Math.min(from, r.ackOffset);
  let to = Math.max(last, ...node.replicas.map((r) => r.ackOffset));
  if (to - from < 1) from = to - 1;
  // A little margin so markers at the ends stay visible.
  const pad = (to - from) * 0.04;
  const drawFrom = from - pad;
  to = to + pad;
  const span = to - drawFrom;
  return {
    active,
    first,
    last,
    histlen,
    sizeBytes,
    from: drawFrom,
    to,
    windowStart: active ? (first - 1 - drawFrom) / span : 1,
    windowEnd: active ? (last - drawFrom) / span : 1,
    markers: markersFor(node, nameOf, drawFrom, to, first, last),
  };
}

/**
 * The inspector's bar, to scale: the full capacity (repl-backlog-size) ending at
 * master_repl_offset, so a small history looks small and a wrapped one fills the bar.
 */
export function scaledBacklogBar(node: OffsetNode, nameOf: NameOf): BacklogBar {
  const { active, firstByteOffset: first, histlen, sizeBytes } = node.backlog;
  const last = active ? first + histlen - 1 : node.masterReplOffset;
  const capacity = Math.max(sizeBytes, histlen, 1);
  const to = last;
  const from = to - capacity;
  return {
    active,
    first,
    last,
    histlen,
    sizeBytes,
    from,
    to,
    windowStart: active ? Math.max(0, (first - 1 - from) / capacity) : 1,
    windowEnd: 1,
    markers: markersFor(node, nameOf, from, to, first, last),
  };
}
