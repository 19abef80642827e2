/**
 * A sans-IO redis-server process: what every Redis version shares.
 *
 * The host feeds it connection events, bytes and the current virtual time; the node answers with
 * effects (bytes to send, connections to open or close, trace events) and the time it next wants
 * to be woken. It never reads a clock, draws randomness from anywhere but its seeded PRNG, or
 * touches a socket, so the simulated network and the server's real TCP gateway drive the same core.
 *
 * Layout of this class follows redis: client input and command dispatch (networking.c, server.c
 * processCommand/call), propagation (server.c propagatePendingCommands), the cron (serverCron),
 * persistence (SAVE, loading at start-up). Replication is the version's own (`RedisReplication`,
 * built by the node kind): this class calls its hooks where redis calls into replication.c.
 */
import { writeError, writeInteger, writeSimple } from "./resp/encode.ts";
import { asciiBytes, bytesToBinary, lowerAscii } from "../util/bytes.ts";
import { Keyspace, type Database } from "./store/keyspace.ts";
import type { CommandTable } from "./commands/table.ts";
import { arityOk, type CommandSpec } from "./commands/command.ts";
import { clientInfoLine } from "./commands/connection.ts";
import type { Prng } from "../sim/prng.ts";
import { buildRdb, checkSavePoints, loadDataFromDisk, loadRdbInto, saveRdb, type LoadedRdb } from "./persistence.ts";
import { Client } from "./client.ts";
import { checkClientMemory, queryBufferOverLimit } from "./client-limits.ts";
import { NodeMemory } from "./memory.ts";
import type { ConfigSchema, NodeConfig } from "./config.ts";
import type { RedisDialect } from "./dialect.ts";
import type { SimDisk } from "../process/disk.ts";
import type { ConnId, NodeEffect } from "../process/effects.ts";
import type { TraceEvent } from "../process/trace.ts";
import type { RedisReplication } from "./replication.ts";
import type { HostMemory, NodeProcess, PeerProbe, ProcessViewCommon } from "../process/contract.ts";
import type { RedisValue } from "./store/value.ts";
import { discardTransaction, unwatchAllKeys } from "./watch.ts";
import { handleBlockedTimeouts, handleClientsBlockedOnKeys, nextBlockedDeadlineMs, processUnblockedClients, unblockClient } from "./blocking.ts";
import { describePropagation } from "./propagation-trace.ts";
import { tryFastWrite } from "./commands/fast-writes.ts";
import { isSharedZadd, zaddChangesNothing } from "./commands/zsets.ts";
import { LOADING_ERROR, type LoadingState } from "./loading.ts";
import { Slowlog } from "./slowlog.ts";
import { ALLOWED_WHILE_SUBSCRIBED, PubSubState, unsubscribeAll } from "./commands/pubsub.ts";

const SERVER_CRON_PERIOD_MS = 100;

/** MULTI, EXEC, DISCARD, WATCH, QUIT and RESET run at once inside MULTI; the rest is queued. */
const RUN_INSIDE_MULTI = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

export interface NodeOptions {
  /** Address other nodes use to reach this one; the port is also the REPLCONF listening-port. */
  readonly host: string;
  readonly port: number;
  /** Seeded randomness for replication ids, run id and EOF marks. */
  readonly prng: Prng;
  /** Virtual time of process start, in ms. */
  readonly nowMs: number;
  /** Unix time in ms at virtual time 0: what PXAT and TTLs are computed against. */
  readonly epochMs: number;
  readonly config?: Partial<NodeConfig>;
  readonly disk: SimDisk;
  /** `replicaof` given at start-up (from the config file or argv). */
  readonly replicaOf?: { readonly host: string; readonly port: number } | null;
  /** A process id to report (deterministic, chosen by the host). */
  readonly pid?: number;
  /** The config file on `disk` that CONFIG REWRITE writes (none: "running without a config file"). */
  readonly configFile?: string;
}

/**
 * What a node kind gives the core: its version string, command table, configuration, dialect
 * (where the shared commands, INFO, propagation and RDB differ between versions) and replication.
 */
export interface RedisFlavor<V extends ProcessViewCommon = ProcessViewCommon> {
  /** `redis_version` as INFO, HELLO and RDB aux fields report it. */
  readonly versionString: string;
  /** Every command this version understands (shared ones plus its replication commands). */
  readonly commands: CommandTable;
  /** The settings this version has, under its names, with its defaults. */
  readonly config: ConfigSchema;
  readonly dialect: RedisDialect;
  createReplication(node: RedisNode<V>): RedisReplication<V>;
}

interface PendingOp {
  readonly db: number;
  readonly argv: readonly Uint8Array[];
}

/** One command's INFO commandstats counters (redis calls, rejected_calls, failed_calls). */
export interface CommandStat {
  calls: number;
  rejected: number;
  failed: number;
}

/**
 * 7.0's container commands whose subcommands the lab runs inside one proc: INFO commandstats
 * names a known subcommand `config|get` as redis's subcommand table does.
 */
const CONTAINER_SUBCOMMANDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["config", new Set(["get", "set", "resetstat", "rewrite", "help"])],
  ["object", new Set(["encoding", "freq", "idletime", "refcount", "help"])],
  ["command", new Set(["count", "docs", "getkeys", "getkeysandflags", "info", "list", "help"])],
  ["client", new Set(["caching", "getname", "getredir", "id", "info", "kill", "list", "no-evict", "pause", "reply", "setname", "tracking", "trackinginfo", "unblock", "unpause", "help"])],
]);

/** The name INFO commandstats counts a call under. */
function statName(spec: CommandSpec, argv: readonly Uint8Array[] | null): string {
  const subs = CONTAINER_SUBCOMMANDS.get(spec.name);
  if (subs === undefined || argv === null || argv.length < 2) return spec.name;
  const sub = lowerAscii(argv[1]!);
  return subs.has(sub) ? `${spec.name}|${sub}` : spec.name;
}

/** Counters reported by INFO stats. */
export interface NodeStats {
  totalConnectionsReceived: number;
  totalCommandsProcessed: number;
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
  expiredKeys: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
  netReplInputBytes: number;
  netReplOutputBytes: number;
  totalErrorReplies: number;
  /** Error replies to a master or replica link (never sent; redis logs them as CRITICAL). */
  unexpectedErrorReplies: number;
}

/**
 * A reply list this long is checked against the client's limits after each command (smaller ones at
 * the end of the step): a pipeline of large replies stops growing it as soon as it is too much.
 */
const OUTPUT_CHECK_BYTES = 64 * 1024;

const MULTI_ARGV = [asciiBytes("MULTI")];
const AUTH_WORD = asciiBytes("AUTH");
const DEL_WORD = asciiBytes("DEL");
const OK_REPLY = asciiBytes("+OK\r\n");
/** What a fast-path SET run points at while there is none (so it keeps no input buffer alive). */
const EMPTY_BYTES = new Uint8Array(0);
const EXEC_ARGV = [asciiBytes("EXEC")];

