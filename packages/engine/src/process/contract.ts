/**
 * The sans-IO process contract: what the simulated world (and any other host) needs from a node,
 * whatever protocol it speaks. A host feeds a process connection events, bytes and the current
 * virtual time; the process answers with effects (`takeEffects`) and the time it next wants to
 * be woken. Nothing here knows about Redis or SSDB: node kinds (`kinds.ts`) boot processes.
 */
import type { Prng } from "../sim/prng.ts";
import type { SimDisk } from "./disk.ts";
import type { ConnId, NodeEffect } from "./effects.ts";
import type { ReplicaLinkPhase } from "./trace.ts";

/** Everything a process gets at boot; the rest (config, data) it reads from its disk. */
export interface BootContext {
  /** Address other nodes use to reach this one. */
  readonly hostname: string;
  readonly port: number;
  /** Seeded randomness for this boot (ids, EOF marks). */
  readonly prng: Prng;
  /** Virtual time of process start, in ms. */
  readonly nowMs: number;
  /** Unix time in ms at virtual time 0. */
  readonly epochMs: number;
  /** The host's disk: it outlives the process (config file, dump, binlog). */
  readonly disk: SimDisk;
  /** A process id to report (deterministic, chosen by the host). */
  readonly pid: number;
}

/** What a process may ask about other hosts to tell work from waiting (`busy`). */
export interface PeerProbe {
  /** Something listens at the address, is not frozen, and the path to it is not cut. */
  reachable(address: string): boolean;
  frozen(address: string): boolean;
}

/**
 * The memory of the machine a lab's processes share (the lab's budget). A process that knows it
 * keeps itself and its clients within it, as it keeps within its own configured limits.
 */
export interface HostMemory {
  /** Bytes the machine has for its processes and the data between them (Infinity: no limit). */
  readonly limitBytes: number;
  /** Bytes used by everything on the machine but `self`: other processes, data in flight. */
  othersBytes(self: NodeProcess): number;
}

/** A replica (or slave) attached to this node, as the node sees it. */
export interface AttachedPeerView {
  /** The address the replica listens on (host:port), which names it in the lab. */
  readonly address: string;
}

/** The part of every process's view that the lab draws the same way for every protocol. */
export interface ProcessViewCommon {
  readonly role: "master" | "replica";
  /** Where the node replicates from (its configured master), if anywhere. */
  readonly masterAddress: string | null;
  /** Coarse phase of the link to the master (ROLE's words), null for a master. */
  readonly linkPhase: ReplicaLinkPhase | null;
  readonly linkUp: boolean;
  /** 0..1 while a snapshot (RDB, SSDB copy) of known size is being received, else null. */
  readonly transferProgress: number | null;
  readonly keys: number;
  readonly uptimeSec: number;
  /** Replicas attached here. */
  readonly replicas: readonly AttachedPeerView[];
}

/** A running node process of some kind. `V` is the kind's snapshot view. */
export interface NodeProcess<V extends ProcessViewCommon = ProcessViewCommon> {
  /** A client connected to us. Returns the handle the host uses for it from now on. */
  accept(nowMs: number, peer: string): ConnId;
  /** Bytes arrived on a connection. */
  receive(nowMs: number, conn: ConnId, bytes: Uint8Array): void;
  /** The peer closed (or reset) a connection. */
  peerClosed(nowMs: number, conn: ConnId): void;
  /** An outbound connection we asked for is established. */
  connected(nowMs: number, conn: ConnId): void;
  /** An outbound connection failed (refused, unreachable, timed out). */
  connectFailed(nowMs: number, conn: ConnId, reason: string): void;
  /** Runs the timers that are due at `nowMs`. */
  tick(nowMs: number): void;
  /**
   * After a `wait-writable` effect: the peer read what it had been sent, and `roomBytes` more may be
   * written on `conn` before it is full again. A process that never asks is never called (it writes
   * everything at once, and the network holds it).
   */
  writable?(nowMs: number, conn: ConnId, roomBytes: number): void;
  /** When the process next wants `tick` to be called. */
  nextWakeMs(): number;
  /** Takes the effects produced so far. */
  takeEffects(): NodeEffect[];
  /** Bytes the process holds now (redis's `used_memory`), for its machine's accounting. */
  memoryBytes?(): number;
  /** The machine the process runs on; the host calls this once, right after boot. */
  attachHost?(memory: HostMemory): void;
  /**
   * What the lab's operator console sends first when it connects, to log in as a local operator's
   * `redis-cli -a <password>` would (AUTH on a node with requirepass), or null.
   */
  operatorLogin?(): readonly Uint8Array[] | null;
  /** Bumped at every change a view may show (cheap change detection). */
  readonly changeCount: number;
  /** The process's state as plain data. */
  view(): V;
  /** A sync is in progress or about to be tried (work the world should run to settle). */
  busy(peers: PeerProbe): boolean;
}

/** A kind of node: how to boot it, and what it looks like while it is down. */
export interface NodeKind<V extends ProcessViewCommon = ProcessViewCommon> {
  /** The version users pick ("7.0", "2.8", "ssdb"). */
  readonly version: string;
  /** What the card and the event log call it ("Redis 7.0"). */
  readonly label: string;
  /** The name of its config file on the node's disk ("redis.conf", "ssdb.conf"). */
  readonly configFile: string;
  /**
   * The config file a new node starts with, from settings given by name (as CONFIG SET or
   * ssdb.conf take them). Returns an error message for a bad setting.
   */
  initialConfig(settings: Readonly<Record<string, string>>): { readonly text: string } | { readonly error: string };
  /** Rewrites the config file's `replicaof` (the "persist in the config file" choice). */
  withMaster(configText: string, master: { host: string; port: number } | null): string;
  /**
   * The console command that makes a running node follow `master` (null: stop following), as the
   * lab's "set master" sends it, or why the kind has none. Kinds without it take `REPLICAOF host
   * port` and `REPLICAOF NO ONE`.
   */
  replicaOfCommand?(master: { readonly host: string; readonly port: number } | null): { readonly argv: readonly string[] } | { readonly error: string };
  /** Starts a process from what its disk holds. */
  boot(context: BootContext): NodeProcess<V>;
  /** The view of a node whose process is not running, from its disk. */
  downView(disk: SimDisk): V;
}
