/**
 * The servers outside a lab that its replication reaches, so the canvas can draw a mixed topology
 * whole. An external node is any address that is not a lab node and appears as
 *
 * - the master of a lab node (its REPLICAOF target, unless a lab node that was deleted listened
 *   there), or a replica a lab node lists (the ip and listening port a real replica announced), or
 * - the master or a listed replica of an external node already found (one hop further per poll,
 *   up to `maxExternalNodes`).
 *
 * Each is polled about once a second (`INFO server replication stats keyspace`) by an
 * `ExternalObserver`, if the outbound policy allows its address; one that is no longer referenced
 * is forgotten and its connection closed. Edges whose replica is external come from the replica's
 * own INFO, or, when it cannot be polled, from its master's list of replicas.
 */
import type { NodeId, NodeSnapshot } from "@replica-lab/engine";
import type { ExternalEdgeView, ExternalNodeView, ExternalObservation, ReplicationEndpoint } from "@replica-lab/protocol";
import { parseOutboundAddress, type OutboundPolicy } from "../outbound/outbound-policy.ts";
import { ExternalObserver } from "./observer.ts";

export interface ExternalWatchOptions {
  /** Wall ms between polls (0: no timer; tests call `tick()`). */
  readonly intervalMs: number;
  /** Wall ms an unanswered INFO may wait before the server is shown unreachable. */
  readonly timeoutMs: number;
  readonly maxExternalNodes: number;
}

export const DEFAULT_EXTERNAL_WATCH: ExternalWatchOptions = { intervalMs: 1000, timeoutMs: 2500, maxExternalNodes: 16 };

/** What the watch reads from its lab. */
export interface ExternalWatchHost {
  nodes(): readonly NodeSnapshot[];
  /** The lab node at an address, if any. */
  nodeAt(address: string): NodeId | undefined;
}

/**
 * The external addresses reachable from the lab through replication links, breadth first from the
 * lab's own links, at most `max` of them. Addresses that are not `host:port` are skipped.
 */
export function discoverExternalAddresses(
  nodes: readonly NodeSnapshot[],
  isLab: (address: string) => boolean,
  observationOf: (address: string) => ExternalObservation | null,
  max: number,
): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (address: string | null): void => {
    if (address === null || seen.has(address) || found.length >= max) return;
    seen.add(address);
    if (isLab(address) || parseOutboundAddress(address) === null) return;
    found.push(address);
  };
  for (const node of nodes) {
    // A deleted lab node's address is not an outside server: its replicas just retry it.
    if (node.masterId === null && node.removedMaster === null) add(node.masterAddress);
    for (const replica of node.replicas) if (replica.nodeId === null) add(replica.address);
  }
  for (let i = 0; i < found.length; i++) {
    const observed = observationOf(found[i]!);
    if (!observed) continue;
    add(observed.masterAddress);
    for (const replica of observed.replicas) add(replica.address);
  }
  return found;
}

/** Replication links whose replica is an external node. */
export function externalEdges(nodes: readonly NodeSnapshot[], externals: readonly ExternalNodeView[], nodeAt: (address: string) => NodeId | undefined): ExternalEdgeView[] {
  const external = new Map(externals.map((e) => [e.id, e]));
  const endpoint = (address: string): ReplicationEndpoint | null => {
    const lab = nodeAt(address);
    if (lab !== undefined) return { kind: "lab", id: lab };
    return external.has(address) ? { kind: "external", id: address } : null;
  };
  const edges = new Map<string, ExternalEdgeView>();
  const add = (replicaId: string, master: ReplicationEndpoint | null, linkStatus: ExternalEdgeView["linkStatus"]): void => {
    if (!master || master.id === replicaId) return;
    edges.set(replicaId, { id: `${replicaId}->${master.id}`, replica: { kind: "external", id: replicaId }, master, linkStatus });
  };
  // What a replica says about itself comes first.
  for (const e of externals) {
    const observed = e.observed;
    if (observed?.role !== "replica" || observed.masterAddress === null) continue;
    add(e.id, endpoint(observed.masterAddress), e.reachable ? (observed.masterLinkStatus ?? "unknown") : "unknown");
  }
  // Then what masters list, for replicas that cannot tell (not polled, not answering yet).
  const listed = (masterId: ReplicationEndpoint, replicas: readonly { address: string; state: string }[]): void => {
    for (const replica of replicas) {
      const e = external.get(replica.address);
      if (!e || edges.has(e.id) || e.observed?.role === "master") continue;
      add(e.id, masterId, replica.state === "online" ? "up" : "down");
    }
  };
  for (const node of nodes) listed({ kind: "lab", id: node.id }, node.replicas.map((r) => ({ address: r.address, state: replicaState(r) })));
  for (const e of externals) if (e.observed) listed({ kind: "external", id: e.id }, e.observed.replicas);
  return [...edges.values()];
}

/** A lab replica's state in Redis's words: an SSDB master's slave in SYNC counts as online. */
function replicaState(replica: { readonly state: string } | { readonly status: string }): string {
  if ("state" in replica) return replica.state;
  return replica.status === "SYNC" ? "online" : replica.status;
}

export class ExternalWatch {
  private readonly observers = new Map<string, ExternalObserver>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Bumped whenever what the watch shows changes. */
  revision = 0;

  constructor(
    private readonly host: ExternalWatchHost,
    private readonly policy: OutboundPolicy,
    private readonly options: ExternalWatchOptions = DEFAULT_EXTERNAL_WATCH,
  ) {
    if (options.intervalMs > 0) {
      this.timer = setInterval(() => this.tick(), options.intervalMs);
      this.timer.unref();
    }
  }

  /** One round: find the external addresses, forget the gone ones, poll the rest. */
  tick(): void {
    if (this.closed) return;
    const addresses = discoverExternalAddresses(
      this.host.nodes(),
      (address) => this.host.nodeAt(address) !== undefined,
      (address) => this.observers.get(address)?.observation ?? null,
      this.options.maxExternalNodes,
    );
    const wanted = new Set(addresses);
    for (const [address, observer] of this.observers) {
      if (wanted.has(address)) continue;
      observer.close();
      this.observers.delete(address);
      this.revision++;
    }
    for (const address of addresses) {
      let observer = this.observers.get(address);
      if (!observer) {
        observer = new ExternalObserver(address, parseOutboundAddress(address)!, this.policy, this.options.timeoutMs, () => this.revision++);
        this.observers.set(address, observer);
        this.revision++;
      }
      observer.poll();
    }
  }

  nodes(): ExternalNodeView[] {
    return [...this.observers.values()].map((observer) => observer.view());
  }

  edges(nodes: readonly NodeSnapshot[], externals: readonly ExternalNodeView[]): ExternalEdgeView[] {
    return externalEdges(nodes, externals, (address) => this.host.nodeAt(address));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const observer of this.observers.values()) observer.close();
    this.observers.clear();
  }
}
