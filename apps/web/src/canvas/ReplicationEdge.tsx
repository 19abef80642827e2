/**
 * A replica → master edge, styled by the link's state. Bytes in flight are drawn as one dot moving
 * from master to replica with SVG <animateMotion> (no dash animation, which repaints the whole path
 * every frame); the dot is keyed by the edge so a figure update does not restart it, and it is off
 * when the viewer turned motion off or the system asks for reduced motion.
 */
import { memo, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, useStore, type EdgeProps, type ReactFlowState } from "@xyflow/react";
import { formatBandwidth } from "../format/units.ts";
import { useShallow } from "zustand/react/shallow";
import type { AppState } from "../store/appState.ts";
import { useApp } from "../store/store.ts";
import type { LinkEdge } from "./flowModel.ts";
import { useCompactView } from "./zoom.ts";
import { edgeLabel, edgeVisual, type EdgeVisual } from "./linkState.ts";
import { estimateLabelSize, placeLabel, type Rect } from "./labelPlacement.ts";

/** What the edge draws, as primitives: the edge re-renders when one of these changes, not on every byte. */
interface EdgeView {
  readonly exists: boolean;
  readonly visual: EdgeVisual;
  readonly inCycle: boolean;
  readonly hasBytesInFlight: boolean;
  readonly latencyMs: number;
  readonly bandwidthBytesPerSec: number | null;
  readonly transferProgress: number | null;
  readonly replicaId: string;
  readonly masterId: string;
}

function edgeView(s: AppState, id: string): EdgeView {
  const edge = s.lab.edges[id];
  if (!edge) {
    return { exists: false, visual: "down", inCycle: false, hasBytesInFlight: false, latencyMs: 0, bandwidthBytesPerSec: null, transferProgress: null, replicaId: "", masterId: "" };
  }
  return {
    exists: true,
    visual: edgeVisual(edge),
    inCycle: edge.inCycle,
    hasBytesInFlight: edge.inFlightBytes > 0,
    latencyMs: edge.latencyMs,
    bandwidthBytesPerSec: edge.bandwidthBytesPerSec,
    // Whole percents: finer progress would re-render without a visible change.
    transferProgress: edge.transferProgress === null ? null : Math.floor(edge.transferProgress * 100) / 100,
    replicaId: edge.replicaId,
    masterId: edge.masterId ?? "",
  };
}

/** Every card's box on the canvas, as one string (edges re-render when a card moves or resizes, not on every update). */
function cardBoxes(s: ReactFlowState): string {
  let out = "";
  for (const node of s.nodeLookup.values()) {
    const { x, y } = node.internals.positionAbsolute;
    out += `${Math.round(x)},${Math.round(y)},${Math.round(node.measured.width ?? 0)},${Math.round(node.measured.height ?? 0)};`;
  }
  return out;
}

function parseBoxes(text: string): Rect[] {
  return text
    .split(";")
    .filter((part) => part !== "")
    .map((part) => {
      const [x = 0, y = 0, width = 0, height = 0] = part.split(",").map(Number);
      return { x, y, width, height };
    });
}

const reducedMotion = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

function ReplicationEdgeImpl({ id, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected }: EdgeProps<LinkEdge>) {
  const edgeId = data?.edgeId ?? id;
  const edge = useApp(useShallow((s: AppState) => edgeView(s, edgeId)));
  const animate = useApp((s) => s.animateEdges) && !reducedMotion;
  const select = useApp((s) => s.select);
  const compact = useCompactView();
  const { t } = useTranslation();
  const boxes = useStore(cardBoxes);
  const [path, midX, midY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const visual = edge.visual;
  const labelText = edgeLabel(visual, edge.transferProgress, t);
  const extras: string[] = [];
  if (edge.latencyMs > 1) extras.push(t("network.latencyValue", { ms: edge.latencyMs }));
  if (edge.bandwidthBytesPerSec !== null && edge.bandwidthBytesPerSec !== 12_500_000) extras.push(formatBandwidth(edge.bandwidthBytesPerSec));
  const extraText = extras.join(" · ");
  // The label sits on the curve near the replica's end (it describes the replica's link, and the two
  // edges of a two-node cycle then keep their labels apart), moved along it off any card.
  const { x: labelX, y: labelY } = useMemo(
    () => placeLabel(path, estimateLabelSize(labelText + extraText, edge.inCycle ? 1 : 0), parseBoxes(boxes), { x: (midX + sourceX) / 2, y: (midY + sourceY) / 2 }),
    [path, labelText, extraText, edge.inCycle, boxes, midX, midY, sourceX, sourceY],
  );
  if (!edge.exists) return null;
  const flowing = animate && !compact && edge.hasBytesInFlight && visual !== "down" && visual !== "partitioned";
  // Slower links show slower dots, within a legible range.
  const durationSec = Math.min(3, Math.max(0.6, 0.6 + edge.latencyMs / 400));
  return (
    <>
      <BaseEdge id={id} path={path} className={`repl-edge ${visual}${edge.inCycle ? " cycle" : ""}${selected ? " selected" : ""}`} interactionWidth={24} />
      {/* Arrowhead at the master's end: REPLICAOF points from replica to master. */}
      <path className={`repl-arrow ${visual}${edge.inCycle ? " cycle" : ""}`} d={`M ${targetX + 1} ${targetY} l 13 -7 l 0 14 z`} />
      {flowing && (
        <circle key={`dot-${id}`} r={5} className={`repl-dot ${visual}`}>
          <animateMotion dur={`${durationSec}s`} repeatCount="indefinite" path={path} keyPoints="1;0" keyTimes="0;1" calcMode="linear" />
        </circle>
      )}
      {!compact && (
        <EdgeLabelRenderer>
          <div
            role="button"
            tabIndex={0}
            onClick={() => select({ kind: "edge", id })}
            onKeyDown={(e) => {
              if (e.key === "Enter") select({ kind: "edge", id });
            }}
            title={t("edge.inspect")}
            className={`nodrag nopan edge-label ${visual}${edge.inCycle ? " cycle" : ""}${selected ? " selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-edge-id={edgeId}
            data-state={visual}
            data-replica={edge.replicaId}
            data-master={edge.masterId}
          >
            <span>{labelText}</span>
            {edge.transferProgress !== null && visual === "transfer" && (
              <span className="progress small">
                <span style={{ width: `${edge.transferProgress * 100}%` }} />
              </span>
            )}
            {extraText !== "" && <span className="edge-extra">{extraText}</span>}
            {edge.inCycle && <span className="cycle-badge">{t("card.cycle")}</span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ReplicationEdge = memo(ReplicationEdgeImpl);
