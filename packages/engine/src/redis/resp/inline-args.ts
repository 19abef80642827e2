/**
 * Splitting an inline command line into arguments, with the rules of redis's `sdssplitargs`
 * (`src/sds.c`), which is what redis-server applies to telnet-style requests.
 */

const NUL = 0x00;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const LOWER_X = 0x78;

/** C `isspace` in the "C" locale redis runs with: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function escapedByte(c: number): number {
  switch (c) {
    case 0x6e: // n
      return LF;
    case 0x72: // r
      return CR;
    case 0x74: // t
      return TAB;
    case 0x62: // b
      return 0x08;
    case 0x61: // a
      return 0x07;
    default:
      return c;
  }
}

/**
 * Splits an inline request line into arguments exactly as `sdssplitargs` does:
 *
 * - arguments are separated by whitespace; leading whitespace is any C `isspace` byte, but an unquoted
 *   argument only ends at space, `\t`, `\n` or `\r` (so `a\vb` is one argument);
 * - `"..."` understands `\xHH`, `\n`, `\r`, `\t`, `\b`, `\a` and `\<any>` for that byte;
 *   `'...'` understands only `\'`; a quote may open in the middle of an argument (`a"b c"` is `ab c`);
 * - a closing quote must be followed by whitespace or the end of the line.
 *
 * The line is read as a C string: a NUL byte ends it. Returns `null` for unbalanced quotes or a closing
 * quote followed by something else, where redis answers `unbalanced quotes in request`.
 * The arguments are fresh copies.
 */
export function readInlineArgs(line: Uint8Array): Uint8Array[] | null {
  return splitInlineArgs(line, 0, line.length);
}

/** {@link readInlineArgs} over `bytes[start..end)`, without making a view first. */
export function splitInlineArgs(bytes: Uint8Array, start: number, end: number): Uint8Array[] | null {
  // Reads past the end see NUL, as the C code sees the string's terminator.
  const at = (i: number): number => (i < end ? bytes[i]! : NUL);
  const args: Uint8Array[] = [];
  // An argument is never longer than the line, so one scratch area serves all of them.
  let scratch: Uint8Array | null = null;
  let p = start;
  for (;;) {
    while (at(p) !== NUL && isSpace(at(p))) p++;
    if (at(p) === NUL) return args;
    scratch ??= new Uint8Array(end - start);
    let length = 0;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inDouble) {
        if (c === BACKSLASH && at(p + 1) === LOWER_X && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          scratch[length++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (c === BACKSLASH && at(p + 1) !== NUL) {
          p++;
          scratch[length++] = escapedByte(at(p));
        } else if (c === DOUBLE_QUOTE) {
          const after = at(p + 1);
          if (after !== NUL && !isSpace(after)) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          scratch[length++] = c;
        }
      } else if (inSingle) {
        if (c === BACKSLASH && at(p + 1) === SINGLE_QUOTE) {
          p++;
          scratch[length++] = SINGLE_QUOTE;
        } else if (c === SINGLE_QUOTE) {
          const after = at(p + 1);
          if (after !== NUL && !isSpace(after)) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          scratch[length++] = c;
        }
      } else if (c === SPACE || c === LF || c === CR || c === TAB || c === NUL) {
        done = true;
      } else if (c === DOUBLE_QUOTE) {
        inDouble = true;
      } else if (c === SINGLE_QUOTE) {
        inSingle = true;
      } else {
        scratch[length++] = c;
      }
      if (at(p) !== NUL) p++;
    }
    args.push(scratch.slice(0, length));
  }
}
