/**
 * Event kinds grouped the way people filter them: sync decisions, link changes, identity changes,
 * backlog changes, operator actions and the rest.
 */
import type { LabEvent } from "@replica-lab/protocol";
import type { ParseKeys } from "i18next";

export type EventGroup = "sync" | "link" | "identity" | "backlog" | "operator" | "other";

export const EVENT_GROUPS: readonly EventGroup[] = ["sync", "link", "identity", "backlog", "operator", "other"];

/** The catalogue key of each group's label. */
export const EVENT_GROUP_LABEL_KEYS = {
  sync: "events.group.sync",
  link: "events.group.link",
  identity: "events.group.identity",
  backlog: "events.group.backlog",
  operator: "events.group.operator",
  other: "events.group.other",
} as const satisfies Readonly<Record<EventGroup, ParseKeys>>;

// A Record over every kind, so a new kind in the engine fails to compile until it is grouped.
const GROUP_OF: Readonly<Record<LabEvent["kind"], EventGroup>> = {
  "psync-request": "sync",
  "full-resync": "sync",
  "partial-resync": "sync",
  rdb: "sync",
  "replica-state": "sync",
  "binlog-sync": "sync",
  link: "link",
  timeout: "link",
  disconnect: "link",
  role: "identity",
  replid: "identity",
  backlog: "backlog",
  persistence: "other",
  warning: "other",
  propagation: "sync",
  "node-added": "operator",
  "node-removed": "operator",
  killed: "operator",
  restarted: "operator",
  frozen: "operator",
  thawed: "operator",
  "link-changed": "operator",
  "config-file": "operator",
  exited: "operator",
};

export function eventGroup(kind: LabEvent["kind"]): EventGroup {
  return GROUP_OF[kind];
}

/** How an entry is emphasised in the log. */
export type EventTone = "good" | "bad" | "warn" | "info";

export function eventTone(event: LabEvent): EventTone {
  switch (event.kind) {
    case "partial-resync":
      return "good";
    case "full-resync":
    case "killed":
    case "exited":
    case "timeout":
      return "bad";
    case "warning":
      // How a full sync will get its RDB is news, not trouble.
      return event.detail.kind === "warning" && event.detail.code === "sync-wait-bgsave" ? "info" : "warn";
    case "disconnect":
    case "frozen":
      return "warn";
    case "link": {
      const detail = event.detail;
      if (detail.kind === "link") return detail.state === "connected" ? "good" : detail.state === "connect" ? "warn" : "info";
      return "info";
    }
    default:
      return "info";
  }
}

export interface EventFilter {
  /** Only events about this node (null: all nodes). */
  readonly nodeId: string | null;
  /** Groups to show; empty shows all. */
  readonly groups: readonly EventGroup[];
  /** Case-insensitive text that the explanation must contain. */
  readonly text: string;
}

export const NO_FILTER: EventFilter = { nodeId: null, groups: [], text: "" };

/**
 * Does the event pass the filter? `lineOf` gives the text the reader sees (the explanation in the
 * language shown), which is what a search should look in.
 */
export function matchesFilter(event: LabEvent, filter: EventFilter, lineOf: (event: LabEvent) => string = (e) => e.message): boolean {
  if (filter.nodeId !== null && event.nodeId !== filter.nodeId) return false;
  if (filter.groups.length > 0 && !filter.groups.includes(eventGroup(event.kind))) return false;
  if (filter.text !== "" && !lineOf(event).toLowerCase().includes(filter.text.toLowerCase())) return false;
  return true;
}
