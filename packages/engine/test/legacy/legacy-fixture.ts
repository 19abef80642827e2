/**
 * The shape of `fixtures/real-redis-<release>.json` for the legacy releases: what real redis-server
 * 2.6.17, 2.8.24 and 4.0.14 did in the legacy scenario set and in five handshakes captured
 * through a recording proxy. Written by `record-legacy.ts`, read by tests; this module holds the
 * types and the reading, so a test can use a fixture without any server binary.
 */

import { readFileSync } from "node:fs";

/** The three legacy releases recorded. */
export type LegacyRelease = "2.6.17" | "2.8.24" | "4.0.14";

export const LEGACY_RELEASES: readonly LegacyRelease[] = ["2.6.17", "2.8.24", "4.0.14"];

/** Where the fixture of `release` lives. */
export function legacyFixtureUrl(release: LegacyRelease): URL {
  return new URL(`../fixtures/real-redis-${release}.json`, import.meta.url);
}

/**
 * One node at a checkpoint. Every string that was a 40-hex id (run_id, master_replid, ids inside
 * replies) is an equality class: `"id1"`, `"id2"`... in order of first appearance within the
 * scenario, `"zero"` for forty zeros. A port of a node is written `<A>` (its name in brackets).
 */
export interface NodeObservation {
  /** `run_id` from INFO server, as an id class. */
  readonly run_id: string;
  /**
   * INFO replication exactly as printed, field by field in printed order (the object's key order),
   * values normalized: ids as classes, ports as `<name>`, and the timing fields
   * `master_last_io_seconds_ago` (kept when -1), `master_link_down_since_seconds`,
   * `master_sync_left_bytes`, `master_sync_last_io_seconds_ago` and the `lag=` of slave lines
   * replaced by `<seconds>` / `<unixtime>` / `<bytes>`.
   */
  readonly replication: Readonly<Record<string, string>>;
  /** `sync_full`, `sync_partial_ok`, `sync_partial_err` from INFO stats, only those the version prints. */
  readonly stats: Readonly<Record<string, string>>;
  /** INFO keyspace lines (`db0` → `keys=3,expires=1,avg_ttl=<ms>`), avg_ttl normalized when not 0. */
  readonly keyspace: Readonly<Record<string, string>>;
  /** The DBSIZE reply. */
  readonly dbsize: number;
}

/** Every live node listed for the checkpoint, observed after replication settled (or a fixed wait). */
export interface LegacyCheckpoint {
  readonly label: string;
  readonly nodes: Readonly<Record<string, NodeObservation>>;
}

export interface LegacyScenarioRecord {
  /** What the scenario does, in one or two sentences. */
  readonly description: string;
  readonly checkpoints: readonly LegacyCheckpoint[];
  /**
   * Replies in order, as `"<node> <argv...> -> <reply>"`: `+OK`, `-ERR ...`, `:3`, `"v1"`, `(nil)`,
   * `[a, b]`. Ports in argv and replies are written `<name>`; a CLIENT KILL address is written
   * `<B's link>` (the connection that carries B's replication).
   */
  readonly replies: readonly string[];
}

/** Which way bytes went through the recording proxy. */
export type Direction = "replica->master" | "master->replica";

/** What an RDB transfer held (the payload itself is replaced by a placeholder in the frame text). */
export interface RdbSummary {
  readonly bytes: number;
  /** The first nine bytes, e.g. `REDIS0006`. */
  readonly magic: string;
  /** 4.0's aux fields in file order; `ctime`, `used-mem` normalized, `repl-id` as an id class. */
  readonly aux: Readonly<Record<string, string>>;
  /**
   * The whole payload in hex, for RDB version 6 (no aux fields, so no ids or clocks inside). The
   * order of keys in it follows the server's per-process random hash seed: compare key sets, not bytes.
   */
  readonly hex?: string;
}

/**
 * One event seen by the recording proxy, or one step the recorder took. Data frames hold the exact
 * bytes (as latin1 text, `\r\n` included) with ids replaced by classes and ports by `<name>`.
 * `periodic` marks what the cron produces on a timer (REPLCONF ACK, master PING, lone `\n`
 * keep-alives, and a refused connection that only repeats the previous one): a comparison may drop
 * them, since how many appear and the ACK offsets they carry depend on timing.
 */
export type HandshakeFrame =
  | { readonly kind: "step"; readonly text: string }
  | { readonly kind: "connect" | "close"; readonly conn: number; readonly dir: Direction; readonly periodic?: true }
  | {
      readonly kind: "command" | "reply" | "stream" | "ack" | "ping" | "newline";
      readonly conn: number;
      readonly dir: Direction;
      readonly text: string;
      readonly periodic?: true;
    }
  | {
      readonly kind: "rdb";
      readonly conn: number;
      readonly dir: Direction;
      /** `$<len>\r\n<RDB <len> bytes <magic>>`: the bulk header as sent, then the placeholder. */
      readonly text: string;
      readonly rdb: RdbSummary;
    };

export interface HandshakeRecord {
  readonly description: string;
  /** The config every node of the capture was started with (beyond port, dir and the like). */
  readonly config: Readonly<Record<string, string>>;
  /** Each node's ids as classes when the capture started and when it ended. */
  readonly idsAtStart: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly idsAtEnd: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly frames: readonly HandshakeFrame[];
}

/** The names of the handshake captures. */
export type HandshakeName = "firstSync" | "reconnect" | "promotion" | "chainDrop" | "pings";

export interface LegacyFixture {
  readonly release: LegacyRelease;
  /** `redis-server --version` of the binary recorded. */
  readonly recordedWith: string;
  /** The settings every scenario node started with, besides port, bind, dir, logfile, save "" and appendonly no. */
  readonly quietConfig: Readonly<Record<string, string>>;
  /** How values were normalized, in words. */
  readonly normalization: readonly string[];
  readonly scenarios: Readonly<Record<string, LegacyScenarioRecord>>;
  readonly handshakes: Readonly<Record<HandshakeName, HandshakeRecord>>;
}

/** Reads and parses the fixture of `release` (no validation beyond JSON; see fixtures.test.ts). */
export function readLegacyFixture(release: LegacyRelease): LegacyFixture {
  return JSON.parse(readFileSync(legacyFixtureUrl(release), "utf8")) as LegacyFixture;
}

/** The frames a timing-free comparison looks at: steps and data, without the periodic ones. */
export function significantFrames(frames: readonly HandshakeFrame[]): HandshakeFrame[] {
  return frames.filter((frame) => !("periodic" in frame && frame.periodic));
}
