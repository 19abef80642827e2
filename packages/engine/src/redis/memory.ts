/**
 * A node's memory as redis 7.0 accounts it, and the limits that act on it (evict.c, networking.c):
 *
 * - `used_memory`: a fixed start-up figure, the dataset (keys, values, per-key overhead), every
 *   client (buffers, pending arguments, the client itself) and the replication buffer.
 * - `maxmemory` (0: none) with `maxmemory-policy`: before a command that may grow the dataset
 *   (redis's `denyoom` commands, and anything queued inside MULTI), a node over it evicts keys as its
 *   policy says, or refuses the command with `-OOM command not allowed when used memory >
 *   'maxmemory'.` (noeviction, the default, or nothing left to evict). A replica ignores it
 *   (`replica-ignore-maxmemory yes`): its master decides what its dataset holds.
 * - `maxmemory-clients` (0: none): when normal clients together use that much, the largest are
 *   evicted (disconnected) first, with "Evicting client: …" in the log.
 *
 * The lab adds one thing redis does not know: the machine. Every node of a lab shares one
 * {@link HostMemory} (the lab's memory budget, set by whoever hosts it). A node treats the machine
 * being full as it treats maxmemory (writes refused with the same OOM error, keys evicted by its
 * policy), and disconnects its own clients that hold more than `HOST_EVICT_MIN_CLIENT_BYTES`,
 * largest first, as client eviction does. So no client input can grow a lab past its budget, and
 * the node answers as a redis-server with those settings would.
 */
import type { HostMemory } from "../process/contract.ts";
import { asciiBytes, binaryToBytes, lowerAscii } from "../util/bytes.ts";
import { CLIENT_BASE_BYTES, outputBufferBytes } from "./client-limits.ts";
import { clientInfoLine } from "./commands/connection.ts";
import type { Client } from "./client.ts";
import type { CommandSpec } from "./commands/command.ts";
import type { RedisNode } from "./server.ts";
import { stringEntryBytes } from "./store/sized-map.ts";

/** used_memory of a redis-server 7.0.15 just started, without data or clients. */
export const BASE_USED_MEMORY = 900_000;

/** shared.oomerr, without the `-`. */
export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

/**
 * The machine being full evicts only clients holding at least this much (a pipeline of large
 * replies, a huge request still arriving), so the clients of a full lab can still connect and DEL.
 */
export const HOST_EVICT_MIN_CLIENT_BYTES = 1024 * 1024;

/** `getClientEvictionLimit`'s floor: maxmemory-clients never evicts below 128 KiB. */
const MIN_CLIENT_EVICTION_BYTES = 128 * 1024;

/** maxmemory-samples' default: keys looked at per eviction. */
const EVICTION_SAMPLES = 5;

/**
 * Commands flagged `denyoom` in redis 7.0.15 (src/commands/*.json): the ones refused when the node
 * is out of memory.
 */
const DENYOOM_COMMANDS: ReadonlySet<string> = new Set(
  (
    "append bitfield bitop blmove brpoplpush copy decr decrby geoadd georadius georadiusbymember geosearchstore getset " +
    "hincrby hincrbyfloat hmset hset hsetnx incr incrby incrbyfloat linsert lmove lpush lpushx lset mset msetnx pfadd " +
    "pfdebug pfmerge psetex restore restore-asking rpoplpush rpush rpushx sadd sdiffstore set setbit setex setnx setrange " +
    "sinterstore sort sunionstore xadd xsetid zadd zdiffstore zincrby zinterstore zrangestore zunionstore"
  ).split(" "),
);

/** Commands a client in MULTI may still send when out of memory (processCommand's exceptions). */
const ALLOWED_IN_MULTI_WHEN_OOM: ReadonlySet<string> = new Set(["exec", "discard", "quit", "reset"]);

const DEL_WORD = asciiBytes("DEL");

