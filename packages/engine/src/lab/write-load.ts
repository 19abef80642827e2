/**
 * The write load's commands: `SET load:<n> <value>` with keys drawn from the lab's own seed (a
 * named fork of it), so a tick of the load is logged as a count and replays to the same bytes.
 */
import type { Prng } from "../sim/prng.ts";
import { asciiBytes } from "../util/bytes.ts";

/** Distinct keys the load writes (so the keyspace size levels off). */
export const WRITE_LOAD_KEYSPACE = 100_000;
const VALUE = "0123456789abcdef";

/** `count` pipelined SETs as one RESP buffer. */
export function writeLoadBatch(prng: Prng, count: number): Uint8Array {
  let text = "";
  for (let i = 0; i < count; i++) {
    const key = `load:${prng.int(WRITE_LOAD_KEYSPACE)}`;
    text += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${VALUE.length}\r\n${VALUE}\r\n`;
  }
  return asciiBytes(text);
}
