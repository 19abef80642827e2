/**
 * A lesson lab stored and rebuilt by a new app on the same data directory goes on with its lesson:
 * the same step, "do it for me" remembered, the step's checks (events since the step began
 * included) holding as before, and next and back working from there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, expect, it } from "vitest";
import type { LabView, LessonProgress } from "@replica-lab/protocol";
import { startApp, waitFor } from "../testing/helpers.ts";
import { LabStore } from "../storage/lab-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dir: string): Promise<FastifyInstance> {
  const { app } = await startApp({ store: await LabStore.open(dir), persistence: { flushMs: 50 }, timeline: { pollMs: 0 } });
  expect(await app.persistence!.restore(app.timelines)).toEqual([]);
  return app;
}

async function call<T>(app: FastifyInstance, method: "GET" | "POST", url: string, payload?: Record<string, unknown>): Promise<T> {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json<T>();
}

const progressOf = (app: FastifyInstance, lab: string) => call<LessonProgress>(app, "GET", `/api/labs/${lab}/lesson`);

async function untilPassed(app: FastifyInstance, lab: string): Promise<LessonProgress> {
  let last: LessonProgress | null = null;
  await waitFor(async () => (last = await progressOf(app, lab)).passed, 30_000, "the step's checks");
  return last!;
}

it("survives a restart at the step it was on, and goes on (next, back) from there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-lesson-store-"));
  dirs.push(dir);
  let app = await open(dir);
  const lab = (await call<LabView>(app, "POST", "/api/labs", { lesson: "one-master-two-replicas" })).id;
  await untilPassed(app, lab);
  await call(app, "POST", `/api/labs/${lab}/lesson/next`);
  await call(app, "POST", `/api/labs/${lab}/lesson/do`);
  const before = await untilPassed(app, lab);
  expect(before.step).toBe(1);
  await app.close();

  app = await open(dir);
  try {
    const after = await progressOf(app, lab);
    expect(after.lessonId).toBe("one-master-two-replicas");
    expect(after.step).toBe(1);
    expect(after.done).toBe(true);
    expect(after.canBack).toBe(true);
    // The checks read events since the step began: the rebuilt lab has them at the same seqs.
    expect(after.checks.map((c) => c.pass)).toEqual(before.checks.map((c) => c.pass));
    expect(after.passed).toBe(true);
    expect((await call<LessonProgress>(app, "POST", `/api/labs/${lab}/lesson/next`)).step).toBe(2);
    expect((await call<LessonProgress>(app, "POST", `/api/labs/${lab}/lesson/back`)).step).toBe(1);
  } finally {
    await app.close();
  }
}, 120_000);
