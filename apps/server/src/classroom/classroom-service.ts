/**
 * Classroom sessions: an instructor starts one on a lab and gets a short join code; students join
 * with the code and follow the lab live. While a session runs, only requests carrying its
 * instructor token may change the lab (REST, stream operations), and the lab's RESP ports take
 * clients from loopback only; everyone else may read it and fork it into a branch of their own.
 *
 * Each join hands the student a token of its own (a cookie, or the `x-classroom-token` header for
 * scripts): on a server exposed beyond loopback it is the student's whole credential (read the
 * session's lab, fork it, act on its own forks: `security/scope.ts`), and it makes the student the
 * owner of its forks. Tokens are kept as SHA-256 digests only.
 *
 * A student's forks outlive the session: when it ends, every student who owns a fork keeps its
 * token as a fork key, which reaches the labs the student owns (its forks and branches of them)
 * and nothing else, until `FORK_KEY_TTL_MS` after the end or until its last fork is deleted. The
 * other students' tokens end with the session.
 *
 * Sessions live in memory; with a store, each lab's stored metadata carries its session
 * (`recordOf`: the code, the token digests), and `adopt` brings it back with the lab after a
 * restart, so a class goes on where it was (the forks' owners are the labs' own metadata). Each
 * fork's metadata carries its student's key (`studentKeyOf`, taken back by `adoptStudentKey`), so
 * the key lives exactly as long as some fork of the student is kept.
 */
import { randomBytes, randomInt, timingSafeEqual, createHash } from "node:crypto";
import { isIP } from "node:net";
import type { ClassroomGather, ClassroomJoined, ClassroomPointer, ClassroomRole, ClassroomStarted, ClassroomView, FollowerMode } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { LabRegistry } from "../labs/lab-registry.ts";
import { isLoopbackAddress } from "../security/addresses.ts";
import { studentIdOf, studentOwnerId, type ClassroomCredential, type CredentialSource, type ShownTokens, type StudentCredential } from "../security/credentials.ts";

/** Join codes use letters and digits nobody misreads on a projector (no 0/O, 1/I/L). */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 6;
/** A follower not heard from for this long no longer counts (its page polls every second or so). */
export const FOLLOWER_STALE_MS = 5_000;
/** Students one session hands tokens to (and so followers it counts), so a script cannot grow the maps without end. */
export const MAX_STUDENTS = 500;
/** Sessions the server holds at once. */
const MAX_SESSIONS = 200;
/**
 * How long after its session ends a student's token still reaches the forks it made: a week, for
 * the homework after a class, and then the forks are the operator's to keep or delete.
 */
export const FORK_KEY_TTL_MS = 7 * 24 * 3_600_000;
/**
 * Codes of ended sessions remembered (at most this many, for this long), so the pages still
 * polling an ended class are not taken for someone guessing codes.
 */
const MAX_ENDED_CODES = 1_000;
const ENDED_CODE_MEMORY_MS = 3_600_000;
/** How long a student's browser keeps its token: the class itself, then the fork key's week. */
export const STUDENT_COOKIE_MAX_AGE_S = 30 * 24 * 3_600;

interface Follower {
  mode: FollowerMode;
  seenAtMs: number;
}

interface Session {
  readonly code: string;
  readonly labId: string;
  readonly tokenDigest: Buffer;
  /** Every student who joined: id (the follower id) to the digest of its token. */
  readonly students: Map<string, Buffer>;
  /** Students whose page polled lately: id to what it does. */
  readonly followers: Map<string, Follower>;
  selectedNodeId: string | null;
  pointer: ClassroomPointer | null;
  gather: ClassroomGather;
}

/** A session as the store keeps it (no presence, no pointer: they are a moment's). */
export interface ClassroomRecord {
  readonly code: string;
  readonly labId: string;
  /** Hex SHA-256 of the instructor token. */
  readonly instructorDigest: string;
  /** Student id to the hex SHA-256 of its token. */
  readonly students: Readonly<Record<string, string>>;
}

