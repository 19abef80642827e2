/**
 * The start and end of the stories the sequence tests tell (issue 10's default story and its
 * variants): A the master of B and C; at the end, the partition between A and C heals, A is killed,
 * B is promoted and C is pointed at B.
 */
import { Lab } from "../src/lab/lab.ts";
import type { NodeId } from "../src/lab/types.ts";

/** The end. */
export function healKillAndPromote(lab: Lab, a: NodeId, b: NodeId, c: NodeId): void {
  lab.setLink(a, c, { partitioned: false });
  lab.runUntilIdle(60_000);
  lab.advance(2000);
  lab.kill(a);
  lab.advance(2500);
  lab.replicaOf(b, null);
  lab.replicaOf(c, b);
  lab.runUntilIdle(60_000);
}

/** The start: a lab of its own with A the master of B and C, synced. */
export function masterAndTwoReplicas(seed: string): { readonly lab: Lab; readonly a: NodeId; readonly b: NodeId; readonly c: NodeId } {
  const lab = new Lab({ seed });
  const a = lab.addNode({ name: "A" }).id;
  const b = lab.addNode({ name: "B" }).id;
  const c = lab.addNode({ name: "C" }).id;
  lab.replicaOf(b, a);
  lab.replicaOf(c, a);
  lab.runUntilIdle(60_000);
  return { lab, a, b, c };
}
