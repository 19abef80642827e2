/**
 * The first thing every request meets (an `onRequest` hook on the root, so it covers the API, the
 * stream's upgrade, the web app and the not-found answer alike), in this order:
 *
 * 1. `Host` must be a name this server serves, else 403 `forbidden-host` (DNS rebinding).
 * 2. A request that changes state (any method but GET, HEAD, OPTIONS) or opens a WebSocket must
 *    come from no page at all or from the server's own, else 403 `forbidden-origin`. A bodiless
 *    cross-site POST (kill, freeze, create) is refused like any other.
 * 3. On an exposed server, every `/api` request, reads included, and every state-changing request
 *    must show the secret, else 401 `unauthorized`: `Authorization: Bearer <secret>`, `?token=`
 *    (a WebSocket cannot send headers from a browser) or the cookie. A page load with a valid
 *    `?token=` is answered 303 to the same address without it, setting the cookie (HttpOnly,
 *    SameSite=Strict), so the secret leaves the address bar and the history, and the page's own
 *    requests and stream carry it from then on.
 * 4. Without the secret, a classroom credential (an instructor's or a student's token, from the
 *    classroom cookies or `x-classroom-token`) goes as far as `scope.ts` says, else 403 with the
 *    scope's code; a join code alone opens its session's view and join. No credential at all is
 *    still 401.
 *
 * On loopback (steps 3 and 4 skipped: everyone local is the operator) a request that shows a
 * student's token is still kept off other students' forks (`decideStudentForks`).
 *
 * The request's owner id ends up in `request.principal`, its credentials in `request.credentials`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiFailure } from "../http/errors.ts";
import { ANONYMOUS, TOKEN_COOKIE, type Access } from "./access.ts";
import { shownTokens, type ClassroomCredential, type Credential, type CredentialSource } from "./credentials.ts";
import { decideScope, decideStudentForks, opensWithCode, type ScopeTarget } from "./scope.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent the request: "local" on loopback, the secret's owner id, or "anonymous". */
    principal: string;
    /** What the request showed: the operator (the secret, or loopback) and any classroom tokens. */
    readonly credentials: readonly Credential[];
  }
}


const NO_CREDENTIALS: readonly Credential[] = Object.freeze([]);
const credentialsOf = new WeakMap<FastifyRequest, readonly Credential[]>();

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Installs the hook on the root instance (before any route plugin, so it covers them all).
 * `classroom` resolves classroom tokens; without it only the secret counts.
 */
export function installRequestGuard(app: FastifyInstance, access: Access, classroom?: CredentialSource): void {
  app.decorateRequest("principal", ANONYMOUS);
  // Fastify refuses a shared array as a default, so a getter reads each request's own list, which
  // only this hook writes (routes cannot grant themselves more).
  app.decorateRequest("credentials", {
    getter(this: FastifyRequest): readonly Credential[] {
      return credentialsOf.get(this) ?? NO_CREDENTIALS;
    },
  });
  const scoped = (request: FastifyRequest): readonly ClassroomCredential[] => classroom?.resolve(shownTokens(request.headers)) ?? [];
  app.addHook("onRequest", async (request, reply) => {
    const host = request.headers.host;
    if (!access.hosts.servesHost(host)) {
      return refuse(request, reply, new ApiFailure("forbidden-host", `this server does not answer to the host ${JSON.stringify(host)}; if it is this server's name, list it in REPLICA_LAB_ALLOWED_HOSTS`));
    }
    const upgrade = request.headers.upgrade !== undefined;
    const changesState = !SAFE_METHODS.has(request.method) || upgrade;
    if (changesState && !access.hosts.allowsOrigin(request.headers.origin, host)) {
      return refuse(request, reply, new ApiFailure("forbidden-origin", `requests from pages of ${JSON.stringify(request.headers.origin)} may not change this server's labs or open its streams`));
    }
    if (!access.exposed()) {
      request.principal = access.principal();
      const classroomCredentials = scoped(request);
      credentialsOf.set(request, [{ kind: "operator", ownerId: request.principal }, ...classroomCredentials]);
      // Everyone local is the operator, but a student's token says which student a page is.
      const verdict = decideStudentForks(scopeTarget(request), classroomCredentials, (labId) => access.ownerOf(labId));
      if (!verdict.allowed) return refuse(request, reply, new ApiFailure(verdict.code, verdict.message));
      return;
    }

    const path = request.url.split("?", 1)[0] ?? "";
    const api = path === "/api" || path.startsWith("/api/");
    const fromQuery = takeQueryToken(request);
    const shown = [bearerToken(request.headers.authorization), fromQuery, cookieToken(request.headers.cookie)];
    if (shown.some((token) => token !== null && access.isSecret(token))) {
      request.principal = access.principal();
      credentialsOf.set(request, [{ kind: "operator", ownerId: request.principal }, ...scoped(request)]);
      if (!api && !changesState && fromQuery !== null && access.isSecret(fromQuery)) {
        return reply
          .code(303)
          .header("set-cookie", `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; Path=/; HttpOnly; SameSite=Strict`)
          .header("location", withoutToken(request.url))
          .send();
      }
      return;
    }
    if (!api && !changesState) return;
    const credentials = scoped(request);
    credentialsOf.set(request, credentials);
    const target = scopeTarget(request);
    if (credentials.length > 0 || opensWithCode(target)) {
      const verdict = decideScope(target, credentials, (labId) => access.ownerOf(labId));
      if (verdict.allowed) return;
      return refuse(request, reply, new ApiFailure(verdict.code, verdict.message));
    }
    reply.header("www-authenticate", 'Bearer realm="replica-lab"');
    return refuse(
      request,
      reply,
      new ApiFailure("unauthorized", "this server listens beyond loopback and needs its secret (open the address it printed at start, with ?token=, or send Authorization: Bearer <secret>), or a classroom join (open the join link)"),
    );
  });
}

/** The route and the lab or session a request names, as the scope rules read them. */
function scopeTarget(request: FastifyRequest): ScopeTarget {
  const params = (request.params ?? {}) as { lab?: unknown; code?: unknown };
  return {
    method: request.method,
    route: request.routeOptions.url,
    labId: typeof params.lab === "string" ? params.lab : null,
    code: typeof params.code === "string" ? params.code.toUpperCase() : null,
  };
}

function refuse(request: FastifyRequest, reply: FastifyReply, failure: ApiFailure): FastifyReply {
  // A refused upgrade's socket belongs to nobody once answered (Node's HTTP server let go of it):
  // close it, or it stays open for ever.
  if (request.headers.upgrade !== undefined) reply.raw.once("finish", () => request.raw.socket.destroy());
  return reply.code(failure.statusCode).send(failure.toBody());
}

/** `Bearer <token>` (the scheme is case-insensitive), or null. */
function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match ? match[1]! : null;
}

/** The secret's cookie, or null. */
function cookieToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at < 0 || pair.slice(0, at).trim() !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** `?token=`, taken out of the query so that no route schema sees an unknown field. */
function takeQueryToken(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.token;
  if (query === undefined || token === undefined) return null;
  delete query.token;
  return typeof token === "string" ? token : null;
}

/** The request's path and query without `token`. */
function withoutToken(url: string): string {
  const parsed = new URL(url, "http://server");
  parsed.searchParams.delete("token");
  // One leading slash only: `//evil.example` in a Location header is another site.
  return parsed.pathname.replace(/^\/+/, "/") + parsed.search;
}
