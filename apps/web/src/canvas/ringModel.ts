/**
 * Geometry of the ring backlog of 2.8 and 4.0 (replication.c's createReplicationBacklog): one buffer
 * of `repl_backlog_size` bytes, written at `repl_backlog_idx`, which wraps to 0 at the end, so the
 * newest bytes overwrite the oldest. The history held is the `histlen` bytes just behind the write
 * index. A replica that acknowledged offset `a` needs byte `a + 1` next: `last - a` bytes behind the
 * write index. While that is within `histlen` its byte is still in the ring (a PSYNC continues);
 * once the writer has gone round past it the byte is overwritten and only a full resync helps.
 */
import type { OffsetNode } from "../format/kinds.ts";

export type RingPlace = "inside" | "overwritten" | "ahead";

export interface RingMarker {
  readonly key: string;
  readonly label: string;
  readonly ackOffset: number;
  /** The buffer index of the next byte it needs (where it would read from). */
  readonly index: number;
  /** 0..1 round the ring, clockwise from the top (index 0). */
  readonly turn: number;
  readonly place: RingPlace;
  /** Bytes between its position and the write index (how far the writer is ahead of it). */
  readonly behindBytes: number;
}

export interface Ring {
  readonly active: boolean;
  readonly sizeBytes: number;
  readonly idx: number;
  readonly histlen: number;
  readonly first: number;
  readonly last: number;
  /** Times the write index has passed the end of the buffer. */
  readonly laps: number;
  readonly wrapped: boolean;
  /** The write index, 0..1 round the ring. */
  readonly idxTurn: number;
  /** Where the held history starts (its oldest byte), 0..1 round the ring; it ends at idxTurn. */
  readonly historyStartTurn: number;
  readonly markers: readonly RingMarker[];
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Where a replica at acknowledged offset `ack` stands on the ring. */
export function ringPlace(ack: number, last: number, histlen: number): RingPlace {
  if (ack > last) return "ahead";
  return last - ack <= histlen ? "inside" : "overwritten";
}

type NameOf = (nodeId: string | null, address: string) => string;

/** The ring of a node with a ring backlog (2.8, 4.0), and its replicas on it. */
export function ringOf(node: OffsetNode, nameOf: NameOf): Ring | null {
  if (node.protocol !== "redis-psync1" && node.protocol !== "redis-psync2-ring") return null;
  const b = node.backlog;
  const size = Math.max(1, b.sizeBytes);
  const last = b.active ? b.lastByteOffset : node.masterReplOffset;
  const markers = node.replicas.map((r, i): RingMarker => {
    const behindBytes = last - r.ackOffset;
    const index = mod(b.idx - behindBytes, size);
    return {
      key: r.nodeId ?? `${r.address}#${i}`,
      label: nameOf(r.nodeId, r.address),
      ackOffset: r.ackOffset,
      index,
      turn: index / size,
      place: b.active ? ringPlace(r.ackOffset, last, b.histlen) : "overwritten",
      behindBytes,
    };
  });
  return {
    active: b.active,
    sizeBytes: size,
    idx: b.idx,
    histlen: b.histlen,
    first: b.firstByteOffset,
    last,
    laps: Math.floor(b.fedBytes / size),
    wrapped: b.wrapped,
    idxTurn: b.idx / size,
    historyStartTurn: mod(b.idx - b.histlen, size) / size,
    markers,
  };
}

/** A point on a circle of radius `r` round (cx, cy), `turn` clockwise from the top. */
export function pointAt(cx: number, cy: number, r: number, turn: number): { readonly x: number; readonly y: number } {
  const angle = turn * 2 * Math.PI - Math.PI / 2;
  return { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) };
}

/** An SVG arc path from `fromTurn` clockwise to `toTurn` (a full circle when `full`). */
export function arcPath(cx: number, cy: number, r: number, fromTurn: number, toTurn: number, full: boolean): string {
  if (full) {
    const top = pointAt(cx, cy, r, 0);
    const bottom = pointAt(cx, cy, r, 0.5);
    return `M ${top.x} ${top.y} A ${r} ${r} 0 1 1 ${bottom.x} ${bottom.y} A ${r} ${r} 0 1 1 ${top.x} ${top.y}`;
  }
  const span = mod(toTurn - fromTurn, 1);
  const a = pointAt(cx, cy, r, fromTurn);
  const b = pointAt(cx, cy, r, fromTurn + span);
  return `M ${a.x} ${a.y} A ${r} ${r} 0 ${span > 0.5 ? 1 : 0} 1 ${b.x} ${b.y}`;
}
