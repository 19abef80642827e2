/**
 * A hot key's SETs take shortcuts on SSDB nodes (issue 13): a client's requests that repeat the one
 * before byte for byte are compared, not parsed, and applied in bulk (`LinkReader.repeatRun`,
 * `SsdbDatabase.setStoredAgain`); a master link sends a run of records sharing one key's bytes as
 * copies of one packet (`MasterLink.sendRun`); a slave takes packets that repeat the one before but
 * for their seq the same way. What the real server does
 * is checked by the recorded tests; here each shortcut is checked against the plain path of the
 * engine, on the same lab: the wire (every piece, with its times), the replies, events, INFO and
 * the disks must not tell them apart, through flow control (a frozen slave, a slow link), a
 * partition, a restart, changes of value and key, and bad requests between.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../../src/lab/lab.ts";
import type { NodeId } from "../../src/lab/types.ts";
import { MasterLink } from "../../src/protocols/ssdb/master-link.ts";
import { SsdbNode } from "../../src/protocols/ssdb/node.ts";
import { LinkReader } from "../../src/protocols/ssdb/wire.ts";
import { asciiBytes } from "../../src/util/bytes.ts";

/** `argv` as a RESP request, or as an SSDB packet. */
function request(argv: readonly string[], resp: boolean): string {
  if (resp) return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  return `${argv.map((a) => `${a.length}\n${a}\n`).join("")}\n`;
}

function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return `${bytes.length}#${(h >>> 0).toString(16)}`;
}

/** Runs the scenario; returns everything observable, one line per fact. */
function scenario(): string[] {
  const out: string[] = [];
  const lab = new Lab({ seed: "hot-key-runs", defaultLink: { latencyMs: 1, bandwidthBytesPerSec: Infinity, partitioned: false } });
  const [a, b, c] = [0, 1, 2].map(() => lab.addNode({ version: "ssdb", config: { "replication.binlog.capacity": 50_000 } }).id) as [NodeId, NodeId, NodeId];
  lab.tapWire({
    connect: (conn, t) => out.push(`connect ${conn.id} ${t}`),
    bytes: (conn, from, bytes, sent, arrival) => out.push(`bytes ${conn.id} ${from} ${digest(bytes)} ${sent} ${arrival}`),
    fin: (conn, from, sent, arrival) => out.push(`fin ${conn.id} ${from} ${sent} ${arrival}`),
    refused: (conn, reason, t) => out.push(`refused ${conn.id} ${reason} ${t}`),
  });
  lab.replicaOf(b, a);
  lab.replicaOf(c, a);
  lab.runUntilIdle();
  const client = lab.openConnection(a, "10.0.0.9:5000", { onData: (bytes) => out.push(`reply ${digest(bytes)} ${lab.nowMs}`), onClose: () => out.push("client closed") });
  const send = (text: string): void => {
    client.send(asciiBytes(text));
    lab.runUntil(lab.nextEventMs());
  };
  const hot = (value: string, count: number, resp = true): string => request(["set", "key:__rand_int__", value], resp).repeat(count);
  const check = (): void => {
    for (const id of [a, b, c]) {
      const node = lab.process(id);
      out.push(node instanceof SsdbNode ? `${id} ${node.infoText()} ${node.disk.list().map((name) => `${name}=${digest(node.disk.read(name)!)}`).join(" ")}` : `${id} down`);
    }
    out.push(JSON.stringify(lab.events().map((e) => [e.seq, e.timeMs, e.nodeId, e.message])));
  };
  send(hot("xxx", 2_000));
  send(hot("xxx", 500) + hot("yyy", 300) + request(["set", "other", "v"], true) + hot("yyy", 300));
  // SSDB framing, a key too long, a long value, the same value in another array.
  send(hot("zz", 200, false) + request(["set", "k".repeat(300), "v"], true).repeat(3) + hot("v".repeat(500), 400));
  // Requests and records that differ from the one before only in their last bytes.
  let tail = "";
  for (let i = 0; i < 3_000; i++) tail += request(["set", `key:${i % 7 < 3 ? 1 : 2}`, i % 5 < 2 ? "va" : "vb"], i % 11 !== 0);
  send(tail);
  lab.runUntilIdle();
  check();
  // A frozen slave: its link fills its 4 MiB and the master's cursor stalls mid-run; a slow link.
  lab.freeze(b);
  lab.setLink(a, c, { bandwidthBytesPerSec: 2_000_000 });
  for (let i = 0; i < 10; i++) send(hot(i % 3 === 0 ? "x".repeat(40) : "xxx", 10_000));
  lab.advance(500);
  check();
  lab.thaw(b);
  lab.runUntilIdle();
  check();
  // A partition, a half-sent request, a restarted slave, a bad request.
  lab.setLink(a, c, { partitioned: true, bandwidthBytesPerSec: Infinity });
  const half = hot("xxx", 1_000);
  send(half.slice(0, 12_345));
  send(half.slice(12_345) + hot("xxx", 1_000));
  lab.kill(b);
  lab.restart(b);
  lab.setLink(a, c, { partitioned: false });
  send(hot("xxx", 3_000) + "*x\r\n");
  lab.advance(10_000);
  lab.runUntilIdle();
  check();
  return out;
}

/** Runs the scenario with the shortcuts replaced by `sendRun` and `repeatRun`, then puts them back. */
function scenarioWith(sendRun: (link: MasterLink) => number, repeatRun: (reader: LinkReader, from?: number, to?: number, max?: number) => number): string[] {
  const links = MasterLink.prototype as unknown as { sendRun(): number };
  const readers = LinkReader.prototype;
  const [ownSendRun, ownRepeatRun] = [links.sendRun, readers.repeatRun];
  links.sendRun = function (this: MasterLink): number {
    return sendRun(this);
  };
  readers.repeatRun = function (this: LinkReader, from?: number, to?: number, max?: number): number {
    return repeatRun(this, from, to, max);
  };
  try {
    return scenario();
  } finally {
    links.sendRun = ownSendRun;
    readers.repeatRun = ownRepeatRun;
  }
}

describe("a hot key's shortcuts on SSDB nodes", () => {
  it("LAB-7 send, count and store what the plain path does, byte for byte", () => {
    const fast = scenario();
    // Counted on the way: the scenario takes the shortcuts many times.
    const ownSendRun = (MasterLink.prototype as unknown as { sendRun(): number }).sendRun;
    const ownRepeatRun = LinkReader.prototype.repeatRun;
    let runs = 0;
    let repeats = 0;
    const counted = scenarioWith(
      (link) => {
        const sent = ownSendRun.call(link);
        if (sent > 0) runs++;
        return sent;
      },
      (reader, from, to, max) => {
        const taken = ownRepeatRun.call(reader, from, to, max);
        repeats += taken;
        return taken;
      },
    );
    expect(counted).toEqual(fast);
    expect(runs).toBeGreaterThan(2);
    expect(repeats).toBeGreaterThan(50_000);
    // The plain path: no run, no repeat.
    const plain = scenarioWith(
      () => 0,
      () => 0,
    );
    expect(fast.length).toBeGreaterThan(40);
    expect(fast).toEqual(plain);
  });
});
