/** The lab a join link opens: `?class=CODE` names the session's lab. */
import { joinClassroom, pollClassroom } from "./classroomApi.ts";
import { classCodeFromUrl, storeFollower } from "./classroomUrl.ts";

/**
 * The session's lab when the URL holds a join code, or null when it holds none. A student joins
 * here, before the lab opens: the join's cookie is the student's credential, without which a
 * server exposed beyond loopback answers the lab's reads 401. Joining again from the same browser
 * is the same student (the cookie says so), so a reload keeps its forks.
 */
export async function labOfJoinLink(href: string): Promise<string | null> {
  const code = classCodeFromUrl(href);
  if (code === null) return null;
  const seen = await pollClassroom(code, null);
  if (seen.role === "instructor") return seen.labId;
  const joined = await joinClassroom(code);
  storeFollower(code, joined.followerId);
  return joined.labId;
}
