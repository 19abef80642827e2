/**
 * An event's explanation in the language now shown, built from its structured `detail` (not from
 * the server's English `message`), so both languages show the same figures: "partial resync
 * accepted for B: offset 10274 is inside the backlog; sending 12 bytes from it".
 *
 * Where the detail does not carry what the explanation needs (the reason of a dropped link, a
 * warning's specifics, a network change), the head is still translated and the server's own line
 * is shown as the reason, marked as server text.
 */
import type { LabEvent, TraceEvent } from "@replica-lab/protocol";
import type { ParseKeys, TFunction } from "i18next";
import { shortReplid } from "../format/replid.ts";
import { formatOffset } from "../format/units.ts";
import { versionLabel } from "../format/versions.ts";

export interface EventText {
  readonly head: string;
  /** The why, emphasised in the log. */
  readonly reason: string | null;
  /** The server's own English line, shown when the structured fields cannot say it. */
  readonly serverText: string | null;
}

/** A PSYNC a replica sent, as its own `psync-request` event recorded it. */
export interface PsyncSent {
  readonly replid: string;
  readonly offset: number;
}

/** What the log knows around an event: names for addresses, nodes, earlier events. */
export interface EventContext {
  /** A lab node's name for an address, or the address itself. */
  nameOf(address: string): string;
  /** The address of a lab node (null when it is gone). */
  addressOf(nodeId: string | null): string | null;
  /** The lab node's redis version, when it still exists. */
  versionOf(nodeId: string | null): string | null;
  /** The last PSYNC sent from `replica` to `master` before event `seq`, if the log still holds it. */
  psyncBefore(seq: number, replica: string, master: string): PsyncSent | null;
}

const text = (head: string, reason: string | null = null): EventText => ({ head, reason, serverText: null });
const withServerText = (head: string, event: LabEvent): EventText => ({ head, reason: null, serverText: event.message });

/** Catalogue keys of the kinds' labels. Partial: the engine may add kinds before the catalogue has them. */
const KIND_LABELS: Readonly<Partial<Record<LabEvent["kind"], ParseKeys>>> = {
  "psync-request": "events.kind.psyncRequest",
  "full-resync": "events.kind.fullResync",
  "partial-resync": "events.kind.partialResync",
  rdb: "events.kind.rdb",
  "replica-state": "events.kind.replicaState",
  link: "events.kind.link",
  timeout: "events.kind.timeout",
  disconnect: "events.kind.disconnect",
  role: "events.kind.role",
  replid: "events.kind.replid",
  backlog: "events.kind.backlog",
  persistence: "events.kind.persistence",
  warning: "events.kind.warning",
  "node-added": "events.kind.nodeAdded",
  "node-removed": "events.kind.nodeRemoved",
  killed: "events.kind.killed",
  restarted: "events.kind.restarted",
  frozen: "events.kind.frozen",
  thawed: "events.kind.thawed",
  "link-changed": "events.kind.linkChanged",
  "config-file": "events.kind.configFile",
  exited: "events.kind.exited",
  "binlog-sync": "events.kind.binlogSync",
};

/** The label of an event kind, for the log's kind column; a kind newer than this client shows its own name. */
export function eventKindLabel(kind: LabEvent["kind"], t: TFunction): string {
  const key = KIND_LABELS[kind];
  return key === undefined ? String(kind) : t(key);
}

/**
 * Explains one event. Kinds this client does not know yet (the engine grows new ones) show their
 * server line, so nothing is lost while the catalogue catches up.
 */
