/**
 * The classroom's roles over the real server: an instructor's session on a lab, followers who may
 * read it and fork it but not change it (REST, stream operations), the RESP ports' admission, the
 * follower count, the instructor's selection, "bring everyone back", and a deleted lab ending the
 * session.
 */
import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ClassroomJoined, ClassroomStarted, ClassroomView, LabView, ServerMessage } from "@replica-lab/protocol";
import { createLab, startApp, waitFor } from "../testing/helpers.ts";
import { CLASSROOM_TOKEN_HEADER as INSTRUCTOR_HEADER, INSTRUCTOR_COOKIE_PREFIX } from "../security/credentials.ts";

let app: FastifyInstance;
let wsUrl: string;

beforeAll(async () => {
  ({ app, wsUrl } = await startApp({}, true));
});
afterAll(async () => {
  await app.close();
});

async function start(labId: string): Promise<{ started: ClassroomStarted; cookie: string }> {
  const response = await app.inject({ method: "POST", url: "/api/classroom", payload: { lab: labId } });
  expect(response.statusCode).toBe(201);
  const cookie = String(response.headers["set-cookie"]);
  return { started: response.json<ClassroomStarted>(), cookie };
}

const command = (labId: string, argv: string[], headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/A/command`, payload: { argv }, headers });

/** Sends one stream operation and resolves with its result. */
async function streamOp(labId: string, headers: Record<string, string>, argv: string[]): Promise<Extract<ServerMessage, { type: "op-result" }>> {
  const socket = new WebSocket(`${wsUrl}/api/labs/${labId}/stream`, { headers });
  const results: Extract<ServerMessage, { type: "op-result" }>[] = [];
  socket.on("message", (data: Buffer) => {
    const message = JSON.parse(data.toString("utf8")) as ServerMessage;
    if (message.type === "op-result") results.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ type: "op", requestId: "r1", op: { kind: "command", nodeId: "A", argv } }));
  await waitFor(() => results.length > 0, 15_000, "op-result");
  socket.close();
  return results[0]!;
}

describe("a classroom session", () => {
  let lab: LabView;
  let started: ClassroomStarted;
  let cookie: string;
  let instructor: Record<string, string>;

  beforeAll(async () => {
    lab = await createLab(app, { template: "one-master-two-replicas" });
    ({ started, cookie } = await start(lab.id));
    instructor = { [INSTRUCTOR_HEADER]: started.instructorToken };
  });

  it("gives a short code, a join path and the instructor's token in an HttpOnly cookie", () => {
    expect(started.code).toMatch(/^[A-Z2-9]{6}$/);
    expect(started.joinPath).toBe(`/?class=${started.code}`);
    expect(cookie).toContain(`${INSTRUCTOR_COOKIE_PREFIX}${started.code}=`);
    expect(cookie).toContain("HttpOnly");
  });

  it("lets the instructor act, by header or by cookie, and refuses everyone else with 403 classroom-read-only", async () => {
    expect((await command(lab.id, ["SET", "k", "instructor"], instructor)).statusCode).toBe(200);
    const cookieHeader = { cookie: `${INSTRUCTOR_COOKIE_PREFIX}${started.code}=${encodeURIComponent(started.instructorToken)}` };
    expect((await command(lab.id, ["SET", "k2", "v"], cookieHeader)).statusCode).toBe(200);

    const refused = await command(lab.id, ["SET", "k", "follower"]);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe("classroom-read-only");
    const wrong = await command(lab.id, ["SET", "k", "follower"], { [INSTRUCTOR_HEADER]: "not-the-token" });
    expect(wrong.statusCode).toBe(403);
    for (const [method, url, payload] of [
      ["POST", `/api/labs/${lab.id}/nodes/B/kill`, {}],
      ["POST", `/api/labs/${lab.id}/clock`, { action: "pause" }],
      ["PUT", `/api/labs/${lab.id}/nodes/B/master`, { masterId: null }],
      ["DELETE", `/api/labs/${lab.id}`, undefined],
      ["POST", `/api/labs/${lab.id}/nodes`, {}],
      ["PUT", `/api/labs/${lab.id}/layout`, { positions: {} }],
    ] as const) {
      const answer = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
      expect(answer.statusCode, `${method} ${url}`).toBe(403);
    }
    // Reading stays open, and so does comparing protocols (it replays the story on labs of its own).
    expect((await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).statusCode).toBe(200);
    const compared = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/compare`, payload: { versions: ["2.6", "7.0"] } });
    expect(compared.statusCode, compared.body).toBe(200);
    expect((await command(lab.id, ["GET", "k"], instructor)).json<{ text: string }>().text).toContain("instructor");
  });

  it("refuses a follower's stream operations and runs the instructor's", async () => {
    const refused = await streamOp(lab.id, {}, ["SET", "k", "ws-follower"]);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? null : refused.error.code).toBe("classroom-read-only");
    const cookieHeader = { cookie: `other=1; ${INSTRUCTOR_COOKIE_PREFIX}${started.code}=${encodeURIComponent(started.instructorToken)}` };
    const done = await streamOp(lab.id, cookieHeader, ["SET", "k", "ws-instructor"]);
    expect(done.ok).toBe(true);
  });

  it("counts followers by their polls, following or forked, and forgets the silent ones", async () => {
    const a = (await app.inject({ method: "POST", url: `/api/classroom/${started.code}/join` })).json<ClassroomJoined>();
    const b = (await app.inject({ method: "POST", url: `/api/classroom/${started.code.toLowerCase()}/join` })).json<ClassroomJoined>();
    expect(a.labId).toBe(lab.id);
    const poll = async (query: string, headers: Record<string, string> = {}) =>
      (await app.inject({ method: "GET", url: `/api/classroom/${started.code}${query}`, headers })).json<ClassroomView>();
    expect((await poll(`?follower=${a.followerId}&mode=following`)).role).toBe("follower");
    await poll(`?follower=${b.followerId}&mode=forked`);
    const seen = await poll("", instructor);
    expect(seen.role).toBe("instructor");
    expect(seen.followers).toEqual({ following: 1, forked: 1 });
    expect((await poll("")).role).toBe("visitor");
    expect((await poll("?follower=unknown")).role).toBe("visitor");
  });

  it("shares the instructor's selection and pointer, and gathers, all refused to followers", async () => {
    const url = `/api/classroom/${started.code}`;
    expect((await app.inject({ method: "PUT", url: `${url}/selection`, payload: { nodeId: "B" } })).statusCode).toBe(403);
    expect((await app.inject({ method: "PUT", url: `${url}/selection`, payload: { nodeId: "B" }, headers: instructor })).statusCode).toBe(204);
    expect((await app.inject({ method: "POST", url: `${url}/gather`, payload: { atMs: 10 } })).statusCode).toBe(403);
    const gather = await app.inject({ method: "POST", url: `${url}/gather`, payload: { atMs: 10 }, headers: instructor });
    expect(gather.json()).toEqual({ seq: 1, atMs: 10 });
    expect((await app.inject({ method: "PUT", url: `${url}/pointer`, payload: { at: { x: 1, y: 2 } } })).statusCode).toBe(403);
    expect((await app.inject({ method: "PUT", url: `${url}/pointer`, payload: { at: { x: 12.5, y: -40 } }, headers: instructor })).statusCode).toBe(204);
    const view = (await app.inject({ method: "GET", url })).json<ClassroomView>();
    expect(view.pointer).toEqual({ x: 12.5, y: -40 });
    expect(view.selectedNodeId).toBe("B");
    expect(view.gather).toEqual({ seq: 1, atMs: 10 });
  });

  it("forks into a running lab of the follower's own, which the follower may change; the instructor's lab is not", async () => {
    const before = (await command(lab.id, ["DBSIZE"], instructor)).json<{ text: string }>().text;
    const fork = await app.inject({ method: "POST", url: `/api/classroom/${started.code}/fork`, payload: {} });
    expect(fork.statusCode).toBe(201);
    const branch = fork.json<LabView>();
    expect(branch.parent?.labId).toBe(lab.id);
    expect(branch.clock.paused).toBe(false);
    expect((await command(branch.id, ["SET", "mine", "1"])).statusCode).toBe(200);
    expect((await command(branch.id, ["GET", "k"])).json<{ text: string }>().text).toContain("ws-instructor");
    expect((await command(lab.id, ["DBSIZE"], instructor)).json<{ text: string }>().text).toBe(before);
    // An ordinary branch of the lab is open to followers too.
    const branched = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/branch`, payload: { atMs: 0 } });
    expect(branched.statusCode).toBe(201);
  });

  it("takes RESP clients from loopback only while the session runs", async () => {
    const admit = app.labs.get(lab.id).gateway.admit;
    expect(admit).not.toBeNull();
    expect(admit!("127.0.0.1")).toBeNull();
    expect(admit!("::ffff:127.0.0.1")).toBeNull();
    expect(admit!("10.1.2.3")).toContain(started.code);
    // A loopback client still reaches the node's port.
    const port = app.labs.get(lab.id).gateway.portOf(lab.nodes[0]!.id)!;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        resolve(data.toString("latin1"));
        socket.destroy();
      });
      socket.once("error", reject);
    });
    expect(reply).toBe("+PONG\r\n");
  });

  it("ends: by a follower never, by the instructor, and with its lab", async () => {
    const url = `/api/classroom/${started.code}`;
    expect((await app.inject({ method: "DELETE", url })).statusCode).toBe(403);
    expect((await app.inject({ method: "DELETE", url, headers: instructor })).statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url })).json<{ error: { code: string } }>().error.code).toBe("unknown-classroom");
    expect((await command(lab.id, ["SET", "k", "anyone"])).statusCode).toBe(200);
    expect(app.labs.get(lab.id).gateway.admit).toBeNull();

    const other = await createLab(app, { template: "one-master-two-replicas" });
    const second = await start(other.id);
    expect((await app.inject({ method: "POST", url: "/api/classroom", payload: { lab: other.id } })).statusCode).toBe(403);
    expect((await app.inject({ method: "DELETE", url: `/api/labs/${other.id}`, headers: { [INSTRUCTOR_HEADER]: second.started.instructorToken } })).statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url: `/api/classroom/${second.started.code}` })).statusCode).toBe(404);
  });

  it("outlives the instructor's lesson \"back\" (the lab rebuilt under its id), and followers see the lesson's step", async () => {
    const lessonLab = (await app.inject({ method: "POST", url: "/api/labs", payload: { lesson: "one-master-two-replicas" } })).json<LabView>();
    const session = await start(lessonLab.id);
    const as = { [INSTRUCTOR_HEADER]: session.started.instructorToken };
    const lesson = (headers: Record<string, string> = {}) => app.inject({ method: "GET", url: `/api/labs/${lessonLab.id}/lesson`, headers });
    await waitFor(async () => (await lesson()).json<{ passed: boolean }>().passed, 30_000, "step 1's checks");
    expect((await app.inject({ method: "POST", url: `/api/labs/${lessonLab.id}/lesson/next` })).statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: `/api/labs/${lessonLab.id}/lesson/next`, headers: as })).statusCode).toBe(200);
    // A follower reads the step the instructor is on.
    expect((await lesson()).json<{ step: number }>().step).toBe(1);
    expect((await app.inject({ method: "POST", url: `/api/labs/${lessonLab.id}/lesson/back`, headers: as })).statusCode).toBe(200);
    expect((await lesson()).json<{ step: number }>().step).toBe(0);
    const view = await app.inject({ method: "GET", url: `/api/classroom/${session.started.code}` });
    expect(view.statusCode).toBe(200);
    expect((await command(lessonLab.id, ["SET", "k", "follower"])).statusCode).toBe(403);
    expect(app.labs.get(lessonLab.id).gateway.admit).not.toBeNull();
  });
});
