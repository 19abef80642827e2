/**
 * The replica's reader of a full sync's payload (readSyncBulkPayload), the same in every version:
 * a preamble line, `$<len>` or (2.8 on, diskless) `$EOF:<40-byte mark>`, possibly after lone `\n`
 * keep-alives, then the RDB; with a mark, the RDB ends where the mark does. An error line (`-ERR …`)
 * aborts, as does anything but `$`. Bytes after the payload are the start of the stream.
 */
import { asciiBytes, bytesToBinary, concatBytes } from "../util/bytes.ts";
import type { Client } from "./client.ts";
import type { RedisNode } from "./server.ts";

/** What a chunk of the transfer amounted to. */
export type SyncPayloadProgress =
  | { readonly kind: "more" }
  /** `refused`: the master answered with an error line (it may accept a later attempt). */
  | { readonly kind: "failed"; readonly reason: string; readonly refused: boolean }
  | { readonly kind: "done"; readonly rdb: Uint8Array; readonly rest: Uint8Array; readonly eofFormat: boolean };

const MORE: SyncPayloadProgress = { kind: "more" };

export class SyncPayloadReader {
  /** The announced size; -1 until the `$` line has been read, 0 in EOF-mark mode. */
  size = -1;
  /** The diskless end mark, or null. */
  eofMark: Uint8Array | null = null;
  /** Payload bytes received so far (in EOF mode, the mark included once it arrives). */
  readBytes = 0;
  /** Virtual ms of the last byte received (repl_transfer_lastio). */
  lastIoMs: number;
  /** Received payload chunks, joined once at the end (an RDB can be large). */
  private readonly chunks: Uint8Array[] = [];
  /** The preamble line so far, while it is incomplete. */
  private line: Uint8Array = new Uint8Array(0);

  constructor(nowMs: number) {
    this.lastIoMs = nowMs;
  }

  /** The payload size once known and not in EOF mode, else 0 (INFO's master_sync_total_bytes). */
  get totalBytes(): number {
    return this.eofMark ? 0 : Math.max(0, this.size);
  }

  /** Takes the next bytes from the master. */
  push(bytes: Uint8Array, nowMs: number): SyncPayloadProgress {
    this.lastIoMs = nowMs;
    let data = bytes;
    if (this.size === -1) {
      const preamble = this.readPreamble(data);
      if (preamble.kind !== "payload") return preamble.progress;
      data = preamble.data;
    }
    if (this.eofMark) {
      if (data.length > 0) this.chunks.push(data);
      this.readBytes += data.length;
      const mark = this.eofMark;
      if (this.readBytes < mark.length || !endsWith(this.chunks, mark)) return MORE;
      return { kind: "done", rdb: joinPrefix(this.chunks, this.readBytes - mark.length), rest: new Uint8Array(0), eofFormat: true };
    }
    const take = Math.min(this.size - this.readBytes, data.length);
    if (take > 0) this.chunks.push(data.subarray(0, take));
    this.readBytes += take;
    if (this.readBytes < this.size) return MORE;
    const rdb = this.chunks.length === 1 ? this.chunks[0]! : concatBytes(this.chunks);
    return { kind: "done", rdb, rest: data.subarray(take), eofFormat: false };
  }

  /**
   * Reads keep-alive newlines and the `$` line. Only the preamble goes through the line buffer;
   * the payload after it is not copied.
   */
  private readPreamble(bytes: Uint8Array): { kind: "payload"; data: Uint8Array } | { kind: "stop"; progress: SyncPayloadProgress } {
    let data = this.line.length > 0 ? concatBytes([this.line, bytes]) : bytes;
    this.line = new Uint8Array(0);
    for (;;) {
      const nl = data.indexOf(10);
      if (nl < 0) {
        this.line = data.slice();
        return { kind: "stop", progress: MORE };
      }
      const end = nl > 0 && data[nl - 1] === 13 ? nl - 1 : nl;
      const line = bytesToBinary(data, 0, end);
      data = data.subarray(nl + 1);
      if (line.length === 0) continue; // a keep-alive newline
      if (line.startsWith("-")) return { kind: "stop", progress: { kind: "failed", reason: `MASTER aborted replication with an error: ${line.slice(1)}`, refused: true } };
      if (!line.startsWith("$")) {
        return { kind: "stop", progress: { kind: "failed", reason: `bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`, refused: false } };
      }
      if (line.startsWith("$EOF:") && line.length >= 45) {
        this.eofMark = asciiBytes(line.slice(5, 45));
        this.size = 0;
      } else {
        const size = Number(line.slice(1));
        if (!Number.isSafeInteger(size) || size < 0) return { kind: "stop", progress: { kind: "failed", reason: `bad bulk length from MASTER: ${line}`, refused: false } };
        this.size = size;
      }
      return { kind: "payload", data };
    }
  }
}

/** The first `length` bytes of `chunks` taken together; no copy when one chunk holds them all. */
function joinPrefix(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const first = chunks[0];
  if (first && first.length >= length) return first.subarray(0, length);
  return concatBytes(chunks).subarray(0, length);
}

/** True when the bytes held in `chunks`, taken together, end with `mark`. */
function endsWith(chunks: readonly Uint8Array[], mark: Uint8Array): boolean {
  let ci = chunks.length - 1;
  let pos = ci >= 0 ? chunks[ci]!.length : 0;
  for (let m = mark.length - 1; m >= 0; m--) {
    while (pos === 0) {
      ci--;
      if (ci < 0) return false;
      pos = chunks[ci]!.length;
    }
    pos--;
    if (chunks[ci]![pos] !== mark[m]) return false;
  }
  return true;
}

/**
 * The master's side of the same framing: `$<len>\r\n` and the RDB from disk, or (diskless, 2.8 on)
 * `$EOF:<mark>\r\n`, the RDB and the mark again, the mark 40 characters from the node's own
 * seeded generator. The RDB is handed to the output without a copy (it can be large).
 */
export function sendSyncPayload(node: RedisNode, client: Client, rdb: Uint8Array, diskless: boolean): void {
  if (diskless) {
    const mark = node.prng.hex(40);
    client.out.ascii(`$EOF:${mark}\r\n`);
    node.sendLarge(client, rdb);
    client.out.ascii(mark);
  } else {
    client.out.ascii(`$${rdb.length}\r\n`);
    node.sendLarge(client, rdb);
  }
}
