/**
 * A lab brought to life: the engine's `Lab`, a clock that maps wall time to virtual time, the TCP
 * gateway of its nodes and its write loads. Every operation a client can ask for lands here, from
 * REST and from the stream alike (through `operations.ts`).
 *
 * Clock rules (also in the README):
 * - Bytes from a real socket and console commands first bring the world up to the clock's target
 *   (`catchUp`, the same work a tick does, so logged as the same time inputs), then are delivered at
 *   that virtual time and processed at once (`runCurrent`): a reply that needs no time comes back
 *   immediately, paused or not, and a key whose TTL ran out on the wall clock is gone, as on redis.
 *   Write loads are delivered at the world's current virtual time.
 * - Whatever needs time to pass (replication over the simulated network, timeouts, cron, WAIT) waits
 *   for the clock: a timer runs the world up to the clock's target every `tickIntervalMs`.
 * - Each tick works at most `tickBudgetMs`; a lab with more work than that falls behind, reports it
 *   as `clock.lagMs`, and never keeps more than `maxLagMs` of wall time of backlog (`LabClock.slip`).
 */
import { Lab, nodeKind, parseConfigFile, type LinkSnapshot, type NodeId, type NodeKind, type NodeSnapshot, type NodeVersion, type ProcessView, type Reply } from "@replica-lab/engine";
import type { LabClockView, LabSummary, LabView, WriteLoadView } from "@replica-lab/protocol";
import { DEFAULT_EXTERNAL_WATCH, ExternalWatch, type ExternalWatchOptions } from "../external/external-watch.ts";
import { ApiFailure } from "../http/errors.ts";
import type { ServerLimits } from "../limits.ts";
import { OutboundPolicy, parseOutboundAddress, type OutboundAddress } from "../outbound/outbound-policy.ts";
import { TcpOutboundConnector } from "../outbound/tcp-connector.ts";
import { RespGateway } from "../resp/resp-gateway.ts";
import { LabClock } from "./lab-clock.ts";
import { LabFailureGuard, type LabFailure } from "./lab-failure.ts";
import { ConsoleSessions, type ConsoleReply } from "./consoles.ts";
import type { LabParent, NodePosition } from "@replica-lab/protocol";
import { DEFAULT_TIMELINE, LabTimeline, type TimelineOptions } from "./lab-timeline.ts";
import { WriteLoad } from "./write-load.ts";

/** How a runtime is driven; tests shrink or stop the timer. */
export interface RuntimeTiming {
  /** Wall ms between ticks (0: no timer; the caller ticks by hand). */
  readonly tickIntervalMs: number;
  /** Wall ms of work per tick before the lab is allowed to fall behind. */
  readonly tickBudgetMs: number;
  /** Wall ms of backlog kept when falling behind. */
  readonly maxLagMs: number;
  /** Wall ms a step may work synchronously before handing the rest to the ticks. */
  readonly stepBudgetMs: number;
}

export const DEFAULT_TIMING: RuntimeTiming = { tickIntervalMs: 10, tickBudgetMs: 6, maxLagMs: 1000, stepBudgetMs: 250 };

/** What a new node may ask for. */
export interface AddNodeRequest {
  readonly name?: string;
  readonly version?: string;
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  readonly resp?: boolean;
  readonly port?: number;
}

export interface LabRuntimeOptions {
  readonly id: string;
  readonly name: string;
  readonly seed: string | number;
  readonly limits: ServerLimits;
  readonly timing: RuntimeTiming;
  readonly bindHost: string;
  /** True while the server is over its memory limit. */
  readonly overMemory: () => boolean;
  /** Outside addresses lab nodes may replicate from (default: loopback only). */
  readonly outbound?: OutboundPolicy;
  /** How external servers linked to the lab are polled for the canvas. */
  readonly externalWatch?: ExternalWatchOptions;
  /** A lab rebuilt from another's log (a lesson's "back"), instead of a new one from `seed`. */
  readonly lab?: Lab;
  /** The lab this one was branched from, and when. */
  readonly parent?: LabParent | null;
  /** A timeline already holding the lab's history (a rebuild's, a branch's); else a new one. */
  readonly timeline?: LabTimeline;
  readonly timelineOptions?: TimelineOptions;
  /** When the lab was first made (a lab rebuilt at a restart keeps its own). */
  readonly createdAt?: string;
  /** Node positions for the canvas. */
  readonly layout?: Readonly<Record<string, NodePosition>>;
}

