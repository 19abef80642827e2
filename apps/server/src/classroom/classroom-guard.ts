/**
 * Where the classroom's roles are enforced: a hook in front of every REST route that changes a
 * lab (`/api/labs/:lab/...` with a method other than GET), and a check the stream runs before each
 * operation a socket sends. A follower gets 403 `classroom-read-only`; forking (`POST
 * /api/labs/:lab/branch`) stays open to all, since it makes a lab of the follower's own.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { INSTRUCTOR_COOKIE_PREFIX, INSTRUCTOR_HEADER, type ClassroomService, type ShownTokens } from "./classroom-service.ts";

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * POST routes under a lab that do not change it: a branch is a new lab, and a comparison tells the
 * lab's story again on labs of its own.
 */
const OPEN_ROUTES: ReadonlySet<string> = new Set(["/api/labs/:lab/branch", "/api/labs/:lab/compare"]);

/** The instructor tokens a request shows (the header, and the classroom cookies by code). */
export function shownTokens(request: FastifyRequest): ShownTokens {
  const header = request.headers[INSTRUCTOR_HEADER];
  const cookies = new Map<string, string>();
  for (const pair of (request.headers.cookie ?? "").split(";")) {
    const at = pair.indexOf("=");
    const name = at < 0 ? "" : pair.slice(0, at).trim();
    if (!name.startsWith(INSTRUCTOR_COOKIE_PREFIX)) continue;
    try {
      cookies.set(name.slice(INSTRUCTOR_COOKIE_PREFIX.length), decodeURIComponent(pair.slice(at + 1).trim()));
    } catch {
      // A malformed cookie is no token.
    }
  }
  return { header: typeof header === "string" && header !== "" ? header : null, cookies };
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
