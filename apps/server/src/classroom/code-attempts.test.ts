/**
 * Join codes cannot be guessed: wrong codes are counted per address, and past the limit every
 * classroom route answers 429 until the window is over, while the rest of the API is untouched.
 * And someone with the code cannot use up a class's places by joining over and over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { ClassroomJoined, ClassroomStarted } from "@replica-lab/protocol";
import { CLASSROOM_TOKEN_HEADER } from "../security/credentials.ts";
import { FOLLOWER_STALE_MS, MAX_STUDENTS } from "./classroom-service.ts";
import { createLab, startApp } from "../testing/helpers.ts";
import { CodeAttempts, DEFAULT_CODE_ATTEMPT_LIMITS } from "./code-attempts.ts";

describe("the wrong-code counter", () => {
  it("blocks an address after the limit, for the rest of its window, and forgets it after", () => {
    let now = 0;
    const attempts = new CodeAttempts({ limit: 3, windowMs: 1000, maxAddresses: 10 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(attempts.retryAfterMs("a")).toBe(0);
      attempts.fail("a");
    }
    now = 400;
    expect(attempts.retryAfterMs("a")).toBe(600);
    expect(attempts.retryAfterMs("b")).toBe(0);
    now = 1000;
    expect(attempts.retryAfterMs("a")).toBe(0);
    attempts.fail("a");
    expect(attempts.retryAfterMs("a")).toBe(0);
  });

  it("remembers at most maxAddresses, dropping the longest quiet", () => {
    const attempts = new CodeAttempts({ limit: 1, windowMs: 1000, maxAddresses: 2 }, () => 0);
    attempts.fail("a");
    attempts.fail("b");
    attempts.fail("c");
    expect(attempts.retryAfterMs("a")).toBe(0);
    expect(attempts.retryAfterMs("b")).toBeGreaterThan(0);
    expect(attempts.retryAfterMs("c")).toBeGreaterThan(0);
  });
});

describe("the classroom routes", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await startApp());
  });
  afterAll(async () => {
    await app.close();
  });

  it("answer 429 with Retry-After to an address that sent too many wrong codes, even for the right one; other routes go on", async () => {
    const lab = await createLab(app);
    const started = (await app.inject({ method: "POST", url: "/api/classroom", payload: { lab: lab.id } })).json<ClassroomStarted>();
    for (let i = 0; i < DEFAULT_CODE_ATTEMPT_LIMITS.limit; i++) {
      const wrong = await app.inject({ method: "GET", url: `/api/classroom/ZZZZ${String(i).padStart(2, "0")}` });
      expect(wrong.statusCode).toBe(404);
      expect(wrong.json()).toMatchObject({ error: { code: "unknown-classroom" } });
    }
    const blocked = await app.inject({ method: "POST", url: `/api/classroom/${started.code}/join` });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: { code: "too-many-attempts" } });
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(blocked.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect((await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).statusCode).toBe(200);
  });
});

describe("an ended class", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await startApp());
  });
  afterAll(async () => {
    await app.close();
  });

  it("is no guess: the pages still polling its code get 404 unknown-classroom, never 429, and other classes go on", async () => {
    const start = async () => (await app.inject({ method: "POST", url: "/api/classroom", payload: { lab: (await createLab(app)).id } })).json<ClassroomStarted>();
    const ended = await start();
    const other = await start();
    expect((await app.inject({ method: "DELETE", url: `/api/classroom/${ended.code}`, headers: { [CLASSROOM_TOKEN_HEADER]: ended.instructorToken } })).statusCode).toBe(204);
    for (let i = 0; i < DEFAULT_CODE_ATTEMPT_LIMITS.limit + 10; i++) {
      const poll = await app.inject({ method: "GET", url: `/api/classroom/${ended.code}?follower=f${i}&mode=forked` });
      expect(poll.json()).toMatchObject({ error: { code: "unknown-classroom" } });
    }
    expect((await app.inject({ method: "POST", url: `/api/classroom/${other.code}/join` })).statusCode).toBe(201);
  });
});

describe("a full class", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await startApp());
  });
  afterAll(async () => {
    await app.close();
  });

  it("makes room by forgetting a student who neither follows nor has a fork, so joins cannot use up its places", async () => {
    const lab = await createLab(app);
    const started = (await app.inject({ method: "POST", url: "/api/classroom", payload: { lab: lab.id } })).json<ClassroomStarted>();
    const join = (headers: Record<string, string> = {}) => app.inject({ method: "POST", url: `/api/classroom/${started.code}/join`, headers });
    const tokens: string[] = [];
    for (let i = 0; i < MAX_STUDENTS; i++) tokens.push((await join()).json<ClassroomJoined>().studentToken!);
    // Everyone follows: no room.
    expect((await join()).json()).toMatchObject({ error: { code: "bad-argument" } });
    // The first student forks; then nobody has polled for a while.
    const fork = await app.inject({ method: "POST", url: `/api/classroom/${started.code}/fork`, headers: { [CLASSROOM_TOKEN_HEADER]: tokens[0]! } });
    expect(fork.statusCode).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, FOLLOWER_STALE_MS + 300));
    const newcomer = await join();
    expect(newcomer.statusCode).toBe(201);
    // The forgotten one is the longest-joined without a fork: the second; the first keeps its identity.
    expect((await join({ [CLASSROOM_TOKEN_HEADER]: tokens[0]! })).json<ClassroomJoined>().studentToken).toBeNull();
    expect((await join({ [CLASSROOM_TOKEN_HEADER]: tokens[1]! })).json<ClassroomJoined>().studentToken).not.toBeNull();
  });
});
