/**
 * A load from the master's socket that takes time per key (`key-load-delay`) reads the socket only
 * as far as it has loaded: rdbLoad sleeps after each key and reads through rioConnRead, which
 * takes what the next object needs and at least PROTO_IOBUF_LEN more. What the master sent beyond
 * that stays in the kernel, so the master's writes block and its RDB child waits for the slowest
 * replica (replication.tcl's "diskless slow replicas drop", "diskless timeout replicas drop").
 *
 * This finds where the RDB's keys end as the bytes come, and says how much of them the loader has
 * read at a given moment: the key it is on (one every `perKeyMs` since the load began) and the
 * read-ahead after it. Past the last complete key the loader waits for bytes, so it has read all.
 */
import { scanRdbKeyEnds, type RdbKeyScan } from "../../redis/rdb/reader.ts";
import { concatBytes } from "../../util/bytes.ts";

/** PROTO_IOBUF_LEN: rioConnRead reads at least this much when its buffer runs short. */
const READ_AHEAD_BYTES = 16 * 1024;

export class PacedSocketLoad {
  private readonly scan: RdbKeyScan;
  /** Bytes from `scan.at` on, not scanned into key ends yet. */
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  /** Scan again once the tail holds this much (twice what the last scan left: a huge value is not re-read per piece). */
  private scanAtBytes = 1;
  /** RDB bytes received. */
  received = 0;

  constructor(
    private readonly startMs: number,
    private readonly perKeyMs: number,
    maxVersion: number,
  ) {
    this.scan = { at: 0, ends: [], done: false, version: 0, maxVersion };
  }

  /** More of the RDB came. */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.received += bytes.length;
    if (this.scan.done) return;
    this.tail.push(bytes.slice());
    this.tailBytes += bytes.length;
    if (this.tailBytes < this.scanAtBytes) return;
    const joined = this.tail.length === 1 ? this.tail[0]! : concatBytes(this.tail);
    const from = this.scan.at;
    scanRdbKeyEnds(joined, this.scan);
    const rest = joined.subarray(this.scan.at - from);
    this.tail = rest.length > 0 ? [rest] : [];
    this.tailBytes = rest.length;
    this.scanAtBytes = Math.max(1, rest.length * 2);
  }

  /** The key the loader is on at `nowMs` (0-based: it read key k, then sleeps). */
  private keyAt(nowMs: number): number {
    return Math.floor((nowMs - this.startMs) / this.perKeyMs + 1e-9);
  }

  /** RDB bytes the loader has read from the socket by `nowMs`. */
  readBy(nowMs: number): number {
    const ends = this.scan.ends;
    const key = this.keyAt(nowMs);
    if (key >= ends.length) return this.received;
    return Math.min(this.received, ends[key]! + READ_AHEAD_BYTES);
  }

  /**
   * When the loader, having read `readBytes`, has read at least `stepBytes` more (or all that came):
   * the start of the first key whose end, with the read-ahead, reaches that far. It may be past.
   */
  nextReadMs(readBytes: number, stepBytes: number): number {
    if (readBytes >= this.received) return Infinity;
    const ends = this.scan.ends;
    const target = Math.min(this.received, readBytes + stepBytes) - READ_AHEAD_BYTES;
    let low = 0;
    let high = ends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ends[mid]! >= target) high = mid;
      else low = mid + 1;
    }
    return this.startMs + low * this.perKeyMs;
  }
}
