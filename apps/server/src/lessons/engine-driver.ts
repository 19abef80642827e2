/**
 * A `LessonDriver` over a bare engine `Lab`, in virtual time: what the lesson tests play lessons
 * on. Nothing here listens on a port or reads a clock; `wait` is `lab.advance`.
 */
import type { Lab, NodeId } from "@replica-lab/engine";
import type { LessonDriver, LinkPatch } from "./operations.ts";

/** Virtual ms a set-up may run to settle (the default diskless-sync delay is 5 s). */
const SETTLE_LIMIT_MS = 60_000;

/** Lesson operations on a bare engine lab. */
export class EngineDriver implements LessonDriver {
  constructor(readonly lab: Lab) {}

  async addNode(name: string, version: string | undefined, config: Readonly<Record<string, string | number | boolean>> | undefined): Promise<void> {
    this.lab.addNode({ name, ...(version === undefined ? {} : { version }), ...(config === undefined ? {} : { config }) });
  }

  async replicaOf(node: NodeId, master: NodeId | null, persist: boolean): Promise<void> {
    this.lab.replicaOf(node, master);
    if (persist) this.lab.persistMaster(node, master);
  }

  async command(node: NodeId, argv: readonly string[]): Promise<void> {
    // `execute`, not `command`: a SHUTDOWN typed in a console closes it, which is no failure here.
    this.lab.execute(node, argv, () => undefined);
    this.lab.runCurrent();
  }

  async kill(node: NodeId): Promise<void> {
    this.lab.kill(node);
    this.lab.runCurrent();
  }

  async shutdown(node: NodeId, save: boolean | undefined): Promise<void> {
    await this.command(node, save === undefined ? ["SHUTDOWN"] : ["SHUTDOWN", save ? "SAVE" : "NOSAVE"]);
  }

  async restart(node: NodeId, wipe: boolean): Promise<void> {
    this.lab.restart(node, { wipe });
    this.lab.runCurrent();
  }

  async freeze(node: NodeId): Promise<void> {
    this.lab.freeze(node);
  }

  async thaw(node: NodeId): Promise<void> {
    this.lab.thaw(node);
    this.lab.runCurrent();
  }

  async link(a: NodeId, b: NodeId, patch: LinkPatch): Promise<void> {
    this.lab.setLink(a, b, patch);
    this.lab.runCurrent();
  }

  async wait(ms: number): Promise<void> {
    this.lab.advance(ms);
  }

  async settle(): Promise<void> {
    settleLab(this.lab);
  }
}

/**
 * Runs a lab until its syncs are done, then one cron second more so the replicas' REPLCONF ACKs
 * report the final offset, as they would on a real server by the time a person looks.
 */
export function settleLab(lab: Lab): void {
  lab.runUntilIdle(SETTLE_LIMIT_MS);
  lab.advance(1100);
  lab.runUntilIdle(SETTLE_LIMIT_MS);
}
