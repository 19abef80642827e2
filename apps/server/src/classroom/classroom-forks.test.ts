/**
 * A student's forks are its own, during the class and after it (issue 11):
 *
 * - on a server exposed beyond loopback, over real sockets: a student branches its own fork (the
 *   branch is its own too) but no one else's; when the instructor ends the class, a student with
 *   forks keeps reaching them (REST, stream, branch) with the token its join gave, and nothing
 *   else; another student is still refused them; a student without forks is back to no credential;
 * - on a loopback server, where everyone local is the operator: a request that shows a student's
 *   token reaches no other student's fork, during the class and after it, and its branches are its
 *   own; a request without one is the machine's user, as ever;
 * - the fork key's life in the service itself (a fake clock): it ends a week after the class, or
 *   with the student's last fork, and comes back from a fork's stored record.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClassroomJoined, ClassroomStarted, LabView, TimelineView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";
import { CLASSROOM_TOKEN_HEADER, STUDENT_COOKIE_PREFIX, type ShownTokens } from "../security/credentials.ts";
import { codeOf, openStream, send, streamCommand, type Answer } from "../security/wire-client.ts";
import { ClassroomService, FORK_KEY_TTL_MS } from "./classroom-service.ts";

const json = { "content-type": "application/json" };
const parsed = <T>(answer: Answer): T => JSON.parse(answer.text) as T;
const refusal = (answer: Answer): { status: number; code: string } => ({ status: answer.status, code: codeOf(answer) });
const token = (joined: ClassroomJoined): Record<string, string> => ({ [CLASSROOM_TOKEN_HEADER]: joined.studentToken! });

describe("a student's forks on an exposed server", () => {
  const secret = "forks-classroom-secret-77";
  const operator = { authorization: `Bearer ${secret}` };
  let app: FastifyInstance;
  let baseUrl: string;
  let wsUrl: string;
  const post = (path: string, headers: Record<string, string>, body: unknown = {}): Promise<Answer> => send(baseUrl, "POST", path, { ...headers, ...json }, JSON.stringify(body));
  const get = (path: string, headers: Record<string, string>): Promise<Answer> => send(baseUrl, "GET", path, headers);
  const command = (labId: string, headers: Record<string, string>, argv: string[]): Promise<Answer> => post(`/api/labs/${labId}/nodes/A/command`, headers, { argv });
  /** Branches a lab at its live edge. */
  const branch = async (labId: string, headers: Record<string, string>): Promise<Answer> => {
    const timeline = await get(`/api/labs/${labId}/timeline`, operator);
    return post(`/api/labs/${labId}/branch`, headers, { atMs: parsed<TimelineView>(timeline).nowMs });
  };

  let lab: LabView;
  let started: ClassroomStarted;
  let alice: ClassroomJoined;
  let bob: ClassroomJoined;
  let carol: ClassroomJoined;
  let aliceFork: LabView;
  let aliceBranch: LabView;
  let bobFork: LabView;
  let aliceSetCookie: string;

  beforeAll(async () => {
    ({ app, baseUrl, wsUrl } = await startApp({ access: { exposed: true, secret } }, true));
    lab = parsed<LabView>(await post("/api/labs", operator, { template: "one-master-two-replicas" }));
    started = parsed<ClassroomStarted>(await post("/api/classroom", operator, { lab: lab.id }));
    const joined = await post(`/api/classroom/${started.code}/join`, {});
    aliceSetCookie = String(joined.headers["set-cookie"]);
    alice = parsed<ClassroomJoined>(joined);
    bob = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code}/join`, {}));
    carol = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code}/join`, {}));
    aliceFork = parsed<LabView>(await post(`/api/classroom/${started.code}/fork`, token(alice)));
    bobFork = parsed<LabView>(await post(`/api/classroom/${started.code}/fork`, token(bob)));
    expect((await command(aliceFork.id, token(alice), ["SET", "k", "alice"])).status).toBe(200);
  });
  afterAll(async () => {
    await app.close();
  });

  it("lets a student branch its own fork, the branch its own too, and no one else's", async () => {
    const branched = await branch(aliceFork.id, token(alice));
    expect(branched.status, branched.text).toBe(201);
    aliceBranch = parsed<LabView>(branched);
    expect(aliceBranch.owner).toBe(`student:${alice.followerId}`);
    const read = await command(aliceBranch.id, token(alice), ["GET", "k"]);
    expect(read.status, read.text).toBe(200);
    expect(parsed<{ text: string }>(read).text).toContain("alice");
    expect(refusal(await branch(aliceFork.id, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await command(aliceBranch.id, token(bob), ["SET", "k", "bob"]))).toEqual({ status: 403, code: "not-lab-owner" });
    // The class's lab is forked through the session, never branched by a student.
    expect(refusal(await branch(lab.id, token(alice)))).toEqual({ status: 403, code: "outside-classroom" });
  });

  it("keeps a student's forks its own after the class ends, and nothing else", async () => {
    // The student's browser keeps the token past its own session: the forks outlive the class.
    expect(aliceSetCookie).toMatch(/Max-Age=\d+/);
    expect((await send(baseUrl, "DELETE", `/api/classroom/${started.code}`, { [CLASSROOM_TOKEN_HEADER]: started.instructorToken })).status).toBe(204);
    // The token as the browser keeps it (the cookie) and as a script sends it (the header).
    const aliceCookie = { cookie: `${STUDENT_COOKIE_PREFIX}${started.code}=${encodeURIComponent(alice.studentToken!)}` };
    for (const headers of [aliceCookie, token(alice)]) {
      const set = await command(aliceFork.id, headers, ["SET", "after", "class"]);
      expect(set.status, set.text).toBe(200);
      expect((await get(`/api/labs/${aliceFork.id}`, headers)).status).toBe(200);
      expect((await command(aliceBranch.id, headers, ["GET", "k"])).status).toBe(200);
    }
    expect((await streamCommand(wsUrl, aliceFork.id, aliceCookie, ["GET", "after"])).result.ok).toBe(true);
    const again = await branch(aliceFork.id, aliceCookie);
    expect(again.status, again.text).toBe(201);
    expect(parsed<LabView>(again).owner).toBe(`student:${alice.followerId}`);
    // Nothing else: not the class's lab, not another student's fork, no new lab, no list.
    expect(refusal(await get(`/api/labs/${lab.id}`, aliceCookie))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await command(bobFork.id, aliceCookie, ["SET", "k", "alice"]))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await post("/api/labs", aliceCookie, {}))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await get("/api/labs", aliceCookie))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await post(`/api/classroom/${started.code}/join`, aliceCookie))).toEqual({ status: 404, code: "unknown-classroom" });
  });

  it("keeps another student off those forks after the class (REST, stream, branch), and a student without forks has no credential left", async () => {
    expect(refusal(await command(aliceFork.id, token(bob), ["SET", "k", "bob"]))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await send(baseUrl, "DELETE", `/api/labs/${aliceFork.id}`, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await branch(aliceFork.id, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    const stream = await openStream(`${wsUrl}/api/labs/${aliceFork.id}/stream`, token(bob));
    expect(stream.kind === "refused" ? { status: stream.status, code: codeOf(stream) } : stream).toEqual({ status: 403, code: "not-lab-owner" });
    expect((await command(bobFork.id, token(bob), ["SET", "k", "bob"])).status).toBe(200);
    expect(refusal(await command(aliceFork.id, token(carol), ["GET", "k"]))).toEqual({ status: 401, code: "unauthorized" });
    expect(refusal(await get(`/api/labs/${lab.id}`, token(carol)))).toEqual({ status: 401, code: "unauthorized" });
  });

  it("ends a student's key with its last fork", async () => {
    for (const id of [aliceFork.id, aliceBranch.id]) expect((await send(baseUrl, "DELETE", `/api/labs/${id}`, token(alice))).status).toBe(204);
    const labs = parsed<{ labs: { id: string; owner: string }[] }>(await get("/api/labs", operator)).labs;
    for (const other of labs.filter((l) => l.owner === `student:${alice.followerId}`)) expect((await send(baseUrl, "DELETE", `/api/labs/${other.id}`, token(alice))).status).toBe(204);
    expect(refusal(await get(`/api/labs/${bobFork.id}`, token(alice)))).toEqual({ status: 401, code: "unauthorized" });
  });
});

describe("a student's forks on a loopback server", () => {
  let app: FastifyInstance;
  let wsUrl: string;
  let baseUrl: string;
  let lab: LabView;
  let started: ClassroomStarted;
  let alice: ClassroomJoined;
  let bob: ClassroomJoined;
  let aliceFork: LabView;
  let bobFork: LabView;

  const inject = (method: "GET" | "POST" | "DELETE", url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const command = (labId: string, headers: Record<string, string>, argv: string[] = ["SET", "k", "v"]) => inject("POST", `/api/labs/${labId}/nodes/A/command`, headers, { argv });
  const refused = (answer: { statusCode: number; json: <T>() => T }) => ({ status: answer.statusCode, code: answer.json<{ error?: { code?: string } }>().error?.code });

  beforeAll(async () => {
    ({ app, wsUrl, baseUrl } = await startApp({}, true));
    lab = await createLab(app, { template: "one-master-two-replicas" });
    started = (await inject("POST", "/api/classroom", {}, { lab: lab.id })).json<ClassroomStarted>();
    alice = (await inject("POST", `/api/classroom/${started.code}/join`)).json<ClassroomJoined>();
    bob = (await inject("POST", `/api/classroom/${started.code}/join`)).json<ClassroomJoined>();
    aliceFork = (await inject("POST", `/api/classroom/${started.code}/fork`, token(alice))).json<LabView>();
    bobFork = (await inject("POST", `/api/classroom/${started.code}/fork`, token(bob))).json<LabView>();
  });
  afterAll(async () => {
    await app.close();
  });

  it("keeps a student's token off another student's fork (REST, stream, branch), while the machine's user and the fork's student keep it", async () => {
    expect(aliceFork.owner).toBe(`student:${alice.followerId}`);
    expect(refused(await command(aliceFork.id, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refused(await inject("GET", `/api/labs/${aliceFork.id}`, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refused(await inject("POST", `/api/labs/${aliceFork.id}/branch`, token(bob), { atMs: 0 }))).toEqual({ status: 403, code: "not-lab-owner" });
    const cookie = { cookie: `${STUDENT_COOKIE_PREFIX}${started.code}=${encodeURIComponent(bob.studentToken!)}` };
    expect(refused(await command(aliceFork.id, cookie))).toEqual({ status: 403, code: "not-lab-owner" });
    const stream = await openStream(`${wsUrl}/api/labs/${aliceFork.id}/stream`, token(bob));
    expect(stream.kind === "refused" ? { status: stream.status, code: codeOf(stream) } : stream).toEqual({ status: 403, code: "not-lab-owner" });
    expect((await command(aliceFork.id, token(alice))).statusCode).toBe(200);
    expect((await command(bobFork.id, token(bob))).statusCode).toBe(200);
    // No student token: the machine's user, who may do anything (loopback asks nothing).
    expect((await command(aliceFork.id, {})).statusCode).toBe(200);
    expect((await command(aliceFork.id, { [CLASSROOM_TOKEN_HEADER]: started.instructorToken })).statusCode).toBe(200);
    // A student's token still reads the class's lab and forks it, and makes labs of its own.
    expect((await inject("GET", `/api/labs/${lab.id}`, token(bob))).statusCode).toBe(200);
    expect((await inject("GET", "/api/labs", token(bob))).statusCode).toBe(200);
  });

  it("makes a student's branches its own, of its fork or of the class's lab", async () => {
    const ofFork = await inject("POST", `/api/labs/${aliceFork.id}/branch`, token(alice), { atMs: 0 });
    expect(ofFork.statusCode, ofFork.body).toBe(201);
    expect(ofFork.json<LabView>().owner).toBe(`student:${alice.followerId}`);
    expect(refused(await command(ofFork.json<LabView>().id, token(bob)))).toEqual({ status: 403, code: "not-lab-owner" });
    const ofClass = await inject("POST", `/api/labs/${lab.id}/branch`, token(alice), { atMs: 0 });
    expect(ofClass.statusCode, ofClass.body).toBe(201);
    expect(ofClass.json<LabView>().owner).toBe(`student:${alice.followerId}`);
    // The machine's user's branch is the machine's user's.
    expect((await inject("POST", `/api/labs/${lab.id}/branch`, {}, { atMs: 0 })).json<LabView>().owner).toBe("local");
  });

  it("keeps the rule after the class: each student's fork still its own", async () => {
    expect((await inject("DELETE", `/api/classroom/${started.code}`, { [CLASSROOM_TOKEN_HEADER]: started.instructorToken })).statusCode).toBe(204);
    const answer = await send(baseUrl, "POST", `/api/labs/${aliceFork.id}/nodes/A/command`, { ...token(bob), ...json }, JSON.stringify({ argv: ["SET", "k", "bob"] }));
    expect(refusal(answer)).toEqual({ status: 403, code: "not-lab-owner" });
    expect((await command(aliceFork.id, token(alice))).statusCode).toBe(200);
    expect((await command(bobFork.id, token(bob))).statusCode).toBe(200);
  });
});

describe("a student's fork key", () => {
  let app: FastifyInstance;
  let nowMs = 1_000_000;
  const owners = new Set<string>();
  const shown = (header: string): ShownTokens => ({ header, instructorCookies: new Map(), studentCookies: new Map() });

  beforeAll(async () => {
    ({ app } = await startApp());
  });
  afterAll(async () => {
    await app.close();
  });

  it("lasts a week after the class, and only while its student owns a fork", async () => {
    const lab = await createLab(app, { template: "empty" });
    const service = new ClassroomService(app.labs, () => nowMs, (owner) => owners.has(owner));
    try {
      const { code, instructorToken } = service.start(lab.id, shown("none"));
      const alice = service.join(code, shown("none"));
      const bob = service.join(code, shown("none"));
      owners.add(`student:${alice.followerId}`);
      service.end(code, shown(instructorToken));
      expect(service.resolve(shown(alice.studentToken!))).toEqual([{ kind: "fork-owner", code, studentId: alice.followerId, ownerId: `student:${alice.followerId}` }]);
      expect(service.resolve(shown(bob.studentToken!))).toEqual([]);
      // Kept with each fork, so a restart brings it back.
      const record = service.studentKeyOf(`student:${alice.followerId}`);
      expect(record).toMatchObject({ code, studentId: alice.followerId, expiresAtMs: nowMs + FORK_KEY_TTL_MS });
      expect(service.studentKeyOf(`student:${bob.followerId}`)).toBeNull();

      const restarted = new ClassroomService(app.labs, () => nowMs, (owner) => owners.has(owner));
      restarted.adoptStudentKey(record!);
      expect(restarted.resolve(shown(alice.studentToken!)).map((c) => c.kind)).toEqual(["fork-owner"]);
      // A key stored while the class ran, whose class is gone, counts as ended now.
      const orphan = new ClassroomService(app.labs, () => nowMs, (owner) => owners.has(owner));
      orphan.adoptStudentKey({ ...record!, expiresAtMs: null });
      expect(orphan.studentKeyOf(`student:${alice.followerId}`)?.expiresAtMs).toBe(nowMs + FORK_KEY_TTL_MS);

      nowMs += FORK_KEY_TTL_MS - 1;
      expect(service.resolve(shown(alice.studentToken!))).toHaveLength(1);
      nowMs += 1;
      expect(service.resolve(shown(alice.studentToken!))).toEqual([]);
      expect(service.studentKeyOf(`student:${alice.followerId}`)).toBeNull();
      // An expired record is not taken back.
      const late = new ClassroomService(app.labs, () => nowMs, (owner) => owners.has(owner));
      late.adoptStudentKey(record!);
      expect(late.resolve(shown(alice.studentToken!))).toEqual([]);
      // The student's forks all deleted: the key reaches nothing, so it is none.
      owners.clear();
      expect(restarted.resolve(shown(alice.studentToken!))).toEqual([]);
      for (const s of [restarted, orphan, late]) s.close();
    } finally {
      service.close();
    }
  });
});
