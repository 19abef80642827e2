import { describe, expect, it } from "vitest";
import type { SequenceMessage } from "@replica-lab/protocol";
import { DEFAULT_FILTER, eventsOfMessage, filterMessages, isLost, messageLabel, messagesOfEvent, sequenceText } from "./sequenceModel.ts";

function message(seq: number, patch: Partial<SequenceMessage>): SequenceMessage {
  return { seq, conn: 1, from: "n2", to: "n1", kind: "command", text: "PING", sentMs: 10, receivedMs: 11, bytes: 14, count: 1, raw: "*1\\r\\n$4\\r\\nPING\\r\\n", rawTruncated: false, events: [], ...patch };
}

const messages: SequenceMessage[] = [
  message(1, {}),
  message(2, { from: "n1", to: "n2", kind: "reply", text: "+PONG", sentMs: 11, receivedMs: 12 }),
  message(3, { from: "n2", to: "n1", kind: "ack", text: "REPLCONF ACK 0", sentMs: 1000, receivedMs: 1001 }),
  message(4, { from: "n1", to: "n3", kind: "stream", text: "SET k v", count: 3, bytes: 90, sentMs: 2000, receivedMs: 2001, offsets: { before: 0, after: 90 } }),
];

describe("the sequence model", () => {
  it("hides the periodic chatter by default and filters to a pair of nodes either way", () => {
    expect(filterMessages(messages, DEFAULT_FILTER).map((m) => m.seq)).toEqual([1, 2, 4]);
    expect(filterMessages(messages, { ...DEFAULT_FILTER, pair: ["n1", "n2"] }).map((m) => m.seq)).toEqual([1, 2]);
  });

  it("links a message with the events the engine named, both ways, whatever their times", () => {
    const linked = [message(5, { events: [7, 8] }), message(6, { sentMs: 10, receivedMs: 11, events: [9] }), message(7, { events: [8] })];
    expect(eventsOfMessage(linked[0]!)).toEqual([7, 8]);
    expect(messagesOfEvent(8, linked)).toEqual([5, 7]);
    // Same node, same millisecond, no link: not lit.
    expect(messagesOfEvent(7, [linked[1]!])).toEqual([]);
  });

  it("marks lost messages and writes the fault in the text export", () => {
    const lost = message(8, { kind: "stream", text: "SET k v", fault: "lost-closed" });
    expect(isLost(lost)).toBe(true);
    expect(isLost(message(9, { kind: "close", fault: "crash" }))).toBe(false);
    expect(sequenceText([lost], (id) => id)).toBe("10.000 → 11.000 ms  n2 → n1  SET k v (lost-closed)");
  });

  it("labels batches with their count and size, and writes one line per message", () => {
    expect(messageLabel(messages[3]!)).toBe("SET k v ×3 (90 B)");
    expect(sequenceText([messages[3]!], (id) => ({ n1: "A", n3: "C" })[id] ?? id)).toBe("2000.000 → 2001.000 ms  A → C  SET k v ×3 (90 B) [offset 0→90]");
  });
});
