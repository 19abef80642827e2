/**
 * The registry of node kinds: the one place a version is switched on. World and Lab ask it for a
 * kind by version and then talk only to the `NodeProcess` it boots. A new protocol (2.6, 2.8, 4.0,
 * ssdb) adds its kind here and its view to `ProcessView`; nothing else changes.
 */
import type { NodeKind } from "./process/contract.ts";
import { REDIS_7_0 } from "./protocols/redis-7.0/kind.ts";
import type { Redis70View } from "./protocols/redis-7.0/view.ts";
import { REDIS_2_6 } from "./protocols/redis-2.6/kind.ts";
import type { Redis26View } from "./protocols/redis-2.6/view.ts";
import { REDIS_2_8 } from "./protocols/redis-2.8/kind.ts";
import type { Redis28View } from "./protocols/redis-2.8/view.ts";
import { REDIS_4_0 } from "./protocols/redis-4.0/kind.ts";
import type { Redis40View } from "./protocols/redis-4.0/view.ts";
import { SSDB } from "./protocols/ssdb/kind.ts";
import type { SsdbView } from "./protocols/ssdb/view.ts";

/** The versions a node can be created as. */
export const NODE_VERSIONS = ["7.0", "2.6", "2.8", "4.0", "ssdb"] as const;
export type NodeVersion = (typeof NODE_VERSIONS)[number];

/** Every kind's snapshot view, tagged by `protocol`. */
export type ProcessView = Redis70View | Redis26View | Redis28View | Redis40View | SsdbView;

const KINDS: { readonly [V in NodeVersion]: NodeKind<ProcessView> } = {
  "7.0": REDIS_7_0,
  "2.6": REDIS_2_6,
  "2.8": REDIS_2_8,
  "4.0": REDIS_4_0,
  ssdb: SSDB,
};

export function isNodeVersion(value: string): value is NodeVersion {
  return (NODE_VERSIONS as readonly string[]).includes(value);
}

/** The kind of a version. */
export function nodeKind(version: NodeVersion): NodeKind<ProcessView> {
  return KINDS[version];
}