export class RedisNode<V extends ProcessViewCommon = ProcessViewCommon> implements NodeProcess<V> {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly runId: string;
  readonly config: NodeConfig;
  readonly keyspace = new Keyspace();
  /** INFO commandstats, by command spec (CONFIG GET apart from CONFIG SET), and errorstats by code. */
  readonly commandStats = new Map<string, CommandStat>();
  private readonly statBySpec = new Map<CommandSpec, CommandStat>();
  readonly errorStats = new Map<string, number>();
  private errorsCountedUpTo = 0;
  private plainSetStat: CommandStat | undefined;
  /** The command a fast path of fast-writes.ts counted last, and its counters (a pipeline repeats one). */
  private fastStatSpec: CommandSpec | null = null;
  private fastStat: CommandStat | undefined;
  /**
   * Fast-path SETs of one client, applied and answered but not yet in the replication stream:
   * `runData[runStart, runEnd)` of its input, fed as one piece before anything else is (another
   * command, the end of processInput). `runRoom` is how long the run may grow with the same result
   * as one feed per SET (RedisReplication.plainSetRunRoom).
   */
  private runClient: Client | null = null;
  private runData: Uint8Array = EMPTY_BYTES;
  private runStart = 0;
  private runEnd = 0;
  private runRoom = 0;
  /** Counts requests read (and readRequests calls), so a plain SET knows whether the one before it was one too (NodeMemory.plainSetOutOfMemory). */
  private requestSerial = 0;
  readonly stats: NodeStats = {
    totalConnectionsReceived: 0,
    totalCommandsProcessed: 0,
    syncFull: 0,
    syncPartialOk: 0,
    syncPartialErr: 0,
    expiredKeys: 0,
    rejectedConnections: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    netReplInputBytes: 0,
    netReplOutputBytes: 0,
    totalErrorReplies: 0,
    unexpectedErrorReplies: 0,
  };
  readonly disk: SimDisk;
  readonly prng: Prng;
  /** Randomness commands draw (SPOP, SRANDMEMBER, RANDOMKEY...): a fork, so replids are unaffected. */
  readonly random: Prng;
  readonly epochMs: number;
  readonly startMs: number;
  readonly versionString: string;
  readonly commands: CommandTable;
  readonly configSchema: ConfigSchema;
  readonly dialect: RedisDialect;
  readonly configFile: string | null;
  readonly replication: RedisReplication<V>;

  /** Current virtual time in ms (set at every entry point). */
  nowMs: number;

  /** Server "dirty" counter: changes since the last save. */
  dirty = 0;
  lastSaveUnixSec: number;
  /**
   * What the last RDB load (start-up or full sync) did with its keys: loaded, dropped as expired,
   * and skipped because the lab does not model their type yet (INFO persistence shows all three).
   */
  lastLoad: { keysLoaded: number; keysExpired: number; keysUnsupported: number } = { keysLoaded: 0, keysExpired: 0, keysUnsupported: 0 };

  /**
   * An RDB load in progress (redis server.loading): clients get -LOADING unless the command may
   * run while loading, or, in async loading, unless it is one async loading forbids. The cron
   * does not run meanwhile (redis serves only file events while it loads).
   */
  loading: LoadingState | null = null;
  /** SLOWLOG's entries. */
  readonly slowlog = new Slowlog();
  /** Pub/Sub channels and patterns, and who subscribes to them. */
  readonly pubsub = new PubSubState();

  /** Connected clients by connection. */
  readonly clients = new Map<ConnId, Client>();
  /** used_memory and the limits on it (maxmemory, client eviction, the lab's machine). */
  readonly memory = new NodeMemory(this);
  private nextClientId = 1;
  private nextConnId = 1;
  private cronLoops = 0;
  private nextCronMs: number;
  private readonly effects: NodeEffect[] = [];
  private readonly dirtyClients = new Set<Client>();
  /** Set by SHUTDOWN: the process has exited and accepts nothing more. */
  exited = false;
  private execRunning = false;
  /** A DEBUG SLEEP inside EXEC: the clock moves on when EXEC ends (its commands share one time). */
  private sleepAfterExecMs = 0;
  /** DEBUG SET-ACTIVE-EXPIRE: the cron deletes expired keys (redis active_expire_enabled). */
  activeExpireEnabled = true;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: list elements this long get plain quicklist nodes. */
  quicklistPackedThreshold = 1 << 30;
  /**
   * DEBUG SLEEP: the node's clock jumped ahead by the sleep; until the world's time catches up with
   * it (this virtual time) the node reads nothing, runs no timer and sends nothing (0: awake).
   */
  private sleepUntilMs = 0;
  private readonly heldInput: { readonly client: Client; readonly bytes: Uint8Array }[] = [];
  /**
   * A writable replica's own keys with a TTL (redis slaveKeysWithExpire): key -> bitmask of the dbs
   * it has one in. Its master never sends DELs for them, so the replica's cron expires them.
   */
  readonly replicaKeysWithExpire = new Map<string, number>();
  /** Clients blocked on keys (BLPOP...), and those unblocked whose pending input must run. */
  readonly blockedClients = new Set<Client>();
  readonly unblockedClients = new Set<Client>();

  // Per-call propagation state (redis: server.also_propagate, current client).
  private callDepth = 0;
  private readonly pendingOps: PendingOp[] = [];
  private propagateOverride: readonly Uint8Array[] | null | undefined = undefined;
  /** The running command goes to the stream though it changed no data (forceCommandPropagation: PUBLISH). */
  private propagateForced = false;
  /** Why the running command is propagated differently (for the propagation trace). */
  private propagateReason = "";
  private currentTouchesArbitraryKeys = false;
  /** Before 7.0: an EXEC ran a write, so its ops go out as MULTI … EXEC (MULTI under this db). */
  private transactionMultiDb: number | null = null;
  /** The client whose command is running (redis: server.current_client). */
  currentClient: Client | null = null;
  /** Bumped at every state change a UI may care about (cheap change detection for snapshots). */
  changeCount = 0;

