/**
 * Where the lab is waiting on a timer, with how long is left, so a node that sits still says why:
 * a master holding a diskless full sync for `repl-diskless-sync-delay` (more replicas may join the
 * same transfer), and a replica whose master went silent, counting towards `repl-timeout`. Pure:
 * computed from a node's snapshot, the event log and the lab clock.
 */
import type { LabEvent, NodeSnapshot } from "@replica-lab/protocol";

/** One wait on a timer, and how long is left in whole seconds. */
export type WaitNote =
  /** `seconds` left before the fork (0: at the next cron second). */
  | { readonly kind: "diskless-delay"; readonly seconds: number; readonly delay: number }
  | { readonly kind: "repl-timeout"; readonly seconds: number; readonly silent: number; readonly timeout: number };

/** What the node waits for now (a node that is down or of another kind: nothing). */
export function waitNotes(node: NodeSnapshot, events: readonly LabEvent[], nowMs: number): WaitNote[] {
  if (node.status !== "up" || node.protocol !== "redis-psync2") return [];
  const notes: WaitNote[] = [];
  const delay = node.config.replDisklessSyncDelay;
  const waiting = node.replicas.filter((r) => r.state === "wait_bgsave").map((r) => r.address);
  if (node.config.replDisklessSync && delay > 0 && waiting.length > 0) {
    // The fork waits for the replica that has waited longest (redis's max idle in replicationCron).
    const since = waitingSince(node.id, waiting, events);
    if (since !== null) notes.push({ kind: "diskless-delay", seconds: Math.max(0, Math.ceil((since + delay * 1000 - nowMs) / 1000)), delay });
  }
  const silent = node.masterLastIoSecAgo;
  const timeout = node.config.replTimeout;
  // A master pings every repl-ping-replica-period seconds: only a longer silence is worth a word.
  if (node.linkUp && silent !== null && silent > node.config.replPingReplicaPeriod + 1 && silent < timeout) {
    notes.push({ kind: "repl-timeout", seconds: timeout - silent, silent, timeout });
  }
  return notes;
}

/** When the earliest of these replicas entered wait_bgsave on this master, by the event log. */
function waitingSince(masterId: string, addresses: readonly string[], events: readonly LabEvent[]): number | null {
  let earliest: number | null = null;
  for (const address of addresses) {
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]!;
      if (event.nodeId !== masterId || event.detail.kind !== "replica-state" || event.detail.peer !== address) continue;
      if (event.detail.state === "wait_bgsave") earliest = earliest === null ? event.timeMs : Math.min(earliest, event.timeMs);
      break;
    }
  }
  return earliest;
}