/** A client's bytes from its entry in NodeMemory's `accounted` (normal: as is; others: `-bytes - 1`). */
function accountedBytes(figure: number): number {
  return figure >= 0 ? figure : -figure - 1;
}

/** True for a command redis refuses when out of memory. */
export function isDenyOom(name: string): boolean {
  return DENYOOM_COMMANDS.has(name);
}

export class NodeMemory {
  /** INFO stats `evicted_keys`. */
  evictedKeys = 0;
  /** INFO stats `evicted_clients`. */
  evictedClients = 0;
  /** The machine the node runs on, once the host tells it (null: unlimited, as in unit tests). */
  host: HostMemory | null = null;
  /** Σ of what each client was last accounted at (see {@link update}): normal clients, and the others. */
  private normalClientBytes = 0;
  private otherClientBytes = 0;
  /**
   * Each client's last figure, as {@link accountedBytes} reads it: `bytes` for a client counted as
   * normal then, `-bytes - 1` for the others (a number, so re-accounting allocates nothing). In the
   * order clients were last accounted (eviction picks the first of equal sizes).
   */
  private readonly accounted = new Map<Client, number>();
  /**
   * What {@link plainSetOutOfMemory} proved at the last plain SET: `used_memory` may grow by `room`
   * more bytes before {@link outOfMemory} can say yes, counted from when the room was measured, of
   * which the plain SETs since have taken at most `taken`. It holds for the next request of the same
   * loop (`serial`) while the clients and the replication buffer are as they were then.
   */
  private room = 0;
  private taken = 0;
  private roomSerial = -1;
  private roomClients = 0;
  private roomReplication = 0;

  constructor(private readonly node: RedisNode) {}

  /** `used_memory`. O(1): clients are accounted as they change. */
  usedBytes(): number {
    return BASE_USED_MEMORY + this.node.keyspace.memoryBytes + this.normalClientBytes + this.otherClientBytes + this.node.replication.memoryBytes();
  }

  /** INFO memory `mem_clients_normal`. */
  get normalClientsBytes(): number {
    return this.normalClientBytes;
  }

  /** INFO memory `mem_clients_slaves` (their own buffers; the stream they share is the replication buffer). */
  get replicaClientsBytes(): number {
    let total = 0;
    for (const client of this.node.clientsOfKind("replica")) total += accountedBytes(this.accounted.get(client) ?? 0);
    return total;
  }

  /** Re-accounts a client after its buffers changed (updateClientMemUsage). */
  update(client: Client): void {
    // A replica's stream is in the replication buffer, counted once for all replicas.
    const bytes = CLIENT_BASE_BYTES + client.parser.memoryBytes + (client.kind === "replica" ? client.out.length : outputBufferBytes(this.node, client));
    this.forget(client);
    if (client.kind === "normal") {
      this.accounted.set(client, bytes);
      this.normalClientBytes += bytes;
    } else {
      this.accounted.set(client, -bytes - 1);
      this.otherClientBytes += bytes;
    }
  }

  /** A client was freed (or is being counted again). */
  forget(client: Client): void {
    const before = this.accounted.get(client);
    if (before === undefined) return;
    this.accounted.delete(client);
    if (before >= 0) this.normalClientBytes -= before;
    else this.otherClientBytes -= -before - 1;
  }

  /** Some limit applies (maxmemory, maxmemory-clients, or a machine of limited size). */
  get limited(): boolean {
    const config = this.node.config;
    return config.maxmemory > 0 || config["maxmemory-clients"] !== 0 || (this.host !== null && Number.isFinite(this.host.limitBytes));
  }

  /** Bytes the whole machine uses, this node counted at its current figure. */
  private machineUsedBytes(): number {
    const host = this.host;
    return host === null ? 0 : host.othersBytes(this.node) + this.usedBytes();
  }

  /** The machine is full (its limit reached), whichever process filled it. */
  machineFull(): boolean {
    const host = this.host;
    return host !== null && this.machineUsedBytes() > host.limitBytes;
  }

