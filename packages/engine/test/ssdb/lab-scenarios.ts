/**
 * The recorded scenarios of `ssdb-scenarios.ts`, step for step, on lab nodes in virtual time. Each
 * function takes the same actions as the recorder (same commands, same waits, same checkpoint
 * labels) on a `LabPair`; the scenario tests compare its checkpoints and wire with the recording.
 */
import { LabPair, type LabPairOptions } from "./lab-pair.ts";
import { MIXED_LOAD, MIXED_STREAM, RECORD_STEPS, STREAM_WRITES } from "./scenario-steps.ts";

/** Longer than the master's noop period (10 idle ticks of 300 ms), as in the recorder. */
const NOOP_WAIT_MS = 3_600;

function loadAndCopy(h: LabPair, count: number): void {
  h.startMaster();
  for (let i = 1; i <= count; i++) h.run("master", "set", `k${i}`, `v${i}`);
  h.checkpoint("master-loaded");
  h.startSlave();
  h.waitSlave();
  h.checkpoint("copied");
}

function writeAndWait(h: LabPair, ...argv: string[]): void {
  h.run("master", ...argv);
  h.waitSlave();
}

function writeThenCheckpoint(h: LabPair, label: string, ...argv: string[]): void {
  writeAndWait(h, ...argv);
  h.checkpoint(label);
}

/**
 * `records` KSET records in multi_set batches over bulk0..bulk9, values padded with `x`; a batch
 * every `pauseMs` of virtual time (the recorder's batches of 2 KB values took about 6 ms each).
 */
function bulkWrite(h: LabPair, records: number, valueBytes: number, pauseMs = 0): void {
  const padding = "x".repeat(Math.max(0, valueBytes - 7));
  const batchSize = valueBytes > 100 ? 100 : 1000;
  for (let done = 0; done < records; done += batchSize) {
    const argv = ["multi_set"];
    for (let n = done; n < Math.min(records, done + batchSize); n++) argv.push(`bulk${n % 10}`, `${String(n).padStart(7, "0")}${padding}`);
    // Not recorded command by command, as in the recorder.
    h.query("master", ...argv);
    if (pauseMs > 0) h.sleep(pauseMs);
  }
}

export type LabScenario = (h: LabPair) => void;