export function explainEvent(event: LabEvent, t: TFunction, ctx: EventContext): EventText {
  const detail = event.detail;
  const name = event.nodeName ?? "?";
  const own = ctx.addressOf(event.nodeId);
  switch (detail.kind) {
    case "node-added": {
      const address = ctx.addressOf(event.nodeId);
      const version = ctx.versionOf(event.nodeId);
      return text(address !== null && version !== null ? t("events.explain.nodeAddedAt", { name, address, version: versionLabel(version) }) : t("events.explain.nodeAdded", { name }));
    }
    case "node-removed":
      return text(t("events.explain.nodeRemoved", { name }));
    case "killed":
      return text(t("events.explain.killed", { name }), t("events.explain.killedWhy"));
    case "restarted": {
      // What its config file made it: a replica of the master named there, or a master.
      const head = detail.wiped ? t("events.explain.restartedWiped", { name }) : t("events.explain.restarted", { name });
      const file = detail.configFile;
      return text(head, detail.replicaOf === null ? t("events.explain.restartedAsMaster", { file }) : t("events.explain.restartedAsReplica", { file, master: ctx.nameOf(detail.replicaOf) }));
    }
    case "frozen":
      return text(t("events.explain.frozen", { name }), t("events.explain.frozenWhy"));
    case "thawed":
      return text(t("events.explain.thawed", { name }));
    case "link-changed":
      // The detail does not say which link or what changed: the server's line does.
      return withServerText(t("events.explain.linkChanged"), event);
    case "exited":
      return withServerText(t("events.explain.exited"), event);
    case "config-file":
      return text(t("events.explain.configFile", { name }), t("events.explain.configFileWhy"));
    case "role":
      return detail.role === "replica" && detail.masterAddress !== null
        ? text(t("events.explain.roleReplica", { master: ctx.nameOf(detail.masterAddress) }))
        : text(t("events.explain.roleMaster"));
    case "replid":
      return explainReplid(detail, t);
    case "link": {
      const master = ctx.nameOf(detail.masterAddress);
      switch (detail.state) {
        case "connecting":
          return text(t("events.explain.linkConnecting", { master }));
        case "handshake":
          return text(t("events.explain.linkHandshake", { master }));
        case "sync":
          return text(t("events.explain.linkSync", { master }));
        case "connected":
          return text(t("events.explain.linkConnected", { master }));
        case "connect":
          // Why it dropped (refused, closed mid-handshake, an error reply) is only in the server's line.
          return withServerText(t("events.explain.linkDown", { master }), event);
        case "none":
          return text(t("events.explain.linkNone"));
      }
      break;
    }
    case "psync-request": {
      const master = ctx.nameOf(detail.masterAddress);
      // A SYNC (2.6, or a newer replica falling back) names no stream and no offset.
      if (detail.replid === "" && detail.offset < 0) {
        return text(t("events.explain.syncSent", { master }), ctx.versionOf(event.nodeId) === "2.6" ? t("events.explain.fullReason.syncOnly26") : t("events.explain.syncSentFallbackWhy"));
      }
      if (detail.replid === "?") return text(t("events.explain.psyncFull", { master }), t("events.explain.psyncFullWhy"));
      const replid = `${shortReplid(detail.replid)}…`;
      if (ctx.versionOf(event.nodeId) === "2.8") return text(t("events.explain.psyncPartial", { master }), t("events.explain.psyncPartialWhyRunId", { replid, offset: formatOffset(detail.offset) }));
      return text(t("events.explain.psyncPartial", { master }), t("events.explain.psyncPartialWhy", { replid, offset: formatOffset(detail.offset) }));
    }
    case "full-resync": {
      const peer = ctx.nameOf(detail.peer);
      const version = ctx.versionOf(event.nodeId);
      if (detail.side === "replica") {
        // After a SYNC there is no id or offset to report: the payload came straight away.
        if (detail.replid === "") return text(t("events.explain.fullSyncFromMaster", { peer }), t("events.explain.fullSyncFromMasterWhy"));
        const why = version === "2.8" ? "events.explain.fullFromMasterWhyRunId" : "events.explain.fullFromMasterWhy";
        return text(t("events.explain.fullFromMaster", { peer }), t(why, { replid: `${shortReplid(detail.replid)}…`, offset: formatOffset(detail.offset) }));
      }
      if (version === "2.6") return text(t("events.explain.fullSyncFor", { peer }), t("events.explain.fullReason.syncOnly26"));
      // The detail has the master's own id; what the replica asked for is in its psync-request event.
      const asked = own === null ? null : ctx.psyncBefore(event.seq, detail.peer, own);
      if (version === "2.8") return text(t("events.explain.fullForReplica28", { peer }), fullResyncReason28(detail.reason, detail.replid, asked, detail.backlogFirstByte ?? 0, t));
      return text(t("events.explain.fullForReplica", { peer }), fullResyncReason(detail.reason, detail.replid, asked, detail.backlogFirstByte ?? 0, t));
    }
    case "partial-resync": {
      const peer = ctx.nameOf(detail.peer);
      if (detail.side === "replica") return text(t("events.explain.partialDone", { peer }), t("events.explain.partialDoneWhy", { offset: formatOffset(detail.offset) }));
      // Offsets as redis prints them (no grouping), so the window reads like INFO's figures.
      const figures = { offset: String(detail.offset), first: String(detail.backlogFirstByte ?? "?"), last: String(detail.backlogLastByte ?? "?"), bytes: formatOffset(detail.backlogBytes) };
      if (ctx.versionOf(event.nodeId) === "2.8") {
        return text(t("events.explain.partialAccepted", { peer }), t("events.explain.partialAcceptedWhyRunId", { ...figures, runId: `${shortReplid(detail.replid)}…` }));
      }
      return text(t("events.explain.partialAccepted", { peer }), t("events.explain.partialAcceptedWhy", figures));
    }
    case "binlog-sync":
      return explainBinlogSync(detail, ctx.nameOf(detail.peer), t);
    case "rdb": {
      const peer = ctx.nameOf(detail.peer);
      const figures = { keys: formatOffset(detail.keys), bytes: formatOffset(detail.bytes) };
      const reason = detail.mode === "diskless" ? t("events.explain.rdbFiguresDiskless", figures) : t("events.explain.rdbFigures", figures);
      if (detail.side === "replica") return text(t("events.explain.rdbLoaded", { peer }), reason);
      return text(detail.mode === "diskless" ? t("events.explain.rdbSentDiskless", { peer }) : t("events.explain.rdbSentDisk", { peer }), reason);
    }
    case "replica-state": {
      const peer = ctx.nameOf(detail.peer);
      if (detail.state === "wait_bgsave") return text(t("events.explain.replicaWaitBgsave", { peer }), detail.state);
      if (detail.state === "online") return text(t("events.explain.replicaOnline", { peer }), detail.state);
      return text(t("events.explain.replicaState", { peer, state: detail.state }));
    }
    case "timeout": {
      const peer = ctx.nameOf(detail.peer);
      if (detail.side === "master") return text(t("events.explain.timeoutMaster", { peer }), t("events.explain.timeoutMasterWhy"));
      // Which timeout (connect, bulk transfer, no data from the master) is only in the server's line.
      return withServerText(t("events.explain.timeoutReplica", { peer }), event);
    }
    case "disconnect": {
      const peer = ctx.nameOf(detail.peer);
      return text(detail.side === "master" ? t("events.explain.disconnectMaster", { peer }) : t("events.explain.disconnectReplica", { peer }));
    }
    case "backlog": {
      const offset = formatOffset(detail.firstByteOffset);
      switch (detail.action) {
        case "created":
          return text(t("events.explain.backlogCreated"), t("events.explain.backlogCreatedWhy", { offset }));
        case "freed":
          return text(t("events.explain.backlogFreed"), t("events.explain.backlogFreedWhy"));
        case "resized":
          return text(t("events.explain.backlogResized"), t("events.explain.backlogResizedWhy", { offset }));
      }
      break;
    }
    case "persistence": {
      const file = detail.file;
      const keys = t("events.explain.persistenceKeys", { count: detail.keys });
      switch (detail.action) {
        case "save":
          return text(t("events.explain.persistenceSave", { file }), keys);
        case "load":
          return text(t("events.explain.persistenceLoad", { file }), keys);
        case "save-point":
          // Which save point (changes in seconds) is in redis' own log line.
          return withServerText(t("events.explain.persistenceSavePoint", { file }), event);
        case "config-rewrite":
          return text(t("events.explain.persistenceConfigRewrite", { file }));
      }
      break;
    }
    case "warning":
      return { head: warningHead(detail.code, t), reason: null, serverText: event.message };
  }
  // A kind (or a state of one) newer than this client: its name and the server's words.
  return withServerText(eventKindLabel(event.kind, t), event);
}

