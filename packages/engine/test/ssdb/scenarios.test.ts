/**
 * Issue 15: the lab's SSDB nodes against the recordings of a real ssdb-server 1.9.8
 * (`../fixtures/real-ssdb-1.9.8.json`). Each recorded scenario is replayed step for step on lab
 * nodes (`lab-scenarios.ts`), and at every checkpoint both nodes must match the real ones: up or
 * down, `info`'s binlog window, every `replication` entry's fields (status, last_seq, copy_count,
 * sync_count, type, id) in the order printed, the whole keyspace, and the replies to the step's
 * commands. Ports differ (the recorder's
 * were free ports), so addresses are compared after mapping the recorded proxy port to the lab's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Keyspace, NodeObservation, ReplicationEntry, SsdbFixture } from "./fixture-types.ts";
import { EXPIRE_LIST_ESCAPED, type LabCheckpoint } from "./lab-pair.ts";
import { runLabScenario } from "./lab-scenarios.ts";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

/** The lab's proxy port (see lab-pair.ts). */
const LAB_PROXY_PORT = "8883";

/** A replication entry reduced to what must match: kind, master address (slaveof) and fields. */
function entryShape(entry: ReplicationEntry, proxyPort: string): Record<string, string> {
  const shape: Record<string, string> = { kind: entry.kind };
  if (entry.kind === "slaveof") shape["address"] = entry.address.replace(`:${proxyPort}`, `:${LAB_PROXY_PORT}`);
  for (const [name, value] of Object.entries(entry.fields)) shape[name] = name === "id" ? value.replace(`|${proxyPort}`, `|${LAB_PROXY_PORT}`) : value;
  return shape;
}

/** Expiry times are absolute wall-clock ms: the recording's and the lab's differ by design. */
function keyspaceShape(data: Keyspace): Keyspace {
  const expiry = data.zset[EXPIRE_LIST_ESCAPED];
  if (expiry === undefined) return data;
  return { ...data, zset: { ...data.zset, [EXPIRE_LIST_ESCAPED]: Object.fromEntries(Object.keys(expiry).map((k) => [k, "<absolute ms>"])) } };
}

function observationShape(observation: NodeObservation, proxyPort: string): unknown {
  if (!observation.up) return { up: false, state: observation.state };
  return {
    up: true,
    binlogs: observation.info.binlogs,
    replication: observation.info.replication.map((e) => entryShape(e, proxyPort)),
    data: keyspaceShape(observation.data),
  };
}

/** The recorded proxy port, read from the slave's `slaveof` entry. */
function recordedProxyPort(name: string): string {
  for (const checkpoint of fixture.scenarios[name]!.checkpoints) {
    const slave = checkpoint.nodes.slave;
    if (!slave.up) continue;
    const entry = slave.info.replication.find((r) => r.kind === "slaveof");
    if (entry) return entry.address.slice(entry.address.lastIndexOf(":") + 1);
  }
  throw new Error(`no slaveof entry in ${name}`);
}

/** Scenarios the lab replays; `frozenSlaveLiveGap` is left out (see the skipped test below). */
const SCENARIOS = ["freshCopy", "streamWrites", "slaveKilledRestarted", "binlogTrimmedOutOfSync", "masterRestarted", "wipedMaster", "copyInterruptedResumed", "copyMixedTypes", "recordsPerCommand"] as const;

describe("SSDB scenarios against ssdb-server 1.9.8", () => {
  for (const name of SCENARIOS) {
    it(`${name}: every checkpoint matches (binlog window, replication entries, keyspaces)`, () => {
      const recorded = fixture.scenarios[name]!;
      const port = recordedProxyPort(name);
      const lab = runLabScenario(name, { binlogCapacity: recorded.binlogCapacity });
      expect(lab.checkpoints.map((c) => c.label)).toEqual(recorded.checkpoints.map((c) => c.label));
      recorded.checkpoints.forEach((real, i) => {
        const mine: LabCheckpoint = lab.checkpoints[i]!;
        // The commands of the step and what they answered (SSDB's protocol).
        expect(mine.commands, `${name} / ${real.label} / commands`).toEqual(real.commands.map((c) => ({ node: c.node, argv: c.argv, reply: c.reply })));
        for (const node of ["master", "slave"] as const) {
          expect(observationShape(mine.nodes[node], LAB_PROXY_PORT), `${name} / ${real.label} / ${node}`).toEqual(observationShape(real.nodes[node], port));
        }
      });
    });
  }

  // frozenSlaveLiveGap is not replayed: the real master's cursor stalls because its blocking sends
  // fill the socket buffers of a frozen slave; the simulated network buffers without limit, so the
  // lab's master never blocks and the live-gap OUT_OF_SYNC cannot happen there (see SPEC.md).
});
