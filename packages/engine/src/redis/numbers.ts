/**
 * Numbers as redis reads and prints them: C's `strtod` (what getDoubleFromObject and the sorted
 * set range parser call), `%.17g` (every double reply, DEBUG DIGEST, zset listpack entries) and
 * `d2string`. JS parses decimals with the same correct rounding glibc does; printing differs only
 * on exact ties, where glibc rounds half to even and JS away from zero, so ties are done exactly.
 */

const TWO_52 = 4503599627370496;

/** C isspace in the C locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Result of `strtod`: the value and the index just past what was parsed (0 when nothing was). */
export interface Strtod {
  readonly value: number;
  readonly end: number;
  /** errno would be ERANGE: overflow to ±infinity, or a non-zero number that rounded to zero. */
  readonly range: boolean;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const INF_NAN = /^[+-]?(?:infinity|inf|nan(?:\([0-9A-Za-z_]*\))?)/i;

/**
 * C `strtod` over a byte string (stopping at a NUL, as C strings do): leading white space, a
 * sign, then a decimal or hexadecimal number, `inf`, `infinity` or `nan`.
 */
export function strtod(text: string): Strtod {
  const nul = text.indexOf("\0");
  const s = nul >= 0 ? text.slice(0, nul) : text;
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const rest = s.slice(i);
  let m = INF_NAN.exec(rest);
  if (m) {
    const word = m[0];
    const negative = word[0] === "-";
    const value = /nan/i.test(word) ? Number.NaN : negative ? -Infinity : Infinity;
    return { value, end: i + word.length, range: false };
  }
  m = HEX.exec(rest);
  if (m) {
    // "0x" with no digit after it parses as just the 0.
    return { ...parseHexFloat(m[0]), end: i + m[0].length };
  }
  m = DECIMAL.exec(rest);
  if (!m) return { value: 0, end: 0, range: false };
  const word = m[0];
  const value = Number(word);
  const mantissaDigits = word.replace(/[eE].*$/, "");
  const range = !Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissaDigits));
  return { value, end: i + word.length, range };
}

function parseHexFloat(word: string): { value: number; range: boolean } {
  const negative = word[0] === "-";
  const body = word.replace(/^[+-]?0[xX]/, "");
  const [mantissa, exponentText] = body.split(/[pP]/) as [string, string | undefined];
  const [intPart, fracPart = ""] = mantissa.split(".") as [string, string | undefined];
  let value = 0;
  for (const ch of intPart + fracPart) value = value * 16 + parseInt(ch, 16);
  const exponent = (exponentText === undefined ? 0 : Number(exponentText)) - 4 * fracPart.length;
  value = value * Math.pow(2, exponent);
  if (negative) value = -value;
  const range = !Number.isFinite(value) || (value === 0 && /[1-9a-fA-F]/.test(intPart + fracPart));
  return { value, range };
}

/**
 * getDoubleFromObject: the whole argument must be a number, with no leading space, no overflow
 * or underflow to zero, and not NaN. Returns undefined otherwise ("value is not a valid float").
 */
export function parseStrictDouble(text: string): number | undefined {
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return undefined;
  const r = strtod(text);
  if (r.end !== text.length || Number.isNaN(r.value)) return undefined;
  if (r.range && (r.value === 0 || !Number.isFinite(r.value))) return undefined;
  return r.value;
}

/**
 * `%.17g`: 17 significant digits, trailing zeros dropped, exponent form when the exponent is
 * below -4 or at least 17. Infinities print as `inf` / `-inf`.
 */
export function formatG17(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [digits, exponent] = significantDigits(value, 17);
  const negative = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 17) {
    let mantissa = digits[0]! + (digits.length > 1 ? `.${digits.slice(1)}` : "");
    mantissa = trimFraction(mantissa);
    const sign = exponent < 0 ? "-" : "+";
    const abs = Math.abs(exponent);
    return `${negative}${mantissa}e${sign}${abs < 10 ? "0" : ""}${abs}`;
  }
  let text: string;
  if (exponent >= 0) {
    const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    text = `${intPart}.${digits.slice(exponent + 1)}`;
  } else {
    text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  }
  return negative + trimFraction(text);
}

function trimFraction(text: string): string {
  if (!text.includes(".")) return text;
  return text.replace(/0+$/, "").replace(/\.$/, "");
}

/**
 * The first `precision` significant decimal digits of |value|, correctly rounded with ties to
 * even (glibc), and the decimal exponent of the first digit.
 */
function significantDigits(value: number, precision: number): [string, number] {
  const abs = Math.abs(value);
  const fast = abs.toExponential(precision - 1);
  const longer = abs.toExponential(precision);
  // Only an exact tie can differ from JS's rounding: then the next digit is a 5 with nothing after.
  if (longer[longer.indexOf("e") - 1] !== "5") return splitExponential(fast);
  const [exact, exactExponent] = exactDecimal(abs);
  if (exact.length <= precision) return [exact.padEnd(precision, "0"), exactExponent];
  let kept = BigInt(exact.slice(0, precision));
  const dropped = exact.slice(precision);
  const half = "5".padEnd(dropped.length, "0");
  if (dropped > half || (dropped === half && kept % 2n === 1n)) kept += 1n;
  let digits = kept.toString();
  let exponent = exactExponent;
  if (digits.length > precision) {
    digits = digits.slice(0, precision);
    exponent++;
  }
  return [digits, exponent];
}

function splitExponential(text: string): [string, number] {
  const e = text.indexOf("e");
  return [text.slice(0, e).replace(".", ""), Number(text.slice(e + 1))];
}

/** The exact decimal expansion of a positive finite double: its digits and the exponent of the first. */
function exactDecimal(abs: number): [string, number] {
  const [mantissa, exponent2] = decompose(abs);
  if (exponent2 >= 0) {
    const digits = (mantissa << BigInt(exponent2)).toString();
    return [digits, digits.length - 1];
  }
  const scaled = (mantissa * 5n ** BigInt(-exponent2)).toString();
  // value = scaled × 10^exponent2
  const exponent = scaled.length - 1 + exponent2;
  return [scaled.replace(/0+$/, ""), exponent];
}

/** A positive finite double as mantissa × 2^exponent with an integer mantissa. */
export function decompose(abs: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (hi & 0xfffff) * 4294967296 + lo;
  if (biased === 0) return [BigInt(fraction), -1074];
  return [BigInt(fraction + TWO_52), biased - 1075];
}

/**
 * d2string (util.c): `nan`, `inf`, `-0`, integers in ±2^62 as integers, everything else `%.17g`.
 * Zset listpack entries store scores this way.
 */
export function d2string(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (Number.isInteger(value) && Math.abs(value) <= 4611686018427387904) {
    return Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : BigInt(value).toString();
  }
  return formatG17(value);
}
