/**
 * One WebSocket client of a lab's stream: it receives the feed's messages and may send operations
 * (`op`), `ping` and `resync`. Operations pass the same schemas as REST and run through the same
 * `runOperation`, and answer `op-result` with the same result or the same error code.
 *
 * Bad input policy: a message that is not JSON, not a known client message, or over the message
 * limit is answered `{type:"error", error:{code}}` (or a failed `op-result` when it names a
 * `requestId`) and the socket stays open. After `MAX_BAD_MESSAGES_IN_A_ROW` bad messages without a
 * good one between them the socket is closed with code 4400: that client is not speaking the
 * protocol. A frame over twice the message limit is refused by the WebSocket layer itself (close
 * code 1009) before it is even buffered.
 */
import type { ValidateFunction } from "ajv";
import type { WebSocket, RawData } from "ws";
import { STREAM_CLOSE_CODES, type ClientMessage, type ServerMessage } from "@replica-lab/protocol";
import { ApiFailure, toApiFailure } from "../http/errors.ts";
import { describeValidation } from "../http/validation.ts";
import type { ServerLimits } from "../limits.ts";
import { runOperation } from "../labs/operations.ts";
import type { FeedSubscriber, LabFeed, SubscriberState } from "./lab-feed.ts";

/** Bad messages tolerated in a row before the socket is closed. */
export const MAX_BAD_MESSAGES_IN_A_ROW = 10;

/** Stream sockets get distinct console owners (one console per node per browser tab). */
let nextConsoleOwner = 1;

export class StreamClient implements FeedSubscriber {
  /** Whose consoles this socket's commands run on (see labs/consoles.ts). */
  private readonly consoleOwner = `stream:${nextConsoleOwner++}`;
  state: SubscriberState = { frameSeq: -1, nodes: new Map(), edgesJson: "", linksJson: "", loadsJson: "", externalsJson: "", lastEventSeq: 0 };
  private badInARow = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly feed: LabFeed,
    private readonly validate: ValidateFunction,
    private readonly limits: ServerLimits,
    /** Throws an `ApiFailure` when this socket may not change the lab now (a classroom follower). */
    private readonly mayAct?: () => void,
  ) {
    socket.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    socket.on("close", () => {
      feed.remove(this);
      // The tab's consoles go with it, as a redis-cli's connection goes when it exits.
      feed.runtime.guard.safely("a stream socket's close", () => feed.runtime.consoles.closeOwner(this.consoleOwner));
    });
    socket.on("error", () => {
      // A broken socket is followed by "close".
    });
    feed.add(this);
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(message: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(message, { binary: false });
  }

  private reply(message: ServerMessage): void {
    this.send(Buffer.from(JSON.stringify(message), "utf8"));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
    if (bytes.length > this.limits.maxMessageBytes) {
      this.bad(new ApiFailure("message-too-large", `message of ${bytes.length} bytes is over the limit of ${this.limits.maxMessageBytes}`));
      return;
    }
    if (isBinary) {
      this.bad(new ApiFailure("bad-message", "send JSON text frames"));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
      this.bad(new ApiFailure("bad-message", "the message is not JSON"));
      return;
    }
    if (!this.validate(parsed)) {
      const problem = describeValidation(this.validate.errors, "message");
      const requestId = requestIdOf(parsed);
      if (requestId !== null) {
        this.badInARow++;
        this.reply({ type: "op-result", requestId, ok: false, error: { code: problem.code, message: problem.message } });
        this.closeIfHopeless();
      } else {
        this.bad(new ApiFailure(problem.code === "bad-argv" ? "bad-argv" : "bad-message", problem.message));
      }
      return;
    }
    this.badInARow = 0;
    this.handle(parsed as ClientMessage);
  }

  private handle(message: ClientMessage): void {
    switch (message.type) {
      case "op": {
        const { requestId, op } = message;
        new Promise<void>((resolve) => {
          this.mayAct?.();
          resolve();
        })
          .then(() => runOperation(this.feed.runtime, op, this.limits, { streamConsole: this.consoleOwner }))
          .then(
          (result) => this.reply({ type: "op-result", requestId, ok: true, result }),
          (error: unknown) => this.reply({ type: "op-result", requestId, ok: false, error: toApiFailure(error).toBody().error }),
        );
        return;
      }
      case "ping":
        this.reply({ type: "pong", sentAt: message.sentAt, serverTimeMs: Date.now() });
        return;
      case "resync":
        this.feed.sendSnapshot(this);
        return;
    }
  }

  private bad(failure: ApiFailure): void {
    this.badInARow++;
    this.reply({ type: "error", error: failure.toBody().error });
    this.closeIfHopeless();
  }

  private closeIfHopeless(): void {
    if (this.badInARow >= MAX_BAD_MESSAGES_IN_A_ROW) this.socket.close(STREAM_CLOSE_CODES.badMessages, "too many bad messages");
  }
}

function requestIdOf(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  return record.type === "op" && typeof record.requestId === "string" && record.requestId.length > 0 && record.requestId.length <= 128 ? record.requestId : null;
}
