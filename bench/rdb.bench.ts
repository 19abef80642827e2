/**
 * RDB benchmarks for the full-sync path (run by `npm run bench`, or `node --import tsx bench/rdb.bench.ts`).
 *
 * Builds 1,000,000 string keys (`key:0000001`, 16-byte values), then times writeRdb, readRdb with
 * a visitor that only counts, readRdb into a Map, readRdb into a db's counting dict (what a
 * replica's load does), and a bare CRC64 pass over the file. Prints one JSON line per figure (median and best of several rounds, in ms).
 * The budget it guards: a million-key sync within 1.5 s end to end, writer and reader each well
 * under 0.5 s.
 */

import { Crc64 } from "../packages/engine/src/redis/rdb/crc64.ts";
import { readRdb } from "../packages/engine/src/redis/rdb/reader.ts";
import { writeRdb, type RdbDatabase } from "../packages/engine/src/redis/rdb/writer.ts";
import { SizedMap } from "../packages/engine/src/redis/store/sized-map.ts";

const KEYS = 1_000_000;
const ROUNDS = 7;

const keys: string[] = [];
const values: Uint8Array[] = [];
for (let i = 0; i < KEYS; i++) {
  keys.push(`key:${String(i).padStart(7, "0")}`);
  const value = new Uint8Array(16);
  for (let j = 0; j < 16; j++) value[j] = 0x61 + ((i + j) % 26);
  values.push(value);
}
const database: RdbDatabase = {
  db: 0,
  size: KEYS,
  expires: 0,
  forEach: (visit) => {
    for (let i = 0; i < KEYS; i++) visit(keys[i]!, values[i]!, -1);
  },
};
const aux = {
  redisVer: "7.0.15",
  ctimeSec: 1700000000,
  usedMemBytes: 100_000_000,
  replication: { streamDb: 0, replid: "0123456789abcdef0123456789abcdef01234567", offset: 0 },
  aofBase: 0,
};

function time(name: string, run: () => void): void {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  console.log(JSON.stringify({ bench: name, value: Math.round(median), unit: "ms", best: Math.round(samples[0]!), keys: KEYS }));
}

let rdb = writeRdb({ aux, databases: [database] });
console.log(JSON.stringify({ bench: "rdb.size_1m", value: rdb.length, unit: "B", keys: KEYS }));

time("rdb.write_1m", () => {
  rdb = writeRdb({ aux, databases: [database] });
});
time("rdb.read_1m", () => {
  let count = 0;
  readRdb(rdb, { onString: () => count++ });
  if (count !== KEYS) throw new Error(`read ${count} keys`);
});
time("rdb.read_into_map_1m", () => {
  const map = new Map<string, Uint8Array>();
  readRdb(rdb, { onString: (_db, key, value) => map.set(key, value) });
  if (map.size !== KEYS) throw new Error(`read ${map.size} keys`);
});
time("rdb.load_dict_1m", () => {
  // What a replica's load does per key (persistence.ts loadRdbInto): the db's counting dict, sized
  // by the RESIZEDB hint, short strings kept as places in the file (SizedMap.loadRange).
  const dict = new SizedMap<Uint8Array>();
  readRdb(rdb, {
    onResizeDb: (size) => dict.reserve(size),
    onString: (_db, key, value) => dict.load(key, value),
    onShortString: (_db, bytes, keyStart, keyEnd, valueStart, valueEnd) => dict.loadRange(bytes, keyStart, keyEnd, valueStart, valueEnd),
  });
  if (dict.size !== KEYS) throw new Error(`read ${dict.size} keys`);
});
time("rdb.crc64_1m", () => {
  new Crc64().update(rdb);
});
