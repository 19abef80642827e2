/**
 * The top bar: lab identity and share link (to the moment shown), topology tools, the clock (pause, resume, step, speed),
 * the connection indicator, theme and help.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { useActions } from "./AppContext.tsx";
import { formatSpeed, formatVirtualTime } from "../format/units.ts";
import { setLanguage } from "../i18n/i18n.ts";
import { LANGUAGES, type Language } from "../i18n/language.ts";
import { appStore, useApp } from "../store/store.ts";
import { viewedMs } from "../store/slices/timelineSlice.ts";
import { urlWithMoment } from "./labUrl.ts";
import { VersionSelect } from "../ui/VersionSelect.tsx";
import type { ConnectionInfo, ConnectionReason } from "../store/slices/connectionSlice.ts";
import { ClassroomBar } from "../classroom/ClassroomBar.tsx";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10] as const;
const STEPS_MS = [10, 100, 1000] as const;

export function Header() {
  const actions = useActions();
  const name = useApp((s) => s.lab.name);
  const labId = useApp((s) => s.lab.labId);
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const relayout = useApp((s) => s.relayout);
  const setHelpOpen = useApp((s) => s.setHelpOpen);
  const animate = useApp((s) => s.animateEdges);
  const presenting = useApp((s) => s.presenting);
  const setPresenting = useApp((s) => s.setPresenting);
  const setAnimate = useApp((s) => s.setAnimateEdges);
  const [copied, setCopied] = useState(false);
  const lock = useFollowLock();
  const { t } = useTranslation();

  const copyLink = (): void => {
    // The moment shown, even if the cursor moved since the URL was last rewritten.
    const link = urlWithMoment(location.href, viewedMs(appStore.getState()));
    void navigator.clipboard?.writeText(link).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };

  return (
    <header className="header">
      <div className="brand">
        <span className="logo" role="img" aria-label={t("app.name")} title={t("app.name")}>
          ◆
        </span>
        <span className="brand-name">{t("app.name")}</span>
        <span className="lab-name" title={t("header.labIdTitle", { labId: labId ?? "" })} data-testid="lab-name">
          {name || labId}
        </span>
        <button type="button" className="btn ghost small" onClick={copyLink} title={t("header.shareTitle")}>
          {copied ? t("header.copied") : t("header.share")}
        </button>
      </div>
      <div className="toolbar" role="toolbar" aria-label={t("header.toolbar")}>
        <button type="button" className="btn primary" onClick={() => actions.addNode()} data-testid="add-node" {...lockable(lock, t("header.addNodeTitle"))}>
          {t("header.addNode")}
        </button>
        <NewNodeVersion />
        <button type="button" className="btn" onClick={() => relayout()} title={t("header.layoutTitle")}>
          {t("header.layout")}
        </button>
      </div>
      <ClockControls />
      <div className="header-right">
        <ClassroomBar />
        <ConnectionIndicator />
        <LanguageSwitch />
        <button type="button" className={`btn ghost small${presenting ? " on" : ""}`} onClick={() => setPresenting(!presenting)} aria-pressed={presenting} title={t("header.presentTitle")} data-testid="present-toggle">
          {presenting ? t("header.exitPresent") : t("header.present")}
        </button>
        <button type="button" className={`btn ghost small motion-toggle${animate ? "" : " off"}`} onClick={() => setAnimate(!animate)} aria-pressed={animate} title={t("header.motionTitle")}>
          {animate ? t("header.motion") : t("header.noMotion")}
        </button>
        <button type="button" className="btn ghost small" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} title={t("header.themeTitle")} aria-label={t("header.themeTitle")} data-testid="theme-toggle">
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button type="button" className="btn ghost small" onClick={() => setHelpOpen(true)} title={t("header.helpTitle")} aria-label={t("header.helpTitle")} data-testid="help-toggle">
          ?
        </button>
      </div>
    </header>
  );
}

/** The version the next added node gets (the button, N and a double-click on the canvas). */
function NewNodeVersion() {
  const version = useApp((s) => s.newNodeVersion);
  const setVersion = useApp((s) => s.setNewNodeVersion);
  const { t } = useTranslation();
  return <VersionSelect value={version} onChange={setVersion} label={t("versions.newNodeLabel")} testId="add-node-version" />;
}

