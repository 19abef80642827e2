/**
 * SETBIT and GETBIT (bitops.c, 7.0.15). A string changed here is a new array (values are shared
 * with lab forks and never changed in place). SETBIT that changes nothing (the bit already had that
 * value and the string did not grow) is no write: not counted, not propagated, WATCH untouched.
 */
import { writeInteger } from "../resp/encode.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { keyOf, parseInt64 } from "./reply.ts";
import { lookupTyped } from "./args.ts";
import { markRawString } from "../store/value.ts";

const ERR_BIT_OFFSET = "ERR bit offset is not an integer or out of range";

/** getBitOffsetFromArgument: 0 up to proto-max-bulk-len bytes' worth of bits (a master's stream is trusted). */
function bitOffsetArg(node: RedisNode, c: Client, arg: Uint8Array): number | undefined {
  const offset = parseInt64(arg);
  if (offset === undefined || offset < 0n || (c.kind !== "master" && offset >> 3n >= BigInt(node.config["proto-max-bulk-len"]))) {
    node.replyError(c, ERR_BIT_OFFSET);
    return undefined;
  }
  return Number(offset);
}

function setbitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const offset = bitOffsetArg(node, c, argv[2]!);
  if (offset === undefined) return;
  const on = parseInt64(argv[3]!);
  if (on === undefined || (on !== 0n && on !== 1n)) {
    node.replyError(c, "ERR bit is not an integer or out of range");
    return;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const current = lookupTyped(node, c, db, key, "string", true);
  if (current === null) return;
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = current !== undefined && byte < current.length ? current[byte]! & mask : 0;
  const grows = current === undefined || byte >= current.length;
  if (grows || (old !== 0) !== (on === 1n)) {
    const value = markRawString(new Uint8Array(Math.max(current?.length ?? 0, byte + 1)));
    if (current !== undefined) value.set(current, 0);
    value[byte] = on === 1n ? value[byte]! | mask : value[byte]! & ~mask;
    db.set(key, value, true);
    node.dirty++;
  }
  writeInteger(c.out, old !== 0 ? 1 : 0);
}

function getbitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const offset = bitOffsetArg(node, c, argv[2]!);
  if (offset === undefined) return;
  const value = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "string", false);
  if (value === null) return;
  const byte = Math.floor(offset / 8);
  // An integer-encoded string reads as its decimal digits, which is what the value's bytes hold.
  const bit = value !== undefined && byte < value.length ? value[byte]! & (1 << (7 - (offset % 8))) : 0;
  writeInteger(c.out, bit !== 0 ? 1 : 0);
}

/** SETBIT and GETBIT. */
export const bitCommands: readonly CommandSpec[] = [
  { name: "setbit", arity: 4, flags: { write: true }, proc: setbitCommand, keys: [1, 1, 1] },
  { name: "getbit", arity: 3, flags: {}, proc: getbitCommand, keys: [1, 1, 1] },
];