  /** Over maxmemory (the part of the replication buffer beyond the backlog size not counted, as in redis) or the machine is full. */
  outOfMemory(): boolean {
    const maxmemory = this.node.config.maxmemory;
    if (maxmemory > 0 && this.usedBytes() - this.notCountedBytes() > maxmemory) return true;
    return this.machineFull();
  }

  /**
   * {@link outOfMemory} for a plain `SET` (a string value, no TTL in its db) about to run as request
   * `serial` of a client's loop (see RedisNode.readRequests), without summing the machine each time.
   * The first SET of a series measures how far `used_memory` is below the nearest limit; the next
   * SETs of the series only add up what each may have added at most (a new key's whole entry, as
   * the dict counts it), so a SET is let through without a measure only when no SET before it in
   * the series could have reached a limit. Any other request in between, any change to a client's
   * figure or to the replication buffer, ends the series. The answer is always outOfMemory()'s.
   */
  plainSetOutOfMemory(serial: number, keyLength: number, valueLength: number): boolean {
    const clients = this.normalClientBytes + this.otherClientBytes;
    const replication = this.node.replication.memoryBytes();
    const growth = stringEntryBytes(keyLength, valueLength);
    if (this.roomSerial === serial - 1 && clients === this.roomClients && replication === this.roomReplication && this.taken <= this.room) {
      this.roomSerial = serial;
      this.taken += growth;
      return false;
    }
    const used = this.usedBytes();
    let room = Number.POSITIVE_INFINITY;
    const maxmemory = this.node.config.maxmemory;
    if (maxmemory > 0) room = maxmemory + this.notCountedBytes() - used;
    const host = this.host;
    if (host !== null) room = Math.min(room, host.limitBytes - host.othersBytes(this.node) - used);
    if (room < 0) {
      this.roomSerial = -1;
      return true;
    }
    this.room = room;
    this.taken = growth;
    this.roomSerial = serial;
    this.roomClients = clients;
    this.roomReplication = replication;
    return false;
  }

  /** freeMemoryGetNotCountedMemory: replication buffer memory past the backlog size. */
  notCountedBytes(): number {
    return Math.max(0, this.node.replication.memoryBytes() - this.node.config["repl-backlog-size"]);
  }

  /**
   * processCommand's memory checks, before a command runs: client eviction, then maxmemory. Returns
   * the error to answer, or null to go on. A replica (and its master's stream) is exempt.
   */
  checkCommand(client: Client, spec: CommandSpec, name: string): string | null {
    if (!this.limited) return null;
    // The command's own arguments count, as they do in redis's used memory at this point.
    this.update(client);
    this.evictClients(client);
    if (!this.node.clients.has(client.conn)) return null;
    const node = this.node;
    if (node.isReplica || client.kind === "master") return null;
    const denyOom = isDenyOom(spec.name) || (name === "exec" && client.multi?.some((queued) => isDenyOom(lowerAscii(queued.argv[0]!))) === true);
    const inMulti = client.multi !== null && !ALLOWED_IN_MULTI_WHEN_OOM.has(name);
    if (!denyOom && !inMulti) return null;
    if (!this.outOfMemory()) return null;
    if (this.performEvictions()) return null;
    return OOM_ERROR;
  }

  /**
   * After a client's buffers grew (input read, a large reply): account it, then evict clients if
   * that took the node or the machine over a limit. Returns false when `client` itself was evicted.
   */
  afterClientGrew(client: Client): boolean {
    this.update(client);
    if (!this.limited) return true;
    return this.evictClients(client);
  }

