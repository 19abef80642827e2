import { describe, expect, it } from "vitest";
import { i18n } from "../i18n/i18n.ts";
import type { ExternalEdgeView, ExternalNodeView, NodeId } from "@replica-lab/protocol";
import { EMPTY_EXTERNALS, mergeExternals } from "../store/externalData.ts";
import { makeEdge, makeLab, makeNode, snapshotMessage, updateMessage } from "../store/fixtures.ts";
import { emptyLabData, reduceLabMessages } from "../store/labData.ts";
import { EMPTY_CANVAS, followLab } from "./canvasState.ts";
import { externalEdgeLabel, externalStatus, formatPolledAt } from "./externalState.ts";

function external(address: string, patch: Partial<ExternalNodeView> = {}): ExternalNodeView {
  const at = address.lastIndexOf(":");
  return {
    id: address,
    host: address.slice(0, at),
    port: Number(address.slice(at + 1)),
    reachable: true,
    error: null,
    lastPolledUnixMs: 1_700_000_000_000,
    observed: {
      version: "7.0.15",
      runId: "r".repeat(40),
      role: "master",
      masterAddress: null,
      masterLinkStatus: null,
      replid: "8f1c2b3a4d5e6f708192a3b4c5d6e7f801234567",
      replid2: "0000000000000000000000000000000000000000",
      masterReplOffset: 500,
      secondReplOffset: -1,
      replicaOffset: null,
      connectedReplicas: 1,
      replicas: [],
      backlogActive: true,
      backlogFirstByteOffset: 1,
      backlogHistlen: 500,
      keys: 3,
      syncFull: 1,
      syncPartialOk: 0,
      syncPartialErr: 0,
    },
    ...patch,
  };
}

const REAL_MASTER = "127.0.0.1:7000";
const REAL_REPLICA = "127.0.0.1:7001";
// Lab node A replicates from a real master; a real replica replicates from A.
const A = makeNode("n1", { name: "A", role: "replica", masterAddress: REAL_MASTER, masterId: null, linkPhase: "connected" });
const labEdge = makeEdge("n1", "x", { id: `n1->${REAL_MASTER}`, masterId: null, masterAddress: REAL_MASTER });
const replicaEdge: ExternalEdgeView = { id: `${REAL_REPLICA}->n1`, replica: { kind: "external", id: REAL_REPLICA }, master: { kind: "lab", id: "n1" as NodeId }, linkStatus: "up" };

function loaded() {
  return reduceLabMessages(emptyLabData("lab1"), [
    snapshotMessage(makeLab([A], [labEdge], { externalNodes: [external(REAL_MASTER), external(REAL_REPLICA)], externalEdges: [replicaEdge] })),
  ]);
}

describe("external nodes in the lab data", () => {
  it("holds the snapshot's external nodes and edges", () => {
    const lab = loaded();
    expect(lab.externals.nodeIds).toEqual([REAL_MASTER, REAL_REPLICA]);
    expect(lab.externals.edgeIds).toEqual([replicaEdge.id]);
  });

  it("keeps unchanged entries identical, and the whole when nothing changed", () => {
    const lab = loaded();
    const polled = external(REAL_MASTER, { lastPolledUnixMs: 1_700_000_001_000 });
    const next = reduceLabMessages(lab, [updateMessage([], { externalNodes: [polled, external(REAL_REPLICA)], externalEdges: [replicaEdge] })]);
    expect(next.externals.nodes[REAL_REPLICA]).toBe(lab.externals.nodes[REAL_REPLICA]);
    expect(next.externals.nodes[REAL_MASTER]?.lastPolledUnixMs).toBe(1_700_000_001_000);
    expect(next.externals.edges).toBe(lab.externals.edges);
    // A poll is not a topology change: no new layout.
    expect(next.topologyVersion).toBe(lab.topologyVersion);
    const same = mergeExternals(next.externals, [polled, external(REAL_REPLICA)], [replicaEdge]);
    expect(same).toBe(next.externals);
    expect(mergeExternals(EMPTY_EXTERNALS, [], [])).toBe(EMPTY_EXTERNALS);
  });

  it("changes the topology version when an external node appears or goes", () => {
    const lab = loaded();
    const gone = reduceLabMessages(lab, [updateMessage([], { externalNodes: [external(REAL_MASTER)], externalEdges: [] })]);
    expect(gone.topologyVersion).toBe(lab.topologyVersion + 1);
  });
});

