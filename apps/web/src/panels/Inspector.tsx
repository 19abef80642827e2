/**
 * The inspector: everything about the selected node (actions, its master and link, its backlog to
 * scale, INFO replication, sync counters, replid history) or the selected replication edge. With
 * nothing selected it lists the nodes, so every node is one click away without the canvas.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useActions } from "../app/AppContext.tsx";
import { roleWord, statusWord } from "../i18n/words.ts";
import { BacklogBar } from "../canvas/BacklogBar.tsx";
import { replicaLinkChip } from "../canvas/linkState.ts";
import { formatBytes, formatOffset, formatRate, formatVirtualTime } from "../format/units.ts";
import { isUnsetReplid } from "../format/replid.ts";
import { hasOffsets, hasReplids, type OffsetNode } from "../format/kinds.ts";
import { replicaLag } from "../format/lag.ts";
import type { ReplidChange } from "../store/labData.ts";
import { useEdge, useEdgeOfReplica, useNode, useNodeChoices, useNodeName } from "../store/selectors.ts";
import { useApp } from "../store/store.ts";
import { ReplidPill } from "../ui/ReplidPill.tsx";
import { Term } from "../lessons/Glossary.tsx";
import { ExternalInspector } from "./ExternalInspector.tsx";
import { infoReplication } from "./infoReplication.ts";
import { asSsdb, isRedisNode } from "../format/ssdb.ts";
import { SsdbSection } from "../canvas/SsdbSection.tsx";
import { LinkControls } from "./LinkControls.tsx";
import { RingBacklog } from "./RingBacklog.tsx";
import { useShallow } from "zustand/react/shallow";
import type { NodeSnapshot, NodeVersion } from "@replica-lab/protocol";
import { pairingNeverSyncs, pairingNoteKey, VERSION_CHOICES, VERSION_PROTOCOL_KEYS, versionClass, versionLabel } from "../format/versions.ts";
import { VersionSelect } from "../ui/VersionSelect.tsx";
import { ConfigFileSection, DiskSection, DownNote } from "./DiskSection.tsx";
import { replicaOfInFile } from "./configFileText.ts";
import { KeyspaceBrowser } from "../keyspace/KeyspaceBrowser.tsx";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

export function Inspector() {
  const selection = useApp((s) => s.selection);
  const { t } = useTranslation();
  return (
    <aside className="inspector" aria-label={t("inspector.label")} data-testid="inspector">
      {selection?.kind === "node" ? (
        <NodeInspector id={selection.id} />
      ) : selection?.kind === "edge" ? (
        <EdgeInspector id={selection.id} />
      ) : selection?.kind === "external" ? (
        <ExternalInspector id={selection.id} />
      ) : (
        <LabOverview />
      )}
    </aside>
  );
}

function LabOverview() {
  const choices = useNodeChoices();
  const select = useApp((s) => s.select);
  const actions = useActions();
  const lock = useFollowLock();
  const seed = useApp((s) => s.lab.seed);
  const { t } = useTranslation();
  return (
    <div className="inspector-body">
      <h2>{t("inspector.nodes")}</h2>
      <p className="muted small">{t("inspector.overviewHint")}</p>
      <ul className="node-list">
        {choices.map(([id, name], i) => (
          <li key={id}>
            <button type="button" className="btn block left" onClick={() => select({ kind: "node", id })} data-testid={`select-${name}`}>
              <span className="kbd-hint">{i < 9 ? i + 1 : ""}</span> <OverviewRow id={id} name={name} />
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="btn primary" onClick={() => actions.addNode()} {...lockable(lock)}>
        {t("inspector.addNode")}
      </button>
      <p className="muted small">{t("inspector.seed", { seed })}</p>
    </div>
  );
}

function OverviewRow({ id, name }: { readonly id: string; readonly name: string }) {
  const role = useApp((s) => s.lab.nodes[id]?.role);
  const status = useApp((s) => s.lab.nodes[id]?.status);
  const masterName = useApp((s) => {
    const m = s.lab.nodes[id]?.masterId;
    return m ? (s.lab.nodes[m]?.name ?? m) : null;
  });
  const { t } = useTranslation();
  return (
    <span className="overview-row">
      <strong>{name}</strong> <span className={`role-badge ${role ?? ""}`}>{roleWord(role, t)}</span>
      {masterName && <span className="muted">{t("inspector.of", { master: masterName })}</span>}
      <span className={`status-chip ${status ?? ""}`}>{statusWord(status, t)}</span>
    </span>
  );
}

const LOAD_STEPS = [0, 1, 10, 50, 100, 500, 1000, 2500, 5000, 10000] as const;

function NodeInspector({ id }: { readonly id: string }) {
  const node = useNode(id);
  const actions = useActions();
  const lock = useFollowLock();
  const select = useApp((s) => s.select);
  const load = useApp((s) => s.lab.writeLoads[id] ?? 0);
  const { t } = useTranslation();
  if (!node) return <div className="inspector-body muted">{t("inspector.nodeGone")}</div>;
  const loadIndex = Math.max(0, LOAD_STEPS.findIndex((v) => v >= load));
  const up = node.status === "up";
  const ssdb = asSsdb(node);
  return (
    <div className="inspector-body" data-inspector-node={node.name}>
      <div className="inspector-title">
        <h2>{node.name}</h2>
        <span className={`role-badge ${node.role}`}>{roleWord(node.role, t)}</span>
        <span className={`status-chip ${node.status}`}>{statusWord(node.status, t)}</span>
        <span className="spacer" />
        <button type="button" className="btn icon" aria-label={t("inspector.close")} title={t("inspector.closeTitle")} onClick={() => select(null)}>
          ×
        </button>
      </div>
      <p className="muted small">
        {t("inspector.about", { address: node.address, version: versionLabel(node.version), boots: node.boots })}
        {node.respPort !== null && (
          <>
            {" "}
            · <code>redis-cli -p {node.respPort}</code>
          </>
        )}
      </p>
      <DownNote node={node} />

      <section>
        <h3>{t("inspector.drive")}</h3>
        <div className="button-grid">
          <button type="button" className="btn" {...lockable(lock, undefined, !up)} onClick={() => actions.setRandomKey(id)} data-testid="action-set">
            {t("inspector.setKey")} <kbd>S</kbd>
          </button>
          {node.status === "frozen" ? (
            <button type="button" className="btn frozen" {...lockable(lock)} onClick={() => actions.thaw(id)} data-testid="action-thaw">
              {t("inspector.thaw")} <kbd>F</kbd>
            </button>
          ) : (
            <button type="button" className="btn" {...lockable(lock, undefined, node.status === "down")} onClick={() => actions.freeze(id)} data-testid="action-freeze">
              {t("inspector.freeze")} <kbd>F</kbd>
            </button>
          )}
          {/* Left column: the restarts; right column: the two ways down, graceful above crash. */}
          <button type="button" className="btn" {...lockable(lock)} onClick={() => actions.restart(id, false)} data-testid="action-restart">
            {t("inspector.restart")} <kbd>R</kbd>
          </button>
          <button type="button" className="btn" {...lockable(lock, t("inspector.shutdownTitle"), !up)} onClick={() => actions.shutdown(id)} data-testid="action-shutdown">
            {t("inspector.shutdown")}
          </button>
          <button type="button" className="btn" {...lockable(lock)} onClick={() => actions.restart(id, true)} data-testid="action-restart-wipe">
            {t("inspector.restartWipe")} <kbd>⇧R</kbd>
          </button>
          <button type="button" className="btn danger" {...lockable(lock, t("inspector.killTitle"), node.status === "down")} onClick={() => actions.kill(id)} data-testid="action-kill">
            {t("inspector.kill")} <kbd>K</kbd>
          </button>
          <button type="button" className="btn danger" {...lockable(lock)} onClick={() => actions.removeNode(id)} data-testid="action-delete">
            {t("inspector.remove")} <kbd>Del</kbd>
          </button>
        </div>
        <VersionControl node={node} />
        <label className="load-control">
          <span>
            {t("inspector.writeLoad")} <strong data-testid="write-load-value">{formatRate(load)}</strong> {t("inspector.writeLoadUnit")}
          </span>
          <input
            type="range"
            min={0}
            max={LOAD_STEPS.length - 1}
            step={1}
            value={loadIndex}
            {...lockable(lock, undefined, !up)}
            aria-label={t("inspector.writeLoadLabel", { name: node.name })}
            data-testid="write-load"
            onChange={(e) => actions.setWriteLoad(id, LOAD_STEPS[Number(e.target.value)] ?? 0)}
          />
        </label>
      </section>

      <ReplicationSection node={node} />
      {isRedisNode(node) && <KeyspaceBrowser key={node.id} nodeId={node.id} />}
      <DiskSection node={node} />
      <ConfigFileSection key={node.id} node={node} />

      {hasOffsets(node) && (
        <section>
          <h3>
            <Term term="backlog">{node.protocol === "redis-psync2" ? t("inspector.backlogScaled") : t("inspector.backlogRing")}</Term>
          </h3>
          <RingBacklog node={node} />
          <BacklogBar node={node} variant="scaled" />
          <ReplicaOffsets node={node} />
        </section>
      )}

      {ssdb !== null && <SsdbSection node={ssdb} />}

      {isRedisNode(node) && (
        <section>
          <h3>{t("inspector.syncCounters")}</h3>
          <dl className="counters" data-testid="sync-counters">
            {"syncFull" in node.stats && (
              <>
                <dt>sync_full</dt>
                <dd data-field="sync_full">{node.stats.syncFull}</dd>
                <dt>sync_partial_ok</dt>
                <dd data-field="sync_partial_ok">{node.stats.syncPartialOk}</dd>
                <dt>sync_partial_err</dt>
                <dd data-field="sync_partial_err">{node.stats.syncPartialErr}</dd>
              </>
            )}
            <dt>{t("inspector.commands")}</dt>
            <dd>{formatOffset(node.stats.commandsProcessed)}</dd>
            <dt>{t("inspector.connections")}</dt>
            <dd>{node.stats.connectionsReceived}</dd>
            <dt>{t("inspector.keysExpires")}</dt>
            <dd>
              {node.keys} / {node.expires}
            </dd>
          </dl>
        </section>
      )}

      <ReplidHistory id={id} />

      <section>
        <h3>INFO replication</h3>
        <p className="muted small">{t("inspector.infoNote")}</p>
        <pre className="info" data-testid="info-replication">
          {infoReplication(node, t("inspector.infoDown"))}
        </pre>
      </section>
    </div>
  );
}

