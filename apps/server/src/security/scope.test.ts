/**
 * The classroom scope table without sockets: which routes a student's or an instructor's token
 * reaches on an exposed server, and the code of each refusal.
 */
import { describe, expect, it } from "vitest";
import { ownerOfMadeLab, type ClassroomCredential } from "./credentials.ts";
import { decideScope, decideStudentForks, opensWithCode, type ScopeTarget } from "./scope.ts";

const student: ClassroomCredential = { kind: "student", code: "ABCDEF", labId: "class", studentId: "s1", ownerId: "student:s1" };
const instructor: ClassroomCredential = { kind: "instructor", code: "ABCDEF", labId: "class" };
/** The same student once its session ended: its token is a key to its forks. */
const formerStudent: ClassroomCredential = { kind: "fork-owner", code: "ABCDEF", studentId: "s1", ownerId: "student:s1" };
const owners: Record<string, string> = { class: "token:operator", mine: "student:s1", theirs: "student:s2", other: "token:operator" };
const ownerOf = (labId: string): string => owners[labId] ?? "token:operator";

const target = (method: string, route: string | undefined, params: { lab?: string; code?: string } = {}): ScopeTarget => ({ method, route, labId: params.lab ?? null, code: params.code ?? null });
const verdict = (t: ScopeTarget, credentials: readonly ClassroomCredential[]): string => {
  const answer = decideScope(t, credentials, ownerOf);
  return answer.allowed ? "allowed" : answer.code;
};

