/**
 * The inspector for a server outside the lab: everything its latest polled INFO said, when it was
 * polled, and why not when it was not. There is nothing to drive here (the lab does not control
 * it); a lab node is made its replica from that node's own menu or by dragging onto its card.
 */
import { useTranslation } from "react-i18next";
import { externalStatus, formatPolledAt } from "../canvas/externalState.ts";
import { roleWord } from "../i18n/words.ts";
import { isUnsetReplid } from "../format/replid.ts";
import { formatOffset } from "../format/units.ts";
import { useAddressLabel, useExternal } from "../store/externalSelectors.ts";
import { useApp } from "../store/store.ts";
import { ReplidPill } from "../ui/ReplidPill.tsx";

export function ExternalInspector({ id }: { readonly id: string }) {
  const node = useExternal(id);
  const select = useApp((s) => s.select);
  const masterLabel = useAddressLabel(node?.observed?.masterAddress ?? null);
  const { t } = useTranslation();
  if (!node) return <div className="inspector-body muted">{t("external.gone")}</div>;
  const status = externalStatus(node, t);
  const polledAt = formatPolledAt(node.lastPolledUnixMs, t);
  const o = node.observed;
  return (
    <div className="inspector-body" data-inspector-external={node.id}>
      <div className="inspector-title">
        <h2 className="mono external-inspector-title">{node.id}</h2>
        <span className={`role-badge ${o?.role ?? "unknown"}`}>{roleWord(o?.role, t)}</span>
        <span className={`link-chip tone-${status.tone}`}>{status.label}</span>
        <span className="spacer" />
        <button type="button" className="btn icon" aria-label={t("inspector.close")} title={t("inspector.closeTitle")} onClick={() => select(null)}>
          ×
        </button>
      </div>
      <p className="muted small">
        <span className="external-badge">{t("external.badgeFull")}</span>{" "}
        {o && o.version !== "" ? t("external.aboutVersion", { time: polledAt, version: o.version }) : t("external.about", { time: polledAt })}
      </p>
      {status.detail && (
        <p className="small external-error-block" lang="en" data-server-text>
          {status.detail}
        </p>
      )}
      {o && (
        <>
          <section>
            <h3>{t("inspector.replication")}</h3>
            <dl className="counters" data-testid="external-replication">
              <dt>role</dt>
              <dd>{o.role === "replica" ? "slave" : o.role}</dd>
              {o.role === "replica" && (
                <>
                  <dt>{t("external.master")}</dt>
                  <dd title={o.masterAddress ?? ""}>{masterLabel}</dd>
                  <dt>master_link_status</dt>
                  <dd>{o.masterLinkStatus}</dd>
                  <dt>slave_repl_offset</dt>
                  <dd>{o.replicaOffset === null ? "—" : formatOffset(o.replicaOffset)}</dd>
                </>
              )}
              <dt>master_replid</dt>
              <dd>
                <ReplidPill replid={o.replid} />
              </dd>
              <dt>master_replid2</dt>
              <dd>{isUnsetReplid(o.replid2) ? t("replid.none") : <ReplidPill replid={o.replid2} />}</dd>
              <dt>master_repl_offset</dt>
              <dd>{formatOffset(o.masterReplOffset)}</dd>
              <dt>second_repl_offset</dt>
              <dd>{o.secondReplOffset}</dd>
              <dt>{t("backlog.label")}</dt>
              <dd>{o.backlogActive ? t("external.backlogFrom", { first: formatOffset(o.backlogFirstByteOffset), bytes: formatOffset(o.backlogHistlen) }) : t("external.backlogInactive")}</dd>
              <dt>{t("card.keys")}</dt>
              <dd>{o.keys}</dd>
            </dl>
          </section>
          <section>
            <h3>{t("card.replicas")}</h3>
            {o.replicas.length === 0 ? (
              <p className="muted small">{t("card.replicasNone")}</p>
            ) : (
              <ul className="external-replicas">
                {o.replicas.map((r) => (
                  <li key={r.address}>
                    <ReplicaLabel address={r.address} /> · {t("external.replicaLine", { state: r.state, offset: formatOffset(r.ackOffset), sec: r.lagSec })}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h3>{t("inspector.syncCounters")}</h3>
            <dl className="counters">
              <dt>sync_full</dt>
              <dd>{o.syncFull}</dd>
              <dt>sync_partial_ok</dt>
              <dd>{o.syncPartialOk}</dd>
              <dt>sync_partial_err</dt>
              <dd>{o.syncPartialErr}</dd>
            </dl>
          </section>
        </>
      )}
      <p className="muted small">
        {t("external.howTo")} <code>REPLICAOF {node.host} {node.port}</code>
      </p>
    </div>
  );
}

function ReplicaLabel({ address }: { readonly address: string }) {
  const label = useAddressLabel(address);
  return <strong title={address}>{label}</strong>;
}