const now = (): number => performance.now();

/**
 * Virtual ms the world must be behind its clock's target before a client's bytes bring it up to
 * date: each catch-up is one more input in the lab's log, and redis's own clock only counts whole
 * milliseconds, so a pipelining client does not add one per chunk it sends.
 */
const CATCH_UP_MIN_MS = 1;

export class LabRuntime {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  /** The lab this one was branched from, and when (null: not a branch). */
  readonly parent: LabParent | null;
  /** Node positions the canvas saved (kept with the lab, exported with it). */
  layout: Record<string, NodePosition>;
  /** The lab's history: every event, checkpoints, offsets; the lab at any past moment. */
  readonly timeline: LabTimeline;
  readonly lab: Lab;
  readonly clock: LabClock;
  readonly gateway: RespGateway;
  readonly writeLoad: WriteLoad;
  /** Real sockets for lab nodes replicating from servers outside the lab. */
  readonly outbound: TcpOutboundConnector;
  readonly outboundPolicy: OutboundPolicy;
  /** Servers outside the lab that its replication reaches, polled for the canvas. */
  readonly externals: ExternalWatch;
  private readonly limits: ServerLimits;
  private readonly timing: RuntimeTiming;
  private readonly overMemory: () => boolean;
  private timer: NodeJS.Timeout | null = null;
  private lagMs = 0;
  private pendingAdds = 0;
  private disposed = false;
  /** Bumped when something the engine does not count changes (write loads, clock settings). */
  revision = 0;
  /** Catches what the engine throws: the lab fails alone, the process goes on (see lab-failure.ts). */
  readonly guard: LabFailureGuard;
  /** The last view built, shown (with the failure) once the lab failed and can no longer build one. */
  private lastView: LabView | null = null;
  /** Every user's own console connections (stream sockets, REST sessions). */
  readonly consoles: ConsoleSessions;

