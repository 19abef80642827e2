/**
 * The sequence diagram: one vertical lane per node (and per outside server), time going down, and
 * one arrow per message in the order they were sent, slanted towards their arrival. An RDB or an
 * SSDB copy is a thick band; a refused or closed connection is dashed; a message sent and never
 * read stops short of its receiver on a cross, and a close caused by a crash or a timeout is tagged. Clicking an arrow selects
 * it; arrows whose events are selected in the log are lit. Only the newest rows are drawn, so the
 * picture stays light however busy the lab is (the server batches dense writes already).
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { SequenceFault, SequenceLane, SequenceMessage } from "@replica-lab/protocol";
import { isLost, messageLabel } from "./sequenceModel.ts";

/** Rows the diagram draws at most (the newest). */
export const DIAGRAM_ROWS = 400;
const LANE_WIDTH = 170;
const TIME_COLUMN = 86;
const HEAD = 34;
const ROW = 26;
const SLANT = 7;
/** Half the size of the cross a lost message ends on, and how far short of its receiver it stops. */
const CROSS = 5;
const LOST_SHORT = 0.2;

/** Tags drawn on an arrow that went wrong (and heading its explanation in the detail pane). */
export const FAULT_TAGS = {
  "lost-reset": "sequence.fault.lost",
  "lost-closed": "sequence.fault.lost",
  "lost-crashed": "sequence.fault.lost",
  crash: "sequence.fault.crash",
  timeout: "sequence.fault.timeout",
} as const satisfies Record<SequenceFault, string>;

export interface SequenceDiagramProps {
  readonly lanes: readonly SequenceLane[];
  readonly messages: readonly SequenceMessage[];
  readonly selectedSeq: number | null;
  readonly litSeqs: ReadonlySet<number>;
  readonly onSelect: (seq: number) => void;
}

function laneTitle(lane: SequenceLane): string {
  return lane.version === null ? lane.name : `${lane.name} · ${lane.version}`;
}

/** The lanes' names, kept in view above the scrolling diagram. */
export function SequenceLanesHead({ lanes, scrollLeft }: { readonly lanes: readonly SequenceLane[]; readonly scrollLeft: number }) {
  const width = TIME_COLUMN + lanes.length * LANE_WIDTH;
  return (
    <div className="seq-lanes-head">
      <svg width={width} height={24} style={{ marginLeft: -scrollLeft }} className="seq-diagram" aria-hidden="true">
        {lanes.map((lane, i) => (
          <text key={lane.id} x={TIME_COLUMN + LANE_WIDTH / 2 + i * LANE_WIDTH} y={16} textAnchor="middle" className="seq-lane-name" data-testid="sequence-lane">
            {laneTitle(lane)}
          </text>
        ))}
      </svg>
    </div>
  );
}

export const SequenceDiagram = memo(function SequenceDiagram({ lanes, messages, selectedSeq, litSeqs, onSelect }: SequenceDiagramProps) {
  const { t } = useTranslation();
  const rows = messages.length > DIAGRAM_ROWS ? messages.slice(messages.length - DIAGRAM_ROWS) : messages;
  const laneX = new Map(lanes.map((lane, i) => [lane.id, TIME_COLUMN + LANE_WIDTH / 2 + i * LANE_WIDTH]));
  const width = TIME_COLUMN + lanes.length * LANE_WIDTH;
  const height = HEAD + rows.length * ROW + ROW;
  return (
    <svg
      className="seq-diagram"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      xmlns="http://www.w3.org/2000/svg"
      role="img"
      aria-label={t("sequence.tabDiagram")}
      data-testid="sequence-diagram"
    >
      <defs>
        <marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
        </marker>
      </defs>
      {lanes.map((lane) => {
        const x = laneX.get(lane.id)!;
        return (
          <g key={lane.id} className="seq-lane" data-lane={lane.name}>
            {/* The names are in the header above the scroller; the export repeats them here. */}
            <text x={x} y={18} textAnchor="middle" className="seq-lane-name">
              {laneTitle(lane)}
            </text>
            <line x1={x} y1={HEAD - 8} x2={x} y2={height} className="seq-lifeline" />
          </g>
        );
      })}
      {rows.map((m, i) => {
        const x1 = laneX.get(m.from);
        const x2 = laneX.get(m.to);
        if (x1 === undefined || x2 === undefined) return null;
        const y = HEAD + i * ROW + ROW / 2;
        const self = x1 === x2;
        const classes = ["seq-msg", `seq-${m.kind}`, isLost(m) ? "seq-lost" : "", m.fault !== undefined ? "seq-fault" : "", m.seq === selectedSeq ? "selected" : "", litSeqs.has(m.seq) ? "lit" : ""].filter(Boolean).join(" ");
        const labelX = self ? x1 + 30 : (x1 + x2) / 2;
        const lost = isLost(m);
        // A lost arrow ends a fifth of the way short of the receiver.
        const endX = x2 - (x2 - x1) * LOST_SHORT;
        const endY = y + SLANT - 2 * SLANT * LOST_SHORT;
        return (
          <g
            key={m.seq}
            className={classes}
            data-testid="sequence-message"
            data-seq={m.seq}
            data-kind={m.kind}
            data-text={m.text}
            data-from={m.from}
            data-to={m.to}
            data-fault={m.fault}
            role="button"
            tabIndex={0}
            onClick={() => onSelect(m.seq)}
            onKeyDown={(e) => {
              if (e.key === "Enter" || e.key === " ") onSelect(m.seq);
            }}
          >
            <text x={TIME_COLUMN - 8} y={y + 4} textAnchor="end" className="seq-time">
              {t("units.seconds", { value: (m.sentMs / 1000).toFixed(3) })}
            </text>
            {self ? (
              <path d={`M ${x1} ${y - SLANT} h 24 v ${SLANT * 2} h -24`} className="seq-arrow" markerEnd="url(#seq-arrow)" fill="none" />
            ) : lost ? (
              // Sent and never read: the arrow stops short of the receiver's lane, on a cross.
              <>
                <line x1={x1} y1={y - SLANT} x2={endX} y2={endY} className="seq-arrow" />
                <path d={`M ${endX - CROSS} ${endY - CROSS} L ${endX + CROSS} ${endY + CROSS} M ${endX - CROSS} ${endY + CROSS} L ${endX + CROSS} ${endY - CROSS}`} className="seq-cross" data-testid="sequence-lost" />
              </>
            ) : (
              <line x1={x1} y1={y - SLANT} x2={x2} y2={y + SLANT} className="seq-arrow" markerEnd={m.kind === "refused" ? undefined : "url(#seq-arrow)"} />
            )}
            {/* A wide invisible stroke makes a thin arrow easy to click. */}
            {!self && <line x1={x1} y1={y - SLANT} x2={x2} y2={y + SLANT} className="seq-hit" />}
            <text x={labelX} y={y - SLANT - 2} textAnchor={self ? "start" : "middle"} className="seq-label">
              {messageLabel(m)}
              {m.fault !== undefined && (
                <tspan className="seq-fault-tag" data-testid="sequence-fault-tag">
                  {" "}
                  {t(FAULT_TAGS[m.fault])}
                </tspan>
              )}
            </text>
          </g>
        );
      })}
    </svg>
  );
});
