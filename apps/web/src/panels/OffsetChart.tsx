/**
 * master_repl_offset of every node over virtual time (uPlot: a small canvas chart that redraws
 * thousands of points in a millisecond). It pulls from the session's offset history on its own timer
 * (4 Hz) instead of re-rendering with the store, and rebuilds only when the set of nodes changes.
 * The history reaches back to the lab's start (the server's series); while a past moment is shown
 * the lines end at that moment.
 */
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import { useSession } from "../app/AppContext.tsx";
import { axisOffsets } from "../format/units.ts";
import { useNodeChoices } from "../store/selectors.ts";
import { viewedMs } from "../store/slices/timelineSlice.ts";
import { appStore, useApp } from "../store/store.ts";

/** Node colours for the chart legend: distinct and legible on light and dark backgrounds. */
const PALETTE = ["#e11d48", "#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5"];
const REDRAW_MS = 250;
/** More lines than this are unreadable (and cost a redraw each): the chart shows the first ones. */
const MAX_SERIES = 16;

/** The y-axis's width in px for its labels (uPlot calls it with the labels it will draw; 13px digits). */
function axisWidth(_u: uPlot, values: string[] | null): number {
  const longest = (values ?? []).reduce((max, v) => Math.max(max, v.length), 1);
  return Math.max(40, 18 + longest * 8);
}

export function OffsetChart() {
  const session = useSession();
  const allChoices = useNodeChoices();
  const choices = allChoices.slice(0, MAX_SERIES);
  const theme = useApp((s) => s.theme);
  const host = useRef<HTMLDivElement>(null);
  // The axes and legend are drawn by uPlot, outside React: the chart is rebuilt when the language changes.
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const key = choices.map(([id, name]) => `${id}:${name}`).join(",");

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const ids = choices.map(([id]) => id);
    const axisStroke = theme === "dark" ? "#cbd5e1" : "#334155";
    const gridStroke = theme === "dark" ? "rgba(148,163,184,0.15)" : "rgba(15,23,42,0.08)";
    const size = () => ({ width: Math.max(200, el.clientWidth), height: Math.max(120, el.clientHeight - 34) });
    const opts: uPlot.Options = {
      ...size(),
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { stroke: axisStroke, grid: { stroke: gridStroke }, values: (_u, ticks) => ticks.map((tick) => t("chart.seconds", { value: tick })), font: "13px system-ui" },
        // As wide as its longest label: a fixed width cut "5,000,000" to "000,000" (issue 12).
        { stroke: axisStroke, grid: { stroke: gridStroke }, size: axisWidth, values: (_u, ticks) => axisOffsets(ticks), font: "13px system-ui" },
      ],
      series: [
        { label: t("chart.time") },
        ...choices.map(([, name], i) => ({
          label: name,
          stroke: PALETTE[i % PALETTE.length],
          // Earlier series are drawn wider, so a node hidden under another one with the same offsets still shows.
          width: Math.max(2, 6 - i * 1.5),
          points: { show: false },
          spanGaps: false,
        })),
      ],
    };
    let until = viewedMs(appStore.getState());
    const chart = new uPlot(opts, session.history.data(ids, until), el);
    let drawn = session.history.version;
    const timer = window.setInterval(() => {
      const wanted = viewedMs(appStore.getState());
      if ((session.history.version === drawn && wanted === until) || document.hidden) return;
      drawn = session.history.version;
      until = wanted;
      chart.setData(session.history.data(ids, until));
    }, REDRAW_MS);
    const resize = new ResizeObserver(() => chart.setSize(size()));
    resize.observe(el);
    return () => {
      window.clearInterval(timer);
      resize.disconnect();
      chart.destroy();
    };
    // `key` stands for `choices` (names and membership): rebuilding on every new array would be wasteful.
  }, [key, session, theme, t, language]);

  return (
    <section className="panel chart-panel" aria-label={t("chart.label")}>
      <div className="panel-head">
        <h2>{t("chart.title")}</h2>
        <span className="muted small">
          {allChoices.length > MAX_SERIES ? t("chart.captionLimited", { shown: MAX_SERIES, total: allChoices.length }) : t("chart.caption")}
        </span>
      </div>
      <div className="chart-host" ref={host} data-testid="offset-chart" />
    </section>
  );
}
