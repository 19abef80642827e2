/**
 * An external server in a few words, for its card, its links and the inspector, in the language
 * shown. Pure, so the words are tested without React. The server's poll errors (`detail`) are its
 * own words and stay as sent.
 */
import type { ExternalEdgeView, ExternalNodeView } from "@replica-lab/protocol";
import type { TFunction } from "i18next";
import { currentLocale } from "../i18n/i18n.ts";
import type { Tone } from "./linkState.ts";

export interface ExternalStatus {
  /** Stable word for tests and styling. */
  readonly state: "polled" | "unreachable" | "not-polled" | "waiting";
  readonly tone: Tone;
  readonly label: string;
  /** Why, when it is not simply polled. */
  readonly detail: string | null;
}

export function externalStatus(node: ExternalNodeView, t: TFunction): ExternalStatus {
  if (node.reachable) return { state: "polled", tone: "good", label: t("external.polled"), detail: node.error };
  const error = node.error ?? "";
  if (error.startsWith("not polled:")) return { state: "not-polled", tone: "muted", label: t("external.notPolled"), detail: error.slice("not polled:".length).trim() };
  if (node.lastPolledUnixMs === null && error === "not polled yet") return { state: "waiting", tone: "muted", label: t("external.connecting"), detail: null };
  return { state: "unreachable", tone: "bad", label: t("external.unreachable"), detail: error || null };
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

export function externalEdgeLabel(edge: ExternalEdgeView, t: TFunction): string {
  switch (edge.linkStatus) {
    case "up":
      return t("edge.streaming");
    case "down":
      return t("edge.down");
    case "unknown":
      return t("edge.notObserved");
  }
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time of a poll, as hh:mm:ss local time in the language's own format (24-hour). */
export function formatPolledAt(unixMs: number | null, t: TFunction): string {
  if (unixMs === null) return t("external.never");
  const locale = currentLocale();
  let format = timeFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    timeFormats.set(locale, format);
  }
  return format.format(new Date(unixMs));
}
