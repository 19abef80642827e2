/**
 * Randomized simulation of SSDB nodes (issue 15): random chains of SSDB masters and slaves, both
 * master behaviours (upstream 1.9.8 and seed 002's snapshot copy), random writes of every type,
 * bursts long enough to trim the binlog, `slaveof` at run time and from ssdb.conf, kills, wiped
 * restarts, freezes, partitions and latency; invariants after every step, then a heal phase.
 *
 * The invariants are the protocol's, stated where SSDB cannot heal:
 *
 * - The binlog window is ordered (`min_seq ≤ max_seq + 1`); once quiet, the cleaner has left at
 *   most `capacity + 10000` records (BL-3).
 * - A slave on a live link (its master lists it, not gone, both in COPY or SYNC) has
 *   `last_seq ≤ cursor ≤ max_seq`: it never claims records its master has not written.
 * - OUT_OF_SYNC is only ever a verdict on a seq outside the master's window `[min_seq, max_seq]`
 *   (MS-2, MS-8, SN-6, SN-7), and a slave shows OUT_OF_SYNC only after such a verdict on it.
 * - After healing, every slave of an upstream master is in SYNC or OUT_OF_SYNC (terminal in 1.9.8),
 *   every slave of a snapshot master is in SYNC (it is re-copied by itself), none is stuck in INIT,
 *   COPY or DISCONNECTED, whichever copies were interrupted on the way; and a slave in SYNC holds
 *   exactly its master's keyspace, unless the run did something after which the real protocol
 *   cannot make them equal. The simulation keeps those "taints" from its own actions, not from the
 *   engine: a slave written to directly; a node that got a master while it held data (a copy keeps
 *   the slave's keys) or one it had followed before (it resumes from an old seq); a slave whose
 *   master was wiped (silent divergence, MS-3/LAB-1); a slave copied again while holding data (SN-6:
 *   keys deleted meanwhile survive), or holding TTLs of its own (its expiry thread deletes a key its
 *   master sent again without one); a slave whose upstream copy ran while its master's binlog had
 *   queue records past the copy's starting cursor (its queues may hold an item twice or miss one:
 *   see `queueRecordsSince`). A wipe of the slave itself clears its taint.
 *
 * Cycles are not made: a node applies its master's records to its own binlog, so two SSDB nodes
 * with `type: sync` following each other echo every write forever (the real ones do too). A node
 * never follows two masters (LAB-5 allows it; the merge has no single master to equal).
 *
 * A failure names the seed; replay one with `SIM_SEED=<n> npx vitest run packages/engine/test/ssdb/simulation.test.ts`.
 * `SSDB_SIM_SEEDS=<count>` runs more seeds (CI runs the default).
 */
import { expect } from "vitest";
import { Lab, Prng, type NodeId, type NodeSnapshot } from "../../src/index.ts";
import { BinlogCommand, TRIM_HYSTERESIS } from "../../src/protocols/ssdb/binlog.ts";
import { EXPIRE_LIST } from "../../src/protocols/ssdb/database.ts";
import { decodeQueueItemKey, QITEM_MIN_SEQ, ssdbEscape } from "../../src/protocols/ssdb/keys.ts";
import { SsdbNode } from "../../src/protocols/ssdb/node.ts";
import { bytesToBinary } from "../../src/util/bytes.ts";
import { randomLinkChange } from "../sim-faults.ts";

/** Random steps per run before the heal. */
export const STEPS = 200;

type SsdbSnapshot = Extract<NodeSnapshot, { readonly protocol: "ssdb-binlog" }>;

/**
 * Why a slave's keyspace need not equal its master's after healing. `extra`: it kept keys of its
 * own through a copy (a copy never deletes on the slave), so it holds every key, field and member
 * of its master with the master's value, and maybe more (only while none of its own keys has a TTL:
 * its expiry list would delete them when due, even once its master has sent them again). `diverged`: it missed records or holds
 * other writes (written to directly, resumed from a seq of another history), so nothing is checked.
 */
