/**
 * The input log: every input to a lab, in order, with the virtual time it arrived at. A lab is a
 * pure function of its seed, its epoch and this log, so replaying the log on a fresh lab rebuilds
 * it exactly (`replay.ts`); rewind, branch, export and persistence all stand on it.
 *
 * The log is append-only and compact: time is logged as runs (`run-until`, `steps`), consecutive
 * runs merge into one entry, and a write-load tick is a count (its keys and values come from the
 * lab's seed), not the thousands of commands it sends.
 */
import type { NodeVersion } from "../kinds.ts";
import type { LinkSettings } from "../sim/world.ts";
import type { NodeId } from "./types.ts";

/** Bytes in a log entry: kept as bytes in memory, as base64 in a file. */
export type LogBytes = Uint8Array;

/** One input. `t` is the lab's virtual time when it arrived (before it was applied). */
export type LabInput =
  | { readonly op: "add-node"; readonly t: number; readonly name: string; readonly version: NodeVersion; readonly config: Readonly<Record<string, string>>; readonly host: string; readonly port: number }
  | { readonly op: "remove-node"; readonly t: number; readonly node: NodeId }
  | { readonly op: "rename-node"; readonly t: number; readonly node: NodeId; readonly name: string }
  | { readonly op: "set-resp-port"; readonly t: number; readonly node: NodeId; readonly port: number | null }
  | { readonly op: "kill"; readonly t: number; readonly node: NodeId }
  | { readonly op: "restart"; readonly t: number; readonly node: NodeId; readonly wipe: boolean; readonly version?: NodeVersion }
  | { readonly op: "freeze"; readonly t: number; readonly node: NodeId }
  | { readonly op: "thaw"; readonly t: number; readonly node: NodeId }
  | { readonly op: "set-link"; readonly t: number; readonly a: NodeId; readonly b: NodeId; readonly patch: Partial<LinkSettings> }
  | { readonly op: "config-file"; readonly t: number; readonly node: NodeId; readonly text: string }
  | { readonly op: "write-file"; readonly t: number; readonly node: NodeId; readonly name: string; readonly bytes: LogBytes }
  | { readonly op: "command"; readonly t: number; readonly node: NodeId; readonly argv: readonly LogBytes[] }
  /** `acks`: the client acknowledges what it reads (`ack` inputs); otherwise it reads everything at once. */
  | { readonly op: "open"; readonly t: number; readonly conn: number; readonly node: NodeId; readonly peer: string; readonly acks?: boolean }
  | { readonly op: "send"; readonly t: number; readonly conn: number; readonly bytes: LogBytes }
  | { readonly op: "close"; readonly t: number; readonly conn: number }
  /** A client (opened with `acks`) has read `bytes` more of what the node sent it. */
  | { readonly op: "ack"; readonly t: number; readonly conn: number; readonly bytes: number }
  | { readonly op: "load"; readonly t: number; readonly node: NodeId; readonly count: number }
  | { readonly op: "load-stop"; readonly t: number; readonly node: NodeId }
  | { readonly op: "outbound"; readonly t: number; readonly id: number; readonly event: OutboundLogEvent }
  /** Connections to addresses outside the lab go through a connector (`on`) or are refused. */
  | { readonly op: "outbound-connector"; readonly t: number; readonly on: boolean }
  | { readonly op: "run-until"; readonly t: number; readonly untilMs: number }
  | { readonly op: "steps"; readonly t: number; readonly count: number }
  | { readonly op: "until-idle"; readonly t: number; readonly maxMs: number };

/** What happened to a real outbound connection (a lab node replicating from a real server). */
export type OutboundLogEvent =
  | { readonly type: "refused-at-open"; readonly reason: string }
  | { readonly type: "opened" }
  | { readonly type: "refused"; readonly reason: string }
  | { readonly type: "data"; readonly bytes: LogBytes }
  | { readonly type: "closed" };

/** What a lab is made from, besides its log. */
export interface LabOrigin {
  /** As given (a number and its decimal string seed different runs). */
  readonly seed: number | string;
  /** Unix ms at virtual time 0, chosen once at creation. */
  readonly epochMs: number;
  readonly splitChunks: boolean;
  readonly maxEvents: number;
  readonly defaultLink: LinkSettings;
  /** The memory the lab's machine has for its nodes (absent: no limit), see `HostMemory`. */
  readonly memoryLimitBytes?: number;
}

export class InputLog {
  private readonly entries: LabInput[] = [];
  private payload = 0;
  /** Index of the last `outbound` entry (-1: none), so a replay need not look at every entry for them. */
  private lastOutbound = -1;
  private readonly listeners = new Set<(input: LabInput, index: number) => void>();
  /** A replay reading this log knows its last entry, a run of time, may still grow (`LogSource`). */
  readonly growing = true;

  /** Appends an input; a run of time right after another run merges into it. */
  append(input: LabInput): void {
    this.payload += payloadBytes(input);
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && this.listeners.size === 0) {
      if (input.op === "run-until" && (last.op === "run-until" || last.op === "steps")) {
        // Running to t after any earlier run processes exactly what the runs together would.
        this.entries[this.entries.length - 1] = { op: "run-until", t: last.t, untilMs: input.untilMs };
        return;
      }
      if (input.op === "steps" && last.op === "steps") {
        this.entries[this.entries.length - 1] = { op: "steps", t: last.t, count: last.count + input.count };
        return;
      }
    }
    this.entries.push(input);
    if (input.op === "outbound") this.lastOutbound = this.entries.length - 1;
  }

  /** Fills an empty log (a fork's, a branch's) with entries taken as they are. */
  load(entries: readonly LabInput[]): void {
    if (this.entries.length > 0) throw new Error("only an empty log can be loaded");
    // One push per entry: a spread of a long log would overflow the argument limit.
    this.lastOutbound = -1;
    for (const entry of entries) {
      this.entries.push(entry);
      if (entry.op === "outbound") this.lastOutbound = this.entries.length - 1;
    }
  }

  /** Tells listeners that `input` (the last appended) has been applied. */
  announce(input: LabInput): void {
    for (const listener of this.listeners) listener(input, this.entries.length - 1);
  }

  get length(): number {
    return this.entries.length;
  }

  /** Bytes the log holds: what clients, outside servers and files brought in, plus each entry. */
  get memoryBytes(): number {
    return this.payload + this.entries.length * ENTRY_BYTES;
  }

  at(index: number): LabInput | undefined {
    return this.entries[index];
  }

  /** Index of the last entry that is what an outside server did (`outbound`), or -1. */
  get lastOutboundIndex(): number {
    return this.lastOutbound;
  }

  /** The inputs so far (a copy: the log itself only grows). */
  toArray(): LabInput[] {
    return this.entries.slice();
  }

  /**
   * Calls `listener` after each input is appended and applied. While anyone listens, runs are not merged,
   * so a listener sees every input (tests compare a replay step by step).
   */
  subscribe(listener: (input: LabInput, index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What one entry costs besides the bytes it carries (the object and its fields). */
const ENTRY_BYTES = 64;

function payloadBytes(input: LabInput): number {
  switch (input.op) {
    case "send":
    case "write-file":
      return input.bytes.length;
    case "command":
      return input.argv.reduce((sum, arg) => sum + arg.length, 0);
    case "outbound":
      return input.event.type === "data" ? input.event.bytes.length : 0;
    default:
      return 0;
  }
}
