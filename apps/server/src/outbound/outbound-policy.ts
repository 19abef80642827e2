/**
 * Which outside addresses lab nodes may connect to (a lab node's REPLICAOF to a real redis-server)
 * and the server may poll (external nodes on the canvas). A lab server opens sockets on behalf of
 * whoever can reach its API, so by default only loopback is allowed (`127.0.0.0/8`, `::1` and the
 * name `localhost`), and nothing at all when the server is exposed beyond loopback: there, only the
 * operator's explicit list opens anything. Lab nodes of the same lab never come here (the world
 * links them inside the lab).
 *
 * `buildApp({ allowOutbound })` takes a list of entries, each an IPv4 or IPv6 address, a CIDR
 * (`10.0.0.0/8`, `fd00::/8`), a host name matched exactly (case-insensitive), or `*` for anything;
 * or a function `(host, port) => boolean` that decides alone. With a list, a name that is not
 * listed itself is resolved once and the connection goes to the address that was checked, so a
 * name cannot be used to reach an address the list does not allow.
 *
 * Whatever the list says, the server's own ports on this machine are never allowed: its HTTP port
 * (the API a lab node would otherwise drive with bytes of its choosing) and every lab node's RESP
 * port (another lab's node; a lab reaches no other lab). A name is resolved first when its port is
 * one of them, so `localhost:<port>` is caught as well as `127.0.0.1:<port>`.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { isThisMachine } from "../security/addresses.ts";

/** What `buildApp` accepts. */
export type OutboundAllow = readonly string[] | ((host: string, port: number) => boolean);

/** Loopback only. */
export const DEFAULT_OUTBOUND_ALLOW: readonly string[] = ["127.0.0.0/8", "::1", "localhost"];

/** An outside address split into its parts. */
export interface OutboundAddress {
  readonly host: string;
  readonly port: number;
}

/** The decision for one address: where to connect, or why not. */
export type OutboundVerdict = { readonly allowed: true; readonly connectHost: string } | { readonly allowed: false; readonly reason: string };

/** `host:port` (the host may be an IPv6 address without brackets, as REPLICAOF takes it) or null. */
export function parseOutboundAddress(address: string): OutboundAddress | null {
  const at = address.lastIndexOf(":");
  if (at <= 0) return null;
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const portText = address.slice(at + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535 || host.length === 0 || host.length > 255) return null;
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) return null;
  return { host, port };
}

/** What the policy knows about the server it protects. */
export interface OutboundContext {
  /**
   * The ports this server listens on: its HTTP port and every lab node's RESP port, read at each
   * decision (nodes come and go). Refused on every address of this machine.
   */
  readonly ownPorts?: () => Iterable<number>;
  /** True while the server is exposed beyond loopback: the default allow-list is then empty. */
  readonly exposed?: () => boolean;
}

export class OutboundPolicy {
  private readonly blocks = new BlockList();
  private readonly names = new Set<string>();
  private readonly anything: boolean;
  private readonly decide: ((host: string, port: number) => boolean) | null;
  /** True when no list was given: loopback, or nothing while exposed. */
  private readonly byDefault: boolean;
  private readonly configured: string;

