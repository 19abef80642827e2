/**
 * Request parser fixtures: input bytes and what redis-server 7.0.15 makes of them. Shared by the unit
 * tests and by the conformance test that replays every fixture against a real redis-server.
 *
 * The expectations were recorded from a real redis-server 7.0.15 (sending each input over TCP and
 * reading the reply; `conformance.redis.test.ts` repeats that whenever redis-server is installed).
 * Commands are restricted to PING and ECHO so that the server's reply shows what it parsed.
 * Test data only: nothing in the engine imports this module.
 */

import { binaryToBytes } from "../../util/bytes.ts";

/** What the parser yields, with argv as byte strings so fixtures can be compared with `toEqual`. */
export type ExpectedRequest =
  | { readonly kind: "command"; readonly argv: readonly string[]; readonly byteLength: number }
  | { readonly kind: "empty"; readonly byteLength: number }
  | { readonly kind: "incomplete" }
  | { readonly kind: "error"; readonly message: string };

/** One fixture. `results` is everything the whole input yields, ending with `incomplete` or `error`. */
export interface RequestFixture {
  /** The rule the fixture checks (SPEC.md, RESP-*). */
  readonly rule: string;
  readonly name: string;
  readonly input: Uint8Array;
  readonly results: readonly ExpectedRequest[];
  /** The connection has not authenticated (requirepass set). */
  readonly authRequired?: boolean;
  /** `proto-max-bulk-len`, when not the default. */
  readonly maxBulkLength?: number;
  /**
   * The outcome depends on how the bytes are chunked (a 64 KiB limit is checked against what is
   * buffered), so splitting tests do not apply.
   */
  readonly chunkSensitive?: boolean;
}

const bin = binaryToBytes;
const cmd = (byteLength: number, ...argv: string[]): ExpectedRequest => ({ kind: "command", argv, byteLength });
const empty = (byteLength: number): ExpectedRequest => ({ kind: "empty", byteLength });
const incomplete: ExpectedRequest = { kind: "incomplete" };
const error = (message: string): ExpectedRequest => ({ kind: "error", message });

const K64 = 64 * 1024;

