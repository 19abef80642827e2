/**
 * A stand-in for `sequence-worker.ts` in tests: a diagram asked with `limit=1` makes the thread
 * exit (code 3) before it answers; one asked with `limit=3` is answered after 300 ms (a slow
 * replay); any other is answered at once. The answers hold no messages.
 */
import { parentPort } from "node:worker_threads";
import type { SequenceWorkerReply, SequenceWorkerRequest } from "./sequence-worker-pool.ts";

parentPort!.on("message", (request: SequenceWorkerRequest) => {
  if (request.op !== "sequence") return;
  if (request.limit === 1) process.exit(3);
  const reply = { id: request.id, ok: true, answer: { lanes: [], messages: [], omitted: 0 } } satisfies SequenceWorkerReply;
  if (request.limit === 3) setTimeout(() => parentPort!.postMessage(reply), 300);
  else parentPort!.postMessage(reply);
});
