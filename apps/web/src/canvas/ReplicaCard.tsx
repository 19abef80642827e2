/**
 * A node on the canvas. React Flow passes only the id; every figure is read from the store by a
 * selector keyed on that id, so an update to another node never re-renders this card.
 *
 * Handles: drag from the nub on the left edge ("out") to another card to make this node its replica.
 * While a connection is being dragged, the whole card becomes a drop target.
 */
import { memo } from "react";
import { useShallow } from "zustand/react/shallow";
import { useTranslation } from "react-i18next";
import { Handle, Position, useConnection, type NodeProps } from "@xyflow/react";
import { useCompactView } from "./zoom.ts";
import type { NodeSnapshot, NodeVersion } from "@replica-lab/protocol";
import { useActions } from "../app/AppContext.tsx";
import { hasOffsets, hasReplids, syncCounts } from "../format/kinds.ts";
import { replicaLag } from "../format/lag.ts";
import { isUnsetReplid } from "../format/replid.ts";
import { asSsdb, isRedisNode, replicaOnline } from "../format/ssdb.ts";
import { DigestRow } from "../keyspace/DigestRow.tsx";
import { formatBytes, formatOffset } from "../format/units.ts";
import { pairingNeverSyncs, VERSION_CHOICES, VERSION_PROTOCOL_KEYS, versionClass, versionLabel, versionShort } from "../format/versions.ts";
import { roleWord, statusWord } from "../i18n/words.ts";
import { appStore, useApp } from "../store/store.ts";
import { useInCycle, useNode, useNodeName } from "../store/selectors.ts";
import { downReasonKey, useDownReason } from "../store/downReason.ts";
import { Menu, type MenuEntry } from "../ui/Menu.tsx";
import { ReplidPill } from "../ui/ReplidPill.tsx";
import { Term } from "../lessons/Glossary.tsx";
import { WaitNotes } from "../lessons/WaitNotes.tsx";
import { BacklogBar } from "./BacklogBar.tsx";
import { SsdbSection } from "./SsdbSection.tsx";
import "./versions.css";
import { SOURCE_HANDLE, TARGET_HANDLE, type CardNode } from "./flowModel.ts";
import { replicaLinkChip } from "./linkState.ts";
import { useFollowLock } from "../classroom/followLock.ts";

function ReplicaCardImpl({ data, selected }: NodeProps<CardNode>) {
  const id = data.nodeId;
  const node = useNode(id);
  const inCycle = useInCycle(id);
  const dropTarget = useConnection((c) => c.inProgress && c.fromNode.id !== id);
  const compact = useCompactView();
  const { t } = useTranslation();
  if (!node) return <div className="card card-missing">…</div>;
  return (
    <div
      className={`card role-${node.role} status-${node.status}${selected ? " selected" : ""}${inCycle ? " in-cycle" : ""}${compact ? " compact" : ""}`}
      data-node-id={node.id}
      data-node-name={node.name}
      data-status={node.status}
      data-role={node.role}
    >
      <Handle
        type="source"
        position={Position.Left}
        id={SOURCE_HANDLE}
        className="handle-out"
        title={t("card.handleTitle", { name: node.name })}
        data-testid={`handle-${node.name}`}
      />
      <Handle type="target" position={Position.Right} id={TARGET_HANDLE} className="handle-in" isConnectableStart={false} />
      <Handle type="target" position={Position.Top} id="drop" className={`handle-drop${dropTarget ? " active" : ""}`} isConnectableStart={false} />
      {compact ? <CompactBody node={node} /> : <FullBody node={node} inCycle={inCycle} />}
    </div>
  );
}

/**
 * Zoomed far out the small print is unreadable anyway: show what can be read from afar (name, role,
 * offset, link) and skip the rest, which also keeps 100 changing cards cheap to draw.
 */
