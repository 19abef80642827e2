/**
 * The stream of one lab: a snapshot to each new client, then coalesced updates and the event log.
 *
 * Every `frameIntervalMs` (50 ms: at most 20 updates per second per client) the feed takes one
 * snapshot of the lab and gives each node snapshot an identity that only changes when its content
 * does. Each client holds the identities it last received, so its update carries only what changed
 * since then: new nodes whole, changed nodes as field patches, removed ids, and the edge, link and
 * write-load lists when they changed. Clients that hold the same frame (the usual case) share one
 * serialized message per frame, so 100 clients cost one `JSON.stringify`, not 100.
 *
 * A frame in which only figures moved (offsets, counters, bytes in flight: numbers in an unchanged
 * shape, settings excepted) is sent to a client that got the previous frame only every
 * `figuresOnlyEveryFrames` frames: under a write load every frame moves some offset, and a viewer
 * sees no difference between 20 and 10 such updates a second, while the server (one snapshot, one
 * message and one socket write per client per frame) and the browser do half the work. Anything
 * else (a setting, a role, a link state, a node, an edge, a failure) goes out in the next frame.
 * A frame in which such a client would wait anyway is not even built when nothing but time and
 * the write loads moved the lab since the last one (its input log says so), no event was logged and
 * no setting of the runtime or outside server changed: then only figures can have moved, and half
 * of the snapshots of a lab under load are saved.
 *
 * A slow client (more than `slowClientBytes` waiting in its socket) is skipped; when it drains, its
 * next update is computed from what it holds, so it catches up in one message. Nothing is queued per
 * client: events are read from the lab's log by sequence number, at most `maxEventsPerMessage` at a
 * time, and what a client missed beyond that is counted in `dropped`. A burst of 10,000 writes per
 * second is therefore still at most one update and one events message per client per frame.
 */
import { PROTOCOL_VERSION, type LabView, type NodePatch, type ServerMessage } from "@replica-lab/protocol";
import type { LabInput, LinkSnapshot, NodeId, NodeSnapshot, ReplicationEdgeSnapshot } from "@replica-lab/engine";
import type { LabRuntime } from "../labs/lab-runtime.ts";
import { diffNode, onlyFiguresMoved, onlyNumbersDiffer } from "./node-patch.ts";

/** Tuning of a feed; tests shorten the interval. */
export interface FeedOptions {
  readonly frameIntervalMs: number;
  readonly slowClientBytes: number;
  readonly maxEventsPerMessage: number;
  /** Events included in a snapshot. */
  readonly snapshotEvents: number;
  /** A frame with nothing but the clock changed is sent only every this many frames. */
  readonly clockOnlyEveryFrames: number;
  /** A frame in which only figures moved is sent at most every this many frames (1: every frame). */
  readonly figuresOnlyEveryFrames: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = {
  frameIntervalMs: 50,
  slowClientBytes: 256 * 1024,
  maxEventsPerMessage: 500,
  snapshotEvents: 200,
  clockOnlyEveryFrames: 5,
  figuresOnlyEveryFrames: 2,
};

/** A client as the feed sees it (the socket side lives in `stream-client.ts`). */
export interface FeedSubscriber {
  send(message: Buffer): void;
  readonly bufferedAmount: number;
  /** What the client holds, as of the frame numbered `frameSeq` (-1: of a snapshot of its own). */
  state: SubscriberState;
}

export interface SubscriberState {
  frameSeq: number;
  nodes: ReadonlyMap<NodeId, NodeSnapshot>;
  edgesJson: string;
  linksJson: string;
  loadsJson: string;
  /** External nodes and edges, as one JSON text (they change together, about once a second). */
  externalsJson: string;
  lastEventSeq: number;
  /** The client has been told that the lab failed (snapshot or update). */
  failed?: boolean;
}

interface Frame {
  readonly seq: number;
  readonly view: LabView;
  readonly nodes: ReadonlyMap<NodeId, NodeSnapshot>;
  /** What changed in each node since the previous frame (nodes that did not change are absent). */
  readonly patches: ReadonlyMap<NodeId, Partial<NodeSnapshot>>;
  /** The frame before this one, which `patches` are relative to (null for the first). */
  readonly previousSeq: number | null;
  /**
   * Against the previous frame, something changed and it was only figures moving (see the module
   * comment): a client that got the previous frame may wait a frame for it.
   */
  readonly figuresOnly: boolean;
  /** The lab's input count, the runtime's and the outside servers' revisions when it was built. */
  readonly inputCount: number;
  readonly revision: number;
  readonly externalsRevision: number;
  readonly edgesJson: string;
  readonly linksJson: string;
  readonly loadsJson: string;
  readonly externalsJson: string;
}

function externalsJson(view: LabView): string {
  return JSON.stringify([view.externalNodes ?? [], view.externalEdges ?? []]);
}

/** Inputs that only move time or run a write load. */
function isTimeOrLoad(input: LabInput): boolean {
  switch (input.op) {
    case "run-until":
    case "steps":
    case "until-idle":
    case "load":
      return true;
    default:
      return false;
  }
}

function encode(message: ServerMessage): Buffer {
  return Buffer.from(JSON.stringify(message), "utf8");
}

export class LabFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  private frame: Frame | null = null;
  private frameSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Messages sent so far (for tests and the benchmark). */
  messagesSent = 0;

