/**
 * The lessons a server offers: every `*.json` of the lessons folder, read and checked once at
 * start. A file with a mistake stops the server with the file's name and the path of the wrong
 * value (a lesson author sees it at once, and no half-read lesson reaches a classroom). A lesson
 * whose node kinds the engine lacks is listed but marked unavailable, with the kinds it waits for.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_VERSIONS } from "@replica-lab/engine";
import type { LessonDefinition, LessonSummary } from "@replica-lab/protocol";
import { parseLessonFile } from "./lesson-file.ts";

/** The repository's `lessons/` folder. */
export const DEFAULT_LESSONS_DIR = fileURLToPath(new URL("../../../../lessons/", import.meta.url));

/** The lessons, by id, in order, each marked available or not for this engine's kinds. */
export class LessonCatalogue {
  private readonly byId = new Map<string, LessonDefinition>();

  constructor(lessons: readonly LessonDefinition[], available: readonly string[] = NODE_VERSIONS) {
    for (const lesson of [...lessons].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id))) {
      if (this.byId.has(lesson.id)) throw new Error(`two lessons have the id ${lesson.id}`);
      const missingKinds = lesson.kinds.filter((kind) => !available.includes(kind));
      this.byId.set(lesson.id, { ...lesson, available: missingKinds.length === 0, missingKinds });
    }
  }

  /** Reads every `*.json` in `dir` (README and schema files are not lessons). */
  static load(dir: string = DEFAULT_LESSONS_DIR): LessonCatalogue {
    const files = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
    const lessons = files.map((name) => parseLessonFile(name, readFileSync(join(dir, name), "utf8")));
    return new LessonCatalogue(lessons);
  }

  list(): LessonSummary[] {
    return [...this.byId.values()].map(summaryOf);
  }

  get(id: string): LessonDefinition | undefined {
    return this.byId.get(id);
  }

  all(): LessonDefinition[] {
    return [...this.byId.values()];
  }
}

function summaryOf(lesson: LessonDefinition): LessonSummary {
  const { setup: _setup, steps: _steps, ...summary } = lesson;
  return summary;
}
