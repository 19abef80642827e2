/**
 * The shape of `fixtures/real-ssdb-1.9.8.json`: what a real ssdb-server 1.9.8 did in master/slave
 * replication, recorded by `record-ssdb.ts`. The file is plain JSON so that any test (or a person)
 * can read it; these types are its contract.
 *
 * Conventions used throughout:
 * - Numbers printed by the server (`info` values) stay strings, exactly as printed.
 * - Binary bytes (keys, values, wire blocks) are "escaped text": bytes 0x20..0x7e except `\` are
 *   themselves, `\` is `\\`, every other byte is `\xNN` (two lowercase hex digits). See
 *   `escapeBytes`/`unescapeBytes` in `ssdb-wire.ts`.
 * - Times (`tMs`) are milliseconds since the scenario started, measured by the recorder's clock
 *   (log lines use the server's own timestamps, converted to the same origin).
 */

/** The fixture file as a whole. */
export interface SsdbFixture {
  /** Which server produced the file and how it was built. */
  readonly recordedWith: RecordedWith;
  /** The ssdb.conf of each node, as written for every scenario (ports vary per run). */
  readonly configTemplate: { readonly master: string; readonly slave: string };
  /** Scenarios by name; each is a sequence of checkpoints plus the wire trace of its link. */
  readonly scenarios: Readonly<Record<string, SsdbScenario>>;
  /** Replies of the master's port to the Redis protocol (RESP requests, raw replies). */
  readonly redisProtocol: readonly RespProbe[];
  /** A real redis-server and a real ssdb-server pointed at each other (absent without redis-server). */
  readonly interop: readonly InteropRun[];
  /** Timing figures derived from the wire traces and server logs of all scenarios. */
  readonly timing: TimingSummary;
}

/** Provenance of a recording. */
export interface RecordedWith {
  /** First line of `ssdb-server -h`, e.g. `ssdb-server 1.9.8`. */
  readonly server: string;
  /** The `version` field of `info`. */
  readonly infoVersion: string;
  /** Free text: repository, tag/commit, compiler, flags. Taken from SSDB_SOURCE_NOTE when set. */
  readonly source: string;
  /** `redis-cli --version` when it was available, else null. */
  readonly redisCli: string | null;
  /** `redis-server --version` when it was available, else null. */
  readonly redisServer: string | null;
}

/** One scenario: what was done, what each node reported after each step, and the link's bytes. */
export interface SsdbScenario {
  /** What the scenario demonstrates, in a sentence or two. */
  readonly description: string;
  /** `replication.binlog.capacity` of both nodes. */
  readonly binlogCapacity: number;
  readonly checkpoints: readonly Checkpoint[];
  /** Every TCP connection the slave opened to the master (through the recording proxy), in order. */
  readonly wire: readonly WireConnection[];
}

/** The two nodes of every scenario. */
export type NodeName = "master" | "slave";

/** A snapshot of both nodes after one step of a scenario. */
export interface Checkpoint {
  /** Short stable name, e.g. `copied`, `slave-restarted`. */
  readonly label: string;
  /** What the recorder did since the previous checkpoint (and what it waited for). */
  readonly action: string;
  /** When the snapshot was taken. */
  readonly tMs: number;
  /** Client commands run during the step, with their replies (SSDB protocol, blocks as escaped text). */
  readonly commands: readonly CommandRecord[];
  readonly nodes: Readonly<Record<NodeName, NodeObservation>>;
}

/** One client command the recorder ran in a step. */
export interface CommandRecord {
  readonly node: NodeName;
  /** The request blocks (escaped text). */
  readonly argv: readonly string[];
  /** Request blocks left out after the first ones (bulk writes). */
  readonly argvOmitted: number;
  /** The reply blocks (escaped text); the first is the status (`ok`, `not_found`, `error`, ...). */
  readonly reply: readonly string[];
  /** When the reply came back. */
  readonly tMs: number;
}

