/**
 * What the sequence diagram computes from the server's messages, without React: which messages a
 * filter keeps, which events of the log a message belongs to (and back), the rows the diagram
 * draws, and the diagram as text for slides and bug reports.
 *
 * A message and an event belong together when the engine says so: the event was reported in the
 * sender's node step that sent the message, or in the receiver's step that read it (the recorder
 * links them by step, not by time, so two things that merely happened in the same millisecond are
 * not confused).
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

/** The events a message belongs to: the engine linked them by node step (`SequenceMessage.events`). */
export function eventsOfMessage(message: SequenceMessage): readonly number[] {
  return message.events;
}

/** The messages an event belongs to: those whose links name it. */
export function messagesOfEvent(eventSeq: number, messages: readonly SequenceMessage[]): number[] {
  return messages.filter((m) => m.events.includes(eventSeq)).map((m) => m.seq);
}

/** True when a message's bytes were sent and never read (a cut, closed or crashed receiver). */
export function isLost(message: SequenceMessage): boolean {
  return message.fault !== undefined && message.fault.startsWith("lost-");
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
      const fault = m.fault === undefined ? "" : ` (${m.fault})`;
      return `${m.sentMs.toFixed(3)} → ${m.receivedMs.toFixed(3)} ms  ${nameOf(m.from)} → ${nameOf(m.to)}  ${messageLabel(m)}${offsets}${fault}`;
    })
    .join("\n");
}