interface Taint {
  readonly level: "extra" | "diverged";
  readonly why: string;
}

/** What the run saw, summed over seeds: the coverage test asserts the protocol's paths were taken. */
export const coverage = {
  outOfSync: 0,
  recopy: 0,
  copyRecover: 0,
  snapshotResume: 0,
  syncRecover: 0,
  copiesInterrupted: 0,
  trims: 0,
  comparedInSync: 0,
  comparedSuperset: 0,
  comparedDiverged: 0,
  endedOutOfSync: 0,
};

/** One seeded run: a lab of SSDB nodes, its random steps, its invariants. */
export class SsdbSimulation {
  readonly lab: Lab;
  readonly rng: Prng;
  readonly ids: NodeId[] = [];
  readonly log: string[] = [];
  /** The master each running process follows (its slaveof), as the simulation set it. */
  private readonly running = new Map<NodeId, NodeId | null>();
  /** The master in each node's ssdb.conf: what a restart follows. */
  private readonly conf = new Map<NodeId, NodeId | null>();
  /** Masters each node has followed since its disk was last wiped (its meta keeps their resume points). */
  private readonly followed = new Map<NodeId, Set<NodeId>>();
  /** Why a slave may hold what its master never sent it, or lack what it did (see the file comment). */
  private readonly taints = new Map<NodeId, Taint>();
  /** Slaves (by address) a master has declared OUT_OF_SYNC, checked against its window. */
  private readonly verdicts = new Set<string>();
  private readonly byAddress = new Map<string, NodeId>();
  /** Slaves (by address) whose master started a copy over, until their last_seq is back under its cursor. */
  private readonly reset = new Set<string>();
  /** Per upstream master and slave address (`master|peer`): the seq from which the copy under way may re-send what it copied. */
  private readonly copyAnchors = new Map<string, number>();
  private pendingFailure: string | null = null;
  private valueCounter = 0;

  constructor(readonly seed: number) {
    this.rng = Prng.fromSeed(`ssdb-simulation:${seed}`);
    this.lab = new Lab({
      seed: `ssdb:${seed}`,
      splitChunks: true,
      defaultLink: { latencyMs: 1 + this.rng.int(20), bandwidthBytesPerSec: [1_000_000, 10_000_000, 100_000_000][this.rng.int(3)]!, partitioned: false },
    });
    const count = 2 + this.rng.int(4);
    for (let i = 0; i < count; i++) {
      const id = this.lab.addNode({
        version: "ssdb",
        config: {
          "replication.binlog.capacity": this.rng.pick([10, 100, 2000]),
          "replication.copy": this.rng.pick(["upstream", "snapshot"]),
          "replication.sync_speed": this.rng.pick([-1, -1, 1, 5]),
        },
      }).id;
      this.ids.push(id);
      this.running.set(id, null);
      this.conf.set(id, null);
      this.followed.set(id, new Set());
      this.byAddress.set(this.lab.addressOf(id), id);
    }
    // Half the runs start with a megabyte on one node, so that copies take long enough to be broken.
    if (this.rng.chance(0.5)) {
      const argv = ["multi_set"];
      for (let i = 0; i < 3_000; i++) argv.push(`d${String(i).padStart(4, "0")}`, "d".repeat(200));
      this.lab.command(this.ids[0]!, ...argv);
    }
    this.lab.subscribe((event) => {
      const detail = event.detail;
      if (detail.kind !== "binlog-sync" || detail.side !== "master" || event.nodeId === null) return;
      const slave = this.byAddress.get(detail.peer);
      switch (detail.decision) {
        case "out-of-sync":
        case "recopy": {
          if (detail.decision === "out-of-sync") coverage.outOfSync++;
          else coverage.recopy++;
          const { minSeq, maxSeq } = detail;
          // The verdict is only for a seq whose records are not all in the window.
          if (minSeq === undefined || maxSeq === undefined || (detail.seq >= minSeq && detail.seq <= maxSeq)) {
            this.pendingFailure ??= `${this.name(event.nodeId)} declared ${detail.peer} ${detail.decision} at seq ${detail.seq} inside its window [${minSeq}, ${maxSeq}]`;
          }
          if (detail.decision === "recopy") this.reset.add(detail.peer);
          if (detail.decision === "out-of-sync") this.verdicts.add(detail.peer);
          // SN-6, SN-7: the copy again keeps the slave's keys, some of which its master may have deleted since.
          else if (slave !== undefined && this.holdsData(slave)) this.taint(slave, "extra", "copied again by a snapshot master while holding data");
          break;
        }
        case "copy-begin":
          this.reset.add(detail.peer);
          this.anchorCopy(event.nodeId, detail.peer, this.snap(event.nodeId).binlog.maxSeq);
          // A copy keeps the slave's own keys: any it holds now may be ones its master no longer has.
          if (slave !== undefined && this.holdsData(slave)) this.taint(slave, "extra", `copied again while holding ${this.lab.nodeSnapshot(slave).keys} keys`);
          break;
        case "copy-recover":
          coverage.copyRecover++;
          this.anchorCopy(event.nodeId, detail.peer, detail.seq);
          break;
        case "copy-end": {
          const anchor = this.copyAnchors.get(`${event.nodeId}|${detail.peer}`);
          this.copyAnchors.delete(`${event.nodeId}|${detail.peer}`);
          if (anchor === undefined || slave === undefined || this.snap(event.nodeId).copyMode !== "upstream") break;
          const records = queueRecordsSince(this.lab, event.nodeId, anchor);
          if (records > 0) this.taint(slave, "extra", `copied by ${this.name(event.nodeId)} with ${records} queue records past seq ${anchor} (its queues may count an item twice or miss one)`);
          break;
        }
        case "snapshot-resume":
          coverage.snapshotResume++;
          break;
        case "sync-recover":
          coverage.syncRecover++;
          break;
        default:
          break;
      }
    });
  }

