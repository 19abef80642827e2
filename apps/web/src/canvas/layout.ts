/**
 * Automatic layout with dagre: masters on the left, their replicas to the right, chains running
 * left to right (screens and projectors are wide). Only nodes the user
 * has not placed move; a placed ("pinned") node stays where it was dropped, and laid-out nodes are
 * nudged sideways until they no longer overlap a pinned one.
 */
import dagre from "@dagrejs/dagre";

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** The box the layout reserves for a card (cards are about this size). */
export const CARD_WIDTH = 280;
export const CARD_HEIGHT = 250;
/** Between ranks (master → replica), with room for the edge's label. */
const GAP_X = 150;
/** Between siblings in one rank. */
const GAP_Y = 40;
/** A rank taller than this many cards is folded into several columns, so big labs stay compact. */
export const MAX_PER_COLUMN = 8;

export interface LayoutInput {
  readonly nodeIds: readonly string[];
  /** Replica → master pairs; the master is drawn to the left. */
  readonly replicaOf: readonly (readonly [replicaId: string, masterId: string])[];
  /** Positions the user chose; never changed by the layout. */
  readonly pinned: ReadonlyMap<string, Point>;
}

/** Top-left positions for every node. */
export function computeLayout(input: LayoutInput): Map<string, Point> {
  const graph = new dagre.graphlib.Graph<Record<string, unknown>, { width: number; height: number; x?: number; y?: number }, Record<string, unknown>>();
  graph.setGraph({ rankdir: "LR", nodesep: GAP_Y, ranksep: GAP_X, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(input.nodeIds);
  for (const id of input.nodeIds) graph.setNode(id, { width: CARD_WIDTH, height: CARD_HEIGHT });
  for (const [replica, master] of input.replicaOf) {
    if (known.has(replica) && known.has(master) && replica !== master) graph.setEdge(master, replica);
  }
  dagre.layout(graph);

  const laidOut = new Map<string, Point>();
  for (const id of input.nodeIds) {
    const label = graph.node(id);
    // dagre gives centres; React Flow positions are top-left corners.
    laidOut.set(id, { x: Math.round((label.x ?? 0) - CARD_WIDTH / 2), y: Math.round((label.y ?? 0) - CARD_HEIGHT / 2) });
  }
  foldTallRanks(laidOut);
  const result = new Map<string, Point>();
  for (const id of input.nodeIds) result.set(id, input.pinned.get(id) ?? laidOut.get(id)!);
  if (input.pinned.size > 0) avoidPinned(result, input.pinned);
  return result;
}

/**
 * Folds every rank (a column in this left-to-right layout) holding more than MAX_PER_COLUMN cards
 * into several side-by-side columns, keeping the rank's order, and moves later ranks right to make
 * room. One master with 99 replicas becomes a block of columns instead of a 25,000-pixel-tall line.
 */
function foldTallRanks(positions: Map<string, Point>): void {
  const ranks = new Map<number, string[]>();
  for (const [id, p] of positions) {
    const list = ranks.get(p.x);
    if (list) list.push(id);
    else ranks.set(p.x, [id]);
  }
  const xs = [...ranks.keys()].sort((a, b) => a - b);
  let shift = 0;
  for (const x of xs) {
    const ids = ranks.get(x)!.sort((a, b) => positions.get(a)!.y - positions.get(b)!.y);
    if (ids.length <= MAX_PER_COLUMN) {
      for (const id of ids) positions.set(id, { x: x + shift, y: positions.get(id)!.y });
      continue;
    }
    const columns = Math.ceil(ids.length / MAX_PER_COLUMN);
    const rows = Math.ceil(ids.length / columns);
    const top = ids.reduce((sum, id) => sum + positions.get(id)!.y, 0) / ids.length - ((rows - 1) * (CARD_HEIGHT + GAP_Y)) / 2;
    ids.forEach((id, i) => {
      const column = Math.floor(i / rows);
      const row = i % rows;
      positions.set(id, { x: x + shift + column * (CARD_WIDTH + GAP_Y), y: Math.round(top + row * (CARD_HEIGHT + GAP_Y)) });
    });
    shift += (columns - 1) * (CARD_WIDTH + GAP_Y);
  }
}

function overlaps(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) < CARD_WIDTH + GAP_X / 2 && Math.abs(a.y - b.y) < CARD_HEIGHT + GAP_Y / 2;
}

/** Shifts laid-out nodes down until none overlaps a pinned node or an already-placed one. */
function avoidPinned(positions: Map<string, Point>, pinned: ReadonlyMap<string, Point>): void {
  const placed: Point[] = [...pinned.values()];
  for (const [id, point] of positions) {
    if (pinned.has(id)) continue;
    let candidate = point;
    for (let tries = 0; tries < 200 && placed.some((p) => overlaps(p, candidate)); tries++) {
      candidate = { x: candidate.x, y: candidate.y + CARD_HEIGHT + GAP_Y };
    }
    positions.set(id, candidate);
    placed.push(candidate);
  }
}