  constructor(options: NodeOptions, flavor: RedisFlavor<V>) {
    this.host = options.host;
    this.port = options.port;
    this.prng = options.prng;
    this.random = options.prng.fork("commands");
    this.epochMs = options.epochMs;
    this.nowMs = options.nowMs;
    this.startMs = options.nowMs;
    this.disk = options.disk;
    this.pid = options.pid ?? 1000 + this.prng.int(60000);
    this.configSchema = flavor.config;
    this.dialect = flavor.dialect;
    this.config = { ...flavor.config.defaults, ...options.config };
    this.runId = this.prng.hex(40);
    this.versionString = flavor.versionString;
    this.configFile = options.configFile ?? null;
    this.commands = flavor.commands;
    this.replication = flavor.createReplication(this);
    this.lastSaveUnixSec = this.unixSec();
    this.nextCronMs = this.startMs + 1;
    loadDataFromDisk(this, options.replicaOf ?? null);
    if (options.replicaOf) this.replication.configureAtStartup(options.replicaOf.host, options.replicaOf.port);
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Unix time in ms (redis mstime()). */
  unixMs(): number {
    // Virtual time may fall between milliseconds (bandwidth math); redis's mstime() is whole ms.
    return Math.floor(this.epochMs + this.nowMs);
  }

  /** Unix time in whole seconds (redis server.unixtime). */
  unixSec(): number {
    return Math.floor((this.epochMs + this.nowMs) / 1000);
  }

  /** Converts a virtual time in ms to unix seconds. */
  unixSecAt(virtualMs: number): number {
    return Math.floor((this.epochMs + virtualMs) / 1000);
  }

  uptimeSec(): number {
    return Math.floor((this.nowMs - this.startMs) / 1000);
  }

  // ---------------------------------------------------------------------------------------------
  // Host entry points

  /** A client connected to us. Returns the handle the host uses for it from now on. */
  accept(nowMs: number, peer: string): ConnId {
    this.enter(nowMs);
    const conn = this.allocConn();
    const client = new Client(this.nextClientId++, conn, peer, nowMs, this.config.requirepass === "", this.config);
    this.clients.set(conn, client);
    this.stats.totalConnectionsReceived++;
    this.leave();
    return conn;
  }

  /** Bytes arrived on a connection. */
  receive(nowMs: number, conn: ConnId, bytes: Uint8Array): void {
    this.enter(nowMs);
    this.stats.netInputBytes += bytes.length;
    const client = this.clients.get(conn);
    if (client) {
      this.readFromClient(client, bytes);
    } else {
      this.replication.onLinkData(conn, bytes);
    }
    this.leave();
  }

  /** The peer closed (or reset) a connection. */
  peerClosed(nowMs: number, conn: ConnId): void {
    this.enter(nowMs);
    const client = this.clients.get(conn);
    if (client) this.freeClient(client, false);
    else this.replication.onLinkClosed(conn);
    this.leave();
  }

  /** An outbound connection we asked for is established. */
  connected(nowMs: number, conn: ConnId): void {
    this.enter(nowMs);
    this.replication.onConnected(conn);
    this.leave();
  }

  /** An outbound connection failed (refused, unreachable, timed out). */
  connectFailed(nowMs: number, conn: ConnId, reason: string): void {
    this.enter(nowMs);
    this.replication.onConnectFailed(conn, reason);
    this.leave();
  }

  /** The connection can take more bytes (flow control): its client writes what it holds. */
  writable(nowMs: number, conn: ConnId, roomBytes: number): void {
    this.enter(nowMs);
    const client = this.clients.get(conn);
    if (client) {
      client.room = roomBytes;
      client.waitingWritable = false;
      this.markOutput(client);
    }
    this.leave();
  }

  /** Runs the timers that are due at `nowMs` (serverCron, WAIT timeouts). */
  tick(nowMs: number): void {
    this.enter(nowMs);
    if (this.sleepUntilMs !== 0) {
      if (nowMs < this.sleepUntilMs) return;
      this.wakeUp();
    }
    if (nowMs >= this.nextCronMs && this.loading === null) {
      this.serverCron();
      // redis re-arms the timer relative to when it ran, so a frozen process resumes its phase late.
      this.nextCronMs = Math.max(this.nextCronMs + SERVER_CRON_PERIOD_MS, nowMs + 1);
      if (this.nextCronMs <= nowMs) this.nextCronMs = nowMs + SERVER_CRON_PERIOD_MS;
    }
    this.replication.onTimers();
    handleBlockedTimeouts(this);
    this.leave();
  }

  /** When the node next wants `tick` to be called. */
  nextWakeMs(): number {
    if (this.sleepUntilMs !== 0) return this.sleepUntilMs;
    const wake = this.loading !== null ? this.replication.nextWakeMs() : Math.min(this.nextCronMs, this.replication.nextWakeMs());
    return this.blockedClients.size === 0 ? wake : Math.min(wake, nextBlockedDeadlineMs(this));
  }

  view(): V {
    return this.replication.view();
  }

  busy(peers: PeerProbe): boolean {
    return this.replication.busy(peers);
  }

  /** used_memory, for the machine's accounting. */
  memoryBytes(): number {
    return this.memory.usedBytes();
  }

  attachHost(memory: HostMemory): void {
    this.memory.host = memory;
  }

  operatorLogin(): readonly Uint8Array[] | null {
    const password = this.config.requirepass;
    return password === "" ? null : [AUTH_WORD, binaryKeyBytes(password)];
  }

  /** Takes the effects produced so far. */
  takeEffects(): NodeEffect[] {
    if (this.effects.length === 0) return [];
    return this.effects.splice(0, this.effects.length);
  }

  // ---------------------------------------------------------------------------------------------
  // Effects and output

  allocConn(): ConnId {
    return this.nextConnId++ as ConnId;
  }

  trace(event: TraceEvent): void {
    this.effects.push({ type: "trace", event });
    this.changeCount++;
  }

  emit(effect: NodeEffect): void {
    this.effects.push(effect);
  }

  /** Bytes written directly to a connection that is not a client (the link to our master). */
  sendRaw(conn: ConnId, bytes: Uint8Array): void {
    this.stats.netOutputBytes += bytes.length;
    this.effects.push({ type: "send", conn, bytes });
  }

  /** Writes a large payload to a client after its pending output, without copying it. */
  sendLarge(client: Client, bytes: Uint8Array): void {
    client.out.adopt(bytes);
    this.markOutput(client);
  }

  /** Writes a client's output now, not at the step's end (a master's RDB pipe writes its replicas' sockets itself). */
  flushNow(client: Client): void {
    this.flushClientOutput(client);
  }

  /** Marks a client as having output to flush at the end of this step. */
  markOutput(client: Client): void {
    this.dirtyClients.add(client);
  }

  /**
   * writeToClient: sends what the connection takes of the client's reply list, then (a replica) of
   * the replication stream; what does not fit stays, and the host is asked to say when it may go on.
   */
  private flushClientOutput(client: Client): void {
    let room = client.room;
    const out = client.out;
    if (out.length > 0 && room > 0) {
      for (const bytes of out.takeChunks(room)) {
        this.emitClientBytes(client, bytes);
        room -= bytes.length;
      }
    }
    let more = out.length > 0;
    if (!more && client.replica !== null && this.replication.replicaOutput) {
      const stream = this.replication.replicaOutput(client, room);
      if (stream.bytes.length > 0) {
        this.emitClientBytes(client, stream.bytes);
        room -= stream.bytes.length;
      }
      more = stream.more;
    }
    client.room = room;
    this.memory.update(client);
    if (more && !client.waitingWritable) {
      client.waitingWritable = true;
      this.effects.push({ type: "wait-writable", conn: client.conn });
    }
  }

  private emitClientBytes(client: Client, bytes: Uint8Array): void {
    this.stats.netOutputBytes += bytes.length;
    if (client.kind === "replica") this.stats.netReplOutputBytes += bytes.length;
    this.effects.push({ type: "send", conn: client.conn, bytes });
  }

  private enter(nowMs: number): void {
    if (nowMs < this.nowMs) {
      // DEBUG SLEEP moved this node's clock ahead; the world catches up at sleepUntilMs.
      if (this.sleepUntilMs !== 0 && nowMs <= this.sleepUntilMs) return;
      throw new Error(`time went backwards: ${nowMs} < ${this.nowMs}`);
    }
    this.nowMs = nowMs;
  }

  /** redis beforeSleep: feed replicas, GETACK, trim the backlog, flush output. */
  private leave(): void {
    // Asleep (DEBUG SLEEP): nothing goes out until the node wakes up.
    if (this.sleepUntilMs !== 0) return;
    if (this.unblockedClients.size > 0) processUnblockedClients(this);
    this.replication.beforeSleep();
    for (const client of this.dirtyClients) {
      this.flushClientOutput(client);
      // CLIENT_CLOSE_AFTER_REPLY: the connection closes once its last reply is written.
      if (client.closing && client.out.length === 0) this.closeClient(client);
    }
    this.dirtyClients.clear();
    this.replication.afterClientWrites?.();
  }

  // ---------------------------------------------------------------------------------------------
  // Clients

  /** Closes a client connection (after its pending output). */
  closeClient(client: Client): void {
    if (!this.clients.has(client.conn)) return;
    this.flushClientOutput(client);
    this.freeClient(client, true);
  }

  /** Closes a client after the current step, once its reply is out (CLIENT KILL on self, QUIT). */
  closeClientAfterReply(client: Client): void {
    client.closing = true;
    this.markOutput(client);
  }

  /** redis freeClient: forget the client; tell the host to close the socket if we initiated it. */
  freeClient(client: Client, initiatedByUs: boolean): void {
    if (!this.clients.delete(client.conn)) return;
    this.dirtyClients.delete(client);
    this.memory.forget(client);
    if (client.blocked) unblockClient(this, client);
    this.unblockedClients.delete(client);
    unwatchAllKeys(client);
    if (client.subscriptions !== null) unsubscribeAll(this, client);
    if (initiatedByUs) this.effects.push({ type: "close", conn: client.conn });
    if (client.kind !== "normal" || client.blockedWait) this.replication.onClientFreed(client);
    this.changeCount++;
  }

  /** Iterates clients of one kind. */
  *clientsOfKind(kind: Client["kind"]): IterableIterator<Client> {
    for (const client of this.clients.values()) if (client.kind === kind) yield client;
  }

  private readFromClient(client: Client, bytes: Uint8Array): void {
    if (this.sleepUntilMs !== 0) {
      this.heldInput.push({ client, bytes: bytes.slice() });
      return;
    }
    if (client.kind === "master") {
      this.replication.onMasterData(client, bytes);
      return;
    }
    client.lastInteractionMs = this.nowMs;
    client.parser.push(bytes);
    if (queryBufferOverLimit(this, client)) return;
    this.processInput(client);
    checkClientMemory(this, client);
  }

  /** Parses and runs every complete request in a client's buffer (processInputBuffer). */
  processInput(client: Client): void {
    this.readRequests(client);
    if (this.runClient !== null) this.feedPlainSetRun();
  }

  /** processInput's loop; it may leave a run of fast-path SETs to feed (see {@link runClient}). */
  private readRequests(client: Client): void {
    const parser = client.parser;
    this.requestSerial++;
    for (;;) {
      if (client.closing || !this.clients.has(client.conn) || client.blockedWait || client.blocked) return;
      const count = parser.nextBounds();
      this.requestSerial++;
      if (count > 0) {
        const data = parser.data;
        const b = parser.bounds;
        // Nothing takes a fast path while loading: processCommand must see it to answer -LOADING.
        const fast = !this.logsEveryCommand && this.loading === null && !client.pubsubMode;
        if (fast && count === 4 && b[1] === 4 && this.tryUnchangedZadd(client, data, b)) {
          this.afterReply(client);
          continue;
        }
        if (!fast || (!(count === 3 && b[1] === 3 && this.tryPlainSet(client, data, b)) && !tryFastWrite(this, client, data, b, count))) {
          if (this.runClient !== null) this.feedPlainSetRun();
          const argv: Uint8Array[] = new Array<Uint8Array>(count);
          for (let i = 0; i < count; i++) argv[i] = new Uint8Array(data.buffer, data.byteOffset + b[i * 2]!, b[i * 2 + 1]!);
          if (client.kind === "replica") this.processReplicaCommand(client, argv);
          else this.processCommand(client, argv);
        }
        if (client.out.length > 0) this.afterReply(client);
        continue;
      }
      if (this.runClient !== null) this.feedPlainSetRun();
      const request = parser.next();
      switch (request.kind) {
        case "incomplete":
          return;
        case "empty":
          // A bare newline (and only that): replicas send it while loading to keep the link alive.
          if (client.replica && request.byteLength === 1) client.replica.ackTimeMs = this.nowMs;
          continue;
        case "error":
          this.stats.totalErrorReplies++;
          writeError(client.out, `ERR ${request.message}`);
          this.closeClientAfterReply(client);
          return;
        case "command":
          if (client.kind === "replica") this.processReplicaCommand(client, request.argv);
          else this.processCommand(client, request.argv);
          if (client.out.length > 0) this.afterReply(client);
          continue;
        default:
          return assertNever(request);
      }
    }
  }

  /**
   * A command on a replica's link (REPLCONF ACK and the like). In 7.0 a command there that would
   * touch the keyspace is refused, and one that gets any reply is a misuse: redis logs it
   * (_addReplyToBufferOrList's "Replica generated a reply", then afterErrorReply's CRITICAL line
   * for an error) and frees the client without sending the reply.
   */
  private processReplicaCommand(client: Client, argv: Uint8Array[]): void {
    if (this.dialect.replicaClientsSilent !== true) {
      this.processCommand(client, argv);
      return;
    }
    const mark = client.out.written;
    const cmd = this.commands.lookupBytes(argv[0]!);
    const spec = cmd?.subcommands && argv.length >= 2 ? (cmd.subcommands.get(lowerAscii(argv[1]!)) ?? cmd) : cmd;
    if (cmd && spec && (spec.flags.write === true || (spec.keys !== undefined && spec.keys[0] > 0))) {
      client.lastCommand = cmd.name;
      this.rejectCommand(client, "ERR Replica can't interact with the keyspace", spec, argv);
    } else {
      this.processCommand(client, argv);
    }
    if (client.out.written === mark || !this.clients.has(client.conn)) return;
    const name = cmd === undefined ? "<unknown>" : spec !== cmd ? `${cmd.name}|${spec!.name}` : cmd.name;
    this.trace({ kind: "warning", code: "replica-generated-reply", message: `Replica generated a reply to command '${name}', disconnecting it: ${clientInfoLine(this, client)}` });
    const reply = client.out.copyFrom(mark);
    if (reply[0] === 0x2d) {
      const error = bytesToBinary(reply, 1, reply.length - 2).replace(/^ERR /, "");
      this.trace({ kind: "warning", code: "replica-error-reply", message: `== CRITICAL == This master is sending an error to its replica: '${error}' after processing the command '${name}'` });
    }
    this.freeClient(client, true);
  }

  /**
   * A command answered: the reply waits for the end of the step, unless the client is now over an
   * output limit (redis closes it ASAP and reads nothing more from it).
   */
  private afterReply(client: Client): void {
    this.markOutput(client);
    if (client.out.length >= OUTPUT_CHECK_BYTES) checkClientMemory(this, client);
  }

  /**
   * `SET key value` from a normal client, when no rule of processCommand or setCommand can apply
   * (authenticated, not in MULTI, a master with min-replicas satisfied, no TTLs in the db so no lazy
   * expiry): the effect of the full path (store, count, propagate the client's own bytes, reply
   * +OK) without building argv. Returns false to send the request down the full path.
   * `b` holds (start, length) pairs of the three arguments in `data`.
   */
  private tryPlainSet(client: Client, data: Uint8Array, b: Int32Array): boolean {
    const at = b[0]!;
    if ((data[at]! | 0x20) !== 0x73 || (data[at + 1]! | 0x20) !== 0x65 || (data[at + 2]! | 0x20) !== 0x74) return false;
    if (!client.authenticated || client.multi !== null || client.kind !== "normal" || this.isReplica || this.replication.minReplicasNotMet()) return false;
    const db = this.keyspace.dbs[client.db]!;
    if (db.expires.size > 0 || db.watchedKeys.size > 0) return false;
    if (this.memory.limited && this.memory.plainSetOutOfMemory(this.requestSerial, b[3]!, b[5]!)) return false;
    db.dict.setRange(data, b[2]!, b[2]! + b[3]!, b[4]!, b[4]! + b[5]!);
    this.dirty++;
    this.countPlainSet(client);
    this.propagatePlainSet(client, data, b);
    client.out.bytes(OK_REPLY);
    this.changeCount++;
    return true;
  }

  /**
   * `ZADD key score member` from a normal client that would change nothing (zaddChangesNothing:
   * redis-benchmark's ZADD after its first), when no rule of processCommand can apply (as for
   * {@link tryPlainSet}): call()'s effect then (counted, `:0`; no dirty count, so nothing is
   * propagated) without building argv. False sends the request down the full path.
   */
  private tryUnchangedZadd(client: Client, data: Uint8Array, b: Int32Array): boolean {
    const at = b[0]!;
    if ((data[at]! | 0x20) !== 0x7a || (data[at + 1]! | 0x20) !== 0x61 || (data[at + 2]! | 0x20) !== 0x64 || (data[at + 3]! | 0x20) !== 0x64) return false;
    if (!client.authenticated || client.multi !== null || client.kind !== "normal" || this.isReplica || this.memory.limited || this.replication.minReplicasNotMet()) return false;
    const spec = this.commands.lookup("zadd");
    if (spec === undefined || !isSharedZadd(spec) || !zaddChangesNothing(this.keyspace.dbs[client.db]!, data, b)) return false;
    this.stats.totalCommandsProcessed++;
    const stat = this.commandStat(spec, null);
    stat.calls++;
    if (this.stats.totalErrorReplies > this.errorsCountedUpTo) stat.failed++;
    this.errorsCountedUpTo = this.stats.totalErrorReplies;
    client.lastCommand = "zadd";
    writeInteger(client.out, 0);
    this.changeCount++;
    return true;
  }

  /**
   * `SET key value` from our master's stream (canonical RESP, `b` as for {@link tryPlainSet}) on a
   * kind whose replica runs its master's commands through call(): the effect of processCommand and
   * setCommand for the master client (store, count, re-feed the stream as call() would: 2.6 and
   * 2.8 replicas feed their own) without building argv. False sends the request down the full path:
   * not a SET, inside MULTI, or under maxmemory (2.8 and 4.0 replicas evict for their master's writes).
   * Consecutive SETs join a run (as from processInput): the caller feeds it with {@link flushPlainSetRun}
   * before anything else can touch the stream or the input buffer.
   */
  applyPlainSetFromMaster(client: Client, data: Uint8Array, b: Int32Array): boolean {
    const at = b[0]!;
    if ((data[at]! | 0x20) !== 0x73 || (data[at + 1]! | 0x20) !== 0x65 || (data[at + 2]! | 0x20) !== 0x74) return false;
    if (client.kind !== "master" || client.multi !== null || !client.authenticated || !this.isReplica || this.memory.limited) return false;
    // A replica never expires keys for its master's commands (expireIfNeeded), so TTLs do not matter
    // here; the SET itself drops the key's TTL as setCommand's does.
    this.keyspace.dbs[client.db]!.setRange(data, b[2]!, b[2]! + b[3]!, b[4]!, b[4]! + b[5]!);
    this.dirty++;
    this.countPlainSet(client);
    this.propagatePlainSet(client, data, b);
    this.changeCount++;
    return true;
  }

  /** Feeds the pending run of fast-path SETs, if any (see {@link applyPlainSetFromMaster}). */
  flushPlainSetRun(): void {
    if (this.runClient !== null) this.feedPlainSetRun();
  }

  /** call()'s counting for a SET run by a fast path: INFO stats and commandstats. */
  countPlainSet(client: Client): void {
    this.stats.totalCommandsProcessed++;
    this.plainSetStat ??= this.commandStat(this.commands.lookup("set")!, null);
    this.plainSetStat.calls++;
    client.lastCommand = "set";
  }

  /** call()'s counting for a command run by a fast path other than SET's (fast-writes.ts). */
  countFastCommand(client: Client, spec: CommandSpec): void {
    this.stats.totalCommandsProcessed++;
    if (spec !== this.fastStatSpec) {
      this.fastStatSpec = spec;
      this.fastStat = this.commandStat(spec, null);
    }
    this.fastStat!.calls++;
    client.lastCommand = spec.name;
  }

  /**
   * call()'s propagation of a SET run by a fast path, from the request's own bytes (canonical RESP,
   * so exactly the propagated command's encoding). Consecutive SETs join a run fed as one piece
   * where the replication says that changes nothing (processInput, or the classic replica's loop,
   * feeds it at the end). The fast paths of fast-writes.ts propagate their `count` arguments here too.
   */
  propagatePlainSet(client: Client, data: Uint8Array, b: Int32Array, count = 3): void {
    const replication = this.replication;
    if (!replication.shouldPropagate()) return;
    const start = client.parser.lastRawStart;
    const end = client.parser.lastRawEnd;
    if (this.runClient === client && this.runData === data && this.runEnd === start && end - this.runStart <= this.runRoom) {
      this.runEnd = end;
      return;
    }
    if (this.runClient !== null) this.feedPlainSetRun();
    // A run stays inside the stream's last block, so the replication buffer's memory is the same
    // with a feed per SET as with one per run: memory checks during the run see the same figures.
    const room = replication.plainSetRunRoom !== undefined ? replication.plainSetRunRoom(client.db) : 0;
    if (end - start <= room) {
      this.runClient = client;
      this.runData = data;
      this.runStart = start;
      this.runEnd = end;
      this.runRoom = room;
      return;
    }
    if (count === 3) {
      client.woff = replication.feedPlainSet(client.db, data, start, end, b);
      return;
    }
    // As call() feeds one command: its arguments as pieces (the backlog's blocks depend on them).
    const argv: Uint8Array[] = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) argv[i] = data.subarray(b[2 * i]!, b[2 * i]! + b[2 * i + 1]!);
    replication.feedCommand(client.db, argv);
    client.woff = replication.streamOffset;
  }

