/**
 * The master/slave scenarios recorded from a real ssdb-server. Each runs on a fresh pair (see
 * `PairHarness`) and leaves a list of checkpoints; the issue-15 scenario tests replay the same
 * steps on lab nodes and compare. Step labels and the order of steps are part of the fixture's
 * contract: change them only together with the tests that read them.
 */
import type { PairHarness } from "./pair-harness.ts";
import { sleep } from "./pair-harness.ts";
import type { WireCap } from "./recording-proxy.ts";
import { MIXED_LOAD, MIXED_STREAM, RECORD_STEPS, STREAM_WRITES } from "./scenario-steps.ts";

/** One scenario: how to drive the pair, and how much of its wire trace to keep. */
export interface ScenarioDef {
  readonly description: string;
  readonly binlogCapacity: number;
  readonly wireCap: WireCap;
  run(h: PairHarness): Promise<void>;
}

/** Small binlog, as in ssdb-observed.md: trimming starts at capacity + 10,000 records. */
const CAPACITY = 10;
const FULL_WIRE: WireCap = { head: 400, tail: 100 };
/** Longer than the master's noop period (10 idle ticks of 300 ms), so an idle link shows a noop. */
const NOOP_WAIT_MS = 3_600;

/** Starts the master, writes k1..k`count` = v1..v`count`, then lets a fresh slave copy them. */
async function loadAndCopy(h: PairHarness, count: number): Promise<void> {
  await h.startMaster();
  for (let i = 1; i <= count; i++) await h.run("master", "set", `k${i}`, `v${i}`);
  await h.checkpoint("master-loaded", `master started and given ${count} keys (set k1 v1 … set k${count} v${count}); slave never started`);
  await h.startSlave();
  await h.waitSlave();
  await h.checkpoint("copied", "slave started with an empty disk; waited for status SYNC and last_seq = master max_seq");
}

/** Runs a write on the master and waits until the slave has caught up with it. */
async function writeAndWait(h: PairHarness, ...argv: string[]): Promise<void> {
  await h.run("master", ...argv);
  await h.waitSlave();
}

/** Runs a write on the master, waits for the slave to catch up, then takes checkpoint `label`. */
async function writeThenCheckpoint(h: PairHarness, label: string, ...argv: string[]): Promise<void> {
  await writeAndWait(h, ...argv);
  await h.checkpoint(label, `on the master: ${argv.join(" ")}; waited for the slave to catch up`);
}

/**
 * Writes `records` KSET records to the master in multi_set batches over keys bulk0..bulk9; each
 * value is the record's number (7 digits) padded with `x` to `valueBytes`.
 */
async function bulkWrite(h: PairHarness, records: number, valueBytes: number): Promise<void> {
  const padding = "x".repeat(Math.max(0, valueBytes - 7));
  const batchSize = valueBytes > 100 ? 100 : 1000;
  for (let done = 0; done < records; done += batchSize) {
    const argv = ["multi_set"];
    for (let n = done; n < Math.min(records, done + batchSize); n++) argv.push(`bulk${n % 10}`, `${String(n).padStart(7, "0")}${padding}`);
    // Not recorded command by command: the checkpoint's action describes the batch.
    await h.query("master", ...argv);
  }
}

/** A scenario on the upstream 1.9.x pair with the small binlog and (by default) the whole wire trace kept. */
function scenario(description: string, run: (h: PairHarness) => Promise<void>, wireCap: WireCap = FULL_WIRE): ScenarioDef {
  return { description, binlogCapacity: CAPACITY, wireCap, run };
}

/** The index of the slave's current connection and how many messages it has so far. */
function wireMark(h: PairHarness): { connection: number; at: number } {
  const connection = h.proxy.connectionCount - 1;
  return { connection, at: h.proxy.messagesOf(connection).length };
}

/** Time from `sentMs` to the first SYNC record after `mark` on the wire. */
function firstSyncRecordAfter(h: PairHarness, mark: { connection: number; at: number }, sentMs: number): number | null {
  const message = h.proxy
    .messagesOf(mark.connection)
    .slice(mark.at)
    .find((m) => m.framing === "ssdb" && m.record?.typeName === "SYNC");
  return message ? message.tMs - sentMs : null;
}