describe("external nodes on the canvas", () => {
  it("draws external cards, the lab node's link to its external master, and the external replica's link", () => {
    const lab = loaded();
    const canvas = followLab(EMPTY_CANVAS, lab, null);
    expect(canvas.flowNodes.map((n) => n.id)).toEqual(["n1"]);
    expect(canvas.externalNodes.map((n) => [n.id, n.type, n.data.externalId])).toEqual([
      [`ext:${REAL_MASTER}`, "external", REAL_MASTER],
      [`ext:${REAL_REPLICA}`, "external", REAL_REPLICA],
    ]);
    expect(canvas.externalEdges.map((e) => [e.type, e.source, e.target])).toEqual([
      ["replication", "n1", `ext:${REAL_MASTER}`],
      ["external-link", `ext:${REAL_REPLICA}`, "n1"],
    ]);
    // Laid out as one graph: master left of its replica, replica left of its own replica.
    const x = (id: string): number => [...canvas.flowNodes, ...canvas.externalNodes].find((n) => n.id === id)!.position.x;
    expect(x(`ext:${REAL_MASTER}`)).toBeLessThan(x("n1"));
    expect(x("n1")).toBeLessThan(x(`ext:${REAL_REPLICA}`));
  });

  it("leaves the canvas untouched by a poll that changed only figures", () => {
    const lab = loaded();
    const canvas = followLab(EMPTY_CANVAS, lab, null);
    const next = reduceLabMessages(lab, [updateMessage([], { externalNodes: [external(REAL_MASTER, { lastPolledUnixMs: 5 }), external(REAL_REPLICA)], externalEdges: [replicaEdge] })]);
    expect(followLab(canvas, next, null)).toBe(canvas);
  });

  it("marks a selected external card", () => {
    const lab = loaded();
    const canvas = followLab(EMPTY_CANVAS, lab, null);
    const selected = followLab(canvas, lab, { kind: "external", id: REAL_REPLICA });
    expect(selected.externalNodes.find((n) => n.selected)?.id).toBe(`ext:${REAL_REPLICA}`);
    expect(selected.externalNodes[0]).toBe(canvas.externalNodes[0]);
  });
});

const en = i18n.getFixedT("en");
const zh = i18n.getFixedT("zh");

describe("external status words", () => {
  it("tells polled, unreachable, not allowed and not yet polled apart", () => {
    expect(externalStatus(external(REAL_MASTER), en)).toMatchObject({ state: "polled", tone: "good" });
    expect(externalStatus(external(REAL_MASTER, { reachable: false, error: "no answer to INFO for 3 s (stopped or busy?)" }), en)).toMatchObject({
      state: "unreachable",
      detail: "no answer to INFO for 3 s (stopped or busy?)",
    });
    expect(externalStatus(external("10.0.0.1:6379", { reachable: false, observed: null, lastPolledUnixMs: null, error: "not polled: outbound connections to 10.0.0.1:6379 are not allowed" }), en)).toMatchObject({
      state: "not-polled",
      detail: "outbound connections to 10.0.0.1:6379 are not allowed",
    });
    expect(externalStatus(external(REAL_MASTER, { reachable: false, observed: null, lastPolledUnixMs: null, error: "not polled yet" }), en).state).toBe("waiting");
    expect(externalEdgeLabel({ ...replicaEdge, linkStatus: "unknown" }, en)).toBe("not observed");
    expect(externalEdgeLabel({ ...replicaEdge, linkStatus: "unknown" }, zh)).toBe("未观测到");
    expect(formatPolledAt(null, en)).toBe("never");
    expect(formatPolledAt(new Date(2026, 0, 2, 3, 4, 5).getTime(), en)).toBe("03:04:05");
  });
});
