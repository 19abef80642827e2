/**
 * The sequence diagram off the labs' thread (issue 12), over real sockets: while the diagram of an
 * earlier moment of a long lab (minutes of virtual history at 1,000 writes/s) is replayed from the
 * log's beginning, another lab answers PING on its RESP port as fast as ever, where the same
 * replay on the labs' thread (the old path, run here for the figure) holds a PING for all of it.
 * Then: a lab deleted while its diagram is read answers 404 `unknown-lab`, and a worker that exits
 * answers 500 `internal-error` (the lab untouched) while the next question is answered by a new one.
 * And the questions on the way are bounded: past 8 of one lab, or 32 in all, a new one is 503
 * `sequence-busy` at once, while those accepted are answered.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationRecorder, ReplayCursor, labPeers } from "@replica-lab/engine";
import type { ApiError, SequenceMessage, SequenceView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";
import { Pinger, longLab } from "../testing/pinger.ts";

/** Virtual history of the long lab, at 1,000 writes/s (SEQUENCE_TEST_HISTORY_MS sets a longer one to measure). */
const HISTORY_MS = Number(process.env.SEQUENCE_TEST_HISTORY_MS ?? 20_000);

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startApp());
}, 60_000);

afterAll(async () => {
  await app.close();
});

async function get<T>(url: string): Promise<{ status: number; json: T }> {
  const response = await app.inject({ method: "GET", url });
  return { status: response.statusCode, json: response.json<T>() };
}