  /** An upstream copy of `peer` by `master` starts or resumes with its cursor at `seq` (an interrupted session's earlier anchor stands). */
  private anchorCopy(master: NodeId, peer: string, seq: number): void {
    const key = `${master}|${peer}`;
    this.copyAnchors.set(key, Math.min(seq, this.copyAnchors.get(key) ?? seq));
  }

  note(text: string): void {
    this.log.push(`t=${Math.round(this.lab.nowMs)} ${text}`);
  }

  private name(id: NodeId): string {
    return this.lab.nodeSnapshot(id).name;
  }

  private snap(id: NodeId): SsdbSnapshot {
    const node = this.lab.nodeSnapshot(id);
    if (node.protocol !== "ssdb-binlog") throw new Error(`${node.name} is not an SSDB node`);
    return node;
  }

  private usable(id: NodeId): boolean {
    return this.lab.nodeSnapshot(id).status === "up";
  }

  private holdsData(id: NodeId): boolean {
    const process = this.lab.process(id);
    return process instanceof SsdbNode && process.db.store.size > 0;
  }

  private holdsTtls(id: NodeId): boolean {
    const process = this.lab.process(id);
    return process instanceof SsdbNode && process.db.zsize(EXPIRE_LIST) > 0;
  }

  private taint(id: NodeId, level: Taint["level"], why: string): void {
    // A slave's expiry list is its own: a TTL it set (or kept through a copy) deletes the key when
    // due, even after its master sent the key again without one (applying a KSET leaves the list
    // alone), so the slave may lack a key its master has.
    if (level === "extra" && this.holdsTtls(id)) {
      level = "diverged";
      why = `${why}, with TTLs of its own`;
    }
    const before = this.taints.get(id);
    if (before?.level === "diverged" || before?.level === level) return;
    this.note(`${this.name(id)} tainted (${level}): ${why}`);
    this.taints.set(id, { level, why });
  }

