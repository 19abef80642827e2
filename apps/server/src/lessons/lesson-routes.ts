/**
 * Lesson routes: the lesson list and each lesson's file, and a lesson lab's progress with its step
 * actions (do it for me, next, back). `POST /api/labs` `{ lesson }` (in `lab-routes.ts`) starts a
 * lab at a lesson's first step.
 */
import type { FastifyPluginAsync } from "fastify";
import type { LessonDefinition, LessonProgress, LessonSummary } from "@replica-lab/protocol";
import { params } from "../http/schemas.ts";
import type { LessonService } from "./lesson-service.ts";

/** What the lesson routes need from `buildApp`. */
export interface LessonRoutesOptions {
  readonly lessons: LessonService;
}

const lessonParams = { type: "object", required: ["lesson"], properties: { lesson: { type: "string", minLength: 1, maxLength: 64 } } } as const;

/** `/lessons`, `/lessons/:lesson`, `/labs/:lab/lesson` and its step actions. */
export const lessonRoutes: FastifyPluginAsync<LessonRoutesOptions> = async (app, { lessons }) => {
  app.get("/lessons", async (): Promise<{ lessons: LessonSummary[] }> => ({ lessons: lessons.list() }));

  app.get<{ Params: { lesson: string } }>("/lessons/:lesson", { schema: { params: lessonParams } }, async (request): Promise<LessonDefinition> => lessons.lesson(request.params.lesson));

  app.get<{ Params: { lab: string } }>("/labs/:lab/lesson", { schema: { params: params.lab } }, async (request): Promise<LessonProgress> => lessons.progress(request.params.lab));

  const action = (path: string, run: (labId: string) => Promise<LessonProgress>): void => {
    app.post<{ Params: { lab: string } }>(`/labs/:lab/lesson/${path}`, { schema: { params: params.lab } }, async (request): Promise<LessonProgress> => run(request.params.lab));
  };
  action("do", (lab) => lessons.doItForMe(lab));
  action("next", (lab) => lessons.next(lab));
  action("back", (lab) => lessons.back(lab));
};