describe("GET /api/labs/:lab/sequence on a worker thread", () => {
  it("keeps another lab's PING fast while an earlier moment of a long lab is replayed (the labs' thread stalled before)", async () => {
    const long = await longLab(app, HISTORY_MS);
    const end = long.clock.timeMs;
    const other = await createLab(app, { template: "one-master-two-replicas", seed: 8 });
    const pinger = await Pinger.open(other.nodes[0]!.respPort!);
    try {
      // The live edge first: the worker's replay then stands at the end, so the earlier moment
      // below is a replay from the log's beginning.
      const live = await get<SequenceView>(`/api/labs/${long.id}/sequence?raw=false&limit=50`);
      expect(live.status).toBe(200);
      expect(live.json.timeMs).toBe(end);
      expect(live.json.messages.length).toBe(50);

      const atMs = end - 1;
      const started = performance.now();
      const earlier = get<SequenceView>(`/api/labs/${long.id}/sequence?atMs=${atMs}&limit=20`);
      const beside = await pinger.during(earlier);
      const answer = await earlier;
      const workerMs = performance.now() - started;
      expect(answer.status).toBe(200);
      expect(answer.json.timeMs).toBe(atMs);
      expect(answer.json.lanes.map((l) => l.name)).toEqual(["A", "B", "C"]);
      expect(answer.json.messages.length).toBe(20);
      for (const m of answer.json.messages) expect(m.sentMs).toBeLessThanOrEqual(atMs);
      // The messages before the 20 newest (the stream's batches among them) are counted as left out.
      expect(answer.json.omitted).toBeGreaterThan(100);
      // The detail of one of them, at that moment, from the same replay.
      const newest = answer.json.messages[answer.json.messages.length - 1]!;
      const detail = await get<SequenceMessage>(`/api/labs/${long.id}/sequence/${newest.seq}?atMs=${atMs}`);
      expect(detail.status).toBe(200);
      expect(detail.json).toEqual(newest);

      // The old path: the same replay on this thread, which is also the labs' thread. A PING sent
      // as it starts (written to the socket at once, no turn between) waits for all of it.
      const runtime = app.labs.get(long.id);
      const pingDuringReplay = pinger.ping();
      const t0 = performance.now();
      const cursor = ReplayCursor.start(runtime.lab.creation, runtime.lab.inputs);
      const recorder = new ConversationRecorder(labPeers(cursor.lab), 20_000);
      cursor.lab.tapWire(recorder);
      recorder.observe(cursor.lab);
      cursor.seek(atMs);
      const inThreadMs = performance.now() - t0;
      const stalledPing = await pingDuringReplay;
      console.log(
        `sequence at ${atMs} ms of ${HISTORY_MS / 1000} s at 1,000 writes/s: on the worker ${workerMs.toFixed(0)} ms, another lab's PING p99 ${beside.p99.toFixed(1)} ms ` +
          `(max ${beside.max.toFixed(1)}, n=${beside.count}); on the labs' thread ${inThreadMs.toFixed(0)} ms, a PING sent as it started answered after ${stalledPing.toFixed(0)} ms`,
      );
      // Generous for a loaded 2-core machine (issue 12 asks p99 < 100 ms; 23 ms here at load ~12,
      // 98 ms at load ~15 beside the comparison's test); the old path holds a PING for the whole
      // replay (2.4 s at 20 s of history).
      expect(beside.p99).toBeLessThan(250);
      expect(stalledPing).toBeGreaterThan(beside.p99);
      expect(recorder.messages().find((m) => m.seq === newest.seq)).toEqual(newest);
    } finally {
      pinger.close();
    }
  }, 300_000);

  it("answers 404 unknown-lab for a lab deleted while its diagram is read", async () => {
    const lab = await createLab(app, { template: "one-master-two-replicas", seed: 10 });
    const reading = get<ApiError>(`/api/labs/${lab.id}/sequence`);
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
    const answer = await reading;
    expect([answer.status, answer.json.error.code]).toEqual([404, "unknown-lab"]);
  });

  it("answers 500 internal-error when the worker exits, the lab going on, and a new worker answers the next question", async () => {
    const failing = await startApp({ sequence: { entry: new URL("./sequence-worker-fixture.ts", import.meta.url) } });
    try {
      const lab = await createLab(failing.app, { template: "one-master-two-replicas", seed: 11 });
      const ask = (limit: number) => failing.app.inject({ method: "GET", url: `/api/labs/${lab.id}/sequence?limit=${limit}` });
      expect((await ask(2)).statusCode).toBe(200);
      const failed = await ask(1);
      expect([failed.statusCode, failed.json<ApiError>().error.code]).toEqual([500, "internal-error"]);
      const ping = await failing.app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/A/command`, payload: { argv: ["PING"] } });
      expect(ping.statusCode).toBe(200);
      expect((await ask(2)).statusCode).toBe(200);
    } finally {
      await failing.app.close();
    }
  });

  it("refuses questions past 8 of one lab or 32 in all with 503 sequence-busy, answering those it took", async () => {
    const slow = await startApp({ sequence: { entry: new URL("./sequence-worker-fixture.ts", import.meta.url) } });
    try {
      const labs: { id: string }[] = [];
      for (let i = 0; i < 5; i++) labs.push(await createLab(slow.app, { template: "empty", seed: 20 + i }));
      // limit=3: the fixture answers after 300 ms, so every question below is still on the way
      // when the next one comes.
      const ask = (labId: string) => slow.app.inject({ method: "GET", url: `/api/labs/${labId}/sequence?limit=3` });
      const outcome = async (answers: Promise<Awaited<ReturnType<typeof ask>>>[]) =>
        (await Promise.all(answers)).map((r) => (r.statusCode === 200 ? 200 : `${r.statusCode} ${r.json<ApiError>().error.code}`));

      const oneLab = await outcome(Array.from({ length: 10 }, () => ask(labs[0]!.id)));
      expect(oneLab).toEqual([...Array<number>(8).fill(200), "503 sequence-busy", "503 sequence-busy"]);

      // 4 labs x 8 fill the server's 32; a fifth lab's first question is refused too.
      const all = await outcome([...labs.slice(0, 4).flatMap((lab) => Array.from({ length: 8 }, () => ask(lab.id))), ask(labs[4]!.id)]);
      expect(all.filter((s) => s === 200).length).toBe(32);
      expect(all.at(-1)).toBe("503 sequence-busy");

      // Once answered, questions are taken again.
      expect((await ask(labs[4]!.id)).statusCode).toBe(200);
    } finally {
      await slow.app.close();
    }
  });
});
