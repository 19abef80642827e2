/**
 * What a request may be allowed to do, as the credentials it shows. The operator secret (or being
 * on loopback) is the whole server; a classroom token reaches one session's lab and nothing more:
 * the instructor's drives that lab, a student's reads it and owns the forks made with it. Once the
 * session ends, a student who made forks keeps them: its token becomes a fork owner's, which
 * reaches those forks (and branches of them) and nothing else.
 *
 * The request guard resolves the credentials once per request (`request.credentials`); the scope
 * rules (`scope.ts`) and the classroom routes read them.
 */

/** The operator: the secret's holder on an exposed server, anyone on loopback. */
export interface OperatorCredential {
  readonly kind: "operator";
  /** The owner id of the labs it makes (`local`, or `token:<12 hex>`). */
  readonly ownerId: string;
}

/** A classroom session's instructor token: the session's lab, to read and change. */
export interface InstructorCredential {
  readonly kind: "instructor";
  readonly code: string;
  readonly labId: string;
}

/**
 * A student's token, given by the session's join: the session's lab to read (and follow, and
 * fork), and the forks made with this token, which it owns (`ownerId`).
 */
export interface StudentCredential {
  readonly kind: "student";
  readonly code: string;
  readonly labId: string;
  /** The student's id: the follower id its join answered. */
  readonly studentId: string;
  /** The owner id of the student's forks (`student:<id>`). */
  readonly ownerId: string;
}

/**
 * A student's token after its session ended, while the student still owns forks and the key has
 * not expired (`ClassroomService`): the forks it made, to read and change and branch, nothing else.
 */
export interface ForkOwnerCredential {
  readonly kind: "fork-owner";
  /** The code of the session the token was given in (its cookie's name carries it). */
  readonly code: string;
  readonly studentId: string;
  /** The owner id of the student's forks (`student:<id>`). */
  readonly ownerId: string;
}

/** A classroom token, as the classroom service resolves it. */
export type ClassroomCredential = InstructorCredential | StudentCredential | ForkOwnerCredential;

/** The credentials that speak for a student: its session's token, or the same token after the session. */
export type StudentSide = StudentCredential | ForkOwnerCredential;

export type Credential = OperatorCredential | ClassroomCredential;

/** The classroom tokens a request shows, where the request guard finds them. */
export interface ShownTokens {
  /** `x-classroom-token`: an instructor's or a student's token (scripts). */
  readonly header: string | null;
  /** Instructor tokens from the cookies, by join code (a browser keeps one per session). */
  readonly instructorCookies: ReadonlyMap<string, string>;
  /** Student tokens from the cookies, by join code. */
  readonly studentCookies: ReadonlyMap<string, string>;
}

/** Turns shown tokens into credentials (the classroom service); unknown tokens are no credential. */
export interface CredentialSource {
  resolve(shown: ShownTokens): readonly ClassroomCredential[];
}

const STUDENT_OWNER_PREFIX = "student:";

/** The owner id of the forks a student makes. */
export const studentOwnerId = (studentId: string): string => `${STUDENT_OWNER_PREFIX}${studentId}`;

/** True for an owner id that is a student's (its forks, and branches of them). */
export const isStudentOwner = (ownerId: string): boolean => ownerId.startsWith(STUDENT_OWNER_PREFIX);

/** The student id of a student's owner id, or null for any other owner. */
export const studentIdOf = (ownerId: string): string | null => (isStudentOwner(ownerId) ? ownerId.slice(STUDENT_OWNER_PREFIX.length) : null);

/** True for a credential that speaks for a student. */
export const isStudentSide = (credential: Credential): credential is StudentSide => credential.kind === "student" || credential.kind === "fork-owner";

/**
 * Who owns a lab a request makes from another one (a fork, a branch): the student the request
 * speaks for when it owns the source (a branch of one's fork is one's own too) or follows the
 * source's session (a fork of the class's lab); else the request's principal (the operator, or
 * anyone on loopback). So a lab a student makes is always the student's, on any server. The
 * source's instructor comes first: a browser that teaches a class and also joined it as a student
 * makes its class lab's branches as the teacher.
 */
export function ownerOfMadeLab(credentials: readonly Credential[], source: { readonly labId: string; readonly ownerId: string }, principal: string): string {
  if (credentials.some((c) => c.kind === "instructor" && c.labId === source.labId)) return principal;
  const student = credentials.filter(isStudentSide).find((c) => c.ownerId === source.ownerId || (c.kind === "student" && c.labId === source.labId));
  return student?.ownerId ?? principal;
}

/** The cookie a browser keeps a session's instructor token in, one per code. */
export const INSTRUCTOR_COOKIE_PREFIX = "replica_lab_class_";
/** The cookie a browser keeps its student token for a session in, one per code. */
export const STUDENT_COOKIE_PREFIX = "replica_lab_student_";
/** The header scripts send a classroom token in (an instructor's or a student's). */
export const CLASSROOM_TOKEN_HEADER = "x-classroom-token";

/** The classroom tokens in a request's headers. */
export function shownTokens(headers: { readonly cookie?: string | undefined; readonly [name: string]: string | string[] | undefined }): ShownTokens {
  const header = headers[CLASSROOM_TOKEN_HEADER];
  const instructorCookies = new Map<string, string>();
  const studentCookies = new Map<string, string>();
  for (const pair of (headers.cookie ?? "").split(";")) {
    const at = pair.indexOf("=");
    const name = at < 0 ? "" : pair.slice(0, at).trim();
    const into = name.startsWith(INSTRUCTOR_COOKIE_PREFIX) ? instructorCookies : name.startsWith(STUDENT_COOKIE_PREFIX) ? studentCookies : null;
    if (into === null) continue;
    const code = name.slice(into === instructorCookies ? INSTRUCTOR_COOKIE_PREFIX.length : STUDENT_COOKIE_PREFIX.length).toUpperCase();
    try {
      into.set(code, decodeURIComponent(pair.slice(at + 1).trim()));
    } catch {
      // A malformed cookie is no token.
    }
  }
  return { header: typeof header === "string" && header !== "" ? header : null, instructorCookies, studentCookies };
}

/**
 * The cookie that hands a browser a classroom token (HttpOnly: no script on the page reads it).
 * `maxAgeS` keeps it past the browser's session (a student's token outlives the class for its
 * forks); without it the cookie goes when the browser closes.
 */
export function tokenCookie(prefix: string, code: string, token: string | null, maxAgeS?: number): string {
  if (token === null) return `${prefix}${code}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  const lasting = maxAgeS === undefined ? "" : `; Max-Age=${Math.floor(maxAgeS)}`;
  return `${prefix}${code}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${lasting}`;
}
