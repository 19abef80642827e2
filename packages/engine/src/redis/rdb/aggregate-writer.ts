/**
 * How the RDB writer saves lists, hashes, sets and sorted sets (rdbSaveObject, 7.0.15):
 *
 * - a list as a quicklist (type 18, QUICKLIST_2): its nodes, each a listpack blob (container 2)
 *   or, for an element of at least the packed threshold, the element alone (container 1);
 * - a set as an intset blob (type 11) or as its members (type 2);
 * - a sorted set as a listpack of member/score pairs (type 17, scores as d2string) or as
 *   ZSET_2 (type 5: members from the highest score down, scores as binary doubles);
 * - a hash as a listpack of field/value pairs (type 16) or as its pairs (type 4).
 *
 * Lists are cut into nodes the way a list built by RPUSH is (each element appended to the tail
 * node while `list-max-listpack-size` allows); a list whose nodes were shaped otherwise (pushed at
 * the head, edited in the middle) holds the same elements in differently cut nodes.
 *
 * Older file versions (a legacy kind's RDB 6 or 8) get the plain forms every version loads:
 * type 1 lists, type 2 sets, type 4 hashes, and ZSET_2 (8) or text-scored ZSET (6).
 */
import type { AggregateValue } from "../store/value.ts";
import type { ListValue } from "../store/list.ts";
import { encodeIntset, encodeListpack, lpBytes, lpEntrySize } from "./compact.ts";
import { d2string, formatG17 } from "../numbers.ts";

/** What the writer offers to save an aggregate's body. */
export interface AggregateSink {
  /** The file version (before 10, 7.0's, only the plain forms). */
  readonly version: number;
  readonly lists: { readonly fill: number; readonly packedThreshold: number };
  length(n: number): void;
  bytes(value: Uint8Array): void;
  binary(text: string): void;
  raw(bytes: Uint8Array): void;
}

const TYPE_LIST = 1;
const TYPE_SET = 2;
const TYPE_ZSET = 3;
const TYPE_HASH = 4;
const TYPE_ZSET_2 = 5;
const TYPE_SET_INTSET = 11;
const TYPE_HASH_LISTPACK = 16;
const TYPE_ZSET_LISTPACK = 17;
const TYPE_LIST_QUICKLIST_2 = 18;

/** The RDB type byte a value is saved under in a file of `version`. */
export function rdbTypeOf(value: AggregateValue, version: number): number {
  const legacy = version < 10;
  switch (value.type) {
    case "list":
      return legacy ? TYPE_LIST : TYPE_LIST_QUICKLIST_2;
    case "set":
      return !legacy && value.encoding === "intset" ? TYPE_SET_INTSET : TYPE_SET;
    case "zset":
      if (!legacy && value.encoding === "listpack") return TYPE_ZSET_LISTPACK;
      return version >= 8 ? TYPE_ZSET_2 : TYPE_ZSET;
    case "hash":
      return !legacy && value.encoding === "listpack" ? TYPE_HASH_LISTPACK : TYPE_HASH;
    default:
      return assertNever(value);
  }
}

