/**
 * What an IP address is to this machine: loopback, "every address" (0.0.0.0 and ::), or one of the
 * machine's own interface addresses. The Host check and the outbound policy both ask.
 */
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** `::ffff:127.0.0.1` → `127.0.0.1`; anything else unchanged (IPv4-mapped addresses are IPv4). */
export function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const bare = unmapped(address);
  const family = isIP(bare);
  return family !== 0 && loopback.check(bare, family === 4 ? "ipv4" : "ipv6");
}

/** True for 0.0.0.0 and :: (listening there means every address of the machine). */
export function isUnspecifiedAddress(address: string): boolean {
  const bare = unmapped(address);
  return bare === "0.0.0.0" || bare === "::";
}

/** Lowercase, without brackets or a trailing dot (`[::1]` is `::1`, `LOCALHOST.` is `localhost`). */
export function normalizeHostName(host: string): string {
  return host.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
}

/** True for `localhost` or a loopback address: a server bound there is not reachable from elsewhere. */
export function isLoopbackHost(host: string): boolean {
  const name = normalizeHostName(host);
  return name === "localhost" || isLoopbackAddress(name);
}

/**
 * True if a connection to this IP address reaches this machine: loopback, 0.0.0.0 and :: (which
 * connect locally), or an address of one of its interfaces (read each time: addresses change).
 */
export function isThisMachine(address: string): boolean {
  const bare = unmapped(address).replace(/%.*$/, "").toLowerCase();
  if (isLoopbackAddress(bare) || isUnspecifiedAddress(bare)) return true;
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.address.replace(/%.*$/, "").toLowerCase() === bare) return true;
    }
  }
  return false;
}
