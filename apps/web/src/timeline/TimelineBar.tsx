/**
 * The timeline under the canvas: the lab's whole history from its start (left) to the live edge
 * (right), its events as marks in one lane per event-log group, and a cursor to drag. Buttons step
 * by event, go back to live, continue from the moment shown (a branch), move between a branch and
 * its parent, and export or import the lab as a file.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../app/AppContext.tsx";
import { getLab } from "../api/rest.ts";
import { formatVirtualTime } from "../format/units.ts";
import { EVENT_GROUP_LABEL_KEYS } from "../store/eventGroups.ts";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { appStore, useApp } from "../store/store.ts";
import { branchesOf, forgetBranches, type BranchRecord } from "./lineage.ts";
import { downloadLab, importLabFile } from "./labFiles.ts";
import { openLab } from "./navigation.ts";
import { listLabs, type LabParent } from "./timelineApi.ts";
import { buildMarks, fractionOf, lanesOf, snapToMark, timeAtFraction } from "./timelineModel.ts";
import "./timeline.css";

/** Pixels per column of marks: thin enough to tell events apart, wide enough to see. */
const COLUMN_PX = 3;
/** A drag this close (in pixels) to a mark lands on the mark's moment. */
const SNAP_PX = 6;

/** The live edge in virtual ms (re-renders as the live clock moves). */
function useLiveEdgeMs(): number {
  return useApp((s) => Math.max(liveLabOf(s).clock.timeMs, s.timeline?.nowMs ?? 0));
}

export function TimelineBar() {
  const { t } = useTranslation();
  const session = useSession();
  const controls = session.timeline;
  const view = useApp((s) => s.timeView);
  const error = useApp((s) => s.timelineError);
  const hasTimeline = useApp((s) => s.timeline !== null);
  const endMs = useLiveEdgeMs();
  const atMs = view.kind === "past" ? view.atMs : null;

  return (
    <section className="timeline" aria-label={t("timeline.label")} data-testid="timeline" data-mode={view.kind} data-at-ms={atMs ?? ""}>
      <div className="timeline-head">
        <button type="button" className="btn small" onClick={() => controls.stepBack()} title={t("timeline.stepBackTitle")} aria-label={t("timeline.stepBackTitle")} data-testid="timeline-step-back">
          {t("timeline.prevEvent")}
        </button>
        <button
          type="button"
          className="btn small"
          onClick={() => controls.stepForward()}
          disabled={atMs === null}
          title={t("timeline.stepForwardTitle")}
          aria-label={t("timeline.stepForwardTitle")}
          data-testid="timeline-step-forward"
        >
          {t("timeline.nextEvent")}
        </button>
        <span className="timeline-time" data-testid="timeline-time">
          {atMs === null ? (
            <>
              <span className="live-tag">{t("timeline.live")}</span> {formatVirtualTime(endMs)}
            </>
          ) : (
            <>
              <span className="past-tag">{formatVirtualTime(atMs)}</span> / {formatVirtualTime(endMs)}
            </>
          )}
        </span>
        {atMs !== null && (
          <>
            <button type="button" className="btn small primary" onClick={() => controls.live()} data-testid="timeline-live">
              {t("timeline.backToLive")}
            </button>
            <button type="button" className="btn small" onClick={() => void controls.branch()} title={t("timeline.branchTitle")} data-testid="timeline-branch">
              {t("timeline.branch")}
            </button>
          </>
        )}
        {error !== null && !hasTimeline && (
          <span className="timeline-problem" title={error.message} data-testid="timeline-problem">
            {t("timeline.unavailable")}
          </span>
        )}
        <span className="spacer" />
        <Lineage />
        <FileButtons />
      </div>
      <Track endMs={endMs} atMs={atMs} />
    </section>
  );
}

