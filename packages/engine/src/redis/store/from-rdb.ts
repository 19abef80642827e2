/**
 * How a loaded RDB value becomes an in-memory value (rdbLoadObject, 7.0.15): the encoding depends
 * on the type it was saved as and on the loading node's thresholds, not on the saving server's.
 * A hash table saved by one server may load as a listpack on another, and the other way round.
 */
import type { RdbAggregate } from "../rdb/reader.ts";
import type { NodeConfig } from "../config.ts";
import { HashValue } from "./hash.ts";
import { ListValue } from "./list.ts";
import { isInt64String, SetValue } from "./set.ts";
import { ZsetValue } from "./zset.ts";
import type { AggregateValue } from "./value.ts";

const TYPE_SET_INTSET = 11;
const TYPE_ZSET = 3;
const TYPE_ZSET_2 = 5;
const TYPE_HASH = 4;
const TYPE_HASH_ZIPMAP = 9;

type Limits = Pick<NodeConfig, "hash-max-listpack-entries" | "hash-max-listpack-value" | "set-max-intset-entries" | "zset-max-listpack-entries" | "zset-max-listpack-value">;

export function valueFromRdb(limits: Limits, loaded: RdbAggregate): AggregateValue {
  switch (loaded.type) {
    case "list":
      return new ListValue(loaded.nodes.flatMap((node) => node.items));
    case "set": {
      const maxEntries = Math.min(limits["set-max-intset-entries"], 1 << 30);
      let encoding: "intset" | "hashtable";
      if (loaded.rdbType === TYPE_SET_INTSET) {
        encoding = loaded.members.length > limits["set-max-intset-entries"] ? "hashtable" : "intset";
      } else {
        encoding = loaded.members.length > maxEntries || !loaded.members.every(isInt64String) ? "hashtable" : "intset";
      }
      const set = new SetValue(encoding);
      for (const member of loaded.members) set.members.add(member);
      return set;
    }
    case "zset": {
      const zset = new ZsetValue("listpack");
      for (const [member, score] of loaded.entries) zset.set(member, score);
      if (loaded.rdbType === TYPE_ZSET || loaded.rdbType === TYPE_ZSET_2) {
        let maxLength = 0;
        for (const [member] of loaded.entries) maxLength = Math.max(maxLength, member.length);
        const compact = zset.length <= limits["zset-max-listpack-entries"] && maxLength <= limits["zset-max-listpack-value"];
        zset.encoding = compact ? "listpack" : "skiplist";
        if (compact) zset.zerosToPositive();
      } else {
        zset.encoding = zset.length > limits["zset-max-listpack-entries"] ? "skiplist" : "listpack";
      }
      return zset;
    }
    case "hash": {
      const hash = new HashValue("listpack");
      const valueLimit = limits["hash-max-listpack-value"];
      let maxLength = 0;
      for (const [field, value] of loaded.entries) {
        hash.fields.set(field, value);
        maxLength = Math.max(maxLength, field.length, value.length);
      }
      const tooMany = hash.length > limits["hash-max-listpack-entries"];
      if (loaded.rdbType === TYPE_HASH || loaded.rdbType === TYPE_HASH_ZIPMAP) {
        if (tooMany || maxLength > valueLimit) hash.encoding = "hashtable";
      } else if (tooMany) {
        hash.encoding = "hashtable";
      }
      return hash;
    }
    default:
      return assertNever(loaded);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
