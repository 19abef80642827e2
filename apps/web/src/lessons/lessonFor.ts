/** Which lesson a glossary term links to: the lessons say which terms they show (`terms`). */
import type { GlossaryTerm, LessonSummary } from "@replica-lab/protocol";

/** The first available lesson (by order) that shows the term. */
export function lessonFor(term: GlossaryTerm, catalogue: readonly LessonSummary[]): LessonSummary | null {
  return catalogue.find((lesson) => lesson.available && lesson.terms.some((entry) => entry.term === term)) ?? null;
}
