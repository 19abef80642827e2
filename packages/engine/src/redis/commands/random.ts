/**
 * Random picks for HRANDFIELD, SRANDMEMBER, SPOP and ZRANDMEMBER, from the node's own seeded
 * stream: which elements come out differs from a real server (that is why redis propagates SPOP
 * as SREM), but how many, whether they repeat, and in which order a listpack gives them do not.
 */
import type { Prng } from "../../sim/prng.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import { rangeLongArg, LONG_MAX } from "./args.ts";
import { ERR_SYNTAX, word } from "./reply.ts";

/**
 * HRANDFIELD / ZRANDMEMBER `key count [WITHVALUES|WITHSCORES]`: the count (±LONG_MAX) and whether
 * the option was given (then |count| must fit LONG_MAX/2), or undefined after replying an error.
 */
export function parseRandomCount(node: RedisNode, c: Client, argv: readonly Uint8Array[], option: "withvalues" | "withscores"): { count: number; withExtra: boolean } | undefined {
  const count = rangeLongArg(node, c, argv[2]!, -LONG_MAX, LONG_MAX);
  if (count === undefined) return undefined;
  if (argv.length > 4 || (argv.length === 4 && word(argv[3]!) !== option)) {
    node.replyError(c, ERR_SYNTAX);
    return undefined;
  }
  const withExtra = argv.length === 4;
  if (withExtra && (count < -Number(LONG_MAX / 2n) || count > Number(LONG_MAX / 2n))) {
    node.replyError(c, "ERR value is out of range");
    return undefined;
  }
  return { count, withExtra };
}

/**
 * `count` < 0: that many picks, repeats allowed, in random order. `count` >= the number of items:
 * all of them, in their order. Otherwise `count` distinct items, in their order when `keepOrder`
 * (a listpack's lpRandomPairsUnique), else in random order (a hash table's).
 */
export function randomSample<T>(prng: Prng, items: readonly T[], count: number, keepOrder: boolean): T[] {
  const size = items.length;
  if (size === 0 || count === 0) return [];
  if (count < 0) {
    const out: T[] = [];
    for (let i = 0; i < -count; i++) out.push(items[prng.int(size)]!);
    return out;
  }
  if (count === 1) return [items[prng.int(size)]!];
  if (count >= size) return [...items];
  // Partial Fisher-Yates over indexes: the first `count` are the sample.
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + prng.int(size - i);
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  const chosen = indexes.slice(0, count);
  if (keepOrder) chosen.sort((a, b) => a - b);
  return chosen.map((i) => items[i]!);
}
