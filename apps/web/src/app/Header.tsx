/**
 * The top bar: lab identity and share link, topology tools, the clock (pause, resume, step, speed),
 * the connection indicator, theme and help.
 */
import { useEffect, useState } from "react";
import { useActions } from "./AppContext.tsx";
import { formatSpeed, formatVirtualTime } from "../format/units.ts";
import { useApp } from "../store/store.ts";
import type { ConnectionInfo } from "../store/slices/connectionSlice.ts";

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

  const copyLink = (): void => {
    void navigator.clipboard?.writeText(location.href).then(
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
        <span className="logo" aria-hidden>
          ◆
        </span>
        <span className="brand-name">Replica Lab</span>
        <span className="lab-name" title={`lab id ${labId ?? ""}`} data-testid="lab-name">
          {name || labId}
        </span>
        <button type="button" className="btn ghost small" onClick={copyLink} title="Copy a link to this lab">
          {copied ? "Copied" : "Share"}
        </button>
      </div>
      <div className="toolbar" role="toolbar" aria-label="Topology">
        <button type="button" className="btn primary" onClick={() => actions.addNode()} data-testid="add-node" title="Add a node (N, or double-click the canvas)">
          + Node
        </button>
        <button type="button" className="btn" onClick={() => relayout()} title="Lay out all nodes again (L)">
          Layout
        </button>
      </div>
      <ClockControls />
      <div className="header-right">
        <ConnectionIndicator />
        <button type="button" className={`btn ghost small${presenting ? " on" : ""}`} onClick={() => setPresenting(!presenting)} aria-pressed={presenting} title="Presentation mode: the canvas alone (Z)" data-testid="present-toggle">
          {presenting ? "Exit present" : "Present"}
        </button>
        <button type="button" className={`btn ghost small motion-toggle${animate ? "" : " off"}`} onClick={() => setAnimate(!animate)} aria-pressed={animate} title="Animate bytes in flight on links">
          {animate ? "Motion" : "No motion"}
        </button>
        <button type="button" className="btn ghost small" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} title="Switch theme (T)" data-testid="theme-toggle">
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button type="button" className="btn ghost small" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)">
          ?
        </button>
      </div>
    </header>
  );
}

function ClockControls() {
  const actions = useActions();
  const paused = useApp((s) => s.lab.clock.paused);
  const speed = useApp((s) => s.lab.clock.speed);
  const timeMs = useApp((s) => Math.floor(s.lab.clock.timeMs / 100) * 100);
  const [stepMs, setStepMs] = useState<number>(100);
  return (
    <div className="clock" role="group" aria-label="Clock">
      <span className="clock-time mono" title="virtual time since the lab started" data-testid="clock-time">
        {formatVirtualTime(timeMs)}
      </span>
      <button
        type="button"
        className={`btn${paused ? " primary" : ""}`}
        onClick={() => actions.clock({ action: paused ? "resume" : "pause" })}
        data-testid="clock-toggle"
        title={paused ? "Resume (Space)" : "Pause (Space)"}
      >
        {paused ? "▶ Resume" : "❚❚ Pause"}
      </button>
      <button type="button" className="btn" onClick={() => actions.clock({ action: "step", stepMs })} title="Advance virtual time by one step (.)" data-testid="clock-step">
        Step
      </button>
      <select value={stepMs} onChange={(e) => setStepMs(Number(e.target.value))} aria-label="Step size">
        {STEPS_MS.map((ms) => (
          <option key={ms} value={ms}>
            {ms}ms
          </option>
        ))}
      </select>
      <label className="speed" title="Clock speed: virtual seconds per real second">
        <select value={speed} onChange={(e) => actions.clock({ action: "speed", speed: Number(e.target.value) })} aria-label="Clock speed" data-testid="clock-speed">
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

function describeConnection(c: ConnectionInfo, now: number): string {
  switch (c.status) {
    case "idle":
    case "connecting":
      return "Connecting…";
    case "open":
      return c.rttMs !== null ? `Live · ${c.rttMs} ms` : "Live";
    case "reconnecting":
      return c.retryAt !== null && c.retryAt > now ? `Reconnecting in ${Math.ceil((c.retryAt - now) / 1000)}s (try ${c.attempt})` : `Reconnecting (try ${c.attempt})…`;
    case "closed":
      return "Disconnected";
  }
}

function ConnectionIndicator() {
  const connection = useApp((s) => s.connection);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (connection.status !== "reconnecting") return;
    const timer = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(timer);
  }, [connection.status]);
  return (
    <span className={`conn conn-${connection.status}`} role="status" title={connection.reason ?? undefined} data-testid="connection" data-status={connection.status}>
      <span className="conn-dot" aria-hidden />
      {describeConnection(connection, now)}
    </span>
  );
}
