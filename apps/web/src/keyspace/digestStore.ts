/**
 * Every node's dataset digest (DEBUG DIGEST), for the cards: one poll of `GET …/digests` for the
 * whole lab while at least one card shows a digest, so a replica in sync visibly shows its
 * master's digest. The digests are the server's live data (the timeline's past moments included).
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { DigestsAnswer } from "@replica-lab/protocol";
import { sendRest } from "../api/rest.ts";

/** Often enough to see a write arrive on the replicas, rare enough to cost the server nothing. */
export const DIGEST_POLL_MS = 1500;

interface DigestState {
  readonly labId: string | null;
  /** By node id: the hex digest, or null (down, not redis, too many keys). */
  readonly digests: Readonly<Record<string, string | null>>;
}

export const digestStore = createStore<DigestState>(() => ({ labId: null, digests: {} }));

let holders = 0;
let polledLab: string | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
let inFlight = false;

async function poll(labId: string): Promise<void> {
  if (inFlight) return;
  inFlight = true;
  try {
    const answer = (await sendRest({ method: "GET", path: `/api/labs/${encodeURIComponent(labId)}/digests` })) as DigestsAnswer;
    if (polledLab === labId) digestStore.setState({ labId, digests: answer.digests });
  } catch {
    // The next poll tries again; a card keeps its last digest meanwhile.
  } finally {
    inFlight = false;
  }
}

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

/** Starts polling `labId` (if no card did yet); the returned function lets go of it. */
export function retainDigests(labId: string): () => void {
  holders++;
  if (polledLab !== labId) {
    stop();
    polledLab = labId;
    digestStore.setState({ labId, digests: {} });
  }
  if (timer === null) {
    void poll(labId);
    timer = setInterval(() => void poll(labId), DIGEST_POLL_MS);
  }
  return () => {
    holders--;
    if (holders === 0) {
      stop();
      polledLab = null;
    }
  };
}

/** A node's digest: undefined before the first answer, null when the server has none to give. */
export function useDigest(labId: string | null, nodeId: string): string | null | undefined {
  return useStore(digestStore, (s) => (s.labId === labId ? s.digests[nodeId] : undefined));
}
