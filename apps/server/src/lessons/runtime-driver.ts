/**
 * A `LessonDriver` over a live `LabRuntime`: operations go through the runtime's own methods (the
 * ones REST and the stream use), so a lesson's node gets a real RESP port and a "do it for me"
 * REPLICAOF is exactly the drag's. Failures are `ApiFailure`s, as for any other request.
 */
import type { NodeId } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";
import type { LabRuntime } from "../labs/lab-runtime.ts";
import { settleLab } from "./engine-driver.ts";
import type { LessonDriver, LinkPatch } from "./operations.ts";

/** Lesson operations on a live lab, through the runtime's own methods. */
export class RuntimeDriver implements LessonDriver {
  constructor(readonly runtime: LabRuntime) {}

  get lab() {
    return this.runtime.lab;
  }

  async addNode(name: string, version: string | undefined, config: Readonly<Record<string, string | number | boolean>> | undefined): Promise<void> {
    await this.runtime.addNode({ name, ...(version === undefined ? {} : { version }), ...(config === undefined ? {} : { config }) });
  }

  async replicaOf(node: NodeId, master: NodeId | null, persist: boolean): Promise<void> {
    await this.runtime.setMaster(node, master, persist);
  }

  async command(node: NodeId, argv: readonly string[]): Promise<void> {
    try {
      await this.runtime.command(node, argv);
    } catch (error) {
      // SHUTDOWN closes the console without a reply: that is the command working.
      if (!(error instanceof ApiFailure && error.code === "connection-closed")) throw error;
    }
  }

  async kill(node: NodeId): Promise<void> {
    await this.runtime.kill(node);
  }

  async shutdown(node: NodeId, save: boolean | undefined): Promise<void> {
    await this.runtime.shutdown(node, save);
  }

  async restart(node: NodeId, wipe: boolean): Promise<void> {
    await this.runtime.restart(node, wipe);
  }

  async freeze(node: NodeId): Promise<void> {
    this.runtime.freeze(node);
  }

  async thaw(node: NodeId): Promise<void> {
    this.runtime.thaw(node);
  }

  async link(a: NodeId, b: NodeId, patch: LinkPatch): Promise<void> {
    this.runtime.setLink(a, b, patch);
  }

  async wait(ms: number): Promise<void> {
    this.runtime.clockAction("step", undefined, ms);
  }

  async settle(): Promise<void> {
    settleLab(this.runtime.lab);
    // The settling ran ahead of the wall clock: the clock starts from where the world now is.
    this.runtime.clock.resume(performance.now(), this.runtime.lab.nowMs);
  }
}
