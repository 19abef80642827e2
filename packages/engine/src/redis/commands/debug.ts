/**
 * DEBUG (debug.c, 7.0.15), behind `enable-debug-command` as redis has it (processCommand refuses
 * it otherwise): DIGEST and DIGEST-VALUE computed exactly as redis computes them (digest.ts),
 * RELOAD (save, flush, load the RDB back), OBJECT, SET-ACTIVE-EXPIRE, SLEEP (the node, not the
 * process, sleeps, in virtual time), QUICKLIST-PACKED-THRESHOLD, PROTOCOL and HELP.
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import { setNextRdbFunctionsPolicy } from "../scripting/functions.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { datasetDigest, hex, valueDigest } from "../digest.ts";
import { encodingOf, refcountOf, type RedisValue } from "../store/value.ts";
import { serializedValueLength } from "../rdb/writer.ts";
import { quicklistNodes } from "../rdb/aggregate-writer.ts";
import { encodeListpack } from "../rdb/compact.ts";
import { parseMemory } from "../config.ts";
import { strtod } from "../numbers.ts";
import { keyOf, word, replyMapHeader, replyNullBulk, replySetHeader } from "./reply.ts";
import { replyDouble } from "./args.ts";
import { RdbError } from "../rdb/errors.ts";
import { debugPopulate } from "./debug-populate.ts";

const HELP = [
  "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DIGEST",
  "    Output a hex signature representing the current DB content.",
  "DIGEST-VALUE <key> [<key> ...]",
  "    Output a hex signature of the values of all the specified keys.",
  "OBJECT <key>",
  "    Show low level info about the `key` and associated value.",
  "PROTOCOL <type>",
  "    Reply with a test value of the specified type. <type> can be: string,",
  "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
  "    true, false.",
  "QUICKLIST-PACKED-THRESHOLD <size>",
  "    Sets the threshold for elements to be inserted as plain vs packed nodes",
  "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
  "RELOAD [option ...]",
  "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
  "    * MERGE: conflicting keys will be loaded from RDB.",
  "    * NOFLUSH: the existing database will not be removed before load, but",
  "      conflicting keys will generate an exception and kill the server.",
  "    * NOSAVE: the database will be loaded from an existing RDB file.",
  "    Examples:",
  "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
  "      the database.",
  "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
  "      existing RDB file.",
  "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
  "      file to the database.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Setting it to 0 disables expiring keys in background when they are not",
  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
  "    default.",
  "SLEEP <seconds>",
  "    Stop the server for <seconds>. Decimals allowed.",
  "HELP",
  "    Prints this help.",
];

/** C atoi: leading space, sign, digits up to the first other character; 0 when none. */
function atoi(text: string): number {
  const m = /^[\s]*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) | 0 : 0;
}

/** A stable stand-in for the value's address in DEBUG OBJECT (the lab has no pointers). */
function pseudoAddress(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return `0x7f${(h >>> 0).toString(16).padStart(8, "0")}0`;
}

function debugObject(node: RedisNode, c: Client, keyArg: Uint8Array): void {
  const value: RedisValue | undefined = node.selectedDb(c).dict.get(keyOf(keyArg));
  if (value === undefined) {
    node.replyError(c, "ERR no such key");
    return;
  }
  const lists = { fill: node.config["list-max-listpack-size"], packedThreshold: node.quicklistPackedThreshold };
  const serialized = serializedValueLength(value, node.config.rdbcompression, lists);
  let extra = "";
  if (!(value instanceof Uint8Array) && value.type === "list") {
    const nodes = quicklistNodes(value, lists.fill, lists.packedThreshold);
    let size = 0;
    for (const n of nodes) size += n.plain ? n.items[0]!.length : encodeListpack(n.items).length;
    const average = nodes.length === 0 ? 0 : value.length / nodes.length;
    extra = ` ql_nodes:${nodes.length} ql_avg_node:${average.toFixed(2)} ql_listpack_max:${lists.fill} ql_compressed:${node.config["list-compress-depth"] !== 0 ? 1 : 0} ql_uncompressed_size:${size}`;
  }
  writeSimple(c.out, `Value at:${pseudoAddress(keyOf(keyArg))} refcount:${refcountOf(value)} encoding:${encodingOf(value)} serializedlength:${serialized} lru:0 lru_seconds_idle:0${extra}`);
}

