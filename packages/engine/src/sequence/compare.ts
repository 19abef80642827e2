/**
 * One lab's story under every protocol: its log (topology, writes, faults) replayed with every
 * node of another kind, and what each protocol cost, read from the conversation of its links:
 * full syncs (an RDB, or SSDB's copy), partial syncs (+CONTINUE, or a sync140 resumed from the
 * binlog), the bytes each resync sent, when the last one was done, and each node's keys at the end.
 *
 * Operations a kind cannot express are translated or the lane is refused with the reason:
 * REPLICAOF is SLAVEOF before 5.0 (2.6, 2.8, 4.0) and `slaveof "" host port` on SSDB; SSDB has no
 * REPLICAOF NO ONE and does not read redis.conf; a story that talked to servers outside the lab
 * cannot be told again without them.
 */
import { nodeKind, type NodeVersion } from "../kinds.ts";
import type { LabInput, LabOrigin } from "../lab/input-log.ts";
import type { Lab } from "../lab/lab.ts";
import { bytesToBinary, binaryToBytes, utf8 } from "../util/bytes.ts";
import { replayWithConversation } from "./conversation.ts";
import type { WireMessage } from "./wire-message.ts";

/** The kinds a story is told under, oldest first. */
export const COMPARE_VERSIONS: readonly NodeVersion[] = ["2.6", "2.8", "4.0", "7.0", "ssdb"];

/** One resync: a replica catching up with its master. */
export interface CompareSync {
  readonly kind: "full" | "partial";
  /** Node ids (or outside addresses). */
  readonly replica: string;
  readonly master: string;
  /** When the master answered (RDB or copy started, +CONTINUE sent) and when the last byte of the catch-up arrived. */
  readonly atMs: number;
  readonly doneMs: number;
  /** Bytes the resync sent: the RDB or the copy, or the backlog a +CONTINUE replayed. */
  readonly bytes: number;
}

/** What one protocol's telling of the story cost. */
export interface CompareFigures {
  readonly fullSyncs: number;
  readonly partialSyncs: number;
  /** Bytes sent for resyncs (full and partial). */
  readonly resyncBytes: number;
  /** When the last resync finished (null: none). */
  readonly convergedAtMs: number | null;
  /** Keys each node holds at the end (null: down). */
  readonly keys: Readonly<Record<string, number | null>>;
  /** The most keys any node holds, minus the fewest a live node holds: what a replica lacks. */
  readonly keysBehind: number;
}

export type CompareLane =
  | {
      readonly version: NodeVersion;
      readonly ok: true;
      readonly figures: CompareFigures;
      readonly syncs: readonly CompareSync[];
      /** Operations translated for this kind, in words. */
      readonly notes: readonly string[];
      readonly timeMs: number;
    }
  | { readonly version: NodeVersion; readonly ok: false; readonly reason: string };

type Translation = { readonly ok: true; readonly inputs: LabInput[]; readonly notes: string[] } | { readonly ok: false; readonly reason: string };

const PRE_REPLICAOF = new Set<NodeVersion>(["2.6", "2.8", "4.0"]);

/** The story's log told with nodes of `version` (see the file comment). */
export function translateLog(inputs: readonly LabInput[], version: NodeVersion): Translation {
  const out: LabInput[] = [];
  const notes = new Set<string>();
  for (const input of inputs) {
    switch (input.op) {
      case "add-node": {
        const config = keptConfig(input.config, version, notes);
        out.push({ ...input, version, config });
        break;
      }
      case "restart":
        out.push(input.version === undefined ? input : { ...input, version });
        break;
      case "config-file":
        if (version === "ssdb") return { ok: false, reason: "the story edits redis.conf, which ssdb-server does not read" };
        out.push(input);
        break;
      case "command": {
        const argv = translateArgv(input.argv.map((a) => bytesToBinary(a)), version, notes);
        if (typeof argv === "string") return { ok: false, reason: argv };
        out.push({ ...input, argv: argv.map((a) => binaryToBytes(a)) });
        break;
      }
      case "send": {
        const bytes = translateRequest(input.bytes, version, notes);
        if (typeof bytes === "string") return { ok: false, reason: bytes };
        out.push({ ...input, bytes });
        break;
      }
      case "outbound":
        return { ok: false, reason: "a node replicated from a server outside the lab" };
      default:
        out.push(input);
    }
  }
  return { ok: true, inputs: out, notes: [...notes] };
}

/** Settings `version` knows; the others are left out, with a note. */
function keptConfig(config: Readonly<Record<string, string>>, version: NodeVersion, notes: Set<string>): Record<string, string> {
  const kind = nodeKind(version);
  if (!("error" in kind.initialConfig(config))) return { ...config };
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    if ("error" in kind.initialConfig({ ...kept, [name]: value })) notes.add(`setting ${name} left out`);
    else kept[name] = value;
  }
  return kept;
}

/** A command's argv (byte strings) for `version`, or why it cannot be said. */
function translateArgv(argv: readonly string[], version: NodeVersion, notes: Set<string>): string[] | string {
  const name = (argv[0] ?? "").toUpperCase();
  if (name !== "REPLICAOF" && name !== "SLAVEOF") return [...argv];
  const noOne = (argv[1] ?? "").toUpperCase() === "NO" && (argv[2] ?? "").toUpperCase() === "ONE";
  if (version === "ssdb") {
    if (noOne) return "ssdb-server cannot stop following a master at run time (REPLICAOF NO ONE)";
    notes.add(`${name} → slaveof`);
    return ["slaveof", "", argv[1] ?? "", argv[2] ?? ""];
  }
  if (name === "REPLICAOF" && PRE_REPLICAOF.has(version)) {
    notes.add("REPLICAOF → SLAVEOF");
    return ["SLAVEOF", ...argv.slice(1)];
  }
  return [...argv];
}

