/**
 * Reads one direction of a Redis replication link into protocol units, as the receiving side
 * would: from the replica, inline or multibulk commands (PING, REPLCONF, SYNC, PSYNC, ACKs); from
 * the master, status replies, keep-alive newlines, the RDB (`$<n>` then n bytes, or `$EOF:<mark>`
 * then bytes up to the mark, with no CRLF after either), then the command stream.
 *
 * Offsets: the stream starts at the offset `+FULLRESYNC` names, or at the replica's offset when
 * `+CONTINUE` accepts its PSYNC (the PSYNC asks for offset + 1); every stream byte after that
 * counts, PINGs and GETACKs included, as the master's `master_repl_offset` counts them.
 */
import { RAW_LIMIT_BYTES, shortenIds } from "./wire-message.ts";
import { joinBytes, latin1Text, type DirectionReader, type DraftMessage, type RedisLinkState, type UnitSink } from "./wire-unit.ts";

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = new Uint8Array(0);
/** The EOF mark of a diskless transfer (`RDB_EOF_MARK_SIZE`). */
const EOF_MARK_BYTES = 40;
/** Characters of one argument shown in a message's words. */
const ARG_TEXT_LIMIT = 48;

type Parsed =
  | { readonly type: "incomplete" }
  | { readonly type: "newline"; readonly end: number }
  | { readonly type: "line"; readonly end: number; readonly text: string; readonly inline: boolean }
  | { readonly type: "multibulk"; readonly end: number; readonly argv: readonly Uint8Array[] }
  | { readonly type: "rdb"; readonly end: number; readonly header: string; readonly length: number | null; readonly mark: Uint8Array | null };

const INCOMPLETE: Parsed = { type: "incomplete" };

/** An RDB on its way: counted, not kept. */
interface RdbTransfer {
  readonly draft: DraftMessage;
  readonly header: string;
  /** Payload bytes still to come (length-prefixed transfers). */
  remaining: number;
  /** The diskless EOF mark, and the last bytes seen (a mark may straddle two chunks). */
  readonly mark: Uint8Array | null;
  tail: Uint8Array;
  payload: number;
  magic: string;
}

export class RespDirectionReader implements DirectionReader {
  private pending: Uint8Array = EMPTY;
  private pendingSentMs = 0;
  private rdb: RdbTransfer | null = null;

  constructor(
    /** "replica": the side that connected; "master": the side that accepted. */
    private readonly role: "replica" | "master",
    private readonly link: RedisLinkState,
    private readonly sink: UnitSink,
  ) {}

  growing(): DraftMessage | null {
    return this.rdb?.draft ?? null;
  }

  push(chunk: Uint8Array, sentMs: number, arrivalMs: number): void {
    let from = 0;
    if (this.rdb !== null) {
      from = this.feedRdb(chunk, 0, arrivalMs);
      if (this.rdb !== null) return;
    }
    if (from >= chunk.length) return;
    const rest = chunk.subarray(from);
    if (this.pending.length === 0) {
      this.pending = rest;
      this.pendingSentMs = sentMs;
    } else {
      this.pending = joinBytes(this.pending, rest);
    }
    const buf = this.pending;
    let pos = 0;
    let unitSentMs = this.pendingSentMs;
    while (pos < buf.length) {
      const parsed = this.parse(buf, pos);
      if (parsed.type === "incomplete") break;
      const bytes = buf.subarray(pos, parsed.end);
      this.unit(parsed, bytes, unitSentMs, arrivalMs);
      pos = parsed.end;
      // Units after the first in this chunk began in it.
      unitSentMs = sentMs;
      if (this.rdb !== null) {
        pos += this.feedRdb(buf, pos, arrivalMs);
        if (this.rdb !== null) break;
      }
    }
    // What is left waits for more bytes; copied, since the chunk belongs to the world.
    this.pending = pos >= buf.length ? EMPTY : buf.slice(pos);
    if (pos > 0) this.pendingSentMs = sentMs;
  }

