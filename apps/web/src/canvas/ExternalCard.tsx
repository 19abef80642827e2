/**
 * A redis-server outside the lab, drawn with the lab's nodes: what polling its INFO showed (role,
 * replids, offsets, link, replicas, keys, sync counters) and when. It is read-only: the lab cannot
 * kill, freeze or command it, so the card has no actions. A lab node dragged onto it replicates
 * from it (REPLICAOF its address).
 */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { Handle, Position, useConnection, type NodeProps } from "@xyflow/react";
import type { ExternalNodeView, ExternalObservation } from "@replica-lab/protocol";
import { isUnsetReplid } from "../format/replid.ts";
import { formatOffset } from "../format/units.ts";
import { roleWord } from "../i18n/words.ts";
import { externalFlowId } from "../store/externalData.ts";
import { useAddressLabel, useExternal } from "../store/externalSelectors.ts";
import { ReplidPill } from "../ui/ReplidPill.tsx";
import { externalStatus, formatPolledAt } from "./externalState.ts";
import type { ExternalCardNode } from "./externalFlow.ts";
import { SOURCE_HANDLE, TARGET_HANDLE } from "./flowModel.ts";
import { useCompactView } from "./zoom.ts";
import "./external.css";

function ExternalCardImpl({ data, selected }: NodeProps<ExternalCardNode>) {
  const id = data.externalId;
  const node = useExternal(id);
  const dropTarget = useConnection((c) => c.inProgress && c.fromNode.id !== externalFlowId(id));
  const compact = useCompactView();
  const { t } = useTranslation();
  if (!node) return <div className="card card-missing">…</div>;
  const status = externalStatus(node, t);
  const role = node.observed?.role ?? "unknown";
  return (
    <div
      className={`card external-card role-${role} external-${status.state}${selected ? " selected" : ""}${compact ? " compact" : ""}`}
      data-external-id={node.id}
      data-role={role}
      data-state={status.state}
      title={t("external.cardTitle", { address: node.id })}
    >
      {/* Links start here when this server is the replica; nobody drags from it. */}
      <Handle type="source" position={Position.Left} id={SOURCE_HANDLE} className="handle-external" isConnectable={false} />
      <Handle type="target" position={Position.Right} id={TARGET_HANDLE} className="handle-in" isConnectableStart={false} />
      <Handle type="target" position={Position.Top} id="drop" className={`handle-drop${dropTarget ? " active" : ""}`} isConnectableStart={false} />
      {compact ? <CompactBody node={node} role={role} /> : <FullBody node={node} role={role} />}
    </div>
  );
}

function CompactBody({ node, role }: { readonly node: ExternalNodeView; readonly role: string }) {
  const { t } = useTranslation();
  const status = externalStatus(node, t);
  return (
    <div className="compact-body">
      <div className="compact-top">
        <span className="card-name">:{node.port}</span>
        <span className={`role-badge ${role}`} data-field="role">
          {roleWord(role, t)}
        </span>
        <span className="spacer" />
        <span className="external-badge">{t("external.badge")}</span>
      </div>
      <div className="compact-figures">
        <span className="mono" data-field="offset">
          {node.observed ? formatOffset(node.observed.masterReplOffset) : "—"}
        </span>
        <span className={`link-chip tone-${status.tone}`} data-field="reachability">
          {status.label}
        </span>
      </div>
    </div>
  );
}

function FullBody({ node, role }: { readonly node: ExternalNodeView; readonly role: string }) {
  const { t } = useTranslation();
  const status = externalStatus(node, t);
  const observed = node.observed;
  return (
    <>
      <div className="card-header external-header">
        <span className="external-badge" title={t("external.badgeTitle")}>
          {t("external.badgeFull")}
        </span>
        <span className="spacer" />
        <span className={`link-chip tone-${status.tone}`} data-field="reachability" title={status.detail ?? undefined}>
          {status.label}
        </span>
      </div>
      <div className="card-header external-title">
        <span className="card-name external-address" data-field="address">
          {node.id}
        </span>
        <span className={`role-badge ${role}`} data-field="role">
          {roleWord(role, t)}
        </span>
        <span className="spacer" />
        {observed && observed.version !== "" && <span className="version muted">{observed.version}</span>}
      </div>
      <div className="card-body">
        {observed ? <Observed observed={observed} /> : <div className="card-row muted">{t("external.nothingYet")}</div>}
        <div className="card-row external-polled" data-field="polled">
          <span className="k">{t("external.polled")}</span>
          <span className="mono">{formatPolledAt(node.lastPolledUnixMs, t)}</span>
          {status.detail && (
            <span className="external-error" title={status.detail} lang="en" data-server-text>
              {status.detail}
            </span>
          )}
        </div>
      </div>
    </>
  );
}

function Observed({ observed }: { readonly observed: ExternalObservation }) {
  const masterLabel = useAddressLabel(observed.masterAddress);
  const { t } = useTranslation();
  const online = observed.replicas.filter((r) => r.state === "online").length;
  return (
    <>
      <div className="card-row">
        <span className="k">{t("card.replid")}</span>
        <ReplidPill replid={observed.replid} field="replid" />
        {!isUnsetReplid(observed.replid2) && (
          <>
            <span className="k">{t("card.replid2")}</span>
            <ReplidPill replid={observed.replid2} field="replid2" />
          </>
        )}
      </div>
      <div className="card-row figures">
        <span className="k">{t("card.offset")}</span>
        <span className="v mono" data-field="offset" data-value={observed.masterReplOffset}>
          {formatOffset(observed.masterReplOffset)}
        </span>
        <span className="k">{t("card.keys")}</span>
        <span className="v mono" data-field="keys">
          {observed.keys}
        </span>
      </div>
      {observed.role === "replica" ? (
        <div className="card-row link-row">
          <span className="k">{t("card.link")}</span>
          <span className={`link-chip tone-${observed.masterLinkStatus === "up" ? "good" : "bad"}`} data-field="link" data-state={observed.masterLinkStatus ?? "down"}>
            {observed.masterLinkStatus === "up" ? t("link.connected") : t("link.down")}
          </span>
          <span className="k">{t("external.master")}</span>
          <span className="external-master mono" title={observed.masterAddress ?? ""} data-field="master">
            {masterLabel}
          </span>
        </div>
      ) : (
        <div className="card-row">
          <span className="k">{t("card.replicas")}</span>
          <span className="v" data-field="replicas">
            {observed.replicas.length === 0 ? t("card.replicasNone") : t("card.replicasCount", { count: observed.replicas.length, online })}
          </span>
        </div>
      )}
      <div className="card-row" data-field="sync">
        <span className="k">{t("external.syncs")}</span>
        <span className="mono small">{t("external.syncFigures", { full: observed.syncFull, partial: observed.syncPartialOk, err: observed.syncPartialErr })}</span>
      </div>
    </>
  );
}

export const ExternalCard = memo(ExternalCardImpl);
