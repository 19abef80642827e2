/**
 * A replica's link to its master in a few words: what the card's chip and the edge's style show.
 * INFO says master_link_status:up only when connected; ROLE's finer phase is kept as detail. The
 * words come in the language shown (`t`); the states are stable words for tests and styles.
 */
import type { NodeSnapshot, ReplicationEdgeSnapshot } from "@replica-lab/protocol";
import type { TFunction } from "i18next";
import { asSsdb, isRedisNode, type SsdbNode } from "../format/ssdb.ts";
import { formatBytes } from "../format/units.ts";

export type Tone = "good" | "warn" | "bad" | "info" | "muted";

export interface LinkChip {
  /** Stable word for tests and styling: connected, transfer, loading, handshake, connecting, down. */
  readonly state: "connected" | "transfer" | "loading" | "handshake" | "connecting" | "down";
  readonly tone: Tone;
  readonly label: string;
  readonly detail: string | null;
  /** 0..1 during an RDB transfer of known size. */
  readonly progress: number | null;
}

export function replicaLinkChip(node: NodeSnapshot, t: TFunction): LinkChip | null {
  if (node.role !== "replica") return null;
  if (node.status === "down") return { state: "down", tone: "bad", label: t("link.down"), detail: t("link.processDown"), progress: null };
  if (!isRedisNode(node)) return ssdbLinkChip(asSsdb(node)!, t);
  const downSec = node.masterLinkDownSinceSec !== null && node.masterLinkDownSinceSec >= 0 ? node.masterLinkDownSinceSec : null;
  switch (node.linkPhase) {
    case "connected":
      return { state: "connected", tone: "good", label: t("link.connected"), detail: null, progress: null };
    case "sync": {
      const transfer = node.transfer;
      if (transfer && transfer.totalBytes > 0) {
        const progress = Math.min(1, transfer.readBytes / transfer.totalBytes);
        return {
          state: "transfer",
          tone: "info",
          label: t("link.transferPercent", { percent: Math.floor(progress * 100) }),
          detail: t("link.rdbProgress", { read: formatBytes(transfer.readBytes), total: formatBytes(transfer.totalBytes) }),
          progress,
        };
      }
      const read = transfer ? formatBytes(transfer.readBytes) : "";
      const detail = transfer ? (transfer.eofMode ? t("link.rdbReadDiskless", { read }) : t("link.rdbRead", { read })) : t("link.waitingRdb");
      return { state: "transfer", tone: "info", label: t("link.transfer"), detail, progress: null };
    }
    case "loading": {
      // INFO loading:1 (clients get -LOADING) or async_loading:1 (the old data still serves reads).
      const loading = "loading" in node ? node.loading : null;
      const label = loading?.async ? t("link.asyncLoading") : t("link.loading");
      const progress = loading && loading.totalBytes > 0 ? Math.min(1, loading.loadedBytes / loading.totalBytes) : null;
      const detail = loading ? (loading.async ? t("link.asyncLoadingDetail", { loaded: formatBytes(loading.loadedBytes) }) : t("link.loadingDetail", { loaded: formatBytes(loading.loadedBytes) })) : null;
      return { state: "loading", tone: "info", label, detail, progress };
    }
    case "handshake":
      // replState is redis's own word for the handshake step (receive_psync_reply, ...).
      return { state: "handshake", tone: "warn", label: t("link.handshake"), detail: node.replState, progress: null };
    case "connecting":
      return { state: "connecting", tone: "warn", label: t("link.connecting"), detail: downSec === null ? t("link.tcpConnect") : t("link.tcpConnectFor", { sec: downSec }), progress: null };
    case "connect":
    case "none":
    case null:
      return { state: "down", tone: "bad", label: t("link.down"), detail: downSec === null ? t("link.retrying") : t("link.retryingFor", { sec: downSec }), progress: null };
  }
}

/** An SSDB slave's status as a chip: SSDB's own words, the tone of the Redis states they match. */
function ssdbLinkChip(node: SsdbNode, t: TFunction): LinkChip {
  const status = node.syncStatus ?? "DISCONNECTED";
  switch (status) {
    case "SYNC":
      return { state: "connected", tone: "good", label: t("link.connected"), detail: status, progress: null };
    case "COPY":
      return { state: "transfer", tone: "info", label: t("link.transfer"), detail: status, progress: null };
    case "INIT":
      return { state: "handshake", tone: "warn", label: t("link.handshake"), detail: status, progress: null };
    case "OUT_OF_SYNC":
      return { state: "down", tone: "bad", label: status, detail: t("ssdb.outOfSyncNote"), progress: null };
    case "DISCONNECTED":
      return node.linkPhase === "connecting"
        ? { state: "connecting", tone: "warn", label: t("link.connecting"), detail: t("link.tcpConnect"), progress: null }
        : { state: "down", tone: "bad", label: t("link.down"), detail: t("link.retrying"), progress: null };
  }
}

export type EdgeVisual = "streaming" | "transfer" | "handshake" | "down" | "partitioned";

export function edgeVisual(edge: ReplicationEdgeSnapshot): EdgeVisual {
  if (edge.partitioned) return "partitioned";
  switch (edge.phase) {
    case "connected":
      return "streaming";
    case "sync":
    case "loading":
      return "transfer";
    case "handshake":
    case "connecting":
      return "handshake";
    case "connect":
    case "none":
      return "down";
  }
}

/** The words on an edge's label, from its look and its RDB transfer progress (0..1, or null). */
export function edgeLabel(visual: EdgeVisual, transferProgress: number | null, t: TFunction): string {
  switch (visual) {
    case "transfer":
      return transferProgress === null ? t("edge.transfer") : t("edge.transferPercent", { percent: Math.floor(transferProgress * 100) });
    case "partitioned":
      return t("edge.partitioned");
    case "streaming":
      return t("edge.streaming");
    case "handshake":
      return t("edge.handshake");
    case "down":
      return t("edge.down");
  }
}
