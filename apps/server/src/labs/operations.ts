/**
 * Runs a `LabOperation` on a lab. REST routes and the stream both come through here, after their
 * input passed the same schemas (`http/schemas.ts`), so an operation behaves and fails the same
 * way whichever door it came in by.
 */
import { formatReplyForCli, replyToJson, type LinkSnapshot, type NodeSnapshot } from "@replica-lab/engine";
import type { CommandResult, LabClockView, LabOperation, WriteLoadView } from "@replica-lab/protocol";
import { assertNever } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import { DEFAULT_STEP_MS } from "../http/schemas.ts";
import type { ServerLimits } from "../limits.ts";
import type { LabRuntime } from "./lab-runtime.ts";
import { requireVersion } from "./templates.ts";

/** What each operation answers with (the REST body, the stream's `op-result.result`). */
export type OperationResult = NodeSnapshot | CommandResult | LinkSnapshot | LabClockView | readonly WriteLoadView[] | null;

/**
 * Runs `op` on `runtime`. What the lab's engine throws where it never should fails that lab (and
 * is answered `lab-failed`), as does any operation on a lab that already failed.
 */
export function runOperation(runtime: LabRuntime, op: LabOperation, limits: ServerLimits, caller: OperationCaller = REST_CALLER): Promise<OperationResult> {
  return runtime.guard.runAsync(`the operation ${op.kind}`, () => applyOperation(runtime, op, limits, caller));
}

/** Who runs an operation: a stream socket has its own consoles; REST calls name a session or none. */
export interface OperationCaller {
  /** The stream socket's console owner id, or null for REST. */
  readonly streamConsole: string | null;
}

const REST_CALLER: OperationCaller = { streamConsole: null };

async function applyOperation(runtime: LabRuntime, op: LabOperation, limits: ServerLimits, caller: OperationCaller): Promise<OperationResult> {
  switch (op.kind) {
    case "add-node":
      return runtime.addNode(op);
    case "remove-node":
      await runtime.removeNode(runtime.requireNode(op.nodeId));
      return null;
    case "command": {
      checkArgv(op.argv, limits);
      const owner = caller.streamConsole ?? (op.session === undefined ? null : `rest:${op.session}`);
      const answer = await runtime.consoleCommand(runtime.requireNode(op.nodeId), op.argv, owner);
      return {
        reply: replyToJson(answer.reply),
        text: formatReplyForCli(answer.reply, op.argv),
        ...(answer.db !== 0 ? { db: answer.db } : {}),
        ...(answer.inTransaction ? { inTransaction: true as const } : {}),
      };
    }
    case "set-master": {
      const id = runtime.requireNode(op.nodeId);
      const master = op.masterId === null ? null : await runtime.resolveMaster(op.masterId);
      return runtime.setMaster(id, master, op.persist === true);
    }
    case "kill":
      return runtime.kill(runtime.requireNode(op.nodeId));
    case "shutdown":
      return runtime.shutdown(runtime.requireNode(op.nodeId), op.save);
    case "config-file":
      return runtime.setConfigFile(runtime.requireNode(op.nodeId), op.text);
    case "restart":
      // The stream's schema lets any short string through as `version`: check it as REST does.
      return runtime.restart(runtime.requireNode(op.nodeId), op.wipe === true, op.version === undefined ? undefined : requireVersion(op.version));
    case "freeze":
      return runtime.freeze(runtime.requireNode(op.nodeId));
    case "thaw":
      return runtime.thaw(runtime.requireNode(op.nodeId));
    case "link": {
      const patch: { latencyMs?: number; bandwidthBytesPerSec?: number; partitioned?: boolean } = {};
      if (op.latencyMs !== undefined) patch.latencyMs = op.latencyMs;
      if (op.bandwidthBytesPerSec !== undefined) patch.bandwidthBytesPerSec = op.bandwidthBytesPerSec;
      if (op.partitioned !== undefined) patch.partitioned = op.partitioned;
      return runtime.setLink(runtime.requireNode(op.a), runtime.requireNode(op.b), patch);
    }
    case "clock":
      return runtime.clockAction(op.action, op.speed, op.stepMs ?? DEFAULT_STEP_MS);
    case "write-load":
      return runtime.setWriteLoad(runtime.requireNode(op.nodeId), op.opsPerSec);
    default:
      return assertNever(op);
  }
}

/** Checks what a schema cannot: argument sizes in bytes. */
function checkArgv(argv: readonly string[], limits: ServerLimits): void {
  if (argv.length === 0 || argv.length > limits.maxArgs) {
    throw new ApiFailure("bad-argv", `argv must hold 1 to ${limits.maxArgs} strings`);
  }
  for (const [index, arg] of argv.entries()) {
    // Quick reject on length first: UTF-8 needs at least one byte per UTF-16 unit.
    if (arg.length > limits.maxValueBytes || Buffer.byteLength(arg, "utf8") > limits.maxValueBytes) {
      throw new ApiFailure("value-too-large", `argv[${index}] is over the value limit of ${limits.maxValueBytes} bytes`);
    }
  }
}
