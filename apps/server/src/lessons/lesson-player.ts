/**
 * A lab's way through a lesson: the current step, where each step began in the lab's logs, and
 * whether the step's checks hold. The same player runs in the server (over a live lab) and in the
 * lesson tests (over a bare engine lab), through a `LessonDriver`.
 *
 * Each step's mark is taken when the step is entered, before its `run` operations: "back" rebuilds
 * the lab from its input log up to the previous step's mark and enters that step again, which runs
 * its operations once more on the very state they first ran on.
 */
import type { CheckStatus, LessonDefinition, LessonProgress, LessonStep } from "@replica-lab/protocol";
import { evaluateChecks } from "./checks.ts";
import { applyOperation, type LessonDriver } from "./operations.ts";

/** Where a step began: positions in the lab's input log and event log. */
export interface StepMark {
  readonly inputIndex: number;
  readonly eventSeq: number;
}

/** What a lab keeps of its way through a lesson, so the lesson survives a server restart. */
export interface SavedLessonState {
  readonly lessonId: string;
  readonly step: number;
  readonly marks: readonly StepMark[];
  readonly lessonMark: StepMark;
  readonly done: boolean;
}

/** A step action that does not apply now (the caller turns it into a 409). */
export class LessonStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LessonStateError";
  }
}

/** One lab's progress through one lesson. */
export class LessonPlayer {
  private stepIndex = 0;
  private readonly marks: StepMark[] = [];
  private lessonMark: StepMark = { inputIndex: 0, eventSeq: 0 };
  private doneHere = false;

  constructor(
    readonly lesson: LessonDefinition,
    private driver: LessonDriver,
  ) {}

  /**
   * A player that goes on where a saved one stood, on the lab rebuilt from the same log (its input
   * and event positions are the saved ones), or null when the state does not fit the lesson.
   */
  static resumed(lesson: LessonDefinition, driver: LessonDriver, saved: SavedLessonState): LessonPlayer | null {
    const fits = (m: StepMark): boolean => Number.isInteger(m.inputIndex) && Number.isInteger(m.eventSeq) && m.inputIndex <= driver.lab.inputs.length;
    if (saved.lessonId !== lesson.id || !Number.isInteger(saved.step) || saved.step < 0 || saved.step > lesson.steps.length) return null;
    if (saved.marks.length !== Math.min(saved.step + 1, lesson.steps.length + 1) || !saved.marks.every(fits) || !fits(saved.lessonMark)) return null;
    const player = new LessonPlayer(lesson, driver);
    player.stepIndex = saved.step;
    player.marks.push(...saved.marks.map((m) => ({ inputIndex: m.inputIndex, eventSeq: m.eventSeq })));
    player.lessonMark = { ...saved.lessonMark };
    player.doneHere = saved.done === true;
    return player;
  }

  /** The state to keep across a restart. */
  saved(): SavedLessonState {
    return { lessonId: this.lesson.id, step: this.stepIndex, marks: [...this.marks], lessonMark: this.lessonMark, done: this.doneHere };
  }

  /** Sets up a fresh lab (the lesson's `setup`, then settled) and enters the first step. */
  async begin(): Promise<void> {
    for (const op of this.lesson.setup) await applyOperation(this.driver, op);
    await this.driver.settle();
    this.lessonMark = this.markNow();
    await this.enter(0);
  }

  get step(): number {
    return this.stepIndex;
  }

  get finished(): boolean {
    return this.stepIndex >= this.lesson.steps.length;
  }

  get currentStep(): LessonStep | null {
    return this.lesson.steps[this.stepIndex] ?? null;
  }

  /** The current step's checks, evaluated now. */
  checks(): CheckStatus[] {
    const step = this.currentStep;
    if (step === null) return [];
    const mark = this.marks[this.stepIndex]!;
    return evaluateChecks(this.driver.lab, step.checks, { stepEventSeq: mark.eventSeq, lessonEventSeq: this.lessonMark.eventSeq, stepInputIndex: mark.inputIndex });
  }

  progress(): LessonProgress {
    const checks = this.checks();
    return {
      lessonId: this.lesson.id,
      step: this.stepIndex,
      stepCount: this.lesson.steps.length,
      finished: this.finished,
      checks,
      passed: checks.every((c) => c.pass),
      done: this.doneHere,
      canBack: this.stepIndex > 0,
    };
  }

  /** "Do it for me": runs the step's `do` operations. */
  async doItForMe(): Promise<void> {
    const step = this.currentStep;
    if (step === null || step.do.length === 0) throw new LessonStateError("this step has nothing to do for you");
    this.doneHere = true;
    for (const op of step.do) await applyOperation(this.driver, op);
  }

  /** Goes on to the next step once the current one's checks hold. */
  async next(): Promise<void> {
    if (this.finished) throw new LessonStateError("the lesson is finished");
    const failing = this.checks().filter((c) => !c.pass).length;
    if (failing > 0) throw new LessonStateError(`${failing} check${failing === 1 ? "" : "s"} of step ${this.stepIndex + 1} do not hold yet`);
    await this.enter(this.stepIndex + 1);
  }

  /** Where the step before the current one began: the input count to rebuild the lab to. */
  backTarget(): { readonly step: number; readonly mark: StepMark } {
    if (this.stepIndex === 0) throw new LessonStateError("this is the first step");
    const step = this.stepIndex - 1;
    return { step, mark: this.marks[step]! };
  }

  /**
   * Continues on a lab rebuilt up to `backTarget().mark` (the driver's new lab): forgets the
   * steps after it and enters that step again.
   */
  async resumeAt(driver: LessonDriver, step: number): Promise<void> {
    this.driver = driver;
    this.marks.length = step;
    await this.enter(step);
  }

  private markNow(): StepMark {
    return { inputIndex: this.driver.lab.inputs.length, eventSeq: this.driver.lab.lastEventSeq };
  }

  private async enter(index: number): Promise<void> {
    this.stepIndex = index;
    this.doneHere = false;
    this.marks[index] = this.markNow();
    const step = this.currentStep;
    if (step === null) return;
    for (const op of step.run) await applyOperation(this.driver, op);
  }
}
