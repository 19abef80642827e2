/**
 * The write load's commands: `SET load:<n> <value>` with keys drawn from the lab's own seed (a
 * named fork of it), so a tick of the load is logged as a count and replays to the same bytes.
 */
import type { Prng } from "../sim/prng.ts";
import { asciiBytes } from "../util/bytes.ts";

/** Distinct keys the load writes (so the keyspace size levels off). */
export const WRITE_LOAD_KEYSPACE = 100_000;
const VALUE = "0123456789abcdef";

/** What comes before a key's length, and after the key (the value is fixed). */
const HEAD = asciiBytes("*3\r\n$3\r\nSET\r\n$");
const TAIL = asciiBytes(`\r\n$${VALUE.length}\r\n${VALUE}\r\n`);
const KEY_PREFIX = "load:";
/** The longest command: the longest key, and its length's digits and CRLF. */
const MAX_KEY_LENGTH = KEY_PREFIX.length + String(WRITE_LOAD_KEYSPACE - 1).length;
const MAX_COMMAND_BYTES = HEAD.length + String(MAX_KEY_LENGTH).length + 2 + MAX_KEY_LENGTH + TAIL.length;

/** `count` pipelined SETs as one RESP buffer. */
export function writeLoadBatch(prng: Prng, count: number): Uint8Array {
  // Written straight into bytes: a replay builds one of these per tick of the load.
  const out = new Uint8Array(count * MAX_COMMAND_BYTES);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const n = prng.int(WRITE_LOAD_KEYSPACE);
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    out.set(HEAD, at);
    at += HEAD.length;
    // The key's length: 6 to 10 with keys under 100,000.
    const keyLength = KEY_PREFIX.length + digits;
    if (keyLength >= 10) out[at++] = 0x30 + Math.floor(keyLength / 10);
    out[at++] = 0x30 + (keyLength % 10);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    for (let k = 0; k < KEY_PREFIX.length; k++) out[at++] = KEY_PREFIX.charCodeAt(k);
    for (let d = digits - 1, v = n; d >= 0; d--, v = Math.floor(v / 10)) out[at + d] = 0x30 + (v % 10);
    at += digits;
    out.set(TAIL, at);
    at += TAIL.length;
  }
  return out.subarray(0, at);
}
