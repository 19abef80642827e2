/**
 * The link changes both randomized simulations (`simulation.test.ts`, `ssdb/ssdb-simulation.ts`)
 * make: a partition or its heal, a latency change, between a node and another picked at random.
 */
import type { Lab, NodeId, Prng } from "../src/index.ts";

/**
 * Changes the link between `id` and another node of `ids`: `cut` partitions or heals it (even
 * odds), `latency` sets 0–199 ms. `beforeCut` runs just before a partition. Returns the log line.
 */
export function randomLinkChange(lab: Lab, rng: Prng, change: "cut" | "latency", id: NodeId, ids: readonly NodeId[], name: (id: NodeId) => string, beforeCut?: () => void): string {
  const other = rng.pick(ids.filter((o) => o !== id));
  if (change === "latency") {
    const latencyMs = rng.int(200);
    lab.setLink(id, other, { latencyMs });
    return `${name(id)}-${name(other)}: latency ${latencyMs}`;
  }
  const partitioned = rng.chance(0.5);
  if (partitioned) beforeCut?.();
  lab.setLink(id, other, { partitioned });
  return `${name(id)}-${name(other)}: ${partitioned ? "partition" : "heal"}`;
}
