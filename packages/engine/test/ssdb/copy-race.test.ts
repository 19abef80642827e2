/**
 * An upstream 1.9.8 copy that passes a queue item whose push record its cursor has not reached
 * sends the item twice: once as a COPY item, once as a SYNC QPUSH_BACK. This is why the simulation
 * (`ssdb-simulation.ts`, `queueRecordsSince`) does not compare the queues of a slave copied while
 * its master's binlog had queue records past the copy's cursor (found by seed 680 of a 1,000-seed run).
 *
 * The expected packets were read off a real ssdb-server 1.9.8 (loopback, fresh data directory):
 * `set kc 1`, `set ka 1`, `qpush_back q1 v9428`, then a raw `sync140 1 kkb sync` on the master's
 * port (a copy recover from seq 1, after the encoded key `kkb`). `Client::sync` skips seq 1's
 * successor `kkc` (it sorts after `last_key`, so the copy will see it) and sends `kka` (before it)
 * as SYNC, stopping there; `Client::copy` then builds its iterator over everything written, queue
 * item included, and ends at seq 2; the next pass streams seq 3, the push, again.
 */
import { describe, expect, it } from "vitest";
import { SimDisk } from "../../src/process/disk.ts";
import type { ConnId } from "../../src/process/effects.ts";
import { SsdbDatabase } from "../../src/protocols/ssdb/database.ts";
import { UpstreamMasterLink, type MasterHost } from "../../src/protocols/ssdb/master-link.ts";
import { decodeRecordHeader, escapeBytes, parsePacket } from "./ssdb-wire.ts";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Every packet in `bytes`, as its record header fields and its value block (escaped). */
function records(chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    let rest = chunk;
    for (;;) {
      const parsed = parsePacket(rest);
      if (parsed.kind !== "packet") break;
      const header = decodeRecordHeader(parsed.blocks[0]!)!;
      const value = parsed.blocks[1] === undefined ? "" : ` ${escapeBytes(parsed.blocks[1])}`;
      out.push(`${header.seq} ${header.typeName} ${header.cmdName} ${header.key}${value}`);
      rest = rest.subarray(parsed.consumed);
    }
  }
  return out;
}

describe("upstream copy recover racing a queue push (backend_sync.cpp)", () => {
  it("sends a queue item the copy already sent again as a SYNC push, as ssdb-server 1.9.8 does", () => {
    const db = new SsdbDatabase(new SimDisk(), { capacity: 20_000_000, binlogEnabled: true });
    db.set("kc", text("1"));
    db.set("ka", text("1"));
    db.qpush("q1", text("v9428"), false);
    const sent: Uint8Array[] = [];
    const host: MasterHost = { db, send: (_c, b) => sent.push(b), waitWritable: () => {}, close: () => {}, trace: () => {}, syncSpeedMBps: -1, servedBefore: () => true, markServed: () => {} };
    const link = new UpstreamMasterLink(host, 1 as ConnId, "127.0.0.1:9", { lastSeq: 1, lastKey: "kkb", isMirror: false, fourth: "sync" }, 0);
    link.run(0);
    link.run(1_000);
    // As the real master sent them (seq, type, cmd, key, value; pointer values are item seqs).
    const item = "q\\x02q1?\\xff\\xff\\xff\\xff\\xff\\xff\\xff";
    expect(records(sent)).toEqual([
      "2 SYNC KSET kka 1",
      "2 COPY KSET kkc 1",
      "2 COPY QPUSH_BACK q\\x02q1\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02 \\xff\\xff\\xff\\xff\\xff\\xff\\xff?",
      "2 COPY QPUSH_BACK q\\x02q1\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x03 \\xff\\xff\\xff\\xff\\xff\\xff\\xff?",
      `2 COPY QPUSH_BACK ${item} v9428`,
      "2 COPY END  copy_end",
      `3 SYNC QPUSH_BACK ${item} v9428`,
    ]);
  });
});
