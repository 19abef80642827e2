/**
 * Two bin/replica-lab-server processes replicating over TCP go through the faults redis's own
 * tests put servers through, beside two real redis-server 7.0.15 processes doing the same steps:
 * the replica is SIGSTOPped past the master's repl-timeout (the master drops it; after SIGCONT it
 * comes back with a partial resync), then the master is killed with SIGKILL and the replica is
 * promoted (REPLICAOF NO ONE). The figures compared (sync counters, keys, replid equalities,
 * second_repl_offset, the log lines both masters write) are read from the real pair, live.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisServerProcess, scratchDir, sleep, waitFor } from "../testing/helpers.ts";
import { dumpKeyspace, keyspaceDifferences, position, RespClient, stat, waitForSamePosition } from "../testing/resp-client.ts";
import { type Launcher, launcher, logTexts, matching, requireRedisServer } from "./launcher-process.ts";

/** The two servers of a pair, whatever runs them. */
interface Pair {
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly masterLog: string;
  pauseReplica(): void;
  resumeReplica(): void;
  killMaster(): Promise<void>;
}

/** What a pair went through, in figures that must be equal for both pairs. */
async function faults(pair: Pair): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const [m, r] = await Promise.all([RespClient.connect(pair.masterPort), RespClient.connect(pair.replicaPort)]);
  try {
    for (let i = 0; i < 100; i++) void m.text("SET", `key:${i}`, `value ${i}`);
    await m.text("CONFIG", "SET", "repl-timeout", "2");
    await r.text("REPLICAOF", "127.0.0.1", String(pair.masterPort));
    await waitForSamePosition([m, r], 30_000);
    const full = await stat(m, "sync_full");
    const partial = await stat(m, "sync_partial_ok");
    pair.pauseReplica();
    // Past the master's repl-timeout: it hears no REPLCONF ACK and drops the replica.
    await waitFor(async () => (await m.info("replication")).connected_slaves === "0", 30_000, "the master to drop the stopped replica");
    for (let i = 0; i < 10; i++) await m.text("INCR", "during-pause");
    pair.resumeReplica();
    await sleep(200);
    const positions = await waitForSamePosition([m, r], 30_000);
    seen.fullSyncsAfterPause = (await stat(m, "sync_full")) - full;
    seen.partialSyncsAfterPause = (await stat(m, "sync_partial_ok")) - partial;
    seen.keyDifferences = keyspaceDifferences(await dumpKeyspace(m, [0]), await dumpKeyspace(r, [0]));
    seen.counter = await r.text("GET", "during-pause");
    const before = positions[0]!;
    await pair.killMaster();
    await r.text("REPLICAOF", "NO", "ONE");
    const promoted = await position(r);
    seen.role = promoted.role;
    seen.replid2IsOldReplid = promoted.replid2 === before.replid;
    seen.replidIsNew = promoted.replid !== before.replid;
    seen.secondOffsetIsOffsetPlusOne = promoted.secondOffset === before.offset + 1;
    seen.keysAfterPromotion = await r.text("DBSIZE");
  } finally {
    m.close();
    r.close();
  }
  seen.masterLog = matching(logTexts(pair.masterLog), ["Disconnecting timedout replica (streaming sync)", "Partial resynchronization request from", "Full resync requested by replica"]);
  return seen;
}

describe("two launchers against two redis-server 7.0.15 processes: SIGSTOP past repl-timeout, kill -9 and promotion", () => {
  const scratch = scratchDir("dropin-faults-");
  const launchers: Launcher[] = [];
  const reals: RedisServerProcess[] = [];
  afterAll(async () => {
    for (const node of launchers) await node.kill();
    for (const real of reals) await real.kill();
    scratch.remove();
  });

  it("go through the same states with the same figures", async () => {
    requireRedisServer();
    const config = ["save \"\"", "repl-diskless-sync-delay 0", "repl-ping-replica-period 1", "loglevel notice", ""].join("\n");
    const [lm, lr] = await Promise.all([launcher(scratch.dir, "lab-master", config), launcher(scratch.dir, "lab-replica", config)]);
    launchers.push(lm, lr);
    const options = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "1" };
    const [rm, rr] = await Promise.all([RedisServerProcess.start(scratch.dir, "real-master", options), RedisServerProcess.start(scratch.dir, "real-replica", options)]);
    reals.push(rm, rr);
    const lab = await faults({
      masterPort: lm.port,
      replicaPort: lr.port,
      masterLog: lm.logPath,
      pauseReplica: () => lr.signal("SIGSTOP"),
      resumeReplica: () => lr.signal("SIGCONT"),
      killMaster: () => lm.kill(),
    });
    const real = await faults({
      masterPort: rm.port,
      replicaPort: rr.port,
      masterLog: join(rm.dir, "log"),
      pauseReplica: () => rr.pause(),
      resumeReplica: () => rr.resume(),
      killMaster: () => rm.kill(),
    });
    // The steps did what they are for: the real master timed the stopped replica out.
    expect(real.masterLog).toContain("Disconnecting timedout replica (streaming sync)");
    expect(lab).toEqual(real);
  }, 180_000);
});