function explainReplid(detail: Extract<TraceEvent, { kind: "replid" }>, t: TFunction): EventText {
  const replid = `${shortReplid(detail.replid)}…`;
  const replid2 = `${shortReplid(detail.replid2)}…`;
  const offset = formatOffset(detail.secondReplOffset);
  switch (detail.cause) {
    case "backlog-created":
      return text(t("events.explain.replidBacklogCreated", { replid }), t("events.explain.replidBacklogCreatedWhy"));
    case "backlog-freed":
      return text(t("events.explain.replidBacklogFreed", { replid }), t("events.explain.replidBacklogFreedWhy"));
    case "promoted":
      return text(t("events.explain.replidPromoted", { replid }), t("events.explain.replidPromotedWhy", { replid2, offset }));
    case "full-sync":
      return text(t("events.explain.replidFullSync", { replid }));
    case "continue-new-id":
      return text(t("events.explain.replidContinue", { replid }), t("events.explain.replidContinueWhy", { replid2, offset }));
    case "startup":
      return text(t("events.explain.replidStartup", { replid }));
  }
}

/** Why a master refused a partial resync; with the replica's PSYNC when the log still has it. */
function fullResyncReason(reason: Extract<TraceEvent, { kind: "full-resync" }>["reason"], ownReplid: string, asked: PsyncSent | null, backlogFirstByte: number, t: TFunction): string {
  const own = `${shortReplid(ownReplid)}…`;
  const replid = asked ? `${shortReplid(asked.replid)}…` : "";
  const offset = asked ? formatOffset(asked.offset) : "";
  switch (reason) {
    case "no-replid":
      return t("events.explain.fullReason.noReplid");
    case "replid-mismatch":
      return asked ? t("events.explain.fullReason.replidMismatch", { replid, own }) : t("events.explain.fullReason.replidMismatchUnknown", { own });
    case "replid2-offset-too-high":
      return asked ? t("events.explain.fullReason.replid2TooHigh", { replid, offset }) : t("events.explain.fullReason.replid2TooHighUnknown");
    case "no-backlog":
      return t("events.explain.fullReason.noBacklog");
    case "offset-before-backlog":
      return asked ? t("events.explain.fullReason.beforeBacklog", { offset: String(asked.offset), first: String(backlogFirstByte) }) : t("events.explain.fullReason.beforeBacklogUnknown");
    case "offset-after-backlog":
      return asked ? t("events.explain.fullReason.afterBacklog", { offset }) : t("events.explain.fullReason.afterBacklogUnknown");
    case "sync-command":
      return t("events.explain.fullReason.syncCommand");
  }
}

