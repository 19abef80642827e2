/**
 * The lesson API over a real app: the list, a lesson's file, `POST /api/labs { lesson }` starting a
 * lab at the first step (nodes with real RESP ports), next/do/back with their refusals, and "back"
 * rebuilding the lab from its log under the same id and ports. Time is driven by the clock's step,
 * not the wall clock, so the test does not wait for the diskless-sync delay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { ApiError, LabView, LessonDefinition, LessonProgress, LessonSummary } from "@replica-lab/protocol";
import { startApp } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import { LessonCatalogue } from "./lesson-catalogue.ts";
import { parseLessonFile } from "./lesson-file.ts";

let app: FastifyInstance;

/** A lesson for a node kind no engine has, to see it listed as unavailable. */
const FUTURE = parseLessonFile(
  "future.json",
  JSON.stringify({
    id: "future",
    order: 99,
    title: { en: "Future", zh: "未来" },
    summary: { en: "Needs a kind that does not exist.", zh: "需要一个不存在的节点类型。" },
    setup: [{ op: "add-node", name: "A", version: "9.9" }],
    steps: [{ id: "only", title: { en: "Only", zh: "唯一" }, text: { en: "Text.", zh: "文字。" } }],
  }),
);

beforeAll(async () => {
  const lessons = new LessonCatalogue([...LessonCatalogue.load().all(), FUTURE]);
  ({ app } = await startApp({ timing: { tickIntervalMs: 0 }, lessons }, true));
});

afterAll(async () => {
  await app.close();
});

