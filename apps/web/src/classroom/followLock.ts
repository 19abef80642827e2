/**
 * While a student's page follows the instructor's lab, the lab is not theirs to change: the server
 * refuses it (403 `classroom-read-only`), so the page says so beforehand. Every control that acts on
 * the lab is disabled, its tooltip saying why; on the student's own fork they all work again.
 */
import { useTranslation } from "react-i18next";
import type { LabActions } from "../app/actions.ts";
import { useSession } from "../app/AppContext.tsx";
import { useClassroom } from "./classroomStore.ts";

/** Why this page may not act on its lab (it follows the instructor's), or null when it may. */
export function useFollowLock(): string | null {
  const { labId } = useSession();
  const { t } = useTranslation();
  const following = useClassroom((s) => s.view !== null && s.view.role === "follower" && s.view.labId === labId);
  return following ? t("classroom.followLocked") : null;
}

/**
 * The `disabled` and `title` of a control that acts on the lab: locked, it is disabled and its
 * tooltip is the lock's reason; otherwise its own state and tooltip.
 */
export function lockable(lock: string | null, title?: string, disabled = false): { readonly disabled: boolean; readonly title: string | undefined } {
  return lock === null ? { disabled, title } : { disabled: true, title: lock };
}

/**
 * The lab's actions as a following page's keyboard shortcuts reach them: none goes to the server
 * (it would refuse it); each only says why, in the language shown. View shortcuts (select, help,
 * theme, time travel) do not go through actions and keep working.
 */
export function lockedActions(explain: () => void): LabActions {
  const refuse = (): void => explain();
  const refuseLater = async (): Promise<void> => explain();
  return {
    addNode: refuse,
    removeNode: refuse,
    setMaster: refuse,
    removeEdge: refuse,
    kill: refuse,
    shutdown: refuse,
    saveConfigFile: refuseLater,
    restart: refuse,
    freeze: refuse,
    thaw: refuse,
    toggleFreeze: refuse,
    setRandomKey: refuse,
    setWriteLoad: refuse,
    patchLink: refuse,
    clock: refuse,
    runConsoleLine: refuseLater,
  };
}