describe("the classroom scope", () => {
  it("opens a session's view and join with the code alone", () => {
    expect(opensWithCode(target("GET", "/api/classroom/:code", { code: "ZZZZZZ" }))).toBe(true);
    expect(opensWithCode(target("POST", "/api/classroom/:code/join", { code: "ZZZZZZ" }))).toBe(true);
    expect(opensWithCode(target("POST", "/api/classroom/:code/fork", { code: "ZZZZZZ" }))).toBe(false);
    expect(verdict(target("POST", "/api/classroom/:code/join", { code: "ZZZZZZ" }), [])).toBe("allowed");
  });

  it("gives a student its session's lab to read, its own forks whole, and nothing else", () => {
    const cases: Array<[ScopeTarget, string]> = [
      [target("GET", "/api/labs/:lab", { lab: "class" }), "allowed"],
      [target("GET", "/api/labs/:lab/stream", { lab: "class" }), "allowed"],
      [target("GET", "/api/labs/:lab/sequence", { lab: "class" }), "allowed"],
      [target("POST", "/api/labs/:lab/compare", { lab: "class" }), "allowed"],
      [target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "class" }), "classroom-read-only"],
      [target("DELETE", "/api/labs/:lab", { lab: "class" }), "classroom-read-only"],
      [target("POST", "/api/labs/:lab/branch", { lab: "class" }), "outside-classroom"],
      [target("POST", "/api/labs/:lab/nodes/:node/kill", { lab: "mine" }), "allowed"],
      [target("DELETE", "/api/labs/:lab", { lab: "mine" }), "allowed"],
      [target("POST", "/api/labs/:lab/branch", { lab: "mine" }), "allowed"],
      [target("POST", "/api/labs/:lab/branch", { lab: "theirs" }), "not-lab-owner"],
      [target("POST", "/api/labs/:lab/branch", { lab: "other" }), "not-lab-owner"],
      [target("GET", "/api/labs/:lab", { lab: "theirs" }), "not-lab-owner"],
      [target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "other" }), "not-lab-owner"],
      [target("GET", "/api/labs", {}), "outside-classroom"],
      [target("POST", "/api/labs", {}), "outside-classroom"],
      [target("POST", "/api/classroom", {}), "outside-classroom"],
      [target("GET", "/api/lessons/:lesson", {}), "allowed"],
      [target("POST", "/api/classroom/:code/fork", { code: "ABCDEF" }), "allowed"],
      [target("POST", "/api/classroom/:code/fork", { code: "OTHERS" }), "outside-classroom"],
      [target("PUT", "/api/classroom/:code/selection", { code: "ABCDEF" }), "allowed"],
      [target("GET", undefined), "outside-classroom"],
    ];
    for (const [t, expected] of cases) expect(verdict(t, [student]), `${t.method} ${t.route} ${t.labId}`).toBe(expected);
  });

  it("gives an instructor its lab whole, and makes no lab and reaches no fork with it", () => {
    expect(verdict(target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "class" }), [instructor])).toBe("allowed");
    expect(verdict(target("DELETE", "/api/labs/:lab", { lab: "class" }), [instructor])).toBe("allowed");
    expect(verdict(target("POST", "/api/labs/:lab/branch", { lab: "class" }), [instructor])).toBe("outside-classroom");
    expect(verdict(target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "mine" }), [instructor])).toBe("not-lab-owner");
    expect(verdict(target("POST", "/api/classroom/:code/fork", { code: "ABCDEF" }), [instructor])).toBe("outside-classroom");
    expect(verdict(target("POST", "/api/labs", {}), [instructor])).toBe("outside-classroom");
  });

  it("gives a student whose session ended its forks whole, and nothing else", () => {
    const cases: Array<[ScopeTarget, string]> = [
      [target("GET", "/api/labs/:lab", { lab: "mine" }), "allowed"],
      [target("GET", "/api/labs/:lab/stream", { lab: "mine" }), "allowed"],
      [target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "mine" }), "allowed"],
      [target("POST", "/api/labs/:lab/branch", { lab: "mine" }), "allowed"],
      [target("DELETE", "/api/labs/:lab", { lab: "mine" }), "allowed"],
      [target("GET", "/api/labs/:lab", { lab: "class" }), "not-lab-owner"],
      [target("POST", "/api/labs/:lab/branch", { lab: "class" }), "not-lab-owner"],
      [target("POST", "/api/labs/:lab/nodes/:node/command", { lab: "theirs" }), "not-lab-owner"],
      [target("POST", "/api/classroom/:code/fork", { code: "ABCDEF" }), "outside-classroom"],
      [target("PUT", "/api/classroom/:code/selection", { code: "ABCDEF" }), "outside-classroom"],
      [target("GET", "/api/labs", {}), "outside-classroom"],
      [target("POST", "/api/labs", {}), "outside-classroom"],
    ];
    for (const [t, expected] of cases) expect(verdict(t, [formerStudent]), `${t.method} ${t.route} ${t.labId}`).toBe(expected);
  });

  it("keeps a student off other students' forks on a loopback server, and leaves everything else to the operator", () => {
    const loopback = (t: ScopeTarget, credentials: readonly ClassroomCredential[]): string => {
      const answer = decideStudentForks(t, credentials, ownerOf);
      return answer.allowed ? "allowed" : answer.code;
    };
    const command = (lab: string): ScopeTarget => target("POST", "/api/labs/:lab/nodes/:node/command", { lab });
    for (const credentials of [[student], [formerStudent], [instructor, student]]) {
      expect(loopback(command("theirs"), credentials)).toBe("not-lab-owner");
      expect(loopback(target("GET", "/api/labs/:lab", { lab: "theirs" }), credentials)).toBe("not-lab-owner");
      expect(loopback(target("POST", "/api/labs/:lab/branch", { lab: "theirs" }), credentials)).toBe("not-lab-owner");
      expect(loopback(command("mine"), credentials)).toBe("allowed");
      expect(loopback(command("other"), credentials)).toBe("allowed");
      expect(loopback(target("POST", "/api/labs", {}), credentials)).toBe("allowed");
    }
    // No student token: the machine's user (the instructor on its own machine too).
    expect(loopback(command("theirs"), [])).toBe("allowed");
    expect(loopback(command("theirs"), [instructor])).toBe("allowed");
  });

  it("makes a student the owner of the labs it makes from its session's lab or from its own labs, and no one else's", () => {
    const operator = { kind: "operator", ownerId: "local" } as const;
    expect(ownerOfMadeLab([operator, student], { labId: "class", ownerId: "local" }, "local")).toBe("student:s1");
    expect(ownerOfMadeLab([operator, student], { labId: "mine", ownerId: "student:s1" }, "local")).toBe("student:s1");
    expect(ownerOfMadeLab([formerStudent], { labId: "mine", ownerId: "student:s1" }, "anonymous")).toBe("student:s1");
    expect(ownerOfMadeLab([operator, student], { labId: "other", ownerId: "local" }, "local")).toBe("local");
    expect(ownerOfMadeLab([operator, formerStudent], { labId: "class", ownerId: "local" }, "local")).toBe("local");
    expect(ownerOfMadeLab([operator, instructor, student], { labId: "class", ownerId: "local" }, "local")).toBe("local");
    expect(ownerOfMadeLab([operator], { labId: "mine", ownerId: "student:s1" }, "local")).toBe("local");
  });
});