  /** Feeds the pending run of fast-path SETs (see {@link runClient}); its client's WAIT offset is the stream's end. */
  private feedPlainSetRun(): void {
    const client = this.runClient!;
    const data = this.runData;
    this.runClient = null;
    this.runData = EMPTY_BYTES;
    client.woff = this.replication.feedPlainSetRun!(data, this.runStart, this.runEnd);
  }

  // ---------------------------------------------------------------------------------------------
  // Command dispatch (processCommand)

  /** Replies with an error and counts it (redis addReplyError). */
  replyError(client: Client, message: string): void {
    this.stats.totalErrorReplies++;
    // errorstats: by the error's code, its first word (afterErrorReply); redis keeps at most 128.
    const space = message.indexOf(" ");
    const code = space < 0 ? message : message.slice(0, space);
    const count = this.errorStats.get(code);
    if (count !== undefined) this.errorStats.set(code, count + 1);
    else if (this.errorStats.size < 128) this.errorStats.set(code, 1);
    writeError(client.out, message);
  }

  /**
   * slowlog-log-slower-than 0: every command goes to the slow log, so each must run through call()
   * (the fast paths, which do not, are left).
   */
  get logsEveryCommand(): boolean {
    return this.config["slowlog-log-slower-than"] === 0;
  }

