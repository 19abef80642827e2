/**
 * One open lab: the socket, the per-frame buffer that feeds the store, the offset history for the
 * chart, the timeline, and the single path every operation takes (socket when open, REST
 * otherwise). Errors are reported to the user here unless the caller shows them itself (the
 * console does). While the past is shown, operations do not run: the app offers to continue from
 * that moment instead.
 */
import type { LabOperation, ServerMessage } from "@replica-lab/protocol";
import { LabConnection } from "../api/labConnection.ts";
import { asLabRequestError, LabRequestError } from "../api/errors.ts";
import { getLab, restRequestFor, sendRest } from "../api/rest.ts";
import type { ConnectionInfo } from "../store/slices/connectionSlice.ts";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { LayoutSync } from "../timeline/layoutSync.ts";
import { TimelineController } from "../timeline/timelineController.ts";
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

/** The code of the failure an operation gets while the past is shown (the branch offer says the rest). */
export const VIEWING_PAST = "viewing-past";

export class LabSession {
  readonly history = new OffsetHistory();
  readonly stats: StreamStats = { messages: 0, nodeChanges: 0, applied: 0 };
  readonly timeline: TimelineController;
  private readonly layout: LayoutSync;
  private readonly connection: LabConnection;
  private readonly batcher: FrameBatcher<LabStreamMessage>;
  private unsubscribe: (() => void) | null = null;
  private probing = false;

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
      onStatus: (patch) => {
        store.getState().setConnection(patch);
        this.statusChanged(patch);
      },
    });
    this.timeline = new TimelineController(store, labId, { history: this.history });
    this.layout = new LayoutSync(store, labId);
  }

  start(): void {
    this.store.getState().resetLab(this.labId);
    // Transcripts are per lab; a branch's nodes even share their parent's ids.
    this.store.getState().consoleReset();
    this.history.clear();
    // The history samples whatever the store applied (at most once per frame).
    // The live lab, also while the screen shows the past.
    let lastLab = liveLabOf(this.store.getState());
    this.unsubscribe?.();
    this.unsubscribe = this.store.subscribe((state) => {
      const lab = liveLabOf(state);
      if (lab !== lastLab) {
        const wasOut = lastLab.needsResync;
        lastLab = lab;
        if (lab.loaded) this.history.record(lab);
        if (lab.needsResync && !wasOut) this.connection.resync();
      }
    });
    this.timeline.start();
    void this.layout.start();
    this.connection.start();
  }

  stop(): void {
    this.timeline.stop();
    this.layout.stop();
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

  private statusChanged(patch: Partial<ConnectionInfo>): void {
    // Each (re)connection may follow a gap (a restarted server): the timeline and series catch up.
    if (patch.status === "open") void this.timeline.refresh();
    if (patch.status === "reconnecting" && (patch.attempt ?? 0) > 0) void this.probeLab();
  }

  /**
   * While reconnecting, asks whether the lab still exists: a server that restarted without it
   * refuses the socket with a bare 404, which would otherwise be retried forever.
   */
  private async probeLab(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await getLab(this.labId);
    } catch (error) {
      const failure = asLabRequestError(error);
      if (failure.status === 404) {
        this.connection.stop();
        this.store.getState().setConnection({ status: "closed", retryAt: null, reason: { kind: "lab-deleted" } });
        this.batcher.push({ type: "lab-deleted" });
      }
      // Anything else (the server still down) is the socket's business: it keeps trying.
    } finally {
      this.probing = false;
    }
  }

  /** Runs an operation and resolves with the server's result. */
  async run(op: LabOperation, options: RunOptions = {}): Promise<unknown> {
    const state = this.store.getState();
    if (state.timeView.kind === "past") {
      state.proposeBranch(describeOperation(op, state.lab, i18n.t));
      throw new LabRequestError(VIEWING_PAST, i18n.t("timeline.readOnly"));
    }
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
