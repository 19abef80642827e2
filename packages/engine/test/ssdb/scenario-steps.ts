/**
 * The command lists of the recorded scenarios, shared by the recorder (`ssdb-scenarios.ts`, real
 * servers) and the lab's replay (`lab-scenarios.ts`), so both run exactly the same writes.
 */

/** streamWrites: one write per checkpoint, on an idle link. */
export const STREAM_WRITES: readonly (readonly [label: string, argv: readonly string[]])[] = [
  ["streamed-new-key", ["set", "k6", "v6"]],
  ["streamed-overwrite", ["set", "k1", "v1b"]],
  ["streamed-delete", ["del", "k2"]],
];

/** copyMixedTypes: what the master holds before the slave copies it... */
export const MIXED_LOAD: readonly (readonly string[])[] = [
  ["hset", "h1", "f1", "a"],
  ["hset", "h1", "f2", "b"],
  ["hset", "h2", "f", "x"],
  ["set", "k1", "v1"],
  ["zset", "z1", "m1", "5"],
  ["zset", "z1", "m2", "7"],
  ["qpush_back", "q1", "x"],
  ["qpush_back", "q1", "y"],
];

/** ...and the writes streamed after the copy, one checkpoint each. */
export const MIXED_STREAM: readonly (readonly string[])[] = [
  ["hset", "h1", "f3", "c"],
  ["hdel", "h1", "f1"],
  ["zset", "z1", "m3", "9"],
  ["zdel", "z1", "m1"],
  ["qpush_back", "q1", "z"],
  ["qpush_front", "q1", "w"],
  ["qpop_front", "q1"],
  ["qpop_back", "q1"],
  ["del", "k1"],
];

/** recordsPerCommand: one command per checkpoint, labelled. */
export const RECORD_STEPS: readonly (readonly [label: string, argv: readonly string[]])[] = [
  ["set new key", ["set", "a", "1"]],
  ["set same value", ["set", "a", "1"]],
  ["set other value", ["set", "a", "2"]],
  ["del existing", ["del", "a"]],
  ["del missing", ["del", "a"]],
  ["hset new field", ["hset", "h", "f", "1"]],
  ["hset same value", ["hset", "h", "f", "1"]],
  ["hset other value", ["hset", "h", "f", "2"]],
  ["hdel existing", ["hdel", "h", "f"]],
  ["hdel missing", ["hdel", "h", "f"]],
  ["zset new member", ["zset", "z", "m", "1"]],
  ["zset same score", ["zset", "z", "m", "1"]],
  ["zdel existing", ["zdel", "z", "m"]],
  ["zdel missing", ["zdel", "z", "m"]],
  ["qpush_back", ["qpush_back", "q", "x"]],
  ["qpop_front", ["qpop_front", "q"]],
  ["qpop_front empty", ["qpop_front", "q"]],
  ["incr", ["incr", "n", "1"]],
  ["multi_set 2 keys", ["multi_set", "b", "1", "c", "2"]],
  ["multi_del 1 present 1 missing", ["multi_del", "b", "missing"]],
  ["setx with ttl", ["setx", "t", "v", "100000"]],
];
