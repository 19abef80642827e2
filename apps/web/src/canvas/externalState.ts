/**
 * An external server in a few words, for its card, its links and the inspector. Pure, so the words
 * are tested without React.
 */
import type { ExternalEdgeView, ExternalNodeView } from "@replica-lab/protocol";
import type { Tone } from "./linkState.ts";

export interface ExternalStatus {
  /** Stable word for tests and styling. */
  readonly state: "polled" | "unreachable" | "not-polled" | "waiting";
  readonly tone: Tone;
  readonly label: string;
  /** Why, when it is not simply polled. */
  readonly detail: string | null;
}

export function externalStatus(node: ExternalNodeView): ExternalStatus {
  if (node.reachable) return { state: "polled", tone: "good", label: "polled", detail: node.error };
  const error = node.error ?? "";
  if (error.startsWith("not polled:")) return { state: "not-polled", tone: "muted", label: "not polled", detail: error.slice("not polled:".length).trim() };
  if (node.lastPolledUnixMs === null && error === "not polled yet") return { state: "waiting", tone: "muted", label: "connecting", detail: null };
  return { state: "unreachable", tone: "bad", label: "unreachable", detail: error || null };
}

/** The link of an external replica as its edge draws it (the same words as a lab link's edge). */
export function externalEdgeVisual(edge: ExternalEdgeView): "streaming" | "down" | "handshake" {
  switch (edge.linkStatus) {
    case "up":
      return "streaming";
    case "down":
      return "down";
    case "unknown":
      return "handshake";
  }
}

export function externalEdgeLabel(edge: ExternalEdgeView): string {
  switch (edge.linkStatus) {
    case "up":
      return "streaming";
    case "down":
      return "down";
    case "unknown":
      return "not observed";
  }
}

/** Wall-clock time of a poll, as hh:mm:ss local time. */
export function formatPolledAt(unixMs: number | null): string {
  if (unixMs === null) return "never";
  const d = new Date(unixMs);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
