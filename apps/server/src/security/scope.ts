/**
 * How far a classroom credential reaches on an exposed server, for a request that shows no
 * operator secret. A pure function of the route, the credentials and the labs' owners, so the
 * whole table is tested without sockets:
 *
 * | asked | instructor of the session | student of the session |
 * |---|---|---|
 * | `GET /api/classroom/:code`, `POST .../join` | yes (the code is enough) | yes (the code is enough) |
 * | other `/api/classroom/:code/...` | yes (the session checks which are the instructor's) | fork; the instructor's routes answer `classroom-read-only` |
 * | the session's lab: reads, its stream, `compare` | yes | yes |
 * | the session's lab: changes | yes | 403 `classroom-read-only` |
 * | a fork the student made, or a branch of it | 403 `not-lab-owner` | yes, all of it (it is theirs), `branch` included (the branch is theirs too) |
 * | any other lab | 403 `not-lab-owner` | 403 `not-lab-owner` |
 * | `GET /api/lessons...` (the catalogue a lesson panel reads) | yes | yes |
 * | anything else: make a lab (`POST /api/labs`, `branch` of the session's lab), list labs, start a session | 403 `outside-classroom` | 403 `outside-classroom` |
 *
 * After the session ends, a student's token is a fork owner's (`ForkOwnerCredential`): the
 * student's forks row alone, everything else `not-lab-owner` or `outside-classroom`.
 *
 * On a loopback server there is no secret, so everyone local is the operator and this table does
 * not apply; one rule of it does (`decideStudentForks`): a request that speaks for a student
 * reaches no other student's fork.
 */
import type { ApiErrorCode } from "@replica-lab/protocol";
import { isStudentOwner, isStudentSide, type ClassroomCredential } from "./credentials.ts";

/** The request as the scope sees it: its method and route, and the lab or session it names. */
export interface ScopeTarget {
  /** Upper-case HTTP method (a WebSocket upgrade is a GET). */
  readonly method: string;
  /** The matched route's pattern, prefix included (`/api/labs/:lab/stream`), or undefined (no route). */
  readonly route: string | undefined;
  /** The `:lab` parameter, if the route has one. */
  readonly labId: string | null;
  /** The `:code` parameter, upper-cased, if the route has one. */
  readonly code: string | null;
}

export type ScopeVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: Extract<ApiErrorCode, "classroom-read-only" | "not-lab-owner" | "outside-classroom">; readonly message: string };

const ALLOWED: ScopeVerdict = { allowed: true };
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
const LAB_ROUTE = "/api/labs/:lab";
const CLASSROOM_ROUTE = "/api/classroom/:code";
/** A POST under a lab that changes nothing of it: the protocol comparison runs on labs of its own. */
const READ_LIKE_POSTS: ReadonlySet<string> = new Set([`${LAB_ROUTE}/compare`]);
/** Routes under a lab that make a new lab; a classroom credential makes labs only by forking. */
const MAKES_A_LAB: ReadonlySet<string> = new Set([`${LAB_ROUTE}/branch`]);

/**
 * True for the two routes a join code alone opens: a session's view (to find its lab) and the
 * join (which hands out the student token). The session answers `unknown-classroom` to a wrong code.
 */
export function opensWithCode(target: ScopeTarget): boolean {
  return (SAFE_METHODS.has(target.method) && target.route === CLASSROOM_ROUTE) || (target.method === "POST" && target.route === `${CLASSROOM_ROUTE}/join`);
}

/**
 * Whether classroom credentials (no operator secret) allow the request. `ownerOf` names a lab's
 * owner; a student owns the forks it made (`StudentCredential.ownerId`).
 */
