/**
 * One lab's story under every protocol: its log (topology, writes, faults) replayed with every
 * node of another kind, and what each protocol cost, read from the conversation of its links:
 * full syncs (an RDB, or SSDB's copy), partial syncs (+CONTINUE, or a sync140 resumed from the
 * binlog), the bytes each resync sent, how long replicas were out of sync, the writes they missed
 * meanwhile, the keys a full resync made them drop, and each node's keys at the end. Each lane
 * has a timeline (compare-timeline.ts) with the cost so far at every moment, so a cursor can read
 * any moment of the story, and the moments where the lanes parted ways are called out.
 *
 * Operations a kind cannot express are translated, skipped or marked, each with its moment:
 * REPLICAOF is SLAVEOF before 5.0 (2.6, 2.8, 4.0) and `slaveof "" host port` on SSDB; WAIT (3.0)
 * goes to 2.6 and 2.8 as it is, and they answer it as unknown, as the real ones do; SSDB has no
 * REPLICAOF NO ONE and does not read redis.conf, so those steps are skipped there and the rest of
 * the story goes on. A story that talked to servers outside the lab cannot be told again without
 * them: that lane is refused with the reason.
 */
import { nodeKind, type NodeVersion } from "../kinds.ts";
import type { LabInput, LabOrigin } from "../lab/input-log.ts";
import type { Lab } from "../lab/lab.ts";
import { ReplayCursor } from "../lab/replay-cursor.ts";
import type { LabEvent } from "../lab/types.ts";
import { bytesToBinary, binaryToBytes, utf8 } from "../util/bytes.ts";
import { costsAt, laneTimeline, connSyncsOf, type CompareCosts, type CompareMoment, type CompareSync, type KeySample } from "./compare-timeline.ts";
import { ConversationRecorder, labPeers } from "./conversation.ts";
import type { WireMessage } from "./wire-message.ts";

export type { CompareCosts, CompareLaneEvent, CompareMoment, CompareNodeState, CompareSync } from "./compare-timeline.ts";
export { costsAt } from "./compare-timeline.ts";

/** The kinds a story is told under, oldest first. */
export const COMPARE_VERSIONS: readonly NodeVersion[] = ["2.6", "2.8", "4.0", "7.0", "ssdb"];

/** What one protocol's telling of the story cost, by its end. */
export interface CompareFigures extends Omit<CompareCosts, "replicasOutOfSync"> {
  /** When the last resync finished (null: none). */
  readonly convergedAtMs: number | null;
  /** Keys each node holds at the end (null: down). */
  readonly keys: Readonly<Record<string, number | null>>;
  /** The most keys any node holds, minus the fewest a live node holds: what a replica lacks. */
  readonly keysBehind: number;
}

/** A step of the story this kind tells differently, at its moment (virtual ms). */
export type CompareMark =
  /** A command said in this kind's words: REPLICAOF → SLAVEOF, REPLICAOF → slaveof. */
  | { readonly kind: "translated"; readonly atMs: number; readonly from: string; readonly to: string }
  /** A step this kind cannot take at all, left out of its telling. */
  | { readonly kind: "skipped"; readonly atMs: number; readonly what: string; readonly reason: "ssdb-no-one" | "ssdb-config-file" }
  /** A command this kind does not know (it answers an error, as the real server does). */
  | { readonly kind: "unknown"; readonly atMs: number; readonly command: string; readonly since: string | null }
  /** A node setting this kind does not have, left out when the node is added. */
  | { readonly kind: "setting"; readonly atMs: number; readonly name: string };

export type CompareLane =
  | {
      readonly version: NodeVersion;
      readonly ok: true;
      readonly figures: CompareFigures;
      readonly syncs: readonly CompareSync[];
      /** The marks in words, once each (for tools that only print them). */
      readonly notes: readonly string[];
      readonly marks: readonly CompareMark[];
      /** The lane's timeline, oldest first, with the cost so far after each moment. */
      readonly moments: readonly CompareMoment[];
      readonly timeMs: number;
    }
  | { readonly version: NodeVersion; readonly ok: false; readonly reason: string };

/** The lanes a story was told in. */
export type ToldLane = Extract<CompareLane, { ok: true }>;

type Translation = { readonly ok: true; readonly inputs: LabInput[]; readonly notes: string[]; readonly marks: CompareMark[] } | { readonly ok: false; readonly reason: string };

const PRE_REPLICAOF = new Set<NodeVersion>(["2.6", "2.8", "4.0"]);
/** Commands a kind does not know, with the release that brought them. */
const UNKNOWN_COMMANDS: Readonly<Record<string, { readonly since: string | null; readonly versions: readonly NodeVersion[] }>> = {
  WAIT: { since: "3.0", versions: ["2.6", "2.8"] },
  // ssdb-server has no CLIENT command: a link killed with CLIENT KILL stays up there.
  CLIENT: { since: null, versions: ["ssdb"] },
};

