import { describe, expect, it } from "vitest";
import type { LabEvent, NodeId } from "@replica-lab/protocol";
import { downReasonOf } from "./downReason.ts";
import { makeEvent } from "./fixtures.ts";

const A = "n1" as NodeId;
const B = "n2" as NodeId;

function on(seq: number, nodeId: NodeId, detail: LabEvent["detail"]): LabEvent {
  return makeEvent(seq, { nodeId, nodeName: nodeId === A ? "A" : "B", kind: detail.kind, detail, message: detail.message });
}

const saved = (seq: number, nodeId: NodeId, keys: number): LabEvent => on(seq, nodeId, { kind: "persistence", action: "save", keys, file: "dump.rdb", message: "" });
const exited = (seq: number, nodeId: NodeId): LabEvent => on(seq, nodeId, { kind: "exited", message: "process exited (SHUTDOWN)" });

describe("why a node is down", () => {
  it("tells a kill from a shutdown that saved, and one that did not", () => {
    expect(downReasonOf([on(1, A, { kind: "killed", message: "" })], A)).toEqual({ kind: "killed" });
    // Another node's events in between do not hide the save.
    expect(downReasonOf([saved(1, A, 3), saved(2, B, 9), exited(3, A)], A)).toEqual({ kind: "shutdown", savedKeys: 3 });
    expect(downReasonOf([saved(1, A, 3), on(2, A, { kind: "role", role: "master", masterAddress: null, message: "" }), exited(3, A)], A)).toEqual({
      kind: "shutdown",
      savedKeys: null,
    });
  });

  it("is the latest exit, and nothing once the node started again or when the log does not say", () => {
    const killedThenRestarted = [on(1, A, { kind: "killed", message: "" }), on(2, A, { kind: "restarted", wiped: false, replicaOf: null, configFile: "redis.conf", message: "" })];
    expect(downReasonOf(killedThenRestarted, A)).toBeNull();
    expect(downReasonOf([...killedThenRestarted, saved(3, A, 2), exited(4, A)], A)).toEqual({ kind: "shutdown", savedKeys: 2 });
    expect(downReasonOf([exited(1, B)], A)).toBeNull();
    expect(downReasonOf([], A)).toBeNull();
  });
});
