/**
 * The classroom in the header. Without a session: "Teach", which starts one on this lab and
 * reloads the page into it (so its stream carries the instructor's cookie). The instructor sees the
 * join code and link, how many follow and how many forked, "Bring everyone back" (to the moment the
 * instructor's screen shows) and "End". A follower sees that it follows, and "Fork" (a running
 * branch of its own at the current moment); on the fork, "Back to following". When the class
 * ends, a student on its fork is told the fork stays its own (the server keeps its token as a key
 * to its forks), and "Leave" keeps it on the fork.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../app/AppContext.tsx";
import { asLabRequestError } from "../api/errors.ts";
import { appStore } from "../store/store.ts";
import { viewedMs } from "../store/slices/timelineSlice.ts";
import { openLab } from "../timeline/navigation.ts";
import { endClassroom, forkClassroom, gatherClassroom, startClassroom } from "./classroomApi.ts";
import { classroomStore, followClassroom, refreshBeforeFork, useClassroom } from "./classroomStore.ts";
import { classCodeFromUrl, joinLink, urlWithClass } from "./classroomUrl.ts";
import { InstructorPointer, PointerShare } from "./InstructorPointer.tsx";
import "./classroom.css";

export function ClassroomBar() {
  const session = useSession();
  const code = classCodeFromUrl(location.href);

  useEffect(() => {
    if (code === null) return;
    return followClassroom(code, {
      labId: session.labId,
      store: session.store,
      showMoment: (atMs) => (atMs === null ? session.timeline.live() : session.timeline.seek(atMs)),
      openLab,
      reload: () => location.reload(),
    });
  }, [code, session]);

  return code === null ? <StartButton labId={session.labId} /> : <SessionBar code={code} labId={session.labId} />;
}

function StartButton({ labId }: { readonly labId: string }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const start = async (): Promise<void> => {
    setBusy(true);
    try {
      const started = await startClassroom(labId);
      location.assign(urlWithClass(location.href, started.code, labId));
    } catch (error) {
      setBusy(false);
      report(t("classroom.startFailed"), error);
    }
  };
  return (
    <button type="button" className="btn ghost small" onClick={() => void start()} disabled={busy} title={t("classroom.startTitle")} data-testid="classroom-start">
      {t("classroom.start")}
    </button>
  );
}

function SessionBar({ code, labId }: { readonly code: string; readonly labId: string }) {
  const { t } = useTranslation();
  const view = useClassroom((s) => s.view);
  const error = useClassroom((s) => s.error);
  const [busy, setBusy] = useState(false);

  const act = async (what: () => Promise<void>, failed: string): Promise<void> => {
    setBusy(true);
    try {
      await what();
    } catch (failure) {
      report(failed, failure);
    } finally {
      setBusy(false);
    }
  };

  if (error?.code === "unknown-classroom") {
    // A student on its fork keeps it: say so, and leaving stays on it.
    const onFork = view !== null && view.role === "follower" && view.labId !== labId;
    return (
      <div className="classroom-bar ended" data-testid="classroom-bar" data-role="ended">
        <span>{onFork ? t("classroom.endedOnFork", { code }) : t("classroom.ended", { code })}</span>
        <button
          type="button"
          className="btn ghost small"
          title={onFork ? t("classroom.leaveForkTitle") : undefined}
          data-testid="classroom-leave"
          onClick={() => location.assign(urlWithClass(location.href, null, labId))}
        >
          {t("classroom.leave")}
        </button>
      </div>
    );
  }
  if (view === null) {
    return (
      <div className="classroom-bar" data-testid="classroom-bar" data-role="joining">
        {t("classroom.joining", { code })}
      </div>
    );
  }

  if (view.role === "instructor") {
    const link = joinLink(location.href, code);
    return (
      <div className="classroom-bar instructor" data-testid="classroom-bar" data-role="instructor">
        <PointerShare code={code} />
        <span className="classroom-code" title={t("classroom.codeTitle")} data-testid="classroom-code">
          {code}
        </span>
        <input className="classroom-link" readOnly value={link} aria-label={t("classroom.linkLabel")} onFocus={(e) => e.currentTarget.select()} data-testid="classroom-link" />
        <span className="classroom-count" title={t("classroom.countTitle")} data-testid="classroom-followers" data-following={view.followers.following} data-forked={view.followers.forked}>
          {t("classroom.following", { count: view.followers.following })} · {t("classroom.forked", { count: view.followers.forked })}
        </span>
        <button
          type="button"
          className="btn ghost small"
          disabled={busy}
          title={t("classroom.gatherTitle")}
          data-testid="classroom-gather"
          onClick={() => void act(async () => void (await gatherClassroom(code, viewedMs(appStore.getState()))), t("classroom.gatherFailed"))}
        >
          {t("classroom.gather")}
        </button>
        <button
          type="button"
          className="btn ghost small"
          disabled={busy}
          title={t("classroom.endTitle")}
          data-testid="classroom-end"
          onClick={() =>
            void act(async () => {
              await endClassroom(code);
              classroomStore.setState({ code: null, view: null, followerId: null, error: null });
              location.assign(urlWithClass(location.href, null, labId));
            }, t("classroom.endFailed"))
          }
        >
          {t("classroom.end")}
        </button>
      </div>
    );
  }

  const following = view.labId === labId;
  return (
    <div className={`classroom-bar follower${following ? "" : " forked"}`} data-testid="classroom-bar" data-role={following ? "following" : "forked"}>
      <span className="classroom-code">{code}</span>
      {following && <InstructorPointer at={view.pointer} />}
      <span>{following ? t("classroom.youFollow") : t("classroom.youForked")}</span>
      {following ? (
        <button
          type="button"
          className="btn primary small"
          disabled={busy}
          title={t("classroom.forkTitle")}
          data-testid="classroom-fork"
          onClick={() =>
            void act(async () => {
              const fork = await forkClassroom(code);
              await refreshBeforeFork(code);
              openLab(fork.id, null);
            }, t("classroom.forkFailed"))
          }
        >
          {t("classroom.fork")}
        </button>
      ) : (
        <button type="button" className="btn small" title={t("classroom.returnTitle")} data-testid="classroom-return" onClick={() => openLab(view.labId, null)}>
          {t("classroom.return")}
        </button>
      )}
    </div>
  );
}

function report(title: string, error: unknown): void {
  const failure = asLabRequestError(error);
  appStore.getState().notify({ level: "error", title, message: failure.message, code: failure.code, fromServer: true });
}