  private parse(buf: Uint8Array, pos: number): Parsed {
    const first = buf[pos]!;
    if (first === LF) return { type: "newline", end: pos + 1 };
    if (first === CR) {
      if (pos + 1 >= buf.length) return INCOMPLETE;
      if (buf[pos + 1] === LF) return { type: "newline", end: pos + 2 };
    }
    const eol = buf.indexOf(LF, pos);
    if (eol < 0) return INCOMPLETE;
    const line = latin1Text(buf.subarray(pos, buf[eol - 1] === CR ? eol - 1 : eol));
    if (first === 0x2a /* * */) return this.multibulk(buf, pos, eol);
    if (first === 0x24 /* $ */ && this.role === "master") {
      if (line.startsWith("$EOF:")) {
        const mark = Uint8Array.from(line.slice(5, 5 + EOF_MARK_BYTES), (c) => c.charCodeAt(0));
        return { type: "rdb", end: eol + 1, header: line, length: null, mark };
      }
      return { type: "rdb", end: eol + 1, header: line, length: Math.max(0, Number(line.slice(1)) || 0), mark: null };
    }
    const inline = first !== 0x2b && first !== 0x2d && first !== 0x3a; // + - :
    return { type: "line", end: eol + 1, text: line, inline };
  }

  private multibulk(buf: Uint8Array, pos: number, eol: number): Parsed {
    const count = decimalAt(buf, pos + 1, eol);
    const argv: Uint8Array[] = [];
    let at = eol + 1;
    for (let i = 0; i < count; i++) {
      const lineEnd = buf.indexOf(LF, at);
      if (lineEnd < 0) return INCOMPLETE;
      const length = decimalAt(buf, at + 1, lineEnd);
      // Not RESP after all (a peer that is not redis): its first line as words, and read on.
      if (Number.isNaN(length)) return { type: "line", end: eol + 1, text: latin1Text(buf.subarray(pos, eol)).trim(), inline: true };
      const body = lineEnd + 1;
      if (body + length + 2 > buf.length) return INCOMPLETE;
      argv.push(buf.subarray(body, body + length));
      at = body + length + 2;
    }
    return { type: "multibulk", end: at, argv };
  }

  private unit(parsed: Exclude<Parsed, { type: "incomplete" }>, bytes: Uint8Array, sentMs: number, arrivalMs: number): void {
    const base = { bytes: bytes.length, sentMs, arrivalMs, raw: bytes.subarray(0, RAW_LIMIT_BYTES) };
    switch (parsed.type) {
      case "newline":
        this.sink.emit({ ...base, kind: "newline", text: "\\n" });
        return;
      case "line":
        if (parsed.inline) this.command(parsed.text.split(" ").filter((word) => word.length > 0), base);
        else this.reply(parsed.text, base);
        return;
      case "multibulk":
        this.command(parsed.argv, base);
        return;
      case "rdb": {
        const draft = this.sink.emit({ ...base, kind: "rdb", text: "RDB", raw: "" });
        this.rdb = { draft, header: parsed.header, remaining: parsed.length ?? 0, mark: parsed.mark, tail: EMPTY, payload: 0, magic: "" };
        this.describeRdb(this.rdb);
        return;
      }
      default:
        assertNever(parsed);
    }
  }

  private reply(text: string, base: { bytes: number; sentMs: number; arrivalMs: number; raw: Uint8Array }): void {
    const words = text.split(" ");
    if (words[0] === "+FULLRESYNC" && words[2] !== undefined) this.link.streamOffset = Number(words[2]);
    else if (words[0] === "+CONTINUE") this.link.streamOffset = this.link.psyncOffset === null ? null : this.link.psyncOffset - 1;
    this.sink.emit({ ...base, kind: "reply", text: shortenIds(text) });
  }

