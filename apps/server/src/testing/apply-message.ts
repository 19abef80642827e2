/**
 * A reference client of the stream protocol: applies each server message to the copy of the lab a
 * client holds, as the web app must. Tests use it to prove that snapshot + updates reproduce the
 * server's state exactly.
 */
import type { LabView, ServerMessage } from "@replica-lab/protocol";

/** A client's copy of a lab. */
export type HeldLab = LabView;

export function applyMessage(held: HeldLab | null, message: ServerMessage): HeldLab | null {
  switch (message.type) {
    case "snapshot":
      return message.lab;
    case "update": {
      if (held === null) throw new Error("an update before the snapshot");
      const removed = new Set<string>(message.removedNodeIds);
      const patches = new Map(message.nodePatches.map((p) => [p.id, p.changes]));
      const nodes = held.nodes.filter((n) => !removed.has(n.id)).map((n) => {
        const changes = patches.get(n.id);
        // A patch only holds fields of the node's own kind (NodeSnapshot is a union by protocol).
        return changes ? ({ ...n, ...changes } as typeof n) : n;
      });
      for (const node of message.nodes) if (!nodes.some((n) => n.id === node.id)) nodes.push(node);
      return {
        ...held,
        clock: message.clock,
        nodes,
        edges: message.edges ?? held.edges,
        links: message.links ?? held.links,
        writeLoads: message.writeLoads ?? held.writeLoads,
        externalNodes: message.externalNodes ?? held.externalNodes ?? [],
        externalEdges: message.externalEdges ?? held.externalEdges ?? [],
        lastEventSeq: message.lastEventSeq,
      };
    }
    case "lab-deleted":
      return null;
    default:
      return held;
  }
}