export const REQUEST_FIXTURES: readonly RequestFixture[] = [
  // Multibulk requests.
  { rule: "RESP-4", name: "multibulk PING", input: bin("*1\r\n$4\r\nPING\r\n"), results: [cmd(14, "PING"), incomplete] },
  {
    rule: "RESP-4",
    name: "multibulk ECHO",
    input: bin("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n"),
    results: [cmd(25, "ECHO", "hello"), incomplete],
  },
  {
    rule: "RESP-4",
    name: "binary-safe bulk with CR, LF, NUL and 0xff",
    input: bin("*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0\xffa\n\r\n"),
    results: [cmd(26, "ECHO", "\r\n\0\xffa\n"), incomplete],
  },
  {
    rule: "RESP-22",
    name: "pipelined multibulk and inline, empty bulk",
    input: bin("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\nPING\r\n*1\r\n$4\r\nPING\r\n"),
    results: [cmd(14, "PING"), cmd(20, "ECHO", ""), cmd(6, "PING"), cmd(14, "PING"), incomplete],
  },
  {
    rule: "RESP-4",
    name: "partial request waits",
    input: bin("*2\r\n$4\r\nECHO\r\n$5\r\nhel"),
    results: [incomplete],
  },
  {
    rule: "RESP-12",
    name: "counts of zero or less run nothing",
    input: bin("*0\r\n*-1\r\n*-5\r\n*-9223372036854775808\r\nPING\r\n"),
    results: [empty(4), empty(5), empty(5), empty(23), cmd(6, "PING"), incomplete],
  },
  {
    rule: "RESP-17",
    name: "the two bytes after a bulk payload are not checked",
    input: bin("*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n"),
    results: [cmd(14, "PING"), cmd(14, "PING"), incomplete],
  },
  {
    rule: "RESP-11",
    name: "the byte after a header's CR is not checked",
    input: bin("*1\rx$4\rxPING\r\n"),
    results: [cmd(14, "PING"), incomplete],
  },
  {
    rule: "RESP-11",
    name: "a header waits for the byte after its CR",
    input: bin("*1\r"),
    results: [incomplete],
  },
  {
    rule: "RESP-11",
    name: "largest count is accepted and waits",
    input: bin("*2147483647\r\n$4\r\nPING\r\n"),
    results: [incomplete],
  },
  { rule: "RESP-11", name: "count not a number", input: bin("*x\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  { rule: "RESP-11", name: "count with plus sign", input: bin("*+1\r\n$4\r\nPING\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  { rule: "RESP-11", name: "count with leading zero", input: bin("*01\r\n$4\r\nPING\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  { rule: "RESP-11", name: "empty count", input: bin("*\r\nPING\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  { rule: "RESP-11", name: "count -0", input: bin("*-0\r\nPING\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  { rule: "RESP-11", name: "count over INT_MAX", input: bin("*2147483648\r\n"), results: [error("Protocol error: invalid multibulk length")] },
  {
    rule: "RESP-11",
    name: "count below LLONG_MIN",
    input: bin("*-9223372036854775809\r\nPING\r\n"),
    results: [error("Protocol error: invalid multibulk length")],
  },
  {
    rule: "RESP-11",
    name: "a header line ends at CR, not LF",
    input: bin("*1\n$4\r\nPING\r\n"),
    results: [error("Protocol error: invalid multibulk length")],
  },
  { rule: "RESP-14", name: "argument without $", input: bin("*1\r\nxPING\r\n"), results: [error("Protocol error: expected '$', got 'x'")] },
  { rule: "RESP-14", name: "argument starting with CR", input: bin("*1\r\n\r\n"), results: [error("Protocol error: expected '$', got ' '")] },
  { rule: "RESP-14", name: "argument starting with LF", input: bin("*1\r\n\n\r\n"), results: [error("Protocol error: expected '$', got ' '")] },
  {
    rule: "RESP-14",
    name: "argument starting with a high byte",
    input: bin("*1\r\n\xe9\r\n"),
    results: [error("Protocol error: expected '$', got '\xe9'")],
  },
  { rule: "RESP-15", name: "bulk length not a number", input: bin("*1\r\n$x\r\n"), results: [error("Protocol error: invalid bulk length")] },
  { rule: "RESP-15", name: "bulk length -1", input: bin("*1\r\n$-1\r\n"), results: [error("Protocol error: invalid bulk length")] },
  {
    rule: "RESP-15",
    name: "bulk length over proto-max-bulk-len",
    input: bin("*1\r\n$536870913\r\n"),
    results: [error("Protocol error: invalid bulk length")],
  },
  { rule: "RESP-15", name: "bulk length at proto-max-bulk-len waits", input: bin("*1\r\n$536870912\r\n"), results: [incomplete] },
  {
    rule: "RESP-15",
    name: "configured proto-max-bulk-len",
    input: bin("*1\r\n$1048577\r\n"),
    maxBulkLength: 1048576,
    results: [error("Protocol error: invalid bulk length")],
  },
  {
    rule: "RESP-15",
    name: "configured proto-max-bulk-len, at the limit",
    input: bin("*1\r\n$1048576\r\n"),
    maxBulkLength: 1048576,
    results: [incomplete],
  },
  {
    rule: "RESP-10",
    name: "a NUL byte hides the header's CR",
    input: bin("*1\0\r\n$4\r\nPING\r\n"),
    results: [incomplete],
  },
  {
    rule: "RESP-19",
    name: "commands before a protocol error run",
    input: bin("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n"),
    results: [cmd(6, "PING"), cmd(14, "PING"), error("Protocol error: invalid multibulk length")],
  },
  {
    rule: "RESP-13",
    name: "count line over 64 KiB",
    input: bin("*" + "1".repeat(K64)),
    results: [error("Protocol error: too big mbulk count string")],
    chunkSensitive: true,
  },
  { rule: "RESP-13", name: "count line at 64 KiB waits", input: bin("*" + "1".repeat(K64 - 1)), results: [incomplete] },
  {
    rule: "RESP-16",
    name: "bulk length line over 64 KiB",
    input: bin("*1\r\n$" + "1".repeat(K64)),
    results: [error("Protocol error: too big bulk count string")],
    chunkSensitive: true,
  },
  { rule: "RESP-16", name: "bulk length line at 64 KiB waits", input: bin("*1\r\n$" + "1".repeat(K64 - 1)), results: [incomplete] },
  {
    rule: "RESP-18",
    name: "unauthenticated: more than 10 arguments",
    input: bin("*11\r\n"),
    authRequired: true,
    results: [error("Protocol error: unauthenticated multibulk length")],
  },
  { rule: "RESP-18", name: "unauthenticated: 10 arguments wait", input: bin("*10\r\n"), authRequired: true, results: [incomplete] },
  {
    rule: "RESP-18",
    name: "unauthenticated: bulk over 16384 bytes",
    input: bin("*1\r\n$16385\r\n"),
    authRequired: true,
    results: [error("Protocol error: unauthenticated bulk length")],
  },
  {
    rule: "RESP-18",
    name: "unauthenticated: bulk of 16384 bytes waits",
    input: bin("*1\r\n$16384\r\n"),
    authRequired: true,
    results: [incomplete],
  },

  // Inline requests.
  { rule: "RESP-5", name: "inline PING", input: bin("PING\r\n"), results: [cmd(6, "PING"), incomplete] },
  { rule: "RESP-5", name: "inline bare LF line ends", input: bin("PING\nPING\r\n"), results: [cmd(5, "PING"), cmd(6, "PING"), incomplete] },
  { rule: "RESP-5", name: "inline line waits for LF", input: bin("PING\r"), results: [incomplete] },
  {
    rule: "RESP-7",
    name: "empty inline lines run nothing",
    input: bin("\r\n\nPING\r\n"),
    results: [empty(2), empty(1), cmd(6, "PING"), incomplete],
  },
  { rule: "RESP-7", name: "blank inline line runs nothing", input: bin("  \t \r\nPING\r\n"), results: [empty(6), cmd(6, "PING"), incomplete] },
  {
    rule: "RESP-6",
    name: "inline double-quote escapes",
    input: bin('ECHO "\\x41\\x4a\\n\\q\\"\\\\"\r\n'),
    results: [cmd(25, "ECHO", 'AJ\nq"\\'), incomplete],
  },
  { rule: "RESP-6", name: "inline single quotes", input: bin("ECHO 'it\\'s \\n'\r\n"), results: [cmd(17, "ECHO", "it's \\n"), incomplete] },
  { rule: "RESP-6", name: "inline quote opening mid-argument", input: bin('ECHO a"b c"\r\n'), results: [cmd(13, "ECHO", "ab c"), incomplete] },
  { rule: "RESP-6", name: "inline empty quoted argument", input: bin('ECHO ""\r\n'), results: [cmd(9, "ECHO", ""), incomplete] },
  { rule: "RESP-6", name: "inline vertical tab inside an argument", input: bin("ECHO a\vb\r\n"), results: [cmd(10, "ECHO", "a\vb"), incomplete] },
  { rule: "RESP-6", name: "inline leading vertical tab is a blank", input: bin("ECHO \vb\r\n"), results: [cmd(9, "ECHO", "b"), incomplete] },
  { rule: "RESP-6", name: "inline CR separates arguments", input: bin("ECHO\ra\r\n"), results: [cmd(8, "ECHO", "a"), incomplete] },
  { rule: "RESP-6", name: "inline quote closed before a vertical tab", input: bin('ECHO "a"\v\r\n'), results: [cmd(11, "ECHO", "a"), incomplete] },
  { rule: "RESP-9", name: "inline unbalanced double quote", input: bin('PING "a\r\n'), results: [error("Protocol error: unbalanced quotes in request")] },
  { rule: "RESP-9", name: "inline unbalanced single quote", input: bin("PING 'a\r\n"), results: [error("Protocol error: unbalanced quotes in request")] },
  {
    rule: "RESP-9",
    name: "inline closing quote followed by a character",
    input: bin('ECHO "a"b\r\n'),
    results: [error("Protocol error: unbalanced quotes in request")],
  },
  {
    rule: "RESP-9",
    name: "inline trailing backslash in quotes",
    input: bin('ECHO "a\\\r\n'),
    results: [error("Protocol error: unbalanced quotes in request")],
  },
  { rule: "RESP-10", name: "a NUL byte hides the inline line end", input: bin("PING\0\r\nPING\r\n"), results: [incomplete] },
  {
    rule: "RESP-10",
    name: "a hidden line end ends at the inline limit",
    input: bin("PING\0\r\n" + "a".repeat(K64)),
    results: [error("Protocol error: too big inline request")],
    chunkSensitive: true,
  },
  { rule: "RESP-8", name: "inline request of 64 KiB without a line end waits", input: bin("a".repeat(K64)), results: [incomplete] },
  {
    rule: "RESP-8",
    name: "inline request over 64 KiB without a line end",
    input: bin("a".repeat(K64 + 1)),
    results: [error("Protocol error: too big inline request")],
    chunkSensitive: true,
  },
];