  /** True when this node follows a master (redis: server.masterhost != NULL). */
  get isReplica(): boolean {
    return this.replication.isReplica;
  }

  processCommand(client: Client, argv: Uint8Array[]): void {
    const inMulti = client.multi !== null;
    const cmd = this.commands.lookupBytes(argv[0]!);
    client.lastCommand = cmd ? cmd.name : lowerAscii(argv[0]!);
    const name = client.lastCommand;
    if (!cmd) {
      this.rejectCommand(client, this.dialect.unknownCommand(argv), null);
      return;
    }
    if (!arityOk(cmd.arity, argv.length)) {
      this.rejectCommand(client, `ERR wrong number of arguments for '${cmd.name}' command`, cmd, argv);
      return;
    }
    let spec = cmd;
    if (cmd.subcommands && argv.length >= 2) {
      const sub = cmd.subcommands.get(lowerAscii(argv[1]!));
      if (sub) {
        if (!arityOk(sub.arity, argv.length)) {
          this.rejectCommand(client, `ERR wrong number of arguments for '${cmd.name}|${sub.name}' command`, sub, argv);
          return;
        }
        spec = sub;
      } else if (this.dialect.containerCommands === true) {
        // An unknown subcommand of a container is refused before the command is looked up (no
        // commandstats, and inside MULTI it dooms the transaction instead of being queued).
        this.rejectCommand(client, `ERR unknown subcommand '${bytesToBinary(argv[1]!, 0, Math.min(argv[1]!.length, 128))}'. Try ${bytesToBinary(argv[0]!).toUpperCase()} HELP.`, null);
        return;
      }
    }
    if (spec.flags.protected && !this.allowsProtected(client)) {
      this.rejectCommand(client, `ERR ${cmd.name.toUpperCase()} command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`, spec, argv);
      return;
    }
    if (!client.authenticated && !spec.flags.noAuth) {
      this.rejectCommand(client, "NOAUTH Authentication required.", spec, argv);
      return;
    }
    if (inMulti && spec.flags.noMulti) {
      this.rejectCommand(client, "ERR Command not allowed inside a transaction", spec, argv);
      return;
    }
    const outOfMemory = this.memory.checkCommand(client, spec, name);
    if (outOfMemory !== null || !this.clients.has(client.conn)) {
      if (outOfMemory !== null) this.rejectCommand(client, outOfMemory, spec, argv);
      return;
    }
    const isWrite = spec.flags.write === true || (name === "exec" && client.multi?.some((q) => this.commands.lookup(lowerAscii(q.argv[0]!))?.flags.write) === true);
    const fromMaster = client.kind === "master";
    if (isWrite && !fromMaster && !this.isReplica && this.replication.minReplicasNotMet()) {
      this.rejectCommand(client, "NOREPLICAS Not enough good replicas to write.", spec, argv);
      return;
    }
    if (isWrite && !fromMaster && this.isReplica && this.config["replica-read-only"]) {
      this.rejectCommand(client, this.replication.readOnlyError, spec, argv);
      return;
    }
    const denyStale = !spec.flags.stale || (name === "exec" && client.multi?.some((q) => !this.commands.lookup(lowerAscii(q.argv[0]!))?.flags.stale) === true);
    // In RESP2 a subscribed connection only takes what keeps its subscriptions (RESP3 has pushes).
    if (client.pubsubMode && client.resp === 2 && !ALLOWED_WHILE_SUBSCRIBED.has(cmd.name)) {
      const full = spec === cmd ? statName(cmd, argv) : `${cmd.name}|${spec.name}`;
      this.rejectCommand(client, `ERR Can't execute '${full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`, spec, argv);
      return;
    }
    if (this.isReplica && !fromMaster && !this.replication.masterLinkUp && !this.config["replica-serve-stale-data"] && denyStale) {
      this.rejectCommand(client, this.dialect.masterDown, spec, argv);
      return;
    }
    if (this.loading !== null && !fromMaster && this.refusedWhileLoading(this.loading, client, spec, name)) {
      this.rejectCommand(client, LOADING_ERROR, spec, argv);
      return;
    }
    if (inMulti && !RUN_INSIDE_MULTI.has(cmd.name)) {
      client.multi!.push({ argv: argv.map((a) => a.slice()) });
      writeSimple(client.out, "QUEUED");
      return;
    }
    this.call(client, spec, argv);
    // A command that created a list or sorted set serves the clients blocked on it.
    if (this.keyspace.readyKeys.length > 0 && this.callDepth === 0) handleClientsBlockedOnKeys(this);
  }

