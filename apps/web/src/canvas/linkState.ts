/**
 * A replica's link to its master in a few words: what the card's chip and the edge's style show.
 * INFO says master_link_status:up only when connected; ROLE's finer phase is kept as detail.
 */
import type { NodeSnapshot, ReplicationEdgeSnapshot } from "@replica-lab/protocol";
import { formatBytes } from "../format/units.ts";

export type Tone = "good" | "warn" | "bad" | "info" | "muted";

export interface LinkChip {
  /** Stable word for tests and styling: connected, transfer, handshake, connecting, down. */
  readonly state: "connected" | "transfer" | "handshake" | "connecting" | "down";
  readonly tone: Tone;
  readonly label: string;
  readonly detail: string | null;
  /** 0..1 during an RDB transfer of known size. */
  readonly progress: number | null;
}

export function replicaLinkChip(node: NodeSnapshot): LinkChip | null {
  if (node.role !== "replica") return null;
  if (node.status === "down") return { state: "down", tone: "bad", label: "down", detail: "process down", progress: null };
  const downFor = node.masterLinkDownSinceSec !== null && node.masterLinkDownSinceSec >= 0 ? ` · ${node.masterLinkDownSinceSec}s` : "";
  switch (node.linkPhase) {
    case "connected":
      return { state: "connected", tone: "good", label: "connected", detail: null, progress: null };
    case "sync": {
      const t = node.transfer;
      if (t && t.totalBytes > 0) {
        const progress = Math.min(1, t.readBytes / t.totalBytes);
        return { state: "transfer", tone: "info", label: `transfer ${Math.floor(progress * 100)}%`, detail: `RDB ${formatBytes(t.readBytes)} of ${formatBytes(t.totalBytes)}`, progress };
      }
      return { state: "transfer", tone: "info", label: "transfer", detail: t ? `RDB ${formatBytes(t.readBytes)}${t.eofMode ? " (diskless)" : ""}` : "waiting for the RDB", progress: null };
    }
    case "handshake":
      return { state: "handshake", tone: "warn", label: "handshake", detail: node.replState, progress: null };
    case "connecting":
      return { state: "connecting", tone: "warn", label: "connecting", detail: `TCP connect${downFor}`, progress: null };
    case "connect":
    case "none":
    case null:
      return { state: "down", tone: "bad", label: "down", detail: `connect: retrying${downFor}`, progress: null };
  }
}

export type EdgeVisual = "streaming" | "transfer" | "handshake" | "down" | "partitioned";

export function edgeVisual(edge: ReplicationEdgeSnapshot): EdgeVisual {
  if (edge.partitioned) return "partitioned";
  switch (edge.phase) {
    case "connected":
      return "streaming";
    case "sync":
      return "transfer";
    case "handshake":
    case "connecting":
      return "handshake";
    case "connect":
    case "none":
      return "down";
  }
}

export function edgeLabel(edge: ReplicationEdgeSnapshot): string {
  const visual = edgeVisual(edge);
  switch (visual) {
    case "transfer":
      return edge.transferProgress === null ? "RDB transfer" : `RDB ${Math.floor(edge.transferProgress * 100)}%`;
    case "partitioned":
      return "✂ partitioned";
    default:
      return visual;
  }
}
