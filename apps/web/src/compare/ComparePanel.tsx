/**
 * Compare protocols: this lab's story (its inputs) told under 2.6, 2.8, 4.0, 7.0 and SSDB, up to
 * the timeline's cursor, with what each cost so far (full and partial resyncs, bytes sent to
 * resync, when the last resync ended, keys a replica lacks), each lane's resyncs, and the moments
 * where the protocols parted ways called out in words. The server replays the story for each
 * protocol (`POST /api/labs/:lab/compare`); a lane it cannot tell says why.
 */
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import type { CompareLaneView, CompareView } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import { fetchCompare } from "../sequence/sequenceApi.ts";
import { formatBytes } from "../sequence/sequenceModel.ts";
import { sequenceStore, useSequence } from "../sequence/sequenceStore.ts";
import { useApp } from "../store/store.ts";
import { differencesOf } from "./compareModel.ts";

export function ComparePanel() {
  const { t } = useTranslation();
  const labId = useApp((s) => s.lab.labId);
  const atMs = useApp((s) => (s.timeView.kind === "past" ? s.timeView.atMs : null));
  const view = useSequence((s) => s.compare);
  const loading = useSequence((s) => s.loading);
  const error = useSequence((s) => s.error);

  const run = async (): Promise<void> => {
    if (labId === null) return;
    const store = sequenceStore.getState();
    store.setLoading(true);
    store.setCompare(null);
    try {
      store.setCompare(await fetchCompare(labId, atMs));
    } catch (failure) {
      store.setError(asLabRequestError(failure).message);
    } finally {
      sequenceStore.getState().setLoading(false);
    }
  };

  // A comparison replays the story several times: it runs when opened and when the cursor moves, not live.
  useEffect(() => {
    void run();
    // `run` reads the same labId and atMs.
  }, [labId, atMs]);

  return (
    <div className="seq-body compare" data-testid="compare-panel">
      <div className="seq-toolbar">
        <strong>{t("compare.title")}</strong>
        <span className="muted small">{t("compare.intro")}</span>
        <button type="button" className="btn" onClick={() => void run()} disabled={loading}>
          {t("compare.run")}
        </button>
      </div>
      {error !== null && <p className="seq-error">{t("compare.failed", { message: error })}</p>}
      {view === null ? <p className="muted pad">{loading ? t("compare.running") : ""}</p> : <CompareTable view={view} />}
    </div>
  );
}

function CompareTable({ view }: { readonly view: CompareView }) {
  const { t } = useTranslation();
  const nameOf = (id: string): string => view.names[id] ?? id;
  const differences = useMemo(() => differencesOf(view.lanes), [view]);
  const time = (ms: number): string => t("units.seconds", { value: (ms / 1000).toFixed(3) });
  const rows: readonly { key: string; label: string; cell: (lane: Extract<CompareLaneView, { ok: true }>) => string }[] = [
    { key: "full", label: t("compare.fullSyncs"), cell: (l) => String(l.figures.fullSyncs) },
    { key: "partial", label: t("compare.partialSyncs"), cell: (l) => String(l.figures.partialSyncs) },
    { key: "bytes", label: t("compare.resyncBytes"), cell: (l) => formatBytes(l.figures.resyncBytes) },
    { key: "converged", label: t("compare.convergedAt"), cell: (l) => (l.figures.convergedAtMs === null ? t("compare.never") : time(l.figures.convergedAtMs)) },
    { key: "behind", label: t("compare.keysBehind"), cell: (l) => String(l.figures.keysBehind) },
  ];
  return (
    <div className="compare-grid">
      <table className="compare-table">
        <thead>
          <tr>
            <th>{t("compare.figure")}</th>
            {view.lanes.map((lane) => (
              <th key={lane.version} data-testid={`compare-lane-${lane.version}`}>
                {lane.version}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              {view.lanes.map((lane) =>
                lane.ok ? (
                  <td key={lane.version} data-testid={`compare-${row.key}-${lane.version}`}>
                    {row.cell(lane)}
                  </td>
                ) : row.key === "full" ? (
                  <td key={lane.version} rowSpan={rows.length} className="muted small" data-testid={`compare-refused-${lane.version}`}>
                    {t("compare.notTold", { reason: lane.reason })}
                  </td>
                ) : null,
              )}
            </tr>
          ))}
          <tr>
            <th scope="row">{t("compare.syncs")}</th>
            {view.lanes.map((lane) => (
              <td key={lane.version} className="small">
                {lane.ok && (
                  <ul className="compare-syncs" data-testid={`compare-syncs-${lane.version}`}>
                    {lane.syncs.map((s, i) => (
                      <li key={i} className={`sync-${s.kind}`} data-kind={s.kind}>
                        {t(s.kind === "full" ? "compare.syncFull" : "compare.syncPartial", { time: time(s.atMs), replica: nameOf(s.replica), master: nameOf(s.master), bytes: formatBytes(s.bytes) })}
                      </li>
                    ))}
                  </ul>
                )}
                {lane.ok && lane.notes.length > 0 && (
                  <p className="muted">
                    {t("compare.notes")}: {lane.notes.join(", ")}
                  </p>
                )}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      <section className="compare-differences" data-testid="compare-differences">
        <h3>{t("compare.differences")}</h3>
        {differences.length === 0 ? (
          <p className="muted small">{t("compare.noDifference")}</p>
        ) : (
          <ul>
            {differences.map((d) => (
              <li key={`${d.replica}-${d.index}`}>
                <span className="mono">{time(d.atMs)}</span>{" "}
                {t("compare.difference", {
                  index: d.index,
                  replica: nameOf(d.replica),
                  parts: d.parts
                    .map((p) =>
                      p.sync === null
                        ? t("compare.partNone", { version: p.version })
                        : t(p.sync.kind === "full" ? "compare.partFull" : "compare.partPartial", { version: p.version, bytes: formatBytes(p.sync.bytes) }),
                    )
                    .join("; "),
                })}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
