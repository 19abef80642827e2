/**
 * What an SSDB node looks like to the lab (`protocol: "ssdb-binlog"`): the binlog window instead of
 * a backlog, the slave's status and resume point instead of offsets, and its slaves with the
 * master's cursor for each.
 */
import type { AttachedPeerView, ProcessViewCommon } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import { DEFAULT_BINLOG_CAPACITY } from "./binlog.ts";
import { parseSsdbConf, settingsOf, type CopyMode } from "./config.ts";
import { WINDOW_FILE } from "./database.ts";
import { ssdbEscape } from "./keys.ts";
import type { MasterLinkStatus } from "./master-link.ts";
import { MetaStore, slaveStatusKey } from "./meta.ts";
import type { SlaveStatus } from "./slave.ts";

/** A slave as its master sees it (one `replication` client entry of `info`). */
export interface SsdbReplicaView extends AttachedPeerView {
  readonly status: MasterLinkStatus;
  /** The master's cursor for this slave: the last seq sent (or skipped). */
  readonly lastSeq: number;
  /** The slave closed its connection and the master has not noticed yet (it lists it until a send fails). */
  readonly gone: boolean;
  /** Copy items sent on this link. */
  readonly copiedItems: number;
}

/** `info`'s `binlogs`: the records a slave can resume from are `[minSeq, maxSeq]`. */
export interface BinlogWindowView {
  readonly enabled: boolean;
  readonly capacity: number;
  readonly minSeq: number;
  readonly maxSeq: number;
}

/** A snapshot a seed-002 master keeps pinned for a slave. */
export interface PinnedSnapshotView {
  readonly host: string;
  readonly status: "ACTIVE" | "ABORT";
  readonly binlogSeq: number;
}

/** An SSDB node's state as plain data. */
export interface SsdbView extends ProcessViewCommon {
  readonly protocol: "ssdb-binlog";
  readonly replicas: readonly SsdbReplicaView[];
  readonly binlog: BinlogWindowView;
  /**
   * The slave link's status (`DISCONNECTED`, `INIT`, `COPY`, `SYNC`, `OUT_OF_SYNC`), null on a node
   * without `slaveof`. Named `syncStatus` because a snapshot's `status` is the process's (up, down).
   */
  readonly syncStatus: SlaveStatus | null;
  /** The slave's resume point, as persisted: the master seq it has, and the last key copied ("" when no copy is half done). */
  readonly lastSeq: number | null;
  /** Escaped as SSDB prints keys (`\xNN` for other bytes). */
  readonly lastKey: string | null;
  /** Per-process counters of the slave link. */
  readonly copyCount: number;
  readonly syncCount: number;
  /** The slave link's id (`host|port` unless set). */
  readonly slaveId: string | null;
  /** Every upstream this node follows (`masterAddress` is the first). */
  readonly masters: readonly string[];
  readonly copyMode: CopyMode;
  readonly syncSpeedMBps: number;
  readonly snapshots: readonly PinnedSnapshotView[];
}

/** The view of a node whose process is down: settings from ssdb.conf, resume point and window from the disk. */
export function ssdbDownView(disk: SimDisk, configFile: string): SsdbView {
  const parsed = parseSsdbConf(disk.readText(configFile) ?? "");
  const settings = parsed.ok ? settingsOf(parsed.root, DEFAULT_BINLOG_CAPACITY) : null;
  const first = settings?.slaveOf[0] ?? null;
  const window = /^(\d+) (\d+)$/.exec(bytesToBinary(disk.read(WINDOW_FILE) ?? new Uint8Array(0)));
  let lastSeq: number | null = null;
  let lastKey: string | null = null;
  if (first !== null) {
    const id = first.id !== "" ? first.id : `${first.host}|${first.port}`;
    const status = slaveStatusKey(id);
    lastSeq = 0;
    lastKey = "";
    MetaStore.read(disk, (name, field, value) => {
      if (name !== status) return;
      if (field === "last_seq") lastSeq = Number(value) || 0;
      if (field === "last_key") lastKey = ssdbEscape(value);
    });
  }
  return {
    protocol: "ssdb-binlog",
    role: first !== null ? "replica" : "master",
    masterAddress: first !== null ? `${first.host}:${first.port}` : null,
    linkPhase: null,
    linkUp: false,
    transferProgress: null,
    keys: 0,
    uptimeSec: 0,
    replicas: [],
    binlog: {
      enabled: settings?.binlogEnabled ?? true,
      capacity: settings?.binlogCapacity ?? DEFAULT_BINLOG_CAPACITY,
      minSeq: window ? Number(window[1]) : 0,
      maxSeq: window ? Number(window[2]) : 0,
    },
    syncStatus: null,
    lastSeq,
    lastKey,
    copyCount: 0,
    syncCount: 0,
    slaveId: first !== null ? (first.id !== "" ? first.id : `${first.host}|${first.port}`) : null,
    masters: settings?.slaveOf.map((s) => `${s.host}:${s.port}`) ?? [],
    copyMode: settings?.copyMode ?? "upstream",
    syncSpeedMBps: settings?.syncSpeed ?? -1,
    snapshots: [],
  };
}
