/**
 * A connection its caller closed is forgotten by the lab (issue 12, found by the RESP fuzzer): a lab
 * that has had thousands of short client connections (redis-cli invocations, a fuzzer, health
 * checks) holds no more than one that had none, so its memory and the cost of forking it for a
 * timeline checkpoint do not grow with every connection it ever had.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../src/index.ts";
import { NULL_ENDPOINT } from "../src/lab/endpoints.ts";

const CASE = new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGARBAGE\r\n*-5\r\n");

function forkBytes(lab: Lab): number {
  const fork = lab.fork();
  if (!fork.ok) throw new Error(fork.reason);
  return fork.bytes;
}

describe("connections closed by their caller", () => {
  it("leave nothing behind in the lab: a fork after 2,000 of them is as small as before", () => {
    const lab = new Lab({ seed: "closed-connections" });
    const node = lab.addNode({}).id;
    lab.runUntilIdle(30_000);
    // One connection that stays open, as a console would.
    const kept = lab.openConnection(node, "10.0.0.9:40000", NULL_ENDPOINT);
    kept.send(new TextEncoder().encode("PING\r\n"));
    lab.runUntilIdle(30_000);
    const before = forkBytes(lab);
    for (let i = 0; i < 2000; i++) {
      const connection = lab.openConnection(node, `10.0.0.1:${40000 + i}`, NULL_ENDPOINT);
      connection.send(CASE);
      lab.advance(1);
      // Half of them closed before the node answered, half after.
      if (i % 2 === 0) connection.close();
      lab.advance(1);
      connection.close();
    }
    lab.runUntilIdle(30_000);
    const after = forkBytes(lab);
    expect(kept.closed).toBe(false);
    expect(after).toBeLessThan(before + 4096);
    // The lab still replays to the same state.
    expect(Lab.replay(lab.creation, lab.inputs.toArray()).snapshot().nodes.length).toBe(1);
  });
});
