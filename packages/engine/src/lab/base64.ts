/**
 * Base64 (RFC 4648, standard alphabet, padded) for the bytes a recording carries. The engine runs
 * in browsers too and has no Buffer; `btoa` works on strings, not bytes, and would need a binary
 * string as large as the input. Decoding is strict: a recording is checked, not repaired.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = 61; // "="

/** Character code → 6-bit value, or -1 for a character outside the alphabet. */
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard padded base64 of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  // Built in slices so that a large value does not make one huge rope of tiny strings.
  const parts: string[] = [];
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    if (out.length >= 8192) {
      parts.push(out);
      out = "";
    }
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full]! << 16;
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[full]! << 16) | (bytes[full + 1]! << 8);
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  parts.push(out);
  return parts.join("");
}

/**
 * The bytes of a standard padded base64 text, or null when the text is not one (a length that
 * is not a multiple of 4, a character outside the alphabet, padding anywhere but at the end, or
 * non-zero bits in the padding: each byte string has exactly one encoding).
 */
export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = last && padding === 2 ? 0 : sextet(text, i + 2);
    const d = last && padding >= 1 ? 0 : sextet(text, i + 3);
    if (a < 0 || b < 0 || c < 0 || d < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[at++] = n >> 16;
    if (last && padding === 2) {
      if ((n & 0xffff) !== 0 || text.charCodeAt(i + 2) !== PAD) return null;
      break;
    }
    out[at++] = (n >> 8) & 0xff;
    if (last && padding === 1) {
      if ((n & 0xff) !== 0) return null;
      break;
    }
    out[at++] = n & 0xff;
  }
  return out;
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DECODE[code]! : -1;
}
