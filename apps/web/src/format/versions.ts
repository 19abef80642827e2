/**
 * The node versions a user can choose, in the order the lab's history teaches them (newest first,
 * SSDB last as the other design), and what each one's replication is called. The server holds the
 * authoritative list (`NODE_VERSIONS`); this is the client's menu of it.
 */
import type { NodeVersion } from "@replica-lab/protocol";
import type { ParseKeys } from "i18next";

/** Versions as menus list them. */
export const VERSION_CHOICES: readonly NodeVersion[] = ["7.0", "4.0", "2.8", "2.6", "ssdb"];

/** What a badge says: "redis 2.8", "SSDB". */
export function versionLabel(version: string): string {
  return version === "ssdb" ? "SSDB" : `redis ${version}`;
}

/** The badge's short form, for cards: "2.8", "SSDB". */
export function versionShort(version: string): string {
  return version === "ssdb" ? "SSDB" : version;
}

/** Catalogue keys of each version's replication in one line (the badge's tooltip, the menus). */
export const VERSION_PROTOCOL_KEYS: Readonly<Record<NodeVersion, ParseKeys>> = {
  "7.0": "versions.protocol.v70",
  "4.0": "versions.protocol.v40",
  "2.8": "versions.protocol.v28",
  "2.6": "versions.protocol.v26",
  ssdb: "versions.protocol.ssdb",
};

/** A CSS-safe class for a version's badge colour. */
export function versionClass(version: string): string {
  return `v-${version.replace(/[^a-z0-9]/gi, "-")}`;
}

export function isChoosableVersion(value: string): value is NodeVersion {
  return (VERSION_CHOICES as readonly string[]).includes(value);
}

/**
 * What happens when a node of `replica` version follows a master of `master` version, where that
 * is not an ordinary sync: SSDB and Redis cannot replicate from each other (each speaks its own
 * replication protocol), and a replica of a 2.6 master falls back from PSYNC to SYNC. Null for an
 * ordinary pairing. Shown before the user makes the link.
 */
export function pairingNoteKey(replica: string, master: string): ParseKeys | null {
  if (replica === "ssdb" && master !== "ssdb") return "versions.pair.ssdbFromRedis";
  if (replica !== "ssdb" && master === "ssdb") return "versions.pair.redisFromSsdb";
  if (master === "2.6" && replica !== "2.6") return "versions.pair.psyncToSync26";
  return null;
}

/** The pairing can never sync (not merely a fallback). */
export function pairingNeverSyncs(replica: string, master: string): boolean {
  return (replica === "ssdb") !== (master === "ssdb");
}
