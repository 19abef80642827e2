/**
 * What a direction reader hands the conversation recorder: one protocol unit read off the wire
 * (a command, a reply, the start of an RDB, one replicated write), and the recorder's answer, the
 * message it now belongs to (a long transfer grows it as its bytes arrive).
 */
import { bytesToBinary } from "../util/bytes.ts";
import type { WireFault, WireMessageKind } from "./wire-message.ts";

/** One unit read from one direction of a connection. */
export interface WireUnit {
  readonly kind: WireMessageKind;
  /** The unit's words, or how to make them (made only when the unit starts a message). */
  readonly text: string | (() => string);
  readonly bytes: number;
  readonly sentMs: number;
  readonly arrivalMs: number;
  /** The unit's bytes (kept up to the raw limit), or a summary already escaped (an RDB). */
  readonly raw: Uint8Array | string;
  readonly offsets?: { readonly before: number; readonly after: number };
}

/** A message while it is built: a batch or a transfer still grows. */
export interface DraftMessage {
  readonly seq: number;
  readonly conn: number;
  readonly from: string;
  readonly to: string;
  readonly kind: WireMessageKind;
  text: string;
  readonly sentMs: number;
  receivedMs: number;
  bytes: number;
  count: number;
  raw: string;
  /** Bytes the raw text stands for (the limit is counted in bytes, not escaped characters). */
  rawBytes: number;
  rawTruncated: boolean;
  offsets?: { before: number; after: number };
  /** A batch's first units in words (at most `BATCH_ITEM_LIMIT`; `count` says how many in all). */
  items?: string[];
  /** Seqs of the lab events caused with it (at most `EVENT_LINK_LIMIT`). */
  events: number[];
  fault?: WireFault;
}

/** Where a direction reader puts what it reads. */
export interface UnitSink {
  emit(unit: WireUnit): DraftMessage;
}

/** The state both directions of one Redis link share. */
export interface RedisLinkState {
  /** The offset the replica's last PSYNC asked for (its offset + 1), until a reply answers it. */
  psyncOffset: number | null;
  /** The master's replication offset at the end of what it has sent (null: unknown, as with SYNC). */
  streamOffset: number | null;
}

/** A reader of one direction of a connection. */
export interface DirectionReader {
  push(chunk: Uint8Array, sentMs: number, arrivalMs: number): void;
  /** The message the next bytes will grow without a new unit (an RDB in transfer), if any. */
  growing?(): DraftMessage | null;
}

/** Bytes as text, one character per byte. */
export function latin1Text(bytes: Uint8Array): string {
  return bytesToBinary(bytes);
}

/** `a` then `b`, copied. */
export function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
