/**
 * The sequence diagram's messages and the protocol comparison for the labs a server holds
 * (issue 10). Both are read from replays of a lab's log with a wire tap, on labs of their own: the
 * hosted lab is never touched.
 *
 * A diagram that follows the live edge asks again and again for a later moment, so each lab keeps
 * one tapped replay (`hot`) that only goes forward; asking for an earlier moment than it stands
 * at starts a new one from the log's beginning (the past does not change, so the answer is the
 * same; a checkpoint cannot be reused, since a tap must see every byte from the start). A replay
 * holds a whole copy of its lab, so one nobody asked for in 5 minutes is dropped.
 *
 * The comparison replays the whole story once per version, seconds for a long lab, so it runs on
 * a worker thread (`compare-worker-pool.ts`); the diagram's replay stays here, since it only moves
 * forward from where the last answer left it.
 */
import {
  COMPARE_VERSIONS,
  ConversationRecorder,
  ReplayCursor,
  labPeers,
  type Lab,
  type NodeVersion,
  type WireMessage,
} from "@replica-lab/engine";
import type { CompareView, SequenceLane, SequenceView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { LabRegistry } from "./lab-registry.ts";
import { CompareWorkerPool, type ComparePoolOptions } from "./compare-worker-pool.ts";

/** Messages a diagram answer holds at most. */
export const MAX_SEQUENCE_MESSAGES = 5000;
/** Messages a tapped replay keeps (older ones are dropped, counted in `omitted`). */
const KEPT_MESSAGES = 20_000;

/** A replay nobody asked for in this long (wall ms) is dropped: it holds a whole copy of its lab. */
const IDLE_REPLAY_MS = 5 * 60_000;

interface TappedReplay {
  readonly cursor: ReplayCursor;
  readonly recorder: ConversationRecorder;
  usedAt: number;
}

export class SequenceService {
  private readonly hot = new Map<string, TappedReplay>();
  private readonly comparisons: CompareWorkerPool;

  constructor(
    private readonly registry: LabRegistry,
    compare: Partial<ComparePoolOptions> = {},
  ) {
    this.comparisons = new CompareWorkerPool((id) => (registry.has(id) ? registry.get(id).lab : undefined), compare);
    registry.onDeleted((runtime) => {
      this.hot.delete(runtime.id);
      this.comparisons.forget(runtime.id);
    });
  }

  /**
   * The messages sent in [fromMs, atMs] (atMs: the lab's present by default), the newest `limit`.
   * With `raw: false` their bytes are left out (a diagram polling every second asks for them only
   * for the message selected, `message`), which keeps a live diagram's traffic small.
   */
  sequence(labId: string, query: { readonly atMs?: number; readonly fromMs?: number; readonly limit?: number; readonly raw?: boolean }): SequenceView {
    const runtime = this.registry.get(labId);
    const lab = runtime.lab;
    const atMs = this.moment(lab, query.atMs);
    const replay = this.replayAt(labId, lab, atMs);
    const fromMs = query.fromMs ?? 0;
    const limit = Math.min(query.limit ?? MAX_SEQUENCE_MESSAGES, MAX_SEQUENCE_MESSAGES);
    const window = replay.recorder.messages().filter((m) => m.sentMs >= fromMs && m.sentMs <= atMs);
    window.sort((a, b) => a.sentMs - b.sentMs || a.seq - b.seq);
    const newest = window.length > limit ? window.slice(window.length - limit) : window;
    // Without bytes, a batch's words are left out too: the detail (`message`) has both.
    const messages = query.raw === false ? newest.map(({ items: _items, ...m }) => ({ ...m, raw: "" })) : newest;
    return {
      timeMs: atMs,
      lanes: lanesOf([replay.cursor.lab, lab], messages),
      messages,
      omitted: window.length - messages.length + replay.recorder.dropped,
    };
  }

  /** One message as it stood at `atMs` (a batch grows as writes join it), bytes included. */
  message(labId: string, seq: number, atMs: number | undefined): WireMessage {
    const lab = this.registry.get(labId).lab;
    const moment = this.moment(lab, atMs);
    const found = this.replayAt(labId, lab, moment)
      .recorder.messages()
      .find((m) => m.seq === seq && m.sentMs <= moment);
    if (found === undefined) throw new ApiFailure("not-found", `no message ${seq} was sent by ${moment} ms (or it is older than the ${KEPT_MESSAGES} kept)`);
    return found;
  }

  /**
   * The lab's story up to `atMs` told under each of `versions` (all kinds by default): each lane's
   * figures, resyncs, marks and timeline (every moment with the cost so far), and where they differ.
   */
  compare(labId: string, request: { readonly versions?: readonly NodeVersion[]; readonly atMs?: number }): Promise<CompareView> {
    const lab = this.registry.get(labId).lab;
    if (request.atMs !== undefined) this.moment(lab, request.atMs);
    // Told on a worker thread (seconds for a long story): see compare-worker-pool.ts.
    return this.comparisons.compare({ labId, atMs: request.atMs, versions: request.versions ?? COMPARE_VERSIONS });
  }

  /** Stops the comparison's worker (the server is closing). */
  close(): Promise<void> {
    return this.comparisons.close();
  }

  private moment(lab: Lab, atMs: number | undefined): number {
    if (atMs === undefined) return lab.nowMs;
    if (atMs > lab.nowMs) throw new ApiFailure("bad-request", `${atMs} ms is after the lab's present (${lab.nowMs} ms)`);
    return atMs;
  }

  private replayAt(labId: string, lab: Lab, atMs: number): TappedReplay {
    const now = performance.now();
    for (const [id, idle] of this.hot) if (now - idle.usedAt > IDLE_REPLAY_MS) this.hot.delete(id);
    let replay = this.hot.get(labId);
    if (replay === undefined || replay.cursor.timeMs > atMs) {
      const cursor = ReplayCursor.start(lab.creation, lab.inputs);
      const recorder = new ConversationRecorder(labPeers(cursor.lab), KEPT_MESSAGES);
      cursor.lab.tapWire(recorder);
      // Never stopped: the replay (and its subscription) goes with the entry.
      recorder.observe(cursor.lab);
      replay = { cursor, recorder, usedAt: now };
      this.hot.set(labId, replay);
    }
    replay.usedAt = now;
    replay.cursor.seek(atMs);
    return replay;
  }
}

/** One lane per node of the lab then (or now), then one per outside address the messages name. */
function lanesOf(labs: readonly Lab[], messages: readonly WireMessage[]): SequenceLane[] {
  const lanes = new Map<string, SequenceLane>();
  for (const lab of labs) {
    for (const id of lab.nodeIds()) {
      if (lanes.has(id)) continue;
      const node = lab.nodeSnapshot(id);
      lanes.set(id, { id, name: node.name, version: node.version });
    }
  }
  for (const m of messages) {
    for (const end of [m.from, m.to]) if (!lanes.has(end)) lanes.set(end, { id: end, name: end, version: null });
  }
  return [...lanes.values()];
}