/**
 * 2.8 names a stream by its master's run id, which is new at every start: the same refusals as
 * PSYNC2, in those terms.
 */
function fullResyncReason28(reason: Extract<TraceEvent, { kind: "full-resync" }>["reason"], ownRunId: string, asked: PsyncSent | null, backlogFirstByte: number, t: TFunction): string {
  if (reason === "replid-mismatch") {
    const own = `${shortReplid(ownRunId)}…`;
    return asked ? t("events.explain.fullReason.runIdMismatch", { runId: `${shortReplid(asked.replid)}…`, own }) : t("events.explain.fullReason.runIdMismatchUnknown", { own });
  }
  return fullResyncReason(reason, ownRunId, asked, backlogFirstByte, t);
}

/** Catalogue keys of SSDB's binlog-sync decisions (heads; each reason below has its figures). */
const BINLOG_HEADS: Readonly<Record<Extract<TraceEvent, { kind: "binlog-sync" }>["decision"], ParseKeys>> = {
  "copy-begin": "events.explain.binlog.copyBegin",
  "copy-recover": "events.explain.binlog.copyRecover",
  "sync-recover": "events.explain.binlog.syncRecover",
  "copy-end": "events.explain.binlog.copyEnd",
  "out-of-sync": "events.explain.binlog.outOfSync",
  recopy: "events.explain.binlog.recopy",
  "snapshot-abort": "events.explain.binlog.snapshotAbort",
  "snapshot-resume": "events.explain.binlog.snapshotResume",
  "snapshot-released": "events.explain.binlog.snapshotReleased",
  "slave-gone": "events.explain.binlog.slaveGone",
};

