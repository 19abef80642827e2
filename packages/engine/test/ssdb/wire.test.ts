/**
 * Issue 15: the bytes on the lab's replication links against the recordings of ssdb-server 1.9.8,
 * packet by packet (every block, the 10-byte record headers included), with each packet's time
 * after the slave's `sync140`; and the timing figures the fixture derives (noop period, the 300 ms
 * delay of a lone `copy_end`/CTRL, reconnect delays, how long a dead slave stays listed).
 *
 * The lab's link runs through a test-only proxy node (`lab-proxy.ts`) that records what the
 * recorder's proxy recorded, in the same shape.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SsdbFixture, WireConnection, WireMessage } from "./fixture-types.ts";
import { runLabScenario } from "./lab-scenarios.ts";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

/** Real packets leave within a few ms of the virtual instant the lab sends them. */
const TIME_TOLERANCE_MS = 30;

/** A packet reduced to what must be equal: direction and blocks (escaped bytes). */
function packetShape(m: WireMessage): { dir: string; blocks: readonly string[] } | { dir: string; raw: string } {
  return m.framing === "ssdb" ? { dir: m.dir, blocks: m.blocks } : { dir: m.dir, raw: m.bytes };
}

/** Offsets of each packet from the connection's first one. */
function offsets(c: WireConnection): number[] {
  const first = c.messages[0]?.tMs ?? c.openedMs;
  return c.messages.map((m) => m.tMs - first);
}

function recordedWire(scenario: string): readonly WireConnection[] {
  return fixture.scenarios[scenario]!.wire;
}

/** Connections compared byte for byte, and whether their packet times are compared too. */
const CASES: readonly { readonly scenario: string; readonly connection: number; readonly what: string; readonly timed: boolean }[] = [
  { scenario: "freshCopy", connection: 0, what: "a fresh sync: copy_begin, 5 items anchored at seq 5, copy_end, then a noop every 3 s", timed: true },
  { scenario: "slaveKilledRestarted", connection: 1, what: "a sync recover: copy_end alone carrying the slave's seq, then the records it missed", timed: true },
  { scenario: "masterRestarted", connection: 1, what: "a sync recover with nothing missed: copy_end 300 ms late, then a streamed write", timed: true },
  { scenario: "wipedMaster", connection: 1, what: "OUT_OF_SYNC from a wiped master (seq 8 not in [0, 0]), 300 ms late", timed: true },
  { scenario: "wipedMaster", connection: 2, what: "the silent divergence: sync recover from seq 8 in the new master's seq space", timed: true },
  { scenario: "binlogTrimmedOutOfSync", connection: 1, what: "OUT_OF_SYNC after a trim, then noops that carry the slave's own seq", timed: true },
  { scenario: "copyInterruptedResumed", connection: 0, what: "a copy cut after copy_begin and 4 items", timed: true },
  { scenario: "copyInterruptedResumed", connection: 1, what: "a copy recover: a SYNC record for a copied key, the rest of the copy after last_key, the records for keys past it", timed: true },
  { scenario: "copyMixedTypes", connection: 0, what: "a copy of every type in encoded-key order (queue pointers included), then records of every command", timed: true },
  { scenario: "streamWrites", connection: 0, what: "writes streamed on the 300 ms ticks of an idle link", timed: true },
  { scenario: "recordsPerCommand", connection: 0, what: "which commands make records", timed: false },
];