function CompactBody({ node }: { readonly node: NodeSnapshot }) {
  const { t } = useTranslation();
  const chip = replicaLinkChip(node, t);
  return (
    <div className="compact-body">
      <div className="compact-top">
        <span className="card-name">{node.name}</span>
        <span className={`role-badge ${node.role}`} data-field="role">
          {roleWord(node.role, t)}
        </span>
        <span className="spacer" />
        <span className={`status-chip ${node.status}`} data-field="status">
          {statusWord(node.status, t)}
        </span>
      </div>
      <div className="compact-figures">
        {hasOffsets(node) ? (
          <span className="mono" data-field="offset" data-value={node.masterReplOffset}>
            {node.status === "down" ? "—" : formatOffset(node.masterReplOffset)}
          </span>
        ) : (
          <span className="mono" data-field="keys">
            {t("card.keysCount", { count: node.keys })}
          </span>
        )}
        {chip && (
          <span className={`link-chip tone-${chip.tone}`} data-field="link" data-state={chip.state}>
            {chip.label}
          </span>
        )}
      </div>
    </div>
  );
}

function FullBody({ node, inCycle }: { readonly node: NodeSnapshot; readonly inCycle: boolean }) {
  const { t } = useTranslation();
  const ssdb = asSsdb(node);
  return (
    <>
      <CardHeader node={node} inCycle={inCycle} />
      <div className="card-body">
        {hasReplids(node) && (
          <div className="card-row">
            <span className="k">
                <Term term="replid">{t("card.replid")}</Term>
              </span>
            <ReplidPill replid={node.replid} field="replid" />
            {!isUnsetReplid(node.replid2) && (
              <>
                <span className="k">
                    <Term term="replid2">{t("card.replid2")}</Term>
                  </span>
                <ReplidPill replid={node.replid2} field="replid2" />
              </>
            )}
          </div>
        )}
        {node.protocol === "redis-psync1" && <RunIdRow node={node} />}
        <div className="card-row figures">
          {hasOffsets(node) && (
            <>
              <span className="k">
                <Term term="offset">{t("card.offset")}</Term>
              </span>
              <span className="v mono" data-field="offset" data-value={node.masterReplOffset}>
                {node.status === "down" ? "—" : formatOffset(node.masterReplOffset)}
              </span>
            </>
          )}
          {node.protocol === "redis-psync1" && node.replicaOffset !== null && node.status !== "down" && (
            // 2.8 counts its master's stream apart from its own: what it has read of it is slave_repl_offset.
            <>
              <span className="k" title={t("card.readOffsetTitle")}>
                {t("card.readOffset")}
              </span>
              <span className="v mono" data-field="replica-offset" data-value={node.replicaOffset}>
                {formatOffset(node.replicaOffset)}
              </span>
            </>
          )}
          {node.protocol === "redis-sync" && (
            <span className="k muted" data-field="no-offset" title={t("card.syncOnlyTitle")}>
              {t("card.syncOnly")}
            </span>
          )}
          <span className="k">{t("card.keys")}</span>
          <span className="v mono" data-field="keys">
            {node.keys}
          </span>
        </div>
        {isRedisNode(node) && <DigestRow nodeId={node.id} />}
        {node.role === "replica" ? <ReplicaLinkRow node={node} /> : <MasterRow node={node} />}
        <WaitNotes nodeId={node.id} />
        {node.status === "down" ? <DownRow id={node.id} /> : hasOffsets(node) && <BacklogBar node={node} variant="card" />}
        {ssdb !== null && <SsdbSection node={ssdb} />}
      </div>
    </>
  );
}

