/**
 * The 7.0 unknown-command error built as processCommand builds it with printf (`%.128s` for the
 * name, `'%.*s' ` per argument): every argument stops at its first NUL, as a C string does. Found
 * by the RESP fuzzer (issue 12). The expected replies were recorded from a real redis-server
 * 7.0.15 (sending each request over a socket and keeping the reply's bytes).
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../src/index.ts";

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const shown = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

function request(...args: string[]): Uint8Array {
  return latin1(`*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("")}`);
}

/** The lab node's reply to one request on a fresh client connection. */
function answer(bytes: Uint8Array): string {
  const lab = new Lab({ seed: "unknown-command" });
  const node = lab.addNode({}).id;
  lab.runUntilIdle(30_000);
  const chunks: Uint8Array[] = [];
  const connection = lab.openConnection(node, "10.0.0.9:40000", { onData: (data) => chunks.push(data), onClose: () => undefined });
  connection.send(bytes);
  lab.runUntilIdle(30_000);
  return chunks.map(shown).join("");
}

/** Request and the reply redis-server 7.0.15 gave. */
const CASES: readonly (readonly [string, Uint8Array, string])[] = [
  ["a NUL in the name and in an argument", request("zz\0ab", "x\0y", "q"), "-ERR unknown command 'zz', with args beginning with: 'x' 'q' \r\n"],
  [
    "arguments cut to what is left of 128 bytes, a NUL cutting one short",
    request("zzab", "a".repeat(100), "b\0c".repeat(20), "d".repeat(50)),
    `-ERR unknown command 'zzab', with args beginning with: '${"a".repeat(100)}' 'b' '${"d".repeat(21)}' \r\n`,
  ],
  ["an argument that is only a NUL; CR and LF become spaces", request("zzab", "\0", "e\r\nf"), "-ERR unknown command 'zzab', with args beginning with: '' 'e  f' \r\n"],
  ["a name over 128 bytes", request(`zz${"n".repeat(130)}`, "x"), `-ERR unknown command 'zz${"n".repeat(126)}', with args beginning with: 'x' \r\n`],
  ["a name starting with NUL", request("\0zz", "a".repeat(200)), `-ERR unknown command '', with args beginning with: '${"a".repeat(128)}' \r\n`],
];

describe("7.0's unknown-command error", () => {
  for (const [name, bytes, expected] of CASES) {
    it(name, () => {
      expect(answer(bytes)).toBe(expected);
    });
  }
});
