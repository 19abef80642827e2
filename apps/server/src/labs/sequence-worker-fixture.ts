/**
 * A stand-in for `sequence-worker.ts` in tests: a diagram asked with `limit=1` makes the thread
 * exit (code 3) before it answers; any other is answered at once, with no messages.
 */
import { parentPort } from "node:worker_threads";
import type { SequenceWorkerReply, SequenceWorkerRequest } from "./sequence-worker-pool.ts";

parentPort!.on("message", (request: SequenceWorkerRequest) => {
  if (request.op !== "sequence") return;
  if (request.limit === 1) process.exit(3);
  parentPort!.postMessage({ id: request.id, ok: true, answer: { lanes: [], messages: [], omitted: 0 } } satisfies SequenceWorkerReply);
});
