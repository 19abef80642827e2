/**
 * Selector hooks keyed by id: a component for node "n2" re-renders when n2's snapshot changes and
 * not when any other node does.
 */
import type { NodeSnapshot, ReplicationEdgeSnapshot } from "@replica-lab/protocol";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "./store.ts";

export function useNode(id: string | null): NodeSnapshot | undefined {
  return useApp((s) => (id === null ? undefined : s.lab.nodes[id]));
}

export function useNodeName(id: string | null): string | null {
  return useApp((s) => (id === null ? null : (s.lab.nodes[id]?.name ?? null)));
}

export function useEdge(id: string | null): ReplicationEdgeSnapshot | undefined {
  return useApp((s) => (id === null ? undefined : s.lab.edges[id]));
}

/** The replication edge that starts at this replica, if any. */
export function useEdgeOfReplica(replicaId: string): ReplicationEdgeSnapshot | undefined {
  return useApp((s) => {
    for (const id of s.lab.edgeIds) {
      const edge = s.lab.edges[id];
      if (edge && edge.replicaId === replicaId) return edge;
    }
    return undefined;
  });
}

/** Node ids with names, for pickers; re-renders only when names or membership change. */
export function useNodeChoices(): readonly (readonly [id: string, name: string])[] {
  return useApp(
    useShallow((s) => s.lab.nodeIds.map((id) => `${id}\u0000${s.lab.nodes[id]?.name ?? id}`)),
  ).map((pair) => {
    const [id = "", name = ""] = pair.split("\u0000");
    return [id, name] as const;
  });
}

/** Names for a list of node ids (null ids fall back to the given address). */
export function useNames(ids: readonly (readonly [id: string | null, fallback: string])[]): readonly string[] {
  return useApp(useShallow((s) => ids.map(([id, fallback]) => (id === null ? fallback : (s.lab.nodes[id]?.name ?? fallback)))));
}

/** Is this node part of a replication cycle? */
export function useInCycle(nodeId: string): boolean {
  return useApp((s) => {
    for (const id of s.lab.edgeIds) {
      const edge = s.lab.edges[id];
      if (edge && edge.inCycle && (edge.replicaId === nodeId || edge.masterId === nodeId)) return true;
    }
    return false;
  });
}
