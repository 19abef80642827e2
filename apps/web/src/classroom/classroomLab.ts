/** The lab a join link opens: `?class=CODE` without `lab` names the session's lab. */
import { pollClassroom } from "./classroomApi.ts";
import { classCodeFromUrl } from "./classroomUrl.ts";

/** The session's lab when the URL holds a join code, or null when it holds none. */
export async function labOfJoinLink(href: string): Promise<string | null> {
  const code = classCodeFromUrl(href);
  return code === null ? null : (await pollClassroom(code, null)).labId;
}