/** Heads of the decisions a slave reports (the master's heads name the slave as `peer`). */
const SLAVE_BINLOG_HEADS: Readonly<Partial<Record<Extract<TraceEvent, { kind: "binlog-sync" }>["decision"], ParseKeys>>> = {
  "copy-begin": "events.explain.binlog.copyBeginFrom",
  "copy-end": "events.explain.binlog.copyEndFrom",
  "out-of-sync": "events.explain.binlog.outOfSyncFrom",
};

/**
 * An SSDB decision in SSDB's terms: seqs against the master's binlog window [min_seq, max_seq]
 * ("seq 55 not in [10066, 10075]: OUT_OF_SYNC"). The window is on the master's events only.
 */
function explainBinlogSync(detail: Extract<TraceEvent, { kind: "binlog-sync" }>, peer: string, t: TFunction): EventText {
  // A slave reports what it received from its master: the same decisions, seen from the other end.
  const slaveHead = detail.side === "replica" ? SLAVE_BINLOG_HEADS[detail.decision] : undefined;
  const head = t(slaveHead ?? BINLOG_HEADS[detail.decision], { peer });
  const seq = String(detail.seq);
  const hasWindow = detail.minSeq !== undefined && detail.maxSeq !== undefined;
  const window = { seq, min: String(detail.minSeq ?? "?"), max: String(detail.maxSeq ?? "?") };
  switch (detail.decision) {
    case "out-of-sync":
      if (detail.side === "replica") return text(head, t("events.explain.binlog.outOfSyncSlaveWhy"));
      return text(head, hasWindow ? t("events.explain.binlog.outOfSyncWhy", window) : null);
    case "recopy":
      return text(head, hasWindow ? t("events.explain.binlog.recopyWhy", window) : t("events.explain.binlog.recopyWhyPlain"));
    case "sync-recover":
      return text(head, t("events.explain.binlog.syncRecoverWhy", window));
    case "copy-recover":
      return text(head, t("events.explain.binlog.copyRecoverWhy", { seq }));
    case "copy-begin":
      // The slave's copy_begin record carries no seq worth showing: the master's event has the anchor.
      if (detail.side === "replica") return text(head);
      return text(head, detail.seq === 0 ? t("events.explain.binlog.copyBeginWhyEmpty") : t("events.explain.binlog.copyBeginWhy", { seq }));
    case "copy-end":
      return text(head, t("events.explain.binlog.copyEndWhy", { seq, next: String(detail.seq + 1) }));
    case "snapshot-abort":
    case "snapshot-resume":
    case "snapshot-released":
      return text(head, t("events.explain.binlog.snapshotWhy", { seq }));
    case "slave-gone":
      return text(head, t("events.explain.binlog.slaveGoneWhy"));
  }
}

/** Catalogue keys of the warnings the engine raises, by code. */
const WARNING_HEADS: Readonly<Record<string, ParseKeys>> = {
  "rdb-unsupported-types": "events.explain.warningRdbUnsupported",
  "rdb-load-failed": "events.explain.warningRdbLoadFailed",
  "psync-unsupported": "events.explain.warningPsyncUnsupported",
  "master-protocol-error": "events.explain.warningMasterProtocol",
  "master-command-failed": "events.explain.warningMasterCommand",
  "replicas-dropped": "events.explain.warningReplicasDropped",
  "ssdb-silent-divergence": "events.explain.warningSsdbDivergence",
  "rdb-child-started": "events.explain.rdbChildStarted",
  "rdb-pipe-done": "events.explain.rdbPipeDone",
  "rdb-pipe-dropped": "events.explain.rdbPipeDropped",
  "rdb-child-done": "events.explain.rdbChildDone",
  "rdb-child-killed": "events.explain.rdbChildKilled",
  "rdb-child-failed-sync": "events.explain.rdbChildFailedSync",
  "rdb-streamed": "events.explain.rdbStreamed",
  "sync-wait-bgsave": "events.explain.syncWaitBgsave",
};

function warningHead(code: string, t: TFunction): string {
  return t(Object.hasOwn(WARNING_HEADS, code) ? WARNING_HEADS[code]! : "events.explain.warning");
}

/** The event's explanation as one line, as the log shows it (and the text filter searches it). */
export function eventLine(explained: EventText, t: TFunction): string {
  return [explained.head, explained.reason, explained.serverText].filter((part) => part !== null).join(t("events.separator"));
}
