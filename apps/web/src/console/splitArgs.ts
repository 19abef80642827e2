/**
 * Splits a console line into arguments the way redis-cli does (sdssplitargs): whitespace separates,
 * double quotes allow escapes (\n, \r, \t, \b, \a, \xHH, \" and \\), single quotes allow only \',
 * and a closing quote must be followed by whitespace or the end of the line.
 */

export type SplitResult = { readonly ok: true; readonly argv: readonly string[] } | { readonly ok: false; readonly error: string };

const SPACE = new Set([" ", "\n", "\r", "\t"]);
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };

function isHex(c: string | undefined): c is string {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Splits `line`; an unbalanced quote is an error, as redis-cli's "Invalid argument(s)". */
export function splitArgs(line: string): SplitResult {
  const argv: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && SPACE.has(line[i]!)) i++;
    if (i >= n) return { ok: true, argv };
    let current = "";
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return { ok: false, error: "Invalid argument(s): unbalanced quotes" };
        if (c === "\\" && line[i + 1] === "x" && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === "\\" && i + 1 < n) {
          const next = line[i + 1]!;
          current += ESCAPES[next] ?? next;
          i++;
        } else if (c === '"') {
          const after = line[i + 1];
          if (after !== undefined && !SPACE.has(after)) return { ok: false, error: "Invalid argument(s): closing quote must be followed by a space" };
          done = true;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === undefined) return { ok: false, error: "Invalid argument(s): unbalanced quotes" };
        if (c === "\\" && line[i + 1] === "'") {
          current += "'";
          i++;
        } else if (c === "'") {
          const after = line[i + 1];
          if (after !== undefined && !SPACE.has(after)) return { ok: false, error: "Invalid argument(s): closing quote must be followed by a space" };
          done = true;
        } else {
          current += c;
        }
      } else if (c === undefined || SPACE.has(c)) {
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        current += c;
      }
      if (i < n) i++;
    }
    argv.push(current);
  }
}