  /**
   * Rejects a command; inside MULTI this also dooms the transaction (flagTransaction). A refused
   * EXEC ends the transaction: -EXECABORT with the reason (execCommandAbort).
   */
  /** processCommand's loading rules: CMD_LOADING commands run while loading, CMD_NO_ASYNC_LOADING ones do not run while async loading. */
  private refusedWhileLoading(loading: LoadingState, client: Client, spec: CommandSpec, name: string): boolean {
    const queued = name === "exec" ? (client.multi ?? []).map((q) => this.commands.lookup(lowerAscii(q.argv[0]!))) : [];
    if (loading.async) return spec.flags.noAsyncLoading === true || queued.some((c) => c?.flags.noAsyncLoading === true);
    return !spec.flags.loading || queued.some((c) => c?.flags.loading !== true);
  }

  private rejectCommand(client: Client, message: string, spec: CommandSpec | null, argv: readonly Uint8Array[] | null = null): void {
    if (client.multi) client.multiDirty = true;
    if (client.lastCommand === "exec") {
      discardTransaction(client);
      this.replyError(client, `EXECABORT Transaction discarded because of: ${message.startsWith("ERR ") ? message.slice(4) : message}`);
    } else {
      this.replyError(client, message);
    }
    this.countErrors(spec, argv, "rejected");
  }

  /** INFO commandstats' counters for a command (a subcommand has its own). */
  private commandStat(spec: CommandSpec, argv: readonly Uint8Array[] | null): CommandStat {
    // Most commands count under one name whatever their arguments: their counters are found by spec.
    const fixed = this.statBySpec.get(spec);
    if (fixed !== undefined) return fixed;
    const perArgs = CONTAINER_SUBCOMMANDS.has(spec.name);
    const name = perArgs ? statName(spec, argv) : this.fullCommandName(spec);
    let stat = this.commandStats.get(name);
    if (stat === undefined) {
      stat = { calls: 0, rejected: 0, failed: 0 };
      this.commandStats.set(name, stat);
    }
    if (!perArgs) this.statBySpec.set(spec, stat);
    return stat;
  }

