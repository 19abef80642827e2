/** Operations in words, for error notices ("Could not make B a replica of A"), in the language shown. */
import type { LabOperation } from "@replica-lab/protocol";
import type { TFunction } from "i18next";
import type { LabData } from "../store/labData.ts";
import { versionLabel } from "../format/versions.ts";

export function nodeName(lab: Pick<LabData, "nodes">, id: string | null): string {
  if (id === null) return "?";
  return lab.nodes[id]?.name ?? id;
}

export function describeOperation(op: LabOperation, lab: Pick<LabData, "nodes">, t: TFunction): string {
  const name = (id: string | null): string => nodeName(lab, id);
  switch (op.kind) {
    case "add-node":
      if (op.name) return t("ops.addNamedNode", { name: op.name });
      return op.version === undefined ? t("ops.addNode") : t("ops.addVersionNode", { version: versionLabel(op.version) });
    case "remove-node":
      return t("ops.removeNode", { name: name(op.nodeId) });
    case "command":
      return t("ops.command", { command: op.argv[0] ?? t("ops.aCommand"), name: name(op.nodeId) });
    case "set-master":
      return op.masterId === null ? t("ops.promote", { name: name(op.nodeId) }) : t("ops.setMaster", { name: name(op.nodeId), master: name(op.masterId) });
    case "kill":
      return t("ops.kill", { name: name(op.nodeId) });
    case "shutdown":
      return op.save === false ? t("ops.shutdownNosave", { name: name(op.nodeId) }) : t("ops.shutdown", { name: name(op.nodeId) });
    case "config-file":
      return t("ops.configFile", { name: name(op.nodeId) });
    case "restart":
      if (op.version !== undefined) return t("ops.restartAs", { name: name(op.nodeId), version: versionLabel(op.version) });
      return op.wipe ? t("ops.restartWipe", { name: name(op.nodeId) }) : t("ops.restart", { name: name(op.nodeId) });
    case "freeze":
      return t("ops.freeze", { name: name(op.nodeId) });
    case "thaw":
      return t("ops.thaw", { name: name(op.nodeId) });
    case "link":
      return t("ops.link", { a: name(op.a), b: name(op.b) });
    case "clock":
      return op.action === "pause" ? t("ops.clockPause") : op.action === "resume" ? t("ops.clockResume") : t("ops.clockStep");
    case "write-load":
      return t("ops.writeLoad", { name: name(op.nodeId) });
  }
}
