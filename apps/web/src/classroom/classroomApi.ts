/**
 * The classroom routes of the server (`/api/classroom`): start, join, poll, selection, "bring
 * everyone back", fork and end. The instructor's token travels in the HttpOnly cookie the start
 * answer sets, so nothing here holds it.
 */
import type { ClassroomGather, ClassroomJoined, ClassroomStarted, ClassroomView, FollowerMode, LabView } from "@replica-lab/protocol";
import { sendRest } from "../api/rest.ts";

const base = (code: string): string => `/api/classroom/${encodeURIComponent(code)}`;

/** Starts a session on the lab; the answer's cookie makes this browser its instructor. */
export function startClassroom(labId: string): Promise<ClassroomStarted> {
  return sendRest({ method: "POST", path: "/api/classroom", body: { lab: labId } }) as Promise<ClassroomStarted>;
}

/** Joins as a follower. */
export function joinClassroom(code: string): Promise<ClassroomJoined> {
  return sendRest({ method: "POST", path: `${base(code)}/join`, body: {} }) as Promise<ClassroomJoined>;
}

/** The session as this page sees it; a follower's poll also tells the instructor it is there. */
export function pollClassroom(code: string, follower: { readonly id: string; readonly mode: FollowerMode } | null): Promise<ClassroomView> {
  const query = follower === null ? "" : `?follower=${encodeURIComponent(follower.id)}&mode=${follower.mode}`;
  return sendRest({ method: "GET", path: `${base(code)}${query}` }) as Promise<ClassroomView>;
}

/** The instructor's selection, mirrored on followers' pages. */
export async function shareSelection(code: string, nodeId: string | null): Promise<void> {
  await sendRest({ method: "PUT", path: `${base(code)}/selection`, body: { nodeId } });
}

/** Brings every follower back to the instructor's lab, at a moment (null: live). */
export function gatherClassroom(code: string, atMs: number | null): Promise<ClassroomGather> {
  return sendRest({ method: "POST", path: `${base(code)}/gather`, body: { atMs } }) as Promise<ClassroomGather>;
}

/** A running branch of the instructor's lab at its current moment, owned by this page's user. */
export function forkClassroom(code: string): Promise<LabView> {
  return sendRest({ method: "POST", path: `${base(code)}/fork`, body: {} }) as Promise<LabView>;
}

/** Ends the session. */
export async function endClassroom(code: string): Promise<void> {
  await sendRest({ method: "DELETE", path: base(code) });
}

/** The instructor's pointer on the canvas (canvas coordinates), or null when it left the canvas. */
export async function sharePointer(code: string, at: { readonly x: number; readonly y: number } | null): Promise<void> {
  await sendRest({ method: "PUT", path: `${base(code)}/pointer`, body: { at } });
}
