/**
 * The client side of RESP2: turning the bytes a server answers into {@link Reply} values, with the
 * acceptance rules and error texts of hiredis (`deps/hiredis/read.c`), the reader redis-cli and
 * redis-server's own replica link build on.
 */

import { bytesToBinary } from "../../util/bytes.ts";
import { parseLongLong } from "./decimal.ts";
import { InputBuffer } from "./input-buffer.ts";
import type { Reply } from "./reply.ts";
import { reprByte } from "./repr.ts";

const LF = 0x0a;
const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;

/** `REDIS_READER_MAX_ARRAY_ELEMENTS` in hiredis. */
const MAX_ARRAY_ELEMENTS = 2 ** 32 - 1;

/**
 * The peer sent something that is not RESP2. `message` is hiredis's text for it (redis-cli prints it
 * after `Error: `). Not a {@link Reply}: the connection is unusable after it.
 */
export interface ReplyProtocolError {
  readonly kind: "protocol-error";
  readonly message: string;
}

/** Marks a step that consumed a header (an array opening, a bulk length) and produced no value yet. */
const PROGRESS = Symbol("progress");

/** An array being filled: its items so far and how many it will have. */
interface OpenArray {
  readonly items: Reply[];
  readonly count: number;
}

/**
 * Incremental RESP2 reply parser for one connection: {@link push} received bytes, then call
 * {@link next} until it answers `undefined`. Bulk payloads in the replies are copies, so replies stay
 * valid however the parser's buffer moves.
 *
 * Simple strings and error messages come back as byte strings (char codes 0..255), the same convention
 * the encoder uses, so a reply re-encodes to the bytes it came from.
 * Integers beyond 2^53 lose precision: {@link Reply} holds them as numbers.
 */
export class ReplyParser {
  private readonly input = new InputBuffer();
  private readonly stack: OpenArray[] = [];
  /** Length of the bulk whose header has been consumed, or -1. */
  private bulkLength = -1;
  /** Offset from input.start up to which the current line was searched for `\r\n`. */
  private scanned = 0;
  private failure: ReplyProtocolError | null = null;

  /** Appends received bytes (copied). Ignored after a protocol error. */
  push(bytes: Uint8Array): void {
    if (this.failure === null) this.input.append(bytes);
  }

  /**
   * The next complete reply, `undefined` if more bytes are needed, or the protocol error that ended the
   * stream (returned again on every later call).
   */
  next(): Reply | ReplyProtocolError | undefined {
    if (this.failure !== null) return this.failure;
    for (;;) {
      const value = this.nextValue();
      if (value === PROGRESS) continue;
      if (value === undefined || value.kind === "protocol-error") return value;
      const done = this.attach(value);
      if (done !== undefined) return done;
    }
  }

  /**
   * Takes the bytes received but not yet parsed, leaving the parser empty. For a connection that stops
   * speaking RESP after a reply (a replica reading `+FULLRESYNC` and then the RDB payload).
   */
  takeRemaining(): Uint8Array {
    const input = this.input;
    const rest = input.data.slice(input.start, input.end);
    input.reset();
    this.stack.length = 0;
    this.bulkLength = -1;
    this.scanned = 0;
    return rest;
  }

  /**
   * Parses one value at the current nesting level. Headers are consumed as soon as they are complete
   * (answering PROGRESS), so nesting depth costs no recursion and a waiting bulk is checked in O(1).
   */
  private nextValue(): Reply | ReplyProtocolError | typeof PROGRESS | undefined {
    const input = this.input;
    if (this.bulkLength >= 0) {
      const length = this.bulkLength;
      // As in hiredis, the two bytes after the payload are skipped without being checked.
      if (input.length < length + 2) return undefined;
      const value = input.data.slice(input.start, input.start + length);
      input.consume(length + 2);
      this.bulkLength = -1;
      return { kind: "bulk", value };
    }
    if (input.length === 0) return undefined;
    const data = input.data;
    const type = data[input.start]!;
    if (type !== PLUS && type !== MINUS && type !== COLON && type !== DOLLAR && type !== STAR) {
      return this.fail(`Protocol error, got "${reprByte(type)}" as reply type byte`);
    }
    const lineEnd = this.findCrLf();
    if (lineEnd < 0) return undefined;
    const from = input.start + 1;
    this.scanned = 0;
    switch (type) {
      case PLUS:
      case MINUS: {
        for (let i = from; i < lineEnd; i++) {
          if (data[i] === CR || data[i] === LF) return this.fail("Bad simple string value");
        }
        const text = bytesToBinary(data, from, lineEnd);
        input.consume(lineEnd + 2 - input.start);
        return type === PLUS ? { kind: "simple", value: text } : { kind: "error", message: text };
      }
      case COLON: {
        const value = parseLongLong(data, from, lineEnd);
        if (value === null) return this.fail("Bad integer value");
        input.consume(lineEnd + 2 - input.start);
        return { kind: "integer", value };
      }
      case DOLLAR: {
        const length = parseLongLong(data, from, lineEnd);
        if (length === null) return this.fail("Bad bulk string length");
        if (length < -1) return this.fail("Bulk string length out of range");
        input.consume(lineEnd + 2 - input.start);
        if (length === -1) return { kind: "bulk", value: null };
        this.bulkLength = length;
        return PROGRESS;
      }
      default: {
        const count = parseLongLong(data, from, lineEnd);
        if (count === null) return this.fail("Bad multi-bulk length");
        if (count < -1 || count > MAX_ARRAY_ELEMENTS) return this.fail("Multi-bulk length out of range");
        input.consume(lineEnd + 2 - input.start);
        if (count === -1) return { kind: "array", items: null };
        if (count === 0) return { kind: "array", items: [] };
        this.stack.push({ items: [], count });
        return PROGRESS;
      }
    }
  }

  /** Adds a finished value to the open arrays; returns the top-level reply once one is complete. */
  private attach(value: Reply): Reply | undefined {
    let finished: Reply = value;
    for (;;) {
      const open = this.stack[this.stack.length - 1];
      if (open === undefined) return finished;
      open.items.push(finished);
      if (open.items.length < open.count) return undefined;
      this.stack.pop();
      finished = { kind: "array", items: open.items };
    }
  }

  /** Index of the `\r` of the first `\r\n` after the type byte, or -1; resumes the previous search. */
  private findCrLf(): number {
    const { data, start, end } = this.input;
    let i = start + Math.max(1, this.scanned);
    for (; i + 1 < end; i++) {
      if (data[i] === CR && data[i + 1] === LF) return i;
    }
    this.scanned = i - start;
    return -1;
  }

  private fail(message: string): ReplyProtocolError {
    this.failure = Object.freeze({ kind: "protocol-error", message });
    this.input.reset();
    this.stack.length = 0;
    return this.failure;
  }
}

/**
 * Parses a byte sequence holding whole replies. A test and tooling helper: it throws on a protocol
 * error or on a trailing partial reply, which peer-facing code must not do (use {@link ReplyParser}).
 */
export function parseAllReplies(bytes: Uint8Array): Reply[] {
  const parser = new ReplyParser();
  parser.push(bytes);
  const replies: Reply[] = [];
  for (;;) {
    const reply = parser.next();
    if (reply === undefined) break;
    if (reply.kind === "protocol-error") throw new Error(reply.message);
    replies.push(reply);
  }
  const rest = parser.takeRemaining();
  if (rest.length > 0) throw new Error(`incomplete reply: ${rest.length} trailing bytes`);
  return replies;
}