function CardHeader({ node, inCycle }: { readonly node: NodeSnapshot; readonly inCycle: boolean }) {
  const actions = useActions();
  const lock = useFollowLock();
  const masterName = useNodeName(node.masterId);
  const { t } = useTranslation();
  // Built when the menu opens, from the store as it is then: the card subscribes to nothing extra.
  const items = (): MenuEntry[] => {
    const lab = appStore.getState().lab;
    const others = lab.nodeIds.filter((x) => x !== node.id);
    return [
      { label: t("menu.setKey"), hint: "S", disabled: node.status !== "up", onSelect: () => actions.setRandomKey(node.id) },
      "separator",
      { heading: t("menu.replicateFrom") },
      ...others.map((otherId) => {
        const other = lab.nodes[otherId];
        // Said before the link is made: an SSDB node and a Redis node never sync with each other.
        const never = other !== undefined && pairingNeverSyncs(node.version, other.version);
        return {
          label: `${other?.name ?? otherId}${otherId === node.masterId ? "  ✓" : ""}${never ? `  ⚠ ${t("versions.pair.never")}` : ""}`,
          onSelect: () => actions.setMaster(node.id, otherId),
        };
      }),
      // Servers outside the lab that the lab already knows of (external nodes): REPLICAOF their address.
      ...lab.externals.nodeIds.map((address) => ({
        label: `${t("menu.external", { address })}${node.masterId === null && address === node.masterAddress ? "  ✓" : ""}`,
        onSelect: () => actions.setMaster(node.id, address),
      })),
      { label: t("menu.promote"), hint: "P", disabled: node.role === "master", onSelect: () => actions.setMaster(node.id, null) },
      "separator",
      node.status === "frozen"
        ? { label: t("menu.thaw"), hint: "F", onSelect: () => actions.thaw(node.id) }
        : { label: t("menu.freeze"), hint: "F", disabled: node.status === "down", onSelect: () => actions.freeze(node.id) },
      { label: t("menu.shutdown"), disabled: node.status !== "up", onSelect: () => actions.shutdown(node.id) },
      { label: t("menu.kill"), hint: "K", disabled: node.status === "down", onSelect: () => actions.kill(node.id) },
      { label: t("menu.restart"), hint: "R", onSelect: () => actions.restart(node.id, false) },
      { label: t("menu.restartWipe"), hint: "⇧R", onSelect: () => actions.restart(node.id, true) },
      "separator",
      // A new version starts from the same disk, as an upgrade (or a downgrade) would.
      { heading: t("menu.restartAs") },
      ...VERSION_CHOICES.filter((v) => v !== node.version).map((v) => ({
        label: t("menu.restartAsVersion", { version: versionLabel(v) }),
        onSelect: () => actions.restart(node.id, false, v),
      })),
      "separator",
      { label: t("menu.remove"), hint: "Del", danger: true, onSelect: () => actions.removeNode(node.id) },
    ];
  };
  return (
    <div className="card-header">
      <span className="card-name">{node.name}</span>
      <span className={`role-badge ${node.role}`} data-field="role">
        {roleWord(node.role, t)}
      </span>
      {node.role === "replica" && (
        <span className="card-of muted" title={node.removedMaster !== null ? t("card.removedMasterTitle", { master: node.removedMaster, address: node.masterAddress ?? "" }) : (node.masterAddress ?? "")}>
          {t("card.of", { master: masterName ?? (node.removedMaster !== null ? t("card.removedMaster", { master: node.removedMaster }) : (node.masterAddress ?? "")) })}
        </span>
      )}
      <span className="spacer" />
      {inCycle && (
        <span className="cycle-badge" title={t("card.cycleTitle")}>
          {t("card.cycle")}
        </span>
      )}
      <span className={`status-chip ${node.status}`} data-field="status">
        {node.status === "frozen" ? t("status.frozenChip") : statusWord(node.status, t)}
      </span>
      <VersionBadge version={node.version} />
      <Menu label={t("card.menu", { name: node.name })} items={items} testId={`menu-${node.name}`} className="btn icon card-menu" lock={lock}>
        ⋯
      </Menu>
    </div>
  );
}

/** The version on every card, coloured per version, its replication in one line as the tooltip. */
function VersionBadge({ version }: { readonly version: NodeVersion }) {
  const { t } = useTranslation();
  return (
    <span className={`version-badge ${versionClass(version)}`} title={`${versionLabel(version)}: ${t(VERSION_PROTOCOL_KEYS[version])}`} data-field="version" data-version={version}>
      {versionShort(version)}
    </span>
  );
}

type Psync1Node = Extract<NodeSnapshot, { readonly protocol: "redis-psync1" }>;

/**
 * 2.8 names a stream by the process that writes it: the node's run id (new at every start), and
 * for a replica the run id of the master it follows, which its next PSYNC will name.
 */
function RunIdRow({ node }: { readonly node: Psync1Node }) {
  const { t } = useTranslation();
  return (
    <div className="card-row">
      <span className="k">
        <Term term="run_id">run_id</Term>
      </span>
      <ReplidPill replid={node.runId} field="run-id" />
      {node.masterRunId !== null && (
        <>
          <span className="k" title={t("card.masterRunIdTitle")}>
            {t("card.masterRunId")}
          </span>
          <ReplidPill replid={node.masterRunId} field="master-run-id" />
        </>
      )}
    </div>
  );
}

