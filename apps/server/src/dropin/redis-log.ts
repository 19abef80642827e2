/**
 * The log a redis-server writes (server.c serverLogRaw): `pid:role dd Mon yyyy hh:mm:ss.mmm L text`,
 * L being `.` debug, `-` verbose, `*` notice, `#` warning; to `logfile`, opened and closed for every
 * line as redis does (so a test may rotate it), or to standard output when `logfile` is empty.
 *
 * The engine explains itself with trace events; {@link traceLines} turns each into the lines a real
 * redis-server 7.0.15 writes at that moment (taken from a 7.0.15 run of the same steps), followed by
 * the engine's own account of the decision, marked `(lab)`.
 */
import { appendFileSync, writeSync } from "node:fs";
import type { TraceEvent } from "@replica-lab/engine";

export type LogLevel = "debug" | "verbose" | "notice" | "warning";

const LEVEL_CHAR: Record<LogLevel, string> = { debug: ".", verbose: "-", notice: "*", warning: "#" };
const LEVEL_RANK: Record<LogLevel | "nothing", number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** One line to log. */
export interface LogLine {
  readonly level: LogLevel;
  readonly text: string;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** redis's timestamp: local time, `03 Dec 2026 20:56:46.929`. */
export function redisTimestamp(date: Date): string {
  return `${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export class RedisLog {
  constructor(
    private readonly pid: number,
    private file: string,
    private level: LogLevel | "nothing",
  ) {}

  /** `logfile` and `loglevel` once the config is read (CONFIG SET loglevel is not modeled). */
  configure(file: string, level: LogLevel | "nothing"): void {
    this.file = file;
    this.level = level;
  }

  /** Writes one line with the role letter: C (before the server is up), M, S. */
  write(role: "C" | "M" | "S", level: LogLevel, text: string): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    this.raw(`${this.pid}:${role} ${redisTimestamp(new Date())} ${LEVEL_CHAR[level]} ${text}\n`);
  }

  /** Text written as it is (the start-up banner, the signal handler's line). */
  raw(text: string): void {
    try {
      if (this.file === "") writeSync(1, text);
      else appendFileSync(this.file, text);
    } catch {
      // A log that cannot be written is not a reason to stop serving (redis ignores it too).
    }
  }
}

/** Redis's words for a replica as its master names it in the log. */
function replicaName(event: { readonly peer: string; readonly redisPeer?: string }): string {
  if (event.redisPeer !== undefined) return event.redisPeer;
  return event.peer.startsWith("replica ") ? event.peer.slice("replica ".length) : event.peer;
}

/**
 * The RDB child's and its pipe's lines (rdbPipeReadHandler, backgroundSaveDoneHandler,
 * updateSlavesWaitingBgsave), worded by the engine as redis words them, at redis's levels.
 */
const RDB_CHILD_LEVELS: Readonly<Record<string, LogLevel>> = {
  "rdb-pipe-done": "warning",
  "rdb-pipe-dropped": "warning",
  "rdb-child-done": "notice",
  "rdb-child-killed": "warning",
  "rdb-child-failed-sync": "warning",
  "rdb-streamed": "notice",
  "sync-wait-bgsave": "notice",
};

/** The lines a redis-server 7.0.15 logs where the engine traced `event`, then the engine's account. */
export function traceLines(event: TraceEvent): LogLine[] {
  const lines = redisLines(event);
  // The CRITICAL line already says what failed; a second line naming the command would count twice
  // where redis's tests count the lines that name it.
  if (event.kind === "warning" && (event.code === "master-command-failed" || REDIS_WORDED.has(event.code)) && lines.length > 0) return lines;
  if (event.kind !== "propagation") lines.push({ level: event.kind === "warning" ? "warning" : "verbose", text: `(lab) ${event.message}` });
  return lines;
}

/** Warnings the engine words as redis's log line (the line is written as is, with no account after it). */
const REDIS_WORDED = new Set(["replica-generated-reply", "replica-error-reply", "psync-wrong-offset", ...Object.keys(RDB_CHILD_LEVELS)]);

function notice(text: string): LogLine {
  return { level: "notice", text };
}

function warning(text: string): LogLine {
  return { level: "warning", text };
}

function redisLines(event: TraceEvent): LogLine[] {
  switch (event.kind) {
    case "full-resync":
      if (event.side === "replica") return [notice(`Full resync from master: ${event.replid}:${event.offset}`)];
      return [notice(`Replica ${replicaName(event)} asks for synchronization`), ...fullResyncWhy(event)];
    case "partial-resync":
      if (event.side === "replica") return [notice("Successful partial resynchronization with master."), notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")];
      return [
        notice(`Replica ${replicaName(event)} asks for synchronization`),
        notice(`Partial resynchronization request from ${replicaName(event)} accepted. Sending ${event.backlogBytes} bytes of backlog starting from offset ${event.offset}.`),
      ];
    case "psync-request":
      return [event.replid === "?" ? notice("Partial resynchronization not possible (no cached master)") : notice(`Trying a partial resynchronization (request ${event.replid}:${event.offset}).`)];
    case "rdb":
      // replicaPutOnline: the RDB is out (diskless: the child was collected; disk: the file sent).
      if (event.side === "master") return [notice(`Synchronization with replica ${replicaName(event)} succeeded`)];
      // A load that took time logged its first lines when it began (a `link` event with `load`).
      if (event.load !== undefined) {
        return [
          notice(`Done loading RDB, keys loaded: ${event.keys}, keys expired: 0.`),
          ...(event.load === "swapdb" ? [notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB"), notice("MASTER <-> REPLICA sync: Discarding old DB in background")] : []),
          notice("MASTER <-> REPLICA sync: Finished with success"),
        ];
      }
      return [
        notice(event.mode === "diskless" ? "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk" : `MASTER <-> REPLICA sync: receiving ${event.bytes} bytes from master to disk`),
        notice("MASTER <-> REPLICA sync: Flushing old data"),
        notice("MASTER <-> REPLICA sync: Loading DB in memory"),
        notice(`Done loading RDB, keys loaded: ${event.keys}, keys expired: 0.`),
        notice("MASTER <-> REPLICA sync: Finished with success"),
      ];
    case "replica-state":
      // A SYNC (a PSYNC's line comes with its full-resync event).
      return event.state === "wait_bgsave" && event.reason === "sync-command" ? [notice(`Replica ${replicaName(event)} asks for synchronization`)] : [];
    case "disconnect":
      return event.side === "master" ? [warning(`Connection with replica ${replicaName(event)} lost.`)] : [warning("Connection with master lost."), notice("Caching the disconnected master state.")];
    case "timeout":
      if (event.side === "master") return [warning(`Disconnecting timedout replica (${event.message.includes("during its full sync") ? "full" : "streaming"} sync): ${replicaName(event)}`)];
      if (event.message.startsWith("timeout connecting")) return [warning("Timeout connecting to the MASTER...")];
      if (event.message.startsWith("timeout receiving")) return [warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")];
      return [warning("MASTER timeout: no data nor PING received...")];
    case "link":
      return linkLines(event);
    case "role":
      // replicaofCommand's lines; a change of role not asked for by a client (the replicaof
      // directive at start, a failover) is not logged so.
      if (event.requestedBy === undefined) return [];
      return event.role === "master" ? [notice(`MASTER MODE enabled (user request from '${event.requestedBy}')`)] : [notice(`REPLICAOF ${event.masterAddress ?? "?"} enabled (user request from '${event.requestedBy}')`)];
    case "replid":
      if (event.cause === "promoted") return [warning(`Setting secondary replication ID to ${event.replid2}, valid up to offset: ${event.secondReplOffset}. New replication ID is ${event.replid}`)];
      if (event.cause === "backlog-created") return [notice(`Replication backlog created, my new replication IDs are '${event.replid}' and '${event.replid2}'`)];
      return [];
    case "backlog":
      return event.action === "freed" ? [notice(event.message.replace(/^replication backlog freed/, "Replication backlog freed"))] : [];
    case "persistence":
      switch (event.action) {
        case "save":
          return [notice("DB saved on disk")];
        case "save-point":
          return [notice(event.message.replace(/ \(save [^)]*\)$/, ""))];
        case "config-rewrite":
          return [notice("CONFIG REWRITE executed with success.")];
        case "load":
          return [];
      }
      return [];
    case "warning":
      if (event.code === "master-command-failed") return criticalLine(event.message);
      if (event.code === "rdb-child-started") {
        return event.message.includes("(replicas sockets)")
          ? [notice("Starting BGSAVE for SYNC with target: replicas sockets"), notice(`Background RDB transfer started by pid ${process.pid}`)]
          : [notice("Starting BGSAVE for SYNC with target: disk"), notice(`Background saving started by pid ${process.pid}`)];
      }
      if (Object.hasOwn(RDB_CHILD_LEVELS, event.code)) return [{ level: RDB_CHILD_LEVELS[event.code]!, text: event.message }];
      if (event.code === "psync-wrong-offset") return [notice(event.message.replace(/ but with a wrong offset$/, "")), warning(event.message)];
      return REDIS_WORDED.has(event.code) ? [warning(event.message)] : [];
    case "propagation":
      return [{ level: "debug", text: event.message }];
    case "binlog-sync":
      return [];
  }
}

/**
 * afterErrorReply's line for an error a command from the master got here (redis logs it instead of
 * replying): the error without its "ERR " prefix, and the command's name ('<unknown>' when there
 * is no such command). Read from the engine's account of the failure.
 */
function criticalLine(message: string): LogLine[] {
  const failed = /^the master's (.+?) failed here \((.*)\): the lab does not model it/s.exec(message);
  if (!failed) return [];
  const error = failed[2]!.replace(/^ERR /, "");
  const command = error.startsWith("unknown command ") ? "<unknown>" : failed[1]!.toLowerCase();
  return [warning(`== CRITICAL == This replica is sending an error to its master: '${error}' after processing the command '${command}'`)];
}

function fullResyncWhy(event: Extract<TraceEvent, { kind: "full-resync" }>): LogLine[] {
  const replica = replicaName(event);
  // masterTryPartialResynchronization's lines name what the replica asked for.
  const asked = event.requested ?? { replid: "", offset: -1 };
  switch (event.reason) {
    case "no-replid":
      return [notice(`Full resync requested by replica ${replica}`)];
    case "sync-command":
      return [];
    case "replid-mismatch":
      return [notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${asked.replid}', my replication IDs are '${event.replid}' and '${event.replid2 ?? ""}')`)];
    case "replid2-offset-too-high":
      return [notice(`Partial resynchronization not accepted: Requested offset for second ID was ${asked.offset}, but I can reply up to ${event.secondReplidOffset ?? -1}`)];
    case "no-backlog":
    case "offset-before-backlog":
    case "offset-after-backlog":
      return [
        notice(`Unable to partial resync with replica ${replica} for lack of backlog (Replica request was: ${asked.offset}).`),
        // `offset` is the master's master_repl_offset when the replica asked.
        ...(asked.offset > event.offset ? [warning(`Warning: replica ${replica} tried to PSYNC with an offset that is greater than the master replication offset.`)] : []),
      ];
  }
}