async function post<T>(url: string, payload?: Record<string, unknown>): Promise<{ status: number; body: T }> {
  const response = await app.inject({ method: "POST", url, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json<T>() };
}

async function progress(labId: string): Promise<LessonProgress> {
  return (await app.inject({ method: "GET", url: `/api/labs/${labId}/lesson` })).json<LessonProgress>();
}

/** Steps virtual time until the step's checks hold (the clock's step runs the world at once). */
async function stepUntilPassed(labId: string): Promise<LessonProgress> {
  for (let i = 0; i < 120; i++) {
    const p = await progress(labId);
    if (p.passed) return p;
    await post(`/api/labs/${labId}/clock`, { action: "step", stepMs: 500 });
  }
  throw new Error(`lab ${labId}: the step's checks did not hold: ${JSON.stringify(await progress(labId))}`);
}

describe("GET /api/lessons", () => {
  it("lists every lesson with both languages, its node kinds and whether this engine has them", async () => {
    const response = await app.inject({ method: "GET", url: "/api/lessons" });
    expect(response.statusCode).toBe(200);
    const { lessons } = response.json<{ lessons: LessonSummary[] }>();
    const first = lessons.find((l) => l.id === "one-master-two-replicas")!;
    expect(first).toMatchObject({ title: { zh: "一主二仆" }, kinds: ["7.0"], available: true, missingKinds: [] });
    expect(first.summary.en.length).toBeGreaterThan(20);
    expect(first.summary.zh.length).toBeGreaterThan(10);
    expect(lessons.find((l) => l.id === "future")).toMatchObject({ available: false, missingKinds: ["9.9"] });
    expect(lessons.map((l) => l.order)).toEqual([...lessons.map((l) => l.order)].sort((a, b) => a - b));
    // The list is a summary: the steps come with the lesson itself.
    expect("steps" in first).toBe(false);
  });

  it("serves a lesson's steps, and 404s an unknown one", async () => {
    const lesson = (await app.inject({ method: "GET", url: "/api/lessons/chain" })).json<LessonDefinition>();
    expect(lesson.steps.map((s) => s.id)).toContain("break");
    const unknown = await app.inject({ method: "GET", url: "/api/lessons/nope" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ApiError>().error.code).toBe("unknown-lesson");
  });
});

describe("POST /api/labs { lesson }", () => {
  it("refuses an unknown lesson, a lesson with a template, and a lesson whose kind is missing", async () => {
    expect((await post<ApiError>("/api/labs", { lesson: "nope" })).body.error.code).toBe("unknown-lesson");
    const both = await post<ApiError>("/api/labs", { lesson: "chain", template: "empty" });
    expect([both.status, both.body.error.code]).toEqual([400, "bad-request"]);
    const future = await post<ApiError>("/api/labs", { lesson: "future" });
    expect([future.status, future.body.error.code]).toEqual([400, "bad-version"]);
  });

  it("starts at the first step; next waits for the checks; do it for me, then back rebuilds the previous step's lab", async () => {
    const created = await post<LabView>("/api/labs", { lesson: "one-master-two-replicas" });
    expect(created.status).toBe(201);
    const labId = created.body.id;
    expect(created.body.nodes.map((n) => [n.name, n.role])).toEqual([
      ["A", "master"],
      ["B", "master"],
      ["C", "master"],
    ]);
    const ports = created.body.nodes.map((n) => n.respPort);
    expect(ports.every((p) => typeof p === "number")).toBe(true);

    expect(await progress(labId)).toMatchObject({ lessonId: "one-master-two-replicas", step: 0, passed: true, canBack: false });
    expect((await post<ApiError>(`/api/labs/${labId}/lesson/back`)).body.error.code).toBe("lesson-not-ready");
    expect((await post<ApiError>(`/api/labs/${labId}/lesson/do`)).body.error.code).toBe("lesson-not-ready");

    // Step 1 waits for B to become A's replica.
    expect((await post<LessonProgress>(`/api/labs/${labId}/lesson/next`)).body).toMatchObject({ step: 1, passed: false, done: false });
    const refused = await post<ApiError>(`/api/labs/${labId}/lesson/next`);
    expect([refused.status, refused.body.error.code]).toEqual([409, "lesson-not-ready"]);
    expect((await post<LessonProgress>(`/api/labs/${labId}/lesson/do`)).body).toMatchObject({ step: 1, done: true });
    expect((await stepUntilPassed(labId)).checks.every((c) => c.pass)).toBe(true);
    expect((await post<LessonProgress>(`/api/labs/${labId}/lesson/next`)).body).toMatchObject({ step: 2, canBack: true });
    const lab = (await app.inject({ method: "GET", url: `/api/labs/${labId}` })).json<LabView>();
    expect(lab.nodes.find((n) => n.name === "B")!.role).toBe("replica");

    // Back: the lab as step 1 began (B a master again), same id, same ports.
    const back = await post<LessonProgress>(`/api/labs/${labId}/lesson/back`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ step: 1, passed: false, done: false });
    const rebuilt = (await app.inject({ method: "GET", url: `/api/labs/${labId}` })).json<LabView>();
    expect(rebuilt.nodes.map((n) => [n.name, n.role])).toEqual([
      ["A", "master"],
      ["B", "master"],
      ["C", "master"],
    ]);
    expect(rebuilt.nodes.map((n) => n.respPort)).toEqual(ports);
    expect(rebuilt.seed).toBe(created.body.seed);

    // The rebuilt lab is alive on its real ports, and the step can be played again.
    const client = await RespClient.connect(ports[1]!);
    try {
      expect(await client.text("SLAVEOF", "127.0.0.1", String(ports[0]))).toBe("OK");
    } finally {
      client.close();
    }
    expect((await stepUntilPassed(labId)).step).toBe(1);
  });

  it("answers unknown-lesson for a lab that plays none, and unknown-lab for no lab", async () => {
    const plain = await post<LabView>("/api/labs", { template: "empty" });
    const none = await app.inject({ method: "GET", url: `/api/labs/${plain.body.id}/lesson` });
    expect([none.statusCode, none.json<ApiError>().error.code]).toEqual([404, "unknown-lesson"]);
    const missing = await app.inject({ method: "GET", url: "/api/labs/nolab/lesson" });
    expect(missing.json<ApiError>().error.code).toBe("unknown-lab");
  });
});