export const LAB_SCENARIOS: Readonly<Record<string, LabScenario>> = {
  freshCopy: (h) => {
    loadAndCopy(h, 5);
    h.sleep(NOOP_WAIT_MS * 3);
    h.checkpoint("idle");
  },

  streamWrites: (h) => {
    loadAndCopy(h, 5);
    for (const [label, argv] of STREAM_WRITES) {
      h.sleep(1_200);
      writeThenCheckpoint(h, label, ...argv);
    }
  },

  slaveKilledRestarted: (h) => {
    loadAndCopy(h, 5);
    writeThenCheckpoint(h, "synced", "set", "k6", "v6");
    h.stopSlave();
    h.checkpoint("slave-killed");
    h.waitGhostGone();
    h.checkpoint("ghost-gone");
    h.run("master", "set", "k7", "v7");
    h.run("master", "del", "k3");
    h.checkpoint("written-while-down");
    h.startSlave();
    h.waitSlave();
    h.checkpoint("sync-recovered");
    h.sleep(NOOP_WAIT_MS);
    h.checkpoint("idle");
  },

  binlogTrimmedOutOfSync: (h) => {
    loadAndCopy(h, 5);
    h.stopSlave();
    h.run("master", "set", "k6", "v6");
    h.checkpoint("slave-stopped");
    h.waitGhostGone();
    bulkWrite(h, 10_100, 8);
    h.waitUntil("binlog trimmed past the slave", () => Number(h.info("master").binlogs["min_seq"]) > 6);
    h.checkpoint("trimmed");
    h.startSlave();
    h.waitSlave("OUT_OF_SYNC");
    h.checkpoint("out-of-sync");
    h.sleep(NOOP_WAIT_MS * 2);
    h.checkpoint("out-of-sync-idle");
    h.run("master", "set", "k1", "changed");
    h.sleep(1_000);
    h.checkpoint("write-not-sent");
    h.stopSlave();
    h.startSlave();
    h.waitSlave("OUT_OF_SYNC");
    h.checkpoint("out-of-sync-again");
  },

  masterRestarted: (h) => {
    loadAndCopy(h, 5);
    writeThenCheckpoint(h, "synced", "set", "k6", "v6");
    h.stopMaster();
    h.waitSlave("DISCONNECTED");
    h.checkpoint("master-stopped");
    h.sleep(2_000);
    h.startMaster();
    h.checkpoint("master-restarted");
    h.waitSlave();
    h.checkpoint("slave-reconnected");
    writeThenCheckpoint(h, "write-streamed", "set", "k7", "v7");
  },

  wipedMaster: (h) => {
    loadAndCopy(h, 5);
    writeAndWait(h, "set", "k6", "v6");
    writeAndWait(h, "set", "k7", "v7");
    writeAndWait(h, "del", "k1");
    h.checkpoint("synced");
    h.refuseProxy();
    h.wipeAndRestartMaster();
    h.waitSlave("OUT_OF_SYNC");
    h.checkpoint("out-of-sync-after-wipe");
    for (let i = 1; i <= 9; i++) h.run("master", "set", `n${i}`, `w${i}`);
    h.sleep(1_000);
    h.checkpoint("master-passed-slave-seq");
    h.stopSlave();
    h.startSlave();
    h.waitSlave();
    h.checkpoint("silent-divergence");
    writeThenCheckpoint(h, "diverged-streaming", "set", "n10", "w10");
  },

  copyInterruptedResumed: (h) => {
    h.startMaster();
    for (let i = 1; i <= 10; i++) h.run("master", "set", `k${String(i).padStart(2, "0")}`, `v${String(i).padStart(2, "0")}`);
    h.checkpoint("master-loaded");
    let cut = false;
    h.proxy.cutNextConnectionAfter(5, () => {
      cut = true;
    });
    h.startSlave();
    h.waitUntil("the cut", () => cut, 20_000, 1);
    // Refuse the slave's retries until the writes below are done.
    h.refuseProxy();
    h.waitSlave("DISCONNECTED");
    h.checkpoint("copy-interrupted");
    h.run("master", "set", "k02", "v02b");
    h.run("master", "set", "k08", "v08b");
    h.run("master", "del", "k09");
    h.run("master", "set", "k00", "v00");
    h.run("master", "set", "k11", "v11");
    h.checkpoint("written-during-outage");
    h.openProxy();
    h.waitSlave();
    h.checkpoint("copy-resumed");
  },

  copyMixedTypes: (h) => {
    h.startMaster();
    for (const argv of MIXED_LOAD) h.run("master", ...argv);
    h.checkpoint("master-loaded");
    h.startSlave();
    h.waitSlave();
    h.checkpoint("copied");
    for (const argv of MIXED_STREAM) writeThenCheckpoint(h, `streamed ${argv.join(" ")}`, ...argv);
  },

  frozenSlaveLiveGap: (h) => {
    loadAndCopy(h, 5);
    h.freezeSlave(true);
    h.checkpoint("slave-frozen");
    bulkWrite(h, 12_000, 2_000, 6);
    h.waitUntil(
      "binlog trimmed past the master's cursor for the slave",
      () => {
        const info = h.info("master");
        const cursor = Number(info.replication.find((r) => r.kind === "client")?.fields["last_seq"] ?? 0);
        return Number(info.binlogs["min_seq"]) > cursor + 1;
      },
      60_000,
      200,
    );
    h.checkpoint("trimmed-while-frozen");
    h.freezeSlave(false);
    h.waitSlave("OUT_OF_SYNC", 60_000);
    h.checkpoint("out-of-sync-live");
    h.sleep(NOOP_WAIT_MS);
    h.checkpoint("out-of-sync-idle");
  },

  recordsPerCommand: (h) => {
    h.startMaster();
    h.startSlave();
    h.waitSlave();
    h.checkpoint("empty-copied");
    for (const [label, argv] of RECORD_STEPS) {
      h.run("master", ...argv);
      h.waitSlave();
      h.sleep(400);
      h.checkpoint(label);
    }
  },
};

/** Runs one lab scenario on a fresh pair. */
export function runLabScenario(name: string, options: LabPairOptions = {}): LabPair {
  const scenario = LAB_SCENARIOS[name];
  if (scenario === undefined) throw new Error(`no lab scenario ${name}`);
  const h = new LabPair(options);
  scenario(h);
  return h;
}