  private command(argv: readonly (string | Uint8Array)[], base: { bytes: number; sentMs: number; arrivalMs: number; raw: Uint8Array }): void {
    const word = (i: number): string => {
      const arg = argv[i];
      return arg === undefined ? "" : typeof arg === "string" ? arg : latin1Text(arg.subarray(0, ARG_TEXT_LIMIT + 1));
    };
    const name = word(0).toUpperCase();
    const sub = name === "REPLCONF" ? word(1).toUpperCase() : "";
    // Words are made only for a message's first unit: a write joining a batch needs none (10,000 writes/s).
    const text = (): string =>
      argv
        .map((_, i) => {
          const arg = word(i);
          return shortenIds(arg.length > ARG_TEXT_LIMIT ? `${arg.slice(0, ARG_TEXT_LIMIT)}…` : arg);
        })
        .join(" ");
    if (this.role === "replica") {
      if (name === "REPLCONF" && sub === "ACK") {
        const offset = Number(word(2));
        this.sink.emit({ ...base, kind: "ack", text, ...(Number.isFinite(offset) ? { offsets: { before: offset, after: offset } } : {}) });
        return;
      }
      if (name === "PSYNC") {
        const offset = Number(word(2));
        this.link.psyncOffset = Number.isFinite(offset) ? offset : null;
      }
      if (name === "SYNC") this.link.streamOffset = null;
      this.sink.emit({ ...base, kind: "command", text });
      return;
    }
    // The master side: everything it sends after the RDB is the stream, and counts.
    const kind = name === "PING" ? "ping" : name === "REPLCONF" && sub === "GETACK" ? "getack" : "stream";
    const before = this.link.streamOffset;
    if (before === null) {
      this.sink.emit({ ...base, kind, text });
      return;
    }
    this.link.streamOffset = before + base.bytes;
    this.sink.emit({ ...base, kind, text, offsets: { before, after: before + base.bytes } });
  }

  /** Counts RDB bytes from `buf` at `from`; returns how many belong to the RDB. */
  private feedRdb(buf: Uint8Array, from: number, arrivalMs: number): number {
    const rdb = this.rdb!;
    const available = buf.subarray(from);
    let taken: number;
    if (rdb.mark === null) {
      taken = Math.min(rdb.remaining, available.length);
      rdb.remaining -= taken;
    } else {
      const window = joinBytes(rdb.tail, available);
      const found = indexOfBytes(window, rdb.mark);
      taken = found < 0 ? available.length : found + rdb.mark.length - rdb.tail.length;
      rdb.tail = found < 0 ? window.slice(Math.max(0, window.length - rdb.mark.length + 1)) : EMPTY;
      if (found >= 0) rdb.remaining = 0;
      else rdb.remaining = 1;
    }
    if (rdb.magic.length < 9) rdb.magic = (rdb.magic + latin1Text(available.subarray(0, 9 - rdb.magic.length))).slice(0, 9);
    rdb.payload += taken;
    rdb.draft.bytes += taken;
    rdb.draft.receivedMs = Math.max(rdb.draft.receivedMs, arrivalMs);
    this.describeRdb(rdb);
    if (rdb.remaining === 0) {
      // A diskless transfer's mark is not RDB data.
      if (rdb.mark !== null) rdb.payload -= rdb.mark.length;
      this.describeRdb(rdb);
      this.rdb = null;
    }
    return taken;
  }

  private describeRdb(rdb: RdbTransfer): void {
    const size = `${rdb.payload} bytes${rdb.magic.startsWith("REDIS") ? ` ${rdb.magic}` : ""}`;
    rdb.draft.text = rdb.remaining === 0 && (rdb.mark === null || rdb.payload > 0) ? `RDB ${size}` : `RDB ${size}…`;
    rdb.draft.raw = `${shortenIds(rdb.header)}\\r\\n<RDB ${size}>`;
  }
}

/** The decimal number in `buf[from, to)`, a trailing CR ignored (a RESP length line). */
function decimalAt(buf: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
    else if (c !== CR) return NaN;
  }
  return value;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first ?? 0); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function assertNever(value: never): never {
  throw new Error(`unexpected unit ${JSON.stringify(value)}`);
}
