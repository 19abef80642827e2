/**
 * `/api/classroom`: start a session on a lab (the instructor), join it with its code (a student),
 * poll it (everyone in it: the follower count, the instructor's selection, the last "bring everyone
 * back"), fork the lab at its current moment into a running branch of one's own, and end it. The
 * server README's "Classroom" section documents them.
 */
import type { FastifyPluginAsync } from "fastify";
import type { ClassroomGather, ClassroomJoined, ClassroomPointer, ClassroomStarted, ClassroomView, FollowerMode, LabView } from "@replica-lab/protocol";
import { ApiFailure, ERROR_CODES } from "../http/errors.ts";
import { params, type Schema } from "../http/schemas.ts";
import type { RoutesOptions } from "../http/lab-routes.ts";
import type { TimelineService } from "../labs/timeline-service.ts";
import { INSTRUCTOR_COOKIE_PREFIX, ownerOfMadeLab, STUDENT_COOKIE_PREFIX, tokenCookie } from "../security/credentials.ts";
import { STUDENT_COOKIE_MAX_AGE_S, type ClassroomService } from "./classroom-service.ts";
import { shownTokens } from "./classroom-guard.ts";
import { CodeAttempts } from "./code-attempts.ts";

export interface ClassroomRoutesOptions extends RoutesOptions {
  readonly classroom: ClassroomService;
  readonly timelines: TimelineService;
  /** Wrong join codes per address (a default limiter when absent). */
  readonly codeAttempts?: CodeAttempts;
}

function hasCode(params: unknown): boolean {
  return typeof params === "object" && params !== null && typeof (params as { code?: unknown }).code === "string";
}

interface CodeParams {
  code: string;
}

const codeParams = {
  type: "object",
  required: ["code"],
  properties: { code: { type: "string", minLength: 4, maxLength: 12, pattern: "^[A-Za-z0-9]+$" } },
} as const satisfies Schema;

const startBody = { type: "object", additionalProperties: false, required: ["lab"], properties: { lab: params.lab.properties.lab } } as const satisfies Schema;

const pollQuery = {
  type: "object",
  additionalProperties: false,
  properties: { follower: { type: "string", minLength: 1, maxLength: 64 }, mode: { type: "string", enum: ["following", "forked"] } },
} as const satisfies Schema;

const selectBody = {
  type: "object",
  additionalProperties: false,
  required: ["nodeId"],
  properties: { nodeId: { anyOf: [{ type: "null" }, { type: "string", minLength: 1, maxLength: 64 }] } },
} as const satisfies Schema;

const coordinate = { type: "number", minimum: -1e9, maximum: 1e9 } as const;
const pointerBody = {
  type: "object",
  additionalProperties: false,
  required: ["at"],
  properties: {
    at: { anyOf: [{ type: "null" }, { type: "object", additionalProperties: false, required: ["x", "y"], properties: { x: coordinate, y: coordinate } }] },
  },
} as const satisfies Schema;

const gatherBody = {
  type: "object",
  additionalProperties: false,
  required: ["atMs"],
  properties: { atMs: { anyOf: [{ type: "null" }, { type: "number", minimum: 0 }] } },
} as const satisfies Schema;

