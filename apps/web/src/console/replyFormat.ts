/**
 * How the console prints a reply. The server sends redis-cli's TTY rendering as `text`; this module
 * renders it locally when only the JSON reply is at hand, and applies redis-cli's "raw output" rule
 * for commands such as INFO, whose bulk reply redis-cli prints as plain lines instead of a quoted
 * string.
 */
import type { JsonReply } from "@replica-lab/protocol";

const utf8Encoder = new TextEncoder();

/** sdscatrepr: a byte string in double quotes with C-style escapes. */
function repr(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    switch (b) {
      case 0x5c:
        out += "\\\\";
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x07:
        out += "\\a";
        break;
      case 0x08:
        out += "\\b";
        break;
      default:
        out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
    }
  }
  return `${out}"`;
}

function bulkBytes(reply: Extract<JsonReply, { type: "bulk" }>): Uint8Array | null {
  if (reply.value === null) return null;
  if ("encoding" in reply && reply.encoding === "base64") {
    const binary = atob(reply.value);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  return utf8Encoder.encode(reply.value);
}

function formatInto(out: string[], reply: JsonReply, prefix: string): void {
  switch (reply.type) {
    case "simple":
      out.push(reply.value, "\n");
      return;
    case "error":
      out.push("(error) ", reply.value, "\n");
      return;
    case "integer":
      out.push(`(integer) ${reply.value}\n`);
      return;
    case "bulk": {
      const bytes = bulkBytes(reply);
      out.push(bytes === null ? "(nil)\n" : `${repr(bytes)}\n`);
      return;
    }
    case "array": {
      const items = reply.value;
      if (items === null) {
        out.push("(nil)\n");
        return;
      }
      if (items.length === 0) {
        out.push("(empty array)\n");
        return;
      }
      const width = String(items.length).length;
      const childPrefix = prefix + " ".repeat(width + 2);
      items.forEach((item, i) => {
        out.push(i === 0 ? "" : prefix, String(i + 1).padStart(width, " "), ") ");
        formatInto(out, item, childPrefix);
      });
      return;
    }
  }
}

/** redis-cli's TTY rendering of a reply, without the final newline. */
export function formatReply(reply: JsonReply): string {
  const out: string[] = [];
  formatInto(out, reply, "");
  return out.join("").slice(0, -1);
}

/** Commands whose replies redis-cli prints raw (cliSendCommand's output_raw list, 7.0). */
export function isRawOutputCommand(argv: readonly string[]): boolean {
  const [command = "", sub = ""] = argv.map((a) => a.toLowerCase());
  const argc = argv.length;
  if (command === "info" || command === "lolwut") return true;
  if (argc >= 2 && command === "debug" && ["htstats", "htstats-key", "client-eviction"].includes(sub)) return true;
  if (argc >= 2 && command === "memory" && (sub === "malloc-stats" || sub === "doctor")) return true;
  if (argc === 2 && command === "cluster" && (sub === "nodes" || sub === "info")) return true;
  if (argc >= 2 && command === "client" && (sub === "list" || sub === "info")) return true;
  if (argc === 3 && command === "latency" && sub === "graph") return true;
  if (argc === 2 && command === "latency" && sub === "doctor") return true;
  return false;
}

export interface CommandResultLike {
  readonly reply: JsonReply;
  readonly text?: string;
}

/** Reads a command result from an operation's answer; null when it is not one. */
export function asCommandResult(value: unknown): CommandResultLike | null {
  if (typeof value !== "object" || value === null || !("reply" in value)) return null;
  const reply = (value as { reply: unknown }).reply;
  if (typeof reply !== "object" || reply === null || typeof (reply as { type?: unknown }).type !== "string") return null;
  const text = (value as { text?: unknown }).text;
  return { reply: reply as JsonReply, ...(typeof text === "string" ? { text } : {}) };
}

/** What the console prints for a command's result, and whether it is an error. */
export function consoleOutput(argv: readonly string[], result: CommandResultLike): { readonly text: string; readonly isError: boolean } {
  const { reply } = result;
  const isError = reply.type === "error";
  if (reply.type === "bulk" && reply.value !== null && isRawOutputCommand(argv)) {
    const bytes = bulkBytes(reply);
    const text = bytes === null ? "" : new TextDecoder().decode(bytes);
    return { text: text.replace(/\r\n/g, "\n").replace(/\n$/, ""), isError };
  }
  return { text: result.text ?? formatReply(reply), isError };
}
