/**
 * The simulated world's connections and hosts as data: links between hosts, TCP-like
 * connections with their two directions, the hosts that run processes, and the outbound
 * connector that carries connections to real servers outside the world.
 */
import type { NodeKind, NodeProcess } from "../process/contract.ts";
import type { SimDisk } from "../process/disk.ts";
import type { ConnId } from "../process/effects.ts";
import type { Prng } from "./prng.ts";

/** Settings of the path between two hosts (both directions). */
export interface LinkSettings {
  readonly latencyMs: number;
  readonly bandwidthBytesPerSec: number;
  readonly partitioned: boolean;
}

/** 1 ms and 100 Mbit/s: a big full sync takes visible time, a command does not. */
export const DEFAULT_LINK: LinkSettings = { latencyMs: 1, bandwidthBytesPerSec: 12_500_000, partitioned: false };

export const LOOPBACK: LinkSettings = { latencyMs: 0, bandwidthBytesPerSec: Infinity, partitioned: false };

/** Size of the segments a large write is delivered in on a bandwidth-limited path. */
export const SEGMENT_BYTES = 64 * 1024;

export function segment(pieces: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += SEGMENT_BYTES) out.push(piece.subarray(at, Math.min(piece.length, at + SEGMENT_BYTES)));
  }
  return out;
}

/** A client outside the simulated hosts (a console, a test, a TCP gateway). */
export interface ExternalEndpoint {
  onData(bytes: Uint8Array): void;
  onClose(): void;
}

export type HostState = "up" | "down";

/** A host: an address, a disk, and (while up) a node process of its kind. */
export interface Host {
  readonly address: string;
  readonly hostname: string;
  readonly port: number;
  readonly disk: SimDisk;
  /** What boots here; a restart may boot another kind (an upgrade). */
  kind: NodeKind;
  process: NodeProcess | null;
  state: HostState;
  frozen: boolean;
  /** Incremented at each boot: connections of an earlier life are dead. */
  generation: number;
  /** Events held while frozen, in arrival order. */
  readonly inbox: (() => void)[];
  timerAt: number;
  timerToken: number;
  readonly prng: Prng;
  /** Local connection id → world connection, for the current generation. */
  readonly conns: Map<ConnId, SimConnection>;
  bootCount: number;
}

export type Endpoint =
  | { readonly kind: "host"; readonly host: Host; readonly generation: number; conn: ConnId | null }
  | {
      readonly kind: "external";
      readonly endpoint: ExternalEndpoint;
      readonly address: string;
      /**
       * The client says when it has read what it was given (`ExternalConnection.ack`), as a real
       * socket's bridge does; otherwise bytes count as read the moment they are handed over.
       */
      readonly acks: boolean;
    }
  | { readonly kind: "outbound"; socket: OutboundSocket | null; readonly address: string };

/** What an {@link OutboundConnector} reports about a connection it opened. */
export interface OutboundEvents {
  opened(): void;
  refused(reason: string): void;
  data(bytes: Uint8Array): void;
  closed(): void;
}

/** The writing side of a real connection opened for a simulated host. */
export interface OutboundSocket {
  send(bytes: Uint8Array): void;
  close(): void;
}

/**
 * Carries connections to addresses no simulated host holds (the server's real TCP sockets, so a lab
 * node can replicate from a real redis-server). `open` returns the socket, or a reason to refuse
 * at once (an address the server does not allow). Events may come later, from the host's loop;
 * the world handles them at its current virtual time, and the host runs `runCurrent()` after.
 */
export interface OutboundConnector {
  open(address: string, fromAddress: string, events: OutboundEvents): OutboundSocket | { readonly refused: string };
}

export interface Direction {
  /** When the direction's last byte finishes serializing. */
  busyUntilMs: number;
  /**
   * Bytes written into this direction that the reader has not consumed yet: in flight, held by a
   * partition, waiting for a frozen process or a client that does not read (socket buffers).
   */
  unread: number;
  /** The writer asked to be told when it may write again (`wait-writable`). */
  writerWaiting: boolean;
  /** Of the delivered bytes, how many the reading process holds unread (`read-hold`): still counted in `unread`. */
  readerHolds: number;
  lastArrivalMs: number;
  /** Sends held by a partition, in order, with when the process wrote them (a wire tap reports that). */
  held: ({ kind: "bytes"; bytes: Uint8Array; writtenMs: number } | { kind: "fin"; writtenMs: number })[];
  finSent: boolean;
}

/** A simulated TCP connection. Side 0 opened it, side 1 accepted it. */
export interface SimConnection {
  readonly id: number;
  readonly sides: [Endpoint, Endpoint | null];
  readonly fromAddress: string;
  readonly toAddress: string;
  /** 0→1 and 1→0. */
  readonly dirs: [Direction, Direction];
  state: "connecting" | "open" | "closed";
  /** A same-host connection (console, gateway): no latency, no bandwidth limit, no partitions. */
  loopback: boolean;
  /** Cached key of the path between the two addresses. */
  linkKey?: string;
  bytesInFlight: number;
}


/** What an external connection needs from the world that carries it. */
export interface ConnectionCarrier {
  sendFrom(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array): void;
  closeFrom(conn: SimConnection, fromSide: 0 | 1): void;
  ackExternal(conn: SimConnection, count: number): void;
}

/** The external side of a connection into the world. */
export class ExternalConnection {
  constructor(
    private readonly world: ConnectionCarrier,
    readonly connection: SimConnection,
  ) {}

  send(bytes: Uint8Array): void {
    this.world.sendFrom(this.connection, 0, bytes);
  }

  close(): void {
    this.world.closeFrom(this.connection, 0);
  }

  /**
   * For a connection opened with acks: `count` more bytes of what the node sent have been read (a
   * real socket wrote them). Until they are, they fill the connection, then the node's output buffer.
   */
  ack(count: number): void {
    this.world.ackExternal(this.connection, count);
  }

  get closed(): boolean {
    return this.connection.state === "closed";
  }
}
