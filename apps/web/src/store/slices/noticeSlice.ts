/** Messages for the user: every server error lands here (or in the console that caused it). */
import type { StateCreator } from "zustand/vanilla";
import type { AppState } from "../appState.ts";

export interface Notice {
  readonly id: number;
  readonly level: "error" | "info";
  /** In the language shown when the notice was raised. */
  readonly title: string;
  readonly message: string;
  /** True when `message` is the server's own text (English): the code is then put in words too. */
  readonly fromServer: boolean;
  /** The server's error code, when there is one. */
  readonly code: string | null;
}

export interface NoticeSlice {
  readonly notices: readonly Notice[];
  notify(notice: Omit<Notice, "id">): number;
  dismiss(id: number): void;
}

const MAX_NOTICES = 6;
let nextNoticeId = 1;

export const createNoticeSlice: StateCreator<AppState, [], [], NoticeSlice> = (set) => ({
  notices: [],
  notify(notice) {
    const id = nextNoticeId++;
    set((state) => {
      const notices = [...state.notices, { ...notice, id }];
      return { notices: notices.length > MAX_NOTICES ? notices.slice(notices.length - MAX_NOTICES) : notices };
    });
    return id;
  },
  dismiss(id) {
    set((state) => ({ notices: state.notices.filter((n) => n.id !== id) }));
  },
});
