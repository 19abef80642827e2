import { describe, expect, it } from "vitest";
import type { SequenceMessage } from "@replica-lab/protocol";
import { DEFAULT_FILTER, eventsOfMessage, filterMessages, messageLabel, messagesOfEvent, sequenceText } from "./sequenceModel.ts";

function message(seq: number, patch: Partial<SequenceMessage>): SequenceMessage {
  return { seq, conn: 1, from: "n2", to: "n1", kind: "command", text: "PING", sentMs: 10, receivedMs: 11, bytes: 14, count: 1, raw: "*1\\r\\n$4\\r\\nPING\\r\\n", rawTruncated: false, ...patch };
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

  it("links a message with the sender's event at sending and the receiver's at arrival, both ways", () => {
    const events = [
      { seq: 7, timeMs: 10, nodeId: "n2" },
      { seq: 8, timeMs: 11, nodeId: "n1" },
      { seq: 9, timeMs: 500, nodeId: "n1" },
    ];
    expect(eventsOfMessage(messages[0]!, events)).toEqual([7, 8]);
    expect(messagesOfEvent(events[0]!, messages)).toEqual([1]);
    expect(messagesOfEvent(events[2]!, messages)).toEqual([]);
  });

  it("labels batches with their count and size, and writes one line per message", () => {
    expect(messageLabel(messages[3]!)).toBe("SET k v ×3 (90 B)");
    expect(sequenceText([messages[3]!], (id) => ({ n1: "A", n3: "C" })[id] ?? id)).toBe("2000.000 → 2001.000 ms  A → C  SET k v ×3 (90 B) [offset 0→90]");
  });
});
