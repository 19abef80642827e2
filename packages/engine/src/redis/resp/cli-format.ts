/**
 * Replies rendered the way redis-cli 7.0 prints them on a terminal (`cliFormatReplyTTY` in
 * `src/redis-cli.c`), for the lab's console and the HTTP API's `text` field.
 */

import { binaryToBytes, fromUtf8 } from "../../util/bytes.ts";
import type { Reply } from "./reply.ts";
import { reprBytes } from "./repr.ts";

/**
 * Formats a reply exactly as redis-cli prints it on a TTY, without the final newline:
 *
 * - simple string: the text as is (`OK`); error: `(error) <message>`; integer: `(integer) <n>`;
 * - bulk string: double-quoted with `sdscatrepr` escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b`,
 *   `\xNN` for other bytes outside 0x20..0x7e); null bulk and null array: `(nil)`;
 * - empty array: `(empty array)`; otherwise one `N) ` line per item, N right-aligned to the width of
 *   the largest index, nested arrays starting on their parent's line and their later lines indented
 *   under the first.
 *
 * Simple strings and errors are byte strings; redis-cli writes their bytes to the terminal, which shows
 * them as UTF-8, so they are decoded that way here (and cut at a NUL byte, as C's `%s` cuts them).
 */
export function formatReplyForCli(reply: Reply, argv?: readonly string[]): string {
  if (argv && printsRaw(argv)) {
    // Raw output ends with a newline only after an error; like the TTY form, return it without.
    const raw = formatRaw(reply);
    return reply.kind === "error" ? raw.slice(0, -1) : raw;
  }
  const out: string[] = [];
  formatInto(out, reply, "");
  // Every item ends with a newline; the caller decides how lines are terminated.
  const text = out.join("");
  return text.slice(0, -1);
}

/**
 * Commands whose replies redis-cli 7.0 prints raw even on a terminal (`cliSendCommand`'s
 * `output_raw` list): INFO's text shows as lines, not as one quoted string.
 */
function printsRaw(argv: readonly string[]): boolean {
  const command = (argv[0] ?? "").toLowerCase();
  const sub = (argv[1] ?? "").toLowerCase();
  return (
    command === "info" ||
    command === "lolwut" ||
    (argv.length >= 2 && command === "debug" && ["htstats", "htstats-key", "client-eviction"].includes(sub)) ||
    (argv.length >= 2 && command === "memory" && (sub === "malloc-stats" || sub === "doctor")) ||
    (argv.length === 2 && command === "cluster" && (sub === "nodes" || sub === "info")) ||
    (argv.length >= 2 && command === "client" && (sub === "list" || sub === "info")) ||
    (argv.length === 3 && command === "latency" && sub === "graph") ||
    (argv.length === 2 && command === "latency" && sub === "doctor") ||
    (argv.length >= 2 && command === "proxy" && sub === "info")
  );
}

/** redis-cli's `cliFormatReplyRaw`: bytes as they are, array items on separate lines. */
function formatRaw(reply: Reply): string {
  switch (reply.kind) {
    case "simple":
      return terminalText(reply.value);
    case "error":
      return `${terminalText(reply.message)}\n`;
    case "integer":
      return String(reply.value);
    case "bulk":
      return reply.value === null ? "" : fromUtf8(reply.value);
    case "array":
      return reply.items === null ? "" : reply.items.map(formatRaw).join("\n");
  }
}

function formatInto(out: string[], reply: Reply, prefix: string): void {
  switch (reply.kind) {
    case "simple":
      out.push(terminalText(reply.value), "\n");
      return;
    case "error":
      out.push("(error) ", terminalText(reply.message), "\n");
      return;
    case "integer":
      out.push(`(integer) ${reply.value}\n`);
      return;
    case "bulk":
      out.push(reply.value === null ? "(nil)\n" : `${reprBytes(reply.value)}\n`);
      return;
    case "array": {
      const items = reply.items;
      if (items === null) {
        out.push("(nil)\n");
        return;
      }
      if (items.length === 0) {
        out.push("(empty array)\n");
        return;
      }
      const width = String(items.length).length;
      // Items after the first align under it: the parent's prefix, then room for "N) ".
      const childPrefix = prefix + " ".repeat(width + 2);
      for (let i = 0; i < items.length; i++) {
        out.push(i === 0 ? "" : prefix, String(i + 1).padStart(width, " "), ") ");
        formatInto(out, items[i]!, childPrefix);
      }
      return;
    }
  }
}

/** A byte string as the terminal shows its bytes, up to the first NUL. */
function terminalText(binary: string): string {
  const nul = binary.indexOf("\0");
  return fromUtf8(binaryToBytes(nul < 0 ? binary : binary.slice(0, nul)));
}
