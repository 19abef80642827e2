/**
 * INCRBYFLOAT and HINCRBYFLOAT as redis computes them on x86-64: in `long double`, the 80-bit
 * extended format (64-bit mantissa, 15-bit exponent), parsed with `strtold`, added, and printed
 * with `%.17Lf` minus trailing zeros (ld2string LD_STR_HUMAN). A JS double would print
 * `10.5 + 0.1` as 10.59999999999999964 where redis prints 10.6, so this module does the
 * arithmetic exactly on BigInts and rounds to 64 bits, ties to even, as the FPU does.
 */

const MANTISSA_BITS = 64;
/** Smallest exponent of a normal extended value's integer mantissa (2^-16382 / 2^63). */
const MIN_EXPONENT = -16382 - 63;
/** Values at or beyond 2^16384 overflow to infinity. */
const MAX_BINARY_EXPONENT = 16384;

/** A finite extended-precision value: (-1)^negative × mantissa × 2^exponent, or an infinity. */
export type LongDouble =
  | { readonly kind: "finite"; readonly negative: boolean; readonly mantissa: bigint; readonly exponent: number }
  | { readonly kind: "inf"; readonly negative: boolean };

const ZERO: LongDouble = { kind: "finite", negative: false, mantissa: 0n, exponent: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive) to a 64-bit mantissa, ties to even. */
function roundRational(negative: boolean, num: bigint, den: bigint): LongDouble {
  if (num === 0n) return { ...ZERO, negative };
  // Pick e so that 2^63 <= num / den / 2^e < 2^64.
  let e = bitLength(num) - bitLength(den) - MANTISSA_BITS;
  const scaled = (k: number): [bigint, bigint] => (k >= 0 ? [num, den << BigInt(k)] : [num << BigInt(-k), den]);
  let [n, d] = scaled(e);
  if (n / d >= 1n << 64n) {
    e++;
    [n, d] = scaled(e);
  } else if (n / d < 1n << 63n) {
    e--;
    [n, d] = scaled(e);
  }
  if (e < MIN_EXPONENT) {
    // Subnormal: fewer mantissa bits, fixed exponent.
    e = MIN_EXPONENT;
    [n, d] = scaled(e);
  }
  let q = n / d;
  const r = n - q * d;
  if (r * 2n > d || (r * 2n === d && (q & 1n) === 1n)) q++;
  if (q === 1n << 64n) {
    q >>= 1n;
    e++;
  }
  if (q !== 0n && bitLength(q) + e > MAX_BINARY_EXPONENT) return { kind: "inf", negative };
  return { kind: "finite", negative, mantissa: q, exponent: e };
}

/** A JS double (exact in extended precision). */
export function fromDouble(value: number): LongDouble {
  if (!Number.isFinite(value)) return { kind: "inf", negative: value < 0 };
  if (value === 0) return { ...ZERO, negative: Object.is(value, -0) };
  const negative = value < 0;
  let abs = Math.abs(value);
  let exponent = 0;
  while (!Number.isInteger(abs)) {
    abs *= 2;
    exponent--;
  }
  return roundRational(negative, BigInt(abs), 1n << BigInt(-exponent));
}

