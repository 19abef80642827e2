/**
 * English strings of the classroom bar. Spliced into `i18n/en.ts` as `classroom`, so the keys are
 * typed and checked like every other string.
 */
export const classroomEn = {
  start: "Teach",
  startTitle: "Start a classroom session on this lab: students open the join link and follow it live",
  startFailed: "Could not start the classroom session",
  joining: "Joining class {{code}}…",
  ended: "Class {{code}} has ended.",
  leave: "Leave",
  codeTitle: "The join code: students open the link beside it, or this page's address with ?class= and the code",
  linkLabel: "Join link",
  countTitle: "Students whose page is in the session: following your lab, or on a fork of their own",
  following_one: "{{count}} following",
  following_other: "{{count}} following",
  forked_one: "{{count}} forked",
  forked_other: "{{count}} forked",
  gather: "Bring everyone back",
  gatherTitle: "Every student leaves their fork and follows your lab again, at the moment your screen shows",
  gatherFailed: "Could not bring everyone back",
  end: "End class",
  endTitle: "End the session: the join code stops working and students can no longer follow",
  endFailed: "Could not end the session",
  youFollow: "Following the instructor (read-only)",
  youForked: "On your own fork",
  fork: "Fork",
  forkTitle: "Make a running copy of the lab as it is now, your own to try things on",
  forkFailed: "Could not fork the lab",
  return: "Back to following",
  returnTitle: "Leave your fork and follow the instructor's lab again",
  pointer: "The instructor's pointer",
  followLocked: "You are following the instructor's lab, which only the instructor can change: fork it to try this on a copy of your own",
} as const;
