/**
 * What the legacy scenarios and handshake captures drive: named Redis nodes of one legacy release,
 * real processes on loopback (`LegacyCluster`, for recording) or the lab's kinds
 * (`LabLegacyBackend`, for checking the engine). Written once against this interface, the same
 * story runs on both, and the lab's observations are compared with the recorded real ones.
 */
import type { Reply, LegacyVersion } from "./legacy-servers.ts";
import type { RawFrame } from "./recording-proxy.ts";
import { infoEntries, parseSlaveLine } from "./legacy-servers.ts";

/** A client connection of its own into a node (SYNC/PSYNC probes must not disturb the main one). */
export interface LegacyProbe {
  send(argv: readonly string[]): Promise<Reply>;
  close(): void;
}

/** A recording proxy in front of one node: a replica pointed at `port` talks to the node through it. */
export interface LegacyProxy {
  readonly port: number;
  /** What it recorded so far. */
  readonly frames: readonly RawFrame[];
  /** Records an action of the driver between the frames it causes. */
  step(text: string): void;
  /** Resolves once connection `conn` through the proxy has closed. */
  closeOf(conn: number): Promise<void>;
  /** Stops recording and closes every connection through it. */
  close(): Promise<void>;
}

export interface LegacyBackend {
  readonly version: LegacyVersion;
  addNode(name: string, config?: Readonly<Record<string, string>>): Promise<void>;
  names(): string[];
  port(name: string): number;
  isUp(name: string): boolean;
  /** The node a port leads to, directly or through a proxy. */
  nameOfPort(port: number): string | undefined;
  command(name: string, ...argv: string[]): Promise<Reply>;
  /** SLAVEOF a node by name, or a bare port (a proxy), or NO ONE; remembered for restarts. */
  slaveOf(name: string, master: string | number | null): Promise<Reply>;
  /** The address of the one connection on `on` flagged S (an attached slave) or M (its master link). */
  linkAddress(on: string, flag: "S" | "M"): Promise<string>;
  /** A crash: nothing saved. */
  kill(name: string): Promise<void>;
  /** Starts a killed node from its config (with `slaveof` if it was a slave) and its disk. */
  restart(name: string, options?: { readonly wipe?: boolean }): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  freeze(name: string): void;
  thaw(name: string): void;
  /** Lets `ms` pass (real or virtual time). */
  sleep(ms: number): Promise<void>;
  /** Waits at least `minMs`, then until replication has settled (see `replicationSettled`). */
  settle(minMs?: number): Promise<void>;
  /** A second connection into a node. */
  connect(name: string): Promise<LegacyProbe>;
  /** A recording proxy in front of `master`. */
  startProxy(master: string): Promise<LegacyProxy>;
  close(): Promise<void>;
}

/**
 * Replication has settled when every live slave whose master is alive has its link up, no sync in
 * progress, and (2.8 on) its offset equal to its master's with the master's ACK record caught up;
 * on 2.6, which has no offsets, when the master shows it online with the same DBSIZE. `live` are
 * the nodes up and not frozen.
 */
export async function replicationSettled(backend: LegacyBackend, live: readonly string[]): Promise<boolean> {
  const infos = new Map<string, Map<string, string>>();
  for (const name of live) infos.set(name, new Map(infoEntries(await backend.command(name, "INFO", "replication"))));
  for (const name of live) {
    const fields = infos.get(name)!;
    if (fields.get("role") !== "slave") continue;
    const masterName = backend.nameOfPort(Number(fields.get("master_port")));
    const master = masterName === undefined ? undefined : infos.get(masterName);
    if (!masterName || !master) continue;
    if (fields.get("master_link_status") !== "up" || fields.get("master_sync_in_progress") !== "0") return false;
    const port = backend.port(name);
    const line = [...master.entries()].filter(([key]) => /^slave\d+$/.test(key)).map(([, value]) => parseSlaveLine(value)).find((s) => s.port === port);
    if (!line || line.state !== "online") return false;
    if (backend.version.hasBacklog) {
      const masterOffset = Number(master.get("master_repl_offset"));
      if (Number(fields.get("slave_repl_offset")) !== masterOffset || line.offset !== masterOffset) return false;
    } else {
      const [mine, theirs] = [await backend.command(name, "DBSIZE"), await backend.command(masterName, "DBSIZE")];
      if (mine.kind !== "integer" || theirs.kind !== "integer" || mine.value !== theirs.value) return false;
    }
  }
  return true;
}

/** The address of the one connection on `on` flagged `flag` in CLIENT LIST, for CLIENT KILL by address. */
export async function linkAddressOf(backend: LegacyBackend, on: string, flag: "S" | "M"): Promise<string> {
  const list = await backend.command(on, "CLIENT", "LIST");
  const lines = list.kind === "bulk" && list.value !== null ? list.value.split("\n").filter((line) => new RegExp(`\\bflags=[A-Za-z]*${flag}`).test(line)) : [];
  const addr = lines.length === 1 ? /\baddr=(\S+)/.exec(lines[0]!)?.[1] : undefined;
  if (addr === undefined) throw new Error(`${on} has ${lines.length} connections flagged ${flag}`);
  return addr;
}
