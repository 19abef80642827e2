/**
 * Requests naming no command, chosen to show how each release formats its unknown-command error:
 * NUL bytes inside the name and the arguments (redis formats the error from C strings), CR and LF
 * (replaced by spaces), names and arguments longer than the 128-byte cuts of 4.0 and 7.0. Shared
 * by the recorder (record-unknown-command.ts) and the test (unknown-command-error.test.ts).
 */

/** A request's arguments as latin-1 text (one character per byte). */
export interface UnknownCommandCase {
  readonly name: string;
  readonly argv: readonly string[];
}

export const UNKNOWN_COMMAND_CASES: readonly UnknownCommandCase[] = [
  { name: "a NUL in the name and in an argument", argv: ["zz\0ab", "x\0y", "q"] },
  { name: "arguments cut to what is left of 128 bytes, a NUL cutting one short", argv: ["zzab", "a".repeat(100), "b\0c".repeat(20), "d".repeat(50)] },
  { name: "an argument that is only a NUL; CR and LF become spaces", argv: ["zzab", "\0", "e\r\nf"] },
  { name: "a name over 128 bytes", argv: [`zz${"n".repeat(130)}`, "x"] },
  { name: "a name starting with NUL", argv: ["\0zz", "a".repeat(200)] },
  { name: "a name with CR and LF, no arguments", argv: ["zz\r\nyy"] },
  { name: "many short arguments", argv: ["zzab", ...Array.from({ length: 40 }, (_, i) => `arg${i}`)] },
];

/** The request as RESP bytes. */
export function requestBytes(argv: readonly string[]): Uint8Array {
  const text = `*${argv.length}\r\n${argv.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("")}`;
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** What the recorder writes: per release, each case's reply bytes as latin-1 text. */
export interface UnknownCommandFixture {
  readonly recordedWith: Readonly<Record<string, string>>;
  readonly replies: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