/** A console's request bytes: one RESP command naming REPLICAOF is translated; anything else goes as is. */
function translateRequest(bytes: Uint8Array, version: NodeVersion, notes: Set<string>): Uint8Array | string {
  const text = bytesToBinary(bytes);
  const argv = parseSingleCommand(text);
  if (argv === null) return bytes;
  const translated = translateArgv(argv, version, notes);
  if (typeof translated === "string") return translated;
  if (translated.every((a, i) => a === argv[i]) && translated.length === argv.length) return bytes;
  return utf8(`*${translated.length}\r\n${translated.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`);
}

/** The argv of `text` when it is exactly one RESP multibulk or inline command naming REPLICAOF or SLAVEOF. */
function parseSingleCommand(text: string): string[] | null {
  if (!/^(\*[0-9]+\r\n\$[0-9]+\r\n)?(replicaof|slaveof)\b/i.test(text)) return null;
  if (!text.startsWith("*")) return text.trim().split(/\s+/);
  const lines = text.split("\r\n");
  const count = Number(lines[0]!.slice(1));
  const argv: string[] = [];
  for (let i = 0; i < count; i++) argv.push(lines[2 + i * 2] ?? "");
  const encoded = `*${count}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  return encoded === text ? argv : null;
}

/** The resyncs a conversation holds (see the file comment). */
export function syncsOf(messages: readonly WireMessage[]): CompareSync[] {
  const syncs: CompareSync[] = [];
  const byConn = new Map<number, WireMessage[]>();
  for (const m of messages) {
    const list = byConn.get(m.conn);
    if (list) list.push(m);
    else byConn.set(m.conn, [m]);
  }
  for (const list of byConn.values()) {
    let sync140: WireMessage | null = null;
    let copied = false;
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      if (m.kind === "rdb") {
        syncs.push({ kind: "full", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: m.receivedMs, bytes: m.bytes });
      } else if (m.kind === "reply" && m.text.startsWith("+CONTINUE")) {
        // The backlog replayed follows the +CONTINUE at once, before the replica could have answered it.
        const next = list[i + 1];
        const backlog = next !== undefined && next.from === m.from && (next.kind === "stream" || next.kind === "ping") && next.sentMs <= m.receivedMs ? next : null;
        syncs.push({ kind: "partial", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: backlog?.receivedMs ?? m.receivedMs, bytes: backlog?.bytes ?? 0 });
      } else if (m.kind === "command" && m.text.startsWith("sync140")) {
        sync140 = m;
      } else if (m.kind === "copy" && m.text.startsWith("copy_begin")) {
        copied = true;
        const copy = list.slice(i).filter((n) => n.kind === "copy");
        const last = copy[copy.length - 1]!;
        syncs.push({ kind: "full", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: last.receivedMs, bytes: copy.reduce((sum, n) => sum + n.bytes, 0) });
      } else if (m.kind === "binlog" && sync140 !== null && !copied) {
        // A sync140 answered from the binlog, without a copy: SSDB's partial resync.
        syncs.push({ kind: "partial", replica: m.to, master: m.from, atMs: m.sentMs, doneMs: m.receivedMs, bytes: m.bytes });
        sync140 = null;
      }
    }
  }
  return syncs.sort((a, b) => a.atMs - b.atMs);
}

/** The figures of a telling that ended on `lab`. */
function figuresOf(lab: Lab, syncs: readonly CompareSync[]): CompareFigures {
  const keys: Record<string, number | null> = {};
  for (const id of lab.nodeIds()) keys[id] = lab.isUp(id) ? lab.nodeSnapshot(id).keys : null;
  const live = Object.values(keys).filter((k): k is number => k !== null);
  return {
    fullSyncs: syncs.filter((s) => s.kind === "full").length,
    partialSyncs: syncs.filter((s) => s.kind === "partial").length,
    resyncBytes: syncs.reduce((sum, s) => sum + s.bytes, 0),
    convergedAtMs: syncs.length === 0 ? null : Math.max(...syncs.map((s) => s.doneMs)),
    keys,
    keysBehind: live.length === 0 ? 0 : Math.max(...live) - Math.min(...live),
  };
}

/** The story of a lab (its origin and log) told under each of `versions`, up to `timeMs`. */
export function compareProtocols(origin: LabOrigin, inputs: readonly LabInput[], timeMs: number, versions: readonly NodeVersion[] = COMPARE_VERSIONS): CompareLane[] {
  return versions.map((version): CompareLane => {
    const translated = translateLog(inputs, version);
    if (!translated.ok) return { version, ok: false, reason: translated.reason };
    try {
      const run = replayWithConversation(origin, translated.inputs, timeMs);
      const syncs = syncsOf(run.messages);
      return { version, ok: true, figures: figuresOf(run.lab, syncs), syncs, notes: translated.notes, timeMs: run.timeMs };
    } catch (error) {
      // A step the kind refuses (a command it lacks that the lab itself runs) ends the telling.
      return { version, ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  });
}
