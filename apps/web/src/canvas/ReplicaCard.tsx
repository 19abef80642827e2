/**
 * A node on the canvas. React Flow passes only the id; every figure is read from the store by a
 * selector keyed on that id, so an update to another node never re-renders this card.
 *
 * Handles: drag from the nub on the left edge ("out") to another card to make this node its replica.
 * While a connection is being dragged, the whole card becomes a drop target.
 */
import { memo } from "react";
import { Handle, Position, useConnection, type NodeProps } from "@xyflow/react";
import { useCompactView } from "./zoom.ts";
import type { NodeSnapshot } from "@replica-lab/protocol";
import { useActions } from "../app/AppContext.tsx";
import { isUnsetReplid } from "../format/replid.ts";
import { formatBytes, formatOffset } from "../format/units.ts";
import { appStore, useApp } from "../store/store.ts";
import { useInCycle, useNode, useNodeName } from "../store/selectors.ts";
import { Menu, type MenuEntry } from "../ui/Menu.tsx";
import { ReplidPill } from "../ui/ReplidPill.tsx";
import { BacklogBar } from "./BacklogBar.tsx";
import { SOURCE_HANDLE, TARGET_HANDLE, type CardNode } from "./flowModel.ts";
import { replicaLinkChip } from "./linkState.ts";

