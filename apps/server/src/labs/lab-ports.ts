/**
 * Real ports for a lab the server did not build node by node (rebuilt at a restart, imported, or
 * branched): each node that had a RESP port listens again, on the same port when it is free and
 * wanted, else on a new one. A node's address inside the lab stays what its log says (the port it
 * was created with); a new port is recorded with `setRespPort`, so the node's snapshot shows where
 * redis-cli reaches it.
 */
import type { NodeId } from "@replica-lab/engine";
import type { PortBinding, NodeListener } from "../resp/resp-gateway.ts";
import type { LabRuntime } from "./lab-runtime.ts";

/** `samePorts`: try each node's own port first (a restart, an import); a branch's parent holds them. */
export async function listenOnNodePorts(runtime: LabRuntime, samePorts: boolean): Promise<void> {
  const lab = runtime.lab;
  for (const id of lab.nodeIds()) {
    const node = lab.nodeSnapshot(id);
    if (node.respPort === null) continue;
    const binding = (samePorts ? await bindOrNull(runtime, node.respPort) : null) ?? (await bindOrNull(runtime, 0));
    if (binding === null) {
      lab.setRespPort(id as NodeId, null);
      continue;
    }
    runtime.gateway.attach(id, binding, node.address);
    if (binding.port !== node.respPort) lab.setRespPort(id as NodeId, binding.port);
    if (node.status === "down") await runtime.gateway.stop(id);
  }
}

async function bindOrNull(runtime: LabRuntime, port: number): Promise<(PortBinding & { readonly listener: NodeListener }) | null> {
  try {
    return await runtime.gateway.bind(port);
  } catch {
    return null;
  }
}