/**
 * A student's token as a fork key, as each of its forks' stored metadata keeps it. `expiresAtMs`
 * is null while the session runs (the session's own record then holds the token), else the wall
 * time (epoch ms) after which the token reaches nothing.
 */
export interface StudentKeyRecord {
  readonly code: string;
  readonly studentId: string;
  /** Hex SHA-256 of the student's token. */
  readonly tokenDigest: string;
  readonly expiresAtMs: number | null;
}

/**
 * The session that ended last on a lab, kept in the lab's stored metadata for as long as its code
 * is remembered, so that after a restart the pages still polling it are not taken for guessing.
 */
export interface EndedClassroomRecord {
  readonly code: string;
  /** Wall time (epoch ms) the session ended. */
  readonly endedAtMs: number;
}

/** A fork key held after its session ended: the token's student, and when the key stops working. */
interface ForkKey {
  readonly code: string;
  readonly studentId: string;
  readonly expiresAtMs: number;
}

/** Where a token's digest leads. */
type TokenEntry = { readonly kind: "instructor"; readonly session: Session } | { readonly kind: "student"; readonly session: Session; readonly studentId: string };

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export class ClassroomService implements CredentialSource {
  private readonly byCode = new Map<string, Session>();
  private readonly byLab = new Map<string, Session>();
  /**
   * Every live token's digest (hex) to what it is. Looking a digest up in a map leaks nothing a
   * guesser can use: it controls the token, not its SHA-256.
   */
  private readonly byDigest = new Map<string, TokenEntry>();
  /** Tokens of ended sessions' students who own forks: digest (hex) to the key. */
  private readonly forkKeys = new Map<string, ForkKey>();
  /** Every student whose token works (in a session, or as a fork key): id to the token's digest (hex). */
  private readonly digestOfStudent = new Map<string, string>();
  /** Codes of sessions ended lately, oldest first: code to the wall ms it ended. */
  private readonly endedCodes = new Map<string, number>();
  /** The code of the session that ended last on each lab (its time is the code's in `endedCodes`). */
  private readonly endedOnLab = new Map<string, string>();
  private readonly stopWatching: (() => void)[];

  constructor(
    private readonly registry: LabRegistry,
    private readonly now: () => number = Date.now,
    /** Whether an owner id (a student's) owns any lab: a student with forks is never forgotten. */
    private readonly ownsALab: (ownerId: string) => boolean = () => false,
  ) {
    // A lab deleted for good ends its session, but a lesson's "back" deletes the lab and hosts
    // its rebuild under the same id a moment later: the session waits for that (and the new
    // runtime's ports get the same admission). Sessions whose lab never came back are dropped
    // when the next session starts or their code is asked for.
    this.stopWatching = [
      registry.onCreated((runtime) => {
        if (this.byLab.has(runtime.id)) runtime.gateway.admit = loopbackOnly(this.byLab.get(runtime.id)!.code);
      }),
    ];
  }

  /** Starts a session on a lab, or hands its instructor the running one again. */
  start(labId: string, shown: ShownTokens): ClassroomStarted {
    const runtime = this.registry.get(labId);
    const running = this.byLab.get(labId);
    if (running) {
      // Only the instructor may ask again; anyone else would take the lab over.
      this.requireInstructor(running, shown);
      throw new ApiFailure("bad-argument", `the lab already has a classroom session (code ${running.code}); end it first to start another`);
    }
    this.forgetLabless();
    if (this.byCode.size >= MAX_SESSIONS) throw new ApiFailure("too-many-labs", `the server holds ${MAX_SESSIONS} classroom sessions already`);
    // A code still naming fork keys' cookies is not given again: a join under it would overwrite
    // the cookie that holds a student's key.
    const keyCodes = new Set([...this.forkKeys.values()].map((key) => key.code));
    let code = newCode();
    while (this.byCode.has(code) || keyCodes.has(code)) code = newCode();
    const instructorToken = newToken();
    this.host({ code, labId, instructorDigest: digest(instructorToken).toString("hex"), students: {} });
    runtime.gateway.admit = loopbackOnly(code);
    return { code, labId, instructorToken, joinPath: `/?class=${code}` };
  }

  /**
   * A follower of the session. A request that already shows a student token of this session (a
   * reloaded page, a second tab) joins as that student again, so it keeps its forks.
   */
  join(code: string, shown: ShownTokens): ClassroomJoined {
    const session = this.session(code);
    const known = this.resolve(shown).find((c): c is StudentCredential => c.kind === "student" && c.code === session.code);
    const now = this.now();
    if (known) {
      session.followers.set(known.studentId, { mode: "following", seenAtMs: now });
      return { code: session.code, labId: session.labId, followerId: known.studentId, studentToken: null };
    }
    if (session.students.size >= MAX_STUDENTS && !this.forgetIdleStudent(session)) throw new ApiFailure("bad-argument", `the session has ${MAX_STUDENTS} students, all following or with forks of their own`);
    const studentId = randomBytes(12).toString("base64url");
    const token = newToken();
    this.addStudent(session, studentId, digest(token).toString("hex"));
    session.followers.set(studentId, { mode: "following", seenAtMs: now });
    return { code: session.code, labId: session.labId, followerId: studentId, studentToken: token };
  }

  /**
   * The classroom credentials among the tokens shown (`CredentialSource`): unknown tokens, and a
   * cookie under another session's code, are none.
   */
  resolve(shown: ShownTokens): ClassroomCredential[] {
    const credentials: ClassroomCredential[] = [];
    const add = (token: string, kind: TokenEntry["kind"] | null, code: string | null): void => {
      const tokenDigest = digest(token).toString("hex");
      const entry = this.byDigest.get(tokenDigest);
      if (!entry) {
        const key = kind === "instructor" ? null : this.liveForkKey(tokenDigest);
        if (key !== null && (code === null || key.code === code)) credentials.push({ kind: "fork-owner", code: key.code, studentId: key.studentId, ownerId: studentOwnerId(key.studentId) });
        return;
      }
      if ((kind !== null && entry.kind !== kind) || (code !== null && entry.session.code !== code)) return;
      const { labId } = entry.session;
      credentials.push(
        entry.kind === "instructor"
          ? { kind: "instructor", code: entry.session.code, labId }
          : { kind: "student", code: entry.session.code, labId, studentId: entry.studentId, ownerId: studentOwnerId(entry.studentId) },
      );
    };
    if (shown.header !== null) add(shown.header, null, null);
    for (const [code, token] of shown.instructorCookies) add(token, "instructor", code);
    for (const [code, token] of shown.studentCookies) add(token, "student", code);
    return credentials;
  }

  /**
   * The key of the student who owns a lab, as the lab's stored metadata keeps it (null: the owner
   * is no student, or its token reaches nothing any more).
   */
  studentKeyOf(ownerId: string): StudentKeyRecord | null {
    const studentId = studentIdOf(ownerId);
    const tokenDigest = studentId === null ? undefined : this.digestOfStudent.get(studentId);
    if (studentId === null || tokenDigest === undefined) return null;
    const entry = this.byDigest.get(tokenDigest);
    if (entry?.kind === "student") return { code: entry.session.code, studentId, tokenDigest, expiresAtMs: null };
    const key = this.forkKeys.get(tokenDigest);
    return key === undefined ? null : { code: key.code, studentId, tokenDigest, expiresAtMs: key.expiresAtMs };
  }

  /**
   * A fork's student key read back from the store after a restart. A key whose session is hosted
   * again needs nothing (the session holds the token); one whose session is gone without a word
   * (the class's lab deleted, or a crash before the end was written) counts as ended now; an
   * expired one is dropped.
   */
  adoptStudentKey(record: StudentKeyRecord): void {
    if (this.byDigest.has(record.tokenDigest) || this.forkKeys.has(record.tokenDigest)) return;
    const expiresAtMs = record.expiresAtMs ?? this.now() + FORK_KEY_TTL_MS;
    if (expiresAtMs <= this.now()) return;
    this.forkKeys.set(record.tokenDigest, { code: record.code, studentId: record.studentId, expiresAtMs });
    this.digestOfStudent.set(record.studentId, record.tokenDigest);
  }

  /** The session that ended last on a lab, while its code is remembered, as the store keeps it; or null. */
  endedOf(labId: string): EndedClassroomRecord | null {
    const code = this.endedOnLab.get(labId);
    if (code === undefined) return null;
    const endedAtMs = this.endedCodes.get(code);
    if (endedAtMs === undefined || this.now() - endedAtMs >= ENDED_CODE_MEMORY_MS || this.byCode.has(code)) {
      this.endedOnLab.delete(labId);
      return null;
    }
    return { code, endedAtMs };
  }

  /** A lab's ended session read back from the store after a restart: its code is remembered as ended again. */
  adoptEnded(labId: string, record: EndedClassroomRecord): void {
    if (typeof record.code !== "string" || !Number.isFinite(record.endedAtMs)) return;
    const code = record.code.toUpperCase();
    if (this.byCode.has(code) || this.now() - record.endedAtMs >= ENDED_CODE_MEMORY_MS) return;
    this.rememberEnded(code, labId, record.endedAtMs);
  }

  /** The session running on a lab as the store keeps it, or null. */
  recordOf(labId: string): ClassroomRecord | null {
    const session = this.byLab.get(labId);
    if (!session) return null;
    return {
      code: session.code,
      labId: session.labId,
      instructorDigest: session.tokenDigest.toString("hex"),
      students: Object.fromEntries([...session.students].map(([id, token]) => [id, token.toString("hex")])),
    };
  }

  /**
   * A session read back from the store with its lab after a restart: its code and tokens work as
   * before (presence, selection and pointer start empty). False if the lab is not hosted or the
   * code or the lab has a session already.
   */
  adopt(record: ClassroomRecord): boolean {
    if (this.byCode.has(record.code) || this.byLab.has(record.labId) || !this.registry.has(record.labId)) return false;
    this.host(record);
    this.registry.get(record.labId).gateway.admit = loopbackOnly(record.code);
    return true;
  }

  /** The session as the asker sees it; a follower's poll also says it is still there and what it does. */
  view(code: string, shown: ShownTokens, presence?: { readonly followerId: string; readonly mode: FollowerMode }): ClassroomView {
    const session = this.session(code);
    const now = this.now();
    let role: ClassroomRole = this.isInstructor(session, shown) ? "instructor" : "visitor";
    // A student's poll says it is there (again, after a sleep past the staleness window).
    if (role === "visitor" && presence !== undefined && session.students.has(presence.followerId)) {
      session.followers.set(presence.followerId, { mode: presence.mode, seenAtMs: now });
      role = "follower";
    }
    this.forgetStale(session);
    let following = 0;
    let forked = 0;
    for (const follower of session.followers.values()) {
      if (follower.mode === "following") following++;
      else forked++;
    }
    return { code: session.code, labId: session.labId, role, followers: { following, forked }, selectedNodeId: session.selectedNodeId, pointer: session.pointer, gather: session.gather };
  }

  /** The instructor's selection, which followers' pages mirror. */
  select(code: string, shown: ShownTokens, nodeId: string | null): void {
    const session = this.session(code);
    this.requireInstructor(session, shown);
    session.selectedNodeId = nodeId;
  }

  /** The instructor's pointer on the canvas (null: off it), which followers' pages draw. */
  point(code: string, shown: ShownTokens, at: ClassroomPointer | null): void {
    const session = this.session(code);
    this.requireInstructor(session, shown);
    session.pointer = at === null ? null : { x: at.x, y: at.y };
  }

  /** Brings every follower back to following, at a moment of the lab (null: live). */
  gatherAt(code: string, shown: ShownTokens, atMs: number | null): ClassroomGather {
    const session = this.session(code);
    this.requireInstructor(session, shown);
    session.gather = { seq: session.gather.seq + 1, atMs };
    return session.gather;
  }

  /** Ends the session: the lab is the instructor's alone again, its ports open as before. */
  end(code: string, shown: ShownTokens): void {
    const session = this.session(code);
    this.requireInstructor(session, shown);
    this.drop(session);
  }

  /**
   * True if the code is, or was lately, a session's: a wrong answer for it (the class ended, or its
   * lab is being rebuilt by a lesson's "back") is no sign of guessing, so it is not counted.
   */
  knowsCode(code: string): boolean {
    const upper = code.toUpperCase();
    if (this.byCode.has(upper)) return true;
    const endedAtMs = this.endedCodes.get(upper);
    return endedAtMs !== undefined && this.now() - endedAtMs < ENDED_CODE_MEMORY_MS;
  }

  /** The code of the session running on a lab, if any. */
  codeOf(labId: string): string | null {
    return this.byLab.get(labId)?.code ?? null;
  }

  /**
   * Throws `classroom-read-only` if the lab is in a session and `shown` does not hold its
   * instructor token; a lab without a session is left to the other checks.
   */
  authorize(labId: string, shown: ShownTokens): void {
    const session = this.byLab.get(labId);
    if (session) this.requireInstructor(session, shown);
  }

  close(): void {
    for (const stop of this.stopWatching) stop();
    for (const session of [...this.byCode.values()]) this.drop(session);
  }

  private session(code: string): Session {
    const session = this.byCode.get(code.toUpperCase());
    if (session && !this.registry.has(session.labId)) {
      // Deleted, or between a lesson's "back" and its rebuild: unknown until it is back.
      throw new ApiFailure("unknown-classroom", `the lab of classroom session ${session.code} is gone`);
    }
    if (!session) throw new ApiFailure("unknown-classroom", `no classroom session has the code ${JSON.stringify(code)}`);
    return session;
  }

  private isInstructor(session: Session, shown: ShownTokens): boolean {
    const candidates = [shown.header, shown.instructorCookies.get(session.code) ?? null];
    return candidates.some((token) => token !== null && timingSafeEqual(digest(token), session.tokenDigest));
  }

  /** Holds a session (new, or read back from the store) and indexes its tokens. */
  private host(record: ClassroomRecord): void {
    const session: Session = {
      code: record.code,
      labId: record.labId,
      tokenDigest: Buffer.from(record.instructorDigest, "hex"),
      students: new Map(),
      followers: new Map(),
      selectedNodeId: null,
      pointer: null,
      gather: { seq: 0, atMs: null },
    };
    this.byCode.set(session.code, session);
    this.byLab.set(session.labId, session);
    this.byDigest.set(record.instructorDigest, { kind: "instructor", session });
    for (const [studentId, tokenDigest] of Object.entries(record.students)) this.addStudent(session, studentId, tokenDigest);
  }

  private addStudent(session: Session, studentId: string, tokenDigest: string): void {
    session.students.set(studentId, Buffer.from(tokenDigest, "hex"));
    this.byDigest.set(tokenDigest, { kind: "student", session, studentId });
    this.digestOfStudent.set(studentId, tokenDigest);
    // A session read back after a fork's key (restored first, or counted as ended): it holds the token again.
    this.forkKeys.delete(tokenDigest);
  }

  /** The fork key a token digest is, while it has not expired and its student still owns a lab. */
  private liveForkKey(tokenDigest: string): ForkKey | null {
    const key = this.forkKeys.get(tokenDigest);
    if (key === undefined) return null;
    if (key.expiresAtMs > this.now() && this.ownsALab(studentOwnerId(key.studentId))) return key;
    this.forkKeys.delete(tokenDigest);
    this.digestOfStudent.delete(key.studentId);
    return null;
  }

  /** Forgets the fork keys that reach nothing any more (expired, or their student's forks all deleted). */
  private forgetDeadForkKeys(): void {
    for (const tokenDigest of [...this.forkKeys.keys()]) this.liveForkKey(tokenDigest);
  }

  private requireInstructor(session: Session, shown: ShownTokens): void {
    if (this.isInstructor(session, shown)) return;
    throw new ApiFailure(
      "classroom-read-only",
      `lab ${session.labId} is in classroom session ${session.code}: only its instructor may change it; fork it to try things on a branch of your own`,
    );
  }

  /**
   * Makes room in a full session by forgetting the longest-joined student who neither follows now
   * nor owns a fork: its token then stops working, and joining again makes it a new student, which
   * costs it nothing (its identity only ever mattered for forks). So joins from someone who has
   * the code cannot use up a class's places. False if every student follows or has forks.
   */
  private forgetIdleStudent(session: Session): boolean {
    this.forgetStale(session);
    for (const [studentId, tokenDigest] of session.students) {
      if (session.followers.has(studentId) || this.ownsALab(studentOwnerId(studentId))) continue;
      session.students.delete(studentId);
      this.byDigest.delete(tokenDigest.toString("hex"));
      this.digestOfStudent.delete(studentId);
      return true;
    }
    return false;
  }

  private rememberEnded(code: string, labId: string, endedAtMs: number): void {
    this.endedCodes.delete(code);
    this.endedCodes.set(code, endedAtMs);
    this.endedOnLab.set(labId, code);
    if (this.endedCodes.size <= MAX_ENDED_CODES) return;
    const oldest = this.endedCodes.keys().next().value!;
    this.endedCodes.delete(oldest);
    for (const [lab, labCode] of this.endedOnLab) if (labCode === oldest) this.endedOnLab.delete(lab);
  }

  private forgetStale(session: Session): void {
    const now = this.now();
    for (const [id, follower] of session.followers) if (now - follower.seenAtMs > FOLLOWER_STALE_MS) session.followers.delete(id);
  }

  private forgetLabless(): void {
    const gone = [...this.byCode.values()].filter((session) => !this.registry.has(session.labId));
    for (const session of gone) this.drop(session);
  }

  private drop(session: Session): void {
    this.byCode.delete(session.code);
    this.rememberEnded(session.code, session.labId, this.now());
    this.byLab.delete(session.labId);
    this.byDigest.delete(session.tokenDigest.toString("hex"));
    this.forgetDeadForkKeys();
    // A student with forks keeps its token for them (a fork key); the others' tokens end here.
    const expiresAtMs = this.now() + FORK_KEY_TTL_MS;
    for (const [studentId, token] of session.students) {
      const tokenDigest = token.toString("hex");
      this.byDigest.delete(tokenDigest);
      if (this.ownsALab(studentOwnerId(studentId))) this.forkKeys.set(tokenDigest, { code: session.code, studentId, expiresAtMs });
      else this.digestOfStudent.delete(studentId);
    }
    if (this.registry.has(session.labId)) this.registry.get(session.labId).gateway.admit = null;
  }
}

/** A token: 144 random bits, URL-safe. */
const newToken = (): string => randomBytes(18).toString("base64url");

function newCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * The RESP ports of a lab in a session take clients from loopback only: the instructor's
 * redis-cli on the server's machine works, a student's from another machine is refused (a RESP
 * port has no token to show).
 */
function loopbackOnly(code: string): (remoteAddress: string | undefined) => string | null {
  return (remoteAddress) =>
    remoteAddress !== undefined && isIP(remoteAddress) !== 0 && isLoopbackAddress(remoteAddress)
      ? null
      : `this lab is in classroom session ${code}: its ports take clients on the instructor's machine only`;
}