function linkLines(event: Extract<TraceEvent, { kind: "link" }>): LogLine[] {
  const load = event.load;
  if (load !== undefined) {
    const fromSocket = load.mode !== "disk";
    if (event.state === "loading") {
      return [
        notice(`MASTER <-> REPLICA sync: receiving ${load.eofFormat ? "streamed RDB from master with EOF" : `${load.bytes} bytes from master`} to ${fromSocket ? "parser" : "disk"}`),
        ...(load.mode === "swapdb" ? [] : [notice("MASTER <-> REPLICA sync: Flushing old data")]),
        notice("MASTER <-> REPLICA sync: Loading DB in memory"),
      ];
    }
    // A load from the socket that lost its socket (rdbLoadRio's short read, then readSyncBulkPayload).
    if (!fromSocket) return [];
    return [
      warning("Short read or OOM loading DB. Unrecoverable error, aborting now."),
      warning("Internal error in RDB reading offset 0, function at rdb.c:0 -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation."),
      warning("Failed trying to load the MASTER synchronization DB from socket: Connection reset by peer"),
      ...(load.mode === "swapdb" ? [notice("MASTER <-> REPLICA sync: Discarding temporary DB in background")] : []),
    ];
  }
  switch (event.state) {
    case "connecting":
      return [notice(`Connecting to MASTER ${event.masterAddress}`), notice("MASTER <-> REPLICA sync started")];
    case "handshake":
      return [notice("Non blocking connect for SYNC fired the event."), notice("Master replied to PING, replication can continue...")];
    case "connect":
      if (event.message.startsWith("connection with master")) return [warning("Connection with master lost."), notice("Caching the disconnected master state."), notice(`Reconnecting to MASTER ${event.masterAddress} after failure`)];
      if (event.message.startsWith("error condition on socket")) return [warning(`Error condition on socket for SYNC: ${event.message.replace(/^error condition on socket for SYNC: /, "").replace(/; retrying every second$/, "")}`)];
      return [];
    default:
      return [];
  }
}