  constructor(
    allow?: OutboundAllow,
    private readonly context: OutboundContext = {},
  ) {
    this.byDefault = allow === undefined;
    const list = allow ?? DEFAULT_OUTBOUND_ALLOW;
    if (typeof list === "function") {
      this.decide = list;
      this.anything = false;
      this.configured = "the server's outbound rule";
      return;
    }
    this.decide = null;
    this.anything = list.includes("*");
    this.configured = list.length === 0 ? "nothing" : list.join(", ");
    for (const entry of list) {
      if (entry === "*") continue;
      const slash = entry.indexOf("/");
      if (slash > 0) {
        const base = entry.slice(0, slash);
        const bits = Number(entry.slice(slash + 1));
        const family = isIP(base);
        if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`allowOutbound: ${entry} is not a CIDR`);
        this.blocks.addSubnet(base, bits, family === 4 ? "ipv4" : "ipv6");
      } else if (isIP(entry) !== 0) {
        this.blocks.addAddress(entry, isIP(entry) === 4 ? "ipv4" : "ipv6");
      } else {
        this.names.add(entry.toLowerCase());
      }
    }
  }

  /** The allow-list in force, for messages. */
  get description(): string {
    return this.closedByExposure() ? "only the lab's own nodes: the server is exposed beyond loopback; set REPLICA_LAB_ALLOW_OUTBOUND to allow more" : this.configured;
  }

  /**
   * Decides without waiting when it can: an IP address, a listed name, or a function's answer.
   * Returns null when a name must be resolved first (`verdict`).
   */
  check(host: string, port: number): OutboundVerdict | null {
    const family = isIP(host);
    if (this.isOwnPort(port)) {
      // A name might be this machine: only its address can tell.
      if (family === 0) return null;
      if (isThisMachine(host)) return this.ownPortRefusal(host, port);
    }
    if (family === 0) {
      const byName = this.nameVerdict(host, port);
      if (byName === null) return null;
      return byName ? { allowed: true, connectHost: host } : this.refusal(host, port);
    }
    return this.addressAllowed(host, port) ? { allowed: true, connectHost: host } : this.refusal(host, port);
  }

  /** The full decision, resolving a name when the quick check cannot decide. */
  async verdict(host: string, port: number): Promise<OutboundVerdict> {
    const quick = this.check(host, port);
    if (quick) return quick;
    let resolved: string;
    try {
      resolved = (await lookup(host)).address;
    } catch (error) {
      return { allowed: false, reason: `cannot resolve ${host} (${error instanceof Error ? error.message : String(error)})` };
    }
    if (this.isOwnPort(port) && isThisMachine(resolved)) return this.ownPortRefusal(host, port, resolved);
    // The name may be allowed itself (listed, `*`, the function); else its address must be. Either
    // way the connection goes to the address checked here, not to a second lookup.
    const byName = this.nameVerdict(host, port);
    const allowed = byName ?? (isIP(resolved) !== 0 && this.addressAllowed(resolved, port));
    if (allowed) return { allowed: true, connectHost: resolved };
    return { allowed: false, reason: `outbound connections to ${host}:${port} (${resolved}) are not allowed by this server (allowed: ${this.description})` };
  }

  /** The list's answer for a name as written: allowed, refused, or null when the list does not name it. */
  private nameVerdict(host: string, port: number): boolean | null {
    if (this.closedByExposure()) return false;
    if (this.decide) return this.decide(host, port);
    if (this.anything || this.names.has(host.toLowerCase())) return true;
    return null;
  }

  private addressAllowed(address: string, port: number): boolean {
    if (this.closedByExposure()) return false;
    if (this.decide) return this.decide(address, port);
    if (this.anything) return true;
    const family = isIP(address);
    return this.blocks.check(address, family === 4 ? "ipv4" : "ipv6");
  }

  private closedByExposure(): boolean {
    return this.byDefault && this.context.exposed?.() === true;
  }

  private isOwnPort(port: number): boolean {
    const ports = this.context.ownPorts?.();
    if (!ports) return false;
    for (const own of ports) if (own === port) return true;
    return false;
  }

  private ownPortRefusal(host: string, port: number, resolved?: string): OutboundVerdict {
    const where = resolved === undefined ? `${host}:${port}` : `${host}:${port} (${resolved})`;
    return { allowed: false, reason: `outbound connections to ${where} are not allowed: it is a port of this Replica Lab server (its HTTP API or a lab node's RESP port, never reachable from a lab node)` };
  }

  private refusal(host: string, port: number): OutboundVerdict {
    return { allowed: false, reason: `outbound connections to ${host}:${port} are not allowed by this server (allowed: ${this.description})` };
  }
}
