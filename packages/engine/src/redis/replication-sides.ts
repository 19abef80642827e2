/**
 * The part of a Redis replication that is the same in every version: a master side (the replicas
 * attached to this node) and a replica side (the one link to this node's master, opened by the
 * replication cron). The core's link hooks go straight to the replica side; freeing a client ends
 * a replica's attachment or the master link. Each version keeps its own two sides.
 */
import type { Client } from "./client.ts";
import type { ConnId } from "../process/effects.ts";

/** What the shared hooks need of a version's replica side. */
export interface ReplicaSideLink {
  readonly masterHost: string | null;
  readonly masterPort: number;
  /** repl_state; `connected` once the master link is a client. */
  readonly state: string;
  onLinkData(conn: ConnId, bytes: Uint8Array): void;
  onLinkClosed(conn: ConnId): void;
  onConnected(conn: ConnId): void;
  onConnectFailed(conn: ConnId, reason: string): void;
  onMasterData(client: Client, bytes: Uint8Array): void;
  onMasterClientGone(client: Client): void;
}

/** What the shared hooks need of a version's master side. */
export interface MasterSideLinks {
  onReplicaGone(client: Client): void;
}

/** Getters and link hooks of `RedisReplication` over a version's two sides. */
export abstract class TwoSidedReplication<M extends MasterSideLinks, S extends ReplicaSideLink> {
  abstract readonly masterSide: M;
  abstract readonly replicaSide: S;

  /** server.masterhost != NULL. */
  get isReplica(): boolean {
    return this.replicaSide.masterHost !== null;
  }

  /** The master REPLICAOF set, or null. */
  get configuredMaster(): { host: string; port: number } | null {
    const rs = this.replicaSide;
    return rs.masterHost === null ? null : { host: rs.masterHost, port: rs.masterPort };
  }

  /** repl_state CONNECTED. */
  get masterLinkUp(): boolean {
    return this.replicaSide.state === "connected";
  }

  onLinkData(conn: ConnId, bytes: Uint8Array): void {
    this.replicaSide.onLinkData(conn, bytes);
  }

  onLinkClosed(conn: ConnId): void {
    this.replicaSide.onLinkClosed(conn);
  }

  onConnected(conn: ConnId): void {
    this.replicaSide.onConnected(conn);
  }

  onConnectFailed(conn: ConnId, reason: string): void {
    this.replicaSide.onConnectFailed(conn, reason);
  }

  onMasterData(client: Client, bytes: Uint8Array): void {
    this.replicaSide.onMasterData(client, bytes);
  }

  /** freeClient: a replica leaves the master side, the master client ends the replica side's link. */
  onClientFreed(client: Client): void {
    if (client.kind === "replica") {
      this.masterSide.onReplicaGone(client);
      this.onReplicaFreed(client);
    }
    if (client.kind === "master") this.replicaSide.onMasterClientGone(client);
  }

  /** After a replica client was freed (versions with min-replicas recount their good replicas). */
  protected onReplicaFreed(_client: Client): void {}
}
