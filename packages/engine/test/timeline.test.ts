/**
 * The timeline's engine half: seeks, forks and branches, checked against the lab as it was
 * recorded while it ran.
 *
 * - A seek to a virtual time t (a cursor replaying the log up to t, cutting the run in progress)
 *   gives the lab exactly as it was at t, whether it replays from the start or from a fork of an
 *   earlier moment (a checkpoint), and at any t, recorded or not, the two agree.
 * - A fork goes on exactly as its original does under the same inputs, and changes nothing in it.
 * - A branch at t (a fork with the log up to t) is the original up to t, its log rebuilds it,
 *   it goes on as the original under the original's later inputs, and differs after a new one.
 *
 * The random labs sync, stream, resync, and keep lists, hashes, sets and sorted sets (values the
 * engine changes in place, which a fork must copy).
 *
 * "As it was at t": after every input stamped t and every event due by t. While the lab runs,
 * that state is recorded after each input that leaves nothing due at its time. A seek from a
 * checkpoint must also have what the lab would show only later (`hiddenState`: the dicts' indexes
 * and SCAN cursors, backlogs, disk files), as the straight replay has it. Checkpoints are taken as
 * a timeline takes them, in a chain (each shares what did not change with the one before: dict
 * keyframes, backlog blocks, dumps, buffers), and the lab they were taken of goes on meanwhile.
 * `TIMELINE_SEEDS=<count>` runs more random labs.
 */
import { describe, expect, it } from "vitest";
import { CheckpointChain, Lab, Prng, ReplayCursor, type LabInput } from "../src/index.ts";
import { CheckpointDict } from "../src/lab/checkpoint-dict.ts";
import { drive, fingerprint, hiddenState, randomLab } from "./random-lab.ts";

const SEEDS = Number(process.env.TIMELINE_SEEDS ?? 60);

interface Recorded {
  readonly lab: Lab;
  readonly inputs: LabInput[];
  /** The fingerprint after each input. */
  readonly byInput: string[];
  /** The lab as it was at each virtual time where that could be seen while it ran. */
  readonly byTime: Map<number, string>;
}

function record(seed: number): Recorded {
  const lab = randomLab(seed);
  const byInput: string[] = [];
  const byTime = new Map<number, string>();
  const unsubscribe = lab.inputs.subscribe(() => {
    const print = fingerprint(lab);
    byInput.push(print);
    // With events still due at this time, the moment is not over: it cannot be seen from outside.
    if (lab.nextEventMs() > lab.nowMs) byTime.set(lab.nowMs, print);
    else byTime.delete(lab.nowMs);
  });
  // Time passes often enough that replicas sync, stream and resync (backlogs, transfers in flight).
  drive(seed, lab, { timeShare: 0.3, aggregateShare: 0.2 });
  unsubscribe();
  return { lab, inputs: lab.inputs.toArray(), byInput, byTime };
}

/** The checkpoint (a cursor) latest at or before `timeMs`. */
function nearest(checkpoints: readonly ReplayCursor[], timeMs: number): ReplayCursor {
  let best = checkpoints[0]!;
  for (const checkpoint of checkpoints) if (checkpoint.timeMs <= timeMs && checkpoint.timeMs >= best.timeMs) best = checkpoint;
  return best;
}

function forkOf(cursor: ReplayCursor, seed: number): ReplayCursor {
  const forked = cursor.fork();
  if (!forked.ok) throw new Error(`seed ${seed}: fork refused: ${forked.reason}`);
  return forked.cursor;
}

