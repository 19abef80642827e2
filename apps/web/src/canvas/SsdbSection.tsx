/**
 * An SSDB node on its card and in the inspector: the binlog window `[min_seq, max_seq]` (SSDB's
 * analogue of the backlog) with each slave's seq marked on it, green where a `sync140` would resume
 * and red where it would get OUT_OF_SYNC; the slave's status and counters as `info` prints them.
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { asSsdb, seqPlace, seqX, type SeqPlace, type SsdbNode } from "../format/ssdb.ts";
import { formatOffset } from "../format/units.ts";
import { useNames, useNode } from "../store/selectors.ts";
import { Term } from "../lessons/Glossary.tsx";

interface Marker {
  readonly key: string;
  readonly label: string;
  readonly seq: number;
  readonly place: SeqPlace;
}

/** The window bar: the band is what a slave can resume from, markers are slaves' seqs. */
export const BinlogWindow = memo(function BinlogWindow({ node, markers }: { readonly node: SsdbNode; readonly markers: readonly Marker[] }) {
  const { t } = useTranslation();
  const { minSeq, maxSeq, capacity } = node.binlog;
  const from = Math.min(minSeq, ...markers.map((m) => m.seq));
  const to = Math.max(maxSeq, ...markers.map((m) => m.seq));
  const start = seqX(minSeq, from, to);
  return (
    <div className="backlog backlog-card" data-field="binlog" data-min-seq={minSeq} data-max-seq={maxSeq}>
      <div className="backlog-track" title={t("ssdb.windowTitle", { min: String(minSeq), max: String(maxSeq), capacity: formatOffset(capacity) })}>
        {maxSeq > 0 && <div className="backlog-window" style={{ left: `${start * 100}%`, width: `${Math.max(0.5, (1 - start) * 100)}%` }} />}
        {markers.map((m) => (
          <div
            key={m.key}
            className={`backlog-marker ${m.place}`}
            style={{ left: `${seqX(m.seq, from, to) * 100}%` }}
            title={t(m.place === "inside" ? "ssdb.markerInside" : m.place === "behind" ? "ssdb.markerBehind" : "ssdb.markerAhead", { name: m.label, seq: String(m.seq) })}
            data-marker={m.label}
            data-place={m.place}
            data-seq={m.seq}
          />
        ))}
      </div>
      <div className="backlog-caption">
        <span>
          <span className="k">
            <Term term="binlog_seq">binlog</Term>
          </span>{" "}
          [{minSeq}, {maxSeq}]
        </span>
        <span className="muted">capacity {formatOffset(capacity)}</span>
      </div>
    </div>
  );
});

/** A master's slaves (the master's cursor for each) as markers on its window. */
function useSlaveMarkers(node: SsdbNode): Marker[] {
  const names = useNames(node.replicas.map((r) => [r.nodeId, r.address] as const));
  return node.replicas.map((r, i) => ({ key: `${r.address}-${i}`, label: names[i] ?? r.address, seq: r.lastSeq, place: seqPlace(r.lastSeq, node.binlog.minSeq, node.binlog.maxSeq) }));
}

/** The card's SSDB rows: the slave's status and counters, then the window with its slaves. */
export const SsdbSection = memo(function SsdbSection({ node }: { readonly node: SsdbNode }) {
  const { t } = useTranslation();
  const master = useNode(node.masterId);
  const markers = useSlaveMarkers(node);
  const ssdbMaster = master === undefined ? null : asSsdb(master);
  const masterWindow = ssdbMaster !== null && ssdbMaster.status === "up" ? ssdbMaster.binlog : null;
  const place = node.lastSeq !== null && masterWindow !== null ? seqPlace(node.lastSeq, masterWindow.minSeq, masterWindow.maxSeq) : null;
  return (
    <>
      {node.masterAddress !== null && (
        <div className="card-row figures" data-field="ssdb-slave" data-status={node.syncStatus ?? ""}>
          <span className="k">
            <Term term="binlog_seq">last_seq</Term>
          </span>
          <span className={`v mono${place === "inside" || place === null ? "" : " warn-text"}`} data-field="last-seq" data-place={place ?? ""} title={place === null ? undefined : t(place === "inside" ? "ssdb.resumeInside" : "ssdb.resumeOutside", { seq: String(node.lastSeq) })}>
            {node.lastSeq ?? "—"}
          </span>
        </div>
      )}
      {node.masterAddress !== null && (
        <div className="card-row figures">
          <span className="k">copy_count</span>
          <span className="v mono" data-field="copy-count">
            {node.copyCount}
          </span>
          <span className="k">sync_count</span>
          <span className="v mono" data-field="sync-count">
            {node.syncCount}
          </span>
        </div>
      )}
      {node.syncStatus === "OUT_OF_SYNC" && (
        <div className="card-row warn-text small" data-field="out-of-sync">
          {t("ssdb.outOfSyncNote")}
        </div>
      )}
      {node.status !== "down" && <BinlogWindow node={node} markers={markers} />}
      {node.snapshots.map((s) => (
        <div key={s.host} className="card-row muted small" data-field="pinned-snapshot" data-status={s.status}>
          {t("ssdb.snapshot", { host: s.host, seq: String(s.binlogSeq), status: s.status })}
        </div>
      ))}
    </>
  );
});
