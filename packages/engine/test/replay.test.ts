/**
 * Every lab is a recording: replaying its seed, epoch and input log on a fresh lab gives, after
 * every logged input, the same snapshot, the same keyspaces (every db, values and TTLs) and the
 * same INFO replication on every node as the original had. Random labs: topologies, writes,
 * console commands, REPLICAOF changes, kills, restarts (wiped too), freezes, partitions, latency,
 * CONFIG REWRITE, client connections with pipelined bytes, and the write load.
 *
 * `REPLAY_SEEDS=<count>` runs more seeds; a failure names the seed and the first differing input.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../src/index.ts";
import { drive, fingerprint, randomLab } from "./random-lab.ts";

const DEFAULT_SEEDS = 200;

function check(seed: number): void {
  const original = randomLab(seed);
  const seen: string[] = [];
  const unsubscribe = original.inputs.subscribe(() => seen.push(fingerprint(original)));
  drive(seed, original);
  unsubscribe();
  const inputs = original.inputs.toArray();
  expect(inputs.length, `seed ${seed}: inputs`).toBe(seen.length);
  const replay = Lab.replayer(original.creation, inputs);
  for (let i = 0; i < inputs.length; i++) {
    replay.next();
    const got = fingerprint(replay.lab);
    if (got !== seen[i]) {
      throw new Error(`seed ${seed}: replay differs after input ${i} (${JSON.stringify(inputs[i], (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))})`);
    }
  }
}

describe("input log: seed + epoch + log rebuild a lab exactly", () => {
  const seeds = Array.from({ length: Number(process.env.REPLAY_SEEDS ?? DEFAULT_SEEDS) }, (_, i) => i + 1);
  it(`replays ${seeds.length} random labs identically after every input`, () => {
    for (const seed of seeds) check(seed);
    // Minutes on a busy machine: the default minute is for single tests.
  }, 600_000);

  it("merges runs of time into one entry while nobody listens, and the merged log replays to the same lab", () => {
    const lab = new Lab({ seed: "merge" });
    drive(3, lab);
    const merged = lab.inputs.toArray();
    expect(merged.filter((input, i) => i > 0 && input.op === "run-until" && merged[i - 1]!.op === "run-until")).toEqual([]);
    expect(fingerprint(Lab.replay(lab.creation, merged))).toBe(fingerprint(lab));
  });
});
