/** One redis-cli-like transcript and command history per node. */
import type { StateCreator } from "zustand/vanilla";
import type { AppState } from "../appState.ts";

export type ConsoleEntryKind = "command" | "reply" | "error" | "info";

export interface ConsoleEntry {
  readonly id: number;
  readonly kind: ConsoleEntryKind;
  readonly text: string;
  /** The prompt shown before a command ("127.0.0.1:6379>"). */
  readonly prompt?: string;
  /** The lab's virtual time when it was printed: looking at the past hides what came later. */
  readonly atMs: number;
}

export interface ConsoleLog {
  readonly entries: readonly ConsoleEntry[];
  /** Commands typed, oldest first, without repeats in a row. */
  readonly history: readonly string[];
  /** This tab's console connection as the server last reported it (for the prompt). */
  readonly db?: number;
  readonly inTransaction?: boolean;
}

export interface ConsoleSlice {
  readonly consoles: Readonly<Record<string, ConsoleLog>>;
  /** The node whose console is shown (follows the selection unless pinned by a tab click). */
  readonly consoleNodeId: string | null;
  consolePrint(nodeId: string, entry: Omit<ConsoleEntry, "id" | "atMs">): void;
  consoleRemember(nodeId: string, line: string): void;
  consoleClear(nodeId: string): void;
  /** Records the console's db and transaction after a command (the prompt shows them). */
  consoleState(nodeId: string, db: number, inTransaction: boolean): void;
  showConsole(nodeId: string | null): void;
  /** Forgets every transcript (another lab opens: its nodes may have the same ids). */
  consoleReset(): void;
}

const MAX_ENTRIES = 500;
const MAX_HISTORY = 200;
let nextEntryId = 1;
const EMPTY_LOG: ConsoleLog = { entries: [], history: [] };

export const createConsoleSlice: StateCreator<AppState, [], [], ConsoleSlice> = (set) => ({
  consoles: {},
  consoleNodeId: null,
  consolePrint(nodeId, entry) {
    set((state) => {
      const log = state.consoles[nodeId] ?? EMPTY_LOG;
      // Stamped with the live clock: a transcript belongs to the lab as it is, not to a moment viewed.
      const atMs = (state.liveLab ?? state.lab).clock.timeMs;
      const entries = [...log.entries, { ...entry, id: nextEntryId++, atMs }];
      return { consoles: { ...state.consoles, [nodeId]: { ...log, entries: entries.length > MAX_ENTRIES ? entries.slice(entries.length - MAX_ENTRIES) : entries } } };
    });
  },
  consoleRemember(nodeId, line) {
    set((state) => {
      const log = state.consoles[nodeId] ?? EMPTY_LOG;
      if (line.trim() === "" || log.history[log.history.length - 1] === line) return state;
      const history = [...log.history, line];
      return { consoles: { ...state.consoles, [nodeId]: { ...log, history: history.length > MAX_HISTORY ? history.slice(history.length - MAX_HISTORY) : history } } };
    });
  },
  consoleClear(nodeId) {
    set((state) => {
      const log = state.consoles[nodeId];
      if (!log) return state;
      return { consoles: { ...state.consoles, [nodeId]: { ...log, entries: [] } } };
    });
  },
  consoleState(nodeId, db, inTransaction) {
    set((state) => {
      const log = state.consoles[nodeId] ?? EMPTY_LOG;
      if ((log.db ?? 0) === db && (log.inTransaction ?? false) === inTransaction) return state;
      return { consoles: { ...state.consoles, [nodeId]: { ...log, db, inTransaction } } };
    });
  },
  showConsole(nodeId) {
    set({ consoleNodeId: nodeId });
  },
  consoleReset() {
    set({ consoles: {}, consoleNodeId: null });
  },
});