export const SSDB_SCENARIOS: Readonly<Record<string, ScenarioDef>> = {
  freshCopy: scenario(
    "A fresh slave copies 5 keys from a master that already has them, then the link idles (noops).",
    async (h) => {
      await loadAndCopy(h, 5);
      await sleep(NOOP_WAIT_MS * 3);
      await h.checkpoint("idle", `link idle for ${NOOP_WAIT_MS * 3} ms (noops pass; nothing changes)`);
    },
  ),

  streamWrites: scenario(
    "After a copy of 5 keys, 3 writes (a new key, an overwrite, a delete) are streamed one by one on an idle link.",
    async (h) => {
      await loadAndCopy(h, 5);
      for (const [label, argv] of STREAM_WRITES) {
        await sleep(1_200);
        const mark = wireMark(h);
        const sentMs = h.now();
        await writeAndWait(h, ...argv);
        const delay = firstSyncRecordAfter(h, mark, sentMs);
        if (delay !== null) h.samples.writeToSlaveMs.push(delay);
        await h.checkpoint(label, `waited 1.2 s (idle link), then on the master: ${argv.join(" ")}; waited for the slave to catch up`);
      }
    },
  ),

  slaveKilledRestarted: scenario(
    "A synced slave is killed (SIGKILL); the master keeps listing it until its sends fail; writes happen meanwhile; the restarted slave resumes by 'sync recover' (copy_end alone, no copy).",
    async (h) => {
      await loadAndCopy(h, 5);
      await writeThenCheckpoint(h, "synced", "set", "k6", "v6");
      const death = h.now();
      await h.stopSlave("kill");
      await h.checkpoint("slave-killed", "kill -9 the slave (its stale pidfile is removed so it can start again); checkpoint at once");
      await h.measureGhost(death, "kill", 0);
      await h.checkpoint("ghost-gone", "polled the master's info every 50 ms until it no longer listed the dead slave (idle link: the first noop draws an RST, the second fails)");
      await h.run("master", "set", "k7", "v7");
      await h.run("master", "del", "k3");
      await h.checkpoint("written-while-down", "on the master: set k7 v7, del k3");
      await h.startSlave();
      await h.waitSlave();
      await h.checkpoint("sync-recovered", "slave started again (same disk); waited for SYNC and last_seq = master max_seq");
      await sleep(NOOP_WAIT_MS);
      await h.checkpoint("idle", `link idle for ${NOOP_WAIT_MS} ms`);
    },
  ),

  binlogTrimmedOutOfSync: scenario(
    "The slave is stopped; the master writes past capacity + 10,000 records so the binlog is trimmed beyond the slave's last_seq; the restarted slave gets OUT_OF_SYNC, then only noops, and stays there.",
    async (h) => {
      await loadAndCopy(h, 5);
      const death = h.now();
      await h.stopSlave("stop");
      await h.run("master", "set", "k6", "v6");
      await h.checkpoint("slave-stopped", "graceful stop of the slave (SIGTERM); then on the master: set k6 v6 (checkpoint at once)");
      await h.measureGhost(death, "stop", 1);
      await bulkWrite(h, 10_100, 8);
      const slaveSeq = 5;
      await h.waitUntil("binlog trimmed past the slave", async () => Number((await h.info("master")).binlogs["min_seq"]) > slaveSeq + 1);
      await h.checkpoint("trimmed", "on the master: 10,100 KSET records (multi_set batches of 1,000 over keys bulk0..bulk9); waited until min_seq passed the slave's last_seq");
      await h.startSlave();
      await h.waitSlave("OUT_OF_SYNC");
      await h.checkpoint("out-of-sync", "slave started again; waited for its status OUT_OF_SYNC");
      await sleep(NOOP_WAIT_MS * 2);
      await h.checkpoint("out-of-sync-idle", `waited ${NOOP_WAIT_MS * 2} ms: noops only, last_seq does not move`);
      await h.run("master", "set", "k1", "changed");
      await sleep(1_000);
      await h.checkpoint("write-not-sent", "on the master: set k1 changed; waited 1 s (nothing is sent to an OUT_OF_SYNC slave)");
      await h.stopSlave("stop");
      await h.startSlave();
      await h.waitSlave("OUT_OF_SYNC");
      await h.checkpoint("out-of-sync-again", "slave stopped and started again: the same answer (its counters start from 0 in the new process)");
    },
  ),

  masterRestarted: scenario(
    "The master is stopped (SIGTERM) while the slave is connected and started again 2 s later with its disk; the slave retries, reconnects and resumes by 'sync recover'.",
    async (h) => {
      await loadAndCopy(h, 5);
      await writeThenCheckpoint(h, "synced", "set", "k6", "v6");
      await h.stopMaster("stop");
      await h.waitSlave("DISCONNECTED");
      await h.checkpoint("master-stopped", "graceful stop of the master (SIGTERM); waited for the slave's status DISCONNECTED");
      await sleep(2_000);
      await h.startMaster();
      await h.checkpoint("master-restarted", "2 s later the master started again with its disk; checkpoint at once");
      await h.waitSlave();
      await h.checkpoint("slave-reconnected", "waited for the slave to reconnect (SYNC, last_seq = master max_seq)");
      await writeThenCheckpoint(h, "write-streamed", "set", "k7", "v7");
    },
  ),

  wipedMaster: scenario(
    "The master is killed and restarted with an empty disk. The slave's last_seq is beyond the new max_seq: OUT_OF_SYNC. Once the master's max_seq passes it, the next reconnect is accepted as 'sync recover' from the wrong position: silent divergence, both SYNC.",
    async (h) => {
      await loadAndCopy(h, 5);
      await writeAndWait(h, "set", "k6", "v6");
      await writeAndWait(h, "set", "k7", "v7");
      await writeAndWait(h, "del", "k1");
      await h.checkpoint("synced", "on the master: set k6 v6, set k7 v7, del k1; the slave caught up (last_seq 8)");
      await h.stopMaster("kill");
      h.master.wipe();
      await h.startMaster();
      await h.waitSlave("OUT_OF_SYNC");
      await h.checkpoint("out-of-sync-after-wipe", "kill -9 the master, delete its data and meta, start it; waited for the slave's OUT_OF_SYNC");
      for (let i = 1; i <= 9; i++) await h.run("master", "set", `n${i}`, `w${i}`);
      await sleep(1_000);
      await h.checkpoint("master-passed-slave-seq", "on the master: set n1 w1 … set n9 w9 (max_seq 9 > the slave's 8); waited 1 s: the connected OUT_OF_SYNC slave is not re-evaluated");
      await h.stopSlave("kill");
      await h.startSlave();
      await h.waitSlave();
      await h.checkpoint("silent-divergence", "kill -9 the slave and start it: its sync140 from seq 8 is accepted as 'sync recover'; it receives only seq 9");
      // Streamed as usual; the divergence stays.
      await writeThenCheckpoint(h, "diverged-streaming", "set", "n10", "w10");
    },
  ),

  copyInterruptedResumed: scenario(
    "A copy of 10 keys is cut after copy_begin and 4 items (the proxy ends the link); while the slave cannot connect the master changes copied and uncopied keys; the slave reconnects with its last_seq and last_key and the master resumes the copy after last_key ('copy recover').",
    async (h) => {
      await h.startMaster();
      for (let i = 1; i <= 10; i++) await h.run("master", "set", `k${String(i).padStart(2, "0")}`, `v${String(i).padStart(2, "0")}`);
      await h.checkpoint("master-loaded", "master started and given 10 keys k01..k10; slave never started");
      let cut = false;
      h.proxy.cutNextConnectionAfter(5, () => {
        cut = true;
        // Refuse the slave's retries until the writes below are done.
        void h.proxy.refuse();
      });
      await h.startSlave();
      await h.waitUntil("the cut", async () => cut);
      await h.waitSlave("DISCONNECTED");
      await h.checkpoint("copy-interrupted", "slave started; the proxy passed copy_begin and 4 copy items, then closed the link (FIN to the slave, RST to the master) and refused new connections");
      await h.run("master", "set", "k02", "v02b");
      await h.run("master", "set", "k08", "v08b");
      await h.run("master", "del", "k09");
      await h.run("master", "set", "k00", "v00");
      await h.run("master", "set", "k11", "v11");
      await h.checkpoint("written-during-outage", "on the master: set k02 v02b (copied), set k08 v08b (not yet copied), del k09, set k00 v00 (before last_key), set k11 v11 (after it)");
      await h.proxy.open();
      await h.waitSlave();
      await h.checkpoint("copy-resumed", "the proxy accepts again; waited for the slave's retry, SYNC and last_seq = master max_seq");
    },
  ),

  copyMixedTypes: scenario(
    "A copy of hashes, a KV key, a zset and a queue (copy order is the order of encoded keys: h…, k…, q…, s…), then streamed records of every type.",
    async (h) => {
      await h.startMaster();
      for (const argv of MIXED_LOAD) await h.run("master", ...argv);
      await h.checkpoint("master-loaded", "master given 2 hashes, a KV key, a zset and a queue; slave never started");
      await h.startSlave();
      await h.waitSlave();
      await h.checkpoint("copied", "slave started with an empty disk; waited for SYNC and last_seq = master max_seq");
      for (const argv of MIXED_STREAM) await writeThenCheckpoint(h, `streamed ${argv.join(" ")}`, ...argv);
    },
  ),

  recordsPerCommand: scenario(
    "Which commands make binlog records (and so reach the slave): set with the same value does, hset with the same value does not, del of a missing key does, and so on. One checkpoint per command.",
    async (h) => {
      await h.startMaster();
      await h.startSlave();
      await h.waitSlave();
      await h.checkpoint("empty-copied", "master and slave started empty; the slave's copy of nothing finished");
      for (const [label, argv] of RECORD_STEPS) {
        await h.run("master", ...argv);
        await h.waitSlave();
        // A command without a record leaves nothing to wait for; give a record time to show up anyway.
        await sleep(400);
        await h.checkpoint(label, `on the master: ${argv.join(" ")}; waited for the slave to catch up, then 400 ms`);
      }
    },
  ),

  frozenSlaveLiveGap: scenario(
    "The slave is frozen (SIGSTOP) on a live link while the master writes ~24 MB of records, so the master's sends block and the binlog is trimmed past its cursor; after the thaw the master detects the gap on the live link and sends OUT_OF_SYNC carrying its cursor (the last seq it sent). Where the cursor stalls depends on the sockets' buffer sizes, so its exact seqs vary from run to run; the sequence of events does not.",
    async (h) => {
      await loadAndCopy(h, 5);
      h.freezeSlave(true);
      await h.checkpoint("slave-frozen", "SIGSTOP the slave");
      await bulkWrite(h, 12_000, 2_000);
      await h.waitUntil(
        "binlog trimmed past the master's cursor for the slave",
        async () => {
          const info = await h.info("master");
          const cursor = Number(info.replication.find((r) => r.kind === "client")?.fields["last_seq"] ?? 0);
          return Number(info.binlogs["min_seq"]) > cursor + 1;
        },
        60_000,
        200,
      );
      await h.checkpoint("trimmed-while-frozen", "on the master: 12,000 KSET records with 2,000-byte values (multi_set batches of 100 over bulk0..bulk9, ~24 MB, more than the socket buffers hold); waited until min_seq passed the master's cursor for the slave");
      h.freezeSlave(false);
      await h.waitSlave("OUT_OF_SYNC", 60_000);
      await h.checkpoint("out-of-sync-live", "SIGCONT the slave; waited for its status OUT_OF_SYNC");
      await sleep(NOOP_WAIT_MS);
      await h.checkpoint("out-of-sync-idle", `waited ${NOOP_WAIT_MS} ms: noops only`);
    },
    // Thousands of records: keep the first and last dozen packets.
    { head: 12, tail: 12 },
  ),
};
