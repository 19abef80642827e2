/**
 * The inspector for a server outside the lab: everything its latest polled INFO said, when it was
 * polled, and why not when it was not. There is nothing to drive here (the lab does not control
 * it); a lab node is made its replica from that node's own menu or by dragging onto its card.
 */
import { externalStatus, formatPolledAt } from "../canvas/externalState.ts";
import { isUnsetReplid } from "../format/replid.ts";
import { formatOffset } from "../format/units.ts";
import { useAddressLabel, useExternal } from "../store/externalSelectors.ts";
import { useApp } from "../store/store.ts";
import { ReplidPill } from "../ui/ReplidPill.tsx";

export function ExternalInspector({ id }: { readonly id: string }) {
  const node = useExternal(id);
  const select = useApp((s) => s.select);
  const masterLabel = useAddressLabel(node?.observed?.masterAddress ?? null);
  if (!node) return <div className="inspector-body muted">This server is no longer linked to the lab.</div>;
  const status = externalStatus(node);
  const o = node.observed;
  return (
    <div className="inspector-body" data-inspector-external={node.id}>
      <div className="inspector-title">
        <h2 className="mono external-inspector-title">{node.id}</h2>
        <span className={`role-badge ${o?.role ?? "unknown"}`}>{o?.role ?? "unknown"}</span>
        <span className={`link-chip tone-${status.tone}`}>{status.label}</span>
        <span className="spacer" />
        <button type="button" className="btn icon" aria-label="Close inspector" title="Close (Esc)" onClick={() => select(null)}>
          ×
        </button>
      </div>
      <p className="muted small">
        <span className="external-badge">external redis-server</span> outside the lab, observed by polling its INFO about once a second; it cannot be
        killed, frozen or commanded from here. Last answer at <span className="mono">{formatPolledAt(node.lastPolledUnixMs)}</span>
        {o && o.version !== "" ? ` · redis ${o.version}` : ""}.
      </p>
      {status.detail && <p className="small external-error-block">{status.detail}</p>}
      {o && (
        <>
          <section>
            <h3>Replication</h3>
            <dl className="counters" data-testid="external-replication">
              <dt>role</dt>
              <dd>{o.role}</dd>
              {o.role === "replica" && (
                <>
                  <dt>master</dt>
                  <dd title={o.masterAddress ?? ""}>{masterLabel}</dd>
                  <dt>link</dt>
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
              <dd>{isUnsetReplid(o.replid2) ? "none" : <ReplidPill replid={o.replid2} />}</dd>
              <dt>master_repl_offset</dt>
              <dd>{formatOffset(o.masterReplOffset)}</dd>
              <dt>second_repl_offset</dt>
              <dd>{o.secondReplOffset}</dd>
              <dt>backlog</dt>
              <dd>{o.backlogActive ? `from ${formatOffset(o.backlogFirstByteOffset)}, ${formatOffset(o.backlogHistlen)} bytes` : "inactive"}</dd>
              <dt>keys</dt>
              <dd>{o.keys}</dd>
            </dl>
          </section>
          <section>
            <h3>Replicas</h3>
            {o.replicas.length === 0 ? (
              <p className="muted small">none</p>
            ) : (
              <ul className="external-replicas">
                {o.replicas.map((r) => (
                  <li key={r.address}>
                    <ReplicaLabel address={r.address} /> · {r.state} · ack {formatOffset(r.ackOffset)} · lag {r.lagSec}s
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h3>Sync counters</h3>
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
        Make a lab node its replica: drag the node's handle onto this card, or type <code>REPLICAOF {node.host} {node.port}</code> in the node's console.
      </p>
    </div>
  );
}

function ReplicaLabel({ address }: { readonly address: string }) {
  const label = useAddressLabel(address);
  return <strong title={address}>{label}</strong>;
}