  /** Whether `id` is `target` or reaches it through the masters it follows or will follow after a restart. */
  private reaches(id: NodeId, target: NodeId): boolean {
    const seen = new Set<NodeId>();
    const queue = [id];
    while (queue.length > 0) {
      const at = queue.pop()!;
      if (at === target) return true;
      if (seen.has(at)) continue;
      seen.add(at);
      for (const next of [this.running.get(at), this.conf.get(at)]) if (next) queue.push(next);
    }
    return false;
  }

  /** The process of `id` now follows `master` (null: none): taints it when that cannot heal. */
  private follows(id: NodeId, master: NodeId | null): void {
    const before = this.running.get(id) ?? null;
    this.running.set(id, master);
    if (master === null) return;
    if (master !== before) {
      // (Checked before any of the new master's data can arrive.)
      if (this.followed.get(id)!.has(master)) this.taint(id, "diverged", `follows ${this.name(master)} again, from an old resume point`);
      else if (this.holdsData(id)) this.taint(id, "extra", "got a master while holding data");
    }
    this.followed.get(id)!.add(master);
  }

  step(): void {
    // A copy under way is what an interruption tests (copy recover, seed 002's snapshot resume).
    const copying = this.ids.filter((o) => this.usable(o) && this.snap(o).syncStatus === "COPY");
    if (copying.length > 0 && this.rng.chance(0.5)) {
      this.interruptCopy(this.rng.pick(copying));
      return;
    }
    const roll = this.rng.int(100);
    const id = this.rng.pick(this.ids);
    const name = this.name(id);
    if (roll < 40) {
      // Writes go mostly to nodes without a master; a write to a slave diverges it, as in ssdb.
      const roots = this.ids.filter((o) => this.running.get(o) === null && this.usable(o));
      const direct = this.rng.chance(0.03);
      if (!direct && roots.length === 0) return;
      const target = direct ? id : this.rng.pick(roots);
      if (!this.usable(target)) return;
      const argv = this.randomWrite();
      if (this.running.get(target) !== null) this.taint(target, "diverged", "written to directly while a slave");
      const reply = this.lab.command(target, ...argv);
      this.note(`${this.name(target)}: ${argv.slice(0, 4).join(" ")}${argv.length > 4 ? ` … (${argv.length} args)` : ""} -> ${reply.kind}`);
    } else if (roll < 43) {
      const roots = this.ids.filter((o) => this.running.get(o) === null && this.usable(o));
      if (roots.length === 0) return;
      const target = this.rng.pick(roots);
      // Enough records to trim a small binlog past a lagging slave (the cleaner waits for capacity + 10000).
      const argv = ["multi_set"];
      const pairs = 1_000 + this.rng.int(2_500);
      const pad = "p".repeat(this.rng.pick([0, 100]));
      for (let i = 0; i < pairs; i++) argv.push(`b${this.rng.int(3_000)}`, `v${this.valueCounter++}${pad}`);
      this.lab.command(target, ...argv);
      this.note(`${this.name(target)}: multi_set of ${pairs} keys`);
    } else if (roll < 50) {
      // `slaveof` at run time, on a node that follows nobody (ssdb-server would add a second upstream).
      if (!this.usable(id) || this.running.get(id) !== null) return;
      const targets = this.ids.filter((o) => !this.reaches(o, id));
      if (targets.length === 0) return;
      const target = this.rng.pick(targets);
      this.follows(id, target);
      this.lab.replicaOf(id, target);
      this.maybeBreakCopy(id);
      const persist = this.rng.chance(0.6);
      if (persist && this.conf.get(id) !== target && !this.reaches(target, id)) {
        this.lab.persistMaster(id, target);
        this.conf.set(id, target);
      }
      this.note(`${name}: slaveof ${this.name(target)}${persist ? " (in ssdb.conf)" : ""}`);
    } else if (roll < 54) {
      // Re-point (or detach) through ssdb.conf and a restart: the only way ssdb-server has.
      const targets = this.ids.filter((o) => !this.reaches(o, id));
      const target = this.rng.chance(0.3) || targets.length === 0 ? null : this.rng.pick(targets);
      this.lab.persistMaster(id, target);
      this.conf.set(id, target);
      this.lab.kill(id);
      this.restart(id, false);
      this.note(`${name}: ssdb.conf slaveof ${target ? this.name(target) : "(none)"}, restarted`);
      this.maybeBreakCopy(id);
    } else if (roll < 58) {
      this.noteInterruptedCopy(id);
      this.lab.kill(id);
      this.note(`${name}: kill`);
    } else if (roll < 63) {
      const wipe = this.rng.chance(0.1);
      this.noteInterruptedCopy(id);
      this.lab.kill(id);
      this.restart(id, wipe);
      this.note(`${name}: restart${wipe ? " (wiped)" : ""}`);
      if (wipe) this.maybeBreakCopy(id);
    } else if (roll < 67) {
      if (!this.usable(id)) return;
      this.lab.freeze(id);
      this.note(`${name}: freeze`);
    } else if (roll < 72) {
      this.lab.thaw(id);
      this.note(`${name}: thaw`);
    } else if (roll < 81) {
      this.note(randomLinkChange(this.lab, this.rng, roll < 78 ? "cut" : "latency", id, this.ids, (n) => this.name(n), () => this.noteInterruptedCopy(id)));
    } else {
      const ms = this.rng.pick([5, 50, 300, 1500, 4000, 12000, 35000]);
      this.lab.advance(ms);
      this.note(`advance ${ms} ms`);
    }
  }

