/**
 * The ring backlog of a 2.8 or 4.0 node, drawn as the buffer it is: a circle of repl_backlog_size
 * bytes, the history held as a band ending at the write index (repl_backlog_idx), the index as a
 * hand going round, and each replica where it would read next. A replica the hand has lapped is
 * drawn red: its bytes were overwritten, so its next PSYNC becomes a full resync.
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { OffsetNode } from "../format/kinds.ts";
import { formatBytes, formatOffset } from "../format/units.ts";
import { useNames } from "../store/selectors.ts";
import { Term } from "../lessons/Glossary.tsx";
import { arcPath, pointAt, ringOf } from "../canvas/ringModel.ts";

const SIZE = 240;
const C = SIZE / 2;
const R = 80;

export const RingBacklog = memo(function RingBacklog({ node }: { readonly node: OffsetNode }) {
  const names = useNames(node.replicas.map((r) => [r.nodeId, r.address] as const));
  const { t } = useTranslation();
  const ring = ringOf(node, (_id, address) => names[node.replicas.findIndex((r) => r.address === address)] ?? address);
  if (ring === null) return null;
  // The write index as a pointer across the ring, clear of the centre's text.
  const handFrom = pointAt(C, C, R - 22, ring.idxTurn);
  const hand = pointAt(C, C, R + 16, ring.idxTurn);
  const full = ring.histlen >= ring.sizeBytes;
  return (
    <div
      className="ring-backlog"
      data-field="ring-backlog"
      data-active={ring.active}
      data-size={ring.sizeBytes}
      data-idx={ring.idx}
      data-histlen={ring.histlen}
      data-laps={ring.laps}
      data-wrapped={ring.wrapped}
      data-first={ring.first}
    >
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={t("ring.aria", { size: formatBytes(ring.sizeBytes), idx: formatOffset(ring.idx), histlen: formatOffset(ring.histlen) })}>
        <circle className="ring-track" cx={C} cy={C} r={R} />
        {ring.active && ring.histlen > 0 && <path className="ring-history" d={arcPath(C, C, R, ring.historyStartTurn, ring.idxTurn, full)} />}
        {/* Index 0: where the buffer starts, and where the writer wraps back to. */}
        <line className="ring-zero" x1={C} y1={C - R - 8} x2={C} y2={C - R + 8} />
        {ring.active && <line className="ring-hand" x1={handFrom.x} y1={handFrom.y} x2={hand.x} y2={hand.y} data-field="ring-idx" />}
        {ring.active &&
          ring.markers.map((m) => {
            const p = pointAt(C, C, R, m.turn);
            const label = pointAt(C, C, R + 22, m.turn);
            return (
              <g key={m.key} className={`ring-marker ${m.place}`} data-marker={m.label} data-place={m.place} data-index={m.index}>
                <title>{t(m.place === "inside" ? "ring.markerInside" : m.place === "ahead" ? "ring.markerAhead" : "ring.markerOverwritten", { name: m.label, offset: formatOffset(m.ackOffset), bytes: formatOffset(Math.max(0, m.behindBytes)) })}</title>
                <circle cx={p.x} cy={p.y} r={6} />
                <text x={label.x} y={label.y} textAnchor="middle" dominantBaseline="middle">
                  {m.label}
                </text>
              </g>
            );
          })}
        <text className="ring-center" x={C} y={C - 8} textAnchor="middle">
          {ring.active ? t("ring.laps", { count: ring.laps }) : t("ring.none")}
        </text>
        {ring.active && (
          <text className="ring-center small" x={C} y={C + 12} textAnchor="middle">
            idx {formatOffset(ring.idx)} / {formatBytes(ring.sizeBytes)}
          </text>
        )}
      </svg>
      <dl className="ring-figures">
        <dt>
          <Term term="backlog">repl_backlog_size</Term>
        </dt>
        <dd>{formatOffset(ring.sizeBytes)}</dd>
        <dt title={t("ring.idxTitle")}>repl_backlog_idx</dt>
        <dd data-field="ring-idx-value">{formatOffset(ring.idx)}</dd>
        <dt>repl_backlog_histlen</dt>
        <dd>{formatOffset(ring.histlen)}</dd>
        <dt>repl_backlog_first_byte_offset</dt>
        <dd>{ring.first}</dd>
        <dt>master_repl_offset</dt>
        <dd>{ring.last}</dd>
      </dl>
      <p className="muted small">{ring.wrapped ? t("ring.wrappedNote") : t("ring.notWrappedNote")}</p>
    </div>
  );
});
