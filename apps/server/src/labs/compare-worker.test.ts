/**
 * The comparison off the labs' thread (issue 10, issue 12), over real sockets: while a long lab
 * (minutes of virtual history at 1,000 writes/s) is compared, another lab answers PING on its
 * RESP port as fast as ever, where the same replays on the labs' thread (the old path, run here
 * for the figure) hold every reply for seconds. Then the pool's rules: answers cached and shared,
 * a bounded queue (503 `compare-busy`), a lab deleted meanwhile (404 `unknown-lab`), and a worker
 * that errs, throws or exits (500 `internal-error`, the lab untouched, the next one answered).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPARE_VERSIONS, Lab, compareProtocols, decodeRecording, type NodeVersion } from "@replica-lab/engine";
import type { ApiError, CompareView } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import { createLab, sleep, startApp } from "../testing/helpers.ts";
import { Pinger, longLab } from "../testing/pinger.ts";
import { CompareWorkerPool } from "./compare-worker-pool.ts";

const FIXTURE = new URL("./compare-worker-fixture.ts", import.meta.url);
/** Virtual history of the long lab, at 1,000 writes/s (seconds of replays; COMPARE_TEST_HISTORY_MS sets a longer one to measure). */
const HISTORY_MS = Number(process.env.COMPARE_TEST_HISTORY_MS ?? 20_000);

let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApp({}, true));
}, 60_000);

afterAll(async () => {
  await app.close();
});

async function call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text === "" ? null : JSON.parse(text)) as T };
}

async function ok<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const answer = await call<T>(method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json;
}

