/**
 * The messages of a replication link as the sequence diagram draws them: what one process sent
 * another, summarized in the protocol's own words (`PSYNC 3f2a… 312`, `+CONTINUE`, an RDB of n
 * bytes, a batch of replicated writes), with when it left and when it arrived in virtual time.
 * They are read from the bytes the world carried (a wire tap), never re-created from state.
 */

/** What a message is, in the protocol's terms. */
export type WireMessageKind =
  /** A process opened a connection (a replica to its master). */
  | "connect"
  /** The connection attempt was refused (nothing listens there). */
  | "refused"
  /** One side closed the connection (a FIN; a crash resets every connection the same way). */
  | "close"
  /** A request from the side that connected: PING, AUTH, REPLCONF, SYNC, PSYNC, sync140. */
  | "command"
  /** A status or error reply: +PONG, +OK, +FULLRESYNC, +CONTINUE, -ERR, SSDB's ok. */
  | "reply"
  /** The RDB a full resync transfers (its size, not its bytes). */
  | "rdb"
  /** Newlines a master sends to keep the link alive while it prepares an RDB. */
  | "newline"
  /** Replicated writes in the command stream (batched when dense). */
  | "stream"
  /** The master's PING in the command stream. */
  | "ping"
  /** REPLCONF ACK from a replica. */
  | "ack"
  /** REPLCONF GETACK from a master. */
  | "getack"
  /** SSDB: copy_begin, copied keys (batched), copy_end. */
  | "copy"
  /** SSDB: binlog records replayed on the slave (batched). */
  | "binlog"
  /** SSDB: a noop keep-alive. */
  | "noop"
  /** SSDB: the master's OUT_OF_SYNC control record. */
  | "out-of-sync";

/** Every kind, in the order a legend lists them. */
export const WIRE_MESSAGE_KINDS: readonly WireMessageKind[] = ["connect", "refused", "close", "command", "reply", "rdb", "newline", "stream", "ping", "ack", "getack", "copy", "binlog", "noop", "out-of-sync"];

/**
 * What went wrong with a message. `lost-*`: its bytes were sent but never read, because the
 * connection had been reset (`lost-reset`: the receiver's side was already closed by a FIN or a
 * reset that crossed them), the receiver had closed it (`lost-closed`), or the receiving process
 * had crashed or restarted (`lost-crashed`). On a close: `crash` (the sender was killed, so the
 * kernel reset its connections) or `timeout` (the sender closed the link because its peer was
 * silent too long: the same node step reported a timeout).
 */
export type WireFault = "lost-reset" | "lost-closed" | "lost-crashed" | "crash" | "timeout";

/** One arrow of the diagram. */
export interface WireMessage {
  /** Order of sending, from 1. */
  readonly seq: number;
  /** The world's connection the message travelled on. */
  readonly conn: number;
  /** Sender and receiver: a node id, or the address of a server outside the lab. */
  readonly from: string;
  readonly to: string;
  readonly kind: WireMessageKind;
  /** The message in the protocol's words (ids shortened): `PSYNC 3f2a… 312`, `SET k v`, `RDB 195 bytes REDIS0008`. */
  readonly text: string;
  /** Virtual ms its first byte left and its last byte arrived (arrival: when it is due, even if cut later). */
  readonly sentMs: number;
  readonly receivedMs: number;
  /** Bytes on the wire. */
  readonly bytes: number;
  /** Units batched into this message (commands of a stream batch, newlines, copied keys); 1 otherwise. */
  readonly count: number;
  /** The exact bytes, escaped as `redis-cli` would print them (cut at {@link RAW_LIMIT_BYTES}; an RDB is summarized). */
  readonly raw: string;
  readonly rawTruncated: boolean;
  /**
   * Replication offsets around the message: stream bytes counted from the offset the master named
   * (+FULLRESYNC, or the PSYNC offset a +CONTINUE accepted); an ACK's offset; SSDB's seqs.
   */
  readonly offsets?: { readonly before: number; readonly after: number };
  /** A batch's first units in words, to open it (at most `BATCH_ITEM_LIMIT`; `count` is the total). */
  readonly items?: readonly string[];
  /**
   * Seqs of the lab events caused together with the message: those the sender reported in the node
   * step that sent it, and those the receiver reported in the step that read its last byte (every
   * unit's, for a batch; at most `EVENT_LINK_LIMIT`). A replay numbers events as the live lab did.
   */
  readonly events: readonly number[];
  readonly fault?: WireFault;
}

/** Bytes of a message kept for its detail. */
export const RAW_LIMIT_BYTES = 512;

/** Escapes bytes as redis-cli quotes them: printable ASCII as is, \r \n \t, and \xHH for the rest. */
export function escapeBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** A 40-hex id (replid, run id, EOF mark) as its first four characters and an ellipsis. */
export function shortenIds(text: string): string {
  return text.replace(/\b[0-9a-f]{40}\b/g, (id) => `${id.slice(0, 4)}…`);
}
