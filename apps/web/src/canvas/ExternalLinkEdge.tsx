/**
 * A link whose replica is an external server: drawn like a lab link (same colours for the same
 * state, arrowhead at the master), but from what polling saw, so it has no bytes in flight, no
 * latency and nothing to inspect or change.
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { useExternalEdge } from "../store/externalSelectors.ts";
import type { ExternalLinkEdge as ExternalLinkEdgeType } from "./externalFlow.ts";
import { externalEdgeLabel, externalEdgeVisual } from "./externalState.ts";
import { useCompactView } from "./zoom.ts";

function ExternalLinkEdgeImpl({ id, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition }: EdgeProps<ExternalLinkEdgeType>) {
  const edge = useExternalEdge(data?.edgeId ?? null);
  const compact = useCompactView();
  const { t } = useTranslation();
  const [path, midX, midY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  if (!edge) return null;
  const visual = externalEdgeVisual(edge);
  const labelX = (midX + sourceX) / 2;
  const labelY = (midY + sourceY) / 2;
  return (
    <>
      <BaseEdge id={id} path={path} className={`repl-edge external-link ${visual}`} />
      <path className={`repl-arrow ${visual}`} d={`M ${targetX + 1} ${targetY} l 13 -7 l 0 14 z`} />
      {!compact && (
        <EdgeLabelRenderer>
          <div
            className={`nodrag nopan edge-label external-link-label ${visual}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={t("edge.observedTitle")}
            data-external-edge-id={edge.id}
            data-state={edge.linkStatus}
          >
            <span>{externalEdgeLabel(edge, t)}</span>
            <span className="edge-extra">{t("edge.observed")}</span>
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ExternalLinkEdge = memo(ExternalLinkEdgeImpl);
