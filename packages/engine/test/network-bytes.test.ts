/**
 * The machine's count of bytes between processes (written, not yet read: in flight, held by a
 * partition, waiting for a frozen node, held unread by a loading replica) is kept by the world as
 * connections change (World.networkUnread), not summed at every event. After every input of random
 * labs (writes, client pipelines, kills, restarts, freezes, partitions, closed connections), and in
 * a fork, it must equal the sum over the connections the world holds.
 */
import { describe, expect, it } from "vitest";
import type { Lab } from "../src/index.ts";
import type { SimConnection } from "../src/sim/connection.ts";
import { drive, randomLab } from "./random-lab.ts";

/** The independent sum: every live connection's two directions. */
function summed(lab: Lab): number {
  const world = (lab as unknown as { world: { liveConnections(): SimConnection[] } }).world;
  let bytes = 0;
  for (const conn of world.liveConnections()) bytes += conn.dirs[0].unread + conn.dirs[1].unread;
  return bytes;
}

describe("the machine's network bytes", () => {
  it("equal the sum over live connections after every input of 40 random labs, and in a fork", () => {
    let nonZero = 0;
    let forks = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const lab = randomLab(seed);
      const unsubscribe = lab.inputs.subscribe(() => {
        const expected = summed(lab);
        if (expected > 0) nonZero++;
        expect(lab.memory().networkBytes, `seed ${seed}, input ${lab.inputs.length}`).toBe(expected);
      });
      drive(seed, lab);
      unsubscribe();
      // A lab some inputs cannot be copied from (see Lab.fork) is refused; the others are checked.
      const fork = lab.fork();
      if (!fork.ok) continue;
      forks++;
      expect(fork.lab.memory().networkBytes).toBe(summed(fork.lab));
      fork.lab.runUntilIdle();
      expect(fork.lab.memory().networkBytes).toBe(summed(fork.lab));
    }
    // Meaningful: bytes were often between processes when looked at.
    expect(nonZero).toBeGreaterThan(100);
    expect(forks).toBeGreaterThan(20);
  }, 120_000);
});