const LANGUAGE_NAMES = { en: "language.en", zh: "language.zh" } as const satisfies Record<Language, string>;

/** English / 中文: each language named in itself, so a reader of either finds their own. */
function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = i18n.language;
  return (
    <div className="lang-switch" role="group" aria-label={t("language.label")} data-testid="language-switch">
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language === "zh" ? "zh-CN" : "en"}
          className={`btn ghost small${current === language ? " on" : ""}`}
          aria-pressed={current === language}
          onClick={() => setLanguage(language)}
          data-testid={`language-${language}`}
        >
          {t(LANGUAGE_NAMES[language])}
        </button>
      ))}
    </div>
  );
}

function ClockControls() {
  const actions = useActions();
  const { t } = useTranslation();
  const paused = useApp((s) => s.lab.clock.paused);
  const speed = useApp((s) => s.lab.clock.speed);
  const timeMs = useApp((s) => Math.floor(s.lab.clock.timeMs / 100) * 100);
  const [stepMs, setStepMs] = useState<number>(100);
  const lock = useFollowLock();
  return (
    <div className="clock" role="group" aria-label={t("clock.group")}>
      <span className="clock-time mono" title={t("clock.timeTitle")} data-testid="clock-time">
        {formatVirtualTime(timeMs)}
      </span>
      <button
        type="button"
        className={`btn${paused ? " primary" : ""}`}
        onClick={() => actions.clock({ action: paused ? "resume" : "pause" })}
        data-testid="clock-toggle"
        {...lockable(lock, paused ? t("clock.resumeTitle") : t("clock.pauseTitle"))}
      >
        {paused ? t("clock.resume") : t("clock.pause")}
      </button>
      <button type="button" className="btn" onClick={() => actions.clock({ action: "step", stepMs })} {...lockable(lock, t("clock.stepTitle"))} data-testid="clock-step">
        {t("clock.step")}
      </button>
      <select value={stepMs} onChange={(e) => setStepMs(Number(e.target.value))} aria-label={t("clock.stepSize")}>
        {STEPS_MS.map((ms) => (
          <option key={ms} value={ms}>
            {ms}ms
          </option>
        ))}
      </select>
      <label className="speed" title={t("clock.speedTitle")}>
        <select value={speed} onChange={(e) => actions.clock({ action: "speed", speed: Number(e.target.value) })} aria-label={t("clock.speed")} data-testid="clock-speed" {...lockable(lock)}>
          {(SPEEDS as readonly number[]).concat(SPEEDS.includes(speed as (typeof SPEEDS)[number]) ? [] : [speed]).map((s) => (
            <option key={s} value={s}>
              {formatSpeed(s)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function describeConnection(c: ConnectionInfo, now: number, t: TFunction): string {
  switch (c.status) {
    case "idle":
    case "connecting":
      return t("connection.connecting");
    case "open":
      return c.rttMs !== null ? t("connection.liveRtt", { ms: c.rttMs }) : t("connection.live");
    case "reconnecting":
      return c.retryAt !== null && c.retryAt > now
        ? t("connection.reconnectingIn", { sec: Math.ceil((c.retryAt - now) / 1000), attempt: c.attempt })
        : t("connection.reconnecting", { attempt: c.attempt });
    case "closed":
      return t("connection.closed");
  }
}

function describeReason(reason: ConnectionReason | null, t: TFunction): string | undefined {
  if (reason === null) return undefined;
  switch (reason.kind) {
    case "lost":
      return t("connection.reasonLost");
    case "closed":
      return t("connection.reasonClosed", { code: reason.code });
    case "lab-deleted":
      return t("connection.reasonDeleted");
    case "server":
      return t("connection.reasonServer", { text: reason.text });
  }
}

function ConnectionIndicator() {
  const connection = useApp((s) => s.connection);
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (connection.status !== "reconnecting") return;
    const timer = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(timer);
  }, [connection.status]);
  return (
    <span className={`conn conn-${connection.status}`} role="status" title={describeReason(connection.reason, t)} data-testid="connection" data-status={connection.status}>
      <span className="conn-dot" aria-hidden />
      {describeConnection(connection, now, t)}
    </span>
  );
}
