/**
 * The master half of replication before 7.0 (2.6, 2.8, 4.0), as far as the versions do it alike:
 * each replica has its own output buffer, which the master writes the stream into (7.0 shares one
 * buffer among the backlog and every replica instead). Here: the list of
 * attached replicas, the full sync (fork, `$<len>` or diskless `$EOF:` transfer, online), writing
 * the stream into each replica's output buffer (held back until a diskless replica's first ACK),
 * keep-alive newlines, REPLCONF, and the lost-replica bookkeeping. How commands become stream bytes
 * (which SELECTs, a backlog or none) is the version's own: it calls `writeAll` / `writeTo`.
 */
import { writeSimple } from "../../redis/resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import { parseSafeInt } from "../../redis/commands/reply.ts";
import { ClassicReplicaLink, classicLinkOf, type ClassicReplicaState } from "./replica-link.ts";
import { sendSyncPayload } from "../../redis/sync-payload.ts";

const NEWLINE = asciiBytes("\n");

/** What REPLCONF accepts besides `listening-port` (2.6 knows only that). */
export interface ReplconfOptions {
  /** `capa eof` (2.8.18 on; other capabilities are ignored). */
  readonly capa: boolean;
  /** `capa psync2` is remembered (4.0: such a replica gets `+CONTINUE <replid>`). */
  readonly psync2?: boolean;
  /** `ip-address <ip>` (4.0: slave-announce-ip), shown instead of the peer's address. */
  readonly ipAddress?: boolean;
  /** `ack <offset>`, answered with nothing (2.8). */
  readonly onAck: ((client: Client, offset: number) => void) | null;
  /** `getack <any>` from our master, answered with an ACK of our own and nothing else (3.0 on). */
  readonly onGetack?: (() => void) | null;
}

/** NET_IP_STR_LEN: an announced ip-address must be shorter. */
const NET_IP_STR_LEN = 46;

export class ClassicMasterSide {
  /** Attached replicas in attach order (server.slaves). */
  readonly replicas: Client[] = [];
  /** Virtual ms since when there are no replicas (the backlog's TTL clock). */
  noReplicasSinceMs: number;

  constructor(private readonly node: RedisNode) {
    this.noReplicasSinceMs = node.nowMs;
  }

  /** Makes `client` a replica in `state` (syncCommand's REDIS_SLAVE flag and list append). */
  attach(client: Client, state: ClassicReplicaState, preSync: boolean): ClassicReplicaLink {
    const link = new ClassicReplicaLink(state, this.node.nowMs, preSync);
    client.kind = "replica";
    client.replica = link;
    this.replicas.push(client);
    return link;
  }

  /**
   * Forks for every replica waiting to start (startBgsaveForReplication) and, the simulated fork
   * being instantaneous, sends each its RDB at once. `beforePayload` runs per replica first (2.8
   * writes `+FULLRESYNC` there). Diskless (`socket`): `$EOF:<mark>` framing, and the stream held
   * until the replica's first ACK; otherwise the file is written as dump.rdb and sent as `$<len>`.
   */
  forkForWaitingReplicas(socket: boolean, beforePayload: (client: Client, link: ClassicReplicaLink) => void): void {
    const node = this.node;
    const waiting = this.replicas.filter((client) => classicLinkOf(client).state === "wait_bgsave_start");
    if (waiting.length === 0) return;
    const rdb = node.buildRdb();
    const keys = node.keyspace.totalKeys;
    if (!socket) node.disk.write(node.config.dbfilename, rdb);
    for (const client of waiting) {
      const link = classicLinkOf(client);
      link.state = "wait_bgsave_end";
      beforePayload(client, link);
      sendSyncPayload(node, client, rdb, socket);
      if (socket) link.putOnlineOnAck = true;
      link.state = "online";
      link.ackTimeMs = node.nowMs;
      node.markOutput(client);
      node.trace({
        kind: "rdb",
        side: "master",
        peer: this.peerName(client),
        bytes: rdb.length,
        keys,
        mode: socket ? "diskless" : "disk",
        message: `RDB of ${keys} keys, ${rdb.length} bytes, sent to ${this.peerName(client)} ${socket ? "diskless ($EOF: mark)" : "from disk ($len)"}`,
      });
    }
  }

  /** Stream bytes for one replica: into its output buffer, or kept while it is held back. */
  writeTo(client: Client, bytes: Uint8Array, start = 0, end = bytes.length): void {
    const link = classicLinkOf(client);
    if (link.putOnlineOnAck) {
      link.held.bytes(bytes, start, end);
      return;
    }
    client.out.bytes(bytes, start, end);
    this.node.markOutput(client);
  }

  /**
   * Stream bytes `bytes[start, end)` for every replica that is not waiting for its fork to start
   * (copied into each replica's output, so the caller may reuse its buffer afterwards).
   */
  writeAll(bytes: Uint8Array, start = 0, end = bytes.length): void {
    for (const client of this.replicas) if (!classicLinkOf(client).waitingForFork) this.writeTo(client, bytes, start, end);
  }