/**
 * A node's state at a checkpoint: up with its `info` and full keyspace, or not answering (`down`:
 * no process; `frozen`: stopped with SIGSTOP). Either way, the server log lines (replication-related
 * sources only) written since the previous checkpoint.
 */
export type NodeObservation =
  | {
      readonly up: true;
      readonly info: SsdbInfo;
      readonly data: Keyspace;
      readonly log: readonly LogLine[];
      /** Log lines left out of the middle of `log` because there were too many. */
      readonly logOmitted: number;
    }
  | { readonly up: false; readonly state: "down" | "frozen"; readonly log: readonly LogLine[]; readonly logOmitted: number };

/** The `info` reply, parsed. */
export interface SsdbInfo {
  /**
   * Every top-level name/value pair except `binlogs`, `replication`, the key ranges and
   * `leveldb.stats` (e.g. `version`, `links`, `total_calls`, `dbsize`). `links` and `total_calls`
   * count the recorder's own connections and commands; `dbsize` is LevelDB's estimate.
   */
  readonly fields: Readonly<Record<string, string>>;
  /** The `binlogs` value, parsed (`capacity`, `min_seq`, `max_seq`). */
  readonly binlogs: Readonly<Record<string, string>>;
  /** The `binlogs` value exactly as printed (lines indented with 4 spaces, no final newline). */
  readonly binlogsText: string;
  /** One entry per `replication` value, in the order printed (master-side clients first). */
  readonly replication: readonly ReplicationEntry[];
}

/** One `replication` value of `info`. */
export interface ReplicationEntry {
  /** `client` on the master (one per connected slave), `slaveof` on the slave (one per upstream). */
  readonly kind: "client" | "slaveof";
  /** The address after the kind word: the slave's ephemeral `ip:port`, or the master's `ip:port`. */
  readonly address: string;
  /** The indented `name : value` lines, names as printed (`type`, `status`, `last_seq`, ...). */
  readonly fields: Readonly<Record<string, string>>;
  /** The whole value exactly as printed. */
  readonly text: string;
}

/** A node's full keyspace, by type (names, fields and values as escaped text). */
export interface Keyspace {
  readonly kv: Readonly<Record<string, string>>;
  readonly hash: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** member → score as printed by `zscan`. */
  readonly zset: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Items front to back. */
  readonly queue: Readonly<Record<string, readonly string[]>>;
}

/** One line of ssdb-server's log file. */
export interface LogLine {
  readonly tMs: number;
  /** `INFO`, `ERROR`, `WARN`, `DEBUG`, ... */
  readonly level: string;
  /** `file.cpp(line)` as printed. */
  readonly source: string;
  readonly message: string;
}

/** Which way a wire message went. */
export type WireDirection = "slave->master" | "master->slave";

/** How a side of a connection ended. */
export type CloseKind = "fin" | "rst" | "recorder";

/** One TCP connection from the slave to the master, as the recording proxy saw it. */
export interface WireConnection {
  readonly index: number;
  readonly openedMs: number;
  /** When the proxy saw the first side end, or null if it was still open when the scenario ended. */
  readonly closedMs: number | null;
  /** Which side ended first and how (`recorder`: the proxy cut it on purpose). */
  readonly closedBy: { readonly side: NodeName | "proxy"; readonly how: CloseKind } | null;
  /**
   * Everything each side sent, in arrival order at the proxy. When the proxy cut the connection
   * (`closedBy.side === "proxy"`), the last `notForwarded` master → slave messages arrived but
   * were not passed on to the slave.
   */
  readonly messages: readonly WireMessage[];
  readonly notForwarded: number;
  /** Messages left out in the middle of a long trace (the first and last ones are kept). */
  readonly omitted: number;
  /** Bytes that did not form a whole packet when the connection ended, per direction (escaped). */
  readonly trailing: Readonly<Record<WireDirection, string>>;
}

/**
 * One message on the wire: an SSDB packet (a list of blocks ended by an empty line), or, for bytes
 * that are not SSDB framing (a Redis peer in the interop runs), the raw chunk as it arrived.
 */
