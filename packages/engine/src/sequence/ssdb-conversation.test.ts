/**
 * The sequence diagram's SSDB messages against ssdb-server 1.9.8's recorded links
 * (packages/engine/test/fixtures/real-ssdb-1.9.8.json): the lab's SSDB pair replays the recorded
 * scenarios through its proxy node, and what the wire tap read on the slave's link, run by run of
 * one direction, is byte for byte the packets the recording proxy saw (sync140, copy_begin, the
 * copied keys, copy_end, binlog records, OUT_OF_SYNC), noops aside (their number is timing).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SsdbFixture } from "../../test/ssdb/fixture-types.ts";
import { LabPair } from "../../test/ssdb/lab-pair.ts";
import { LAB_SCENARIOS } from "../../test/ssdb/lab-scenarios.ts";
import { unescapeBytes } from "../../test/ssdb/ssdb-wire.ts";
import { ConversationRecorder } from "./conversation.ts";
import { escapeBytes } from "./wire-message.ts";

const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

const CASES = [
  { scenario: "freshCopy", connection: 0, what: "a fresh sync: sync140, copy_begin, five keys, copy_end" },
  { scenario: "slaveKilledRestarted", connection: 1, what: "a sync recover: copy_end alone, then the records the slave missed" },
  { scenario: "wipedMaster", connection: 1, what: "OUT_OF_SYNC from a wiped master" },
] as const;

/** A packet as it went on the wire: each block `<len>\n<bytes>\n`, then `\n`. */
function packet(blocks: readonly string[]): Uint8Array {
  const parts: number[] = [];
  for (const text of blocks) {
    const block = unescapeBytes(text);
    for (const c of `${block.length}\n`) parts.push(c.charCodeAt(0));
    parts.push(...block, 0x0a);
  }
  parts.push(0x0a);
  return Uint8Array.from(parts);
}

/** Consecutive entries of one direction joined: batching may group packets, never across a reply. */
function runs(entries: readonly { readonly dir: string; readonly text: string }[]): string[] {
  const out: { dir: string; text: string }[] = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last !== undefined && last.dir === e.dir) last.text += e.text;
    else out.push({ ...e });
  }
  return out.map((e) => `${e.dir} ${e.text}`);
}

describe("the diagram's SSDB messages equal the links recorded from ssdb-server 1.9.8", () => {
  for (const { scenario, connection, what } of CASES) {
    it(`${scenario}: ${what}`, () => {
      const recorded = fixture.scenarios[scenario]!;
      const pair = new LabPair({ binlogCapacity: recorded.binlogCapacity });
      const recorder = new ConversationRecorder({ nameOf: (address) => address, protocolOf: () => "ssdb" });
      pair.world.setWireTap(recorder);
      LAB_SCENARIOS[scenario]!(pair);
      const toProxy = recorder.messages().filter((m) => (m.from === pair.slaveAddress && m.to === pair.proxyAddress) || (m.from === pair.proxyAddress && m.to === pair.slaveAddress));
      const conns = [...new Set(toProxy.map((m) => m.conn))];
      const mine = toProxy
        .filter((m) => m.conn === conns[connection] && m.kind !== "noop" && m.kind !== "connect" && m.kind !== "close" && m.kind !== "refused")
        .map((m) => ({ dir: m.from === pair.slaveAddress ? "slave->master" : "master->slave", text: m.raw }));
      const real = recorded.wire[connection]!.messages.flatMap((m) =>
        m.framing === "ssdb" && m.record?.typeName !== "NOOP" ? [{ dir: m.dir, text: escapeBytes(packet(m.blocks)) }] : [],
      );
      expect(real.length).toBeGreaterThan(0);
      expect(runs(mine)).toEqual(runs(real));
    });
  }
});
