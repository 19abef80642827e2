/**
 * Lab templates: what a new lab starts with. `one-master-two-replicas` is linked and in sync when
 * the lab is handed out: virtual time is run forward (bounded) until both replicas are online and
 * have acknowledged the master's offset, so the first page a user opens is alive. A template's
 * nodes are all of one version (7.0 unless the request names another), so a whole 2.6 or SSDB lab
 * is one request.
 */
import { isNodeVersion, NODE_VERSIONS, type NodeId, type NodeVersion } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";
import type { LabRuntime } from "./lab-runtime.ts";

/** Template names, as `POST /api/labs` takes them. */
export const TEMPLATES = ["empty", "one-master-two-replicas"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** Virtual ms a template may run to settle (the default diskless-sync delay is 5 s). */
const SETTLE_LIMIT_MS = 60_000;

/**
 * The template and version a lab-creating request asks for. A version alone asks for the default
 * lab (one master, two replicas) of that version; an empty lab has no nodes a version could apply
 * to, so asking for both is refused rather than ignored.
 */
export function templateRequest(template: TemplateName | undefined, version: string | undefined): { readonly template: TemplateName; readonly version: NodeVersion | undefined } {
  if (version === undefined) return { template: template ?? "empty", version: undefined };
  const checked = requireVersion(version);
  if (template === "empty") {
    throw new ApiFailure("bad-request", `template "empty" has no nodes to create as version ${checked}; leave out version, or add nodes with { version } (POST /api/labs/:lab/nodes)`);
  }
  return { template: template ?? "one-master-two-replicas", version: checked };
}

/** `version` as a node kind, or `bad-version` naming the ones there are. */
export function requireVersion(version: string): NodeVersion {
  if (!isNodeVersion(version)) throw new ApiFailure("bad-version", `version ${JSON.stringify(version)} is not available (available: ${NODE_VERSIONS.join(", ")})`);
  return version;
}

export async function applyTemplate(runtime: LabRuntime, template: TemplateName, version?: NodeVersion): Promise<void> {
  const kind = version === undefined ? {} : { version };
  switch (template) {
    case "empty":
      return;
    case "one-master-two-replicas": {
      const master = await runtime.addNode({ name: "A", ...kind });
      const replicas: NodeId[] = [];
      for (const name of ["B", "C"]) replicas.push((await runtime.addNode({ name, ...kind })).id);
      for (const id of replicas) await runtime.setMaster(id, master.id);
      settle(runtime);
      return;
    }
  }
}

function settle(runtime: LabRuntime): void {
  const lab = runtime.lab;
  lab.runUntilIdle(SETTLE_LIMIT_MS);
  // One cron second more, so the replicas' REPLCONF ACKs report the final offset, as they would on
  // a real server by the time a person looks.
  lab.advance(1100);
  lab.runUntilIdle(SETTLE_LIMIT_MS);
  runtime.clock.resume(performance.now(), lab.nowMs);
}
