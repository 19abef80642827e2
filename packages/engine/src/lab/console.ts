/**
 * A console: a client connection into a node, as redis-cli on the same host would open, that
 * parses replies and hands each to the caller that sent the command.
 */
import { ReplyParser } from "../redis/resp/reply-parser.ts";
import type { Reply } from "../redis/resp/reply.ts";

/** A console command's outcome. */
export type CommandOutcome = { readonly ok: true; readonly reply: Reply } | { readonly ok: false; readonly error: LabErrorCode; readonly message: string };

export type LabErrorCode = "node-down" | "no-reply" | "connection-closed" | "subscribe-in-console";

/**
 * Commands a console does not run: they put the connection in Pub/Sub mode, where messages arrive
 * without a command, so the console's one-reply-per-command pairing would break.
 */
export const SUBSCRIBING_COMMANDS: ReadonlySet<string> = new Set(["subscribe", "psubscribe", "ssubscribe"]);

/** Replies in order to the commands sent: the endpoint side of a console connection. */
export class ReplyQueue {
  private readonly parser = new ReplyParser();
  readonly waiting: ((outcome: CommandOutcome) => void)[] = [];
  closed = false;

  /** Bytes from the node; returns false on a protocol error (the caller closes the connection). */
  onData(bytes: Uint8Array): boolean {
    this.parser.push(bytes);
    for (;;) {
      const reply = this.parser.next();
      if (reply === undefined) return true;
      if (reply.kind === "protocol-error") return false;
      this.waiting.shift()?.({ ok: true, reply });
    }
  }

  onClose(): void {
    this.closed = true;
    for (const next of this.waiting.splice(0, this.waiting.length)) next({ ok: false, error: "connection-closed", message: "the node closed the connection" });
  }
}