export const classroomRoutes: FastifyPluginAsync<ClassroomRoutesOptions> = async (app, { registry, access, classroom, timelines, codeAttempts = new CodeAttempts() }) => {
  // A join code is a credential: an address that sent too many wrong ones waits (code-attempts.ts).
  app.addHook("onRequest", async (request, reply) => {
    if (!hasCode(request.params)) return;
    const waitMs = codeAttempts.retryAfterMs(request.ip);
    if (waitMs === 0) return;
    reply.header("retry-after", String(Math.ceil(waitMs / 1000)));
    throw new ApiFailure("too-many-attempts", `too many wrong join codes from ${request.ip}; try again in ${Math.ceil(waitMs / 1000)} s`);
  });
  // A page still polling a class that ended (or whose lab a lesson's "back" is rebuilding) asks
  // for a code that was real: that is no guess.
  app.addHook("onResponse", async (request, reply) => {
    if (!hasCode(request.params) || reply.statusCode !== ERROR_CODES["unknown-classroom"].statusCode) return;
    if (!classroom.knowsCode((request.params as CodeParams).code)) codeAttempts.fail(request.ip);
  });

  app.post<{ Body: { lab: string } }>("/classroom", { schema: { body: startBody } }, async (request, reply): Promise<ClassroomStarted> => {
    const started = classroom.start(request.body.lab, shownTokens(request));
    // The instructor's browser keeps the token, so its REST calls and its stream carry it unasked.
    reply.header("set-cookie", tokenCookie(INSTRUCTOR_COOKIE_PREFIX, started.code, started.instructorToken));
    reply.code(201);
    return started;
  });

  // The join code is the only thing a student needs: the answer hands it a token of its own (the
  // cookie for its browser, `studentToken` for a script), which reads the session's lab on an
  // exposed server and owns the student's forks. The cookie outlasts the browser's session, since
  // the token keeps reaching the student's forks after the class.
  app.post<{ Params: CodeParams }>("/classroom/:code/join", { schema: { params: codeParams } }, async (request, reply): Promise<ClassroomJoined> => {
    const joined = classroom.join(request.params.code, shownTokens(request));
    if (joined.studentToken !== null) reply.header("set-cookie", tokenCookie(STUDENT_COOKIE_PREFIX, joined.code, joined.studentToken, STUDENT_COOKIE_MAX_AGE_S));
    reply.code(201);
    return joined;
  });

  app.get<{ Params: CodeParams; Querystring: { follower?: string; mode?: FollowerMode } }>(
    "/classroom/:code",
    { schema: { params: codeParams, querystring: pollQuery } },
    async (request): Promise<ClassroomView> => {
      const { follower, mode } = request.query;
      return classroom.view(request.params.code, shownTokens(request), follower === undefined ? undefined : { followerId: follower, mode: mode ?? "following" });
    },
  );

  app.put<{ Params: CodeParams; Body: { nodeId: string | null } }>(
    "/classroom/:code/selection",
    { schema: { params: codeParams, body: selectBody } },
    async (request, reply) => {
      classroom.select(request.params.code, shownTokens(request), request.body.nodeId);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: CodeParams; Body: { at: ClassroomPointer | null } }>(
    "/classroom/:code/pointer",
    { schema: { params: codeParams, body: pointerBody } },
    async (request, reply) => {
      classroom.point(request.params.code, shownTokens(request), request.body.at);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: CodeParams; Body: { atMs: number | null } }>(
    "/classroom/:code/gather",
    { schema: { params: codeParams, body: gatherBody } },
    async (request): Promise<ClassroomGather> => classroom.gatherAt(request.params.code, shownTokens(request), request.body.atMs),
  );

  // A fork is the lab's branch at its current moment, running at the lab's speed unless the lab
  // is paused, and owned by whoever forked it (the student whose token the request shows): they
  // may do anything there, and other students nothing.
  app.post<{ Params: CodeParams }>("/classroom/:code/fork", { schema: { params: codeParams } }, async (request, reply): Promise<LabView> => {
    const view = classroom.view(request.params.code, shownTokens(request));
    const owner = ownerOfMadeLab(request.credentials, { labId: view.labId, ownerId: access.ownerOf(view.labId) }, request.principal);
    const parent = registry.get(view.labId);
    const parentClock = parent.view().clock;
    const branch = await timelines.branch(view.labId, parent.lab.nowMs);
    access.setOwner(branch.id, owner);
    if (!parentClock.paused) branch.clockAction("resume", parentClock.speed, 0);
    reply.code(201);
    return { ...branch.view(), owner: access.ownerOf(branch.id) };
  });

  app.delete<{ Params: CodeParams }>("/classroom/:code", { schema: { params: codeParams } }, async (request, reply) => {
    classroom.end(request.params.code, shownTokens(request));
    reply.header("set-cookie", tokenCookie(INSTRUCTOR_COOKIE_PREFIX, request.params.code.toUpperCase(), null));
    return reply.code(204).send();
  });
};
