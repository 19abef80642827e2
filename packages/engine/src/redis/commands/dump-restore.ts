/**
 * DUMP and RESTORE as 7.0.15 has them (cluster.c dumpCommand, restoreCommand): the payload is the
 * value's RDB type byte and encoding, the RDB version in two bytes and a CRC64, written and read by
 * the node's own RDB writer and reader. A RESTORE with a relative TTL reaches replicas with the
 * absolute time and ABSTTL; one whose TTL already passed, after REPLACE deleted the old value, as
 * DEL. The lab keeps no LRU/LFU clock per key, so IDLETIME and FREQ are checked and then have no
 * effect (OBJECT IDLETIME answers 0 either way).
 */
import { writeBulk } from "../resp/encode.ts";
import { asciiBytes } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import type { RedisValue } from "../store/value.ts";
import { valueFromRdb } from "../store/from-rdb.ts";
import { readDumpPayload, verifyDumpPayload, writeDumpPayload } from "../rdb/index.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, keyOf, parseInt64, replyNullBulk, word } from "./reply.ts";

const OK = asciiBytes("+OK\r\n");
const DEL = asciiBytes("DEL");
const ABSTTL = asciiBytes("ABSTTL");

function dumpCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const value = node.lookupRead(node.selectedDb(c), keyOf(argv[1]!));
  if (value === undefined) {
    replyNullBulk(c);
    return;
  }
  const lists = { fill: node.config["list-max-listpack-size"], packedThreshold: node.quicklistPackedThreshold };
  writeBulk(c.out, writeDumpPayload(value, node.dialect.rdbVersion, node.config.rdbcompression, lists));
}

/** getLongLongFromObjectOrReply: the integer, or undefined after the error reply. */
function integerArg(node: RedisNode, c: Client, arg: Uint8Array): bigint | undefined {
  const n = parseInt64(arg);
  if (n === undefined) node.replyError(c, ERR_NOT_INTEGER);
  return n;
}

function restoreCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1n;
  let freq = -1n;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = word(argv[j]!);
    if (opt === "replace") replace = true;
    else if (opt === "absttl") absttl = true;
    else if (opt === "idletime" && additional >= 1 && freq === -1n) {
      const n = integerArg(node, c, argv[j + 1]!);
      if (n === undefined) return;
      if (n < 0n) {
        node.replyError(c, "ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      idle = n;
      j++;
    } else if (opt === "freq" && additional >= 1 && idle === -1n) {
      const n = integerArg(node, c, argv[j + 1]!);
      if (n === undefined) return;
      if (n < 0n || n > 255n) {
        node.replyError(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      freq = n;
      j++;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  if (!replace && node.lookupWrite(db, key) !== undefined) {
    node.replyError(c, "BUSYKEY Target key name already exists.");
    return;
  }
  const ttlArg = integerArg(node, c, argv[2]!);
  if (ttlArg === undefined) return;
  if (ttlArg < 0n) {
    node.replyError(c, "ERR Invalid TTL value, must be >= 0");
    return;
  }
  const payload = argv[3]!;
  if (!verifyDumpPayload(payload, node.dialect.rdbVersion)) {
    node.replyError(c, "ERR DUMP payload version or checksum are wrong");
    return;
  }
  const loaded = readDumpPayload(payload);
  if (loaded === null) {
    node.replyError(c, "ERR Bad data format");
    return;
  }
  const value: RedisValue = loaded.type === "string" ? loaded.value : valueFromRdb(node.config, loaded.value);
  const deleted = replace && db.delete(key);
  let ttl = Number(ttlArg);
  if (ttl !== 0 && !absttl) ttl += node.unixMs();
  // checkAlreadyExpired: a replica keeps what its master sends.
  if (ttl !== 0 && ttl <= node.unixMs() && !node.isReplica) {
    if (deleted) {
      node.rewriteArgv([DEL, argv[1]!], "RESTORE with a TTL already past replaced the key with nothing: replicas get DEL");
      node.dirty++;
    }
    c.out.bytes(OK);
    return;
  }
  db.set(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) node.rewriteArgv([argv[0]!, argv[1]!, asciiBytes(String(ttl)), ...argv.slice(3), ABSTTL], "a relative TTL is sent as the absolute ms time with ABSTTL, so replicas expire the key at the same moment");
  }
  c.out.bytes(OK);
  node.dirty++;
}

/** DUMP and RESTORE, in the 7.0 kind's table only: older kinds keep answering as before. */
export const dumpRestoreCommands: readonly CommandSpec[] = [
  { name: "dump", arity: 2, flags: {}, proc: dumpCommand, keys: [1, 1, 1] },
  { name: "restore", arity: -4, flags: { write: true }, proc: restoreCommand, keys: [1, 1, 1] },
];
