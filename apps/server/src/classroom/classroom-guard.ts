/**
 * Where the classroom's roles are enforced: a hook in front of every REST route that changes a
 * lab (`/api/labs/:lab/...` with a method other than GET), and a check the stream runs before each
 * operation a socket sends. A follower gets 403 `classroom-read-only`; forking (`POST
 * /api/labs/:lab/branch`) stays open to all, since it makes a lab of the follower's own.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { shownTokens as tokensIn, type ShownTokens } from "../security/credentials.ts";
import type { ClassroomService } from "./classroom-service.ts";

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * POST routes under a lab that do not change it: a branch is a new lab, and a comparison tells the
 * lab's story again on labs of its own.
 */
const OPEN_ROUTES: ReadonlySet<string> = new Set(["/api/labs/:lab/branch", "/api/labs/:lab/compare"]);

/** The classroom tokens a request shows (the header, and the classroom cookies by code). */
export function shownTokens(request: FastifyRequest): ShownTokens {
  return tokensIn(request.headers);
}

/** Installs the REST check on the root instance (after the request guard, so Host and Origin come first). */
export function installClassroomGuard(app: FastifyInstance, classroom: ClassroomService): void {
  app.addHook("onRequest", async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const route = request.routeOptions.url;
    if (route === undefined || !route.startsWith("/api/labs/:lab") || OPEN_ROUTES.has(route)) return;
    const labId = (request.params as { lab?: unknown }).lab;
    if (typeof labId === "string") classroom.authorize(labId, shownTokens(request));
  });
}

/**
 * The check a stream socket runs before each operation: the tokens its upgrade request showed,
 * held against whatever session the lab has at the time of the operation (a session may start
 * after the socket opened).
 */
export function streamGate(classroom: ClassroomService, labId: string, request: FastifyRequest): () => void {
  const shown = shownTokens(request);
  return () => classroom.authorize(labId, shown);
}