  /**
   * Before a run of writes about to be made (the first of them at once or as part of one piece):
   * the most bytes {@link writeAll} may then take in one piece with the same result as in several,
   * i.e. what every written replica's output block still takes (a held stream is one growing
   * array). Those replicas are marked as having output now, as the first write would, so outputs
   * still go out in the order of their first write.
   */
  openRun(): number {
    let room = Number.MAX_SAFE_INTEGER;
    for (const client of this.replicas) {
      const link = classicLinkOf(client);
      if (link.waitingForFork || link.putOnlineOnAck) continue;
      room = Math.min(room, client.out.tailFree());
      this.node.markOutput(client);
    }
    return room;
  }

  /** putSlaveOnline after a diskless transfer: the held stream goes out. */
  release(client: Client): void {
    const link = classicLinkOf(client);
    if (!link.putOnlineOnAck) return;
    link.putOnlineOnAck = false;
    if (link.held.length > 0) {
      client.out.bytes(link.held.take());
      this.node.markOutput(client);
    }
    this.node.trace({ kind: "replica-state", peer: this.peerName(client), state: "online", message: `${this.peerName(client)} acknowledged the streamed RDB; streaming starts` });
  }

  /** A lone `\n` (written straight to the socket in redis) to the replicas `which` selects. */
  newlineTo(which: (link: ClassicReplicaLink) => boolean): void {
    for (const client of this.replicas) {
      if (!which(classicLinkOf(client))) continue;
      client.out.bytes(NEWLINE);
      this.node.markOutput(client);
    }
  }

  /** REPLCONF <option> <value> …; `listening-port` always, the rest as `options` allow. */
  handleReplconf(client: Client, argv: Uint8Array[], options: ReplconfOptions): void {
    const node = this.node;
    if (argv.length % 2 === 0) {
      node.replyError(client, "ERR syntax error");
      return;
    }
    for (let i = 1; i < argv.length; i += 2) {
      const option = bytesToBinary(argv[i]!).toLowerCase();
      if (option === "listening-port") {
        const port = parseSafeInt(argv[i + 1]!);
        if (port === undefined) {
          node.replyError(client, "ERR value is not an integer or out of range");
          return;
        }
        client.replListeningPort = port;
      } else if (option === "capa" && options.capa) {
        const capa = bytesToBinary(argv[i + 1]!).toLowerCase();
        if (capa === "eof") client.replCapaEof = true;
        else if (capa === "psync2" && options.psync2) client.replCapaPsync2 = true;
      } else if (option === "ip-address" && options.ipAddress) {
        const ip = bytesToBinary(argv[i + 1]!);
        if (ip.length >= NET_IP_STR_LEN) {
          node.replyError(client, `ERR REPLCONF ip-address provided by slave instance is too long: ${ip.length} bytes`);
          return;
        }
        client.replAnnouncedIp = ip;
      } else if (option === "getack" && options.onGetack) {
        options.onGetack();
        return;
      } else if (option === "ack" && options.onAck) {
        const offset = parseSafeInt(argv[i + 1]!);
        if (client.kind === "replica" && offset !== undefined) options.onAck(client, offset);
        return;
      } else {
        node.replyError(client, `ERR Unrecognized REPLCONF option: ${bytesToBinary(argv[i]!)}`);
        return;
      }
    }
    writeSimple(client.out, "OK");
  }

  /** Forgets a replica whose connection is gone. */
  onReplicaGone(client: Client): void {
    const index = this.replicas.indexOf(client);
    if (index < 0) return;
    this.replicas.splice(index, 1);
    if (this.replicas.length === 0) this.noReplicasSinceMs = this.node.nowMs;
    this.node.trace({ kind: "disconnect", peer: this.peerName(client), side: "master", message: `connection with slave ${this.peerName(client)} lost` });
  }

  /** Closes every replica connection (disconnectSlaves). */
  disconnectAll(): void {
    for (const client of [...this.replicas]) this.node.closeClient(client);
  }

  /** Drops online replicas (PSYNC-attached) that have not ACKed for more than repl-timeout (2.8). */
  dropSilentReplicas(): void {
    const node = this.node;
    for (const client of [...this.replicas]) {
      const link = classicLinkOf(client);
      if (link.state !== "online" || link.preSync) continue;
      if (node.unixSec() - node.unixSecAt(link.ackTimeMs) > node.config["repl-timeout"]) {
        node.trace({ kind: "timeout", side: "master", peer: this.peerName(client), message: `disconnecting timedout slave: ${this.peerName(client)}` });
        node.closeClient(client);
      }
    }
  }

  /** The replica's address as its master names it (ip or announced ip, and REPLCONF listening-port). */
  peerName(client: Client): string {
    const host = this.replicaIp(client);
    return client.replListeningPort ? `${host}:${client.replListeningPort}` : client.peer;
  }

  /** The ip INFO and ROLE show for a replica: the one it announced (4.0), else its peer address's. */
  replicaIp(client: Client): string {
    return client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
  }

  /** The longest a replica waiting for a fork has been idle, in whole seconds, and how many wait. */
  waitingForFork(): { readonly count: number; readonly maxIdleSec: number } {
    const node = this.node;
    let count = 0;
    let maxIdleSec = 0;
    for (const client of this.replicas) {
      if (!classicLinkOf(client).waitingForFork) continue;
      count++;
      maxIdleSec = Math.max(maxIdleSec, node.unixSec() - node.unixSecAt(client.lastInteractionMs));
    }
    return { count, maxIdleSec };
  }
}