/** A mark in words (the notes tools print). */
export function markText(mark: CompareMark): string {
  switch (mark.kind) {
    case "translated":
      return `${mark.from} → ${mark.to}`;
    case "skipped":
      return mark.reason === "ssdb-no-one" ? `${mark.what} skipped: ssdb-server cannot stop following a master at run time` : `${mark.what} skipped: ssdb-server does not read redis.conf`;
    case "unknown":
      return mark.since === null ? `${mark.command} is unknown to ssdb-server (answered with an error)` : `${mark.command} is unknown before ${mark.since} (answered with an error)`;
    case "setting":
      return `setting ${mark.name} left out`;
  }
}

/** The story's log told with nodes of `version` (see the file comment). */
export function translateLog(inputs: readonly LabInput[], version: NodeVersion): Translation {
  const out: LabInput[] = [];
  const marks: CompareMark[] = [];
  for (const input of inputs) {
    switch (input.op) {
      case "add-node": {
        const config = keptConfig(input.config, version, input.t, marks);
        out.push({ ...input, version, config });
        break;
      }
      case "restart":
        out.push(input.version === undefined ? input : { ...input, version });
        break;
      case "config-file":
        if (version === "ssdb") marks.push({ kind: "skipped", atMs: input.t, what: "redis.conf", reason: "ssdb-config-file" });
        else out.push(input);
        break;
      case "command": {
        const argv = translateArgv(
          input.argv.map((a) => bytesToBinary(a)),
          version,
          input.t,
          marks,
        );
        if (argv !== null) out.push({ ...input, argv: argv.map((a) => binaryToBytes(a)) });
        break;
      }
      case "send": {
        const bytes = translateRequest(input.bytes, version, input.t, marks);
        if (bytes !== null) out.push({ ...input, bytes });
        break;
      }
      case "outbound":
        return { ok: false, reason: "a node replicated from a server outside the lab" };
      default:
        out.push(input);
    }
  }
  const notes = [...new Set(marks.map(markText))];
  return { ok: true, inputs: out, notes, marks: dedupeMarks(marks) };
}