function ReplicaLinkRow({ node }: { readonly node: NodeSnapshot }) {
  const { t } = useTranslation();
  const chip = replicaLinkChip(node, t);
  // The lag as every view shows it (format/lag.ts): bytes not yet applied, seconds since the last ACK.
  const lag = useApp(
    useShallow((s) => {
      const master = node.masterId ? s.lab.nodes[node.masterId] : undefined;
      const entry = master?.replicas.find((r) => r.nodeId === node.id);
      const l = node.status === "down" ? null : replicaLag(master, node, entry);
      return l === null ? null : [l.bytes, l.sec ?? null];
    }),
  );
  if (!chip) return null;
  const behind = lag?.[0] ?? null;
  const lagSec = lag?.[1] ?? undefined;
  return (
    <div className="card-row link-row">
      <span className="k">
        <Term term="repl_state">{t("card.link")}</Term>
      </span>
      <span className={`link-chip tone-${chip.tone}`} data-field="link" data-state={chip.state} title={chip.detail ?? undefined}>
        {chip.label}
      </span>
      {chip.progress !== null && (
        <span className="progress" title={chip.detail ?? undefined}>
          <span style={{ width: `${chip.progress * 100}%` }} />
        </span>
      )}
      <span className="spacer" />
      {behind !== null && (
        <span className="lag mono" data-field="lag" title={t("card.lagTitle")}>
          <Term term="lag">{lagSec !== undefined ? t("card.lagSec", { bytes: formatBytes(behind), sec: lagSec }) : t("card.lag", { bytes: formatBytes(behind) })}</Term>
        </span>
      )}
      {chip.detail && chip.progress === null && <span className="link-detail muted">{chip.detail}</span>}
      {node.removedMaster !== null && (
        <span className="link-detail removed-master" data-field="removed-master" title={t("card.removedMasterNoteTitle")}>
          {t("card.removedMasterNote", { master: node.removedMaster, address: node.masterAddress ?? "" })}
        </span>
      )}
    </div>
  );
}

/** How a down node went down: a kill loses unsaved writes, a shutdown saved them (or not). */
function DownRow({ id }: { readonly id: string }) {
  const reason = useDownReason(id);
  const { t } = useTranslation();
  if (reason === null) return null;
  const kind = downReasonKey(reason);
  const text =
    reason.kind === "killed" ? t("card.downKilled") : reason.savedKeys === null ? t("card.downShutdownNosave") : t("card.downShutdown", { count: reason.savedKeys });
  return (
    <div className={`card-row down-reason ${kind}`} data-field="down-reason" data-reason={kind}>
      {text}
    </div>
  );
}

function MasterRow({ node }: { readonly node: NodeSnapshot }) {
  const { t } = useTranslation();
  const online = node.replicas.filter(replicaOnline).length;
  const syncs = syncCounts(node);
  return (
    <>
      <div className="card-row">
        <span className="k">{t("card.replicas")}</span>
        <span className="v" data-field="replicas">
          {node.replicas.length === 0 ? t("card.replicasNone") : t("card.replicasCount", { count: node.replicas.length, online })}
        </span>
      </div>
      {/* What this master served: the lesson of each version is in these two figures. */}
      {syncs !== null && (syncs.full > 0 || (syncs.partial ?? 0) > 0) && (
        <div className="card-row figures" title={t("card.syncsTitle")}>
          <span className="k">{t("card.syncsFull")}</span>
          <span className="v mono" data-field="sync-full" data-value={syncs.full}>
            {syncs.full}
          </span>
          <span className="k">{t("card.syncsPartial")}</span>
          <span className="v mono" data-field="sync-partial" data-value={syncs.partial ?? undefined} title={syncs.partial === null ? t("card.syncsNoPartial") : undefined}>
            {syncs.partial ?? "—"}
          </span>
        </div>
      )}
    </>
  );
}

export const ReplicaCard = memo(ReplicaCardImpl);