  constructor(options: LabRuntimeOptions) {
    this.id = options.id;
    this.name = options.name;
    this.createdAt = options.createdAt ?? new Date().toISOString();
    this.parent = options.parent ?? null;
    this.layout = { ...options.layout };
    this.limits = options.limits;
    this.timing = options.timing;
    this.overMemory = options.overMemory;
    // Real unix times, so TTLs typed in redis-cli mean what they say; the engine never reads clocks.
    this.lab = options.lab ?? new Lab({ seed: options.seed, epochMs: Date.now(), memoryLimitBytes: options.limits.labMemoryBytes });
    this.clock = new LabClock(now(), this.lab.nowMs);
    this.guard = new LabFailureGuard(this.lab, this.id, (failure) => this.stopAfterFailure(failure));
    this.consoles = new ConsoleSessions({ lab: this.lab, runCurrent: () => this.runCurrent(), catchUp: () => this.catchUp(), commandTimeoutMs: this.limits.commandTimeoutMs });
    this.gateway = new RespGateway(
      {
        lab: this.lab,
        runCurrent: () => this.runCurrent(),
        catchUp: () => this.catchUp(),
        overMemory: () => this.overMemory() || this.lab.inputs.memoryBytes > this.limits.labLogBytes,
        safely: (during, work) => this.guard.safely(during, work),
      },
      options.bindHost,
    );
    this.writeLoad = new WriteLoad(this.lab, now);
    this.outboundPolicy = options.outbound ?? new OutboundPolicy();
    this.outbound = new TcpOutboundConnector(
      {
        runCurrent: () => this.runCurrent(),
        isFrozen: (address) => {
          const id = this.lab.nodeByAddress(address);
          return id !== undefined && this.lab.isFrozen(id);
        },
        safely: (during, work) => this.guard.safely(during, work),
      },
      this.outboundPolicy,
    );
    this.lab.setOutboundConnector(this.outbound);
    this.externals = new ExternalWatch(
      { nodes: () => this.lab.nodeIds().map((id) => this.lab.nodeSnapshot(id)), nodeAt: (address) => this.lab.nodeByAddress(address) },
      this.outboundPolicy,
      options.externalWatch ?? DEFAULT_EXTERNAL_WATCH,
    );
    // A node that exits by itself (SHUTDOWN typed in redis-cli) is down like a killed one: its port
    // must refuse connections too.
    this.lab.subscribe((event) => {
      if (event.kind === "exited" && event.nodeId !== null) void this.gateway.stop(event.nodeId);
    });
    this.timeline = options.timeline ?? new LabTimeline(this.lab, options.timelineOptions ?? DEFAULT_TIMELINE, () => !this.overMemory());
    this.timeline.start();
    if (this.timing.tickIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.timing.tickIntervalMs);
      this.timer.unref();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Processes what is due at the current virtual time (replies on zero-latency console links). */
  runCurrent(): void {
    if (this.disposed) return;
    this.guard.safely("processing", this.processCurrent);
  }

  /** The work of `runCurrent` and `catchUp`, made once rather than a closure per client chunk. */
  private readonly processCurrent = (): void => this.lab.runCurrent();
  private readonly catchUpWork = (): void => {
    const wall = now();
    if (this.clock.targetMs(wall) - this.lab.nowMs < CATCH_UP_MIN_MS) return;
    this.advance(wall, this.timing.tickBudgetMs);
  };

  /**
   * Brings the world up to the clock's target before a real client's bytes or a console command are
   * delivered, as a tick would (same budget, same lag rules, same logged time inputs, so a replay is
   * exact): without it a command landed at the last tick's time, up to a tick behind the wall clock,
   * and `SET k v PX 1`, a 2 ms wait, `EXISTS k` still found the key. A paused clock's target is where
   * the world already is, so nothing moves; a lab already behind leaves the backlog to its ticks, so
   * a client cannot make it spend more than its budget per tick. False when the lab has failed (now
   * or before): nothing more may be delivered, so its log stays as the failure left it.
   */
  catchUp(): boolean {
    if (!this.disposed && this.lagMs <= 0) this.guard.safely("catching up with the clock", this.catchUpWork);
    return this.guard.failure === null;
  }

  /** One timer turn: write loads, then the world up to the clock's target within the budget. */
  tick(): void {
    if (this.disposed) return;
    this.guard.safely("a clock tick", () => this.tickWork());
  }

  private tickWork(): void {
    const wall = now();
    if (!this.clock.paused && this.writeLoad.active && !this.overMemory()) {
      if (this.writeLoad.run(wall)) this.runCurrent();
    }
    this.advance(wall, this.timing.tickBudgetMs);
  }

  /** Runs the world toward the clock's target for at most `budgetMs`. */
  private advance(wall: number, budgetMs: number): void {
    const lab = this.lab;
    const target = this.clock.targetMs(wall);
    const deadline = now() + budgetMs;
    // 64 events at a time: checking the clock on every event would cost more than most events do.
    while (lab.stepUntil(target, 64) === 64 && now() <= deadline) {
      // stepUntil does the work.
    }
    if (lab.nextEventMs() > target) {
      lab.runUntil(target);
      this.lagMs = 0;
      return;
    }
    this.clock.slip(wall, lab.nowMs, this.timing.maxLagMs);
    this.lagMs = this.clock.targetMs(wall) - lab.nowMs;
  }

  /** pause / resume / step, and the speed. */
  clockAction(action: "pause" | "resume" | "step", speed: number | undefined, stepMs: number): LabClockView {
    const wall = now();
    const virtual = this.lab.nowMs;
    if (speed !== undefined) this.clock.setSpeed(speed, wall, virtual);
    switch (action) {
      case "pause":
        this.clock.pause(wall, virtual);
        break;
      case "resume":
        this.clock.resume(wall, virtual);
        break;
      case "step":
        this.clock.step(stepMs);
        // Most steps finish here; a huge one goes on in the following ticks.
        this.advance(wall, this.timing.stepBudgetMs);
        break;
    }
    this.revision++;
    return this.clockView();
  }

  clockView(): LabClockView {
    const lab = this.lab;
    return {
      timeMs: lab.nowMs,
      unixMs: lab.epochMs + lab.nowMs,
      paused: this.clock.paused,
      speed: this.clock.speed,
      lagMs: Math.max(0, Math.round(this.lagMs)),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  view(): LabView {
    const failure = this.guard.view;
    if (failure === null) {
      try {
        this.lastView = this.buildView();
        return this.lastView;
      } catch (error) {
        this.guard.caught("a snapshot", error);
      }
    }
    // A failed lab shows what it was when it last could, and why it stopped.
    const last = this.lastView ?? { seed: this.lab.seed, clock: this.clockView(), nodes: [], edges: [], links: [], lastEventSeq: this.lab.lastEventSeq, id: this.id, name: this.name, writeLoads: [] };
    return { ...last, failure: this.guard.view! };
  }

  /**
   * After the engine failed: everything that would run it again stops (the timer, write loads, RESP
   * ports and their clients, outside sockets, polling); the lab itself and its log stay.
   */
  private stopAfterFailure(failure: LabFailure): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.writeLoad.forgetAll();
    // The lab itself is not told (that would be one more input): its sockets just close, and its
    // consoles' waiting commands are answered lab-failed.
    this.consoles.abandon(new ApiFailure("lab-failed", `lab ${this.id} failed and was stopped: ${failure.message}`));
    this.outbound.closeAll();
    this.externals.close();
    void this.gateway.closeAll();
    this.revision++;
  }

  private buildView(): LabView {
    const snapshot = this.lab.snapshot({ paused: this.clock.paused, speed: this.clock.speed });
    const externalNodes = this.externals.nodes();
    // Object.assign, not `{ ...snapshot, clock, ... }`: V8 builds a spread followed by fields on a
    // slow path (tens of us), and the stream takes a view of every watched lab 10 times a second.
    return Object.assign({}, snapshot, {
      clock: this.clockView(),
      id: this.id,
      name: this.name,
      parent: this.parent,
      writeLoads: this.writeLoads(),
      externalNodes,
      externalEdges: this.externals.edges(snapshot.nodes, externalNodes),
    });
  }

  /** What the lab holds in memory: its machine (nodes, data between them) and its input log. */
  memoryBytes(): number {
    const memory = this.lab.memory();
    return memory.machineBytes + memory.logBytes;
  }

  summary(): LabSummary {
    return { id: this.id, name: this.name, seed: this.lab.seed, nodeCount: this.lab.nodeIds().length, createdAt: this.createdAt, parent: this.parent };
  }

  writeLoads(): WriteLoadView[] {
    return this.writeLoad.list();
  }

  /** A node id from an id or a name; unknown ones are 404s. */
  requireNode(idOrName: string): NodeId {
    const id = this.lab.resolve(idOrName);
    if (id === undefined) throw new ApiFailure("unknown-node", `lab ${this.id} has no node ${JSON.stringify(idOrName)}`);
    return id;
  }

  nodeView(id: NodeId): NodeSnapshot {
    return this.lab.nodeSnapshot(id);
  }

  private isUp(id: NodeId): boolean {
    return this.lab.isUp(id);
  }

  private isFrozen(id: NodeId): boolean {
    return this.lab.isFrozen(id);
  }

  private requireUp(id: NodeId, what: string): void {
    if (!this.isUp(id)) throw new ApiFailure("node-down", `node ${this.lab.nodeSnapshot(id).name} is down (killed); ${what} needs a running process`);
  }

  private requireMemory(): void {
    if (this.overMemory()) throw new ApiFailure("memory-limit", "the server is over its memory limit; delete labs or nodes first");
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  async addNode(request: AddNodeRequest): Promise<NodeSnapshot> {
    this.requireMemory();
    if (this.lab.nodeIds().length + this.pendingAdds >= this.limits.maxNodesPerLab) {
      throw new ApiFailure("too-many-nodes", `lab ${this.id} already has ${this.limits.maxNodesPerLab} nodes (the limit)`);
    }
    if (request.port !== undefined && this.lab.nodeByAddress(`127.0.0.1:${request.port}`) !== undefined) {
      throw new ApiFailure("port-taken", `a node of this lab already has address 127.0.0.1:${request.port}`);
    }
    this.pendingAdds++;
    try {
      const binding = request.resp === false ? null : await this.gateway.bind(request.port ?? 0);
      if (this.disposed) {
        if (binding) await this.gateway.release(binding);
        throw new ApiFailure("unknown-lab", `lab ${this.id} was deleted`);
      }
      const config = { ...request.config };
      let snapshot: NodeSnapshot;
      try {
        snapshot = this.lab.addNode({
          name: request.name,
          version: request.version as "7.0" | undefined,
          config,
          host: "127.0.0.1",
          port: binding?.port ?? request.port,
        });
      } catch (error) {
        if (binding) await this.gateway.release(binding);
        throw error;
      }
      if (binding) {
        this.gateway.attach(snapshot.id, binding, snapshot.address);
        this.lab.setRespPort(snapshot.id, binding.port);
      }
      this.runCurrent();
      return this.lab.nodeSnapshot(snapshot.id);
    } finally {
      this.pendingAdds--;
    }
  }

  async removeNode(id: NodeId): Promise<void> {
    this.writeLoad.forget(id);
    await this.gateway.remove(id);
    this.lab.removeNode(id);
    this.runCurrent();
  }

  /**
   * Runs one command on a user's own console of the node (see consoles.ts): `owner` names whose
   * (a stream socket, `rest:<session>`), or null for a fresh connection closed after the reply.
   */
  consoleCommand(id: NodeId, argv: readonly string[], owner: string | null): Promise<ConsoleReply> {
    this.requireUp(id, "a command");
    return this.consoles.run(id, argv, owner);
  }

  /**
   * Runs one command on the lab's operator console of the node (REPLICAOF and SHUTDOWN from the
   * canvas): it logs in as `redis-cli -a` would on a node with requirepass.
   */
  command(id: NodeId, argv: readonly string[]): Promise<Reply> {
    this.requireUp(id, "a command");
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new ApiFailure("reply-timeout", `no reply within ${this.limits.commandTimeoutMs} ms (frozen node, paused lab or blocking command)`));
      }, this.limits.commandTimeoutMs);
      timer.unref();
      this.lab.execute(id, argv, (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome.ok) resolve(outcome.reply);
        else if (outcome.error === "node-down") reject(new ApiFailure("node-down", outcome.message));
        else if (outcome.error === "connection-closed") reject(new ApiFailure("connection-closed", outcome.message));
        else if (outcome.error === "subscribe-in-console") reject(new ApiFailure("subscribe-in-console", outcome.message));
        else reject(new ApiFailure("reply-timeout", outcome.message));
      });
    });
  }

  /**
   * What a `set-master` names: a lab node (id, name or lab address), or a server outside the lab
   * by its `host:port` (an external node's id), which the outbound policy must allow.
   */
  async resolveMaster(reference: string): Promise<NodeId | OutboundAddress> {
    const byName = this.lab.resolve(reference) ?? this.lab.nodeByAddress(reference);
    if (byName !== undefined) return byName;
    const outside = parseOutboundAddress(reference);
    if (!outside) throw new ApiFailure("unknown-node", `lab ${this.id} has no node ${JSON.stringify(reference)} (an outside server is named host:port)`);
    const inside = this.lab.nodeByAddress(`${outside.host}:${outside.port}`);
    if (inside !== undefined) return inside;
    const verdict = await this.outboundPolicy.verdict(outside.host, outside.port);
    if (!verdict.allowed) throw new ApiFailure("outbound-not-allowed", verdict.reason);
    return outside;
  }

  /**
   * REPLICAOF a lab node's address or an outside address, or REPLICAOF NO ONE. With `persist`, the
   * node's config file then gets the same `replicaof` line (or loses it), as if the user had run
   * CONFIG REWRITE for that one setting; it is written only once the node accepted the command.
   */
  async setMaster(id: NodeId, master: NodeId | OutboundAddress | null, persist = false): Promise<NodeSnapshot> {
    this.requireUp(id, "REPLICAOF");
    let target: { host: string; port: number } | null = null;
    if (typeof master === "object" && master !== null) target = { host: master.host, port: master.port };
    else if (typeof master === "string") {
      const address = this.lab.addressOf(master);
      const at = address.lastIndexOf(":");
      target = { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
    }
    // The node's kind says how: REPLICAOF for Redis, slaveof for SSDB (which has no "no one").
    const command = this.lab.replicaOfCommand(id, target);
    if ("error" in command) throw new ApiFailure("command-failed", command.error);
    const reply = await this.command(id, [...command.argv]);
    if (reply.kind === "error") throw new ApiFailure("command-failed", reply.message);
    if (persist) {
      if (master === null || typeof master === "string") this.lab.persistMaster(id, master);
      else this.lab.setConfigFile(id, this.kindOf(id).withMaster(this.lab.configFile(id), master));
    }
    return this.lab.nodeSnapshot(id);
  }

  /** The node's config file as its disk holds it (the process may run with other settings). */
  configFile(id: NodeId): { text: string } {
    return { text: this.lab.configFile(id) };
  }

  /**
   * Replaces the node's config file. A redis.conf is read with the node's own parser first: a line
   * the node would refuse to start on is a `bad-config-file` naming the line, and nothing is
   * written. Kinds with another file format are not checked here.
   */
  setConfigFile(id: NodeId, text: string): NodeSnapshot {
    const kind = this.kindOf(id);
    if (kind.configFile === "redis.conf") {
      const parsed = parseConfigFile(text);
      if (!parsed.ok) throw new ApiFailure("bad-config-file", `${kind.configFile} line ${parsed.line}: ${parsed.message}`, parsed.line);
    }
    this.lab.setConfigFile(id, text);
    return this.lab.nodeSnapshot(id);
  }

  private kindOf(id: NodeId): NodeKind<ProcessView> {
    return nodeKind(this.lab.nodeSnapshot(id).version);
  }

  async kill(id: NodeId): Promise<NodeSnapshot> {
    this.requireUp(id, "kill");
    this.lab.kill(id);
    this.runCurrent();
    await this.gateway.stop(id);
    return this.lab.nodeSnapshot(id);
  }

  /**
   * SHUTDOWN (or SHUTDOWN SAVE / NOSAVE) through the node's console: the graceful exit, which saves
   * dump.rdb when the node has save points. redis answers only when it refuses to exit; on success
   * the console connection just closes. The port then refuses connections, as after a kill.
   */
  async shutdown(id: NodeId, save: boolean | undefined): Promise<NodeSnapshot> {
    this.requireUp(id, "SHUTDOWN");
    const argv = save === undefined ? ["SHUTDOWN"] : ["SHUTDOWN", save ? "SAVE" : "NOSAVE"];
    try {
      const reply = await this.command(id, argv);
      if (reply.kind === "error") throw new ApiFailure("command-failed", reply.message);
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === "connection-closed")) throw error;
    }
    this.runCurrent();
    // The `exited` listener stops the port too; awaiting it here means the answer comes after.
    if (!this.isUp(id)) await this.gateway.stop(id);
    return this.lab.nodeSnapshot(id);
  }

  /** Kills (when up) and starts the node again; with `version`, as that kind (an upgrade). */
  async restart(id: NodeId, wipe: boolean, version?: NodeVersion): Promise<NodeSnapshot> {
    this.requireMemory();
    // A running node is killed first, as `systemctl restart` would.
    if (this.isUp(id)) await this.gateway.stop(id);
    this.lab.restart(id, { wipe, ...(version === undefined ? {} : { version }) });
    this.runCurrent();
    if (this.gateway.portOf(id) !== null) {
      const listening = await this.gateway.start(id);
      if (!listening) this.lab.setRespPort(id, null);
    }
    return this.lab.nodeSnapshot(id);
  }

  freeze(id: NodeId): NodeSnapshot {
    this.requireUp(id, "freeze");
    this.lab.freeze(id);
    return this.lab.nodeSnapshot(id);
  }

  thaw(id: NodeId): NodeSnapshot {
    this.requireUp(id, "thaw");
    if (this.isFrozen(id)) {
      this.lab.thaw(id);
      this.runCurrent();
    }
    return this.lab.nodeSnapshot(id);
  }

  setLink(a: NodeId, b: NodeId, patch: { latencyMs?: number; bandwidthBytesPerSec?: number; partitioned?: boolean }): LinkSnapshot {
    const link = this.lab.setLink(a, b, patch);
    this.runCurrent();
    return link;
  }

  setWriteLoad(id: NodeId, opsPerSec: number): WriteLoadView[] {
    if (opsPerSec > 0) {
      this.requireMemory();
      if (opsPerSec > this.limits.maxWriteLoadOpsPerSec) {
        throw new ApiFailure("bad-request", `opsPerSec is over the server's limit of ${this.limits.maxWriteLoadOpsPerSec}`);
      }
    }
    this.writeLoad.set(id, opsPerSec);
    this.revision++;
    return this.writeLoads();
  }

  /** Stops the timer, the loads and every listener. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.timeline.dispose();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A failed lab is not run again, not even to close its consoles and loads.
    if (this.guard.failure === null) {
      this.guard.safely("closing", () => {
        this.consoles.closeAll();
        this.writeLoad.stopAll();
        this.lab.setOutboundConnector(null);
      });
    }
    this.consoles.abandon();
    this.outbound.closeAll();
    this.externals.close();
    await this.gateway.closeAll();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