export function decideScope(target: ScopeTarget, credentials: readonly ClassroomCredential[], ownerOf: (labId: string) => string): ScopeVerdict {
  const { method, route } = target;
  if (opensWithCode(target)) return ALLOWED;
  if (route === undefined) return outside(target);
  if (route === CLASSROOM_ROUTE || route.startsWith(`${CLASSROOM_ROUTE}/`)) {
    // A token whose session ended speaks for its forks only, even if a new session got its code.
    const inSession = credentials.filter((c) => c.kind !== "fork-owner" && c.code === target.code);
    // A fork is a new lab: only a student's credential makes one (it becomes the fork's owner).
    if (route === `${CLASSROOM_ROUTE}/fork`) return inSession.some((c) => c.kind === "student") ? ALLOWED : outside(target);
    return inSession.length > 0 ? ALLOWED : outside(target);
  }
  if (route.startsWith("/api/lessons") && SAFE_METHODS.has(method)) return ALLOWED;
  if (isLabRoute(route) && target.labId !== null) return decideLab(target, target.labId, credentials, ownerOf);
  return outside(target);
}

/**
 * The rule a classroom adds on a loopback server, where every request is the operator: a request
 * that speaks for a student (its token during the session, or after it while it owns forks) is
 * that student where students' labs are concerned, so it reaches its own forks and no other
 * student's (403 `not-lab-owner`). A request with no student token is the machine's user, as
 * ever; the session's lab is guarded by its own rule (`classroom-read-only`).
 */
export function decideStudentForks(target: ScopeTarget, credentials: readonly ClassroomCredential[], ownerOf: (labId: string) => string): ScopeVerdict {
  if (target.labId === null || !isLabRoute(target.route)) return ALLOWED;
  const students = credentials.filter(isStudentSide);
  if (students.length === 0) return ALLOWED;
  const owner = ownerOf(target.labId);
  if (!isStudentOwner(owner) || students.some((c) => c.ownerId === owner)) return ALLOWED;
  return notLabOwner(target.labId, "it is another student's fork, and a classroom join reaches only the forks its student made");
}

function isLabRoute(route: string | undefined): route is string {
  return route !== undefined && (route === LAB_ROUTE || route.startsWith(`${LAB_ROUTE}/`));
}

function decideLab(target: ScopeTarget, labId: string, credentials: readonly ClassroomCredential[], ownerOf: (labId: string) => string): ScopeVerdict {
  const route = target.route ?? "";
  const owner = ownerOf(labId);
  // A student's own fork (or a branch of it) is all theirs, branching included: the branch is theirs too.
  if (credentials.some((c) => isStudentSide(c) && c.ownerId === owner)) return ALLOWED;
  if (MAKES_A_LAB.has(route)) {
    // The session's lab is forked through the session (`/api/classroom/:code/fork`), not branched.
    const inItsSession = credentials.some((c) => c.kind !== "fork-owner" && c.labId === labId);
    return inItsSession ? outside(target) : notLabOwner(labId, NOT_YOURS);
  }
  const reads = SAFE_METHODS.has(target.method) || READ_LIKE_POSTS.has(route);
  let readOnlyIn: string | null = null;
  for (const credential of credentials) {
    switch (credential.kind) {
      case "instructor":
        if (credential.labId === labId) return ALLOWED;
        break;
      case "student":
        if (credential.labId === labId) {
          if (reads) return ALLOWED;
          readOnlyIn = credential.code;
        }
        break;
      case "fork-owner":
        // Its forks were allowed above; its session's lab is no longer open to it.
        break;
    }
  }
  if (readOnlyIn !== null) {
    return {
      allowed: false,
      code: "classroom-read-only",
      message: `lab ${labId} is in classroom session ${readOnlyIn}: only its instructor may change it; fork it to try things on a branch of your own`,
    };
  }
  return notLabOwner(labId, NOT_YOURS);
}

const NOT_YOURS = "a classroom join reaches its session's lab (to read and fork) and the forks you made, nothing else";

function notLabOwner(labId: string, why: string): ScopeVerdict {
  return { allowed: false, code: "not-lab-owner", message: `lab ${labId} is not yours: ${why}` };
}

function outside(target: ScopeTarget): ScopeVerdict {
  return {
    allowed: false,
    code: "outside-classroom",
    message: `${target.method} ${target.route ?? "this address"} needs the server's secret: a classroom join reads its session's lab, forks it and changes the forks it made, nothing more`,
  };
}
