/**
 * Shared argument parsing and error texts for commands, with redis's exact wording.
 */
import { bytesToBinary } from "../../util/bytes.ts";
import { writeArrayHeader, writeNullArray, writeNullBulk } from "../resp/encode.ts";
import type { Client } from "../client.ts";

export const ERR_SYNTAX = "ERR syntax error";
export const ERR_NOT_INTEGER = "ERR value is not an integer or out of range";
export const ERR_OVERFLOW = "ERR increment or decrement would overflow";
export const ERR_DB_INDEX = "ERR DB index is out of range";

/** A key argument as the byte string the keyspace indexes by. */
export function keyOf(arg: Uint8Array): string {
  return bytesToBinary(arg);
}

/** An option word, lower-cased for comparison. */
export function word(arg: Uint8Array): string {
  return bytesToBinary(arg).toLowerCase();
}

/**
 * Parses a signed 64-bit decimal the way string2ll does (no spaces, no '+', no leading zeros).
 * Values beyond 2^53 are returned as bigint so that INCR on large counters stays exact.
 */
export function parseInt64(arg: Uint8Array): bigint | undefined {
  const text = bytesToBinary(arg);
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
  return value;
}

/** Like parseInt64 but as a JS number, refusing values outside the safe integer range. */
export function parseSafeInt(arg: Uint8Array): number | undefined {
  const value = parseInt64(arg);
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

// RESP3 (networking.c addReplyNull, addReplyNullArray, addReplyMapLen, addReplySetLen): a client
// that said HELLO 3 gets the typed forms; every other client the RESP2 ones, byte for byte as before.

const RESP3_NULL = new Uint8Array([0x5f, 0x0d, 0x0a]);

/** addReplyNull: `$-1` in RESP2, `_` in RESP3. */
export function replyNullBulk(c: Client): void {
  if (c.resp === 3) c.out.bytes(RESP3_NULL);
  else writeNullBulk(c.out);
}

/** addReplyNullArray: `*-1` in RESP2, `_` in RESP3. */
export function replyNullArray(c: Client): void {
  if (c.resp === 3) c.out.bytes(RESP3_NULL);
  else writeNullArray(c.out);
}

/** addReplyMapLen: `%n` in RESP3; in RESP2 a flat array of 2n elements. */
export function replyMapHeader(c: Client, pairs: number): void {
  if (c.resp === 3) writeTypedHeader(c, 0x25, pairs);
  else writeArrayHeader(c.out, pairs * 2);
}

/** addReplySetLen: `~n` in RESP3, an array in RESP2. */
export function replySetHeader(c: Client, n: number): void {
  if (c.resp === 3) writeTypedHeader(c, 0x7e, n);
  else writeArrayHeader(c.out, n);
}

function writeTypedHeader(c: Client, type: number, n: number): void {
  c.out.byte(type);
  c.out.ascii(String(n));
  c.out.byte(0x0d);
  c.out.byte(0x0a);
}
