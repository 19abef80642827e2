/**
 * A backlog drawn on the offset axis: the window [first_byte_offset, master_repl_offset] as a band,
 * and each attached replica's acknowledged offset as a marker (green inside the window: a partial
 * resync would work; red behind it: it would need a full one).
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { OffsetNode } from "../format/kinds.ts";
import { formatBytes, formatOffset } from "../format/units.ts";
import { useNames } from "../store/selectors.ts";
import { Term } from "../lessons/Glossary.tsx";
import { cardBacklogBar, scaledBacklogBar } from "./backlogModel.ts";

export interface BacklogBarProps {
  /** A node whose kind has a backlog (2.8, 4.0, 7.0). */
  readonly node: OffsetNode;
  /** "card": zoomed on the window; "scaled": the whole repl-backlog-size to scale. */
  readonly variant: "card" | "scaled";
}

const MAX_LABELLED = 6;

export const BacklogBar = memo(function BacklogBar({ node, variant }: BacklogBarProps) {
  const names = useNames(node.replicas.map((r) => [r.nodeId, r.address] as const));
  const { t } = useTranslation();
  const nameOf = (_id: string | null, address: string): string => {
    const i = node.replicas.findIndex((r) => r.address === address);
    return names[i] ?? address;
  };
  const bar = variant === "card" ? cardBacklogBar(node, nameOf) : scaledBacklogBar(node, nameOf);
  // Replicas at the same spot share one label ("B, C") instead of printing over each other.
  const labels = new Map<string, string>();
  if (bar.markers.length <= MAX_LABELLED) {
    const byPlace = new Map<number, string[]>();
    for (const m of bar.markers) {
      const slot = Math.round(m.x * 40);
      const names = byPlace.get(slot);
      if (names) names.push(m.label);
      else byPlace.set(slot, [m.label]);
    }
    for (const m of bar.markers) {
      const names = byPlace.get(Math.round(m.x * 40));
      if (names && names[0] === m.label) labels.set(m.key, names.join(", "));
    }
  }
  return (
    <div className={`backlog backlog-${variant}`} data-field="backlog" data-first={bar.first} data-histlen={bar.histlen}>
      <div className="backlog-track" title={bar.active ? t("backlog.holds", { first: formatOffset(bar.first), last: formatOffset(bar.last) }) : t("backlog.none")}>
        {bar.active && (
          <div className="backlog-window" style={{ left: `${bar.windowStart * 100}%`, width: `${Math.max(0.5, (bar.windowEnd - bar.windowStart) * 100)}%` }} />
        )}
        {bar.markers.map((m) => (
          <div
            key={m.key}
            className={`backlog-marker ${m.place}${m.clamped ? " clamped" : ""}`}
            style={{ left: `${m.x * 100}%` }}
            title={t(m.place === "inside" ? "backlog.markerInside" : m.place === "behind" ? "backlog.markerBehind" : "backlog.markerAhead", { name: m.label, offset: formatOffset(m.offset) })}
            data-marker={m.label}
            data-place={m.place}
          >
            {labels.has(m.key) && <span className={`backlog-marker-label${m.x > 0.85 ? " end" : m.x < 0.15 ? " start" : ""}`}>{labels.get(m.key)}</span>}
          </div>
        ))}
      </div>
      <div className="backlog-caption">
        {bar.active ? (
          <>
            <span title={t("backlog.rangeTitle")}>
              <span className="k">
                <Term term="backlog">{t("backlog.label")}</Term>
              </span>{" "}
              {bar.histlen === 0 ? t("backlog.empty", { first: formatOffset(bar.first) }) : t("backlog.range", { first: formatOffset(bar.first), last: formatOffset(bar.last) })}
            </span>
            <span className="muted" title={t("backlog.sizeTitle")}>
              {formatBytes(bar.histlen)} / {formatBytes(bar.sizeBytes)}
            </span>
          </>
        ) : (
          <span className="muted wrap">{t("backlog.notCreated")}</span>
        )}
      </div>
    </div>
  );
});
