/**
 * Lab templates: what a new lab starts with. `one-master-two-replicas` is linked and in sync when
 * the lab is handed out: virtual time is run forward (bounded) until both replicas are online and
 * have acknowledged the master's offset, so the first page a user opens is alive.
 */
import type { NodeId } from "@replica-lab/engine";
import type { LabRuntime } from "./lab-runtime.ts";

/** Template names, as `POST /api/labs` takes them. */
export const TEMPLATES = ["empty", "one-master-two-replicas"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** Virtual ms a template may run to settle (the default diskless-sync delay is 5 s). */
const SETTLE_LIMIT_MS = 60_000;

export async function applyTemplate(runtime: LabRuntime, template: TemplateName): Promise<void> {
  switch (template) {
    case "empty":
      return;
    case "one-master-two-replicas": {
      const master = await runtime.addNode({ name: "A" });
      const replicas: NodeId[] = [];
      for (const name of ["B", "C"]) replicas.push((await runtime.addNode({ name })).id);
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
