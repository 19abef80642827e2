/**
 * The conversation of every replication link of a lab: the messages processes sent each other,
 * read from the bytes the world carried (`World.setWireTap`), in the protocol's words. A lab is a
 * function of its log, so the conversation of any moment is read by replaying the log on a lab of
 * its own with a tap: deterministic, and the live lab is never touched (a tapped lab cannot fork).
 *
 * Connections a node opened are read (replication links, to lab nodes or to servers outside the
 * lab), and connections from outside that speak replication (a real replica bridged in): consoles
 * and write loads are clients, not part of the protocol.
 *
 * Dense traffic is batched: a stream write (or newline, copied key, binlog record) sent within
 * {@link BATCH_WINDOW_MS} of the previous message of the same kind on the same direction, with
 * nothing between them, joins it, with its count and bytes. At most `maxMessages` are kept (the
 * oldest go first), so memory stays bounded however long the lab ran.
 */
import type { Lab } from "../lab/lab.ts";
import type { LabInput, LabOrigin } from "../lab/input-log.ts";
import { ReplayCursor, type LogSource } from "../lab/replay-cursor.ts";
import type { LabEvent } from "../lab/types.ts";
import type { NodeStepClock, SimConnection, WireLoss, WireTap } from "../sim/world.ts";
import { RespDirectionReader } from "./resp-reader.ts";
import { SsdbDirectionReader } from "./ssdb-reader.ts";
import { RAW_LIMIT_BYTES, escapeBytes, type WireFault, type WireMessage, type WireMessageKind } from "./wire-message.ts";
import type { DirectionReader, DraftMessage, RedisLinkState, UnitSink, WireUnit } from "./wire-unit.ts";

/** Messages of a batchable kind this close together (virtual ms) on one direction are one arrow. */
export const BATCH_WINDOW_MS = 100;
/** Messages a conversation keeps by default. */
export const DEFAULT_MAX_MESSAGES = 20_000;
/** Units of a batch kept in words, so it can be opened (the rest are counted, not kept). */
export const BATCH_ITEM_LIMIT = 20;
/** Events linked to one message at most (each unit of a long batch may cause some). */
export const EVENT_LINK_LIMIT = 32;

const BATCHED = new Set<WireMessageKind>(["stream", "newline", "copy", "binlog"]);
/** Operator actions that reset a running node's connections (a crash, for its peers). */
const RESETTING_ACTIONS = new Set(["killed", "restarted", "node-removed"]);

/** How the recorder names a connection's ends and learns their protocol. */
export interface ConversationPeers {
  /** A node id for a lab node's address, else the address itself. */
  nameOf(address: string): string;
  /** "ssdb" for an SSDB node's address; anything else is read as Redis. */
  protocolOf(address: string): "redis" | "ssdb";
}

/** A piece of one direction in flight: its size and the messages whose bytes it carries. */
interface Piece {
  readonly bytes: number;
  readonly drafts: readonly DraftMessage[];
}

/** What a partition held of one direction: its writer's step, and a crash if a kill wrote it. */
interface HeldWrite {
  /** Bytes not yet released (0: a FIN). */
  remaining: number;
  readonly step: StepLinks | null;
  fault?: WireFault;
}

/** A first-in first-out list (a long transfer has thousands of pieces in flight: no `shift`). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface LinkRecord {
  readonly ends: readonly [string, string];
  /** Whether each end is a lab node (events can be linked only to a node's steps). */
  readonly nodes: readonly [boolean, boolean];
  readonly readers: readonly [DirectionReader, DirectionReader];
  /** The last message of each direction, while it may still take a batch. */
  readonly last: [DraftMessage | null, DraftMessage | null];
  /** Pieces each direction sent that were not read (or lost) yet, in order. */
  readonly inFlight: readonly [Queue<Piece>, Queue<Piece>];
  /** Writes each direction's partition holds, in order: the next bytes or FIN sent are theirs. */
  readonly held: readonly [Queue<HeldWrite>, Queue<HeldWrite>];
  /**
   * A connection from outside (a console, a write load, a real replica bridged in) is drawn only
   * once it speaks replication: its messages wait here until a REPLCONF, SYNC or PSYNC; after
   * {@link OUTSIDE_UNITS} units without one it is a client, and ignored (`ignored`).
   */
  parked: DraftMessage[] | null;
  units: number;
  ignored: boolean;
}

/** Units a connection from outside may send before it is taken for a client, not a replica. */
const OUTSIDE_UNITS = 8;
/** Commands only a replica sends. */
const REPLICA_COMMAND = /^(REPLCONF|PSYNC|SYNC|sync140)\b/;

