/**
 * The check evaluator on a small engine lab: each kind of check, each comparison, event filters
 * and scopes, and the rule that a down node answers nothing (a dead process has no INFO). Values
 * are INFO's own words (`role:slave`, `master_link_status:up`, flags as 0/1).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { encodeCommand, Lab, utf8, type NodeId } from "@replica-lab/engine";
import type { CheckComparison, CheckStatus, LessonCheck } from "@replica-lab/protocol";
import { evaluateChecks, readField, type CheckScope } from "./checks.ts";
import { settleLab } from "./engine-driver.ts";

let lab: Lab;
let a: NodeId;
let b: NodeId;
/** Marks taken before B was linked (the "lesson") and after (the "step"). */
let lessonScope: CheckScope;
let stepScope: CheckScope;

beforeAll(() => {
  lab = new Lab({ seed: "checks" });
  a = lab.addNode({ name: "A" }).id;
  b = lab.addNode({ name: "B" }).id;
  lessonScope = { stepEventSeq: lab.lastEventSeq, lessonEventSeq: lab.lastEventSeq, stepInputIndex: lab.inputs.length };
  lab.replicaOf(b, a);
  settleLab(lab);
  stepScope = { stepEventSeq: lab.lastEventSeq, lessonEventSeq: lessonScope.lessonEventSeq, stepInputIndex: lab.inputs.length };
  lab.command(a, "SET", "k1", "v1");
  lab.execute(b, ["set", "k2", "v2"], () => undefined);
  settleLab(lab);
});

function one(check: LessonCheck, scope: CheckScope = stepScope): CheckStatus {
  return evaluateChecks(lab, [check], scope)[0]!;
}

const field = (node: string, name: Extract<LessonCheck, { kind: "field" }>["field"], compare: CheckComparison): LessonCheck => ({ kind: "field", node, field: name, compare });

describe("field checks", () => {
  it("read INFO's words and figures", () => {
    expect(readField(lab, "B", "role")).toBe("slave");
    expect(readField(lab, "A", "role")).toBe("master");
    expect(readField(lab, "B", "master_link_status")).toBe("up");
    expect(readField(lab, "A", "master_link_status")).toBeNull();
    expect(readField(lab, "B", "master")).toBe("A");
    expect(readField(lab, "A", "master")).toBe("");
    expect(readField(lab, "B", "slave_read_only")).toBe(1);
    expect(readField(lab, "A", "connected_slaves")).toBe(1);
    expect(readField(lab, "A", "repl_backlog_active")).toBe(1);
    expect(readField(lab, "B", "repl_state")).toBe("connected");
    expect(readField(lab, "B", "file_replicaof")).toBe("");
    expect(readField(lab, "Z", "role")).toBeNull();
  });

  it("compare by equals, notEquals, atLeast, atMost, sameAs and differsFrom", () => {
    expect(one(field("B", "master_link_status", { kind: "equals", value: "up" }))).toEqual({ pass: true, actual: "up" });
    expect(one(field("B", "role", { kind: "notEquals", value: "slave" })).pass).toBe(false);
    expect(one(field("A", "sync_full", { kind: "atLeast", value: 1 })).pass).toBe(true);
    expect(one(field("A", "sync_full", { kind: "atMost", value: 0 })).pass).toBe(false);
    expect(one(field("B", "master_repl_offset", { kind: "sameAs", ref: { node: "A" } })).pass).toBe(true);
    expect(one(field("B", "master_replid", { kind: "sameAs", ref: { node: "A" } })).pass).toBe(true);
    expect(one(field("B", "master_replid", { kind: "differsFrom", ref: { node: "A", field: "master_replid2" } })).pass).toBe(true);
    // A number from a file compares with the figure: "1" equals 1.
    expect(one(field("B", "slave_read_only", { kind: "equals", value: "1" })).pass).toBe(true);
  });
});

describe("event checks", () => {
  const event = (rest: Partial<Extract<LessonCheck, { kind: "event" }>>): LessonCheck => ({ kind: "event", event: "full-resync", absent: false, atLeast: 1, since: "step", ...rest });

  it("count since the step began, or since the lesson began", () => {
    expect(one(event({}))).toEqual({ pass: false, actual: "0" });
    expect(one(event({ absent: true }))).toEqual({ pass: true, actual: "0" });
    expect(one(event({ since: "lesson" }))).toEqual({ pass: true, actual: "2" });
  });

  it("filter by node, side, peer and detail", () => {
    expect(one(event({ since: "lesson", node: "A", side: "master", peer: "B" })).actual).toBe("1");
    expect(one(event({ since: "lesson", node: "B", side: "replica" })).actual).toBe("1");
    expect(one(event({ since: "lesson", node: "A", side: "master", detail: "replid-mismatch" })).actual).toBe("1");
    expect(one(event({ since: "lesson", node: "A", detail: "offset-before-backlog" })).actual).toBe("0");
    expect(one(event({ since: "lesson", node: "A", atLeast: 2 })).pass).toBe(false);
  });
});

