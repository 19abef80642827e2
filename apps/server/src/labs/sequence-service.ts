/**
 * The sequence diagram's messages and the protocol comparison for the labs a server holds
 * (issue 10). Both are read from replays of a lab's log with a wire tap, on labs of their own: the
 * hosted lab is never touched.
 *
 * Both replay a long lab's story for seconds, so both run on worker threads of their own, and no
 * lab's RESP replies or WebSocket updates wait for them: the comparison's (`compare-worker-pool.ts`)
 * and the diagram's (`sequence-worker-pool.ts`, which keeps one tapped replay per lab going
 * forward, so a diagram following the live edge costs only the inputs since its last answer).
 */
import { COMPARE_VERSIONS, type Lab, type NodeVersion, type WireMessage } from "@replica-lab/engine";
import type { CompareView, SequenceLane, SequenceView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { LabRegistry } from "./lab-registry.ts";
import { CompareWorkerPool, type ComparePoolOptions } from "./compare-worker-pool.ts";
import { KEPT_MESSAGES, SequenceWorkerPool, type SequencePoolOptions } from "./sequence-worker-pool.ts";

/** Messages a diagram answer holds at most. */
export const MAX_SEQUENCE_MESSAGES = 5000;

export class SequenceService {
  private readonly comparisons: CompareWorkerPool;
  private readonly diagrams: SequenceWorkerPool;

  constructor(
    private readonly registry: LabRegistry,
    compare: Partial<ComparePoolOptions> = {},
    sequence: Partial<SequencePoolOptions> = {},
  ) {
    const labOf = (id: string): Lab | undefined => (registry.has(id) ? registry.get(id).lab : undefined);
    this.comparisons = new CompareWorkerPool(labOf, compare);
    this.diagrams = new SequenceWorkerPool(labOf, sequence);
    registry.onDeleted((runtime) => {
      this.diagrams.forget(runtime.id);
      this.comparisons.forget(runtime.id);
    });
  }

  /**
   * The messages sent in [fromMs, atMs] (atMs: the lab's present by default), the newest `limit`.
   * With `raw: false` their bytes are left out (a diagram polling every second asks for them only
   * for the message selected, `message`), which keeps a live diagram's traffic small.
   */
  async sequence(labId: string, query: { readonly atMs?: number; readonly fromMs?: number; readonly limit?: number; readonly raw?: boolean }): Promise<SequenceView> {
    const lab = this.registry.get(labId).lab;
    const atMs = this.moment(lab, query.atMs);
    const limit = Math.min(query.limit ?? MAX_SEQUENCE_MESSAGES, MAX_SEQUENCE_MESSAGES);
    // Replayed on the diagram's worker thread: see sequence-worker-pool.ts.
    const answer = await this.diagrams.sequence(labId, lab, { atMs, fromMs: query.fromMs ?? 0, limit, raw: query.raw !== false });
    return { timeMs: atMs, lanes: lanesOf(answer.lanes, lab, answer.messages), messages: [...answer.messages], omitted: answer.omitted };
  }

  /** One message as it stood at `atMs` (a batch grows as writes join it), bytes included. */
  async message(labId: string, seq: number, atMs: number | undefined): Promise<WireMessage> {
    const lab = this.registry.get(labId).lab;
    const moment = this.moment(lab, atMs);
    const found = await this.diagrams.message(labId, lab, seq, moment);
    if (found === null) throw new ApiFailure("not-found", `no message ${seq} was sent by ${moment} ms (or it is older than the ${KEPT_MESSAGES} kept)`);
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

  /** Stops the workers (the server is closing). */
  async close(): Promise<void> {
    await Promise.all([this.comparisons.close(), this.diagrams.close()]);
  }

  private moment(lab: Lab, atMs: number | undefined): number {
    if (atMs === undefined) return lab.nowMs;
    if (atMs > lab.nowMs) throw new ApiFailure("bad-request", `${atMs} ms is after the lab's present (${lab.nowMs} ms)`);
    return atMs;
  }
}

/**
 * One lane per node of the lab then (`then`, the replay's), then per node of the lab now, then one
 * per outside address the messages name.
 */
function lanesOf(then: readonly SequenceLane[], lab: Lab, messages: readonly WireMessage[]): SequenceLane[] {
  const lanes = new Map<string, SequenceLane>();
  for (const lane of then) lanes.set(lane.id, lane);
  for (const id of lab.nodeIds()) {
    if (lanes.has(id)) continue;
    const node = lab.nodeSnapshot(id);
    lanes.set(id, { id, name: node.name, version: node.version });
  }
  for (const m of messages) {
    for (const end of [m.from, m.to]) if (!lanes.has(end)) lanes.set(end, { id: end, name: end, version: null });
  }
  return [...lanes.values()];
}
