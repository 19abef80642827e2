/**
 * Reads one direction of an SSDB replication link into protocol units: from the slave, its
 * requests (`auth`, `sync140 <last_seq> <last_key> sync|mirror`); from the master, packets whose
 * first block is a binlog record header (seq, type, cmd, key): copy_begin, copied keys, copy_end,
 * binlog records, noops and OUT_OF_SYNC; anything else (a reply to auth) as a reply.
 */
import { BinlogCommand, BinlogType, decodeRecord } from "../protocols/ssdb/binlog.ts";
import { LinkReader } from "../protocols/ssdb/wire.ts";
import type { WireMessageKind } from "./wire-message.ts";
import { RAW_LIMIT_BYTES, escapeBytes } from "./wire-message.ts";
import { latin1Text, type DirectionReader, type UnitSink } from "./wire-unit.ts";

/** A binlog command's name as ssdb's `Binlog::dumps` prints it. */
const COMMAND_NAMES = new Map<number, string>(Object.entries(BinlogCommand).map(([name, code]) => [code, name.toLowerCase()]));

/** Characters of a key shown in a message's words. */
const KEY_TEXT_LIMIT = 48;

export class SsdbDirectionReader implements DirectionReader {
  private readonly reader = new LinkReader();
  private pendingSentMs = 0;
  /** After a framing error the rest of the direction is not read (ssdb-server drops the link). */
  private broken = false;

  constructor(
    private readonly role: "slave" | "master",
    private readonly sink: UnitSink,
  ) {}

  push(chunk: Uint8Array, sentMs: number, arrivalMs: number): void {
    if (this.broken) return;
    if (this.reader.pending === 0) this.pendingSentMs = sentMs;
    this.reader.push(chunk);
    let unitSentMs = this.pendingSentMs;
    let read = false;
    for (;;) {
      const before = this.reader.pending;
      const result = this.reader.next();
      if (result.kind === "incomplete") break;
      if (result.kind === "error") {
        this.broken = true;
        return;
      }
      const bytes = before - this.reader.pending;
      this.packet(result.blocks, bytes, unitSentMs, arrivalMs);
      unitSentMs = sentMs;
      read = true;
    }
    if (read) this.pendingSentMs = sentMs;
  }

  private packet(blocks: readonly Uint8Array[], bytes: number, sentMs: number, arrivalMs: number): void {
    const raw = rawOf(blocks);
    const base = { bytes, sentMs, arrivalMs, raw };
    const words = blocks.map((block) => latin1Text(block.subarray(0, KEY_TEXT_LIMIT)));
    if (this.role === "slave") {
      // The password is the slave's secret, not part of the lesson.
      const text = words[0] === "auth" ? "auth ******" : words.join(" ");
      this.sink.emit({ ...base, kind: "command", text, raw: words[0] === "auth" ? "auth ******" : raw });
      return;
    }
    const record = blocks[0] === undefined ? null : decodeRecord(blocks[0]);
    if (record === null) {
      this.sink.emit({ ...base, kind: "reply", text: words.join(" ") });
      return;
    }
    const key = escapeBytes(Uint8Array.from(record.key.slice(0, KEY_TEXT_LIMIT), (c) => c.charCodeAt(0)));
    const offsets = { before: record.seq, after: record.seq };
    let kind: WireMessageKind;
    let text: string;
    switch (record.type) {
      case BinlogType.NOOP:
        kind = "noop";
        text = `noop ${record.seq}`;
        break;
      case BinlogType.COPY:
        kind = "copy";
        text = record.cmd === BinlogCommand.BEGIN ? "copy_begin" : record.cmd === BinlogCommand.END ? `copy_end ${record.seq}` : `copy ${key}`;
        break;
      case BinlogType.CTRL:
        kind = "out-of-sync";
        text = `${record.key} ${record.seq}`;
        break;
      default:
        kind = "binlog";
        text = `${record.type === BinlogType.MIRROR ? "mirror" : "sync"} ${record.seq} ${COMMAND_NAMES.get(record.cmd) ?? record.cmd} ${key}`;
    }
    this.sink.emit({ ...base, kind, text, offsets });
  }
}

/** A packet as it went on the wire (each block `<len>\n<bytes>\n`, then `\n`), cut at the raw limit. */
function rawOf(blocks: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const block of blocks) {
    for (const c of `${block.length}\n`) parts.push(c.charCodeAt(0));
    for (let i = 0; i < block.length && parts.length < RAW_LIMIT_BYTES; i++) parts.push(block[i]!);
    parts.push(0x0a);
    if (parts.length >= RAW_LIMIT_BYTES) break;
  }
  parts.push(0x0a);
  return Uint8Array.from(parts.slice(0, RAW_LIMIT_BYTES));
}