describe("timeline: seeks", () => {
  it(`gives the lab as it was at every recorded moment, from the start and from checkpoints (${SEEDS} random labs)`, () => {
    let compared = 0;
    let refusedForks = 0;
    let sharedPieces = 0;
    let sharedKeyframes = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { lab, inputs, byTime } = record(seed);
      const times = [...byTime.keys()].sort((a, b) => a - b);
      // Forward through every recorded moment, taking a checkpoint every few moments.
      const cursor = ReplayCursor.start(lab.creation, inputs);
      const checkpoints: ReplayCursor[] = [];
      const hidden = new Map<number, string>();
      // Checkpoints are kept as a timeline keeps them (only ever forked again, in a chain).
      const chain = new CheckpointChain();
      let held: ReadonlyMap<object, number> = new Map();
      const take = (): boolean => {
        const forked = cursor.fork(undefined, chain);
        if (!forked.ok) return false;
        checkpoints.push(forked.cursor);
        for (const piece of forked.held.keys()) {
          if (!held.has(piece)) continue;
          sharedPieces++;
          if (piece instanceof CheckpointDict) sharedKeyframes++;
        }
        held = forked.held;
        return true;
      };
      if (!take()) throw new Error(`seed ${seed}: the first checkpoint was refused`);
      times.forEach((t, i) => {
        cursor.seek(t);
        if (fingerprint(cursor.lab) !== byTime.get(t)) throw new Error(`seed ${seed}: a seek to ${t} ms differs from the lab recorded then`);
        hidden.set(t, hiddenState(cursor.lab));
        compared++;
        if (i % 5 === 4 && !take()) refusedForks++;
      });
      // Random moments, from the nearest checkpoint (itself left as it was: it is forked).
      const rng = Prng.fromSeed(`seeks:${seed}`);
      for (let n = 0; n < 12; n++) {
        const t = rng.pick(times);
        const from = nearest(checkpoints, t);
        const restored = forkOf(from, seed).lab;
        const before = fingerprint(restored) + hiddenState(restored);
        const seek = forkOf(from, seed);
        seek.seek(t);
        if (fingerprint(seek.lab) !== byTime.get(t)) throw new Error(`seed ${seed}: a seek to ${t} ms from the checkpoint at ${from.timeMs} ms differs`);
        if (hiddenState(seek.lab) !== hidden.get(t)) throw new Error(`seed ${seed}: a seek to ${t} ms from the checkpoint at ${from.timeMs} ms differs in what it holds (${hiddenState(seek.lab)} / ${hidden.get(t)})`);
        const again = forkOf(from, seed).lab;
        expect(fingerprint(again) + hiddenState(again), `seed ${seed}: the checkpoint changed`).toBe(before);
      }
      // Any moment at all (mostly in the middle of runs): from a checkpoint as from the start.
      const end = lab.nowMs;
      for (let n = 0; n < 4; n++) {
        const t = rng.int(Math.floor(end) + 1) + rng.pick([0, 0.25, 0.5]);
        const reference = ReplayCursor.start(lab.creation, inputs);
        reference.seek(t);
        const seek = forkOf(nearest(checkpoints, t), seed);
        seek.seek(t);
        expect(seek.timeMs, `seed ${seed}`).toBe(Math.min(t, end));
        if (fingerprint(seek.lab) !== fingerprint(reference.lab)) throw new Error(`seed ${seed}: a seek to ${t} ms from a checkpoint differs from one from the start`);
        if (hiddenState(seek.lab) !== hiddenState(reference.lab)) throw new Error(`seed ${seed}: a seek to ${t} ms from a checkpoint holds what one from the start does not`);
      }
    }
    expect(compared).toBeGreaterThan(SEEDS * 10);
    // The chain shared pieces between checkpoints, dict keyframes among them (deltas were restored).
    expect(sharedPieces).toBeGreaterThan(SEEDS);
    expect(sharedKeyframes).toBeGreaterThan(SEEDS / 4);
    // drive() freezes nodes: a frozen node holding events cannot be forked (fork.ts), rarely.
    expect(refusedForks).toBeLessThan(compared / 20);
  }, 600_000);

  it("follows a live log whose last run of time grows after a seek (the run is merged into, not appended)", () => {
    for (let seed = 1; seed <= 3; seed++) {
      const { lab } = record(seed);
      const ids = lab.nodeIds().filter((id) => lab.isUp(id) && !lab.isFrozen(id));
      const cursor = ReplayCursor.start(lab.creation, lab.inputs);
      for (let round = 0; round < 20; round++) {
        // A seek while the lab stands at the end of a run of time, then more time merged into that
        // run, then an input: the input must land where the lab had it, after the longer run.
        lab.runUntil(lab.nowMs + 37);
        cursor.seek(lab.nowMs);
        lab.runUntil(lab.nowMs + 211);
        lab.command(ids[round % ids.length]!, "SET", `grow${round}`, String(lab.nowMs));
        cursor.seek(lab.nowMs);
        expect(cursor.timeMs).toBe(lab.nowMs);
        expect(fingerprint(cursor.lab), `seed ${seed}, round ${round}`).toBe(fingerprint(lab));
      }
    }
  });

  it("stops a cursor that would go back in time", () => {
    const { lab, inputs } = record(1);
    const cursor = ReplayCursor.start(lab.creation, inputs);
    cursor.seek(500);
    expect(() => cursor.seek(499)).toThrow(RangeError);
  });
});

