/**
 * Stream-level encodings every Redis version's master emits the same way.
 */
import { asciiBytes } from "../util/bytes.ts";

const SELECT_CACHE: Uint8Array[] = [];

/** `SELECT <db>` as a replication stream carries it (a RESP array), cached per db. */
export function selectCommandBytes(db: number): Uint8Array {
  let bytes = SELECT_CACHE[db];
  if (!bytes) {
    const d = String(db);
    bytes = asciiBytes(`*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`);
    SELECT_CACHE[db] = bytes;
  }
  return bytes;
}
