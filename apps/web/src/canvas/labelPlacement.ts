/**
 * Where an edge's label goes: on the edge, as near the replica's end as it can be without covering
 * a card. A label placed at a fixed point of the curve covered card headers and figures whenever
 * the curve ran past a card (a two-node cycle draws both curves alongside both cards): issue 12's
 * "streaming CYCLE label across a card, covering REPLID2". Points along the curve are tried in
 * order of preference and the first whose label box clears every card (with a margin) wins; if
 * none does, the one covering the least card area.
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** The four points of the cubic Bézier in an SVG path `M x,y C x1,y1 x2,y2 x,y` (React Flow's getBezierPath). */
export function cubicOfPath(path: string): readonly [Point, Point, Point, Point] | null {
  const numbers = path.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi)?.map(Number) ?? [];
  if (!/^\s*M/i.test(path) || !/C/i.test(path) || numbers.length !== 8) return null;
  const [a, b, c, d, e, f, g, h] = numbers as [number, number, number, number, number, number, number, number];
  return [
    { x: a, y: b },
    { x: c, y: d },
    { x: e, y: f },
    { x: g, y: h },
  ];
}

function at([p0, p1, p2, p3]: readonly [Point, Point, Point, Point], t: number): Point {
  const u = 1 - t;
  const w0 = u * u * u;
  const w1 = 3 * u * u * t;
  const w2 = 3 * u * t * t;
  const w3 = t * t * t;
  return { x: w0 * p0.x + w1 * p1.x + w2 * p2.x + w3 * p3.x, y: w0 * p0.y + w1 * p1.y + w2 * p2.y + w3 * p3.y };
}

/** Fractions of the curve from the replica's end, best first: near the replica, then outwards. */
const PREFERENCE = [0.25, 0.33, 0.18, 0.42, 0.5, 0.58, 0.12, 0.66, 0.75, 0.82, 0.08, 0.9];

/** Space kept between a label and a card. */
const MARGIN = 6;

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The centre of a `size` label on the curve from `path`'s start (the replica) to its end, clear of
 * `cards` where possible. Without a parsable curve, `fallback`.
 */
export function placeLabel(path: string, size: { readonly width: number; readonly height: number }, cards: readonly Rect[], fallback: Point): Point {
  const curve = cubicOfPath(path);
  if (curve === null) return fallback;
  let best: { point: Point; covered: number } | null = null;
  for (const t of PREFERENCE) {
    const point = at(curve, t);
    const box = { x: point.x - size.width / 2 - MARGIN, y: point.y - size.height / 2 - MARGIN, width: size.width + 2 * MARGIN, height: size.height + 2 * MARGIN };
    const covered = cards.reduce((sum, card) => sum + overlap(box, card), 0);
    if (covered === 0) return point;
    if (best === null || covered < best.covered) best = { point, covered };
  }
  return best?.point ?? fallback;
}

/** A label's size, estimated from its text (the label is measured only after it is drawn). */
export function estimateLabelSize(text: string, badges: number): { width: number; height: number } {
  return { width: 18 + text.length * 7 + badges * 52, height: 24 };
}
