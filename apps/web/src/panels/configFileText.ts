/**
 * What the inspector reads out of a node's redis.conf text and its `save` setting. The server holds
 * the real parser and refuses a bad file; these only need to be right for files it accepted.
 */

/** One save point: dump.rdb is written after `seconds` if at least `changes` writes happened. */
export interface SavePoint {
  readonly seconds: number;
  readonly changes: number;
}

/**
 * The master a config file names (`replicaof host port`, or the older `slaveof`), as `host:port`;
 * null when there is none. As in redis, a later line overrides an earlier one.
 */
export function replicaOfInFile(text: string): string | null {
  let found: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const words = raw.trim().split(/\s+/);
    const directive = words[0]?.toLowerCase();
    if ((directive === "replicaof" || directive === "slaveof") && words.length === 3) {
      found = `${unquote(words[1]!)}:${unquote(words[2]!)}`;
    }
  }
  return found;
}

/** `"3600 1 300 100"` → two save points; `""` (no saving) → none. */
export function savePoints(save: string): SavePoint[] {
  const numbers = save.trim() === "" ? [] : save.trim().split(/\s+/).map(Number);
  const points: SavePoint[] = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) points.push({ seconds: numbers[i]!, changes: numbers[i + 1]! });
  return points;
}

function unquote(word: string): string {
  return /^(["']).*\1$/.test(word) ? word.slice(1, -1) : word;
}

/** The character range of a 1-based line, to select it in the editor. */
export function lineRange(text: string, line: number): { readonly start: number; readonly end: number } | null {
  if (line < 1) return null;
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf("\n", start);
    if (next < 0) return null;
    start = next + 1;
  }
  const end = text.indexOf("\n", start);
  return { start, end: end < 0 ? text.length : end };
}
