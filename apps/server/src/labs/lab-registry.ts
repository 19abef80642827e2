/**
 * The labs a server holds. Labs are isolated from each other: each has its own world, clock,
 * ports and event log. The registry enforces the lab count and the server's memory limit.
 */
import { randomBytes } from "node:crypto";
import type { Lab, NodeVersion } from "@replica-lab/engine";
import type { LabSummary } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { ServerLimits } from "../limits.ts";
import type { ExternalWatchOptions } from "../external/external-watch.ts";
import { OutboundPolicy } from "../outbound/outbound-policy.ts";
import { LabRuntime, type RuntimeTiming } from "./lab-runtime.ts";
import { applyTemplate, type TemplateName } from "./templates.ts";
import type { LabParent, NodePosition } from "@replica-lab/protocol";
import { DEFAULT_TIMELINE, type LabTimeline, type TimelineOptions } from "./lab-timeline.ts";

export interface LabRegistryOptions {
  readonly limits: ServerLimits;
  readonly timing: RuntimeTiming;
  readonly bindHost: string;
  /** Bytes of memory in use, instead of what the labs hold (tests inject a fake). */
  readonly memoryProbe?: () => number;
  /** Outside addresses lab nodes may connect to (default: loopback only). */
  readonly outbound?: OutboundPolicy;
  /** How each lab polls the external servers linked to it. */
  readonly externalWatch?: ExternalWatchOptions;
  /** How each lab keeps its history (checkpoints, offset samples). */
  readonly timeline?: TimelineOptions;
}

export interface CreateLabRequest {
  readonly name?: string;
  readonly seed?: string | number;
  readonly template?: TemplateName;
  /** The version of every node the template adds (default 7.0). */
  readonly version?: NodeVersion;
  /** A fixed id (the default lab's); REST-created labs get a random one. */
  readonly id?: string;
  /** An engine lab to host (rebuilt from a log) instead of a new one; it keeps its own seed. */
  readonly lab?: Lab;
  /** `lab`'s timeline, already holding its history (a branch, a rebuilt lab). */
  readonly timeline?: LabTimeline;
  readonly parent?: LabParent | null;
  readonly createdAt?: string;
  readonly layout?: Readonly<Record<string, NodePosition>>;
}

/** How often memory is summed (summing it on every request would cost more than it saves). */
const MEMORY_SAMPLE_MS = 250;

export class LabRegistry {
  private readonly labs = new Map<string, LabRuntime>();
  private readonly deletedListeners = new Set<(runtime: LabRuntime) => void>();
  private readonly createdListeners = new Set<(runtime: LabRuntime) => void>();
  private readonly memoryProbe: (() => number) | null;
  readonly outbound: OutboundPolicy;
  private memorySampledAt = -Infinity;
  private memoryOver = false;
  private pendingCreates = 0;
  private labCounter = 0;

  constructor(readonly options: LabRegistryOptions) {
    this.memoryProbe = options.memoryProbe ?? null;
    this.outbound = options.outbound ?? new OutboundPolicy();
  }

  get limits(): ServerLimits {
    return this.options.limits;
  }

  /**
   * True while the server's labs hold more than `maxMemoryBytes` (their machines and input logs),
   * or its own heap and buffers are over `maxProcessMemoryBytes`. What labs hold drops the moment
   * a client or a key goes; the heap only when the garbage collector runs, so it is the backstop.
   */
  overMemory(): boolean {
    const wall = performance.now();
    if (wall - this.memorySampledAt >= MEMORY_SAMPLE_MS) {
      this.memorySampledAt = wall;
      const limit = this.options.limits.maxMemoryBytes;
      if (this.memoryProbe !== null) {
        this.memoryOver = this.memoryProbe() > limit;
      } else {
        const usage = process.memoryUsage();
        this.memoryOver = this.labsMemoryBytes() > limit || usage.heapUsed + usage.arrayBuffers > this.options.limits.maxProcessMemoryBytes;
      }
    }
    return this.memoryOver;
  }

  /** What every lab holds now (see `LabRuntime.memoryBytes`). */
  labsMemoryBytes(): number {
    let total = 0;
    for (const runtime of this.labs.values()) total += runtime.memoryBytes();
    return total;
  }

  /** Fails as `create` would for want of room (the lab count, memory): before work that leads to one. */
  requireRoom(): void {
    if (this.labs.size + this.pendingCreates >= this.options.limits.maxLabs) {
      throw new ApiFailure("too-many-labs", `the server already holds ${this.options.limits.maxLabs} labs (the limit); delete one first`);
    }
    if (this.overMemory()) throw new ApiFailure("memory-limit", "the server is over its memory limit; delete labs first");
  }

  async create(request: CreateLabRequest = {}): Promise<LabRuntime> {
    this.requireRoom();
    const id = request.id ?? this.newId();
    if (this.labs.has(id)) throw new ApiFailure("bad-request", `a lab with id ${id} exists`);
    this.labCounter++;
    const runtime = new LabRuntime({
      id,
      name: request.name ?? `lab ${this.labCounter}`,
      seed: request.seed ?? randomBytes(4).readUInt32BE(0),
      limits: this.options.limits,
      timing: this.options.timing,
      bindHost: this.options.bindHost,
      overMemory: () => this.overMemory(),
      outbound: this.outbound,
      ...(this.options.externalWatch ? { externalWatch: this.options.externalWatch } : {}),
      ...(request.lab ? { lab: request.lab } : {}),
      ...(request.timeline ? { timeline: request.timeline } : {}),
      ...(request.parent !== undefined ? { parent: request.parent } : {}),
      ...(request.createdAt !== undefined ? { createdAt: request.createdAt } : {}),
      ...(request.layout !== undefined ? { layout: request.layout } : {}),
      timelineOptions: this.options.timeline ?? DEFAULT_TIMELINE,
    });
    this.pendingCreates++;
    try {
      await applyTemplate(runtime, request.template ?? "empty", request.version);
    } catch (error) {
      await runtime.dispose();
      throw error;
    } finally {
      this.pendingCreates--;
    }
    this.labs.set(id, runtime);
    for (const listener of this.createdListeners) listener(runtime);
    return runtime;
  }

  has(id: string): boolean {
    return this.labs.has(id);
  }

  /** The lab with this id; unknown ids are 404s. */
  get(id: string): LabRuntime {
    const runtime = this.labs.get(id);
    if (!runtime) throw new ApiFailure("unknown-lab", `no lab ${JSON.stringify(id)}`);
    return runtime;
  }

  list(): LabSummary[] {
    return [...this.labs.values()].map((runtime) => runtime.summary());
  }

  async delete(id: string): Promise<void> {
    const runtime = this.get(id);
    this.labs.delete(id);
    for (const listener of this.deletedListeners) listener(runtime);
    await runtime.dispose();
  }

  /** Called with each lab once it is created and hosted (the store starts keeping it). */
  onCreated(listener: (runtime: LabRuntime) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  /** Called with each lab as it is deleted (the stream closes its sockets). */
  onDeleted(listener: (runtime: LabRuntime) => void): () => void {
    this.deletedListeners.add(listener);
    return () => this.deletedListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const id of [...this.labs.keys()]) await this.delete(id);
  }

  private newId(): string {
    for (;;) {
      const id = randomBytes(4).toString("hex");
      if (!this.labs.has(id)) return id;
    }
  }
}