  /** Often, when `id` starts a copy, breaks it (copy recover, seed 002's snapshot resume). */
  private maybeBreakCopy(id: NodeId): void {
    if (this.running.get(id) === null || !this.rng.chance(0.5)) return;
    for (let i = 0; i < 100 && this.usable(id) && this.snap(id).syncStatus !== "COPY"; i++) this.lab.advance(2);
    if (!this.usable(id) || this.snap(id).syncStatus !== "COPY") return;
    // Some items in, so that the slave has a last_key to resume from.
    this.lab.advance(this.rng.pick([0, 10, 50, 150]));
    if (this.usable(id) && this.snap(id).syncStatus === "COPY") this.interruptCopy(id);
  }

  /** Breaks `slave`'s copy: restarts it, cuts it off its master for a while, or restarts its master. */
  private interruptCopy(slave: NodeId): void {
    coverage.copiesInterrupted++;
    const master = this.running.get(slave) ?? null;
    const roll = this.rng.int(4);
    if (roll < 2 || master === null) {
      this.lab.kill(slave);
      this.restart(slave, false);
      this.note(`${this.name(slave)}: restarted mid-copy`);
    } else if (roll === 2) {
      this.lab.setLink(slave, master, { partitioned: true });
      this.lab.advance(this.rng.pick([100, 31_000]));
      this.lab.setLink(slave, master, { partitioned: false });
      this.note(`${this.name(slave)}-${this.name(master)}: partitioned mid-copy, healed`);
    } else {
      this.lab.kill(master);
      this.restart(master, false);
      this.note(`${this.name(master)}: restarted mid-copy of ${this.name(slave)}`);
    }
  }

  private noteInterruptedCopy(id: NodeId): void {
    if (this.usable(id) && this.snap(id).syncStatus === "COPY") coverage.copiesInterrupted++;
  }

  /** Restarts a node (already killed): it follows what its ssdb.conf says; a wipe clears its disk, so its meta and data. */
  private restart(id: NodeId, wipe: boolean): void {
    if (wipe) {
      // Its slaves now resume against a master whose seqs mean other writes.
      for (const other of this.ids) {
        if (this.running.get(other) === id || this.conf.get(other) === id) this.taint(other, "diverged", `its master ${this.name(id)} was wiped`);
        if (this.followed.get(other)!.has(id)) this.taint(other, "diverged", `a master it followed (${this.name(id)}) was wiped`);
      }
      this.taints.delete(id);
      this.followed.set(id, new Set());
    }
    this.lab.restart(id, { wipe });
    // A restart follows ssdb.conf: a new master only if the file names another than the process followed.
    this.follows(id, this.conf.get(id) ?? null);
  }