/** One node step (`World.nodeStep`): the events it reported so far and the messages caused in it. */
interface StepLinks {
  readonly step: number;
  readonly node: string;
  readonly events: { readonly seq: number; readonly kind: string }[];
  readonly drafts: DraftMessage[];
}

/**
 * A wire tap that turns what a lab's links carry into messages. Observing the lab too
 * ({@link ConversationRecorder.observe}) links each message to the events caused with it, by node
 * step: the world numbers each step in which a process ran, the sender's trace events and sends of
 * one step share its number, and the world reports each piece's delivery just before the receiver's
 * step that reads it. Without observing, messages have no events.
 */
export class ConversationRecorder implements WireTap {
  private readonly links = new Map<number, LinkRecord>();
  private drafts: DraftMessage[] = [];
  private nextSeq = 1;
  private clock: NodeStepClock | null = null;
  /** The node step events and sends are being linked in. */
  private step: StepLinks | null = null;
  /** The next step, when a delivery announced which node it runs on and what it reads. */
  private upcoming: StepLinks | null = null;
  /** Messages the piece being read belongs to (collected while a reader reads it). */
  private touched: DraftMessage[] | null = null;
  /** Closes written outside any node step since the last operator action (a kill resets them so). */
  private resets: { readonly from: string; readonly target: { fault?: WireFault } }[] = [];
  /** Messages dropped from the front to stay within `maxMessages`. */
  dropped = 0;

  constructor(
    private readonly peers: ConversationPeers,
    private readonly maxMessages = DEFAULT_MAX_MESSAGES,
  ) {}

  /**
   * Links messages to the events of `lab` (the lab this recorder taps) from now on; returns how to
   * stop. The lab's events must be observed from before the messages they cause.
   */
  observe(lab: Lab): () => void {
    this.clock = lab.stepClock;
    const unsubscribe = lab.subscribe((event) => this.event(event));
    return () => {
      unsubscribe();
      this.clock = null;
    };
  }

  connect(conn: SimConnection, timeMs: number): void {
    this.open(conn, timeMs, false);
  }

  opened(conn: SimConnection, timeMs: number): void {
    this.open(conn, timeMs, true);
  }

  private open(conn: SimConnection, timeMs: number, outside: boolean): void {
    const ends: [string, string] = [this.peers.nameOf(conn.fromAddress), this.peers.nameOf(conn.toAddress)];
    const ssdb = this.peers.protocolOf(conn.toAddress) === "ssdb";
    const state: RedisLinkState = { psyncOffset: null, streamOffset: null };
    const sink = (side: 0 | 1): UnitSink => ({ emit: (unit) => this.emit(conn.id, side, unit) });
    const readers: [DirectionReader, DirectionReader] = ssdb
      ? [new SsdbDirectionReader("slave", sink(0)), new SsdbDirectionReader("master", sink(1))]
      : [new RespDirectionReader("replica", state, sink(0)), new RespDirectionReader("master", state, sink(1))];
    // The accepting side is a node when its address is one (an outside server's is not renamed).
    const nodes: [boolean, boolean] = [conn.sides[0].kind === "host", ends[1] !== conn.toAddress];
    this.links.set(conn.id, { ends, nodes, readers, last: [null, null], inFlight: [new Queue(), new Queue()], held: [new Queue(), new Queue()], parked: outside ? [] : null, units: 0, ignored: false });
    const draft = this.push(conn.id, 0, { kind: "connect", text: "connect", bytes: 0, sentMs: timeMs, arrivalMs: timeMs, raw: "" });
    this.linkToSenderStep(conn.id, 0, [draft]);
  }

  bytes(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array, sentMs: number, arrivalMs: number): void {
    const link = this.links.get(conn.id);
    if (!link || link.ignored) return;
    const reader = link.readers[fromSide];
    const growing = reader.growing?.() ?? null;
    const touched: DraftMessage[] = growing === null ? [] : [growing];
    this.touched = touched;
    reader.push(bytes, sentMs, arrivalMs);
    this.touched = null;
    link.inFlight[fromSide].push({ bytes: bytes.length, drafts: touched });
    const queue = link.held[fromSide];
    const held = queue.peek();
    if (held === undefined) {
      this.linkToSenderStep(conn.id, fromSide, touched);
      return;
    }
    // Released by a heal: the write belongs to the step that made it (a write may come in pieces).
    held.remaining -= bytes.length;
    if (held.remaining <= 0) queue.shift();
    this.release(held, touched);
  }

