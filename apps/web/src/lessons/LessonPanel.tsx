/**
 * The lesson side panel: the lesson list (each starts a new lab), or the open lab's lesson step by
 * step: the narration, what to try, the step's checks as the server evaluates them against the
 * engine (polled), and back / do it for me / next. Everything in the language shown; the lessons'
 * own texts come from their files in both languages.
 */
import { Fragment, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { LessonDefinition, LessonProgress, LessonStep, LessonSummary } from "@replica-lab/protocol";
import { useSession } from "../app/AppContext.tsx";
import { failureText } from "../i18n/errorText.ts";
import { currentLanguage } from "../i18n/i18n.ts";
import { useApp } from "../store/store.ts";
import { BacklogCalculator } from "./BacklogCalculator.tsx";
import { checkText } from "./checkText.ts";
import { attachLab, goBack, POLL_MS, refreshProgress, runStepAction, setPanelOpen, startLesson, useLessons } from "./lessonStore.ts";
import { codeRuns, fillPlaceholders, type NamedAddress } from "./narration.ts";
import "./lessons.css";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

/** The panel (nothing while closed); it also finds out whether the open lab plays a lesson. */
export function LessonPanel() {
  const open = useLessons((s) => s.panelOpen);
  const labId = useApp((s) => s.lab.labId);
  const lesson = useLessons((s) => s.lesson);
  const polling = useLessons((s) => s.panelOpen && s.lesson !== null && s.progress !== null && !s.progress.finished);
  const [choosing, setChoosing] = useState(false);
  const { t } = useTranslation();

  useEffect(() => {
    if (labId !== null) void attachLab(labId);
  }, [labId]);

  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => void refreshProgress(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);

  if (!open) return null;
  return (
    <aside className="lesson-panel" aria-label={t("lessons.panel")} data-testid="lesson-panel">
      <div className="lesson-panel-head">
        <h2>{t("lessons.panel")}</h2>
        <button type="button" className="btn icon" aria-label={t("lessons.close")} title={t("lessons.close")} onClick={() => setPanelOpen(false)}>
          ×
        </button>
      </div>
      {lesson && !choosing ? <LessonView lesson={lesson} onChoose={() => setChoosing(true)} /> : <LessonChooser />}
      <ErrorLine />
    </aside>
  );
}

function ErrorLine() {
  const error = useLessons((s) => s.error);
  const { t } = useTranslation();
  if (error === null) return null;
  return (
    <p className="warn-text small" role="alert" data-testid="lesson-error" data-code={error.code}>
      {failureText(error.code, error.message, t)}
    </p>
  );
}

function LessonChooser() {
  const catalogue = useLessons((s) => s.catalogue);
  const busy = useLessons((s) => s.busy);
  const { t } = useTranslation();
  const language = currentLanguage();
  if (catalogue === null) return <p className="muted">{t("lessons.loading")}</p>;
  return (
    <div className="lesson-chooser">
      <h3>{t("lessons.chooseTitle")}</h3>
      <p className="muted small">{t("lessons.chooseHint")}</p>
      <ol className="lesson-list">
        {catalogue.map((lesson) => (
          <li key={lesson.id} className={lesson.available ? "" : "unavailable"} data-testid={`lesson-${lesson.id}`}>
            <div className="lesson-list-title">
              <strong>{lesson.title[language]}</strong>
              <span className="muted small">{t("lessons.steps", { count: lesson.stepCount })}</span>
            </div>
            <p className="small">{lesson.summary[language]}</p>
            {lesson.available ? (
              <button
                type="button"
                className="btn primary small"
                disabled={busy !== null}
                title={t("lessons.startTitle", { title: lesson.title[language] })}
                onClick={() => void startLesson(lesson.id)}
                data-testid={`lesson-start-${lesson.id}`}
              >
                {t("lessons.start")}
              </button>
            ) : (
              <span className="needs-kind small" data-testid={`lesson-needs-${lesson.id}`}>
                {t("lessons.needsKind", { count: lesson.missingKinds.length, kinds: lesson.missingKinds.join(", ") })}
              </span>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

function LessonView({ lesson, onChoose }: { readonly lesson: LessonDefinition; readonly onChoose: () => void }) {
  const progress = useLessons((s) => s.progress);
  const { t } = useTranslation();
  const language = currentLanguage();
  if (progress === null) return <p className="muted">{t("lessons.loading")}</p>;
  const step = lesson.steps[progress.step];
  return (
    <div className="lesson-view" data-lesson={lesson.id}>
      <h3 className="lesson-title">{lesson.title[language]}</h3>
      {step ? (
        <StepView lesson={lesson} step={step} progress={progress} />
      ) : (
        <div className="lesson-finished" data-testid="lesson-finished">
          <p>{t("lessons.finished")}</p>
          <StepButtons lesson={lesson} progress={progress} />
          <button type="button" className="btn" onClick={onChoose}>
            {t("lessons.another")}
          </button>
        </div>
      )}
      <Sources lesson={lesson} />
    </div>
  );
}

/** Names and addresses of the lab's nodes, as one string so the selection compares by value. */
function useNamedAddresses(): NamedAddress[] {
  const joined = useApp((s) =>
    s.lab.nodeIds
      .map((id) => s.lab.nodes[id])
      .filter((n) => n !== undefined)
      .map((n) => `${n.name} ${n.address}`)
      .join("\n"),
  );
  return joined === "" ? [] : joined.split("\n").map((line) => ({ name: line.slice(0, line.indexOf(" ")), address: line.slice(line.indexOf(" ") + 1) }));
}

function Rich({ text }: { readonly text: string }) {
  const nodes = useNamedAddresses();
  return (
    <>
      {text.split(/\n\s*\n/).map((paragraph, p) => (
        <p key={p}>
          {codeRuns(fillPlaceholders(paragraph, nodes)).map((run, i) => (run.code ? <code key={i}>{run.text}</code> : <Fragment key={i}>{run.text}</Fragment>))}
        </p>
      ))}
    </>
  );
}

function StepView({ lesson, step, progress }: { readonly lesson: LessonDefinition; readonly step: LessonStep; readonly progress: LessonProgress }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <div className="lesson-step" data-testid="lesson-step" data-step-id={step.id} data-step-index={progress.step} data-passed={progress.passed}>
      <div className="muted small">{t("lessons.stepOf", { step: progress.step + 1, count: progress.stepCount })}</div>
      <h4>{step.title[language]}</h4>
      <div className="lesson-text">
        <Rich text={step.text[language]} />
      </div>
      {step.widget === "backlog-calculator" && <BacklogCalculator />}
      {step.try && (
        <div className="lesson-try" data-testid="lesson-try">
          <strong>{t("lessons.tryIt")}</strong>
          <Rich text={step.try[language]} />
          {progress.done && <p className="muted small">{t("lessons.done")}</p>}
        </div>
      )}
      {step.checks.length > 0 && (
        <div className="lesson-checks">
          <strong title={t("lessons.checksHint")}>{t("lessons.checks")}</strong>
          <ul>
            {step.checks.map((check, i) => {
              const status = progress.checks[i];
              const pass = status?.pass === true;
              return (
                <li key={i} className={pass ? "pass" : "waiting"} data-testid="lesson-check" data-pass={pass}>
                  <span className="check-mark" aria-label={pass ? t("lessons.checkPass") : t("lessons.checkWaiting")}>
                    {pass ? "✓" : "○"}
                  </span>
                  <span className="check-text">{checkText(check, t, language)}</span>
                  {!pass && status?.actual != null && <span className="check-actual muted small">{t("lessons.now", { value: status.actual })}</span>}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <StepButtons lesson={lesson} progress={progress} />
    </div>
  );
}

function StepButtons({ lesson, progress }: { readonly lesson: LessonDefinition; readonly progress: LessonProgress }) {
  const busy = useLessons((s) => s.busy);
  const session = useSession();
  const { t } = useTranslation();
  // A follower watches the instructor's lesson: its steps are the instructor's to take.
  const lock = useFollowLock();
  const step = lesson.steps[progress.step];
  const last = progress.step === progress.stepCount - 1;
  return (
    <div className="lesson-buttons">
      <button type="button" className="btn" {...lockable(lock, t("lessons.backTitle"), !progress.canBack || busy !== null)} onClick={() => void goBack(() => session.stop())} data-testid="lesson-back">
        {t("lessons.back")}
      </button>
      {step && step.do.length > 0 && (
        <button type="button" className="btn" {...lockable(lock, t("lessons.doItTitle"), busy !== null || progress.passed || progress.done)} onClick={() => void runStepAction("do")} data-testid="lesson-do">
          {t("lessons.doIt")}
        </button>
      )}
      {step && (
        <button type="button" className="btn primary" {...lockable(lock, t("lessons.nextTitle"), !progress.passed || busy !== null)} onClick={() => void runStepAction("next")} data-testid="lesson-next">
          {last ? t("lessons.finish") : t("lessons.next")}
        </button>
      )}
    </div>
  );
}

function Sources({ lesson }: { readonly lesson: LessonSummary }) {
  const { t } = useTranslation();
  if (lesson.sources.length === 0) return null;
  return (
    <div className="lesson-sources small">
      <strong>{t("lessons.sources")}</strong>
      <ul>
        {lesson.sources.map((source, i) => (
          <li key={i}>
            <span>{t("lessons.seed", { seed: source.seed, section: source.section })}</span>
            {source.code && (
              <span className="muted">
                {" · "}
                {source.url ? (
                  <a href={source.url} target="_blank" rel="noreferrer">
                    {t("lessons.code", { code: source.code })}
                  </a>
                ) : (
                  t("lessons.code", { code: source.code })
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
