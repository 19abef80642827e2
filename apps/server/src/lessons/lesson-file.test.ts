/**
 * Lesson files as people write them: the brief's check shapes become tagged checks, and each kind
 * of mistake is reported with the path of the wrong value.
 */
import { describe, expect, it } from "vitest";
import { LessonFileError, parseLessonFile } from "./lesson-file.ts";

const text = (en: string, zh = `中文${en}`) => ({ en, zh });

function lesson(overrides: Record<string, unknown> = {}, step: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: "demo",
    title: text("Demo"),
    summary: text("A demo."),
    setup: [{ op: "add-node", name: "A" }, { op: "add-node", name: "B", version: "7.0", config: { "repl-backlog-size": 16384 } }],
    steps: [{ id: "one", title: text("One"), text: text("Text."), ...step }],
    ...overrides,
  });
}

function problem(json: string): string {
  try {
    parseLessonFile("demo.json", json);
  } catch (error) {
    if (error instanceof LessonFileError) return `${error.path}: ${error.problem}`;
    throw error;
  }
  return "no problem";
}

describe("parseLessonFile", () => {
  it("reads every check shape into a tagged check, with defaults", () => {
    const parsed = parseLessonFile(
      "demo.json",
      lesson(
        { terms: { offset: "one" } },
        {
          try: text("Do it."),
          do: [{ op: "replicaof", node: "B", master: "A" }, { op: "command", node: "B", argv: ["SLAVEOF", "127.0.0.1", "{{A.port}}"] }],
          checks: [
            { node: "B", field: "master_link_status", equals: "up" },
            { node: "B", field: "master_repl_offset", sameAs: "A" },
            { node: "B", field: "master_replid2", differsFrom: { node: "A", field: "master_replid" }, label: text("IDs") },
            { event: "partial-resync", node: "A", side: "master", peer: "B" },
            { event: "full-resync", absent: true, since: "lesson" },
            { node: "B", key: "k1", equals: "v1" },
            { node: "B", key: "k2", exists: false, db: 3 },
            { node: "B", sameData: "A" },
            { node: "B", typed: "set" },
          ],
        },
      ),
    );
    expect(parsed.kinds).toEqual(["7.0"]);
    expect(parsed.terms).toEqual([{ term: "offset", step: "one" }]);
    expect(parsed.steps[0]!.checks).toEqual([
      { kind: "field", node: "B", field: "master_link_status", compare: { kind: "equals", value: "up" } },
      { kind: "field", node: "B", field: "master_repl_offset", compare: { kind: "sameAs", ref: { node: "A" } } },
      { kind: "field", node: "B", field: "master_replid2", compare: { kind: "differsFrom", ref: { node: "A", field: "master_replid" } }, label: text("IDs") },
      { kind: "event", event: "partial-resync", node: "A", side: "master", peer: "B", absent: false, atLeast: 1, since: "step" },
      { kind: "event", event: "full-resync", absent: true, atLeast: 1, since: "lesson" },
      { kind: "key", node: "B", key: "k1", db: 0, equals: "v1", exists: true },
      { kind: "key", node: "B", key: "k2", db: 3, exists: false },
      { kind: "same-data", node: "B", as: "A" },
      { kind: "typed", node: "B", command: "SET" },
    ]);
  });

  it("names the kinds a lesson needs from its add-node operations", () => {
    const parsed = parseLessonFile("demo.json", lesson({ setup: [{ op: "add-node", name: "A", version: "2.6" }, { op: "add-node", name: "B", version: "2.8" }] }));
    expect(parsed.kinds).toEqual(["2.6", "2.8"]);
  });

  it("reports each mistake with the path of the wrong value", () => {
    expect(problem("{")).toMatch(/^: not valid JSON/);
    expect(problem(lesson({ id: "Demo Lesson" }))).toBe("id: use lowercase letters, digits and dashes");
    expect(problem(lesson({ steps: [] }))).toBe("steps: a lesson needs at least one step");
    expect(problem(lesson({}, { checks: [{ node: "B", field: "master_lnk_status", equals: "up" }] }))).toMatch(/^steps\[0\]\.checks\[0\]\.field: "master_lnk_status" is not one of role, /);
    expect(problem(lesson({}, { checks: [{ node: "Z", field: "role", equals: "master" }] }))).toBe('steps[0].checks[0].node: no add-node of the lesson adds a node called "Z"');
    expect(problem(lesson({}, { checks: [{ node: "B", field: "role", equals: "master", atLeast: 1 }] }))).toMatch(/exactly one of equals, .* \(found 2\)$/);
    expect(problem(lesson({}, { checks: [{ node: "B" }] }))).toBe('steps[0].checks[0]: a check has one of "field", "event", "key", "sameData" or "typed"');
    expect(problem(lesson({}, { checks: [{ event: "partial-resync", absent: true, atLeast: 2 }] }))).toBe('steps[0].checks[0]: "absent" and "atLeast" exclude each other');
    expect(problem(lesson({}, { try: text("Try.") }))).toBe('steps[0].do: a "try it yourself" step needs the operations "do it for me" runs');
    expect(problem(lesson({}, { do: [{ op: "kill", node: "A" }] }))).toBe('steps[0].try: a step with "do" must say what the user is asked to try');
    expect(problem(lesson({}, { try: text("Try."), do: [{ op: "kill", node: "A" }] }))).toBe('steps[0].checks: a "try it yourself" step needs checks that tell when it is done');
    expect(problem(lesson({}, { run: [{ op: "explode", node: "A" }] }))).toMatch(/^steps\[0\]\.run\[0\]\.op: unknown operation "explode"/);
    expect(problem(lesson({}, { run: [{ op: "command", node: "A", argv: ["SLAVEOF", "127.0.0.1", "{{Q.port}}"] }] }))).toBe("steps[0].run[0].argv[2]: {{Q.port}} names no node of the lesson");
    expect(problem(lesson({}, { text: { en: "Only English." } }))).toBe("steps[0].text.zh: a non-empty string");
    expect(problem(lesson({ terms: { offset: "nowhere" } }))).toBe('terms.offset: no step is called "nowhere"');
    expect(problem(lesson({ terms: { offsets: "one" } }))).toMatch(/^terms\.offsets: unknown property/);
    expect(problem(lesson({ setup: [{ op: "add-node", name: "A" }, { op: "add-node", name: "A" }] }))).toBe("setup[1].name: node A is added twice");
    expect(problem(lesson({ colour: "red" }))).toMatch(/^colour: unknown property/);
  });
});