  private randomWrite(): string[] {
    const key = `k${this.rng.int(30)}`;
    const value = `v${this.valueCounter++}`;
    switch (this.rng.int(12)) {
      case 0:
        return ["incr", `n${this.rng.int(3)}`, String(1 + this.rng.int(5))];
      case 1:
        return ["del", key];
      case 2:
        return ["setx", key, value, String(1 + this.rng.int(5))];
      case 3:
        return ["hset", `h${this.rng.int(3)}`, `f${this.rng.int(6)}`, this.rng.pick(["x", "y", value])];
      case 4:
        return ["hdel", `h${this.rng.int(3)}`, `f${this.rng.int(6)}`];
      case 5:
        return ["zset", `z${this.rng.int(2)}`, `m${this.rng.int(6)}`, String(this.rng.int(100))];
      case 6:
        return ["zdel", `z${this.rng.int(2)}`, `m${this.rng.int(6)}`];
      case 7:
        return ["qpush", `q${this.rng.int(2)}`, value];
      case 8:
        return [this.rng.pick(["qpop_front", "qpop_back"]), `q${this.rng.int(2)}`];
      case 9:
        return ["multi_set", key, value, `k${this.rng.int(30)}`, "m"];
      case 10:
        return ["set", key, "y".repeat(this.rng.pick([1, 100, 5000]))];
      default:
        return ["set", key, value];
    }
  }

  /** Safety invariants, checked after every step. */
  check(step: number): void {
    if (this.pendingFailure !== null) throw new Error(`seed ${this.seed}, step ${step}: ${this.pendingFailure}`);
    for (const id of this.ids) {
      const node = this.snap(id);
      if (node.status === "down") continue;
      const where = `seed ${this.seed}, step ${step}, node ${node.name}`;
      const { minSeq, maxSeq } = node.binlog;
      expect(minSeq, `${where}: min_seq ${minSeq} past max_seq ${maxSeq} + 1`).toBeLessThanOrEqual(maxSeq + 1);
      for (const replica of node.replicas) {
        if (replica.gone || replica.nodeId === null || (replica.status !== "SYNC" && replica.status !== "COPY")) continue;
        expect(replica.lastSeq, `${where}: cursor for ${replica.address} past max_seq`).toBeLessThanOrEqual(maxSeq);
        const slave = this.snap(replica.nodeId);
        if (slave.status !== "down" && slave.masterId === id && (slave.syncStatus === "SYNC" || slave.syncStatus === "COPY") && slave.lastSeq !== null) {
          // A master that starts a copy over (seed 002's reset, SN-6/SN-7) starts its cursor again,
          // while the slave shows its old seq until a record of the new copy or stream reaches it:
          // copy_begin and copy_end do not set last_seq (`Slave::proc_copy`), so an empty copy leaves
          // it as it was. From the first time the relation holds again, it holds.
          if (this.reset.has(replica.address) && slave.lastSeq > replica.lastSeq) continue;
          this.reset.delete(replica.address);
          expect(slave.lastSeq, `${where}: slave ${slave.name}'s last_seq past its master's cursor`).toBeLessThanOrEqual(replica.lastSeq);
        }
      }
      if (node.syncStatus === "OUT_OF_SYNC") {
        expect(this.verdicts.has(this.lab.addressOf(id)), `${where}: OUT_OF_SYNC without a master's verdict`).toBe(true);
      }
    }
  }