  /** CONFIG RESETSTAT: every command's counters back to 0 (resetCommandTableStats). */
  resetCommandStats(): void {
    this.commandStats.clear();
    this.statBySpec.clear();
    this.plainSetStat = undefined;
    this.fastStatSpec = null;
    this.fastStat = undefined;
  }

  /** `function|flush` for a subcommand in a command's subcommand table, the name otherwise. */
  private fullCommandName(spec: CommandSpec): string {
    for (const top of this.commands.all()) {
      if (top === spec) return spec.name;
      for (const sub of top.subcommands?.values() ?? []) if (sub === spec) return `${top.name}|${sub.name}`;
    }
    return spec.name;
  }

  /**
   * incrCommandStatsOnError: error replies since the last check count against `spec` once, as a
   * rejection (before it ran) or a failure (it ran and answered an error).
   */
  private countErrors(spec: CommandSpec | null, argv: readonly Uint8Array[] | null, how: "rejected" | "failed"): void {
    if (spec !== null && this.stats.totalErrorReplies > this.errorsCountedUpTo) this.commandStat(spec, argv)[how]++;
    this.errorsCountedUpTo = this.stats.totalErrorReplies;
  }

  /**
   * redis call(): runs a command, collects what it propagates, and at the outermost level emits
   * it to the replication stream (wrapped in MULTI/EXEC when there are several ops).
   */
  call(client: Client, spec: CommandSpec, argv: Uint8Array[]): void {
    const dirtyBefore = this.dirty;
    const offsetBefore = this.replication.streamOffset;
    const savedOverride = this.propagateOverride;
    const savedForced = this.propagateForced;
    const savedClient = this.currentClient;
    this.propagateOverride = undefined;
    this.propagateForced = false;
    this.currentClient = client;
    if (this.callDepth === 0) this.currentTouchesArbitraryKeys = spec.flags.touchesArbitraryKeys === true;
    this.callDepth++;
    const startMs = this.nowMs;
    try {
      spec.proc(this, client, argv);
    } finally {
      this.callDepth--;
    }
    // EXEC's commands are logged one by one; a blocked command is not logged when it blocks.
    if (spec.name !== "exec" && !client.blocked) this.slowlog.push(this, client, argv, Math.round((this.nowMs - startMs) * 1000));
    this.stats.totalCommandsProcessed++;
    const stat = this.commandStat(spec, argv);
    stat.calls++;
    if (this.stats.totalErrorReplies > this.errorsCountedUpTo) stat.failed++;
    this.errorsCountedUpTo = this.stats.totalErrorReplies;
    // Only growth counts: SAVE resets the counter, and that is no write (redis clamps dirty at 0).
    const changed = this.dirty > dirtyBefore || this.propagateForced;
    if (changed && !spec.flags.noPropagate && this.propagateOverride !== null) {
      this.pendingOps.push({ db: client.db, argv: this.propagateOverride ?? argv });
    }
    if (this.propagateOverride !== undefined && this.dirty > dirtyBefore && this.replication.shouldPropagate()) {
      this.trace(describePropagation(argv, this.propagateOverride, this.propagateReason));
    }
    this.propagateOverride = savedOverride;
    this.propagateForced = savedForced;
    this.currentClient = savedClient;
    if (spec.flags.write && client.kind !== "master" && this.isReplica) this.rememberReplicaKeysWithExpire(client.db, spec, argv);
    if (this.callDepth === 0) {
      this.propagatePendingOps(client.db);
      const offset = this.replication.streamOffset;
      if (offset !== offsetBefore) client.woff = offset;
      this.changeCount++;
    }
  }

  /**
   * The running command will be propagated as `argv` instead of the client's argv; `reason` says
   * why, for the propagation trace (a default per command otherwise).
   */
  rewriteArgv(argv: readonly Uint8Array[], reason = ""): void {
    this.propagateOverride = argv;
    this.propagateReason = reason;
  }

  /**
   * The running command goes to the replication stream even though it changed no data
   * (forceCommandPropagation(c, PROPAGATE_REPL): PUBLISH). Not a change for SAVE's dirty counter.
   */
  forcePropagation(reason = ""): void {
    this.propagateForced = true;
    if (reason !== "") this.propagateReason = reason;
  }

  /** The running command changed data but must not be propagated itself (it said what instead). */
  preventPropagation(reason = ""): void {
    this.propagateOverride = null;
    this.propagateReason = reason;
  }

  /**
   * A blocked client was served by another client's write: `propagated` (the pop it became) goes
   * to the stream on its own, and the trace says what became of `original`.
   */
  propagateServed(db: number, original: readonly Uint8Array[], propagated: readonly Uint8Array[]): void {
    if (this.replication.shouldPropagate()) this.trace(describePropagation(original, propagated, "served after it blocked: replicas get the pop it became, never the blocking command"));
    this.alsoPropagate(db, propagated);
  }

  /**
   * Before 7.0, EXEC propagates MULTI as it reaches the transaction's first write command (under
   * the client's db then) and EXEC at the end, even when nothing in between changed data
   * (execCommandPropagateMulti). Called by EXEC for kinds whose dialect says so.
   */
  beginPropagatedTransaction(db: number): void {
    if (this.transactionMultiDb === null) this.transactionMultiDb = db;
  }

  /** Queues an extra op for the stream (redis alsoPropagate), e.g. the DEL of a lazily expired key. */
  alsoPropagate(db: number, argv: readonly Uint8Array[]): void {
    this.pendingOps.push({ db, argv });
    if (this.callDepth === 0) this.propagatePendingOps();
  }

