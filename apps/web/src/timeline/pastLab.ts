/**
 * The lab data shown for a past moment, built from the server's answer with the same reducer the
 * stream uses. It starts from what is on screen, so nodes that did not change between two moments
 * keep their objects (and their components stay asleep), but it holds only that moment's events.
 */
import { PROTOCOL_VERSION } from "@replica-lab/protocol";
import { reduceLabMessages, type LabData, type ReplidChange } from "../store/labData.ts";
import type { MomentData } from "./timelineApi.ts";

/** The replication ids each node was seen with up to `atMs` (the rest had not happened yet). */
export function replidsUntil(history: LabData["replidHistory"], atMs: number): LabData["replidHistory"] {
  const out: Record<string, readonly ReplidChange[]> = {};
  for (const [id, list] of Object.entries(history)) {
    const kept = list.filter((change) => change.seenAtMs <= atMs);
    if (kept.length > 0) out[id] = kept.length === list.length ? list : kept;
  }
  return out;
}

/**
 * The lab at a moment. `shown` is what the screen shows now (for identity), `live` the live copy
 * (for the replication ids seen so far).
 */
export function labAtMoment(shown: LabData, live: LabData, moment: MomentData): LabData {
  const base: LabData = {
    ...shown,
    labId: moment.snapshot.id,
    // Starting from an empty log makes the reducer take the moment's events as they are, rather
    // than merging them with later ones or treating a smaller sequence as a restarted lab.
    lastEventSeq: 0,
    events: [],
    droppedEvents: 0,
    replidHistory: replidsUntil(live.replidHistory, moment.timeMs),
    needsResync: false,
    deleted: false,
  };
  return reduceLabMessages(base, [{ type: "snapshot", protocol: PROTOCOL_VERSION, lab: moment.snapshot, events: moment.events }]);
}