  /** Heal everything and let replication settle. */
  heal(): void {
    for (const id of this.ids) {
      const snap = this.lab.nodeSnapshot(id);
      if (snap.status === "frozen") this.lab.thaw(id);
      if (snap.status === "down") this.restart(id, false);
    }
    for (const a of this.ids) for (const b of this.ids) if (a < b) this.lab.setLink(a, b, { partitioned: false, latencyMs: 1 });
    this.note("heal");
    // Long enough for a reconnect (5 s after a refusal), a throttled copy and the expiry of every TTL.
    this.lab.advance(70_000);
    this.lab.runUntilIdle(300_000);
    this.lab.advance(2_000);
    this.lab.runUntilIdle(300_000);
    // An idle seed-002 master outwaits an upstream slave's recv_timeout (SN-9): the slave reconnects
    // every 30 s and shows INIT until a record comes. One write on every root brings one down each chain.
    // A slave stuck in OUT_OF_SYNC forwards nothing, so it gets the write too (it is not compared).
    for (const id of this.ids) {
      if (this.running.get(id) !== null && this.snap(id).syncStatus !== "OUT_OF_SYNC") continue;
      if (this.running.get(id) !== null) this.taint(id, "diverged", "written to directly while a slave");
      this.lab.command(id, "set", "healed", String(this.seed));
    }
    this.lab.advance(5_000);
    this.lab.runUntilIdle(300_000);
  }

  /** After healing: where each slave must be, and which must hold exactly their master's keys. */
  checkConverged(): void {
    if (this.pendingFailure !== null) throw new Error(`seed ${this.seed}, heal: ${this.pendingFailure}`);
    for (const id of this.ids) {
      const node = this.snap(id);
      const where = `seed ${this.seed}, after heal, node ${node.name}`;
      if (node.binlog.minSeq > 0) coverage.trims++;
      expect(node.binlog.maxSeq - node.binlog.minSeq, `${where}: binlog not trimmed`).toBeLessThan(node.binlog.capacity + TRIM_HYSTERESIS);
      const masterId = this.running.get(id) ?? null;
      if (masterId === null) continue;
      const master = this.snap(masterId);
      const relation = `${where}, slave of ${master.name} (${master.copyMode})`;
      expect(node.masterId, `${relation}: follows`).toBe(masterId);
      const allowed = master.copyMode === "snapshot" ? ["SYNC"] : ["SYNC", "OUT_OF_SYNC"];
      expect(allowed, `${relation}: status ${node.syncStatus}`).toContain(node.syncStatus);
      if (node.syncStatus === "OUT_OF_SYNC") {
        coverage.endedOutOfSync++;
        continue;
      }
      expect(node.lastSeq, `${relation}: last_seq`).toBe(master.binlog.maxSeq);
      const taint = this.taints.get(id);
      if (taint?.level === "diverged") {
        coverage.comparedDiverged++;
        continue;
      }
      const slaveData = contentOf(this.lab, id);
      const masterData = contentOf(this.lab, masterId);
      // (Deep comparisons only to say what differs: they are slow on thousands of keys.)
      if (taint === undefined) {
        coverage.comparedInSync++;
        if (!sameEntries(slaveData, masterData)) expect(Object.fromEntries(slaveData), `${relation}: keyspace`).toEqual(Object.fromEntries(masterData));
        continue;
      }
      coverage.comparedSuperset++;
      // Sizes count the slave's own fields too, and copied queue items join its own queue.
      const items = [...masterData].filter(([key]) => !/^[HZQ]/.test(key) && !key.startsWith("queue "));
      if (items.some(([key, value]) => slaveData.get(key) !== value)) {
        expect(Object.fromEntries(items.map(([key]) => [key, slaveData.get(key)])), `${relation} (${taint.why}): every key of its master`).toEqual(Object.fromEntries(items));
      }
    }
  }
}

/**
 * A node's data as clients see it: every stored key and value (escaped), except that queue items
 * are numbered by position, since a slave pushes copied items where its own queue puts them (SL-5).
 */