  /** Feeds what the outermost call propagated; `clientDb` is the calling client's db at its end. */
  private propagatePendingOps(clientDb?: number): void {
    const ops = this.pendingOps;
    const count = ops.length;
    const multiDb = this.transactionMultiDb;
    if (count === 0 && multiDb === null) return;
    const replication = this.replication;
    if (replication.shouldPropagate()) {
      if (multiDb !== null) {
        // Before 7.0: the transaction as EXEC sent it, EXEC under the client's db at its end.
        replication.feedCommand(multiDb, MULTI_ARGV);
        for (const op of ops) replication.feedCommand(op.db, op.argv);
        replication.feedCommand(clientDb ?? multiDb, EXEC_ARGV);
      } else if (count === 1) {
        const op = ops[0]!;
        replication.feedCommand(op.db, op.argv);
      } else {
        const wrap = !this.currentTouchesArbitraryKeys && !this.dialect.wrapSingleWriteTransactions;
        if (wrap) replication.feedCommand(ops[0]!.db, MULTI_ARGV);
        for (const op of ops) replication.feedCommand(op.db, op.argv);
        if (wrap) replication.feedCommand(ops[count - 1]!.db, EXEC_ARGV);
      }
    }
    this.transactionMultiDb = null;
    if (count === 1) ops.pop();
    else ops.length = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Keyspace access with expiry (db.c lookupKey*, expire.c expireIfNeeded)

  /**
   * redis expireIfNeeded: true if the key is logically expired for the current client. A master
   * deletes it and propagates a DEL; a replica keeps it (its master will send the DEL), and the
   * master link itself always sees the key.
   */
  expireIfNeeded(db: Database, key: string): boolean {
    if (!db.isLogicallyExpired(key, this.unixMs())) return false;
    if (this.isReplica) return this.currentClient?.kind !== "master";
    this.deleteExpiredKey(db, key);
    return true;
  }

  private deleteExpiredKey(db: Database, key: string): void {
    db.delete(key);
    this.stats.expiredKeys++;
    this.alsoPropagate(db.id, [DEL_WORD, binaryKeyBytes(key)]);
  }

  /** Reads a key for a read command. */
  lookupRead(db: Database, key: string): RedisValue | undefined {
    if (this.expireIfNeeded(db, key)) return undefined;
    return db.get(key);
  }

  /**
   * Reads a key for a write command (lookupKey with LOOKUP_WRITE). An expired key is gone for a
   * write on a replica too: a writable replica deletes it first (EXPIRE_FORCE_DELETE_EXPIRED), so
   * the write starts afresh without the old TTL; a read-only one only hides it.
   */
  lookupWrite(db: Database, key: string): RedisValue | undefined {
    if (this.expireIfNeeded(db, key) && this.isReplica) {
      if (!this.config["replica-read-only"]) this.deleteExpiredKey(db, key);
      return undefined;
    }
    return db.get(key);
  }

  /**
   * rememberSlaveKeyWithExpire: a client's write on a writable replica left a TTL on one of the
   * command's keys (redis notes it in setExpire; here the command's key arguments are checked after
   * it ran, which covers SET EX, EXPIRE, GETEX, RESTORE, COPY ... alike).
   */
  private rememberReplicaKeysWithExpire(dbIndex: number, spec: CommandSpec, argv: readonly Uint8Array[]): void {
    const keys = spec.keys;
    if (keys === undefined || keys[0] === 0) return;
    const db = this.keyspace.dbs[dbIndex]!;
    if (db.expires.size === 0) return;
    const [first, last, step] = keys;
    const end = last < 0 ? argv.length + last : last;
    for (let j = first; j <= end && j < argv.length; j += step) {
      const key = bytesToBinary(argv[j]!);
      if (db.expireAt(key) === -1) continue;
      this.replicaKeysWithExpire.set(key, (this.replicaKeysWithExpire.get(key) ?? 0) | (1 << dbIndex));
    }
  }

  /**
   * expireSlaveKeys: a replica's cron deletes its own expired keys (those remembered above), a few
   * at a time: it stops after four that are not yet due. Keys checked and kept move to the back,
   * so every one is reached in turn (redis picks them at random).
   */
  private expireReplicaKeys(): void {
    const tracked = this.replicaKeysWithExpire;
    const now = this.unixMs();
    let notDue = 0;
    for (let checked = tracked.size; checked > 0 && notDue <= 3; checked--) {
      const [key, dbs] = tracked.entries().next().value as [string, number];
      tracked.delete(key);
      let kept = 0;
      for (let id = 0; id < this.keyspace.dbs.length; id++) {
        if ((dbs & (1 << id)) === 0) continue;
        const db = this.keyspace.dbs[id]!;
        const at = db.expireAt(key);
        if (at === -1) continue;
        if (at < now) {
          this.deleteExpiredKey(db, key);
        } else {
          notDue++;
          kept |= 1 << id;
        }
      }
      if (kept !== 0) tracked.set(key, kept);
    }
  }

  /** Active expiry: masters delete expired keys on a budget each cron tick (activeExpireCycle). */
  private activeExpireCycle(): void {
    if (this.isReplica || !this.activeExpireEnabled) return;
    const now = this.unixMs();
    for (const db of this.keyspace.dbs) {
      if (db.expires.size === 0) continue;
      let budget = 200;
      for (const [key, at] of db.expires) {
        if (budget-- <= 0) break;
        if (at <= now) this.deleteExpiredKey(db, key);
      }
    }
  }

  /** allowProtectedAction: `enable-debug-command` yes, or local and the client is on loopback. */
  private allowsProtected(client: Client): boolean {
    const setting = this.config["enable-debug-command"];
    if (setting === "yes") return true;
    if (setting === "no") return false;
    return client.kind === "master" || /^(127\.|\[?::1\]?:|localhost)/.test(client.peer) || !client.peer.includes(":");
  }

  /**
   * DEBUG SLEEP (nanosleep in redis): `ms` pass for this node at once, so what the sleeping command
   * runs next (the rest of an EXEC, the keys it expires) sees the later time; the world's clock
   * catches up with it, and meanwhile the node reads nothing and writes nothing, the reply included.
   */
  sleep(ms: number, client: Client): void {
    writeSimple(client.out, "OK");
    if (ms <= 0) return;
    if (this.execRunning) {
      this.sleepAfterExecMs += ms;
      return;
    }
    this.nowMs += ms;
    this.sleepUntilMs = this.nowMs;
  }

  /**
   * EXEC is running its queue: blocking commands must not block (CLIENT_DENY_BLOCKING), and the
   * clock stands still for its commands (fixed_time_expire) until it ends.
   */
  get inExec(): boolean {
    return this.execRunning;
  }

  set inExec(running: boolean) {
    this.execRunning = running;
    if (!running && this.sleepAfterExecMs > 0) {
      const ms = this.sleepAfterExecMs;
      this.sleepAfterExecMs = 0;
      this.nowMs += ms;
      this.sleepUntilMs = this.nowMs;
    }
  }

  private wakeUp(): void {
    this.sleepUntilMs = 0;
    const held = this.heldInput.splice(0, this.heldInput.length);
    for (const { client, bytes } of held) if (this.clients.has(client.conn)) this.readFromClient(client, bytes);
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  private serverCron(): void {
    if (this.config.hz > 0) {
      if (!this.isReplica) this.activeExpireCycle();
      else if (this.activeExpireEnabled && this.replicaKeysWithExpire.size > 0) this.expireReplicaKeys();
    }
    // checkChildrenDone comes before the save points and replicationCron, as in serverCron.
    this.replication.childCron?.();
    checkSavePoints(this);
    // run_with_period(1000) with hz 10: every tenth serverCron, starting with the first.
    if (this.cronLoops % 10 === 0) this.replicationCron();
    this.cronLoops++;
  }

  private replicationCron(): void {
    this.replication.cron();
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence (persistence.ts)

  /** Serializes the dataset as RDB. */
  buildRdb(): Uint8Array {
    return buildRdb(this);
  }

  /** SAVE: writes dump.rdb to this node's disk. */
  save(): number {
    return saveRdb(this);
  }

  /** Loads an RDB into the (emptied) keyspace; see {@link loadRdbInto}. */
  loadRdb(rdb: Uint8Array, dropExpired: boolean, feedExpiredDels = false): LoadedRdb {
    return loadRdbInto(this, rdb, dropExpired, feedExpiredDels);
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection

  /**
   * An estimate of used_memory (a simulation has no allocator to ask): a fixed base, a per-key
   * overhead, and the replication backlog. It is O(1), so INFO and RDB headers stay cheap.
   */
  usedMemoryBytes(): number {
    return this.memory.usedBytes();
  }

  /** The database a client has SELECTed. */
  selectedDb(client: Client): Database {
    return this.keyspace.db(client.db);
  }

  /** Shuts the process down (SHUTDOWN). */
  exit(reason: string): void {
    this.exited = true;
    this.effects.push({ type: "exit", reason });
  }
}

/** Bytes of a key held as a byte string. */
export function binaryKeyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
