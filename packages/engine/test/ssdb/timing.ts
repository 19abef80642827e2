/**
 * Timing figures derived from what the recorder saw: noop spacing and reconnect delays from the
 * wire traces, connection retries from the slave's log, plus the samples scenarios measured.
 */
import type { GhostSample, LogLine, ReconnectSample, TimingSummary, WireConnection } from "./fixture-types.ts";

/** What one scenario contributes. */
export interface TimingInput {
  readonly scenario: string;
  /** The whole wire trace (not trimmed). */
  readonly wire: readonly WireConnection[];
  readonly slaveLog: readonly LogLine[];
  readonly ghosts: readonly GhostSample[];
  readonly writeToSlaveMs: readonly number[];
}

/**
 * Noop spacing on each connection: `between` for a noop that follows a noop, `first` for a noop
 * that follows any other master → slave packet (the idle time before the first noop).
 */
function noopGaps(wire: readonly WireConnection[]): { between: number[]; first: number[] } {
  const between: number[] = [];
  const first: number[] = [];
  for (const connection of wire) {
    let previous: { tMs: number; noop: boolean } | null = null;
    for (const message of connection.messages) {
      if (message.dir !== "master->slave") continue;
      const noop = message.framing === "ssdb" && message.record?.typeName === "NOOP";
      if (noop && previous) (previous.noop ? between : first).push(message.tMs - previous.tMs);
      previous = { tMs: message.tMs, noop };
    }
  }
  return { between, first };
}

const FAILED = /failed to connect to master/;
const CONNECTING = /connecting to master at/;

/** Delays from a link's end (by the master or the proxy) to the next connection. */
function reconnects(scenario: string, wire: readonly WireConnection[], slaveLog: readonly LogLine[]): ReconnectSample[] {
  const samples: ReconnectSample[] = [];
  for (let i = 0; i + 1 < wire.length; i++) {
    const ended = wire[i];
    const next = wire[i + 1];
    if (!ended || !next || ended.closedMs === null || ended.closedBy === null || ended.closedBy.side === "slave") continue;
    const from = ended.closedMs;
    samples.push({
      scenario,
      afterConnection: ended.index,
      delayMs: next.openedMs - from,
      refusedInBetween: slaveLog.some((l) => FAILED.test(l.message) && l.tMs > from && l.tMs < next.openedMs),
    });
  }
  return samples;
}

/** Gaps between logged connect attempts where the earlier one was refused. */
function refusedRetries(slaveLog: readonly LogLine[]): number[] {
  const gaps: number[] = [];
  let previous: { tMs: number; refused: boolean } | null = null;
  // Log order, not timestamps: an attempt and its failure are usually logged in the same ms.
  for (const line of slaveLog) {
    if (CONNECTING.test(line.message)) {
      if (previous?.refused) gaps.push(line.tMs - previous.tMs);
      previous = { tMs: line.tMs, refused: false };
    } else if (FAILED.test(line.message) && previous) {
      previous.refused = true;
    }
  }
  return gaps;
}

/** Builds the fixture's timing summary. */
export function summarizeTiming(inputs: readonly TimingInput[]): TimingSummary {
  const noops = inputs.map((i) => noopGaps(i.wire));
  return {
    noopIntervalsMs: noops.flatMap((n) => n.between),
    firstNoopAfterPacketMs: noops.flatMap((n) => n.first),
    reconnectDelaysMs: inputs.flatMap((i) => reconnects(i.scenario, i.wire, i.slaveLog)),
    refusedRetryIntervalsMs: inputs.flatMap((i) => refusedRetries(i.slaveLog)),
    ghostClientLifetimesMs: inputs.flatMap((i) => i.ghosts),
    writeToSlaveMs: inputs.flatMap((i) => i.writeToSlaveMs),
  };
}
