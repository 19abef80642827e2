/**
 * A backlog drawn on the offset axis: the window [first_byte_offset, master_repl_offset] as a band,
 * and each attached replica's acknowledged offset as a marker (green inside the window: a partial
 * resync would work; red behind it: it would need a full one).
 */
import { memo } from "react";
import type { NodeSnapshot } from "@replica-lab/protocol";
import { formatBytes, formatOffset } from "../format/units.ts";
import { useNames } from "../store/selectors.ts";
import { cardBacklogBar, scaledBacklogBar } from "./backlogModel.ts";

export interface BacklogBarProps {
  readonly node: NodeSnapshot;
  /** "card": zoomed on the window; "scaled": the whole repl-backlog-size to scale. */
  readonly variant: "card" | "scaled";
}

const MAX_LABELLED = 6;

export const BacklogBar = memo(function BacklogBar({ node, variant }: BacklogBarProps) {
  const names = useNames(node.replicas.map((r) => [r.nodeId, r.address] as const));
  const nameOf = (_id: string | null, address: string): string => {
    const i = node.replicas.findIndex((r) => r.address === address);
    return names[i] ?? address;
  };
  const bar = variant === "card" ? cardBacklogBar(node, nameOf) : scaledBacklogBar(node, nameOf);
  const labelled = bar.markers.length <= MAX_LABELLED;
  return (
    <div className={`backlog backlog-${variant}`} data-field="backlog" data-first={bar.first} data-histlen={bar.histlen}>
      <div className="backlog-track" title={bar.active ? `backlog holds offsets ${bar.first}..${bar.last}` : "no backlog yet"}>
        {bar.active && (
          <div className="backlog-window" style={{ left: `${bar.windowStart * 100}%`, width: `${Math.max(0.5, (bar.windowEnd - bar.windowStart) * 100)}%` }} />
        )}
        {bar.markers.map((m) => (
          <div
            key={m.key}
            className={`backlog-marker ${m.place}${m.clamped ? " clamped" : ""}`}
            style={{ left: `${m.x * 100}%` }}
            title={`${m.label} acknowledged offset ${formatOffset(m.offset)} (${m.place === "inside" ? "inside the backlog: partial resync possible" : m.place === "behind" ? "behind the backlog: would need a full resync" : "ahead of this master"})`}
            data-marker={m.label}
            data-place={m.place}
          >
            {labelled && <span className="backlog-marker-label">{m.label}</span>}
          </div>
        ))}
      </div>
      <div className="backlog-caption">
        {bar.active ? (
          <>
            <span title="repl_backlog_first_byte_offset … master_repl_offset">
              <span className="k">backlog</span> {bar.histlen === 0 ? `empty, next byte ${formatOffset(bar.first)}` : `${formatOffset(bar.first)} … ${formatOffset(bar.last)}`}
            </span>
            <span className="muted" title="repl_backlog_histlen / repl-backlog-size">
              {formatBytes(bar.histlen)} / {formatBytes(bar.sizeBytes)}
            </span>
          </>
        ) : (
          <span className="muted">no backlog (created when the first replica attaches)</span>
        )}
      </div>
    </div>
  );
});
