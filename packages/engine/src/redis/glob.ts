/**
 * Glob matching as redis 7.0.15's `stringmatchlen` does it (util.c), for KEYS, SCAN MATCH, HSCAN,
 * SSCAN, ZSCAN and CONFIG GET: `*`, `?`, `[...]` (with `^`, ranges and `\` escapes) and `\`.
 *
 * redis matches recursively, one level per `*`, and since 7.0.10 stops as soon as a `*` has
 * tried every remaining position without success (`skipLongerMatches`): an earlier `*` taking
 * more of the string could only leave less for the rest. So the only `*` worth backtracking to is
 * the last one reached, and this matcher keeps just that one: the same answers in
 * O(pattern × text) steps, with no recursion, so neither `a*a*a*…b` nor a pattern of a million
 * stars can hold the process or exhaust its stack.
 *
 * The C code's quirks are kept, because clients see them: `*` never matches an empty remainder
 * in the middle of a pattern (`*` alone does not match an empty string), an unterminated `[`
 * ends the pattern, `[a-]` is the range `a`..`]`, characters compare as signed bytes in ranges,
 * and case folding (`nocase`, CONFIG GET) is ASCII only.
 */

/** One byte of a byte string as C's signed `char`. */
function signedByte(code: number): number {
  return (code << 24) >> 24;
}

/** C `tolower` in the C locale: A-Z only. */
function foldAscii(code: number): number {
  return code >= 65 && code <= 90 ? code | 0x20 : code;
}

/**
 * True when `text` matches `pattern`; both are byte strings (char codes 0..255). Case-sensitive
 * unless `nocase`.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = text.length;
  let pi = 0;
  let si = 0;
  // The last `*` reached (index of the star) and where in the text its remainder is being tried.
  let starPi = -1;
  let starSi = -1;

  for (;;) {
    let failed = false;
    scan: while (pi < plen && si < slen) {
      const pc = pattern.charCodeAt(pi);
      if (pc === 0x2a /* * */) {
        while (pi + 1 < plen && pattern.charCodeAt(pi + 1) === 0x2a) pi++;
        if (pi === plen - 1) return true;
        starPi = pi;
        starSi = si;
        pi++;
        continue;
      }
      if (pc === 0x3f /* ? */) {
        si++;
      } else if (pc === 0x5b /* [ */) {
        pi++;
        const negate = pi < plen && pattern.charCodeAt(pi) === 0x5e; /* ^ */
        if (negate) pi++;
        const sc = text.charCodeAt(si);
        let match = false;
        for (;;) {
          if (pi >= plen) {
            // Unterminated: stand on the last character, which the step below consumes.
            pi--;
            break;
          }
          const c = pattern.charCodeAt(pi);
          if (c === 0x5c /* \ */ && plen - pi >= 2) {
            pi++;
            if (pattern.charCodeAt(pi) === sc) match = true;
          } else if (c === 0x5d /* ] */) {
            break;
          } else if (plen - pi >= 3 && pattern.charCodeAt(pi + 1) === 0x2d /* - */) {
            let start = signedByte(c);
            let end = signedByte(pattern.charCodeAt(pi + 2));
            let ch = signedByte(sc);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = foldAscii(start);
              end = foldAscii(end);
              ch = foldAscii(ch);
            }
            pi += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? foldAscii(c) === foldAscii(sc) : c === sc) {
            match = true;
          }
          pi++;
        }
        if (negate) match = !match;
        if (!match) {
          failed = true;
          break scan;
        }
        si++;
      } else {
        if (pc === 0x5c /* \ */ && plen - pi >= 2) pi++;
        const lit = pattern.charCodeAt(pi);
        const sc = text.charCodeAt(si);
        if (nocase ? foldAscii(lit) !== foldAscii(sc) : lit !== sc) {
          failed = true;
          break scan;
        }
        si++;
      }
      pi++;
      if (si === slen) {
        while (pi < plen && pattern.charCodeAt(pi) === 0x2a) pi++;
        break;
      }
    }
    if (!failed && pi === plen && si === slen) return true;
    // Back to the last `*`: let it take one more character. Once it has tried every position
    // but the end of the text, nothing can match (redis: skipLongerMatches).
    if (starPi < 0) return false;
    starSi++;
    if (starSi >= slen) return false;
    pi = starPi + 1;
    si = starSi;
  }
}
