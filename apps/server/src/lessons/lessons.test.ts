/**
 * Every lesson of `lessons/`, played on a bare engine lab in virtual time with the same player and
 * check evaluator the server uses. For each step: a "try it yourself" step's checks must not hold
 * before the user acts (they wait for the action, not for time), "do it for me" must make them
 * hold within a minute of virtual time, and every step must be passable. A lesson whose node kinds
 * the engine lacks must be listed as waiting for exactly those kinds (and is played once they exist).
 */
import { describe, expect, it } from "vitest";
import { Lab, NODE_VERSIONS } from "@replica-lab/engine";
import type { CheckStatus, LessonDefinition } from "@replica-lab/protocol";
import { EngineDriver } from "./engine-driver.ts";
import { LessonCatalogue } from "./lesson-catalogue.ts";
import { LessonPlayer } from "./lesson-player.ts";

const catalogue = LessonCatalogue.load();
/** Virtual time a step may take to pass (the diskless-sync delay is 5 s; reconnects retry each second). */
const STEP_LIMIT_MS = 60_000;
const TICK_MS = 100;

function failing(lesson: LessonDefinition, player: LessonPlayer, checks: readonly CheckStatus[]): string {
  const step = lesson.steps[player.step]!;
  return checks
    .map((c, i) => (c.pass ? null : `${step.id} check ${i} ${JSON.stringify(step.checks[i])} found ${c.actual}`))
    .filter((line) => line !== null)
    .join("\n");
}

/** Advances virtual time until the step's checks hold; returns the ms it took. */
function runUntilPassed(lab: Lab, player: LessonPlayer, lesson: LessonDefinition): number {
  const start = lab.nowMs;
  for (;;) {
    const progress = player.progress();
    if (progress.passed) return lab.nowMs - start;
    if (lab.nowMs - start >= STEP_LIMIT_MS) throw new Error(`${lesson.id}: step did not pass within ${STEP_LIMIT_MS} ms:\n${failing(lesson, player, progress.checks)}`);
    lab.advance(TICK_MS);
  }
}

describe("lesson files", () => {
  it("all read, with unique ids and steps in both languages", () => {
    const lessons = catalogue.all();
    expect(lessons.length).toBeGreaterThanOrEqual(6);
    for (const lesson of lessons) {
      for (const step of lesson.steps) {
        expect(step.text.en.trim()).not.toBe("");
        expect(step.text.zh.trim()).not.toBe("");
      }
    }
  });
});

for (const lesson of catalogue.all()) {
  const title = `lesson ${lesson.id} (${lesson.title.zh})`;
  if (!lesson.available) {
    // Played once the engine has the kinds; until then it is listed as waiting for exactly those.
    describe(title, () => {
      it(`is listed as needing node kind ${lesson.missingKinds.join(", ")}, which this engine lacks`, () => {
        expect(lesson.missingKinds.length).toBeGreaterThan(0);
        for (const kind of lesson.missingKinds) expect(NODE_VERSIONS as readonly string[]).not.toContain(kind);
      });
    });
    continue;
  }
  describe(title, () => {
    it("plays to the end by \"do it for me\", every check passing, and try-it-yourself checks wait for the user", async () => {
      const lab = new Lab({ seed: `lesson-${lesson.id}` });
      const player = new LessonPlayer(lesson, new EngineDriver(lab));
      await player.begin();
      for (const step of lesson.steps) {
        expect(player.currentStep?.id).toBe(step.id);
        if (step.try) {
          // Time alone does not pass a step that waits for the user.
          lab.advance(3000);
          expect(player.progress().passed, `${step.id}: its checks hold before the user acted`).toBe(false);
          await player.doItForMe();
        }
        runUntilPassed(lab, player, lesson);
        await player.next();
      }
      expect(player.finished).toBe(true);
      expect(player.progress()).toMatchObject({ finished: true, passed: true, step: lesson.steps.length });
    });
  });
}
