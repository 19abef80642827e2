/**
 * The conversation of every replication link of a lab: the messages processes sent each other,
 * read from the bytes the world carried (`World.setWireTap`), in the protocol's words. A lab is a
 * function of its log, so the conversation of any moment is read by replaying the log on a lab of
 * its own with a tap: deterministic, and the live lab is never touched (a tapped lab cannot fork).
 *
 * Only connections a node opened are read (replication links, to lab nodes or to servers outside
 * the lab): consoles and write loads are clients, not part of the protocol.
 *
 * Dense traffic is batched: a stream write (or newline, copied key, binlog record) sent within
 * {@link BATCH_WINDOW_MS} of the previous message of the same kind on the same direction, with
 * nothing between them, joins it, with its count and bytes. At most `maxMessages` are kept (the
 * oldest go first), so memory stays bounded however long the lab ran.
 */
import type { Lab } from "../lab/lab.ts";
import type { LabInput, LabOrigin } from "../lab/input-log.ts";
import { ReplayCursor, type LogSource } from "../lab/replay-cursor.ts";
import type { SimConnection, WireTap } from "../sim/world.ts";
import { RespDirectionReader } from "./resp-reader.ts";
import { SsdbDirectionReader } from "./ssdb-reader.ts";
import { RAW_LIMIT_BYTES, escapeBytes, type WireMessage, type WireMessageKind } from "./wire-message.ts";
import type { DirectionReader, DraftMessage, RedisLinkState, UnitSink, WireUnit } from "./wire-unit.ts";

/** Messages of a batchable kind this close together (virtual ms) on one direction are one arrow. */
export const BATCH_WINDOW_MS = 100;
/** Messages a conversation keeps by default. */
export const DEFAULT_MAX_MESSAGES = 20_000;

const BATCHED = new Set<WireMessageKind>(["stream", "newline", "copy", "binlog"]);

/** How the recorder names a connection's ends and learns their protocol. */
export interface ConversationPeers {
  /** A node id for a lab node's address, else the address itself. */
  nameOf(address: string): string;
  /** "ssdb" for an SSDB node's address; anything else is read as Redis. */
  protocolOf(address: string): "redis" | "ssdb";
}

interface LinkRecord {
  readonly ends: readonly [string, string];
  readonly readers: readonly [DirectionReader, DirectionReader];
  /** The last message of each direction, while it may still take a batch. */
  readonly last: [DraftMessage | null, DraftMessage | null];
}

/** A wire tap that turns what a lab's links carry into messages. */
export class ConversationRecorder implements WireTap {
  private readonly links = new Map<number, LinkRecord>();
  private drafts: DraftMessage[] = [];
  private nextSeq = 1;
  /** Messages dropped from the front to stay within `maxMessages`. */
  dropped = 0;

  constructor(
    private readonly peers: ConversationPeers,
    private readonly maxMessages = DEFAULT_MAX_MESSAGES,
  ) {}

  connect(conn: SimConnection, timeMs: number): void {
    const ends: [string, string] = [this.peers.nameOf(conn.fromAddress), this.peers.nameOf(conn.toAddress)];
    const ssdb = this.peers.protocolOf(conn.toAddress) === "ssdb";
    const state: RedisLinkState = { psyncOffset: null, streamOffset: null };
    const sink = (side: 0 | 1): UnitSink => ({ emit: (unit) => this.emit(conn.id, side, unit) });
    const readers: [DirectionReader, DirectionReader] = ssdb
      ? [new SsdbDirectionReader("slave", sink(0)), new SsdbDirectionReader("master", sink(1))]
      : [new RespDirectionReader("replica", state, sink(0)), new RespDirectionReader("master", state, sink(1))];
    this.links.set(conn.id, { ends, readers, last: [null, null] });
    this.push(conn.id, 0, { kind: "connect", text: "connect", bytes: 0, sentMs: timeMs, arrivalMs: timeMs, raw: "" });
  }

  bytes(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array, sentMs: number, arrivalMs: number): void {
    this.links.get(conn.id)?.readers[fromSide].push(bytes, sentMs, arrivalMs);
  }

  fin(conn: SimConnection, fromSide: 0 | 1, sentMs: number, arrivalMs: number): void {
    if (!this.links.has(conn.id)) return;
    this.push(conn.id, fromSide, { kind: "close", text: "close", bytes: 0, sentMs, arrivalMs, raw: "" });
  }

  refused(conn: SimConnection, reason: string, timeMs: number): void {
    const link = this.links.get(conn.id);
    if (!link) return;
    this.push(conn.id, 1, { kind: "refused", text: reason, bytes: 0, sentMs: timeMs, arrivalMs: timeMs, raw: "" });
    this.links.delete(conn.id);
  }

  /** The messages kept, oldest first. */
  messages(): WireMessage[] {
    return this.drafts.map(freeze);
  }

