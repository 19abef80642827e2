/** Operations in words, for error notices ("Could not make B a replica of A"). */
import type { LabOperation } from "@replica-lab/protocol";
import type { LabData } from "../store/labData.ts";

export function nodeName(lab: Pick<LabData, "nodes">, id: string | null): string {
  if (id === null) return "?";
  return lab.nodes[id]?.name ?? id;
}

export function describeOperation(op: LabOperation, lab: Pick<LabData, "nodes">): string {
  const name = (id: string | null): string => nodeName(lab, id);
  switch (op.kind) {
    case "add-node":
      return op.name ? `add node ${op.name}` : "add a node";
    case "remove-node":
      return `delete ${name(op.nodeId)}`;
    case "command":
      return `run ${op.argv[0] ?? "a command"} on ${name(op.nodeId)}`;
    case "set-master":
      return op.masterId === null ? `promote ${name(op.nodeId)} (REPLICAOF NO ONE)` : `make ${name(op.nodeId)} a replica of ${name(op.masterId)}`;
    case "kill":
      return `kill ${name(op.nodeId)}`;
    case "restart":
      return `restart ${name(op.nodeId)}${op.wipe ? " with a wiped disk" : ""}`;
    case "freeze":
      return `freeze ${name(op.nodeId)}`;
    case "thaw":
      return `thaw ${name(op.nodeId)}`;
    case "link":
      return `change the link ${name(op.a)} ↔ ${name(op.b)}`;
    case "clock":
      return `${op.action} the clock`;
    case "write-load":
      return `set the write load on ${name(op.nodeId)}`;
  }
}
