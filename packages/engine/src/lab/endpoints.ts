/**
 * The lab's ends of the client connections it opens into nodes: consoles, connections bridged
 * from real sockets, and write loads. They are small classes rather than closures on purpose: a
 * lab is forked by copying its object graph (`fork.ts`), and an object's fields can be copied
 * where a closure's captured variables cannot.
 */
import type { ExternalConnection, ExternalEndpoint } from "../sim/world.ts";
import type { CommandOutcome, ReplyQueue } from "./console.ts";
import type { NodeId } from "./types.ts";

/** Where a lab connection's replies go (nothing, when a lab is replayed). */
export interface LabEndpoint {
  onData(bytes: Uint8Array): void;
  onClose(): void;
}

/** Drops what it is given: the endpoint of a replayed or forked lab's connections. */
export const NULL_ENDPOINT: LabEndpoint = Object.freeze({ onData: (): void => {}, onClose: (): void => {} });

/** The callback of a command whose caller does not wait for the reply (a replay). */
export const IGNORE_OUTCOME = (_outcome: CommandOutcome): void => {};

/** A node's console: the connection, the generation of the process it reached, its replies. */
export interface Console {
  readonly generation: number;
  readonly connection: ExternalConnection;
  readonly replies: ReplyQueue;
}

/** The console connection's end: replies go to its queue; a reply it cannot parse closes it. */
export class ConsoleEndpoint implements ExternalEndpoint {
  /** Set once the world made the connection (before any byte can arrive). */
  connection: ExternalConnection | null = null;
  console: Console | null = null;

  constructor(
    private readonly consoles: Map<NodeId, Console>,
    private readonly node: NodeId,
    private readonly replies: ReplyQueue,
  ) {}

  onData(bytes: Uint8Array): void {
    if (!this.replies.onData(bytes)) this.connection?.close();
  }

  onClose(): void {
    if (this.console && this.consoles.get(this.node) === this.console) this.consoles.delete(this.node);
    this.replies.onClose();
  }
}

/** A connection opened for a caller (a real socket's bridge): replies go to the caller's endpoint. */
export class ClientEndpoint implements ExternalEndpoint {
  constructor(
    private readonly connections: Map<number, ExternalConnection>,
    private readonly conn: number,
    /** The caller's endpoint; a fork replaces it with {@link NULL_ENDPOINT}. */
    readonly endpoint: LabEndpoint,
  ) {}

  onData(bytes: Uint8Array): void {
    this.endpoint.onData(bytes);
  }

  onClose(): void {
    this.connections.delete(this.conn);
    this.endpoint.onClose();
  }
}

/** A write load's connection: replies are dropped; when it closes, the next tick opens another. */
export class LoadEndpoint implements ExternalEndpoint {
  constructor(
    private readonly loads: Map<NodeId, ExternalConnection>,
    private readonly node: NodeId,
  ) {}

  onData(): void {}

  onClose(): void {
    this.loads.delete(this.node);
  }
}
