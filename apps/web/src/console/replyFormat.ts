/**
 * How the console prints a command's result: the server renders it as redis-cli 7.0 does on a
 * terminal (the engine's formatReplyForCli, raw form included for INFO and the like) and sends it
 * as `text`; the console shows that, with terminal line ends, and marks errors.
 */
import type { JsonReply } from "@replica-lab/protocol";

export interface CommandResultLike {
  readonly reply: JsonReply;
  readonly text?: string;
  /** The console's db after the command, when not 0. */
  readonly db?: number;
  /** A MULTI is open on the console. */
  readonly inTransaction?: boolean;
}

/** Reads a command result from an operation's answer; null when it is not one. */
export function asCommandResult(value: unknown): CommandResultLike | null {
  if (typeof value !== "object" || value === null || !("reply" in value)) return null;
  const reply = (value as { reply: unknown }).reply;
  if (typeof reply !== "object" || reply === null || typeof (reply as { type?: unknown }).type !== "string") return null;
  const { text, db, inTransaction } = value as { text?: unknown; db?: unknown; inTransaction?: unknown };
  return {
    reply: reply as JsonReply,
    ...(typeof text === "string" ? { text } : {}),
    ...(typeof db === "number" ? { db } : {}),
    ...(inTransaction === true ? { inTransaction } : {}),
  };
}

/** What the console prints for a command's result, and whether it is an error. */
export function consoleOutput(result: CommandResultLike): { readonly text: string; readonly isError: boolean } {
  const isError = result.reply.type === "error";
  const text = result.text ?? (isError && typeof result.reply.value === "string" ? `(error) ${result.reply.value}` : "");
  return { text: text.replace(/\r\n/g, "\n").replace(/\n$/, ""), isError };
}
