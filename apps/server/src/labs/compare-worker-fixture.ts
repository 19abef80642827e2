/**
 * A stand-in for `compare-worker.ts` in tests: it answers by the first version asked for, so a
 * test can make the comparison's worker answer at once ("7.0"), slowly ("ssdb", 300 ms), report
 * an error ("2.6"), throw out of its handler ("2.8") or exit ("4.0").
 */
import { parentPort } from "node:worker_threads";
import type { CompareWorkerReply, CompareWorkerRequest } from "./compare-worker-pool.ts";

parentPort!.on("message", (request: CompareWorkerRequest) => {
  if (request.op !== "compare") return;
  const answer = (): void => {
    const reply: CompareWorkerReply = { id: request.id, ok: true, view: { timeMs: request.atMs, names: request.names, lanes: [], differences: [] } };
    parentPort!.postMessage(reply);
  };
  switch (request.versions[0]) {
    case "ssdb":
      setTimeout(answer, 300);
      return;
    case "2.6":
      parentPort!.postMessage({ id: request.id, ok: false, error: "told wrong" } satisfies CompareWorkerReply);
      return;
    case "2.8":
      throw new Error("a bug in the replay");
    case "4.0":
      process.exit(3);
      break;
    default:
      answer();
  }
});
