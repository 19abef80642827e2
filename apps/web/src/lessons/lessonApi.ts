/** The lesson routes of the server's REST API (see `lessons/README.md`). */
import type { LabView, LessonDefinition, LessonProgress, LessonSummary } from "@replica-lab/protocol";
import { sendRest } from "../api/rest.ts";

const enc = encodeURIComponent;

/** Every lesson the server offers, in order. */
export async function listLessons(): Promise<LessonSummary[]> {
  return ((await sendRest({ method: "GET", path: "/api/lessons" })) as { lessons: LessonSummary[] }).lessons;
}

/** A lesson with its set-up and steps. */
export async function getLesson(id: string): Promise<LessonDefinition> {
  return (await sendRest({ method: "GET", path: `/api/lessons/${enc(id)}` })) as LessonDefinition;
}

/** A new lab at the lesson's first step. */
export async function createLessonLab(lessonId: string): Promise<LabView> {
  return (await sendRest({ method: "POST", path: "/api/labs", body: { lesson: lessonId } })) as LabView;
}

/** The lab's progress through its lesson, checks evaluated now (404 unknown-lesson: it plays none). */
export async function getProgress(labId: string): Promise<LessonProgress> {
  return (await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/lesson` })) as LessonProgress;
}

/** do (do it for me), next or back. */
export async function stepAction(labId: string, action: "do" | "next" | "back"): Promise<LessonProgress> {
  return (await sendRest({ method: "POST", path: `/api/labs/${enc(labId)}/lesson/${action}` })) as LessonProgress;
}