  fin(conn: SimConnection, fromSide: 0 | 1, sentMs: number, arrivalMs: number): void {
    const link = this.links.get(conn.id);
    if (!link || link.ignored) return;
    const draft = this.push(conn.id, fromSide, { kind: "close", text: "close", bytes: 0, sentMs, arrivalMs, raw: "" });
    link.inFlight[fromSide].push({ bytes: 0, drafts: [draft] });
    const held = link.held[fromSide].shift();
    if (held !== undefined) this.release(held, [draft]);
    else if (this.clock?.inNodeStep === true) this.linkToSenderStep(conn.id, fromSide, [draft]);
    else this.resets.push({ from: draft.from, target: draft });
  }

  held(conn: SimConnection, fromSide: 0 | 1, bytes: number): void {
    const link = this.links.get(conn.id);
    if (!link || link.ignored) return;
    const inStep = this.clock?.inNodeStep === true && link.nodes[fromSide];
    const write: HeldWrite = { remaining: bytes, step: inStep ? this.stepOf(this.clock!.nodeStep, link.ends[fromSide]) : null };
    link.held[fromSide].push(write);
    if (bytes === 0 && !inStep) this.resets.push({ from: link.ends[fromSide], target: write });
  }

  refused(conn: SimConnection, reason: string, timeMs: number): void {
    const link = this.links.get(conn.id);
    if (!link) return;
    const draft = this.push(conn.id, 1, { kind: "refused", text: reason, bytes: 0, sentMs: timeMs, arrivalMs: timeMs, raw: "" });
    // The initiator's next step is the one told of the refusal.
    if (link.nodes[0]) this.announce(link.ends[0], [draft]);
    this.links.delete(conn.id);
  }

  delivered(conn: SimConnection, fromSide: 0 | 1): void {
    const link = this.links.get(conn.id);
    const piece = link?.inFlight[fromSide].shift();
    if (!link || !piece || piece.drafts.length === 0) return;
    const toSide = fromSide === 0 ? 1 : 0;
    if (link.nodes[toSide]) this.announce(link.ends[toSide], piece.drafts);
  }

  lost(conn: SimConnection, fromSide: 0 | 1, _bytes: number, reason: WireLoss): void {
    const piece = this.links.get(conn.id)?.inFlight[fromSide].shift();
    if (!piece) return;
    for (const draft of piece.drafts) draft.fault ??= `lost-${reason}`;
  }

  /** The messages kept, oldest first. */
  messages(): WireMessage[] {
    return this.drafts.map(freeze);
  }

  private event(event: LabEvent): void {
    if (event.source === "lab") {
      if (event.nodeId !== null && RESETTING_ACTIONS.has(event.kind)) {
        for (const reset of this.resets) if (reset.from === event.nodeId) reset.target.fault ??= "crash";
      }
      this.resets = [];
      return;
    }
    if (event.nodeId === null || this.clock?.inNodeStep !== true) return;
    const step = this.stepOf(this.clock.nodeStep, event.nodeId);
    step.events.push({ seq: event.seq, kind: event.kind });
    for (const draft of step.drafts) linkEvent(draft, event.seq, event.kind);
  }

  /** The links of node step `step` of `node` (a delivery may have announced it). */
  private stepOf(step: number, node: string): StepLinks {
    if (this.step !== null && this.step.step === step && this.step.node === node) return this.step;
    if (this.upcoming !== null && this.upcoming.step === step && this.upcoming.node === node) this.step = this.upcoming;
    else this.step = { step, node, events: [], drafts: [] };
    this.upcoming = null;
    return this.step;
  }

  /** Messages `drafts` were sent by `fromSide` in the node step running now, if one is. */
  private linkToSenderStep(conn: number, fromSide: 0 | 1, drafts: readonly DraftMessage[]): void {
    const link = this.links.get(conn);
    if (this.clock?.inNodeStep !== true || !link || !link.nodes[fromSide] || drafts.length === 0) return;
    this.join(this.stepOf(this.clock.nodeStep, link.ends[fromSide]), drafts);
  }

  private release(held: HeldWrite, drafts: readonly DraftMessage[]): void {
    if (held.step !== null) this.join(held.step, drafts);
    if (held.fault !== undefined) for (const draft of drafts) draft.fault ??= held.fault;
  }

  /** The next node step, on `node`, reads (the last bytes of) `drafts`. */
  private announce(node: string, drafts: readonly DraftMessage[]): void {
    if (this.clock === null) return;
    const next = this.clock.nodeStep + 1;
    if (this.upcoming === null || this.upcoming.step !== next || this.upcoming.node !== node) this.upcoming = { step: next, node, events: [], drafts: [] };
    this.join(this.upcoming, drafts);
  }