/** Marks once per kind of step and moment (a setting left out of every node is one mark). */
function dedupeMarks(marks: readonly CompareMark[]): CompareMark[] {
  const seen = new Set<string>();
  return marks.filter((m) => {
    const key = m.kind === "setting" ? `setting ${m.name}` : `${m.atMs} ${markText(m)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Settings `version` knows; the others are left out, with a mark. */
function keptConfig(config: Readonly<Record<string, string>>, version: NodeVersion, atMs: number, marks: CompareMark[]): Record<string, string> {
  const kind = nodeKind(version);
  if (!("error" in kind.initialConfig(config))) return { ...config };
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    if ("error" in kind.initialConfig({ ...kept, [name]: value })) marks.push({ kind: "setting", atMs, name });
    else kept[name] = value;
  }
  return kept;
}

/** A command's argv (byte strings) for `version`, or null when it is skipped there. */
function translateArgv(argv: readonly string[], version: NodeVersion, atMs: number, marks: CompareMark[]): string[] | null {
  const name = (argv[0] ?? "").toUpperCase();
  const unknown = UNKNOWN_COMMANDS[name];
  if (unknown !== undefined && unknown.versions.includes(version)) marks.push({ kind: "unknown", atMs, command: name, since: unknown.since });
  if (name !== "REPLICAOF" && name !== "SLAVEOF") return [...argv];
  const noOne = (argv[1] ?? "").toUpperCase() === "NO" && (argv[2] ?? "").toUpperCase() === "ONE";
  if (version === "ssdb") {
    if (noOne) {
      marks.push({ kind: "skipped", atMs, what: `${name} NO ONE`, reason: "ssdb-no-one" });
      return null;
    }
    marks.push({ kind: "translated", atMs, from: name, to: "slaveof" });
    return ["slaveof", "", argv[1] ?? "", argv[2] ?? ""];
  }
  if (name === "REPLICAOF" && PRE_REPLICAOF.has(version)) {
    marks.push({ kind: "translated", atMs, from: "REPLICAOF", to: "SLAVEOF" });
    return ["SLAVEOF", ...argv.slice(1)];
  }
  return [...argv];
}

/** A console's request bytes: one RESP command naming REPLICAOF or WAIT is translated or marked; anything else goes as is. */
function translateRequest(bytes: Uint8Array, version: NodeVersion, atMs: number, marks: CompareMark[]): Uint8Array | null {
  const text = bytesToBinary(bytes);
  const argv = parseSingleCommand(text);
  if (argv === null) return bytes;
  const translated = translateArgv(argv, version, atMs, marks);
  if (translated === null) return null;
  if (translated.every((a, i) => a === argv[i]) && translated.length === argv.length) return bytes;
  return utf8(`*${translated.length}\r\n${translated.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`);
}

/** The argv of `text` when it is exactly one RESP multibulk or inline command naming REPLICAOF, SLAVEOF or WAIT. */
function parseSingleCommand(text: string): string[] | null {
  if (!/^(\*[0-9]+\r\n\$[0-9]+\r\n)?(replicaof|slaveof|wait)\b/i.test(text)) return null;
  if (!text.startsWith("*")) return text.trim().split(/\s+/);
  const lines = text.split("\r\n");
  const count = Number(lines[0]!.slice(1));
  const argv: string[] = [];
  for (let i = 0; i < count; i++) argv.push(lines[2 + i * 2] ?? "");
  const encoded = `*${count}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  return encoded === text ? argv : null;
}

/** The resyncs a conversation holds (full: an RDB or a copy; partial: +CONTINUE with its backlog, a sync140 resumed from the binlog). */
export function syncsOf(messages: readonly WireMessage[]): Omit<CompareSync, "keys" | "writesMissed" | "keysDropped">[] {
  return connSyncsOf(messages).map(({ conn: _conn, ...sync }) => sync);
}

/** The figures of a telling that ended on `lab` at `timeMs`. */
function figuresOf(lab: Lab, syncs: readonly CompareSync[], moments: readonly CompareMoment[], timeMs: number): CompareFigures {
  const keys: Record<string, number | null> = {};
  for (const id of lab.nodeIds()) keys[id] = lab.isUp(id) ? lab.nodeSnapshot(id).keys : null;
  const live = Object.values(keys).filter((k): k is number => k !== null);
  const { replicasOutOfSync: _now, ...costs } = costsAt(moments, timeMs);
  const done = syncs.filter((s) => s.doneMs <= timeMs);
  return {
    ...costs,
    convergedAtMs: done.length === 0 ? null : Math.max(...done.map((s) => s.doneMs)),
    keys,
    keysBehind: live.length === 0 ? 0 : Math.max(...live) - Math.min(...live),
  };
}

/** Messages one telling keeps at most (the oldest go first). */
const MAX_MESSAGES = 20_000;

/** The story told under `version` up to `timeMs`: its lane. */
function tellUnder(origin: LabOrigin, inputs: readonly LabInput[], timeMs: number, version: NodeVersion): CompareLane {
  const translated = translateLog(inputs, version);
  if (!translated.ok) return { version, ok: false, reason: translated.reason };
  try {
    const told = translated.inputs;
    // When each input was applied in this telling: a run until idle lasts as long as this kind
    // takes to settle, so what follows it may come later than its stamp. The cursor reads an input
    // last just before applying it.
    const applied: number[] = [];
    let clock: Lab | null = null;
    const cursor = ReplayCursor.start(origin, {
      length: told.length,
      at: (i) => {
        if (clock !== null && i < told.length) applied[i] = clock.nowMs;
        return told[i];
      },
    });
    const lab = cursor.lab;
    clock = lab;
    const recorder = new ConversationRecorder(labPeers(lab), MAX_MESSAGES);
    lab.tapWire(recorder);
    const stopLinks = recorder.observe(lab);
    const events: LabEvent[] = [];
    const samples: KeySample[] = [];
    const stopEvents = lab.subscribe((event) => {
      events.push(event);
      // What a replica holds while it (re)connects: a full resync that follows may drop some of it.
      if (event.nodeId !== null && event.detail.kind === "link" && lab.isUp(event.nodeId)) samples.push({ node: event.nodeId, atMs: event.timeMs, keys: lab.nodeSnapshot(event.nodeId).keys });
    });
    cursor.seek(timeMs);
    stopEvents();
    stopLinks();
    lab.tapWire(null);
    const messages = recorder.messages().filter((m) => m.sentMs <= timeMs);
    const reached = cursor.timeMs;
    const asApplied = told.map((input, i) => ({ ...input, t: Math.max(input.t, applied[i] ?? input.t) }));
    const { syncs, moments } = laneTimeline(messages, events, asApplied, samples, reached);
    return { version, ok: true, figures: figuresOf(lab, syncs, moments, reached), syncs, notes: translated.notes, marks: translated.marks, moments, timeMs: reached };
  } catch (error) {
    // A step the kind refuses (a command it lacks that the lab itself runs) ends the telling.
    return { version, ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** The story of a lab (its origin and log) told under each of `versions`, up to `timeMs`. */
export function compareProtocols(origin: LabOrigin, inputs: readonly LabInput[], timeMs: number, versions: readonly NodeVersion[] = COMPARE_VERSIONS): CompareLane[] {
  return versions.map((version) => tellUnder(origin, inputs, timeMs, version));
}