/** An upper bound of the bytes `writeAggregate` produces for `value`. */
export function aggregateBound(value: AggregateValue): number {
  let total = 64;
  switch (value.type) {
    case "list":
      for (const item of value) total += item.length + 64;
      return total;
    case "set":
      for (const member of value.members) total += member.length + 64;
      return total;
    case "zset":
      for (const member of value.dict.keys()) total += member.length + 64;
      return total;
    case "hash":
      for (const [field, v] of value.fields) total += field.length + v.length + 64;
      return total;
    default:
      return assertNever(value);
  }
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The body of an aggregate (after its type byte and key). */
export function writeAggregate(sink: AggregateSink, value: AggregateValue): void {
  const legacy = sink.version < 10;
  switch (value.type) {
    case "list":
      return writeList(sink, value);
    case "set":
      if (!legacy && value.encoding === "intset") {
        sink.bytes(encodeIntset([...value.members]));
      } else {
        sink.length(value.length);
        for (const member of value.ordered()) sink.binary(member);
      }
      return;
    case "zset":
      if (!legacy && value.encoding === "listpack") {
        const elements: Uint8Array[] = [];
        for (const n of value) elements.push(ascii(n.member), ascii(d2string(n.score)));
        sink.bytes(encodeListpack(elements));
        return;
      }
      sink.length(value.length);
      // Highest first, so that loading inserts at the skiplist's head (rdbSaveObject).
      for (let n = value.last(); n; n = n.backward) {
        sink.binary(n.member);
        sink.raw(rdbDoubleBytes(n.score, sink.version < 8));
      }
      return;
    case "hash":
      if (!legacy && value.encoding === "listpack") {
        const elements: Uint8Array[] = [];
        for (const [field, v] of value.fields) elements.push(ascii(field), v);
        sink.bytes(encodeListpack(elements));
        return;
      }
      sink.length(value.length);
      for (const [field, v] of value.fields) {
        sink.binary(field);
        sink.bytes(v);
      }
      return;
    default:
      return assertNever(value);
  }
}

/** rdbSaveBinaryDoubleValue (little-endian binary64) or rdbSaveDoubleValue (length-prefixed text). */
function rdbDoubleBytes(score: number, text: boolean): Uint8Array {
  if (!text) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, score, true);
    return out;
  }
  if (Number.isNaN(score)) return new Uint8Array([253]);
  if (!Number.isFinite(score)) return new Uint8Array([score < 0 ? 255 : 254]);
  const body = score > -4503599627370495 && score < 4503599627370496 && Number.isInteger(score) ? String(score) : formatG17(score);
  const out = new Uint8Array(1 + body.length);
  out[0] = body.length;
  for (let i = 0; i < body.length; i++) out[i + 1] = body.charCodeAt(i);
  return out;
}

function writeList(sink: AggregateSink, list: ListValue): void {
  if (sink.version < 10) {
    sink.length(list.length);
    for (const item of list) sink.bytes(item);
    return;
  }
  const nodes = quicklistNodes(list, sink.lists.fill, sink.lists.packedThreshold);
  sink.length(nodes.length);
  for (const node of nodes) {
    sink.length(node.plain ? 1 : 2);
    sink.bytes(node.plain ? node.items[0]! : encodeListpack(node.items));
  }
}

/** The listpack size limit a negative fill stands for (quicklist.c optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/** _quicklistNodeAllowInsert for a node of `bytes` (lpBytes) and `count` elements. */
export function quicklistAllowInsert(bytes: number, count: number, fill: number, size: number): boolean {
  const next = bytes + size + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const limit = OPTIMIZATION_LEVEL[-fill - 1];
    if (limit !== undefined && next <= limit) return true;
  }
  if (next > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** A quicklist node as RPUSH leaves it. */
export interface QuicklistNodeShape {
  readonly plain: boolean;
  readonly items: Uint8Array[];
}

/** Cuts a list into nodes as appending each element at the tail (quicklistPushTail) would. */
export function quicklistNodes(list: Iterable<Uint8Array>, fill: number, packedThreshold: number): QuicklistNodeShape[] {
  const nodes: QuicklistNodeShape[] = [];
  let current: { plain: false; items: Uint8Array[]; bytes: number } | null = null;
  for (const item of list) {
    if (item.length >= packedThreshold) {
      nodes.push({ plain: true, items: [item] });
      current = null;
      continue;
    }
    if (current && quicklistAllowInsert(current.bytes, current.items.length, fill, item.length)) {
      current.items.push(item);
      current.bytes += lpEntrySize(item);
    } else {
      current = { plain: false, items: [item], bytes: lpBytes([item]) };
      nodes.push(current);
    }
  }
  return nodes;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
