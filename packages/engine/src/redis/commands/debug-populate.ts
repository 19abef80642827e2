/**
 * DEBUG POPULATE <count> [prefix] [size] (debug.c, 7.0.15): adds `prefix:N` = `value:N` for N below
 * count in the selected db, skipping keys that exist. With a size, each value is that many bytes:
 * zeros with `value:N` copied over its start. The keys are added directly, as dbAdd does: nothing
 * is propagated and the dirty counter does not move, so replicas and the save points do not see it.
 */
import { writeSimple } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";

/**
 * getPositiveLongFromObjectOrReply: a whole number, 0 or more, written plainly; anything else
 * (not a number, negative) gets the one range error, as 7.0.15 answers both.
 */
function positiveLong(node: RedisNode, c: Client, arg: Uint8Array): number | null {
  const text = bytesToBinary(arg);
  const value = /^(0|-?[1-9]\d*)$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) {
    node.replyError(c, "ERR value is out of range, must be positive");
    return null;
  }
  return value;
}

export function debugPopulate(node: RedisNode, c: Client, argv: readonly Uint8Array[]): void {
  const count = positiveLong(node, c, argv[2]!);
  if (count === null) return;
  const size = argv.length === 5 ? positiveLong(node, c, argv[4]!) : 0;
  if (size === null) return;
  const prefix = argv.length === 3 ? "key" : bytesToBinary(argv[3]!);
  const db = node.selectedDb(c);
  for (let j = 0; j < count; j++) {
    // snprintf into a 128-byte buffer: a longer name is cut.
    const key = `${prefix}:${j}`.slice(0, 127);
    if (node.lookupWrite(db, key) !== undefined) continue;
    const text = asciiBytes(`value:${j}`);
    let value: Uint8Array;
    if (size === 0) value = text;
    else {
      value = new Uint8Array(size);
      value.set(text.subarray(0, Math.min(size, text.length)));
    }
    db.set(key, value);
  }
  writeSimple(c.out, "OK");
}