describe("POST /api/labs/:lab/compare on a worker thread", () => {
  it("keeps another lab's PING fast while a long lab is compared (the labs' thread stalled before)", async () => {
    const long = await longLab(app, HISTORY_MS);
    const other = await createLab(app, { template: "one-master-two-replicas", seed: 8 });
    const pinger = await Pinger.open(other.nodes[0]!.respPort!);
    try {
      const started = performance.now();
      const compared = call<CompareView>("POST", `/api/labs/${long.id}/compare`, {});
      const beside = await pinger.during(compared);
      const answer = await compared;
      const workerMs = performance.now() - started;
      expect(answer.status).toBe(200);
      expect(answer.json.timeMs).toBe(long.clock.timeMs);
      expect(answer.json.lanes.map((l) => l.version)).toEqual([...COMPARE_VERSIONS]);

      // The old path: the same replays on this thread, which is also the labs' thread. A PING sent
      // as they start waits for all of them.
      const file = await ok<unknown>("GET", `/api/labs/${long.id}/export`);
      const recording = decodeRecording(file);
      if (!recording.ok) throw new Error(recording.error);
      // (The PING is written to the socket at once; the thread then replays without a turn between.)
      const pingDuringReplays = pinger.ping();
      const t0 = performance.now();
      compareProtocols(recording.recording.origin, recording.recording.inputs, long.clock.timeMs);
      const inThreadMs = performance.now() - t0;
      const stalledPing = await pingDuringReplays;
      console.log(
        `compare of ${HISTORY_MS / 1000} s at 1,000 writes/s: on the worker ${workerMs.toFixed(0)} ms, another lab's PING p99 ${beside.p99.toFixed(1)} ms ` +
          `(max ${beside.max.toFixed(1)}, n=${beside.count}); on the labs' thread ${inThreadMs.toFixed(0)} ms, a PING sent as it started answered after ${stalledPing.toFixed(0)} ms`,
      );
      // Generous for a loaded 2-core machine (issue 12 asks p99 < 100 ms); the old path holds a PING
      // for the whole replay.
      expect(beside.p99).toBeLessThan(100);
      expect(stalledPing).toBeGreaterThan(beside.p99);

      // The same question again is answered from the cache.
      const t1 = performance.now();
      const again = await call<CompareView>("POST", `/api/labs/${long.id}/compare`, {});
      expect(again.json).toEqual(answer.json);
      expect(performance.now() - t1).toBeLessThan(workerMs);
    } finally {
      pinger.close();
    }
  }, 300_000);

  it("answers 500 internal-error when the worker errs, throws or exits, and the lab goes on", async () => {
    const failing = await startApp({ compare: { entry: FIXTURE } });
    try {
      const lab = await createLab(failing.app, { template: "one-master-two-replicas", seed: 9 });
      const compare = (versions: NodeVersion[]) => failing.app.inject({ method: "POST", url: `/api/labs/${lab.id}/compare`, payload: { versions } });
      for (const version of ["2.6", "2.8", "4.0"] as const) {
        const failed = await compare([version]);
        expect(failed.statusCode).toBe(500);
        expect(failed.json<ApiError>().error.code).toBe("internal-error");
        const pong = await failing.app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${lab.nodes[0]!.id}/command`, payload: { argv: ["PING"] } });
        expect(pong.statusCode).toBe(200);
        // A new worker (or the same one, after a reported error) answers the next comparison.
        const fine = await compare(["7.0"]);
        expect(fine.statusCode).toBe(200);
      }
    } finally {
      await failing.app.close();
    }
  }, 60_000);
});

describe("the comparison pool", () => {
  /** A small real lab, rebuilt from its file, under the id `a` (and `b`). */
  async function labs(): Promise<Map<string, Lab>> {
    const view = await createLab(app, { template: "one-master-two-replicas", seed: 11 });
    const decoded = decodeRecording(await ok<unknown>("GET", `/api/labs/${view.id}/export`));
    if (!decoded.ok) throw new Error(decoded.error);
    const rebuild = (): Lab => Lab.replay(decoded.recording.origin, decoded.recording.inputs);
    return new Map([
      ["a", rebuild()],
      ["b", rebuild()],
    ]);
  }

  function codeOf(error: unknown): string {
    return error instanceof ApiFailure ? error.code : String(error);
  }

  it("caches answers, shares a run between equal questions and a waiting live one, and bounds the queue", async () => {
    const held = await labs();
    const pool = new CompareWorkerPool((id) => held.get(id), { entry: FIXTURE, maxQueued: 3, maxQueuedPerLab: 2 });
    try {
      const slow: readonly NodeVersion[] = ["ssdb"];
      const atMs = held.get("a")!.nowMs;
      // One runs; two equal fixed-moment questions share the next run; two live ones share another.
      const running = pool.compare({ labId: "b", atMs: undefined, versions: slow });
      const same = [pool.compare({ labId: "a", atMs: 1, versions: slow }), pool.compare({ labId: "a", atMs: 1, versions: slow })];
      const live = [pool.compare({ labId: "a", atMs: undefined, versions: slow }), pool.compare({ labId: "a", atMs: undefined, versions: slow })];
      // A third waiting question of lab a is over its share; one of lab b fits, then the queue is full.
      await expect(pool.compare({ labId: "a", atMs: 2, versions: slow })).rejects.toSatisfy((e) => codeOf(e) === "compare-busy");
      const third = pool.compare({ labId: "b", atMs: 2, versions: slow });
      await expect(pool.compare({ labId: "c", atMs: 2, versions: slow })).rejects.toSatisfy((e) => codeOf(e) === "unknown-lab");
      held.set("c", held.get("b")!);
      await expect(pool.compare({ labId: "c", atMs: 3, versions: slow })).rejects.toSatisfy((e) => codeOf(e) === "compare-busy");
      const answers = await Promise.all([running, ...same, ...live, third]);
      expect(answers[1]).toBe(answers[2]);
      expect(answers[3]).toBe(answers[4]);
      expect(answers[3]!.timeMs).toBe(atMs);
      expect(pool.runs).toBe(4);
      // Asked again: from the cache, no run.
      expect(await pool.compare({ labId: "a", atMs: 1, versions: slow })).toBe(answers[1]);
      expect(await pool.compare({ labId: "a", atMs: undefined, versions: slow })).toBe(answers[3]);
      expect(pool.runs).toBe(4);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("drops the answer of a lab deleted while it waited or ran", async () => {
    const held = await labs();
    const pool = new CompareWorkerPool((id) => held.get(id), { entry: FIXTURE });
    try {
      const running = pool.compare({ labId: "a", atMs: undefined, versions: ["ssdb"] });
      const waiting = pool.compare({ labId: "a", atMs: 0, versions: ["ssdb"] });
      const other = pool.compare({ labId: "b", atMs: undefined, versions: ["ssdb"] });
      const outcomes = [running, waiting].map((answer) => answer.then(() => "answered", codeOf));
      await sleep(50);
      held.delete("a");
      pool.forget("a");
      expect(await Promise.all(outcomes)).toEqual(["unknown-lab", "unknown-lab"]);
      expect((await other).timeMs).toBe(held.get("b")!.nowMs);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("sends a growing lab only what it lacks, and answers as the thread would", async () => {
    const held = await labs();
    const pool = new CompareWorkerPool((id) => held.get(id), { chunkEntries: 2 });
    try {
      const lab = held.get("a")!;
      const first = await pool.compare({ labId: "a", atMs: undefined, versions: COMPARE_VERSIONS });
      lab.command(lab.nodeIds()[0]!, "SET", "k", "v");
      lab.runUntil(lab.nowMs + 2000);
      const later = await pool.compare({ labId: "a", atMs: undefined, versions: COMPARE_VERSIONS });
      expect(later.timeMs).toBeGreaterThan(first.timeMs);
      expect(later.lanes).toEqual(JSON.parse(JSON.stringify(compareProtocols(lab.creation, lab.inputs.toArray(), lab.nowMs))));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
