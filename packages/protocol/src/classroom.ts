/**
 * The classroom: an instructor's session on one lab, which students join with a short code to
 * follow it live (read-only) and fork from. REST bodies of `/api/classroom` (the server README's
 * "Classroom" section).
 */

/** Who is asking about a session: its instructor, one of its followers, or someone who has not joined. */
export type ClassroomRole = "instructor" | "follower" | "visitor";

/** What a follower is doing, as its page reports it with each poll. */
export type FollowerMode = "following" | "forked";

/** `POST /api/classroom { lab }`: the session, with the token that lets its instructor act. */
export interface ClassroomStarted {
  readonly code: string;
  readonly labId: string;
  /**
   * The instructor's token: sent back as the `x-classroom-token` header, or kept by a browser in the
   * HttpOnly cookie the same answer sets. Never shown to followers.
   */
  readonly instructorToken: string;
  /** The page's address students open (`/?class=CODE`). */
  readonly joinPath: string;
}

/** `POST /api/classroom/:code/join`: a follower's id, sent with each poll so the instructor can count. */
export interface ClassroomJoined {
  readonly code: string;
  readonly labId: string;
  readonly followerId: string;
  /**
   * The student's own token, made by this join: a browser keeps it in the HttpOnly cookie the same
   * answer sets, a script sends it as the `x-classroom-token` header. It reads the session's lab on
   * a server exposed beyond loopback, and owns the forks made with it. Null when the request
   * already showed this session's student token (it joined again as the same student).
   */
  readonly studentToken: string | null;
}

/** The moment the instructor brought everyone back to; `seq` grows with each call. */
export interface ClassroomGather {
  readonly seq: number;
  /** Virtual ms of the instructor's lab, or null for "live". */
  readonly atMs: number | null;
}

/** A point on the canvas (React Flow's coordinates, the same whatever the viewer's zoom). */
export interface ClassroomPointer {
  readonly x: number;
  readonly y: number;
}

/** `GET /api/classroom/:code`: the session as the asker sees it (polled by every page in it). */
export interface ClassroomView {
  readonly code: string;
  readonly labId: string;
  readonly role: ClassroomRole;
  /** Followers whose page polled within the last few seconds, by what they are doing. */
  readonly followers: { readonly following: number; readonly forked: number };
  /** The node the instructor has selected, which followers' pages select too. */
  readonly selectedNodeId: string | null;
  /** Where the instructor's pointer is on the canvas, in the canvas's own coordinates; null when off it. */
  readonly pointer: ClassroomPointer | null;
  readonly gather: ClassroomGather;
}
