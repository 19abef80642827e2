/**
 * FUNCTION and FCALL (redis 7.0.15 functions.c, function_lua.c): libraries of Lua functions that
 * `redis.register_function` declares when `FUNCTION LOAD` runs their code. Libraries are data, not
 * a cache: FUNCTION LOAD, DELETE and FLUSH are writes that reach replicas as themselves, and the
 * libraries' code travels in the RDB (RDB_OPCODE_FUNCTION2) ahead of the keys.
 */
import { writeArrayHeader, writeBulk, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import { globMatch } from "../glob.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "../commands/command.ts";
import { replyMapHeader, replyNullBulk, replySetHeader, word } from "../commands/reply.ts";
import { runScript, scriptingOf, splitArgs, splitKeys, type FunctionLibrary } from "./runner.ts";
import { SCRIPT_FLAGS } from "./lua-vm.ts";
import { writeFunctionsPayload } from "../rdb/writer.ts";
import { readRdb } from "../rdb/reader.ts";
import { crc64 } from "../rdb/crc64.ts";
import { RdbError } from "../rdb/errors.ts";
import { OOM_ERROR } from "../memory.ts";

const NAME_RULE = /^[A-Za-z0-9_]+$/;

/** functionExtractLibMetaData: the library name from `#!lua name=<lib>`, and where the code starts. */
function libraryMetadata(code: Uint8Array): { ok: true; name: string; engine: string; codeStart: number } | { ok: false; message: string } {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) return { ok: false, message: "Missing library metadata" };
  const end = code.indexOf(0x0a);
  if (end < 0) return { ok: false, message: "Invalid library metadata" };
  const parts = splitArgs(bytesToBinary(code, 0, end));
  if (parts === null || parts.length === 0) return { ok: false, message: "Invalid library metadata" };
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === "name=") {
      if (name !== null) return { ok: false, message: "Invalid metadata value, name argument was given multiple times" };
      name = part.slice(5);
      continue;
    }
    return { ok: false, message: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { ok: false, message: "Library name was not given" };
  return { ok: true, name, engine, codeStart: end };
}

/**
 * functionsCreateWithLibraryCtx: loads a library into the node (replacing one of the same name if
 * `replace`). Returns its name, or the error text without its `ERR ` prefix.
 */
export function createLibrary(node: RedisNode, code: Uint8Array, replace: boolean): { ok: true; name: string } | { ok: false; message: string } {
  const meta = libraryMetadata(code);
  if (!meta.ok) return meta;
  if (!NAME_RULE.test(meta.name)) return { ok: false, message: "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long" };
  if (meta.engine.toLowerCase() !== "lua") return { ok: false, message: `Engine '${meta.engine}' not found` };
  const state = scriptingOf(node);
  // Function names are case-insensitive in functions.c (dictSdsCaseHash), library names are not.
  const old = state.libraries.get(meta.name);
  if (old !== undefined && !replace) return { ok: false, message: `Library '${meta.name}' already exists` };
  const loaded = state.vm.loadLibrary(meta.name, code.subarray(meta.codeStart), state.instructionBudget);
  if (!loaded.ok) return loaded;
  const drop = (): void => {
    for (const f of loaded.functions) state.vm.dropRef(f.ref);
  };
  if (loaded.functions.length === 0) {
    drop();
    return { ok: false, message: "No functions registered" };
  }
  for (const f of loaded.functions) {
    const other = state.functions.get(f.name.toLowerCase());
    if (other !== undefined && other.library !== old) {
      drop();
      return { ok: false, message: `Function ${f.name} already exists` };
    }
  }
  if (old !== undefined) removeLibrary(node, old);
  const library: FunctionLibrary = { name: meta.name, code: code.slice(), functions: loaded.functions };
  state.libraries.set(library.name, library);
  for (const fn of library.functions) state.functions.set(fn.name.toLowerCase(), { library, fn });
  return { ok: true, name: meta.name };
}

function removeLibrary(node: RedisNode, library: FunctionLibrary): void {
  const state = scriptingOf(node);
  state.libraries.delete(library.name);
  for (const fn of library.functions) {
    state.functions.delete(fn.name.toLowerCase());
    state.vm.dropRef(fn.ref);
  }
}

/** Drops every library (FUNCTION FLUSH, and before an RDB load replaces the dataset). */
export function flushLibraries(node: RedisNode): void {
  const state = scriptingOf(node);
  for (const library of [...state.libraries.values()]) removeLibrary(node, library);
}

/** The libraries' code, as the RDB stores it (one string per library). */
export function libraryCodes(node: RedisNode): Uint8Array[] {
  return [...scriptingOf(node).libraries.values()].map((l) => l.code);
}

function loadCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let replace = false;
  let pos = 2;
  while (pos < argv.length - 1) {
    const arg = argv[pos++]!;
    if (word(arg) === "replace") {
      replace = true;
      continue;
    }
    node.replyError(c, `ERR Unknown option given: ${bytesToBinary(arg)}`);
    return;
  }
  if (pos >= argv.length) {
    node.replyError(c, "ERR Function code is missing");
    return;
  }
  // FUNCTION LOAD is denyoom (function|load in redis's table; the memory module knows names only).
  if (node.memory.limited && !node.isReplica && c.kind !== "master" && node.memory.outOfMemory() && !node.memory.performEvictions()) {
    node.replyError(c, OOM_ERROR);
    return;
  }
  const created = createLibrary(node, argv[pos]!, replace);
  if (!created.ok) {
    node.replyError(c, `ERR ${created.message}`);
    return;
  }
  node.dirty++;
  writeBulkString(c.out, created.name);
}

function deleteCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const library = scriptingOf(node).libraries.get(bytesToBinary(argv[2]!));
  if (library === undefined) {
    node.replyError(c, "ERR Library not found");
    return;
  }
  removeLibrary(node, library);
  node.dirty++;
  writeSimple(c.out, "OK");
}

function flushCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) {
    const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
    node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try FUNCTION HELP.`);
    return;
  }
  if (argv.length === 3 && word(argv[2]!) !== "sync" && word(argv[2]!) !== "async") {
    node.replyError(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  flushLibraries(node);
  node.dirty++;
  writeSimple(c.out, "OK");
}

function listCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  // Each option counts once: a second WITHCODE or LIBRARYNAME is an unknown argument, as in redis.
  let withCode = false;
  let pattern: string | null = null;
  for (let j = 2; j < argv.length; j++) {
    const opt = word(argv[j]!);
    if (!withCode && opt === "withcode") {
      withCode = true;
      continue;
    }
    if (pattern === null && opt === "libraryname") {
      if (j === argv.length - 1) {
        node.replyError(c, "ERR library name argument was not given");
        return;
      }
      pattern = bytesToBinary(argv[++j]!);
      continue;
    }
    node.replyError(c, `ERR Unknown argument ${bytesToBinary(argv[j]!)}`);
    return;
  }
  const libraries = [...scriptingOf(node).libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
  writeArrayHeader(c.out, libraries.length);
  for (const library of libraries) {
    replyMapHeader(c, withCode ? 4 : 3);
    writeBulkString(c.out, "library_name");
    writeBulkString(c.out, library.name);
    writeBulkString(c.out, "engine");
    writeBulkString(c.out, "LUA");
    writeBulkString(c.out, "functions");
    writeArrayHeader(c.out, library.functions.length);
    for (const fn of library.functions) {
      replyMapHeader(c, 3);
      writeBulkString(c.out, "name");
      writeBulkString(c.out, fn.name);
      writeBulkString(c.out, "description");
      if (fn.description === null) replyNullBulk(c);
      else writeBulkString(c.out, fn.description);
      writeBulkString(c.out, "flags");
      // functionListReplyFlags: status replies, in scripts_flags_def's order.
      const flags = SCRIPT_FLAGS.filter((flag) => fn.flags.includes(flag));
      replySetHeader(c, flags.length);
      for (const flag of flags) writeSimple(c.out, flag);
    }
    if (withCode) {
      writeBulkString(c.out, "library_code");
      writeBulk(c.out, library.code);
    }
  }
}

function statsCommand(node: RedisNode, c: Client): void {
  const state = scriptingOf(node);
  replyMapHeader(c, 2);
  writeBulkString(c.out, "running_script");
  replyNullBulk(c);
  writeBulkString(c.out, "engines");
  replyMapHeader(c, 1);
  writeBulkString(c.out, "LUA");
  replyMapHeader(c, 2);
  writeBulkString(c.out, "libraries_count");
  writeInteger(c.out, state.libraries.size);
  writeBulkString(c.out, "functions_count");
  writeInteger(c.out, state.functions.size);
}

function killCommand(node: RedisNode, c: Client): void {
  node.replyError(c, "NOTBUSY No scripts in execution right now.");
}

function dumpCommand(node: RedisNode, c: Client): void {
  writeBulk(c.out, writeFunctionsPayload(libraryCodes(node), node.config.rdbcompression));
}

/** verifyDumpPayload: a footer of RDB version (at most 10) and the CRC64 of what precedes it. */
function dumpPayloadOk(data: Uint8Array): boolean {
  if (data.length < 10) return false;
  const version = data[data.length - 10]! | (data[data.length - 9]! << 8);
  if (version > 10) return false;
  let stored = 0n;
  for (let i = 7; i >= 0; i--) stored = (stored << 8n) | BigInt(data[data.length - 8 + i]!);
  return stored === crc64(data.subarray(0, data.length - 8));
}

/** The libraries' code a FUNCTION DUMP payload holds, or an error (rdbFunctionLoad's loop). */
function payloadLibraries(data: Uint8Array): { ok: true; codes: Uint8Array[] } | { ok: false; message: string } {
  // The body is a run of RDB records: read it as the middle of an RDB file (checksum off).
  const body = data.subarray(0, data.length - 10);
  const file = new Uint8Array(9 + body.length + 9);
  file.set([0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x31, 0x30], 0);
  file.set(body, 9);
  file[9 + body.length] = 0xff;
  const codes: Uint8Array[] = [];
  let notFunction = false;
  try {
    readRdb(file, { onFunction: (code) => codes.push(code.slice()), onString: () => (notFunction = true), onAggregate: () => (notFunction = true), onAux: () => (notFunction = true) }, { verifyChecksum: false });
  } catch {
    return { ok: false, message: "failed loading the given functions payload" };
  }
  return notFunction ? { ok: false, message: "given type is not a function" } : { ok: true, codes };
}

function restoreCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 4) {
    node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length))}'. Try FUNCTION HELP.`);
    return;
  }
  const policy = argv.length === 4 ? word(argv[3]!) : "append";
  if (policy !== "append" && policy !== "replace" && policy !== "flush") {
    node.replyError(c, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    return;
  }
  if (!dumpPayloadOk(argv[2]!)) {
    node.replyError(c, "ERR DUMP payload version or checksum are wrong");
    return;
  }
  const read = payloadLibraries(argv[2]!);
  if (!read.ok) {
    node.replyError(c, `ERR ${read.message}`);
    return;
  }
  const state = scriptingOf(node);
  if (policy === "append") {
    for (const code of read.codes) {
      const meta = libraryMetadata(code);
      if (meta.ok && state.libraries.has(meta.name)) {
        node.replyError(c, `ERR Library ${meta.name} already exists`);
        return;
      }
    }
  }
  if (policy === "flush") flushLibraries(node);
  for (const code of read.codes) {
    const created = createLibrary(node, code, policy !== "append");
    if (!created.ok) {
      node.replyError(c, `ERR ${created.message}`);
      return;
    }
  }
  node.dirty++;
  writeSimple(c.out, "OK");
}

function functionCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
  node.replyError(c, `ERR unknown subcommand '${sub}'. Try FUNCTION HELP.`);
}

function fcallGeneric(node: RedisNode, c: Client, argv: Uint8Array[], ro: boolean): void {
  const entry = scriptingOf(node).functions.get(bytesToBinary(argv[1]!).toLowerCase());
  if (entry === undefined) {
    node.replyError(c, "ERR Function not found");
    return;
  }
  const split = splitKeys(node, c, argv, true);
  if (split === null) return;
  runScript(node, c, { ref: entry.fn.ref, funcname: entry.fn.name, flags: entry.fn.flags, ro, evalMode: false, keys: split.keys, args: split.args });
}

const sub = (name: string, arity: number, flags: CommandSpec["flags"], proc: CommandSpec["proc"]): [string, CommandSpec] => [name, { name, arity, flags, proc }];

/** FUNCTION and FCALL, for the command table. */
export const functionCommands: readonly CommandSpec[] = [
  {
    name: "function",
    arity: -2,
    flags: {},
    proc: functionCommand,
    subcommands: new Map<string, CommandSpec>([
      sub("load", -3, { write: true }, loadCommand),
      sub("delete", 3, { write: true }, deleteCommand),
      sub("flush", -2, { write: true }, flushCommand),
      sub("list", -2, {}, listCommand),
      sub("stats", 2, { stale: true }, statsCommand),
      sub("kill", 2, { stale: true }, killCommand),
      sub("dump", 2, {}, dumpCommand),
      sub("restore", -3, { write: true }, restoreCommand),
    ]),
  },
  { name: "fcall", arity: -3, flags: { noPropagate: true, stale: true }, proc: (n, c, a) => fcallGeneric(n, c, a, false) },
  { name: "fcall_ro", arity: -3, flags: { noPropagate: true, stale: true }, proc: (n, c, a) => fcallGeneric(n, c, a, true) },
];

/**
 * What the next RDB load does with the node's own libraries (DEBUG RELOAD's options): "replace"
 * them all (the default: the dataset is emptied first), "keep" them and refuse a library of the
 * same name (NOFLUSH: redis then fails the load), or "merge" (NOFLUSH MERGE: the file's win).
 */
export type RdbFunctionsPolicy = "replace" | "keep" | "merge";

/** Sets how the next RDB load treats the node's libraries (consumed by that load). */
export function setNextRdbFunctionsPolicy(node: RedisNode, policy: RdbFunctionsPolicy): void {
  scriptingOf(node).nextRdbPolicy = policy;
}

/**
 * The libraries of a loaded RDB join the node's as the pending policy says (replace by default:
 * the file's libraries are the node's). A library that fails to load otherwise is reported in the
 * node's trace and left out; redis would refuse the whole file, which a lab node that cannot run
 * some Lua should not do to its keys.
 */
export function loadLibrariesFromRdb(node: RedisNode, codes: readonly Uint8Array[]): void {
  const state = scriptingOf(node);
  const policy = state.nextRdbPolicy;
  state.nextRdbPolicy = "replace";
  if (policy === "replace") flushLibraries(node);
  for (const code of codes) {
    const created = createLibrary(node, code, policy !== "keep");
    if (created.ok) continue;
    if (policy === "keep") throw new RdbError("corrupt", `Failed loading library: ${created.message}`);
    node.trace({ kind: "warning", code: "rdb-function-load-failed", message: `a function library in the RDB did not load: ${created.message}` });
  }
}
