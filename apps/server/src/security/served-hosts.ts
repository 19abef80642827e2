/**
 * Which `Host` and `Origin` headers the server answers.
 *
 * - **Host** (DNS rebinding): a page on `evil.example` whose name is made to resolve to 127.0.0.1
 *   reaches the server with `Host: evil.example`. The server answers only names it serves: the
 *   loopback names (`localhost`, 127.0.0.0/8, `::1`), the addresses it listens on, every IP
 *   address when it listens on all of them (0.0.0.0 or ::; rebinding cannot put an address in
 *   `Host`, only a name), and names the operator lists. The port is not compared: rebinding is told
 *   apart by the name, and `inject()` in tests sends `localhost:80`.
 * - **Origin** (cross-site requests): a browser names the page that sent a request. A request that
 *   changes state, or opens the stream, is answered only for the server's own pages: an origin
 *   equal to the request's own (already checked) `Host`, or a served name on a port the server
 *   listens on, or one of the extra origins (the Vite dev server, the operator's list). No `Origin`
 *   at all is a tool (curl, redis tools, tests), not a page, and is served.
 */
import { isIP } from "node:net";
import { isLoopbackAddress, isUnspecifiedAddress, normalizeHostName, unmapped } from "./addresses.ts";

/** The Vite dev server (`npm run dev` in apps/web) proxies the API; its page's origin. */
export const VITE_DEV_ORIGINS: readonly string[] = ["http://localhost:5173", "http://127.0.0.1:5173", "http://[::1]:5173"];

/** An address the server listens on, as `app.addresses()` reports it. */
export interface ListeningAddress {
  readonly address: string;
  readonly port: number;
}

/** What the checks know about the server. */
export interface ServedHostsOptions {
  /** The addresses the server listens on right now (none before `listen`, as under `inject`). */
  readonly listening: () => readonly ListeningAddress[];
  /** Host names (or addresses) served besides the defaults, case-insensitive, without ports. */
  readonly allowedHosts?: readonly string[];
  /** Origins (`scheme://host[:port]`) allowed besides the server's own. */
  readonly allowedOrigins?: readonly string[];
}

/** The host name and port of a `Host` header, or null if it is not one (`a b`, `x:y:z`). */
export function parseHostHeader(header: string): { readonly name: string; readonly port: string } | null {
  try {
    // The URL parser applies the browser's rules (IPv6 brackets, IPv4 in odd forms, IDNA).
    const url = new URL(`http://${header}`);
    if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") return null;
    return { name: normalizeHostName(url.hostname), port: url.port };
  } catch {
    return null;
  }
}

/** The Host and Origin rules for one server. */
export class ServedHosts {
  private readonly names: ReadonlySet<string>;
  private readonly origins: ReadonlySet<string>;

  constructor(private readonly options: ServedHostsOptions) {
    this.names = new Set((options.allowedHosts ?? []).map(normalizeHostName));
    this.origins = new Set([...VITE_DEV_ORIGINS, ...(options.allowedOrigins ?? [])].map((origin) => canonicalOrigin(origin) ?? origin));
  }

  /** True if a request with this `Host` header is for this server (a missing header is a tool's). */
  servesHost(header: string | undefined): boolean {
    if (header === undefined) return true;
    const host = parseHostHeader(header);
    return host !== null && this.servesName(host.name);
  }

  /**
   * True if a request from a page with this `Origin` may change state or open the stream. `host`
   * is the request's own `Host` header, already accepted by `servesHost`.
   */
  allowsOrigin(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    const canonical = canonicalOrigin(origin);
    // "null" (a sandboxed frame, a file: page) and anything unparsable are nobody's page here.
    if (canonical === null) return false;
    if (this.origins.has(canonical)) return true;
    const url = new URL(canonical);
    // Same origin as the request itself: the page was loaded from the very address it now calls.
    if (host !== undefined && canonicalOrigin(`${url.protocol}//${host}`) === canonical) return true;
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    return this.servesName(normalizeHostName(url.hostname)) && this.options.listening().some((a) => a.port === port);
  }

  private servesName(name: string): boolean {
    if (name === "localhost" || isLoopbackAddress(name) || this.names.has(name)) return true;
    if (isIP(name) === 0) return false;
    const listening = this.options.listening();
    return listening.some((a) => isUnspecifiedAddress(a.address) || unmapped(a.address) === unmapped(name));
  }
}

/** `scheme://host[:port]` as browsers write it, for http and https only; null otherwise. */
function canonicalOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.username !== "" || url.password !== "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}
