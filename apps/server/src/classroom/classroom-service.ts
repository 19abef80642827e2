/**
 * Classroom sessions: an instructor starts one on a lab and gets a short join code; students join
 * with the code and follow the lab live. While a session runs, only requests carrying its
 * instructor token may change the lab (REST, stream operations), and the lab's RESP ports take
 * clients from loopback only; everyone else may read it and fork it into a branch of their own.
 *
 * Sessions live in memory: a server restart ends them (the labs themselves are persisted).
 */
import { randomBytes, randomInt, timingSafeEqual, createHash } from "node:crypto";
import { isIP } from "node:net";
import type { ClassroomGather, ClassroomJoined, ClassroomPointer, ClassroomRole, ClassroomStarted, ClassroomView, FollowerMode } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { LabRegistry } from "../labs/lab-registry.ts";
import { isLoopbackAddress } from "../security/addresses.ts";

/** Join codes use letters and digits nobody misreads on a projector (no 0/O, 1/I/L). */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 6;
/** A follower not heard from for this long no longer counts (its page polls every second or so). */
export const FOLLOWER_STALE_MS = 5_000;
/** Followers one session keeps track of, so a script cannot grow the map without end. */
const MAX_FOLLOWERS = 500;
/** Sessions the server holds at once. */
const MAX_SESSIONS = 200;
/** The cookie a browser keeps a session's instructor token in, one per code. */
export const INSTRUCTOR_COOKIE_PREFIX = "replica_lab_class_";
/** The header scripts send the instructor token in. */
export const INSTRUCTOR_HEADER = "x-classroom-token";

interface Follower {
  mode: FollowerMode;
  seenAtMs: number;
}

interface Session {
  readonly code: string;
  readonly labId: string;
  readonly tokenDigest: Buffer;
  readonly followers: Map<string, Follower>;
  selectedNodeId: string | null;
  pointer: ClassroomPointer | null;
  gather: ClassroomGather;
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** The tokens a request shows: the header and every classroom cookie. */
export interface ShownTokens {
  readonly header: string | null;
  readonly cookies: ReadonlyMap<string, string>;
}

export class ClassroomService {
  private readonly byCode = new Map<string, Session>();
  private readonly byLab = new Map<string, Session>();
  private readonly stopWatching: (() => void)[];

  constructor(
    private readonly registry: LabRegistry,
    private readonly now: () => number = Date.now,
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
    let code = newCode();
    while (this.byCode.has(code)) code = newCode();
    const instructorToken = randomBytes(18).toString("base64url");
    const session: Session = { code, labId, tokenDigest: digest(instructorToken), followers: new Map(), selectedNodeId: null, pointer: null, gather: { seq: 0, atMs: null } };
    this.byCode.set(code, session);
    this.byLab.set(labId, session);
    runtime.gateway.admit = loopbackOnly(code);
    return { code, labId, instructorToken, joinPath: `/?class=${code}` };
  }

  /** A new follower of the session. */
  join(code: string): ClassroomJoined {
    const session = this.session(code);
    this.forgetStale(session);
    if (session.followers.size >= MAX_FOLLOWERS) throw new ApiFailure("bad-argument", `the session has ${MAX_FOLLOWERS} followers already`);
    const followerId = randomBytes(12).toString("base64url");
    session.followers.set(followerId, { mode: "following", seenAtMs: this.now() });
    return { code: session.code, labId: session.labId, followerId };
  }

  /** The session as the asker sees it; a follower's poll also says it is still there and what it does. */
  view(code: string, shown: ShownTokens, presence?: { readonly followerId: string; readonly mode: FollowerMode }): ClassroomView {
    const session = this.session(code);
    const now = this.now();
    let role: ClassroomRole = this.isInstructor(session, shown) ? "instructor" : "visitor";
    if (role === "visitor" && presence !== undefined) {
      const follower = session.followers.get(presence.followerId);
      if (follower) {
        follower.mode = presence.mode;
        follower.seenAtMs = now;
        role = "follower";
      }
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
    const candidates = [shown.header, shown.cookies.get(session.code) ?? null];
    return candidates.some((token) => token !== null && timingSafeEqual(digest(token), session.tokenDigest));
  }

  private requireInstructor(session: Session, shown: ShownTokens): void {
    if (this.isInstructor(session, shown)) return;
    throw new ApiFailure(
      "classroom-read-only",
      `lab ${session.labId} is in classroom session ${session.code}: only its instructor may change it; fork it to try things on a branch of your own`,
    );
  }

  private forgetStale(session: Session): void {
    const now = this.now();
    for (const [id, follower] of session.followers) if (now - follower.seenAtMs > FOLLOWER_STALE_MS) session.followers.delete(id);
  }

  private forgetLabless(): void {
    for (const session of [...this.byCode.values()]) if (!this.registry.has(session.labId)) this.drop(session);
  }

  private drop(session: Session): void {
    this.byCode.delete(session.code);
    this.byLab.delete(session.labId);
    if (this.registry.has(session.labId)) this.registry.get(session.labId).gateway.admit = null;
  }
}

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
