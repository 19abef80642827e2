import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { eventGroup, eventTone, matchesFilter, NO_FILTER } from "./eventGroups.ts";
import { makeEvent } from "./fixtures.ts";

const partial = makeEvent(5, {
  source: "node",
  kind: "partial-resync",
  nodeId: "n1" as NodeId,
  message: "partial resync accepted for 127.0.0.1:6380: offset 245 inside backlog [1, 245], sending 0 bytes",
  detail: { kind: "partial-resync", side: "master", peer: "127.0.0.1:6380", replid: "x", offset: 245, backlogBytes: 0, message: "" },
});
const full = makeEvent(6, {
  source: "node",
  kind: "full-resync",
  nodeId: "n2" as NodeId,
  message: "full resync for 127.0.0.1:6381: replid 1a2b3c unknown to this master",
  detail: { kind: "full-resync", side: "master", peer: "127.0.0.1:6381", replid: "x", offset: 1, reason: "replid-mismatch", message: "" },
});

describe("event groups and filters", () => {
  it("groups sync decisions together", () => {
    expect(eventGroup("partial-resync")).toBe("sync");
    expect(eventGroup("full-resync")).toBe("sync");
    expect(eventGroup("killed")).toBe("operator");
    expect(eventGroup("replid")).toBe("identity");
  });

  it("colours partial resyncs as good news and full ones as bad", () => {
    expect(eventTone(partial)).toBe("good");
    expect(eventTone(full)).toBe("bad");
  });

  it("filters by node, group and text", () => {
    expect(matchesFilter(partial, NO_FILTER)).toBe(true);
    expect(matchesFilter(partial, { ...NO_FILTER, nodeId: "n2" })).toBe(false);
    expect(matchesFilter(full, { ...NO_FILTER, nodeId: "n2", groups: ["sync"] })).toBe(true);
    expect(matchesFilter(full, { ...NO_FILTER, groups: ["operator"] })).toBe(false);
    expect(matchesFilter(full, { ...NO_FILTER, text: "UNKNOWN" })).toBe(true);
  });

  it("searches the text the reader sees when given it", () => {
    const shown = (): string => "为 C 执行全量复制";
    expect(matchesFilter(full, { ...NO_FILTER, text: "全量复制" }, shown)).toBe(true);
    expect(matchesFilter(full, { ...NO_FILTER, text: "unknown" }, shown)).toBe(false);
  });
});
