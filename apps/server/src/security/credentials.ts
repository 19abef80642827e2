/**
 * What a request may be allowed to do, as the credentials it shows. The operator secret (or being
 * on loopback) is the whole server; a classroom token reaches one session's lab and nothing more:
 * the instructor's drives that lab, a student's reads it and owns the forks made with it.
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

/** A classroom token, as the classroom service resolves it. */
export type ClassroomCredential = InstructorCredential | StudentCredential;

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

/** The owner id of the forks a student makes. */
export const studentOwnerId = (studentId: string): string => `student:${studentId}`;

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

/** The cookie that hands a browser a classroom token (HttpOnly: no script on the page reads it). */
export function tokenCookie(prefix: string, code: string, token: string | null): string {
  return token === null
    ? `${prefix}${code}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
    : `${prefix}${code}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