  /**
   * evictClients: while normal clients use more than maxmemory-clients, or the machine is full and
   * one of them holds {@link HOST_EVICT_MIN_CLIENT_BYTES} or more, the largest is disconnected.
   * Returns false when `current` was among them.
   */
  evictClients(current: Client | null): boolean {
    const node = this.node;
    const limit = this.clientEvictionLimit();
    let currentSurvives = true;
    for (;;) {
      const overClients = limit > 0 && this.normalClientBytes >= limit;
      const machineFull = this.machineFull();
      if (!overClients && !machineFull) return currentSurvives;
      const victim = this.largestNormalClient(overClients ? 0 : HOST_EVICT_MIN_CLIENT_BYTES);
      if (victim === null) return currentSurvives;
      const bytes = accountedBytes(this.accounted.get(victim) ?? 0);
      const why = overClients
        ? `normal clients use ${this.normalClientBytes} bytes, over maxmemory-clients (${limit} bytes)`
        : `the lab's memory is full (${this.machineUsedBytes()} of ${this.host!.limitBytes} bytes)`;
      node.trace({
        kind: "warning",
        code: "client-evicted",
        message: `client ${victim.peer} disconnected, the largest at ${bytes} bytes: ${why}. Evicting client: ${clientInfoLine(node, victim)}`,
      });
      this.evictedClients++;
      if (victim === current) currentSurvives = false;
      node.freeClient(victim, true);
    }
  }

  /** getClientEvictionLimit: maxmemory-clients in bytes (a percentage of maxmemory), 0 for none. */
  private clientEvictionLimit(): number {
    const config = this.node.config;
    const setting = config["maxmemory-clients"];
    let bytes = 0;
    if (setting < 0 && config.maxmemory > 0) bytes = Math.floor((config.maxmemory * -setting) / 100);
    else if (setting > 0) bytes = setting;
    else return 0;
    return Math.max(bytes, MIN_CLIENT_EVICTION_BYTES);
  }

  private largestNormalClient(minBytes: number): Client | null {
    let best: Client | null = null;
    let bestBytes = -1;
    for (const [client, figure] of this.accounted) {
      const bytes = accountedBytes(figure);
      if (client.kind !== "normal" || bytes < minBytes || bytes <= bestBytes) continue;
      best = client;
      bestBytes = bytes;
    }
    return best;
  }

  /**
   * performEvictions: evicts keys as `maxmemory-policy` says until the node is back under its limit.
   * Returns false when it cannot (noeviction, or nothing left that the policy may evict).
   */
  performEvictions(): boolean {
    const node = this.node;
    const policy = node.config["maxmemory-policy"];
    if (policy === "noeviction") return false;
    const volatile = policy.startsWith("volatile-");
    while (this.outOfMemory()) {
      const victim = this.pickVictim(volatile, policy);
      if (victim === null) return false;
      const db = node.keyspace.dbs[victim.db]!;
      db.delete(victim.key);
      this.evictedKeys++;
      node.alsoPropagate(victim.db, [DEL_WORD, binaryToBytes(victim.key)]);
    }
    return true;
  }

  /**
   * The key to evict: redis samples `maxmemory-samples` keys and takes the best by idle time,
   * frequency or TTL. The lab keeps no access clock, so LRU and LFU take the oldest written of the
   * sample (keys in write order), random a seeded random one, volatile-ttl the soonest to expire.
   */
  private pickVictim(volatile: boolean, policy: string): { db: number; key: string } | null {
    const node = this.node;
    for (const db of node.keyspace.dbs) {
      const pool = volatile ? db.expires.keys() : db.dict.keys();
      const sample: string[] = [];
      for (const key of pool) {
        sample.push(key);
        if (sample.length === EVICTION_SAMPLES) break;
      }
      if (sample.length === 0) continue;
      if (policy.endsWith("-random")) return { db: db.id, key: sample[node.prng.int(sample.length)]! };
      if (policy === "volatile-ttl") {
        let best = sample[0]!;
        for (const key of sample) if ((db.expires.get(key) ?? Infinity) < (db.expires.get(best) ?? Infinity)) best = key;
        return { db: db.id, key: best };
      }
      return { db: db.id, key: sample[0]! };
    }
    return null;
  }
}