function contentOf(lab: Lab, id: NodeId): Map<string, string> {
  const process = lab.process(id);
  if (!(process instanceof SsdbNode)) throw new Error(`${id} is not a running SSDB node`);
  const out = new Map<string, string>();
  const queueIndex = new Map<string, number>();
  for (const { key, value } of process.db.store.entries()) {
    const text = ssdbEscape(bytesToBinary(value));
    const item = key.startsWith("q") ? decodeQueueItemKey(key) : null;
    if (item === null) {
      out.set(ssdbEscape(key), text);
      continue;
    }
    // The front and back pointers are positions in the slave's own numbering.
    if (item.seq < QITEM_MIN_SEQ) continue;
    const index = queueIndex.get(item.name) ?? 0;
    queueIndex.set(item.name, index + 1);
    out.set(`queue ${ssdbEscape(item.name)}[${index}]`, text);
  }
  return out;
}

/**
 * How many queue records (pushes, pops, sets) `master`'s binlog holds past `anchor`. Upstream 1.9.8
 * copies by iterator while it streams: `Client::sync` skips a record whose key sorts after
 * `last_key` (and drops the iterator) but sends one at or before it, and stops at the first sent
 * record, so the iterator `Client::copy` builds next sees every write made so far, including those
 * past the cursor. When the copy then passes a queue item whose push record the cursor has not
 * reached, the item goes once as a COPY item and again as a SYNC record (during the copy, its key
 * now at or before `last_key`, or streamed after `copy_end`). Re-sending is harmless for KSET, HSET
 * and ZSET (values are read when sent), but `Slave::proc_sync` applies QPUSH_BACK/QPUSH_FRONT with
 * `qpush_back`/`qpush_front`, a push where the slave's queue ends, not a write at the item's key: the
 * item is there twice. Likewise a pop the copied queue already reflects can be applied once more,
 * and a QSET (keyed by the item) lands at the slave's own numbering (the pop and QSET cases follow
 * from the same code; the push was checked live). Live, ssdb-server 1.9.8 (SPEC MS-14,
 * `copy-race.test.ts`): after `set kc`, `set ka`, `qpush_back q1 v`, a `sync140 1 kkb sync` gets
 * `ka` as SYNC seq 2, the copy (`kc`, q1's pointers and item `v`) and `copy_end` at seq 2, then item
 * `v` again as SYNC QPUSH_BACK seq 3. Counting every queue record past the anchor over-approximates
 * the race; the slave's other keys still match (the `extra` taint compares no queue).
 */
function queueRecordsSince(lab: Lab, master: NodeId, anchor: number): number {
  const process = lab.process(master);
  if (!(process instanceof SsdbNode)) return 0;
  const binlog = process.db.binlog;
  const queueCommands: ReadonlySet<number> = new Set([BinlogCommand.QPUSH_BACK, BinlogCommand.QPUSH_FRONT, BinlogCommand.QPOP_BACK, BinlogCommand.QPOP_FRONT, BinlogCommand.QSET]);
  let count = 0;
  for (let seq = anchor + 1; seq <= binlog.maxSeq; seq++) {
    const record = binlog.findNext(seq);
    if (record === undefined) break;
    seq = record.seq;
    if (queueCommands.has(record.cmd)) count++;
  }
  return count;
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Runs seed `seed`: the steps with their checks, the heal, the final checks; a failure says how to replay it. */
export function run(seed: number): void {
  const sim = new SsdbSimulation(seed);
  try {
    for (let step = 0; step < STEPS; step++) {
      sim.step();
      sim.check(step);
    }
    sim.heal();
    sim.check(STEPS);
    sim.checkConverged();
  } catch (error) {
    const tail = sim.log.slice(-30).join("\n  ");
    const events = sim.lab.events().slice(-20).map((e) => `t=${Math.round(e.timeMs)} ${e.nodeId ?? "lab"}: ${e.message}`).join("\n  ");
    throw new Error(`SSDB simulation failed — replay with SIM_SEED=${seed}\n  last steps:\n  ${tail}\n  last events:\n  ${events}\n${String(error)}`, { cause: error });
  }
}

