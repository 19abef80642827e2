/**
 * One open lab: the socket, the per-frame buffer that feeds the store, the offset history for the
 * chart, and the single path every operation takes (socket when open, REST otherwise). Errors are
 * reported to the user here unless the caller shows them itself (the console does).
 */
import type { LabOperation, ServerMessage } from "@replica-lab/protocol";
import { LabConnection } from "../api/labConnection.ts";
import { asLabRequestError, LabRequestError } from "../api/errors.ts";
import { restRequestFor, sendRest } from "../api/rest.ts";
import { OffsetHistory } from "../panels/offsetHistory.ts";
import { FrameBatcher } from "../store/frameBatcher.ts";
import type { LabStreamMessage } from "../store/labData.ts";
import type { AppStore } from "../store/store.ts";
import { i18n } from "../i18n/i18n.ts";
import { describeOperation } from "./describeOperation.ts";

/** Counters a benchmark or a curious developer can read as `window.__replicaLabStats`. */
export interface StreamStats {
  /** Stream messages received. */
  messages: number;
  /** Node snapshots and patches carried by those messages. */
  nodeChanges: number;
  /** Batches applied to the store (at most one per animation frame). */
  applied: number;
}

export interface RunOptions {
  /** Show a failure as a notice (default true). */
  readonly report?: boolean;
}

export class LabSession {
  readonly history = new OffsetHistory();
  readonly stats: StreamStats = { messages: 0, nodeChanges: 0, applied: 0 };
  private readonly connection: LabConnection;
  private readonly batcher: FrameBatcher<LabStreamMessage>;
  private unsubscribe: (() => void) | null = null;

  constructor(
    readonly store: AppStore,
    readonly labId: string,
  ) {
    this.batcher = new FrameBatcher<LabStreamMessage>((messages) => {
      this.stats.applied++;
      store.getState().applyStream(messages);
    });
    (globalThis as { __replicaLabStats?: StreamStats }).__replicaLabStats = this.stats;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.connection = new LabConnection({
      url: `${scheme}://${location.host}/api/labs/${encodeURIComponent(labId)}/stream`,
      onMessage: (message) => this.receive(message),
      onStatus: (patch) => store.getState().setConnection(patch),
    });
  }

  start(): void {
    this.store.getState().resetLab(this.labId);
    this.history.clear();
    // The history samples whatever the store applied (at most once per frame).
    let lastLab = this.store.getState().lab;
    this.unsubscribe?.();
    this.unsubscribe = this.store.subscribe((state) => {
      if (state.lab !== lastLab) {
        const wasOut = lastLab.needsResync;
        lastLab = state.lab;
        if (state.lab.loaded) this.history.record(state.lab);
        if (state.lab.needsResync && !wasOut) this.connection.resync();
      }
    });
    this.connection.start();
  }

  stop(): void {
    this.connection.stop();
    this.batcher.dispose();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  get connected(): boolean {
    return this.connection.isOpen;
  }

  private receive(message: ServerMessage): void {
    this.stats.messages++;
    if (message.type === "update") this.stats.nodeChanges += message.nodes.length + (message.nodePatches?.length ?? 0);
    switch (message.type) {
      case "snapshot":
      case "update":
      case "events":
        this.batcher.push(message);
        return;
      case "lab-deleted":
        this.batcher.push(message);
        this.store.getState().notify({ level: "error", title: i18n.t("notice.labDeleted"), message: i18n.t("notice.labDeletedMessage"), code: "lab-deleted", fromServer: false });
        return;
      case "error":
        this.store.getState().notify({ level: "error", title: i18n.t("notice.serverError"), message: message.error.message, code: message.error.code, fromServer: true });
        return;
      case "op-result":
      case "pong":
        return; // handled by the connection
    }
  }

  /** Runs an operation and resolves with the server's result. */
  async run(op: LabOperation, options: RunOptions = {}): Promise<unknown> {
    try {
      if (this.connection.isOpen) return await this.connection.request(op);
      const request = restRequestFor(this.labId, op);
      if (request === null) throw new LabRequestError("disconnected", "not connected to the server; this action needs the live connection");
      return await sendRest(request);
    } catch (error) {
      const failure = asLabRequestError(error);
      if (options.report !== false) {
        const title = i18n.t("notice.couldNot", { op: describeOperation(op, this.store.getState().lab, i18n.t) });
        this.store.getState().notify({ level: "error", title, message: failure.message, code: failure.code, fromServer: true });
      }
      throw failure;
    }
  }
}