describe("data checks", () => {
  it("read a key, its absence, and whole datasets, without sending a command", () => {
    const inputs = lab.inputs.length;
    expect(one({ kind: "key", node: "B", key: "k1", db: 0, equals: "v1", exists: true })).toEqual({ pass: true, actual: "v1" });
    expect(one({ kind: "key", node: "B", key: "k1", db: 0, equals: "v2", exists: true })).toEqual({ pass: false, actual: "v1" });
    expect(one({ kind: "key", node: "B", key: "k2", db: 0, exists: false })).toEqual({ pass: true, actual: null });
    expect(one({ kind: "same-data", node: "B", as: "A" })).toEqual({ pass: true, actual: "1" });
    expect(lab.inputs.length).toBe(inputs);
  });

  it("see the commands typed in a console since the step began", () => {
    expect(one({ kind: "typed", node: "B", command: "SET" })).toEqual({ pass: true, actual: "1" });
    expect(one({ kind: "typed", node: "A", command: "GET" })).toEqual({ pass: false, actual: "0" });
  });

  it("see the commands a user's console sent on its own connection, opened before the step began", () => {
    const own = new Lab({ seed: "typed-on-a-connection" });
    const x = own.addNode({ name: "X" }).id;
    const endpoint = { onData: () => undefined, onClose: () => undefined };
    const console = own.openConnection(x, "127.0.0.1:50000", endpoint);
    console.send(encodeCommand([utf8("GET"), utf8("k")]));
    const scope: CheckScope = { stepEventSeq: own.lastEventSeq, lessonEventSeq: own.lastEventSeq, stepInputIndex: own.inputs.length };
    const typed = (command: string): CheckStatus => evaluateChecks(own, [{ kind: "typed", node: "X", command }], scope)[0]!;
    expect(typed("GET")).toEqual({ pass: false, actual: "0" });
    // Two commands in one write, and one split across two.
    const bytes = encodeCommand([utf8("set"), utf8("k"), utf8("v")]);
    console.send(Uint8Array.from([...bytes, ...bytes.subarray(0, 5)]));
    console.send(bytes.subarray(5));
    expect(typed("SET")).toEqual({ pass: true, actual: "2" });
    expect(typed("GET")).toEqual({ pass: false, actual: "0" });
  });

  it("counts what was sent between two progress requests, a command split across them included", () => {
    const own = new Lab({ seed: "typed-between-polls" });
    const x = own.addNode({ name: "X" }).id;
    const console = own.openConnection(x, "127.0.0.1:50001", { onData: () => undefined, onClose: () => undefined });
    const scope: CheckScope = { stepEventSeq: own.lastEventSeq, lessonEventSeq: own.lastEventSeq, stepInputIndex: own.inputs.length };
    const typed = (): CheckStatus => evaluateChecks(own, [{ kind: "typed", node: "X", command: "SET" }], scope)[0]!;
    const bytes = encodeCommand([utf8("SET"), utf8("k"), utf8("v")]);
    console.send(bytes);
    console.send(bytes.subarray(0, 7));
    expect(typed()).toEqual({ pass: true, actual: "1" });
    console.send(bytes.subarray(7));
    own.command(x, "SET", "k2", "v");
    expect(typed()).toEqual({ pass: true, actual: "3" });
    expect(typed()).toEqual({ pass: true, actual: "3" });
  });
});

describe("a node that is down", () => {
  it("has a status and a config file, and no other figure", () => {
    const down = new Lab({ seed: "down" });
    const x = down.addNode({ name: "X" }).id;
    down.command(x, "SET", "k", "v");
    down.kill(x);
    expect(readField(down, "X", "status")).toBe("down");
    expect(readField(down, "X", "file_replicaof")).toBe("");
    expect(readField(down, "X", "role")).toBeNull();
    expect(evaluateChecks(down, [{ kind: "key", node: "X", key: "k", db: 0, exists: false }], { stepEventSeq: 0, lessonEventSeq: 0, stepInputIndex: 0 })[0]!.pass).toBe(false);
  });
});