describe("timeline: forks", () => {
  it("go on exactly as the original under the same inputs, and leave it untouched", () => {
    let made = 0;
    let refused = 0;
    for (let seed = 1; seed <= Math.ceil(SEEDS / 3); seed++) {
      const { lab, inputs, byInput } = record(seed);
      const cursor = ReplayCursor.start(lab.creation, inputs);
      const forks: { readonly cursor: ReplayCursor; readonly at: number }[] = [];
      for (let i = 0; i < inputs.length; i++) {
        cursor.step();
        for (const fork of forks) {
          fork.cursor.step();
          if (fingerprint(fork.cursor.lab) !== byInput[i]) throw new Error(`seed ${seed}: the fork made after input ${fork.at} differs after input ${i} (${inputs[i]!.op})`);
        }
        if (fingerprint(cursor.lab) !== byInput[i]) throw new Error(`seed ${seed}: forking changed the original (input ${i})`);
        if (i % 13 === 6) {
          const forked = cursor.fork();
          if (forked.ok) forks.push({ cursor: forked.cursor, at: i });
          else refused++;
        }
      }
      made += forks.length;
    }
    expect(refused).toBeLessThan(made / 10);
  }, 600_000);

  it("refuses a lab it cannot copy, and says why", () => {
    const lab = new Lab({ seed: 3 });
    const a = lab.addNode().id;
    const b = lab.addNode().id;
    lab.replicaOf(b, a);
    lab.runUntilIdle();
    lab.freeze(b);
    lab.command(a, "SET", "x", "1");
    lab.advance(50);
    expect(lab.heldEvents(b)).toBeGreaterThan(0);
    const forked = lab.fork();
    expect(forked.ok).toBe(false);
    if (!forked.ok) expect(forked.reason).toMatch(/function/);
  });
});

describe("timeline: branches", () => {
  it(`equal the original up to t, rebuild from their own log, follow the original's inputs, and differ after a new one (${SEEDS} random labs)`, () => {
    let refused = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { lab, inputs, byInput, byTime } = record(seed);
      const rng = Prng.fromSeed(`branch:${seed}`);
      const times = [...byTime.keys()];
      // Half at recorded moments (compared with the recording), half anywhere.
      const t = rng.chance(0.5) ? rng.pick(times) : rng.int(Math.floor(lab.nowMs) + 1) + 0.5;
      const cursor = ReplayCursor.start(lab.creation, inputs);
      cursor.seek(t);
      const log = cursor.log();
      const made = cursor.lab.fork({ inputs: log });
      if (!made.ok) {
        refused++;
        continue;
      }
      const branch = made.lab;
      const recorded = byTime.get(t);
      if (recorded !== undefined) expect(fingerprint(branch), `seed ${seed}: the branch at ${t} ms`).toBe(recorded);
      expect(fingerprint(Lab.replay(lab.creation, log)), `seed ${seed}: the branch's log`).toBe(fingerprint(branch));
      expect(branch.inputs.toArray()).toEqual(log);
      // Under the original's later inputs, the branch stays the original.
      const follower = forkOf(cursor, seed);
      while (follower.step()) {
        const i = follower.position - 1;
        if (fingerprint(follower.lab) !== byInput[i]) throw new Error(`seed ${seed}: the branch at ${t} ms differs from the original after its input ${i}`);
      }
      // A new input of its own: it differs, and its log (the prefix, then its inputs) rebuilds it.
      const before = fingerprint(branch);
      const node = branch.nodeIds().find((id) => branch.isUp(id));
      if (node === undefined) continue;
      branch.kill(node);
      expect(fingerprint(branch), `seed ${seed}`).not.toBe(before);
      branch.advance(250);
      expect(fingerprint(Lab.replay(lab.creation, branch.inputs.toArray())), `seed ${seed}: the branch's log after its own inputs`).toBe(fingerprint(branch));
    }
    expect(refused).toBeLessThan(SEEDS / 10);
  }, 600_000);
});
