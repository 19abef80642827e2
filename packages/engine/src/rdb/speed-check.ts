/**
 * Speed check for the full-sync path, not a test: `npx tsx packages/engine/src/rdb/speed-check.ts`.
 *
 * Builds 1,000,000 string keys (`key:0000001`, 16-byte values), then times writeRdb, readRdb with
 * a visitor that only counts, readRdb into a Map (what a keyspace would do), and a bare CRC64 pass
 * over the file. Prints one JSON line per figure (median and best of several rounds, in ms).
 * The budget it guards: a million-key sync within 1.5 s end to end, writer and reader each well
 * under 0.5 s.
 */

// A host-side timing script that lives beside the code it measures; the engine itself reads no clock.
/* eslint-disable no-restricted-globals -- performance.now() is the measurement, not engine logic */

import { Crc64 } from "./crc64.ts";
import { readRdb } from "./reader.ts";
import { writeRdb, type RdbDatabase } from "./writer.ts";

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
  console.log(JSON.stringify({ name, keys: KEYS, medianMs: Math.round(median), bestMs: Math.round(samples[0]!) }));
}

let rdb = writeRdb({ aux, databases: [database] });
console.log(JSON.stringify({ name: "rdb.size", keys: KEYS, bytes: rdb.length }));

time("rdb.write", () => {
  rdb = writeRdb({ aux, databases: [database] });
});
time("rdb.read.count", () => {
  let count = 0;
  readRdb(rdb, { onString: () => count++ });
  if (count !== KEYS) throw new Error(`read ${count} keys`);
});
time("rdb.read.into-map", () => {
  const map = new Map<string, Uint8Array>();
  readRdb(rdb, { onString: (_db, key, value) => map.set(key, value) });
  if (map.size !== KEYS) throw new Error(`read ${map.size} keys`);
});
time("rdb.crc64", () => {
  new Crc64().update(rdb);
});