function debugReload(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let save = true;
  let flush = true;
  let merge = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = word(argv[j]!);
    if (opt === "nosave") save = false;
    else if (opt === "noflush") flush = false;
    else if (opt === "merge") merge = true;
    else {
      node.replyError(c, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  if (save) node.save();
  const rdb = node.disk.read(node.config.dbfilename);
  if (!rdb) {
    node.replyError(c, "ERR Error trying to load the RDB dump");
    return;
  }
  // Function libraries survive NOFLUSH (a duplicate then fails the load unless MERGE).
  setNextRdbFunctionsPolicy(node, flush ? "replace" : merge ? "merge" : "keep");
  try {
    node.loadRdb(rdb, !node.isReplica);
  } catch (error) {
    setNextRdbFunctionsPolicy(node, "replace");
    if (!(error instanceof RdbError)) throw error;
    node.replyError(c, "ERR Error trying to load the RDB dump");
    return;
  }
  writeSimple(c.out, "OK");
}

function debugProtocol(node: RedisNode, c: Client, type: string): void {
  // RESP3 types for a client that said HELLO 3 (addReplyDouble, addReplyBigNum, addReplyBool...);
  // a RESP2 client gets each one's RESP2 form.
  const resp3 = c.resp === 3;
  switch (type) {
    case "string":
      return writeBulkString(c.out, "Hello World");
    case "integer":
      return writeInteger(c.out, 12345);
    case "double":
      return replyDouble(c, 3.141);
    case "bignum":
      if (resp3) return protoLine(c, "(1234567999999999999999999999999999999");
      return writeBulkString(c.out, "1234567999999999999999999999999999999");
    case "null":
      return replyNullBulk(c);
    case "array":
    case "set":
      if (type === "set") replySetHeader(c, 3);
      else writeArrayHeader(c.out, 3);
      for (let j = 0; j < 3; j++) writeInteger(c.out, j);
      return;
    case "map":
      replyMapHeader(c, 3);
      for (let j = 0; j < 3; j++) {
        writeInteger(c.out, j);
        replyBool(c, j === 1);
      }
      return;
    case "attrib":
      if (resp3) {
        protoLine(c, "|1");
        writeBulkString(c.out, "key-popularity");
        writeArrayHeader(c.out, 2);
        writeBulkString(c.out, "key:123");
        writeInteger(c.out, 90);
      }
      return writeBulkString(c.out, "Some real reply following the attribute");
    case "push":
      if (!resp3) return node.replyError(c, "ERR RESP2 is not supported by this command");
      protoLine(c, ">2");
      writeBulkString(c.out, "server-cpu-usage");
      writeInteger(c.out, 42);
      return writeBulkString(c.out, "Some real reply following the push reply");
    case "true":
    case "false":
      return replyBool(c, type === "true");
    case "verbatim": {
      const text = "This is a verbatim\nstring";
      if (resp3) {
        protoLine(c, `=${text.length + 4}`);
        protoLine(c, `txt:${text}`);
        return;
      }
      return writeBulkString(c.out, text);
    }
    default:
      return node.replyError(c, "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

/** A RESP3 line written as is, CRLF added. */
function protoLine(c: Client, line: string): void {
  c.out.ascii(line);
  c.out.byte(0x0d);
  c.out.byte(0x0a);
}

/** addReplyBool: `#t` / `#f` in RESP3, `:1` / `:0` in RESP2. */
function replyBool(c: Client, value: boolean): void {
  if (c.resp === 3) protoLine(c, value ? "#t" : "#f");
  else writeInteger(c.out, value ? 1 : 0);
}

function debugCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = word(argv[1]!);
  const argc = argv.length;
  if (argc === 2 && sub === "help") {
    writeArrayHeader(c.out, HELP.length);
    for (const line of HELP) writeSimple(c.out, line);
  } else if (sub === "reload") {
    debugReload(node, c, argv);
  } else if (sub === "object" && argc === 3) {
    debugObject(node, c, argv[2]!);
  } else if (sub === "digest" && argc === 2) {
    writeSimple(c.out, hex(datasetDigest(node.keyspace)));
  } else if (sub === "digest-value" && argc >= 2) {
    const db = node.selectedDb(c);
    writeArrayHeader(c.out, argc - 2);
    for (let j = 2; j < argc; j++) writeSimple(c.out, hex(valueDigest(db, keyOf(argv[j]!))));
  } else if (sub === "protocol" && argc === 3) {
    debugProtocol(node, c, word(argv[2]!));
  } else if (sub === "sleep" && argc === 3) {
    const seconds = strtod(bytesToBinary(argv[2]!)).value;
    // (long long)(dtime * 1000000) microseconds; the node stops for that long in virtual time.
    const micros = Math.trunc(seconds * 1_000_000);
    node.sleep(Number.isFinite(micros) && micros > 0 ? micros / 1000 : 0, c);
  } else if (sub === "replicate" && argc >= 3 && node.replication.feedVerbatim) {
    // The rest of the line goes to the replicas as a command of its own, checked by no one here:
    // the way redis's tests make a replica's data diverge from its master's.
    node.replication.feedVerbatim(argv.slice(2));
    writeSimple(c.out, "OK");
  } else if (sub === "populate" && argc >= 3 && argc <= 5) {
    debugPopulate(node, c, argv);
  } else if (sub === "set-active-expire" && argc === 3) {
    node.activeExpireEnabled = atoi(bytesToBinary(argv[2]!)) !== 0;
    writeSimple(c.out, "OK");
  } else if (sub === "quicklist-packed-threshold" && argc === 3) {
    const size = parseMemory(bytesToBinary(argv[2]!));
    if (size === undefined || size > 2 ** 32 - 2 ** 20) {
      node.replyError(c, "ERR argument must be a memory value bigger than 1 and smaller than 4gb");
      return;
    }
    node.quicklistPackedThreshold = size === 0 ? 1 << 30 : size;
    writeSimple(c.out, "OK");
  } else {
    node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length))}'. Try DEBUG HELP.`);
  }
}

export const debugCommands: readonly CommandSpec[] = [{ name: "debug", arity: -2, flags: { admin: true, protected: true, stale: true, loading: true }, proc: debugCommand }];