export type WireMessage =
  | {
      readonly framing: "ssdb";
      readonly dir: WireDirection;
      /** When the chunk that completed this packet arrived at the proxy. */
      readonly tMs: number;
      /** The blocks as escaped text; re-encoding them as `<len>\n<bytes>\n` … `\n` gives the bytes sent. */
      readonly blocks: readonly string[];
      /** Block 1 decoded as a binlog record, for master → slave packets whose block 1 is ≥ 10 bytes. */
      readonly record: RecordHeader | null;
    }
  | {
      readonly framing: "raw";
      readonly dir: WireDirection;
      readonly tMs: number;
      /** The chunk's bytes, escaped. */
      readonly bytes: string;
    };

/** The 10-byte record header (seq uint64 little-endian, type, cmd) and the key after it. */
export interface RecordHeader {
  readonly seq: number;
  readonly type: number;
  /** NOOP, SYNC, MIRROR, COPY or CTRL. */
  readonly typeName: string;
  readonly cmd: number;
  /** NONE, KSET, KDEL, HSET, ... */
  readonly cmdName: string;
  /** The header bytes as hex, e.g. `05000000000000000301`. */
  readonly headerHex: string;
  /** The bytes after the header (an encoded key, `OUT_OF_SYNC`, or empty), escaped. */
  readonly key: string;
}

/** One request to the master's port in the Redis protocol. */
export interface RespProbe {
  readonly argv: readonly string[];
  /** The raw reply bytes, escaped (CR LF appear as `\x0d\x0a`). */
  readonly reply: string;
  /** What `redis-cli -p <port> <argv…>` printed (stdout, then stderr), or null without redis-cli. */
  readonly redisCli: string | null;
}

/** A real redis-server and a real ssdb-server linked to each other. */
export interface InteropRun {
  readonly name: string;
  readonly description: string;
  /** The first connections only (a redis replica retries every few milliseconds). */
  readonly wire: readonly WireConnection[];
  /** How many connections the proxy saw during the whole run. */
  readonly connectionCount: number;
  /** `INFO replication` fields of the redis-server after the wait, when it was the replica. */
  readonly redisInfo: Readonly<Record<string, string>> | null;
  /** The ssdb-server's `info` after the wait. */
  readonly ssdbInfo: SsdbInfo;
  /** The ssdb-server's replication log lines. */
  readonly ssdbLog: readonly LogLine[];
}

/** Timing figures (all in ms) derived from the recordings. */
export interface TimingSummary {
  /** Gaps between consecutive noops on idle links (all scenarios). */
  readonly noopIntervalsMs: readonly number[];
  /** Gaps from the last other master → slave packet to the first noop after it. */
  readonly firstNoopAfterPacketMs: readonly number[];
  /** Gaps from a link's end (master side gone) to the slave's next connection that reached the master. */
  readonly reconnectDelaysMs: readonly ReconnectSample[];
  /** Gaps between the slave's logged connect attempts while the master was down. */
  readonly refusedRetryIntervalsMs: readonly number[];
  /** From a slave's death to the master dropping its `client` entry from `info`, per sample. */
  readonly ghostClientLifetimesMs: readonly GhostSample[];
  /** From a client write on the master to its record reaching the slave, per sample. */
  readonly writeToSlaveMs: readonly number[];
}

/** One reconnect measured on the wire. */
export interface ReconnectSample {
  readonly scenario: string;
  readonly afterConnection: number;
  readonly delayMs: number;
  /** True when at least one attempt was refused in between (master down). */
  readonly refusedInBetween: boolean;
}

/** How long a dead slave stayed listed in the master's `info`. */
export interface GhostSample {
  readonly scenario: string;
  /** `kill` (SIGKILL) or `stop` (SIGTERM). */
  readonly how: "kill" | "stop";
  /** Records written on the master between the death and the measurement's start (the rest is noops). */
  readonly recordsWrittenAfterDeath: number;
  /** Lower bound (last poll that still listed it) and upper bound (first poll without it). */
  readonly listedAtLeastMs: number;
  readonly goneByMs: number;
}
