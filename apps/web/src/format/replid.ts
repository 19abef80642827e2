/**
 * Replication ids as people compare them: a short prefix and a colour derived from the whole id,
 * so two nodes that share a history look alike at a glance and a new id stands out.
 */

/** The all-zero id redis uses for "no secondary id". */
export const ZERO_REPLID = "0000000000000000000000000000000000000000";

/** True when a replid2 carries no history (unset or all zeros). */
export function isUnsetReplid(replid: string): boolean {
  return replid === "" || /^0+$/.test(replid);
}

/** The first six hex digits, as redis log lines print them. */
export function shortReplid(replid: string): string {
  if (replid === "") return "—";
  return replid.slice(0, 6);
}

/** A stable hue (0..359) from the id's bytes, spread so nearby ids get distant hues. */
export function replidHue(replid: string): number {
  // FNV-1a over the characters; the golden-ratio step spreads consecutive hashes over the circle.
  let hash = 0x811c9dc5;
  for (let i = 0; i < replid.length; i++) {
    hash ^= replid.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.floor(((hash * 0.6180339887498949) % 1) * 360);
}

/** Background and text colours for a replid pill, legible in both themes. */
export function replidColors(replid: string): { readonly background: string; readonly border: string } {
  if (isUnsetReplid(replid)) return { background: "var(--pill-empty)", border: "var(--line)" };
  const hue = replidHue(replid);
  return { background: `hsl(${hue} 85% 45% / 0.22)`, border: `hsl(${hue} 80% 45%)` };
}