/**
 * The node's version and a restart as another one: the process starts again from the same disk
 * (dump.rdb, the config file), as an upgrade or a downgrade of the binary would.
 */
function VersionControl({ node }: { readonly node: NodeSnapshot }) {
  const actions = useActions();
  const lock = useFollowLock();
  const [target, setTarget] = useState<NodeVersion>(() => VERSION_CHOICES.find((v) => v !== node.version) ?? "7.0");
  const { t } = useTranslation();
  return (
    <div className="control-row version-control">
      <span className="k">{t("inspector.version")}</span>
      <span className={`version-badge ${versionClass(node.version)}`} data-field="inspector-version" title={t(VERSION_PROTOCOL_KEYS[node.version])}>
        {versionLabel(node.version)}
      </span>
      <VersionSelect value={target} onChange={setTarget} label={t("inspector.restartAsLabel", { name: node.name })} testId="restart-version" />
      <button type="button" className="btn" {...lockable(lock, t("inspector.restartAsTitle"), target === node.version)} onClick={() => actions.restart(node.id, false, target)} data-testid="action-restart-as">
        {t("inspector.restartAs", { version: versionLabel(target) })}
      </button>
    </div>
  );
}

function ReplicationSection({ node }: { readonly node: NodeSnapshot }) {
  const actions = useActions();
  const lock = useFollowLock();
  const choices = useNodeChoices();
  const masterName = useNodeName(node.masterId);
  const edge = useEdgeOfReplica(node.id);
  // Off by default: REPLICAOF alone changes only the running process, as in redis.
  const [persist, setPersist] = useState(false);
  const { t } = useTranslation();
  const chip = replicaLinkChip(node, t);
  const choiceVersions = useApp(useShallow((s) => Object.fromEntries(choices.map(([cid]) => [cid, s.lab.nodes[cid]?.version ?? ""] as const))));
  const masterVersion = node.masterId === null ? null : (choiceVersions[node.masterId] ?? null);
  const pairingKey = masterVersion === null ? null : pairingNoteKey(node.version, masterVersion);
  const fileMaster = replicaOfInFile(node.configFile);
  const fileMasterName = useApp((s) => (fileMaster === null ? null : (Object.values(s.lab.nodes).find((n) => n.address === fileMaster)?.name ?? fileMaster)));
  return (
    <section>
      <h3>{t("inspector.replication")}</h3>
      <label className="control-row">
        <span className="k">{t("inspector.replicaOf")}</span>
        <select
          value={node.masterId ?? (node.masterAddress ? "external" : "")}
          onChange={(e) => actions.setMaster(node.id, e.target.value === "" ? null : e.target.value, persist)}
          data-testid="master-select"
          {...lockable(lock)}
          aria-label={t("inspector.masterOf", { name: node.name })}
        >
          <option value="">{t("inspector.noOne")}</option>
          {node.masterAddress && node.masterId === null && <option value="external">{node.masterAddress}</option>}
          {choices
            .filter(([cid]) => cid !== node.id)
            .map(([cid, name]) => (
              <option key={cid} value={cid}>
                {name}
                {choiceVersions[cid] !== undefined && pairingNeverSyncs(node.version, choiceVersions[cid]) ? `  ⚠ ${t("versions.pair.never")}` : ""}
              </option>
            ))}
        </select>
      </label>
      {pairingKey !== null && (
        <p className={`small ${masterVersion !== null && pairingNeverSyncs(node.version, masterVersion) ? "warn-text" : "muted"}`} data-testid="pairing-note">
          {t(pairingKey)}
        </p>
      )}
      <label className="persist-toggle small" title={t("inspector.persistTitle")}>
        <input type="checkbox" checked={persist} onChange={(e) => setPersist(e.target.checked)} data-testid="persist-master" />
        {t("inspector.persist")}
      </label>
      {(fileMaster !== null || node.role === "replica") && (
        <p className={`small ${fileMaster === null ? "warn-text" : "muted"}`} data-testid="file-replicaof" data-master={fileMaster ?? ""}>
          {fileMaster === null ? t("inspector.fileNoReplicaOf") : t("inspector.fileReplicaOf", { master: fileMasterName ?? fileMaster })}
        </p>
      )}
      {node.role === "replica" && (
        <>
          <button type="button" className="btn" {...lockable(lock)} onClick={() => actions.setMaster(node.id, null, persist)} data-testid="action-promote">
            {t("inspector.promote")} <kbd>P</kbd>
          </button>
          {chip && (
            <p className="link-line">
              {t("inspector.linkTo", { master: masterName ?? node.masterAddress ?? "" })}{" "}
              <span className={`link-chip tone-${chip.tone}`} data-state={chip.state}>
                {chip.label}
              </span>{" "}
              <span className="muted">{chip.detail}</span>
            </p>
          )}
          {node.masterId && <LinkControls a={node.id} b={node.masterId} aName={node.name} bName={masterName ?? node.masterId} />}
          {edge && edge.inCycle && <p className="warn-text">{t("inspector.cycleWarning")}</p>}
        </>
      )}
      {node.protocol === "redis-psync1" && (
        <div className="replid-block" data-testid="run-ids">
          <div>
            <span className="k">run_id</span> <ReplidPill replid={node.runId} /> <code className="small">{node.runId || "—"}</code>
          </div>
          {node.masterRunId !== null && (
            <div title={t("card.masterRunIdTitle")}>
              <span className="k">{t("card.masterRunId")}</span> <ReplidPill replid={node.masterRunId} /> <code className="small">{node.masterRunId}</code>
            </div>
          )}
          <p className="muted small">{t("inspector.runIdNote")}</p>
        </div>
      )}
      {hasReplids(node) && (
        <div className="replid-block">
          <div>
            <span className="k">master_replid</span> <ReplidPill replid={node.replid} /> <code className="small">{node.replid || "—"}</code>
          </div>
          <div>
            <span className="k">master_replid2</span> <ReplidPill replid={node.replid2} />{" "}
            {!isUnsetReplid(node.replid2) && (
              <span className="small">{t("inspector.validUpTo", { offset: formatOffset(node.secondReplOffset) })}</span>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function ReplicaOffsets({ node }: { readonly node: OffsetNode }) {
  const names = useApp(useShallow((s) => node.replicas.map((r) => (r.nodeId ? (s.lab.nodes[r.nodeId]?.name ?? r.address) : r.address))));
  // Each row's lag as the replica's card shows it (format/lag.ts), as "bytes basis" strings.
  const lags = useApp(
    useShallow((s) =>
      node.replicas.map((r) => {
        const lag = replicaLag(node, r.nodeId ? s.lab.nodes[r.nodeId] : undefined, r);
        return lag === null ? "" : `${lag.bytes} ${lag.basis}`;
      }),
    ),
  );
  const { t } = useTranslation();
  if (node.replicas.length === 0) return <p className="muted small">{t("inspector.noReplicas")}</p>;
  const first = node.backlog.firstByteOffset;
  return (
    <table className="offsets">
      <thead>
        <tr>
          <th>{t("inspector.colReplica")}</th>
          <th>{t("inspector.colState")}</th>
          <th>
            <Term term="offset">{t("inspector.colAck")}</Term>
          </th>
          <th>{t("inspector.colBehind")}</th>
          <th>
            <Term term="lag">{t("inspector.colLag")}</Term>
          </th>
        </tr>
      </thead>
      <tbody>
        {node.replicas.map((r, i) => {
          const [bytes = "", basis = ""] = (lags[i] ?? "").split(" ");
          const outside = node.backlog.active && r.ackOffset < first - 1;
          return (
            <tr key={`${r.address}-${i}`} className={outside ? "outside" : ""}>
              <td>{names[i]}</td>
              <td>{r.state}</td>
              <td className="mono">{formatOffset(r.ackOffset)}</td>
              <td className="mono" data-field="behind" data-basis={basis} title={basis === "acked" ? t("inspector.behindByAck") : t("card.lagTitle")}>
                {bytes === "" ? "—" : basis === "acked" ? t("inspector.behindAcked", { bytes: formatBytes(Number(bytes)) }) : formatBytes(Number(bytes))}
              </td>
              <td>{t("inspector.lagSec", { sec: r.lagSec })}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ReplidHistory({ id }: { readonly id: string }) {
  const history = useApp((s) => s.lab.replidHistory[id]);
  const { t } = useTranslation();
  if (!history || history.length === 0) return null;
  return (
    <section>
      <h3>
        <Term term="replid">{t("inspector.replidHistory")}</Term> · <Term term="run_id">{t("glossary.term.run_id")}</Term>
      </h3>
      <ol className="replid-history" data-testid="replid-history">
        {[...history].reverse().map((h: ReplidChange, i) => (
          <li key={`${h.replid}-${h.seenAtMs}-${i}`}>
            <ReplidPill replid={h.replid} />
            {!isUnsetReplid(h.replid2) && (
              <span className="small">
                {" "}
                replid2 <ReplidPill replid={h.replid2} /> ≤ {formatOffset(h.secondReplOffset)}
              </span>
            )}
            <span className="muted small"> {t("inspector.seenAt", { time: formatVirtualTime(h.seenAtMs) })}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function EdgeInspector({ id }: { readonly id: string }) {
  const edge = useEdge(id);
  const actions = useActions();
  const lock = useFollowLock();
  const select = useApp((s) => s.select);
  const replicaName = useNodeName(edge?.replicaId ?? null);
  const masterName = useNodeName(edge?.masterId ?? null);
  const { t } = useTranslation();
  if (!edge) return <div className="inspector-body muted">{t("inspector.linkGone")}</div>;
  return (
    <div className="inspector-body" data-inspector-edge={edge.id}>
      <div className="inspector-title">
        <h2>
          {replicaName} → {masterName ?? edge.masterAddress}
        </h2>
        <span className="spacer" />
        <button type="button" className="btn icon" aria-label={t("inspector.close")} title={t("inspector.closeTitle")} onClick={() => select(null)}>
          ×
        </button>
      </div>
      <p className="muted small">
        {t("inspector.edgeAbout", { replica: replicaName ?? edge.replicaId, master: masterName ?? edge.masterAddress, command: `REPLICAOF ${edge.masterAddress.replace(":", " ")}` })}
      </p>
      <dl className="counters">
        <dt>
          <Term term="repl_state">{t("inspector.phase")}</Term>
        </dt>
        <dd>{edge.phase}</dd>
        <dt>{t("inspector.inFlight")}</dt>
        <dd>{formatOffset(edge.inFlightBytes)}</dd>
        {edge.transferProgress !== null && (
          <>
            <dt>{t("inspector.rdbTransfer")}</dt>
            <dd>{Math.floor(edge.transferProgress * 100)}%</dd>
          </>
        )}
        <dt>{t("inspector.inCycle")}</dt>
        <dd>{edge.inCycle ? t("inspector.yes") : t("inspector.no")}</dd>
      </dl>
      <div className="button-grid single">
        <button type="button" className="btn" onClick={() => select({ kind: "node", id: edge.replicaId })}>
          {t("inspector.inspectNode", { name: replicaName ?? edge.replicaId })}
        </button>
        {edge.masterId && (
          <button type="button" className="btn" onClick={() => select({ kind: "node", id: edge.masterId! })}>
            {t("inspector.inspectNode", { name: masterName ?? edge.masterId })}
          </button>
        )}
        <button type="button" className="btn danger" {...lockable(lock)} onClick={() => actions.removeEdge(edge.id)} data-testid="action-remove-edge">
          {t("inspector.removeLink", { name: replicaName ?? edge.replicaId })} <kbd>Del</kbd>
        </button>
      </div>
      {edge.masterId && (
        <section>
          <h3>{t("inspector.networkPath")}</h3>
          <LinkControls a={edge.replicaId} b={edge.masterId} aName={replicaName ?? edge.replicaId} bName={masterName ?? edge.masterId} />
        </section>
      )}
    </div>
  );
}
