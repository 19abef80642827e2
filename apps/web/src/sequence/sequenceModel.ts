/**
 * What the sequence diagram computes from the server's messages, without React: which messages a
 * filter keeps, which events of the log a message belongs to (and back), the rows the diagram
 * draws, and the diagram as text for slides and bug reports.
 *
 * A message and an event belong together when the event was reported by the sender at the moment
 * it sent the message, or by the receiver at the moment it arrived: a node's step emits its trace
 * events and its sends together, and the world delivers bytes at their arrival time.
 */
import type { SequenceLane, SequenceMessage, SequenceMessageKind } from "@replica-lab/protocol";

/** Kinds grouped as the filter offers them. */
export type MessageGroup = "handshake" | "transfer" | "stream" | "keepalive";

export const MESSAGE_GROUPS: readonly MessageGroup[] = ["handshake", "transfer", "stream", "keepalive"];

const GROUP_OF: Readonly<Record<SequenceMessageKind, MessageGroup>> = {
  connect: "handshake",
  refused: "handshake",
  close: "handshake",
  command: "handshake",
  reply: "handshake",
  rdb: "transfer",
  copy: "transfer",
  "out-of-sync": "transfer",
  stream: "stream",
  binlog: "stream",
  ping: "keepalive",
  ack: "keepalive",
  getack: "keepalive",
  newline: "keepalive",
  noop: "keepalive",
};

export function messageGroup(kind: SequenceMessageKind): MessageGroup {
  return GROUP_OF[kind];
}

/** What the diagram shows. */
export interface SequenceFilter {
  /** Only messages between these two (either way); null: every lane. */
  readonly pair: readonly [string, string] | null;
  readonly groups: readonly MessageGroup[];
}

/** By default the periodic chatter (ACKs, PINGs, newlines, noops) is hidden. */
export const DEFAULT_FILTER: SequenceFilter = { pair: null, groups: ["handshake", "transfer", "stream"] };

export function filterMessages(messages: readonly SequenceMessage[], filter: SequenceFilter): SequenceMessage[] {
  return messages.filter((m) => {
    if (!filter.groups.includes(messageGroup(m.kind))) return false;
    if (filter.pair === null) return true;
    const [a, b] = filter.pair;
    return (m.from === a && m.to === b) || (m.from === b && m.to === a);
  });
}

/** The smallest part of an event the link needs. */
export interface LinkableEvent {
  readonly seq: number;
  readonly timeMs: number;
  readonly nodeId: string | null;
}

/** How far apart (virtual ms) an event and a send may be: a busy link starts a write a little late. */
const LINK_SLACK_MS = 1;

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= LINK_SLACK_MS;
}

/** The events a message belongs to (the sender's at sending, the receiver's at arrival). */
export function eventsOfMessage(message: SequenceMessage, events: readonly LinkableEvent[]): number[] {
  return events.filter((e) => (e.nodeId === message.from && near(e.timeMs, message.sentMs)) || (e.nodeId === message.to && near(e.timeMs, message.receivedMs))).map((e) => e.seq);
}

/** The messages an event belongs to. */
export function messagesOfEvent(event: LinkableEvent, messages: readonly SequenceMessage[]): number[] {
  return messages.filter((m) => (event.nodeId === m.from && near(event.timeMs, m.sentMs)) || (event.nodeId === m.to && near(event.timeMs, m.receivedMs))).map((m) => m.seq);
}

/** Lanes in the diagram's order: lab nodes by name, then outside servers. */
export function orderLanes(lanes: readonly SequenceLane[]): SequenceLane[] {
  return [...lanes].sort((a, b) => Number(a.version === null) - Number(b.version === null) || a.name.localeCompare(b.name));
}

/** A message's label: its words, with the batch count and size when it stands for more than one unit. */
export function messageLabel(message: SequenceMessage): string {
  const batch = message.count > 1 ? ` ×${message.count}` : "";
  const size = message.kind === "rdb" || message.count > 1 ? ` (${formatBytes(message.bytes)})` : "";
  return `${message.text}${batch}${size}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The diagram as text: one message a line, times and offsets included (names in place of ids). */
export function sequenceText(messages: readonly SequenceMessage[], nameOf: (id: string) => string): string {
  return messages
    .map((m) => {
      const offsets = m.offsets === undefined ? "" : ` [offset ${m.offsets.before}→${m.offsets.after}]`;
      return `${m.sentMs.toFixed(3)} → ${m.receivedMs.toFixed(3)} ms  ${nameOf(m.from)} → ${nameOf(m.to)}  ${messageLabel(m)}${offsets}`;
    })
    .join("\n");
}
