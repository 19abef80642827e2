/**
 * The diagram's drawing of what went wrong, rendered to markup: a lost message stops short of its
 * receiver on a cross and is tagged "lost"; a close reset by a crash or closed on a timeout is
 * tagged; an ordinary arrow has neither (English catalogue).
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { SequenceLane, SequenceMessage } from "@replica-lab/protocol";
import "../i18n/i18n.ts";
import { SequenceDiagram } from "./SequenceDiagram.tsx";

const lanes: SequenceLane[] = [
  { id: "n1", name: "A", version: "7.0" },
  { id: "n2", name: "B", version: "7.0" },
];

function message(seq: number, patch: Partial<SequenceMessage>): SequenceMessage {
  return { seq, conn: 1, from: "n1", to: "n2", kind: "stream", text: "SET k v", sentMs: 10, receivedMs: 11, bytes: 27, count: 1, raw: "", rawTruncated: false, events: [], ...patch };
}

/** The markup of each message's group, in order (no DOM here: the groups are cut out of the text). */
function draw(messages: SequenceMessage[]): { readonly rows: string[]; readonly laneB: number } {
  const markup = renderToStaticMarkup(createElement(SequenceDiagram, { lanes, messages, selectedSeq: null, litSeqs: new Set([3]), onSelect: () => {} }));
  const rows = markup.split('<g class="seq-msg').slice(1).map((row) => row.slice(0, row.indexOf("</g>")));
  const lifelines = [...markup.matchAll(/<line x1="([0-9.]+)"[^>]*class="seq-lifeline"/g)].map((m) => Number(m[1]));
  return { rows, laneB: lifelines[1]! };
}

const attr = (row: string, name: string): string | null => new RegExp(`${name}="([^"]*)"`).exec(row)?.[1] ?? null;
const tag = (row: string): string | null => /data-testid="sequence-fault-tag">(?:<!-- -->)?\s*(?:<!-- -->)?([^<]*)</.exec(row)?.[1]?.trim() ?? null;

describe("the sequence diagram's faults", () => {
  it("draws a lost message short of its receiver on a cross, and tags faulty closes", () => {
    const { rows, laneB } = draw([message(1, { fault: "lost-closed" }), message(2, { kind: "close", text: "close", from: "n2", to: "n1", fault: "crash" }), message(3, {}), message(4, { kind: "close", text: "close", fault: "timeout" })]);
    expect(rows.map((row) => attr(row, "data-fault"))).toEqual(["lost-closed", "crash", null, "timeout"]);
    const [lost, crash, plain, timeout] = rows as [string, string, string, string];
    expect(lost).toContain('data-testid="sequence-lost"');
    expect(lost.startsWith(" seq-stream seq-lost")).toBe(true);
    // The arrow ends before B's lane.
    const arrowEnd = Number(/<line x1="[0-9.]+" y1="[0-9.]+" x2="([0-9.]+)"[^>]*class="seq-arrow"/.exec(lost)![1]);
    expect(arrowEnd).toBeLessThan(laneB);
    expect(tag(lost)).toBe("lost");
    expect(tag(crash)).toBe("reset by a crash");
    expect(tag(timeout)).toBe("timeout");
    expect(tag(plain)).toBeNull();
    expect(plain).not.toContain("sequence-lost");
    expect(plain.slice(0, plain.indexOf('"'))).toContain("lit");
  });
});
