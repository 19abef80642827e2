/**
 * Compare protocols: this lab's story (its inputs) told under 2.6, 2.8, 4.0, 7.0 and SSDB, side
 * by side in lanes that follow the timeline's cursor. Each lane draws its nodes' states over time
 * (master, replica in sync, syncing, link down, down) with its resyncs marked, the cursor across
 * them, and under it the cost so far at the cursor: full and partial resyncs, bytes sent to
 * resync, time replicas spent out of sync, writes they missed meanwhile, keys lost. Steps a kind
 * tells differently are marked with their moment; where the lanes part ways is said in words with
 * their numbers, the one happening at the cursor first.
 *
 * The server replays the story (`POST /api/labs/:lab/compare`) with every lane's timeline, so the
 * cursor moves without asking again; a live lab is asked again when something happened in it, at
 * most every few seconds, since each answer replays the whole story once per protocol.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { CompareDifferenceView, CompareLaneView, CompareMarkView, CompareSyncView, CompareView } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import { useSession } from "../app/AppContext.tsx";
import { fetchCompare } from "../sequence/sequenceApi.ts";
import { formatBytes } from "../sequence/sequenceModel.ts";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { useApp } from "../store/store.ts";
import { costsAtCursor, differencesAt, nodeStatesAt, shouldRefresh, stateClass, stateSpans, syncsAt, type ToldLane } from "./compareModel.ts";
import "./compare.css";

/** Wall ms between two requests for a live lab at least (more when answers are slow: 4 times the last one's time). */
const LIVE_THROTTLE_MS = 3000;

/** The state words, keys written out in full (the resources test looks for every key). */
const STATE_KEYS = {
  down: "compare.state.down",
  master: "compare.state.master",
  "in-sync": "compare.state.inSync",
  syncing: "compare.state.syncing",
  "link-down": "compare.state.linkDown",
} as const;

const SKIP_KEYS = {
  "ssdb-no-one": "compare.skipReason.ssdbNoOne",
  "ssdb-config-file": "compare.skipReason.ssdbConfigFile",
} as const;