function ReplicaCardImpl({ data, selected }: NodeProps<CardNode>) {
  const id = data.nodeId;
  const node = useNode(id);
  const inCycle = useInCycle(id);
  const dropTarget = useConnection((c) => c.inProgress && c.fromNode.id !== id);
  const compact = useCompactView();
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
        title={`Drag onto another node to make ${node.name} its replica (REPLICAOF)`}
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
  const chip = replicaLinkChip(node);
  return (
    <div className="compact-body">
      <div className="compact-top">
        <span className="card-name">{node.name}</span>
        <span className={`role-badge ${node.role}`} data-field="role">
          {node.role}
        </span>
        <span className="spacer" />
        <span className={`status-chip ${node.status}`} data-field="status">
          {node.status}
        </span>
      </div>
      <div className="compact-figures">
        <span className="mono" data-field="offset" data-value={node.masterReplOffset}>
          {node.status === "down" ? "—" : formatOffset(node.masterReplOffset)}
        </span>
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
  return (
    <>
      <CardHeader node={node} inCycle={inCycle} />
      <div className="card-body">
        <div className="card-row">
          <span className="k">replid</span>
          <ReplidPill replid={node.replid} field="replid" />
          {!isUnsetReplid(node.replid2) && (
            <>
              <span className="k">replid2</span>
              <ReplidPill replid={node.replid2} field="replid2" />
            </>
          )}
        </div>
        <div className="card-row figures">
          <span className="k">offset</span>
          <span className="v mono" data-field="offset" data-value={node.masterReplOffset}>
            {node.status === "down" ? "—" : formatOffset(node.masterReplOffset)}
          </span>
          <span className="k">keys</span>
          <span className="v mono" data-field="keys">
            {node.keys}
          </span>
        </div>
        {node.role === "replica" ? <ReplicaLinkRow node={node} /> : <MasterRow node={node} />}
        {node.status !== "down" && <BacklogBar node={node} variant="card" />}
      </div>
    </>
  );
}

function CardHeader({ node, inCycle }: { readonly node: NodeSnapshot; readonly inCycle: boolean }) {
  const actions = useActions();
  const masterName = useNodeName(node.masterId);
  // Built when the menu opens, from the store as it is then: the card subscribes to nothing extra.
  const items = (): MenuEntry[] => {
    const lab = appStore.getState().lab;
    const others = lab.nodeIds.filter((x) => x !== node.id);
    return [
      { label: "SET a random key", hint: "S", disabled: node.status !== "up", onSelect: () => actions.setRandomKey(node.id) },
      "separator",
      { heading: "Replicate from (REPLICAOF)" },
      ...others.map((otherId) => ({
        label: `${lab.nodes[otherId]?.name ?? otherId}${otherId === node.masterId ? "  ✓" : ""}`,
        onSelect: () => actions.setMaster(node.id, otherId),
      })),
      // Servers outside the lab that the lab already knows of (external nodes): REPLICAOF their address.
      ...lab.externals.nodeIds.map((address) => ({
        label: `${address} (external)${node.masterId === null && address === node.masterAddress ? "  ✓" : ""}`,
        onSelect: () => actions.setMaster(node.id, address),
      })),
      { label: "No one: promote to master", hint: "P", disabled: node.role === "master", onSelect: () => actions.setMaster(node.id, null) },
      "separator",
      node.status === "frozen"
        ? { label: "Thaw (SIGCONT)", hint: "F", onSelect: () => actions.thaw(node.id) }
        : { label: "Freeze (SIGSTOP)", hint: "F", disabled: node.status === "down", onSelect: () => actions.freeze(node.id) },
      { label: "Kill (crash)", hint: "K", disabled: node.status === "down", onSelect: () => actions.kill(node.id) },
      { label: "Restart, keep disk", hint: "R", onSelect: () => actions.restart(node.id, false) },
      { label: "Restart, wipe disk", hint: "⇧R", onSelect: () => actions.restart(node.id, true) },
      "separator",
      { label: "Delete node", hint: "Del", danger: true, onSelect: () => actions.removeNode(node.id) },
    ];
  };
  return (
    <div className="card-header">
      <span className="card-name">{node.name}</span>
      <span className={`role-badge ${node.role}`} data-field="role">
        {node.role}
      </span>
      {node.role === "replica" && (
        <span className="card-of muted" title={node.masterAddress ?? ""}>
          of {masterName ?? node.masterAddress}
        </span>
      )}
      <span className="spacer" />
      {inCycle && (
        <span className="cycle-badge" title="This node is part of a replication cycle: legal in redis, but no node in the loop accepts writes">
          cycle
        </span>
      )}
      <span className={`status-chip ${node.status}`} data-field="status">
        {node.status === "frozen" ? "❄ frozen" : node.status}
      </span>
      <span className="version muted" title="replication protocol version">
        {node.version}
      </span>
      <Menu label={`Actions for ${node.name}`} items={items} testId={`menu-${node.name}`} className="btn icon card-menu">
        ⋯
      </Menu>
    </div>
  );
}

function ReplicaLinkRow({ node }: { readonly node: NodeSnapshot }) {
  const chip = replicaLinkChip(node);
  const masterOffset = useApp((s) => (node.masterId ? s.lab.nodes[node.masterId]?.masterReplOffset : undefined));
  const lagSec = useApp((s) => (node.masterId ? s.lab.nodes[node.masterId]?.replicas.find((r) => r.nodeId === node.id)?.lagSec : undefined));
  if (!chip) return null;
  const behind = masterOffset !== undefined && node.status !== "down" ? Math.max(0, masterOffset - node.masterReplOffset) : null;
  return (
    <div className="card-row link-row">
      <span className="k">link</span>
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
        <span className="lag mono" data-field="lag" title="bytes behind its master, and seconds since the master last heard an ACK">
          lag {formatBytes(behind)}
          {lagSec !== undefined ? ` · ${lagSec}s` : ""}
        </span>
      )}
      {chip.detail && chip.progress === null && <span className="link-detail muted">{chip.detail}</span>}
    </div>
  );
}

function MasterRow({ node }: { readonly node: NodeSnapshot }) {
  const online = node.replicas.filter((r) => r.state === "online").length;
  return (
    <div className="card-row">
      <span className="k">replicas</span>
      <span className="v" data-field="replicas">
        {node.replicas.length === 0 ? "none" : `${node.replicas.length} attached, ${online} online`}
      </span>
    </div>
  );
}

export const ReplicaCard = memo(ReplicaCardImpl);