  private emit(conn: number, side: 0 | 1, unit: WireUnit): DraftMessage {
    const link = this.links.get(conn)!;
    const last = link.last[side];
    if (last !== null && last.kind === unit.kind && BATCHED.has(unit.kind) && unit.sentMs - last.sentMs <= BATCH_WINDOW_MS) {
      last.count++;
      last.bytes += unit.bytes;
      last.receivedMs = Math.max(last.receivedMs, unit.arrivalMs);
      if (unit.offsets && last.offsets) last.offsets.after = unit.offsets.after;
      appendRaw(last, unit.raw);
      return last;
    }
    return this.push(conn, side, unit);
  }

  private push(conn: number, side: 0 | 1, unit: WireUnit): DraftMessage {
    const link = this.links.get(conn)!;
    const draft: DraftMessage = {
      seq: this.nextSeq++,
      conn,
      from: link.ends[side],
      to: link.ends[side === 0 ? 1 : 0],
      kind: unit.kind,
      text: typeof unit.text === "string" ? unit.text : unit.text(),
      sentMs: unit.sentMs,
      receivedMs: unit.arrivalMs,
      bytes: unit.bytes,
      count: 1,
      raw: "",
      rawBytes: 0,
      rawTruncated: false,
      ...(unit.offsets ? { offsets: { ...unit.offsets } } : {}),
    };
    appendRaw(draft, unit.raw);
    // Another message on the link ends both directions' batches: an arrow never jumps over one.
    link.last[0] = null;
    link.last[1] = null;
    link.last[side] = draft;
    this.drafts.push(draft);
    if (this.drafts.length > this.maxMessages) {
      // Dropped in halves, so trimming costs O(1) per message over time.
      const cut = this.drafts.length - Math.floor(this.maxMessages / 2);
      this.drafts = this.drafts.slice(cut);
      this.dropped += cut;
    }
    return draft;
  }
}

function appendRaw(draft: DraftMessage, raw: Uint8Array | string): void {
  if (typeof raw === "string") {
    draft.raw += raw;
    return;
  }
  const room = RAW_LIMIT_BYTES - draft.rawBytes;
  if (raw.length > room) draft.rawTruncated = true;
  if (room <= 0) return;
  const taken = Math.min(room, raw.length);
  draft.raw += escapeBytes(raw, 0, taken);
  draft.rawBytes += taken;
}

function freeze(draft: DraftMessage): WireMessage {
  const { rawBytes: _rawBytes, offsets, ...rest } = draft;
  return { ...rest, ...(offsets ? { offsets: { ...offsets } } : {}) };
}

/** The peers of a lab: node ids by address, SSDB by node version. */
export function labPeers(lab: Lab): ConversationPeers {
  return {
    nameOf: (address) => lab.nodeByAddress(address) ?? address,
    protocolOf: (address) => {
      const id = lab.nodeByAddress(address);
      return id !== undefined && lab.nodeSnapshot(id).version === "ssdb" ? "ssdb" : "redis";
    },
  };
}

/** What {@link conversationAt} read. */
export interface Conversation {
  /** Messages sent at or before the moment, oldest first (one still travelling has `receivedMs` after it). */
  readonly messages: readonly WireMessage[];
  /** Messages dropped to keep within the limit. */
  readonly dropped: number;
  readonly timeMs: number;
}

/**
 * A replay of a lab's log (`origin` and `inputs`, a lab's `creation` and `inputs`) up to virtual
 * time `timeMs` with a wire tap: the lab as it was then, and the messages sent by then (one still
 * travelling has `receivedMs` after it).
 */
export function replayWithConversation(
  origin: LabOrigin,
  inputs: LogSource | readonly LabInput[],
  timeMs: number,
  maxMessages = DEFAULT_MAX_MESSAGES,
): Conversation & { readonly lab: Lab } {
  const source: LogSource = isInputArray(inputs) ? { length: inputs.length, at: (i) => inputs[i] } : inputs;
  const cursor = ReplayCursor.start(origin, source);
  const recorder = new ConversationRecorder(labPeers(cursor.lab), maxMessages);
  cursor.lab.tapWire(recorder);
  cursor.seek(timeMs);
  cursor.lab.tapWire(null);
  return { lab: cursor.lab, messages: recorder.messages().filter((m) => m.sentMs <= timeMs), dropped: recorder.dropped, timeMs: cursor.timeMs };
}

function isInputArray(inputs: LogSource | readonly LabInput[]): inputs is readonly LabInput[] {
  return Array.isArray(inputs);
}

/** The conversation of a lab's links up to virtual time `timeMs` (see {@link replayWithConversation}). */
export function conversationAt(origin: LabOrigin, inputs: LogSource | readonly LabInput[], timeMs: number, maxMessages = DEFAULT_MAX_MESSAGES): Conversation {
  const { messages, dropped, timeMs: reached } = replayWithConversation(origin, inputs, timeMs, maxMessages);
  return { messages, dropped, timeMs: reached };
}
