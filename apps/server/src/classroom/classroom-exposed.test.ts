/**
 * A classroom on a server exposed beyond loopback (as HOST=0.0.0.0 makes it), over real sockets:
 * the join code is a student's scoped credential. A student with no secret reads the session's
 * lab and its stream, forks it and acts on the fork; another student may not touch that fork;
 * neither may make or list labs or change the instructor's lab; the instructor's token drives its
 * lab; the operator secret keeps every power.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClassroomJoined, ClassroomStarted, ClassroomView, LabView } from "@replica-lab/protocol";
import { startApp } from "../testing/helpers.ts";
import { CLASSROOM_TOKEN_HEADER, STUDENT_COOKIE_PREFIX } from "../security/credentials.ts";
import { codeOf, openStream, send, streamCommand as streamCommandAt, type Answer, type StreamCommandOutcome } from "../security/wire-client.ts";

const secret = "exposed-classroom-secret-42";
const operator = { authorization: `Bearer ${secret}` };
const json = { "content-type": "application/json" };

let app: FastifyInstance;
let baseUrl: string;
let wsUrl: string;

beforeAll(async () => {
  // Bound to 127.0.0.1 like every test, but told it is exposed (as HOST=0.0.0.0 makes it).
  ({ app, baseUrl, wsUrl } = await startApp({ access: { exposed: true, secret } }, true));
});
afterAll(async () => {
  await app.close();
});

const post = (path: string, headers: Record<string, string>, body: unknown = {}): Promise<Answer> => send(baseUrl, "POST", path, { ...headers, ...json }, JSON.stringify(body));
const get = (path: string, headers: Record<string, string>): Promise<Answer> => send(baseUrl, "GET", path, headers);
const command = (labId: string, headers: Record<string, string>, argv: string[]): Promise<Answer> => post(`/api/labs/${labId}/nodes/A/command`, headers, { argv });
const parsed = <T>(answer: Answer): T => JSON.parse(answer.text) as T;
const refusal = (answer: Answer): { status: number; code: string } => ({ status: answer.status, code: codeOf(answer) });
const streamCommand = (labId: string, headers: Record<string, string>, argv: string[]): Promise<StreamCommandOutcome> => streamCommandAt(wsUrl, labId, headers, argv);

describe("a classroom on an exposed server", () => {
  let lab: LabView;
  let otherLab: LabView;
  let started: ClassroomStarted;
  let instructor: Record<string, string>;
  let alice: ClassroomJoined;
  let aliceCookie: Record<string, string>;
  let bob: Record<string, string>;
  let fork: LabView;

  beforeAll(async () => {
    const created = await post("/api/labs", operator, { template: "one-master-two-replicas" });
    expect(created.status, created.text).toBe(201);
    lab = parsed<LabView>(created);
    otherLab = parsed<LabView>(await post("/api/labs", operator, { template: "one-master-two-replicas" }));
    const start = await post("/api/classroom", operator, { lab: lab.id });
    expect(start.status, start.text).toBe(201);
    started = parsed<ClassroomStarted>(start);
    instructor = { [CLASSROOM_TOKEN_HEADER]: started.instructorToken };
  });

  it("answers a student without a join 401 unauthorized, and a wrong code 404 unknown-classroom", async () => {
    expect(refusal(await get(`/api/labs/${lab.id}`, {}))).toEqual({ status: 401, code: "unauthorized" });
    expect(refusal(await get(`/api/labs/${lab.id}`, { [CLASSROOM_TOKEN_HEADER]: "not-a-token" }))).toEqual({ status: 401, code: "unauthorized" });
    expect(refusal(await get(`/api/labs/${lab.id}`, { cookie: `${STUDENT_COOKIE_PREFIX}${started.code}=forged` }))).toEqual({ status: 401, code: "unauthorized" });
    expect(refusal(await post("/api/classroom/ZZZZZZ/join", {}))).toEqual({ status: 404, code: "unknown-classroom" });
    const stream = await openStream(`${wsUrl}/api/labs/${lab.id}/stream`);
    expect(stream.kind === "refused" ? { status: stream.status, code: codeOf(stream) } : stream).toEqual({ status: 401, code: "unauthorized" });
  });

  it("lets the join code alone find the session and join it, handing the student a token in an HttpOnly cookie", async () => {
    const seen = await get(`/api/classroom/${started.code}`, {});
    expect(seen.status, seen.text).toBe(200);
    expect(parsed<ClassroomView>(seen)).toMatchObject({ labId: lab.id, role: "visitor" });
    const joined = await post(`/api/classroom/${started.code}/join`, {});
    expect(joined.status, joined.text).toBe(201);
    alice = parsed<ClassroomJoined>(joined);
    expect(alice.labId).toBe(lab.id);
    expect(alice.studentToken).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const cookie = String(joined.headers["set-cookie"]);
    expect(cookie).toMatch(new RegExp(`^${STUDENT_COOKIE_PREFIX}${started.code}=`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    aliceCookie = { cookie: `other=1; ${cookie.split(";")[0]!}` };
    // A second join from the same browser is the same student, with no new token.
    const again = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code.toLowerCase()}/join`, aliceCookie));
    expect(again).toEqual({ code: started.code, labId: lab.id, followerId: alice.followerId, studentToken: null });
    const poll = await get(`/api/classroom/${started.code}?follower=${alice.followerId}&mode=following`, aliceCookie);
    expect(parsed<ClassroomView>(poll).role).toBe("follower");
  });

  it("lets the student read the session's lab (REST, sequence, timeline, the stream) and refuses its changes with 403 classroom-read-only", async () => {
    for (const path of [`/api/labs/${lab.id}`, `/api/labs/${lab.id}/events`, `/api/labs/${lab.id}/sequence`, `/api/labs/${lab.id}/timeline`, `/api/labs/${lab.id}/nodes/A`, "/api/lessons"]) {
      const answer = await get(path, aliceCookie);
      expect(answer.status, `${path}: ${answer.text.slice(0, 200)}`).toBe(200);
    }
    const streamed = await streamCommand(lab.id, aliceCookie, ["SET", "k", "student"]);
    expect(streamed.snapshot).toBe(true);
    expect(streamed.result.ok ? null : streamed.result.error.code).toBe("classroom-read-only");
    expect(refusal(await command(lab.id, aliceCookie, ["SET", "k", "student"]))).toEqual({ status: 403, code: "classroom-read-only" });
    expect(refusal(await post(`/api/labs/${lab.id}/nodes/B/kill`, aliceCookie))).toEqual({ status: 403, code: "classroom-read-only" });
    expect(refusal(await send(baseUrl, "DELETE", `/api/labs/${lab.id}`, aliceCookie))).toEqual({ status: 403, code: "classroom-read-only" });
  });

  it("refuses the student everything outside the session: making, listing or reading other labs, starting a session", async () => {
    expect(refusal(await post("/api/labs", aliceCookie, { template: "empty" }))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await get("/api/labs", aliceCookie))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await post(`/api/labs/${lab.id}/branch`, aliceCookie, {}))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await post("/api/classroom", aliceCookie, { lab: lab.id }))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await get(`/api/labs/${otherLab.id}`, aliceCookie))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await command(otherLab.id, aliceCookie, ["SET", "k", "v"]))).toEqual({ status: 403, code: "not-lab-owner" });
    const elsewhere = await openStream(`${wsUrl}/api/labs/${otherLab.id}/stream`, aliceCookie);
    expect(elsewhere.kind === "refused" ? { status: elsewhere.status, code: codeOf(elsewhere) } : elsewhere).toEqual({ status: 403, code: "not-lab-owner" });
    // The instructor's routes of the session stay the instructor's.
    expect(refusal(await post(`/api/classroom/${started.code}/gather`, aliceCookie, { atMs: null }))).toEqual({ status: 403, code: "classroom-read-only" });
  });

  it("forks the lab into a branch the student owns, and acts on it over REST and the stream", async () => {
    const forked = await post(`/api/classroom/${started.code}/fork`, aliceCookie);
    expect(forked.status, forked.text).toBe(201);
    fork = parsed<LabView>(forked);
    expect(fork.owner).toBe(`student:${alice.followerId}`);
    const set = await command(fork.id, aliceCookie, ["SET", "k", "on-my-fork"]);
    expect(set.status, set.text).toBe(200);
    expect((await post(`/api/labs/${fork.id}/nodes/C/kill`, aliceCookie)).status).toBe(200);
    const streamed = await streamCommand(fork.id, aliceCookie, ["GET", "k"]);
    expect(streamed.snapshot).toBe(true);
    expect(streamed.result.ok, JSON.stringify(streamed.result)).toBe(true);
    // The script's way: the token as a header instead of the cookie.
    expect((await command(fork.id, { [CLASSROOM_TOKEN_HEADER]: alice.studentToken! }, ["GET", "k"])).status).toBe(200);
  });

  it("refuses a second student on the first one's fork with 403 not-lab-owner (REST and stream), and lets it fork its own", async () => {
    const joined = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code}/join`, {}));
    expect(joined.followerId).not.toBe(alice.followerId);
    bob = { [CLASSROOM_TOKEN_HEADER]: joined.studentToken! };
    expect(refusal(await command(fork.id, bob, ["SET", "k", "bob"]))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await get(`/api/labs/${fork.id}`, bob))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await send(baseUrl, "DELETE", `/api/labs/${fork.id}`, bob))).toEqual({ status: 403, code: "not-lab-owner" });
    const stream = await openStream(`${wsUrl}/api/labs/${fork.id}/stream`, bob);
    expect(stream.kind === "refused" ? { status: stream.status, code: codeOf(stream) } : stream).toEqual({ status: 403, code: "not-lab-owner" });
    expect((await get(`/api/labs/${lab.id}`, bob)).status).toBe(200);
    const own = await post(`/api/classroom/${started.code}/fork`, bob);
    expect(own.status, own.text).toBe(201);
    expect(parsed<LabView>(own).owner).toBe(`student:${joined.followerId}`);
    expect(refusal(await command(parsed<LabView>(own).id, aliceCookie, ["SET", "k", "alice"]))).toEqual({ status: 403, code: "not-lab-owner" });
  });

  it("keeps the instructor's token the driver of its lab, and nothing more", async () => {
    const set = await command(lab.id, instructor, ["SET", "k", "instructor"]);
    expect(set.status, set.text).toBe(200);
    expect(parsed<{ text: string }>(await command(lab.id, instructor, ["GET", "k"])).text).toContain("instructor");
    expect((await streamCommand(lab.id, instructor, ["SET", "k2", "ws"])).result.ok).toBe(true);
    expect((await send(baseUrl, "PUT", `/api/classroom/${started.code}/selection`, { ...instructor, ...json }, JSON.stringify({ nodeId: "B" }))).status).toBe(204);
    expect(refusal(await command(fork.id, instructor, ["SET", "k", "teacher"]))).toEqual({ status: 403, code: "not-lab-owner" });
    expect(refusal(await post("/api/labs", instructor))).toEqual({ status: 403, code: "outside-classroom" });
    expect(refusal(await get("/api/labs", instructor))).toEqual({ status: 403, code: "outside-classroom" });
  });

  it("keeps every power with the operator secret: the students' forks, new labs, the list", async () => {
    expect((await command(fork.id, operator, ["SET", "k", "operator"])).status).toBe(200);
    expect((await get("/api/labs", operator)).status).toBe(200);
    const made = await post("/api/labs", operator, {});
    expect(made.status, made.text).toBe(201);
    // The session's lab still takes changes only with its instructor's token, the operator's too.
    expect(refusal(await command(lab.id, operator, ["SET", "k", "x"]))).toEqual({ status: 403, code: "classroom-read-only" });
    expect((await command(lab.id, { ...operator, ...instructor }, ["SET", "k", "x"])).status).toBe(200);
    expect((await send(baseUrl, "DELETE", `/api/labs/${fork.id}`, operator)).status).toBe(204);
  });

  it("ends the session's tokens with the session", async () => {
    expect((await send(baseUrl, "DELETE", `/api/classroom/${started.code}`, instructor)).status).toBe(204);
    expect(refusal(await get(`/api/labs/${lab.id}`, aliceCookie))).toEqual({ status: 401, code: "unauthorized" });
    expect(refusal(await command(lab.id, instructor, ["GET", "k"]))).toEqual({ status: 401, code: "unauthorized" });
  });
});
