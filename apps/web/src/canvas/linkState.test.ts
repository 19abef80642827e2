import { describe, expect, it } from "vitest";
import { edgeLabel, edgeVisual, replicaLinkChip } from "./linkState.ts";
import { makeEdge, makeNode } from "../store/fixtures.ts";
import { i18n } from "../i18n/i18n.ts";

const en = i18n.getFixedT("en");
const zh = i18n.getFixedT("zh");

describe("replicaLinkChip", () => {
  it("has nothing to say about masters", () => {
    expect(replicaLinkChip(makeNode("n1", {}), en)).toBeNull();
  });
  it("shows INFO's link status with ROLE's phase as detail", () => {
    expect(replicaLinkChip(makeNode("n2", { role: "replica", linkPhase: "connected" }), en)?.state).toBe("connected");
    expect(replicaLinkChip(makeNode("n2", { role: "replica", linkPhase: "connect", masterLinkDownSinceSec: 4 }), en)).toMatchObject({ state: "down", detail: "connect: retrying · 4s" });
    expect(replicaLinkChip(makeNode("n2", { role: "replica", linkPhase: "connect", masterLinkDownSinceSec: 4 }), zh)).toMatchObject({ label: "断开", detail: "connect：重试中 · 4 秒" });
    expect(replicaLinkChip(makeNode("n2", { role: "replica", status: "down" }), en)?.state).toBe("down");
    expect(replicaLinkChip(makeNode("n2", { role: "replica", linkPhase: "handshake", replState: "receive_psync_reply" }), en)).toMatchObject({ state: "handshake", detail: "receive_psync_reply" });
  });
  it("shows RDB progress during a transfer", () => {
    const chip = replicaLinkChip(makeNode("n2", { role: "replica", linkPhase: "sync", transfer: { totalBytes: 2048, readBytes: 512, eofMode: false } }), en);
    expect(chip).toMatchObject({ state: "transfer", label: "transfer 25%", progress: 0.25 });
  });
  it("shows a replica loading the RDB, and whether the old data still serves reads", () => {
    const loading = makeNode("n2", { role: "replica", linkPhase: "loading", loading: { async: false, loadedBytes: 2048, totalBytes: 0 } });
    expect(replicaLinkChip(loading, en)).toMatchObject({ state: "loading", label: "loading", detail: "loading the RDB · 2 KB in · clients get -LOADING", progress: null });
    expect(replicaLinkChip(loading, zh)).toMatchObject({ label: "加载中" });
    const async = makeNode("n2", { role: "replica", linkPhase: "loading", loading: { async: true, loadedBytes: 1024, totalBytes: 4096 } });
    expect(replicaLinkChip(async, en)).toMatchObject({ state: "loading", label: "async loading", progress: 0.25 });
    expect(edgeVisual(makeEdge("n2", "n1", { phase: "loading" }))).toBe("transfer");
  });
});

describe("edgeVisual", () => {
  it("maps phases and partitions to edge styles", () => {
    expect(edgeVisual(makeEdge("n2", "n1"))).toBe("streaming");
    expect(edgeVisual(makeEdge("n2", "n1", { phase: "sync", transferProgress: 0.5 }))).toBe("transfer");
    expect(edgeLabel("transfer", 0.5, en)).toBe("RDB 50%");
    expect(edgeLabel("partitioned", null, zh)).toBe("✂ 网络分区");
    expect(edgeVisual(makeEdge("n2", "n1", { phase: "connect" }))).toBe("down");
    expect(edgeVisual(makeEdge("n2", "n1", { partitioned: true }))).toBe("partitioned");
  });
});
