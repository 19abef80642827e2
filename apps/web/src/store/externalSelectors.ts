/**
 * Selector hooks for external nodes (servers outside the lab), keyed by id like `selectors.ts`: a
 * card re-renders when its own server's observation changes, not when another's does.
 */
import type { ExternalEdgeView, ExternalNodeView } from "@replica-lab/protocol";
import { useApp } from "./store.ts";

export function useExternal(id: string | null): ExternalNodeView | undefined {
  return useApp((s) => (id === null ? undefined : s.lab.externals.nodes[id]));
}

export function useExternalEdge(id: string | null): ExternalEdgeView | undefined {
  return useApp((s) => (id === null ? undefined : s.lab.externals.edges[id]));
}

/** What to call a replication endpoint seen from an external server: a lab node's name, or the address. */
export function useAddressLabel(address: string | null): string | null {
  return useApp((s) => {
    if (address === null) return null;
    for (const id of s.lab.nodeIds) {
      const node = s.lab.nodes[id];
      if (node && node.address === address) return node.name;
    }
    return address;
  });
}
