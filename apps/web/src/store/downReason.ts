/**
 * Why a node is down, read back from the event log: killed (a crash) or shut down (the graceful
 * exit, which saved dump.rdb first or not). The snapshot only says "down"; the lesson is in the
 * difference, so the card and the inspector say which one it was.
 */
import type { LabEvent } from "@replica-lab/protocol";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "./store.ts";

export type DownReason =
  | { readonly kind: "killed" }
  /** `savedKeys`: the keys the exit wrote to dump.rdb, or null when it exited without saving. */
  | { readonly kind: "shutdown"; readonly savedKeys: number | null };

/**
 * The reason of the node's latest exit, from the newest events backwards; null when the log holds
 * none (or the node started again since).
 */
export function downReasonOf(events: readonly LabEvent[], nodeId: string): DownReason | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.nodeId !== nodeId) continue;
    switch (event.detail.kind) {
      case "killed":
        return { kind: "killed" };
      case "exited": {
        // SHUTDOWN records its save just before the exit; SHUTDOWN NOSAVE (or no save points) does not.
        const before = previousOf(events, i, nodeId);
        const saved = before !== null && before.detail.kind === "persistence" && before.detail.action === "save" ? before.detail.keys : null;
        return { kind: "shutdown", savedKeys: saved };
      }
      case "restarted":
      case "node-added":
        return null;
      default:
        continue;
    }
  }
  return null;
}

function previousOf(events: readonly LabEvent[], index: number, nodeId: string): LabEvent | null {
  for (let i = index - 1; i >= 0; i--) if (events[i]!.nodeId === nodeId) return events[i]!;
  return null;
}

/** The reason as one word, for `data-reason` attributes and class names. */
export function downReasonKey(reason: DownReason): "killed" | "shutdown" | "shutdown-nosave" {
  if (reason.kind === "killed") return "killed";
  return reason.savedKeys === null ? "shutdown-nosave" : "shutdown";
}

/** The reason a down node is down; null while it is up, or when the log no longer says. */
export function useDownReason(nodeId: string): DownReason | null {
  return useApp(useShallow((s) => (s.lab.nodes[nodeId]?.status === "down" ? downReasonOf(s.lab.events, nodeId) : null)));
}
