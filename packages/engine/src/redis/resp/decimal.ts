/**
 * Strict decimal integers as redis reads protocol counts (`string2ll` in `util.c`, and hiredis's copy).
 */

import { bytesToBinary } from "../../util/bytes.ts";

const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const MINUS = 0x2d;

/** `LONG_STR_SIZE` in redis: 20 digits plus a sign; anything this long or longer is rejected unread. */
const MAX_TEXT_LENGTH = 21;

/** Decimal digits of 2^63 - 1 and 2^63, for the 19-digit overflow check. */
const LLONG_MAX_DIGITS = "9223372036854775807";
const LLONG_MIN_MAGNITUDE_DIGITS = "9223372036854775808";

/**
 * Parses `bytes[start..end)` the way redis's `string2ll` does: an optional `-`, then `0` alone or a
 * non-zero digit followed by digits, nothing else (no `+`, no spaces, no leading zeros, no `-0`), and
 * within the signed 64-bit range. Returns `null` when redis would reject the text.
 *
 * Values beyond 2^53 come back rounded to the nearest double: callers compare them against limits
 * (INT_MAX, proto-max-bulk-len), for which the rounding cannot change the outcome.
 */
export function parseLongLong(bytes: Uint8Array, start: number, end: number): number | null {
  const length = end - start;
  if (length <= 0 || length >= MAX_TEXT_LENGTH) return null;
  if (length === 1 && bytes[start] === ZERO) return 0;
  const negative = bytes[start] === MINUS;
  const digitsStart = negative ? start + 1 : start;
  if (digitsStart === end) return null;
  const first = bytes[digitsStart]!;
  if (first < ONE || first > NINE) return null;
  let value = 0;
  for (let i = digitsStart; i < end; i++) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) return null;
    value = value * 10 + (c - ZERO);
  }
  const digitCount = end - digitsStart;
  if (digitCount > 19) return null;
  if (digitCount === 19 && !withinDigits(bytes, digitsStart, negative ? LLONG_MIN_MAGNITUDE_DIGITS : LLONG_MAX_DIGITS)) {
    return null;
  }
  // Past 15 digits the running sum above may have rounded more than once; reparse for a single rounding.
  if (digitCount > 15) value = Number(bytesToBinary(bytes, digitsStart, end));
  return negative ? -value : value;
}

/** True when the 19 digits at `at` are at most `limit`, compared as text (same length, so same order). */
function withinDigits(bytes: Uint8Array, at: number, limit: string): boolean {
  for (let i = 0; i < limit.length; i++) {
    const diff = bytes[at + i]! - limit.charCodeAt(i);
    if (diff !== 0) return diff < 0;
  }
  return true;
}
