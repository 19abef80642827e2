/**
 * The lab screen: header, canvas with the timeline under it and the inspector beside it, and a dock
 * with the console, the event log and the offsets chart. Also wires the keyboard shortcuts, the
 * theme and position persistence, and the time-travel overlays (past marking, branch offer, a lab
 * that is gone, file drop).
 */
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { ReactFlowProvider } from "@xyflow/react";
import { Canvas } from "../canvas/Canvas.tsx";
import { ConsolePanel } from "../panels/ConsolePanel.tsx";
import { EventLog } from "../panels/EventLog.tsx";
import { Inspector } from "../panels/Inspector.tsx";
import { OffsetChart } from "../panels/OffsetChart.tsx";
import { LessonHelp, MoreGestures } from "../lessons/GestureHelp.tsx";
import { LessonPanel } from "../lessons/LessonPanel.tsx";
import { LessonsToggle } from "../lessons/LessonsToggle.tsx";
import { useLessons } from "../lessons/lessonStore.ts";
import { watchForRestarts } from "../lessons/restartGuard.ts";
import { RestartWarning } from "../lessons/RestartWarning.tsx";
import { DeleteWarning } from "./DeleteWarning.tsx";
import { SequenceDrawer } from "../sequence/SequenceDrawer.tsx";
import { appStore, useApp } from "../store/store.ts";
import { BranchOffer } from "../timeline/BranchOffer.tsx";
import { FileDrop } from "../timeline/FileDrop.tsx";
import { LabGone } from "../timeline/LabGone.tsx";
import { PastBanner } from "../timeline/PastBanner.tsx";
import { TimelineBar } from "../timeline/TimelineBar.tsx";
import { useActions, useSession } from "./AppContext.tsx";
import { lockedActions, useFollowLock } from "../classroom/followLock.ts";
import { Header } from "./Header.tsx";
import { Notices } from "./Notices.tsx";
import { savePinned, saveTheme } from "./persist.ts";
import { handleShortcut, isTypingTarget, SHORTCUTS } from "./shortcuts.ts";

export function App() {
  const theme = useApp((s) => s.theme);
  const loaded = useApp((s) => s.lab.loaded);
  const presenting = useApp((s) => s.presenting);
  const past = useApp((s) => s.timeView.kind === "past");
  const lessonsOpen = useLessons((s) => s.panelOpen);
  const actions = useActions();
  // A follower's action keys only say why they do nothing (the controls are disabled the same way).
  const lock = useFollowLock();
  const timeline = useSession().timeline;
  const { t } = useTranslation();

  // Unsaved-change counts are remembered while nodes run, for the warning before a restart.
  useEffect(() => watchForRestarts(appStore), []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    saveTheme(theme);
  }, [theme]);

  // Positions the user pins are remembered per lab, so a reload keeps them.
  useEffect(
    () =>
      appStore.subscribe((state, prev) => {
        if (state.canvas.pinned !== prev.canvas.pinned && state.lab.labId) savePinned(state.lab.labId, state.canvas.pinned);
      }),
    [],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented) return;
      if (isTypingTarget(event.target, event.key)) {
        if (event.key === "Escape" && event.target instanceof HTMLElement) event.target.blur();
        return;
      }
      const focusConsole = (): void => document.querySelector<HTMLInputElement>('[data-testid="console-input"]')?.focus();
      const state = appStore.getState();
      const explain = (): void => void state.notify({ level: "info", title: lock ?? "", message: "", fromServer: false, code: null });
      if (handleShortcut(event, { state, actions: lock === null ? actions : lockedActions(explain), focusConsole, timeline })) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [actions, timeline, lock]);

  return (
    <ReactFlowProvider>
      <div className={`app${presenting ? " presenting" : ""}${past ? " past" : ""}`} data-loaded={loaded} data-past={past}>
        <Header />
        <main className={`main${lessonsOpen ? " with-lessons" : ""}`}>
          <LessonPanel />
          <div className="stage">
            <Canvas />
            <LessonsToggle />
            <PastBanner />
            <TimelineBar />
          </div>
          {!presenting && <Inspector />}
        </main>
        {!presenting && (
          <div className="dock">
            <ConsolePanel />
            <EventLog />
            <OffsetChart />
          </div>
        )}
        <Notices />
        {!presenting && <SequenceDrawer />}
        <HelpOverlay />
        <RestartWarning />
        <DeleteWarning />
        <BranchOffer />
        <LabGone />
        <FileDrop />
        {!loaded && <div className="loading">{t("app.loading")}</div>}
      </div>
    </ReactFlowProvider>
  );
}

function HelpOverlay() {
  const open = useApp((s) => s.helpOpen);
  const setOpen = useApp((s) => s.setHelpOpen);
  const { t } = useTranslation();
  if (!open) return null;
  return (
    <div className="overlay" role="dialog" aria-label={t("help.title")} onClick={() => setOpen(false)}>
      <div className="overlay-card" onClick={(e) => e.stopPropagation()}>
        <h2>{t("help.title")}</h2>
        <table className="keys">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keyName ? t(s.keyName) : s.keys}</kbd>
                </td>
                <td>{t(s.label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>{t("help.canvasTitle")}</h3>
        <ul>
          <li>{t("help.drag")}</li>
          <li>{t("help.doubleClick")}</li>
          <li>{t("help.linkLabel")}</li>
          <li>{t("help.buttons")}</li>
          <MoreGestures />
        </ul>
        <LessonHelp />
        <h3>{t("timeline.helpTitle")}</h3>
        <ul>
          <li>{t("timeline.helpDrag")}</li>
          <li>{t("timeline.helpPast")}</li>
          <li>{t("timeline.helpShare")}</li>
          <li>{t("timeline.helpFiles")}</li>
        </ul>
        <button type="button" className="btn primary" onClick={() => setOpen(false)}>
          {t("help.close")}
        </button>
      </div>
    </div>
  );
}