describe("SSDB replication wire against ssdb-server 1.9.8", () => {
  const runs = new Map<string, ReturnType<typeof runLabScenario>>();
  const lab = (scenario: string): ReturnType<typeof runLabScenario> => {
    let run = runs.get(scenario);
    if (run === undefined) {
      run = runLabScenario(scenario, { binlogCapacity: fixture.scenarios[scenario]!.binlogCapacity });
      runs.set(scenario, run);
    }
    return run;
  };

  for (const c of CASES) {
    it(`${c.scenario} #${c.connection}: ${c.what}`, () => {
      const real = recordedWire(c.scenario)[c.connection]!;
      const mine = lab(c.scenario).proxy.wire()[c.connection]!;
      expect(mine, `no connection #${c.connection}`).toBeDefined();
      let realPackets = real.messages.map(packetShape);
      let labPackets = mine.messages.map(packetShape);
      if (c.scenario === "recordsPerCommand") {
        // The last value is setx's absolute expiry time in ms: wall clock there, virtual time here.
        realPackets = realPackets.slice(0, -1);
        labPackets = labPackets.slice(0, -1);
        const last = (w: WireConnection): WireMessage => w.messages[w.messages.length - 1]!;
        const realLast = last(real);
        const labLast = last(mine);
        expect(labLast.framing === "ssdb" && labLast.blocks[0]).toBe(realLast.framing === "ssdb" && realLast.blocks[0]);
      }
      expect(labPackets).toEqual(realPackets);
      expect(mine.notForwarded).toBe(real.notForwarded);
      if (c.timed) {
        const realOffsets = offsets(real);
        offsets(mine).forEach((t, i) => expect(Math.abs(t - realOffsets[i]!), `packet ${i}: lab +${t} ms, real +${realOffsets[i]} ms`).toBeLessThanOrEqual(TIME_TOLERANCE_MS));
      }
    });
  }

  it("the sync140 requests are byte for byte the recorded ones (fresh, resume, copy recover)", () => {
    for (const [scenario, connection] of [["freshCopy", 0], ["slaveKilledRestarted", 1], ["copyInterruptedResumed", 1]] as const) {
      const real = recordedWire(scenario)[connection]!.messages[0]!;
      const mine = lab(scenario).proxy.wire()[connection]!.messages[0]!;
      expect(packetShape(mine)).toEqual(packetShape(real));
    }
  });

  describe("timing figures (fixture.timing)", () => {
    it("noops come every 3 s on an idle link", () => {
      const noops = lab("freshCopy")
        .proxy.wire()[0]!
        .messages.filter((m) => m.framing === "ssdb" && m.record?.typeName === "NOOP")
        .map((m) => m.tMs);
      const intervals = noops.slice(1).map((t, i) => t - noops[i]!);
      for (const interval of intervals) for (const real of fixture.timing.noopIntervalsMs) expect(Math.abs(interval - real)).toBeLessThanOrEqual(TIME_TOLERANCE_MS);
    });

    it("the first noop after a packet: 3 s, or 2.7 s after a lone copy_end or CTRL that waited 300 ms", () => {
      const after = (scenario: string, connection: number): number => {
        const messages = lab(scenario).proxy.wire()[connection]!.messages.filter((m) => m.dir === "master->slave");
        const noop = messages.findIndex((m) => m.framing === "ssdb" && m.record?.typeName === "NOOP");
        return messages[noop]!.tMs - messages[noop - 1]!.tMs;
      };
      // freshCopy: a packet sent at once; binlogTrimmedOutOfSync #1: the CTRL that left 300 ms late.
      const real = fixture.timing.firstNoopAfterPacketMs;
      expect(Math.abs(after("freshCopy", 0) - Math.max(...real))).toBeLessThanOrEqual(TIME_TOLERANCE_MS);
      expect(Math.abs(after("binlogTrimmedOutOfSync", 1) - 2_700)).toBeLessThanOrEqual(TIME_TOLERANCE_MS);
      expect(real.some((t) => Math.abs(t - 2_700) <= TIME_TOLERANCE_MS)).toBe(true);
    });

    it("a slave reconnects 1 s after a drop, and 5 s after a refused attempt", () => {
      for (const sample of fixture.timing.reconnectDelaysMs) {
        const wire = lab(sample.scenario).proxy.wire();
        const closed = wire[sample.afterConnection]!.closedMs!;
        const next = wire[sample.afterConnection + 1]!.openedMs;
        expect(Math.abs(next - closed - sample.delayMs), `${sample.scenario}: lab ${next - closed} ms, real ${sample.delayMs} ms`).toBeLessThanOrEqual(TIME_TOLERANCE_MS);
      }
      // Attempts while the master is down (masterRestarted), from the slave's own trace.
      const attempts = lab("masterRestarted")
        .traces.filter((t) => t.node === "slave" && t.event.kind === "link" && t.event.state === "connecting")
        .map((t) => t.tMs);
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      for (const real of fixture.timing.refusedRetryIntervalsMs) expect(gaps.some((g) => Math.abs(g - real) <= TIME_TOLERANCE_MS), `gaps ${gaps.join(", ")}`).toBe(true);
    });

    it("a dead slave stays listed on the master until its second failed send", () => {
      for (const sample of fixture.timing.ghostClientLifetimesMs) {
        const lifetime = lab(sample.scenario).ghostLifetimesMs[0]!;
        // The recorder polled every 50 ms: the real lifetime lies in [listedAtLeast, goneBy].
        expect(lifetime, `${sample.scenario}`).toBeGreaterThanOrEqual(sample.listedAtLeastMs - 100);
        expect(lifetime, `${sample.scenario}`).toBeLessThanOrEqual(sample.goneByMs + 100);
      }
    });

    it("a write on an idle link reaches the slave within one 300 ms tick", () => {
      const messages = lab("streamWrites").proxy.wire()[0]!.messages;
      const copyEnd = messages.find((m) => m.framing === "ssdb" && m.record?.cmdName === "END")!.tMs;
      for (const m of messages.filter((x) => x.framing === "ssdb" && x.record?.typeName === "SYNC")) expect((m.tMs - copyEnd) % 300).toBe(0);
      expect(Math.max(...fixture.timing.writeToSlaveMs)).toBeLessThanOrEqual(300);
    });
  });
});