function useCompare(labId: string | null) {
  const live = useApp((s) => s.timeView.kind !== "past");
  const eventSeq = useApp((s) => liveLabOf(s).lastEventSeq);
  const presentMs = useApp((s) => liveLabOf(s).clock.timeMs);
  const pastMs = useApp((s) => (s.timeView.kind === "past" ? s.timeView.atMs : null));
  const [view, setView] = useState<CompareView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = useRef({ seq: -1, atWallMs: -Infinity, tookMs: 0 });
  const busyRef = useRef(false);
  // The lab shown now: an answer for a lab left meanwhile is dropped.
  const shown = useRef(labId);
  shown.current = labId;

  const run = useCallback(async (): Promise<void> => {
    if (labId === null || busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    const started = performance.now();
    asked.current = { seq: eventSeq, atWallMs: started, tookMs: asked.current.tookMs };
    try {
      // The whole story to the lab's present: the cursor then reads any moment of it.
      const answer = await fetchCompare(labId, null);
      if (shown.current === labId) {
        setView(answer);
        setError(null);
      }
    } catch (failure) {
      if (shown.current === labId) setError(asLabRequestError(failure).message);
    } finally {
      // A long story takes the server a while to tell five times: ask less often then.
      asked.current = { ...asked.current, tookMs: performance.now() - started };
      busyRef.current = false;
      setBusy(false);
    }
  }, [labId, eventSeq]);

  // A new lab starts over.
  useEffect(() => {
    setView(null);
    asked.current = { seq: -1, atWallMs: -Infinity, tookMs: 0 };
  }, [labId]);

  // Asked when opened, again while live when the lab's log grew, and when the cursor goes past
  // the answer (throttled; a trailing ask catches what happened during the quiet time).
  useEffect(() => {
    const check = (): void => {
      const input = {
        live,
        busy: busyRef.current,
        seenEventSeq: asked.current.seq,
        eventSeq,
        lastAskedMs: asked.current.atWallMs,
        nowMs: performance.now(),
        throttleMs: Math.max(LIVE_THROTTLE_MS, 4 * asked.current.tookMs),
        viewMs: view?.timeMs ?? -Infinity,
        presentMs,
        cursorMs: pastMs ?? presentMs,
      };
      if (shouldRefresh(input)) void run();
    };
    check();
    const timer = setInterval(check, 500);
    return () => clearInterval(timer);
  }, [live, eventSeq, presentMs, pastMs, run, view]);

  return { view, error, busy, run };
}

export function ComparePanel() {
  const { t } = useTranslation();
  const labId = useApp((s) => s.lab.labId);
  const pastMs = useApp((s) => (s.timeView.kind === "past" ? s.timeView.atMs : null));
  const presentMs = useApp((s) => liveLabOf(s).clock.timeMs);
  const { view, error, busy, run } = useCompare(labId);
  const cursorMs = pastMs ?? presentMs;
  const time = (ms: number): string => t("units.seconds", { value: (ms / 1000).toFixed(3) });

  return (
    <div className="seq-body compare" data-testid="compare-panel" data-cursor-ms={cursorMs} data-busy={busy}>
      <div className="seq-toolbar">
        <strong>{t("compare.title")}</strong>
        <span className="muted small">{t("compare.intro")}</span>
        <span className="mono small" data-testid="compare-cursor">
          {t("compare.cursor", { time: time(cursorMs) })}
          {pastMs === null ? ` · ${t("compare.live")}` : ""}
        </span>
        <button type="button" className="btn" onClick={() => void run()} disabled={busy}>
          {t("compare.run")}
        </button>
      </div>
      {error !== null && <p className="seq-error">{t("compare.failed", { message: error })}</p>}
      {view === null ? <p className="muted pad">{busy ? t("compare.running") : ""}</p> : <CompareLanes view={view} cursorMs={cursorMs} endMs={Math.max(view.timeMs, presentMs)} />}
    </div>
  );
}

function CompareLanes({ view, cursorMs, endMs }: { readonly view: CompareView; readonly cursorMs: number; readonly endMs: number }) {
  const { t } = useTranslation();
  const nameOf = useCallback((id: string): string => view.names[id] ?? id, [view]);
  const { past, now } = useMemo(() => differencesAt(view, cursorMs), [view, cursorMs]);
  return (
    <div className="compare-body">
      <section className={`compare-now${now === null ? " quiet" : ""}`} data-testid="compare-now" aria-live="polite">
        {now !== null && (
          <>
            <strong>{t("compare.now")}</strong> <DifferenceText difference={now} nameOf={nameOf} />
          </>
        )}
      </section>
      <div className="compare-lanes">
        {view.lanes.map((lane) => (
          <LaneCard key={lane.version} lane={lane} cursorMs={cursorMs} endMs={endMs} nameOf={nameOf} />
        ))}
      </div>
      <section className="compare-differences" data-testid="compare-differences">
        <h3>{t("compare.differences")}</h3>
        {past.length === 0 ? (
          <p className="muted small">{t("compare.noDifference")}</p>
        ) : (
          <ul>
            {past.map((d) => (
              <li key={`${d.replica}-${d.index}`} className={d === now ? "now" : undefined} data-testid="compare-difference">
                <DifferenceText difference={d} nameOf={nameOf} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function DifferenceText({ difference, nameOf }: { readonly difference: CompareDifferenceView; readonly nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  const partText = (version: string, sync: CompareSyncView | null): string => {
    if (sync === null) return t("compare.partNone", { version });
    const bytes = formatBytes(sync.bytes);
    if (sync.kind === "full") return sync.keys === null ? t("compare.partFullNoKeys", { version, bytes }) : t("compare.partFull", { version, bytes, keys: sync.keys });
    return sync.writesMissed === null ? t("compare.partPartialBare", { version, bytes }) : t("compare.partPartial", { version, bytes, writes: sync.writesMissed });
  };
  const parts = difference.parts.map((p) => partText(p.version, p.sync)).join("; ");
  return <span>{t("compare.difference", { time: t("units.seconds", { value: (difference.atMs / 1000).toFixed(3) }), replica: nameOf(difference.replica), parts })}</span>;
}

function LaneCard({ lane, cursorMs, endMs, nameOf }: { readonly lane: CompareLaneView; readonly cursorMs: number; readonly endMs: number; readonly nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  return (
    <article className="compare-lane" data-testid={`compare-lane-${lane.version}`} data-version={lane.version}>
      <h4>{lane.version}</h4>
      {lane.ok ? (
        <ToldLaneBody lane={lane} cursorMs={cursorMs} endMs={endMs} nameOf={nameOf} />
      ) : (
        <p className="muted small" data-testid={`compare-refused-${lane.version}`}>
          {t("compare.notTold", { reason: lane.reason })}
        </p>
      )}
    </article>
  );
}

function ToldLaneBody({ lane, cursorMs, endMs, nameOf }: { readonly lane: ToldLane; readonly cursorMs: number; readonly endMs: number; readonly nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  const time = (ms: number): string => t("units.seconds", { value: (ms / 1000).toFixed(3) });
  const costs = costsAtCursor(lane, cursorMs);
  const states = nodeStatesAt(lane, cursorMs);
  const syncs = syncsAt(lane, cursorMs);
  const v = lane.version;
  const rows: readonly { readonly key: string; readonly label: string; readonly value: string }[] = [
    { key: "full", label: t("compare.fullSyncs"), value: String(costs.fullSyncs) },
    { key: "partial", label: t("compare.partialSyncs"), value: String(costs.partialSyncs) },
    { key: "bytes", label: t("compare.resyncBytes"), value: formatBytes(costs.resyncBytes) },
    {
      key: "away",
      label: t("compare.outOfSync"),
      value: costs.replicasOutOfSync === 0 ? time(costs.outOfSyncMs) : t("compare.outOfSyncNow", { time: time(costs.outOfSyncMs), count: costs.replicasOutOfSync }),
    },
    { key: "missed", label: t("compare.writesMissed"), value: String(costs.writesMissed) },
    { key: "lost", label: t("compare.keysLost"), value: String(costs.keysLost) },
  ];
  return (
    <>
      <LaneStrip lane={lane} cursorMs={cursorMs} endMs={endMs} nameOf={nameOf} />
      <p className="compare-states small">
        {[...states].map(([node, state]) => (
          <span key={node} className={`compare-state ${stateClass(state)}`} data-testid={`compare-state-${v}-${nameOf(node)}`} data-state={stateClass(state)}>
            {t("compare.nodeState", { node: nameOf(node), state: t(STATE_KEYS[stateClass(state)]) })}
          </span>
        ))}
      </p>
      <table className="compare-costs" data-testid={`compare-cost-${v}`}>
        <caption className="muted small">{t("compare.figure")}</caption>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              <td data-testid={`compare-${row.key}-${v}`}>{row.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="compare-syncs-box" open>
        <summary className="small">{t("compare.syncs")}</summary>
        <ul className="compare-syncs small" data-testid={`compare-syncs-${v}`}>
          {syncs.map((s, i) => (
            <li key={i} className={`sync-${s.kind}`} data-kind={s.kind} data-replica={nameOf(s.replica)}>
              {t(s.kind === "full" ? "compare.syncFull" : "compare.syncPartial", { time: time(s.atMs), replica: nameOf(s.replica), master: nameOf(s.master), bytes: formatBytes(s.bytes) })}
            </li>
          ))}
        </ul>
      </details>
      {lane.marks.length > 0 && (
        <div className="compare-marks small" data-testid={`compare-marks-${v}`}>
          <span className="muted">{t("compare.marks")}</span>
          <ul>
            {lane.marks.map((mark, i) => (
              <li key={i} className={`mark-${mark.kind}`} data-kind={mark.kind}>
                <MarkText mark={mark} version={v} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

function MarkText({ mark, version }: { readonly mark: CompareMarkView; readonly version: string }) {
  const { t } = useTranslation();
  const time = t("units.seconds", { value: (mark.atMs / 1000).toFixed(3) });
  switch (mark.kind) {
    case "translated":
      return <>{t("compare.mark.translated", { time, from: mark.from, to: mark.to })}</>;
    case "skipped":
      return <>{t("compare.mark.skipped", { time, what: mark.what, reason: t(SKIP_KEYS[mark.reason]) })}</>;
    case "unknown":
      return <>{t("compare.mark.unknown", { time, command: mark.command, version })}</>;
    case "setting":
      return <>{t("compare.mark.setting", { name: mark.name })}</>;
  }
}

/** Strip geometry (SVG user units). */
const STRIP = { width: 300, row: 14, gap: 4, label: 22 } as const;

/** A lane's nodes over time: a row per node coloured by state, resyncs marked, the cursor across. */
function LaneStrip({ lane, cursorMs, endMs, nameOf }: { readonly lane: ToldLane; readonly cursorMs: number; readonly endMs: number; readonly nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  const timeline = useSession().timeline;
  const spans = useMemo(() => stateSpans(lane, endMs), [lane, endMs]);
  const nodes = [...spans.keys()];
  const span = Math.max(endMs, 1);
  const x = (ms: number): number => STRIP.label + (Math.min(Math.max(ms, 0), span) / span) * (STRIP.width - STRIP.label);
  const rowY = (i: number): number => i * (STRIP.row + STRIP.gap);
  const height = Math.max(1, nodes.length) * (STRIP.row + STRIP.gap);
  const time = (ms: number): string => t("units.seconds", { value: (ms / 1000).toFixed(3) });
  // A click on a strip moves the timeline's cursor there (every lane, and the lab, follow it).
  const pick = (event: React.MouseEvent<SVGSVGElement>): void => {
    const box = event.currentTarget.getBoundingClientRect();
    const units = ((event.clientX - box.left) / Math.max(1, box.width)) * STRIP.width;
    if (units < STRIP.label) return;
    timeline.seek(Math.round(((units - STRIP.label) / (STRIP.width - STRIP.label)) * span));
  };
  return (
    <svg
      className="compare-strip"
      viewBox={`0 0 ${STRIP.width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={t("compare.stripLabel", { version: lane.version })}
      data-testid={`compare-strip-${lane.version}`}
      onClick={pick}
    >
      {nodes.map((node, i) => (
        <g key={node}>
          <text x={0} y={rowY(i) + STRIP.row - 3} className="compare-strip-name">
            {nameOf(node)}
          </text>
          {spans.get(node)!.map((s, j) => (
            <rect key={j} x={x(s.fromMs)} y={rowY(i)} width={Math.max(0.5, x(s.toMs) - x(s.fromMs))} height={STRIP.row} className={`span ${stateClass(s.state)}`}>
              <title>{t("compare.stripTitle", { node: nameOf(node), state: t(STATE_KEYS[stateClass(s.state)]), from: time(s.fromMs), to: time(s.toMs) })}</title>
            </rect>
          ))}
          {lane.syncs
            .filter((s) => s.replica === node)
            .map((s, j) => (
              <rect key={`sync-${j}`} x={x(s.atMs) - 1.5} y={rowY(i) + 2} width={3} height={STRIP.row - 4} className={`sync-mark ${s.kind}`} data-kind={s.kind}>
                <title>{t(s.kind === "full" ? "compare.syncFull" : "compare.syncPartial", { time: time(s.atMs), replica: nameOf(s.replica), master: nameOf(s.master), bytes: formatBytes(s.bytes) })}</title>
              </rect>
            ))}
        </g>
      ))}
      <line x1={x(cursorMs)} x2={x(cursorMs)} y1={0} y2={height} className="compare-cursor" />
    </svg>
  );
}