  private join(step: StepLinks, drafts: readonly DraftMessage[]): void {
    for (const draft of drafts) {
      if (step.drafts.includes(draft)) continue;
      step.drafts.push(draft);
      for (const event of step.events) linkEvent(draft, event.seq, event.kind);
    }
  }

  private emit(conn: number, side: 0 | 1, unit: WireUnit): DraftMessage {
    const link = this.links.get(conn)!;
    // The rest of the piece that showed a connection from outside to be a client is read for nothing.
    if (link.ignored) return scratchDraft(conn, unit);
    if (link.parked !== null && this.judgeOutside(link, unit)) return scratchDraft(conn, unit);
    const last = link.last[side];
    let draft: DraftMessage;
    if (last !== null && last.kind === unit.kind && BATCHED.has(unit.kind) && unit.sentMs - last.sentMs <= BATCH_WINDOW_MS) {
      last.count++;
      last.bytes += unit.bytes;
      last.receivedMs = Math.max(last.receivedMs, unit.arrivalMs);
      if (unit.offsets && last.offsets) last.offsets.after = unit.offsets.after;
      if (last.items !== undefined && last.items.length < BATCH_ITEM_LIMIT) last.items.push(textOf(unit));
      appendRaw(last, unit.raw);
      draft = last;
    } else {
      draft = this.push(conn, side, unit);
    }
    const touched = this.touched;
    if (touched !== null && touched[touched.length - 1] !== draft) touched.push(draft);
    return draft;
  }

  private push(conn: number, side: 0 | 1, unit: WireUnit): DraftMessage {
    const link = this.links.get(conn)!;
    const text = textOf(unit);
    const draft: DraftMessage = {
      seq: this.nextSeq++,
      conn,
      from: link.ends[side],
      to: link.ends[side === 0 ? 1 : 0],
      kind: unit.kind,
      text,
      sentMs: unit.sentMs,
      receivedMs: unit.arrivalMs,
      bytes: unit.bytes,
      count: 1,
      raw: "",
      rawBytes: 0,
      rawTruncated: false,
      events: [],
      ...(BATCHED.has(unit.kind) ? { items: [text] } : {}),
      ...(unit.offsets ? { offsets: { ...unit.offsets } } : {}),
    };
    appendRaw(draft, unit.raw);
    // Another message on the link ends both directions' batches: an arrow never jumps over one.
    link.last[0] = null;
    link.last[1] = null;
    link.last[side] = draft;
    if (link.parked !== null) link.parked.push(draft);
    else this.keep(draft);
    return draft;
  }

  /**
   * Counts a unit of a connection from outside: a replica's command shows it to be one (its parked
   * messages are kept), too many units without one a client (true: ignore it from now on).
   */
  private judgeOutside(link: LinkRecord, unit: WireUnit): boolean {
    if (unit.kind === "command" && REPLICA_COMMAND.test(textOf(unit))) {
      const parked = link.parked!;
      link.parked = null;
      for (const draft of parked) this.keep(draft);
      return false;
    }
    if (++link.units <= OUTSIDE_UNITS) return false;
    link.ignored = true;
    link.parked = null;
    return true;
  }

  private keep(draft: DraftMessage): void {
    this.drafts.push(draft);
    if (this.drafts.length > this.maxMessages) {
      // Dropped in halves, so trimming costs O(1) per message over time.
      const cut = this.drafts.length - Math.floor(this.maxMessages / 2);
      this.drafts = this.drafts.slice(cut);
      this.dropped += cut;
    }
  }
}

/** A message nobody keeps (what a client sends, read to the end of its piece). */
function scratchDraft(conn: number, unit: WireUnit): DraftMessage {
  return { seq: 0, conn, from: "", to: "", kind: unit.kind, text: "", sentMs: unit.sentMs, receivedMs: unit.arrivalMs, bytes: unit.bytes, count: 1, raw: "", rawBytes: 0, rawTruncated: false, events: [] };
}

function textOf(unit: WireUnit): string {
  return typeof unit.text === "string" ? unit.text : unit.text();
}

/** Links event `seq` to a message; a close in the same step as a timeout is that timeout's. */
function linkEvent(draft: DraftMessage, seq: number, kind: string): void {
  if (draft.events.length < EVENT_LINK_LIMIT && !draft.events.includes(seq)) draft.events.push(seq);
  if (kind === "timeout" && draft.kind === "close") draft.fault ??= "timeout";
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
  const { rawBytes: _rawBytes, offsets, items, events, ...rest } = draft;
  return { ...rest, events: [...events], ...(items ? { items: [...items] } : {}), ...(offsets ? { offsets: { ...offsets } } : {}) };
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
  const stop = recorder.observe(cursor.lab);
  cursor.seek(timeMs);
  stop();
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
