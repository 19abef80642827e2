/** Gives components the open lab's actions and session without threading props. */
import { createContext, useContext } from "react";
import type { LabActions } from "./actions.ts";
import type { LabSession } from "./labSession.ts";

export interface LabContextValue {
  readonly session: LabSession;
  readonly actions: LabActions;
}

export const LabContext = createContext<LabContextValue | null>(null);

function useLabContext(): LabContextValue {
  const value = useContext(LabContext);
  if (value === null) throw new Error("useActions/useSession must be used inside <LabContext.Provider>");
  return value;
}

export function useActions(): LabActions {
  return useLabContext().actions;
}

export function useSession(): LabSession {
  return useLabContext().session;
}
