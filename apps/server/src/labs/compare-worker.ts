/**
 * The comparison's worker thread (issue 10, issue 12): replays a lab's input log under each node
 * kind asked for, away from the thread that runs the labs, so a long story told five times stalls
 * no lab's RESP replies or WebSocket updates.
 *
 * It keeps a copy of each lab's log it was sent, so a live lab growing by a few inputs costs a
 * few inputs of copying, not the whole log again (`compare-worker-pool.ts` says what is sent).
 */
import { randomBytes } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { setKeyHashSecret, compareProtocols, differencesOf, type LabInput, type LabOrigin } from "@replica-lab/engine";
import type { CompareJob, CompareWorkerReply, CompareWorkerRequest } from "./compare-worker-pool.ts";

// The replays here hold keys that clients chose: their dicts hash with a secret of this thread's own (see main.ts).
setKeyHashSecret(randomBytes(8));

interface HeldLog {
  readonly origin: LabOrigin;
  readonly inputs: LabInput[];
}

const logs = new Map<string, HeldLog>();

/** The lab's log as the pool says it stands: entries from `from` on are replaced by those sent. */
function updated(job: CompareJob): HeldLog {
  let held = logs.get(job.labId);
  if (job.from === 0 || held === undefined) {
    if (job.from !== 0) throw new Error(`the worker holds no log for lab ${job.labId} to extend from entry ${job.from}`);
    held = { origin: job.origin, inputs: [] };
    logs.set(job.labId, held);
  }
  if (held.inputs.length < job.from) throw new Error(`the worker holds ${held.inputs.length} entries of lab ${job.labId}'s log, not ${job.from}`);
  held.inputs.length = job.from;
  for (const input of job.inputs) held.inputs.push(input);
  return held;
}

function handle(request: CompareWorkerRequest): CompareWorkerReply | null {
  switch (request.op) {
    case "forget":
      logs.delete(request.labId);
      return null;
    case "append":
      updated(request.job);
      return null;
    case "compare": {
      const held = updated(request.job);
      const lanes = compareProtocols(held.origin, held.inputs, request.atMs, request.versions);
      return { id: request.id, ok: true, view: { timeMs: request.atMs, names: request.names, lanes, differences: differencesOf(lanes, request.names) } };
    }
  }
}

parentPort!.on("message", (request: CompareWorkerRequest) => {
  let reply: CompareWorkerReply | null;
  try {
    reply = handle(request);
  } catch (error) {
    // A log the worker cannot follow is forgotten: the comparison that needs it fails (an append
    // has nobody to answer; the compare after it finds no log), and the pool sends it whole next.
    if (request.op !== "forget") logs.delete(request.job.labId);
    reply = request.op === "compare" ? { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } : null;
  }
  if (reply !== null) parentPort!.postMessage(reply);
});