/** An integer (a string stored int-encoded). */
export function fromInteger(value: bigint): LongDouble {
  return roundRational(value < 0n, value < 0n ? -value : value, 1n);
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * string2ld: the whole byte string must be a number `strtold` reads (no leading space, not NaN,
 * no overflow, no underflow to zero, fewer than 5120 bytes). Returns undefined otherwise.
 */
export function parseLongDouble(text: string): LongDouble | undefined {
  if (text.length === 0 || text.length >= 5 * 1024 || isSpace(text.charCodeAt(0))) return undefined;
  const nul = text.indexOf("\0");
  if (nul >= 0) return undefined;
  // A literal infinity is no range error: string2ld accepts it (callers refuse it).
  const inf = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (inf) return { kind: "inf", negative: inf[1] === "-" };
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(text);
  if (hex && (hex[2]! + (hex[3] ?? "")).length > 0) {
    const digits = hex[2]! + (hex[3] ?? "");
    const mantissa = BigInt(`0x${digits}`);
    const exponent = Number(hex[4] ?? "0") - 4 * (hex[3] ?? "").length;
    return checked(hex[1] === "-", mantissa, exponent, 2n);
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!dec || (dec[2]! + (dec[3] ?? "")).length === 0) return undefined;
  const digits = dec[2]! + (dec[3] ?? "");
  const exponent = Number(dec[4] ?? "0") - (dec[3] ?? "").length;
  return checked(dec[1] === "-", BigInt(digits), exponent, 10n);
}

/** mantissa × base^exponent, refusing what strtold reports as a range error. */
function checked(negative: boolean, mantissa: bigint, exponent: number, base: bigint): LongDouble | undefined {
  if (mantissa === 0n) return { ...ZERO, negative };
  const magnitude = mantissa.toString().length + exponent * (base === 10n ? 1 : 0.30103);
  if (magnitude > 4940) return undefined; // beyond LDBL_MAX: ERANGE, HUGE_VALL
  if (magnitude < -4960) return undefined; // below the smallest subnormal: ERANGE, zero
  const value =
    exponent >= 0 ? roundRational(negative, mantissa * base ** BigInt(exponent), 1n) : roundRational(negative, mantissa, base ** BigInt(-exponent));
  if (value.kind === "inf") return undefined;
  if (value.mantissa === 0n) return undefined;
  return value;
}

/** Exact sum, rounded to extended precision. */
export function add(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === "inf" || b.kind === "inf") {
    if (a.kind === "inf" && b.kind === "inf" && a.negative !== b.negative) return { kind: "inf", negative: false }; // NaN in C; callers refuse both
    return a.kind === "inf" ? a : b;
  }
  const e = Math.min(a.exponent, b.exponent);
  const av = (a.negative ? -a.mantissa : a.mantissa) << BigInt(a.exponent - e);
  const bv = (b.negative ? -b.mantissa : b.mantissa) << BigInt(b.exponent - e);
  const sum = av + bv;
  if (sum === 0n) return { ...ZERO, negative: a.negative && b.negative };
  const negative = sum < 0n;
  const abs = negative ? -sum : sum;
  return e >= 0 ? roundRational(negative, abs << BigInt(e), 1n) : roundRational(negative, abs, 1n << BigInt(-e));
}

export function isInfinite(value: LongDouble): boolean {
  return value.kind === "inf";
}

/**
 * ld2string(..., LD_STR_HUMAN): `%.17Lf` (exact value rounded to 17 decimals, ties to even), then
 * trailing zeros and a trailing point removed.
 */
export function formatHuman(value: LongDouble): string {
  if (value.kind === "inf") return value.negative ? "-inf" : "inf";
  const { negative, mantissa, exponent } = value;
  const DECIMALS = 17n;
  const scale = 10n ** DECIMALS;
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exponent);
    scaled = num / den;
    const r = num - scaled * den;
    if (r * 2n > den || (r * 2n === den && (scaled & 1n) === 1n)) scaled++;
  }
  let digits = scaled.toString().padStart(18, "0");
  let text = `${digits.slice(0, digits.length - 17)}.${digits.slice(digits.length - 17)}`;
  text = text.replace(/0+$/, "").replace(/\.$/, "");
  digits = text;
  // ld2string turns "-0" into "0" (a negative zero, or a tiny negative value rounded away).
  if (digits === "0") return "0";
  return (negative ? "-" : "") + digits;
}

/**
 * `(long long) ceill(value * 1000.0)` as getTimeoutFromObjectOrReply computes a timeout in ms:
 * the product rounded to extended precision, then the ceiling; beyond the range of a long long
 * the x86 conversion yields LLONG_MIN ("integer indefinite"), which redis then calls negative.
 */
export function timeoutMs(value: LongDouble): number {
  if (value.kind === "inf") return Number.MIN_SAFE_INTEGER;
  const product = value.mantissa === 0n ? value : roundRational(value.negative, value.exponent >= 0 ? (value.mantissa * 1000n) << BigInt(value.exponent) : value.mantissa * 1000n, value.exponent >= 0 ? 1n : 1n << BigInt(-value.exponent));
  if (product.kind === "inf") return Number.MIN_SAFE_INTEGER;
  const { negative, mantissa, exponent } = product;
  let integer: bigint;
  if (exponent >= 0) {
    integer = mantissa << BigInt(exponent);
  } else {
    const den = 1n << BigInt(-exponent);
    integer = mantissa / den;
    // ceil: a positive value with a fraction goes up; a negative one is truncated toward zero.
    if (!negative && integer * den !== mantissa) integer += 1n;
  }
  if (negative) integer = -integer;
  if (integer >= 9223372036854775808n || integer < -9223372036854775808n) return Number.MIN_SAFE_INTEGER;
  return Number(integer);
}
