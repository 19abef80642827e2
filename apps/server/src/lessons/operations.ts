/**
 * Lesson operations applied to a lab through a `LessonDriver`: the server drives a live
 * `LabRuntime` (real ports, the real-time clock), the lesson tests drive a bare engine `Lab` in
 * virtual time. Both run the same `applyOperation`, so "do it for me" in the browser does what the
 * tests checked.
 */
import type { Lab, NodeId } from "@replica-lab/engine";
import { fillAddresses, type LessonOperation } from "@replica-lab/protocol";

/** A link's settings a lesson may change. */
export interface LinkPatch {
  latencyMs?: number;
  bandwidthBytesPerSec?: number;
  partitioned?: boolean;
}

/** What lessons need from a lab host. Every method resolves once the operation took effect. */
export interface LessonDriver {
  readonly lab: Lab;
  addNode(name: string, version: string | undefined, config: Readonly<Record<string, string | number | boolean>> | undefined): Promise<void>;
  replicaOf(node: NodeId, master: NodeId | null, persist: boolean): Promise<void>;
  /** Runs a console command; its reply, error or not, is the lesson's business, not a failure. */
  command(node: NodeId, argv: readonly string[]): Promise<void>;
  kill(node: NodeId): Promise<void>;
  shutdown(node: NodeId, save: boolean | undefined): Promise<void>;
  restart(node: NodeId, wipe: boolean): Promise<void>;
  freeze(node: NodeId): Promise<void>;
  thaw(node: NodeId): Promise<void>;
  link(a: NodeId, b: NodeId, patch: LinkPatch): Promise<void>;
  /** Lets virtual time pass. */
  wait(ms: number): Promise<void>;
  /** Runs the lab until its syncs are done and ACKs are in (after a lesson's set-up). */
  settle(): Promise<void>;
}

/** A lesson names a node its lab does not have (the user removed or renamed it). */
export class MissingNodeError extends Error {
  constructor(readonly node: string) {
    super(`the lab has no node ${node} (was it removed or renamed?)`);
    this.name = "MissingNodeError";
  }
}

function nodeOf(lab: Lab, name: string): NodeId {
  const id = lab.resolve(name);
  if (id === undefined) throw new MissingNodeError(name);
  return id;
}

/** `{{A.port}}`, `{{A.host}}`, `{{A.address}}` → node A's address in the lab. */
export function fillPlaceholders(lab: Lab, text: string): string {
  return fillAddresses(text, (name) => lab.addressOf(nodeOf(lab, name)));
}

/** The value of the `index`-th key of a `write`: `valueBytes` long, readable, different per key. */
export function writeValue(index: number, valueBytes: number): string {
  const head = `v${index}-`;
  return head.length >= valueBytes ? head.slice(0, valueBytes) : head + "x".repeat(valueBytes - head.length);
}

/** Runs one lesson operation on the driver's lab. */
export async function applyOperation(driver: LessonDriver, op: LessonOperation): Promise<void> {
  const lab = driver.lab;
  switch (op.op) {
    case "add-node":
      return driver.addNode(op.name, op.version, op.config);
    case "replicaof":
      return driver.replicaOf(nodeOf(lab, op.node), op.master === null ? null : nodeOf(lab, op.master), op.persist === true);
    case "command":
      return driver.command(nodeOf(lab, op.node), op.argv.map((arg) => fillPlaceholders(lab, arg)));
    case "write": {
      const node = nodeOf(lab, op.node);
      const prefix = op.prefix ?? "key:";
      for (let i = 1; i <= op.count; i++) await driver.command(node, ["SET", `${prefix}${i}`, writeValue(i, op.valueBytes ?? 8)]);
      return;
    }
    case "kill":
      return driver.kill(nodeOf(lab, op.node));
    case "shutdown":
      return driver.shutdown(nodeOf(lab, op.node), op.save);
    case "restart":
      return driver.restart(nodeOf(lab, op.node), op.wipe === true);
    case "freeze":
      return driver.freeze(nodeOf(lab, op.node));
    case "thaw":
      return driver.thaw(nodeOf(lab, op.node));
    case "link": {
      const patch: LinkPatch = {};
      if (op.partitioned !== undefined) patch.partitioned = op.partitioned;
      if (op.latencyMs !== undefined) patch.latencyMs = op.latencyMs;
      if (op.bandwidthBytesPerSec !== undefined) patch.bandwidthBytesPerSec = op.bandwidthBytesPerSec;
      return driver.link(nodeOf(lab, op.a), nodeOf(lab, op.b), patch);
    }
    case "wait":
      return driver.wait(op.ms);
  }
}
