/**
 * A class survives a server restart on the same data directory, over real sockets on a server
 * exposed beyond loopback: the join code, the instructor's and the students' tokens and the forks'
 * owners come back with the labs, so the students go on reading the lab and working on their forks,
 * and the other students are still kept off them. A class ended before a restart stays ended (and
 * its code known as ended, so the pages still polling it are not taken for guessing), and its
 * students' keys to their forks come back with the forks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import type { ClassroomJoined, ClassroomStarted, LabView } from "@replica-lab/protocol";
import { startApp } from "../testing/helpers.ts";
import { LabStore } from "../storage/lab-store.ts";
import { CLASSROOM_TOKEN_HEADER } from "../security/credentials.ts";
import { codeOf, send, type Answer } from "../security/wire-client.ts";
import { DEFAULT_CODE_ATTEMPT_LIMITS } from "./code-attempts.ts";

const secret = "restart-classroom-secret-9";
const operator = { authorization: `Bearer ${secret}` };
const json = { "content-type": "application/json" };
const dir = mkdtempSync(join(tmpdir(), "replica-lab-classroom-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The exposed app on the data directory, its labs (and classes) restored, listening. */
async function open(): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const { app, baseUrl } = await startApp({ store: await LabStore.open(dir), persistence: { flushMs: 50 }, access: { exposed: true, secret } }, true);
  expect(await app.persistence!.restore(app.timelines)).toEqual([]);
  return { app, baseUrl };
}

const parsed = <T>(answer: Answer): T => JSON.parse(answer.text) as T;

describe("a classroom across a restart", () => {
  it("keeps the code, the tokens and the forks' owners, and the students' forks after the class ends", async () => {
    const first = await open();
    const post = (path: string, headers: Record<string, string>, body: unknown = {}): Promise<Answer> => send(first.baseUrl, "POST", path, { ...headers, ...json }, JSON.stringify(body));
    const lab = parsed<LabView>(await post("/api/labs", operator, { template: "one-master-two-replicas" }));
    const started = parsed<ClassroomStarted>(await post("/api/classroom", operator, { lab: lab.id }));
    const alice = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code}/join`, {}));
    const bob = parsed<ClassroomJoined>(await post(`/api/classroom/${started.code}/join`, {}));
    const aliceToken = { [CLASSROOM_TOKEN_HEADER]: alice.studentToken! };
    const bobToken = { [CLASSROOM_TOKEN_HEADER]: bob.studentToken! };
    const forked = await post(`/api/classroom/${started.code}/fork`, aliceToken);
    expect(forked.status, forked.text).toBe(201);
    const fork = parsed<LabView>(forked);
    expect((await post(`/api/classroom/${started.code}/fork`, bobToken)).status).toBe(201);
    expect((await post(`/api/labs/${fork.id}/nodes/A/command`, aliceToken, { argv: ["SET", "k", "before"] })).status).toBe(200);
    // close() writes what is left, as SIGTERM does.
    await first.app.close();

    const second = await open();
    try {
      const again = (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> =>
        send(second.baseUrl, method, path, body === undefined ? headers : { ...headers, ...json }, body === undefined ? undefined : JSON.stringify(body));
      expect((await again("GET", `/api/labs/${lab.id}`, aliceToken)).status).toBe(200);
      const read = await again("POST", `/api/labs/${fork.id}/nodes/A/command`, aliceToken, { argv: ["GET", "k"] });
      expect(read.status, read.text).toBe(200);
      expect(parsed<{ text: string }>(read).text).toContain("before");
      const refused = await again("POST", `/api/labs/${fork.id}/nodes/A/command`, bobToken, { argv: ["SET", "k", "bob"] });
      expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 403, code: "not-lab-owner" });
      const student = await again("POST", `/api/labs/${lab.id}/nodes/A/command`, aliceToken, { argv: ["SET", "k", "x"] });
      expect({ status: student.status, code: codeOf(student) }).toEqual({ status: 403, code: "classroom-read-only" });
      const instructor = await again("POST", `/api/labs/${lab.id}/nodes/A/command`, { [CLASSROOM_TOKEN_HEADER]: started.instructorToken }, { argv: ["SET", "k", "teacher"] });
      expect(instructor.status, instructor.text).toBe(200);
      // The same code still joins, and the same student rejoins as itself.
      expect((await again("POST", `/api/classroom/${started.code}/join`, {}, {})).status).toBe(201);
      expect(parsed<ClassroomJoined>(await again("POST", `/api/classroom/${started.code}/join`, aliceToken, {})).followerId).toBe(alice.followerId);
      // Ending it is remembered too.
      expect((await again("DELETE", `/api/classroom/${started.code}`, { [CLASSROOM_TOKEN_HEADER]: started.instructorToken })).status).toBe(204);
    } finally {
      await second.app.close();
    }
    const third = await open();
    try {
      const ended = await send(third.baseUrl, "POST", `/api/classroom/${started.code}/join`, json, "{}");
      expect({ status: ended.status, code: codeOf(ended) }).toEqual({ status: 404, code: "unknown-classroom" });
      // A room of pages still polling the ended class from one address is no guessing: never 429.
      for (let i = 0; i < DEFAULT_CODE_ATTEMPT_LIMITS.limit + 10; i++) {
        const poll = await send(third.baseUrl, "GET", `/api/classroom/${started.code}?follower=${alice.followerId}&mode=forked`, aliceToken);
        expect({ status: poll.status, code: codeOf(poll) }).toEqual({ status: 404, code: "unknown-classroom" });
      }
      // The class is over, but Alice's fork is still hers, and still not Bob's.
      const read = await send(third.baseUrl, "POST", `/api/labs/${fork.id}/nodes/A/command`, { ...aliceToken, ...json }, JSON.stringify({ argv: ["GET", "k"] }));
      expect(read.status, read.text).toBe(200);
      expect(parsed<{ text: string }>(read).text).toContain("before");
      const refused = await send(third.baseUrl, "POST", `/api/labs/${fork.id}/nodes/A/command`, { ...bobToken, ...json }, JSON.stringify({ argv: ["SET", "k", "bob"] }));
      expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 403, code: "not-lab-owner" });
      const classLab = await send(third.baseUrl, "GET", `/api/labs/${lab.id}`, aliceToken);
      expect({ status: classLab.status, code: codeOf(classLab) }).toEqual({ status: 403, code: "not-lab-owner" });
    } finally {
      await third.app.close();
    }
  });
});
