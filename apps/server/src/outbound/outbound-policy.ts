/**
 * Which outside addresses lab nodes may connect to (a lab node's REPLICAOF to a real redis-server)
 * and the server may poll (external nodes on the canvas). A lab server opens sockets on behalf of
 * whoever can reach its API, so by default only loopback is allowed: `127.0.0.0/8`, `::1` and the
 * name `localhost`.
 *
 * `buildApp({ allowOutbound })` takes a list of entries, each an IPv4 or IPv6 address, a CIDR
 * (`10.0.0.0/8`, `fd00::/8`), a host name matched exactly (case-insensitive), or `*` for anything;
 * or a function `(host, port) => boolean` that decides alone. With a list, a name that is not
 * listed itself is resolved once and the connection goes to the address that was checked, so a
 * name cannot be used to reach an address the list does not allow.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

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

export class OutboundPolicy {
  private readonly blocks = new BlockList();
  private readonly names = new Set<string>();
  private readonly anything: boolean;
  private readonly decide: ((host: string, port: number) => boolean) | null;
  /** The allow-list as configured, for messages. */
  readonly description: string;

  constructor(allow: OutboundAllow = DEFAULT_OUTBOUND_ALLOW) {
    if (typeof allow === "function") {
      this.decide = allow;
      this.anything = false;
      this.description = "the server's outbound rule";
      return;
    }
    this.decide = null;
    this.anything = allow.includes("*");
    this.description = allow.length === 0 ? "nothing" : allow.join(", ");
    for (const entry of allow) {
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

  /**
   * Decides without waiting when it can: an IP address, a listed name, or a function's answer.
   * Returns null when a name must be resolved first (`resolve`).
   */
  check(host: string, port: number): OutboundVerdict | null {
    if (this.decide) return this.decide(host, port) ? { allowed: true, connectHost: host } : this.refusal(host, port);
    if (this.anything) return { allowed: true, connectHost: host };
    const family = isIP(host);
    if (family !== 0) return this.blocks.check(host, family === 4 ? "ipv4" : "ipv6") ? { allowed: true, connectHost: host } : this.refusal(host, port);
    if (this.names.has(host.toLowerCase())) return { allowed: true, connectHost: host };
    return null;
  }

  /** The full decision, resolving a name that is not listed itself. */
  async verdict(host: string, port: number): Promise<OutboundVerdict> {
    const quick = this.check(host, port);
    if (quick) return quick;
    let resolved: string;
    try {
      resolved = (await lookup(host)).address;
    } catch (error) {
      return { allowed: false, reason: `cannot resolve ${host} (${error instanceof Error ? error.message : String(error)})` };
    }
    const family = isIP(resolved);
    if (family !== 0 && this.blocks.check(resolved, family === 4 ? "ipv4" : "ipv6")) return { allowed: true, connectHost: resolved };
    return { allowed: false, reason: `outbound connections to ${host}:${port} (${resolved}) are not allowed by this server (allowed: ${this.description})` };
  }

  private refusal(host: string, port: number): OutboundVerdict {
    return { allowed: false, reason: `outbound connections to ${host}:${port} are not allowed by this server (allowed: ${this.description})` };
  }
}