function Track({ endMs, atMs }: { readonly endMs: number; readonly atMs: number | null }) {
  const { t } = useTranslation();
  const controls = useSession().timeline;
  const events = useApp((s) => s.timeline?.events);
  const checkpoints = useApp((s) => s.timeline?.checkpoints);
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const dragging = useRef(false);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(50, el.clientWidth)));
    observer.observe(el);
    setWidth(Math.max(50, el.clientWidth));
    return () => observer.disconnect();
  }, []);

  const marks = useMemo(() => buildMarks(events ?? [], endMs, Math.floor(width / COLUMN_PX)), [events, endMs, width]);
  const lanes = lanesOf(marks);

  const timeAt = (clientX: number): number => {
    const el = host.current;
    if (!el) return endMs;
    const box = el.getBoundingClientRect();
    const time = timeAtFraction((clientX - box.left) / box.width, endMs);
    // A drag lands on what a mark shows (the full resync, not the PSYNC a millisecond before it).
    return snapToMark(marks, time, (SNAP_PX / Math.max(1, box.width)) * endMs);
  };

  const onPointerDown = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus();
    dragging.current = true;
    controls.seek(timeAt(event.clientX));
  };
  const onPointerMove = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (dragging.current) controls.seek(timeAt(event.clientX));
  };
  const onPointerUp = (event: ReactPointerEvent<HTMLDivElement>): void => {
    dragging.current = false;
    if (event.currentTarget.hasPointerCapture(event.pointerId)) event.currentTarget.releasePointerCapture(event.pointerId);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    let handled = true;
    if (event.key === "ArrowLeft") controls.stepBack();
    else if (event.key === "ArrowRight") controls.stepForward();
    else if (event.key === "Home") controls.seek(0);
    else if (event.key === "End") controls.live();
    else handled = false;
    if (handled) event.preventDefault();
  };

  const cursor = atMs === null ? 1 : fractionOf(atMs, endMs);
  return (
    <div
      ref={host}
      className="timeline-track"
      role="slider"
      tabIndex={0}
      aria-label={t("timeline.trackLabel")}
      aria-valuemin={0}
      aria-valuemax={endMs}
      aria-valuenow={atMs ?? endMs}
      aria-valuetext={atMs === null ? t("timeline.live") : formatVirtualTime(atMs)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
      data-testid="timeline-track"
      data-end-ms={endMs}
    >
      {atMs !== null && <div className="timeline-future" style={{ left: `${cursor * 100}%` }} />}
      {(checkpoints ?? []).map((c) => (
        <span key={c.inputIndex} className="timeline-checkpoint" style={{ left: `${fractionOf(c.timeMs, endMs) * 100}%` }} />
      ))}
      <div className="timeline-lanes">
        {lanes.map((group) => (
          <div key={group} className="timeline-lane" data-group={group} title={t(EVENT_GROUP_LABEL_KEYS[group])}>
            {marks
              .filter((m) => m.group === group)
              .map((m) => (
                <span
                  key={m.column}
                  className={`timeline-mark${m.fault ? " fault" : ""}`}
                  style={{ left: `${fractionOf(m.timeMs, endMs) * 100}%` }}
                  data-kind={m.kind}
                  data-kinds={m.kinds.join(" ")}
                  data-time-ms={m.timeMs}
                />
              ))}
          </div>
        ))}
      </div>
      <span className="timeline-live-edge" aria-hidden>
        {atMs === null ? "" : t("timeline.liveEdge")}
      </span>
      <div className={`timeline-cursor${atMs === null ? "" : " past"}`} style={{ left: `${cursor * 100}%` }} data-testid="timeline-cursor" />
    </div>
  );
}

/** Where this lab came from (its parent) and the branches made from it in this browser. */
function Lineage() {
  const { t } = useTranslation();
  const labId = useApp((s) => s.lab.labId);
  const parent = useApp((s) => s.timeline?.parent ?? null);
  const parentName = useLabName(parent);
  const [branches, setBranches] = useState<readonly BranchRecord[]>([]);
  useEffect(() => {
    const known = labId === null ? [] : branchesOf(labId);
    setBranches(known);
    if (labId === null || known.length === 0) return;
    // Branches deleted since are dropped from the list (one request, only when there are some).
    let cancelled = false;
    listLabs().then(
      (labs) => {
        if (cancelled) return;
        const existing = new Set(labs.map((l) => l.id));
        forgetBranches(labId, new Set(known.filter((b) => !existing.has(b.labId)).map((b) => b.labId)));
        setBranches(branchesOf(labId));
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [labId]);
  if (parent === null && branches.length === 0) return null;
  return (
    <span className="timeline-lineage" data-testid="lineage">
      {parent !== null && (
        <>
          <span>{t("timeline.branchOf", { name: parentName ?? parent.labId, time: formatVirtualTime(parent.atMs) })}</span>
          <button type="button" className="btn small" onClick={() => openLab(parent.labId, parent.atMs)} data-testid="open-parent" data-parent={parent.labId}>
            {t("timeline.openParent")}
          </button>
        </>
      )}
      {branches.length > 0 && (
        <select
          value=""
          onChange={(e) => {
            const chosen = branches.find((b) => b.labId === e.target.value);
            if (chosen) openLab(chosen.labId, null);
          }}
          aria-label={t("timeline.branches")}
          data-testid="branch-select"
        >
          <option value="">{t("timeline.branchesCount", { count: branches.length })}</option>
          {branches.map((b) => (
            <option key={b.labId} value={b.labId}>
              {t("timeline.branchAt", { id: b.labId, time: formatVirtualTime(b.atMs) })}
            </option>
          ))}
        </select>
      )}
    </span>
  );
}

/** The parent lab's name (it may since have been deleted: then null). */
function useLabName(parent: LabParent | null): string | null {
  const [name, setName] = useState<string | null>(null);
  const id = parent?.labId ?? null;
  useEffect(() => {
    setName(null);
    if (id === null) return;
    let cancelled = false;
    getLab(id).then(
      (lab) => {
        if (!cancelled) setName(lab.name || lab.id);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [id]);
  return name;
}

function FileButtons() {
  const { t } = useTranslation();
  const labId = useApp((s) => s.lab.labId);
  const name = useApp((s) => s.lab.name);
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="btn small" disabled={labId === null} onClick={() => labId !== null && void downloadLab(appStore, labId, name)} title={t("files.exportTitle")} data-testid="export-lab">
        {t("files.export")}
      </button>
      <button type="button" className="btn small" onClick={() => picker.current?.click()} title={t("files.importTitle")} data-testid="import-lab">
        {t("files.import")}
      </button>
      <input
        ref={picker}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void importLabFile(appStore, file);
        }}
      />
    </>
  );
}