  constructor(
    readonly runtime: LabRuntime,
    private readonly options: FeedOptions,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a client and sends it a snapshot first. */
  add(subscriber: FeedSubscriber): void {
    this.subscribers.add(subscriber);
    this.sendSnapshot(subscriber);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.options.frameIntervalMs);
      this.timer.unref();
    }
  }

  remove(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.frame = null;
    }
  }

  /** Sends a fresh snapshot (first message, and on a client's `resync`). */
  sendSnapshot(subscriber: FeedSubscriber): void {
    const view = this.runtime.view();
    const lab = this.runtime.lab;
    const events = lab.events(Math.max(0, view.lastEventSeq - this.options.snapshotEvents));
    subscriber.state = {
      frameSeq: -1,
      nodes: new Map(view.nodes.map((node) => [node.id, node])),
      edgesJson: JSON.stringify(view.edges),
      linksJson: JSON.stringify(view.links),
      loadsJson: JSON.stringify(view.writeLoads),
      externalsJson: externalsJson(view),
      lastEventSeq: view.lastEventSeq,
      failed: view.failure !== undefined,
    };
    this.deliver(subscriber, encode({ type: "snapshot", protocol: PROTOCOL_VERSION, lab: view, events }));
  }

  /** Sends `message` to every client (lab deleted, server closing). */
  broadcast(message: ServerMessage): void {
    const bytes = encode(message);
    for (const subscriber of this.subscribers) this.deliver(subscriber, bytes);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subscribers.clear();
  }

  /** One frame: snapshot the lab once, then bring every client that can take it up to date. */
  tick(): void {
    if (this.subscribers.size === 0 || this.runtime.isDisposed) return;
    const previous = this.frame;
    const seq = this.frameSeq + 1;
    const waitTurn = seq % this.options.clockOnlyEveryFrames !== 0 && seq % this.options.figuresOnlyEveryFrames !== 0;
    if (waitTurn && previous !== null && this.onlyTimeAndLoadSince(previous)) {
      this.frameSeq = seq;
      return;
    }
    const frame = this.buildFrame(previous);
    this.frame = frame;
    const clockDue = frame.seq % this.options.clockOnlyEveryFrames === 0;
    // Only figures moved, and not time for them: clients that got the previous frame wait a frame.
    const figuresWait = frame.figuresOnly && !clockDue && frame.seq % this.options.figuresOnlyEveryFrames !== 0;
    // Clients holding the same frame get the same message (a snapshot's state is its client's own).
    const updates = new Map<number, Buffer | null>();
    const eventMessages = new Map<number, Buffer | null>();
    for (const subscriber of this.subscribers) {
      if (subscriber.bufferedAmount > this.options.slowClientBytes) continue;
      const state = subscriber.state;
      if (!(figuresWait && state.frameSeq === frame.previousSeq)) {
        let message = state.frameSeq < 0 ? undefined : updates.get(state.frameSeq);
        if (message === undefined) {
          message = this.update(state, frame, clockDue);
          if (state.frameSeq >= 0) updates.set(state.frameSeq, message);
        }
        if (message) this.deliver(subscriber, message);
        subscriber.state = {
          frameSeq: frame.seq,
          nodes: frame.nodes,
          edgesJson: frame.edgesJson,
          linksJson: frame.linksJson,
          loadsJson: frame.loadsJson,
          externalsJson: frame.externalsJson,
          lastEventSeq: state.lastEventSeq,
          failed: state.failed === true || frame.view.failure !== undefined,
        };
      }
      const held = subscriber.state;
      if (held.lastEventSeq < frame.view.lastEventSeq) {
        let events = eventMessages.get(held.lastEventSeq);
        if (events === undefined) {
          events = this.eventsAfter(held.lastEventSeq);
          eventMessages.set(held.lastEventSeq, events);
        }
        if (events) this.deliver(subscriber, events);
        held.lastEventSeq = frame.view.lastEventSeq;
      }
    }
  }

  /**
   * True when, since `frame` was built, only time and write loads moved the lab: its log holds
   * nothing else, no event was logged, and neither the runtime (write loads, clock, failure) nor
   * the outside servers it watches changed.
   */
  private onlyTimeAndLoadSince(frame: Frame): boolean {
    const runtime = this.runtime;
    const lab = runtime.lab;
    if (runtime.revision !== frame.revision || runtime.externals.revision !== frame.externalsRevision || lab.lastEventSeq !== frame.view.lastEventSeq) return false;
    const inputs = lab.inputs;
    for (let i = frame.inputCount; i < inputs.length; i++) if (!isTimeOrLoad(inputs.at(i)!)) return false;
    return true;
  }

  private deliver(subscriber: FeedSubscriber, message: Buffer): void {
    this.messagesSent++;
    subscriber.send(message);
  }

  private buildFrame(previous: Frame | null): Frame {
    const runtime = this.runtime;
    // Read before the view: whatever lands after them makes the next frame look again.
    const inputCount = runtime.lab.inputs.length;
    const revision = runtime.revision;
    const externalsRevision = runtime.externals.revision;
    const view = runtime.view();
    const nodes = new Map<NodeId, NodeSnapshot>();
    const patches = new Map<NodeId, Partial<NodeSnapshot>>();
    let figuresOnly = previous !== null && previous.nodes.size === view.nodes.length;
    for (const node of view.nodes) {
      const before = previous?.nodes.get(node.id);
      if (before === undefined) {
        nodes.set(node.id, node);
        figuresOnly = false;
        continue;
      }
      // Same content keeps the same object: identity is the node's version. The patch is kept, so
      // clients that hold the previous frame (the usual case) need no diff of their own.
      const changes = diffNode(before, node);
      if (changes === null) nodes.set(node.id, before);
      else {
        nodes.set(node.id, node);
        patches.set(node.id, changes);
        if (figuresOnly && !onlyFiguresMoved(before, changes)) figuresOnly = false;
      }
    }
    const edgesJson = JSON.stringify(view.edges);
    const linksJson = JSON.stringify(view.links);
    const loadsJson = JSON.stringify(view.writeLoads);
    const externals = externalsJson(view);
    if (previous !== null && figuresOnly) {
      // Edges carry bytes in flight, external servers their offsets: figures too. Links and loads
      // are settings.
      const edgesMoved = edgesJson !== previous.edgesJson;
      const externalsMoved = externals !== previous.externalsJson;
      figuresOnly =
        linksJson === previous.linksJson &&
        loadsJson === previous.loadsJson &&
        (!edgesMoved || onlyNumbersDiffer(previous.view.edges, view.edges)) &&
        (!externalsMoved || onlyNumbersDiffer([previous.view.externalNodes ?? [], previous.view.externalEdges ?? []], [view.externalNodes ?? [], view.externalEdges ?? []])) &&
        (patches.size > 0 || edgesMoved || externalsMoved) &&
        (view.failure === undefined) === (previous.view.failure === undefined);
    }
    return {
      seq: ++this.frameSeq,
      view,
      nodes,
      patches,
      previousSeq: previous?.seq ?? null,
      figuresOnly,
      inputCount,
      revision,
      externalsRevision,
      edgesJson,
      linksJson,
      loadsJson,
      externalsJson: externals,
    };
  }

  /** The update taking a client from `state` to `frame`, or null when there is nothing to send. */
  private update(state: SubscriberState, frame: Frame, clockDue: boolean): Buffer | null {
    const nodes: NodeSnapshot[] = [];
    const nodePatches: NodePatch[] = [];
    const removedNodeIds: NodeId[] = [];
    const fromPrevious = state.frameSeq === frame.previousSeq;
    for (const [id, node] of frame.nodes) {
      const held = state.nodes.get(id);
      if (held === undefined) nodes.push(node);
      else if (held !== node) {
        const changes = fromPrevious ? frame.patches.get(id) : diffNode(held, node);
        if (changes) nodePatches.push({ id, changes });
      }
    }
    for (const id of state.nodes.keys()) if (!frame.nodes.has(id)) removedNodeIds.push(id);
    const edgesChanged = state.edgesJson !== frame.edgesJson;
    const linksChanged = state.linksJson !== frame.linksJson;
    const loadsChanged = state.loadsJson !== frame.loadsJson;
    const externalsChanged = state.externalsJson !== frame.externalsJson;
    const failure = state.failed === true ? undefined : frame.view.failure;
    const changed = nodes.length + nodePatches.length + removedNodeIds.length > 0 || edgesChanged || linksChanged || loadsChanged || externalsChanged || failure !== undefined;
    if (!changed && !clockDue) return null;
    const message: Extract<ServerMessage, { type: "update" }> & {
      edges?: readonly ReplicationEdgeSnapshot[];
      links?: readonly LinkSnapshot[];
    } = {
      type: "update",
      clock: frame.view.clock,
      nodes,
      nodePatches,
      removedNodeIds,
      ...(edgesChanged ? { edges: frame.view.edges } : {}),
      ...(linksChanged ? { links: frame.view.links } : {}),
      ...(loadsChanged ? { writeLoads: frame.view.writeLoads } : {}),
      ...(externalsChanged ? { externalNodes: frame.view.externalNodes ?? [], externalEdges: frame.view.externalEdges ?? [] } : {}),
      lastEventSeq: frame.view.lastEventSeq,
      serverTimeMs: Date.now(),
      ...(failure !== undefined ? { failure } : {}),
    };
    return encode(message);
  }

  private eventsAfter(after: number): Buffer | null {
    const all = this.runtime.lab.events(after);
    if (all.length === 0) return null;
    const first = all[0]!;
    // Entries the lab's own bounded log already lost, plus what does not fit in one message.
    let dropped = first.seq - after - 1;
    let events = all;
    if (events.length > this.options.maxEventsPerMessage) {
      dropped += events.length - this.options.maxEventsPerMessage;
      events = events.slice(events.length - this.options.maxEventsPerMessage);
    }
    return encode({ type: "events", events, dropped });
  }
}
