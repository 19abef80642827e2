/**
 * PFADD, PFCOUNT, PFMERGE and PFDEBUG as redis has them since 2.8.9 (hyperloglog.c), on the string
 * values of store/hyperloglog.ts; where versions differ (the estimator, PFADD's dirty count,
 * PFMERGE's target encoding) the node's dialect says how.
 *
 * What replication shows: PFCOUNT is a read command that may write. When a key's cached
 * cardinality is stale it computes it, stores it in the value's header and counts as a change, so
 * a master propagates the PFCOUNT itself (redis flags it MAY_REPLICATE) and a read-only replica
 * answering PFCOUNT rewrites its own copy of the key without telling anyone.
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { CommandSpec } from "./command.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import { keyOf } from "./reply.ts";
import { markRawString, WRONGTYPE } from "../store/value.ts";
import type { HyperLogLogRules } from "../dialect.ts";
import { cachedCardinality, createHll, estimate, estimateRegisters, hllEncoding, HllEdit, HLL_REGISTERS, registersOf } from "../store/hyperloglog.ts";

const INVALID_HLL = "INVALIDOBJ Corrupted HLL object detected";
const NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";

/** isHLLObjectOrReply: the value's bytes if it is an HLL, else null after the error reply. */
function hllOrReply(node: RedisNode, c: Client, value: unknown): Uint8Array | null {
  if (!(value instanceof Uint8Array)) {
    node.replyError(c, WRONGTYPE);
    return null;
  }
  if (hllEncoding(value) < 0) {
    node.replyError(c, NOT_HLL);
    return null;
  }
  return value;
}

function store(db: Database, key: string, edit: HllEdit): void {
  db.set(key, markRawString(edit.result()), true);
}

/** The version's rules (only versions that have them list the PF commands). */
function rules(node: RedisNode): HyperLogLogRules {
  const found = node.dialect.hyperLogLog;
  if (found === null) throw new Error("this Redis version has no HyperLogLog");
  return found;
}

function sparseMaxBytes(node: RedisNode): number {
  return node.config["hll-sparse-max-bytes"];
}

function pfaddCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const found = node.lookupWrite(db, key);
  let updated = 0;
  let edit: HllEdit;
  if (found === undefined) {
    edit = new HllEdit(createHll());
    updated++;
  } else {
    const bytes = hllOrReply(node, c, found);
    if (bytes === null) return;
    edit = new HllEdit(bytes);
  }
  for (let j = 2; j < argv.length; j++) {
    const result = edit.add(argv[j]!, sparseMaxBytes(node));
    if (result === -1) {
      node.replyError(c, INVALID_HLL);
      return;
    }
    updated += result;
  }
  if (updated > 0) {
    edit.invalidateCache();
    store(db, key, edit);
    node.dirty += rules(node).dirtyPerRegister ? updated : 1;
  }
  writeInteger(c.out, updated > 0 ? 1 : 0);
}

function pfcountCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  if (argv.length > 2) {
    // Several keys: their union, counted from merged registers; nothing is cached.
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const found = node.lookupRead(db, keyOf(argv[j]!));
      if (found === undefined) continue;
      const bytes = hllOrReply(node, c, found);
      if (bytes === null) return;
      if (registersOf(bytes, registers) === null) {
        node.replyError(c, INVALID_HLL);
        return;
      }
    }
    writeInteger(c.out, estimateRegisters(registers, rules(node).estimator));
    return;
  }
  const key = keyOf(argv[1]!);
  const found = node.lookupRead(db, key);
  if (found === undefined) {
    writeInteger(c.out, 0);
    return;
  }
  const bytes = hllOrReply(node, c, found);
  if (bytes === null) return;
  const cached = cachedCardinality(bytes);
  if (cached >= 0) {
    writeInteger(c.out, cached);
    return;
  }
  const card = estimate(bytes, rules(node).estimator);
  if (card < 0) {
    node.replyError(c, INVALID_HLL);
    return;
  }
  const edit = new HllEdit(bytes);
  edit.storeCardinality(card);
  store(db, key, edit);
  node.dirty++;
  writeInteger(c.out, card);
}

function pfmergeCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const registers = new Uint8Array(HLL_REGISTERS);
  let dense = false;
  // The destination is a source too.
  for (let j = 1; j < argv.length; j++) {
    const found = node.lookupRead(db, keyOf(argv[j]!));
    if (found === undefined) continue;
    const bytes = hllOrReply(node, c, found);
    if (bytes === null) return;
    if (hllEncoding(bytes) === 0) dense = true;
    if (registersOf(bytes, registers) === null) {
      node.replyError(c, INVALID_HLL);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const target = node.lookupWrite(db, key);
  // The target, if any, passed the checks above as a source.
  const edit = new HllEdit(target === undefined ? createHll() : (target as Uint8Array));
  if ((dense || rules(node).mergeAlwaysDense) && !edit.toDense()) {
    node.replyError(c, INVALID_HLL);
    return;
  }
  const maxBytes = sparseMaxBytes(node);
  for (let r = 0; r < HLL_REGISTERS; r++) if (registers[r]! > 0) edit.set(r, registers[r]!, maxBytes);
  edit.invalidateCache();
  store(db, key, edit);
  node.dirty++;
  writeSimple(c.out, "OK");
}

/**
 * PFDEBUG's conversion of a sparse value: stored, and a change (so the PFDEBUG itself is
 * propagated). True if it converted, false if the value was dense already, null after an error.
 */
function makeDense(node: RedisNode, c: Client, db: Database, key: string, edit: HllEdit): boolean | null {
  if (edit.encoding === 0) return false;
  if (!edit.toDense()) {
    node.replyError(c, INVALID_HLL);
    return null;
  }
  store(db, key, edit);
  node.dirty++;
  return true;
}

function pfdebugCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = bytesToBinary(argv[1]!);
  const db = node.selectedDb(c);
  const key = keyOf(argv[2]!);
  const found = node.lookupWrite(db, key);
  if (found === undefined) {
    node.replyError(c, "ERR The specified key does not exist");
    return;
  }
  const bytes = hllOrReply(node, c, found);
  if (bytes === null) return;
  const edit = new HllEdit(bytes);
  switch (sub.toLowerCase()) {
    case "getreg": {
      if (makeDense(node, c, db, key, edit) === null) return;
      const values = edit.denseRegisters();
      writeArrayHeader(c.out, values.length);
      for (const value of values) writeInteger(c.out, value);
      return;
    }
    case "decode":
      if (edit.encoding !== 1) node.replyError(c, "ERR HLL encoding is not sparse");
      else writeBulkString(c.out, edit.decode());
      return;
    case "encoding":
      writeSimple(c.out, edit.encoding === 0 ? "dense" : "sparse");
      return;
    case "todense": {
      const converted = makeDense(node, c, db, key, edit);
      if (converted !== null) writeInteger(c.out, converted ? 1 : 0);
      return;
    }
    default:
      node.replyError(c, `ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

/** The HyperLogLog commands (not PFSELFTEST, redis's internal self-check: see SPEC.md). */
export const hyperLogLogCommands: readonly CommandSpec[] = [
  { name: "pfadd", arity: -2, flags: { write: true }, proc: pfaddCommand, keys: [1, 1, 1] },
  { name: "pfcount", arity: -2, flags: {}, proc: pfcountCommand, keys: [1, -1, 1] },
  { name: "pfmerge", arity: -2, flags: { write: true }, proc: pfmergeCommand, keys: [1, -1, 1] },
  { name: "pfdebug", arity: 3, flags: { write: true, admin: true }, proc: pfdebugCommand, keys: [2, 2, 1] },
];
