/**
 * Who may use the server. On loopback everyone who can reach it is the local user: nothing is
 * asked, and labs are owned by "local". Exposed beyond loopback (HOST=0.0.0.0 or another
 * address), every API request and every stream needs the operator secret, and a lab is owned by
 * an id derived from the secret that made it (`token:<12 hex>`), never the secret itself, so the
 * classroom roles (instructor, followers) can be built on owners later.
 *
 * The secret comes from the operator (`REPLICA_LAB_SECRET`) or is made here at build; `main.ts`
 * prints a generated one once.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isLoopbackAddress } from "./addresses.ts";
import { ServedHosts, type ListeningAddress } from "./served-hosts.ts";

/** `buildApp({ access })`. */
export interface AccessOptions {
  /**
   * True when the server is reachable beyond loopback, so the secret is required. Default: true as
   * soon as it listens on any address that is not loopback (0.0.0.0 included).
   */
  readonly exposed?: boolean;
  /** The operator secret. Default: 24 random characters, read back as `app.access.secret`. */
  readonly secret?: string;
  /** Host names this server also answers to (its DNS names, a reverse proxy's name). */
  readonly allowedHosts?: readonly string[];
  /** Origins of pages also allowed to change state and open streams (`https://lab.example.com`). */
  readonly allowedOrigins?: readonly string[];
}

/** The owner of labs made on a loopback server. */
export const LOCAL_OWNER = "local";
/** The principal of a request that shows no valid secret to an exposed server (it may load the page, nothing more). */
export const ANONYMOUS = "anonymous";
/** The cookie that keeps the secret after a first page load with `?token=`. */
export const TOKEN_COOKIE = "replica_lab_token";

/** A new random secret (URL-safe, 144 bits). */
export function generateSecret(): string {
  return randomBytes(18).toString("base64url");
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export class Access {
  readonly secret: string;
  readonly hosts: ServedHosts;
  /** The secret holder's owner id: `token:` and the first 12 hex digits of its SHA-256. */
  readonly operatorId: string;
  private readonly secretDigest: Buffer;
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly options: AccessOptions,
    private readonly listening: () => readonly ListeningAddress[],
  ) {
    if (options.secret !== undefined && options.secret.length < 8) throw new Error("the access secret must be at least 8 characters long");
    this.secret = options.secret ?? generateSecret();
    this.secretDigest = digest(this.secret);
    this.operatorId = `token:${this.secretDigest.toString("hex").slice(0, 12)}`;
    this.hosts = new ServedHosts({ listening, allowedHosts: options.allowedHosts ?? [], allowedOrigins: options.allowedOrigins ?? [] });
  }

  /** True while the secret is required: configured so, or listening beyond loopback. */
  exposed(): boolean {
    return this.options.exposed ?? this.listening().some((a) => !isLoopbackAddress(a.address));
  }

  /** True if `candidate` is the secret (compared in constant time, whatever its length). */
  isSecret(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.secretDigest);
  }

  /** The owner id of a request that showed the secret, or of any request on loopback. */
  principal(): string {
    return this.exposed() ? this.operatorId : LOCAL_OWNER;
  }

  /** Records who made a lab. */
  setOwner(labId: string, owner: string): void {
    this.owners.set(labId, owner);
  }

  /** Who made the lab; a lab the server made itself (the default lab) is the operator's. */
  ownerOf(labId: string): string {
    return this.owners.get(labId) ?? this.principal();
  }

  /** True if `owner` made any lab still here. */
  ownsAny(owner: string): boolean {
    for (const value of this.owners.values()) if (value === owner) return true;
    return false;
  }

  /** Forgets a deleted lab. */
  forget(labId: string): void {
    this.owners.delete(labId);
  }
}
