/**
 * Everything a user can do, as named functions shared by buttons, menus, keyboard shortcuts and
 * canvas gestures. Each goes through the session (so failures are shown), and none changes the lab
 * locally: the server's next update is the truth.
 */
import type { LabOperation, NodeVersion } from "@replica-lab/protocol";
import { splitArgs } from "../console/splitArgs.ts";
import { asCommandResult, consoleOutput } from "../console/replyFormat.ts";
import { consolePrompt } from "../console/consolePrompt.ts";
import type { LabRequestError } from "../api/errors.ts";
import type { LabSession } from "./labSession.ts";
import { failureText } from "../i18n/errorText.ts";
import { i18n } from "../i18n/i18n.ts";
import { guardRestart } from "../lessons/restartGuard.ts";
import { guardDelete } from "./deleteGuard.ts";

export interface LinkPatch {
  readonly latencyMs?: number;
  readonly bandwidthBytesPerSec?: number;
  readonly partitioned?: boolean;
}

export type ClockAction = { readonly action: "pause" | "resume" } | { readonly action: "step"; readonly stepMs: number } | { readonly action: "speed"; readonly speed: number };

export interface LabActions {
  /** Adds a node of `version`, or of the version chosen in the header. */
  addNode(version?: NodeVersion): void;
  removeNode(id: string): void;
  /** REPLICAOF; with `persist`, also written into (or out of) the node's redis.conf. */
  setMaster(id: string, masterId: string | null, persist?: boolean): void;
  removeEdge(edgeId: string): void;
  /** A crash: nothing written since the last save survives. */
  kill(id: string): void;
  /** SHUTDOWN: the graceful exit, saving first when the node has save points. */
  shutdown(id: string): void;
  /**
   * Replaces the node's redis.conf. Rejects with the server's error (a refused line is
   * `bad-config-file` with its `line`), which the editor shows itself.
   */
  saveConfigFile(id: string, text: string): Promise<void>;
  /** Starts the node again from its disk; with `version`, as that version (an upgrade or a downgrade). */
  restart(id: string, wipe: boolean, version?: NodeVersion): void;
  freeze(id: string): void;
  thaw(id: string): void;
  toggleFreeze(id: string): void;
  setRandomKey(id: string): void;
  setWriteLoad(id: string, opsPerSec: number): void;
  patchLink(a: string, b: string, patch: LinkPatch): void;
  clock(action: ClockAction): void;
  /** Runs a console line on a node and prints the exchange in its transcript. */
  runConsoleLine(id: string, line: string): Promise<void>;
}

const HEX = "0123456789abcdef";

function randomToken(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += HEX[Math.floor(Math.random() * 16)];
  return out;
}

/** This tab's console session over REST (the stream gives each socket its own consoles anyway). */
const TAB_SESSION = `tab-${Math.random().toString(36).slice(2, 12)}`;

export function createActions(session: LabSession): LabActions {
  const store = session.store;
  const state = () => store.getState();
  const fire = (op: LabOperation): void => {
    // Failures are already shown as notices by the session.
    session.run(op).catch(() => undefined);
  };

  const runConsoleLine = async (id: string, line: string): Promise<void> => {
    const s = state();
    const node = s.lab.nodes[id];
    const prompt = consolePrompt(node?.address ?? id, node?.status === "down", s.consoles[id]);
    s.consoleRemember(id, line);
    const parsed = splitArgs(line);
    if (!parsed.ok) {
      s.consolePrint(id, { kind: "command", text: line, prompt });
      s.consolePrint(id, { kind: "error", text: parsed.error });
      return;
    }
    if (parsed.argv.length === 0) return;
    const command = parsed.argv[0]!.toLowerCase();
    if (command === "clear" && parsed.argv.length === 1) {
      s.consoleClear(id);
      return;
    }
    s.consolePrint(id, { kind: "command", text: line, prompt });
    try {
      // Over REST (no stream), the tab's own session keeps its console between commands.
      const result = asCommandResult(await session.run({ kind: "command", nodeId: id, argv: parsed.argv, session: TAB_SESSION }, { report: false }));
      if (result === null) {
        state().consolePrint(id, { kind: "error", text: i18n.t("console.notReply") });
        return;
      }
      const out = consoleOutput(result);
      state().consolePrint(id, { kind: out.isError ? "error" : "reply", text: out.text });
      state().consoleState(id, result.db ?? 0, result.inTransaction === true);
    } catch (error) {
      const failure = error as LabRequestError;
      state().consolePrint(id, { kind: "error", text: i18n.t("console.serverError", { code: failure.code, message: failureText(failure.code, failure.message, i18n.t) }) });
    }
  };

  const actions: LabActions = {
    addNode: (version) => {
      const chosen = version ?? state().newNodeVersion;
      // 7.0 is the server's default: the operation stays as it always was for it.
      fire(chosen === "7.0" ? { kind: "add-node" } : { kind: "add-node", version: chosen });
    },
    // Deleting a node that holds keys or has replicas asks first (deleteGuard.ts).
    removeNode: (id) => guardDelete(state().lab, id, () => fire({ kind: "remove-node", nodeId: id })),
    setMaster: (id, masterId, persist) => fire(persist === true ? { kind: "set-master", nodeId: id, masterId, persist } : { kind: "set-master", nodeId: id, masterId }),
    removeEdge: (edgeId) => {
      const edge = state().lab.edges[edgeId];
      if (edge) fire({ kind: "set-master", nodeId: edge.replicaId, masterId: null });
    },
    kill: (id) => fire({ kind: "kill", nodeId: id }),
    shutdown: (id) => fire({ kind: "shutdown", nodeId: id }),
    saveConfigFile: async (id, text) => {
      await session.run({ kind: "config-file", nodeId: id, text }, { report: false });
    },
    // A restart that would make replicas drop data asks first (SAVE first, restart anyway, cancel).
    restart: (id, wipe, version) =>
      guardRestart(store, id, wipe, {
        restart: () => fire(version === undefined ? { kind: "restart", nodeId: id, wipe } : { kind: "restart", nodeId: id, wipe, version }),
        save: () => runConsoleLine(id, "SAVE"),
      }),
    freeze: (id) => fire({ kind: "freeze", nodeId: id }),
    thaw: (id) => fire({ kind: "thaw", nodeId: id }),
    toggleFreeze: (id) => {
      const node = state().lab.nodes[id];
      if (!node) return;
      fire(node.status === "frozen" ? { kind: "thaw", nodeId: id } : { kind: "freeze", nodeId: id });
    },
    setRandomKey: (id) => {
      void runConsoleLine(id, `SET key:${randomToken(6)} ${randomToken(8)}`);
    },
    setWriteLoad: (id, opsPerSec) => fire({ kind: "write-load", nodeId: id, opsPerSec }),
    patchLink: (a, b, patch) => fire({ kind: "link", a, b, ...patch }),
    clock: (action) => {
      switch (action.action) {
        case "pause":
        case "resume":
          fire({ kind: "clock", action: action.action });
          return;
        case "step":
          fire({ kind: "clock", action: "step", stepMs: action.stepMs });
          return;
        case "speed": {
          // Speed rides on a resume/pause request that keeps the current run state.
          const paused = state().lab.clock.paused;
          fire({ kind: "clock", action: paused ? "pause" : "resume", speed: action.speed });
          return;
        }
      }
    },
    runConsoleLine,
  };
  return actions;
}
