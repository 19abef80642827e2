/**
 * What a replica may say in its log about a line its master answered during the handshake.
 *
 * redis-server 7.0.15 quotes the line in its log ("Error reply to PING from master: '%s'",
 * "Unexpected reply to PSYNC from master: %s"). From a Redis master that line is a RESP reply (an
 * error such as `-NOAUTH ...`), and the lab keeps redis's texts for it. But a lab node may be pointed
 * at any port, and a peer that does not speak RESP at all (an SSH server's banner, a web server's
 * status line) would have what it said copied into an event log other people read. Such a line is
 * described (not a RESP line, how long, its first byte), never quoted.
 */

/** redis reads a handshake reply with connSyncReadLine into a 256-byte buffer: at most 255 bytes. */
export const HANDSHAKE_LINE_BYTES = 255;

const INTEGER = /^-?\d+$/;
const LENGTH = /^(-1|\d+)$/;

/**
 * True when `line` (a byte string, without its line end) is a RESP reply line: a simple string
 * or an error (`+`, `-`, whatever follows), or an integer, bulk or array header with a number.
 */
export function isRespLine(line: string): boolean {
  const marker = line[0];
  const rest = line.slice(1);
  switch (marker) {
    case "+":
    case "-":
      return true;
    case ":":
      return INTEGER.test(rest);
    case "$":
    case "*":
      return LENGTH.test(rest);
    default:
      return false;
  }
}

/** The line as the log may show it: itself when it is RESP, else a description of it. */
export function shownPeerLine(line: string): string {
  if (isRespLine(line)) return line;
  const first = line.length === 0 ? "none" : `0x${line.charCodeAt(0).toString(16).padStart(2, "0")}`;
  return `not a RESP line (${line.length} bytes, first byte ${first}): the peer does not speak the Redis protocol, so what it sent is not shown`;
}
