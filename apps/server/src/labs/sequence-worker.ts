/**
 * The sequence diagram's worker thread (issue 12): the tapped replays that `GET …/sequence` and
 * `GET …/sequence/:seq` read run here, away from the thread that runs the labs, so a diagram of an
 * earlier moment of a long lab (a replay from the log's beginning: seconds) stalls no lab's RESP
 * replies or WebSocket updates.
 *
 * It keeps a copy of each lab's log it was sent (`sequence-worker-pool.ts` sends only what it
 * lacks) and one tapped replay per lab that only goes forward: a diagram following the live edge
 * costs the inputs since its last answer; an earlier moment than the replay stands at starts a new
 * one from the log's beginning (the past does not change; a checkpoint cannot be reused, since a
 * tap must see every byte from the start). A replay nobody asked for in 5 minutes is dropped.
 */
import { randomBytes } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { setKeyHashSecret, ConversationRecorder, ReplayCursor, labPeers, type LabInput, type LabOrigin, type WireMessage } from "@replica-lab/engine";
import type { SequenceLane } from "@replica-lab/protocol";
import { KEPT_MESSAGES, type LogPart, type SequenceWorkerReply, type SequenceWorkerRequest } from "./sequence-worker-pool.ts";

// The replays here hold keys that clients chose: their dicts hash with a secret of this thread's own (see main.ts).
setKeyHashSecret(randomBytes(8));

/** A replay nobody asked for in this long (wall ms) is dropped: it holds a whole copy of its lab. */
const IDLE_REPLAY_MS = 5 * 60_000;

/** A lab's log as the worker holds it; the last entry may be replaced (a run of time merged into it). */
class HeldLog {
  readonly entries: LabInput[] = [];
  lastOutboundIndex = -1;
  /** Kept up with a live lab's log: the last entry may be replaced by a longer run (`LogSource`). */
  readonly growing = true;

  constructor(readonly origin: LabOrigin) {}

  get length(): number {
    return this.entries.length;
  }

  at(index: number): LabInput | undefined {
    return this.entries[index];
  }

  /** Entries from `from` on become `inputs`. */
  replaceFrom(from: number, inputs: readonly LabInput[]): void {
    if (this.entries.length < from) throw new Error(`the worker holds ${this.entries.length} entries, not ${from}`);
    this.entries.length = from;
    if (this.lastOutboundIndex >= from) {
      this.lastOutboundIndex = -1;
      for (let i = from - 1; i >= 0 && this.lastOutboundIndex < 0; i--) if (this.entries[i]!.op === "outbound") this.lastOutboundIndex = i;
    }
    for (const input of inputs) {
      this.entries.push(input);
      if (input.op === "outbound") this.lastOutboundIndex = this.entries.length - 1;
    }
  }
}

interface Held {
  readonly log: HeldLog;
  replay: { readonly cursor: ReplayCursor; readonly recorder: ConversationRecorder } | null;
  usedAt: number;
}

const labs = new Map<string, Held>();

/** The lab's log as the pool says it stands: entries from `from` on are replaced by those sent. */
function updated(part: LogPart): Held {
  let held = labs.get(part.labId);
  if (part.from === 0 || held === undefined) {
    if (part.from !== 0) throw new Error(`the worker holds no log for lab ${part.labId} to extend from entry ${part.from}`);
    held = { log: new HeldLog(part.origin), replay: null, usedAt: performance.now() };
    labs.set(part.labId, held);
  }
  held.log.replaceFrom(part.from, part.inputs);
  return held;
}

/** The lab's tapped replay standing at `atMs`: the one held if it has not passed it, else a new one. */
function replayAt(held: Held, atMs: number): NonNullable<Held["replay"]> {
  const now = performance.now();
  for (const other of labs.values()) if (now - other.usedAt > IDLE_REPLAY_MS) other.replay = null;
  held.usedAt = now;
  let replay = held.replay;
  if (replay === null || replay.cursor.timeMs > atMs) {
    const cursor = ReplayCursor.start(held.log.origin, held.log);
    const recorder = new ConversationRecorder(labPeers(cursor.lab), KEPT_MESSAGES);
    cursor.lab.tapWire(recorder);
    // Never stopped: the replay (and its subscription) goes with the entry.
    recorder.observe(cursor.lab);
    replay = { cursor, recorder };
    held.replay = replay;
  }
  replay.cursor.seek(atMs);
  return replay;
}

/** The replay's nodes as diagram lanes. */
function nodeLanes(replay: NonNullable<Held["replay"]>): SequenceLane[] {
  const lab = replay.cursor.lab;
  return lab.nodeIds().map((id) => {
    const node = lab.nodeSnapshot(id);
    return { id, name: node.name, version: node.version };
  });
}

function handle(request: SequenceWorkerRequest): SequenceWorkerReply | null {
  switch (request.op) {
    case "forget":
      labs.delete(request.labId);
      return null;
    case "append":
      updated(request.part);
      return null;
    case "sequence": {
      const replay = replayAt(updated(request.part), request.atMs);
      const { fromMs, atMs, limit } = request;
      const window = replay.recorder.messages().filter((m) => m.sentMs >= fromMs && m.sentMs <= atMs);
      window.sort((a, b) => a.sentMs - b.sentMs || a.seq - b.seq);
      const newest = window.length > limit ? window.slice(window.length - limit) : window;
      // Without bytes, a batch's words are left out too: the detail (`message`) has both.
      const messages: WireMessage[] = request.raw ? newest : newest.map(({ items: _items, ...m }) => ({ ...m, raw: "" }));
      return { id: request.id, ok: true, answer: { lanes: nodeLanes(replay), messages, omitted: window.length - messages.length + replay.recorder.dropped } };
    }
    case "message": {
      const replay = replayAt(updated(request.part), request.atMs);
      const found = replay.recorder.messages().find((m) => m.seq === request.seq && m.sentMs <= request.atMs);
      return { id: request.id, ok: true, answer: found ?? null };
    }
  }
}

parentPort!.on("message", (request: SequenceWorkerRequest) => {
  let reply: SequenceWorkerReply | null;
  try {
    reply = handle(request);
  } catch (error) {
    // A log the worker cannot follow is forgotten: the request that needs it fails, and the pool
    // sends it whole next time.
    if (request.op !== "forget") labs.delete(request.part.labId);
    reply = request.op === "sequence" || request.op === "message" ? { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } : null;
  }
  if (reply !== null) parentPort!.postMessage(reply);
});
