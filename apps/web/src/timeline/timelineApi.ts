/**
 * The time-travel side of the REST API: the lab's timeline, the lab at a past moment, offsets over
 * the whole history, branches, and lab files (export and import). Answers are checked at the
 * border: a malformed answer becomes a `bad-response` failure, never a half-read object in the
 * store.
 */
import type { LabEvent, LabSummary, LabView } from "@replica-lab/protocol";
import { LabRequestError, apiErrorOf } from "../api/errors.ts";
import { sendRest } from "../api/rest.ts";

/** One entry of the timeline: enough of an event to draw and step through it. */
export interface TimelineEvent {
  readonly seq: number;
  readonly timeMs: number;
  readonly kind: LabEvent["kind"];
  readonly nodeId: string | null;
  readonly source: LabEvent["source"];
}

/** Where a lab's replay can start without going back to the beginning. */
export interface TimelineCheckpoint {
  readonly timeMs: number;
  readonly inputIndex: number;
}

/** The lab this one was branched from, and at which moment. */
export interface LabParent {
  readonly labId: string;
  readonly atMs: number;
}

/** `GET /api/labs/:lab/timeline`. */
export interface TimelineData {
  /** The lab's virtual time when the server answered (the live edge). */
  readonly nowMs: number;
  readonly inputCount: number;
  /** Oldest first. */
  readonly events: readonly TimelineEvent[];
  readonly checkpoints: readonly TimelineCheckpoint[];
  readonly parent: LabParent | null;
}

/** `GET /api/labs/:lab/at/:ms`: the lab as it was at `timeMs`. */
export interface MomentData {
  readonly timeMs: number;
  readonly snapshot: LabView;
  /** The events up to that moment, oldest first. */
  readonly events: readonly LabEvent[];
  /** `INFO replication` of each node at that moment, when the server sends it. */
  readonly info: Readonly<Record<string, string>> | null;
}

/** `GET /api/labs/:lab/series`: master_repl_offset of every node at evenly spread moments. */
export interface SeriesData {
  readonly timeMs: readonly number[];
  readonly nodes: Readonly<Record<string, readonly (number | null)[]>>;
}

const enc = encodeURIComponent;

function bad(what: string, why: string): LabRequestError {
  return new LabRequestError("bad-response", `the server's ${what} could not be read: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

function readParent(value: unknown): LabParent | null {
  if (!isRecord(value) || typeof value.labId !== "string" || !isTime(value.atMs)) return null;
  return { labId: value.labId, atMs: value.atMs };
}

/** Checks a timeline answer; events come back sorted by time, then sequence. */
export function parseTimeline(body: unknown): TimelineData {
  if (!isRecord(body)) throw bad("timeline", "not an object");
  if (!isTime(body.nowMs)) throw bad("timeline", "nowMs is missing");
  if (!Array.isArray(body.events)) throw bad("timeline", "events is not a list");
  const events: TimelineEvent[] = [];
  for (const raw of body.events) {
    if (!isRecord(raw) || typeof raw.seq !== "number" || !isTime(raw.timeMs) || typeof raw.kind !== "string") continue;
    events.push({
      seq: raw.seq,
      timeMs: raw.timeMs,
      kind: raw.kind as LabEvent["kind"],
      nodeId: typeof raw.nodeId === "string" ? raw.nodeId : null,
      source: raw.source === "lab" ? "lab" : "node",
    });
  }
  events.sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
  const checkpoints: TimelineCheckpoint[] = [];
  for (const raw of Array.isArray(body.checkpoints) ? body.checkpoints : []) {
    if (isRecord(raw) && isTime(raw.timeMs) && typeof raw.inputIndex === "number") checkpoints.push({ timeMs: raw.timeMs, inputIndex: raw.inputIndex });
  }
  return {
    nowMs: body.nowMs,
    inputCount: typeof body.inputCount === "number" ? body.inputCount : 0,
    events,
    checkpoints,
    parent: readParent(body.parent),
  };
}

/** Checks a moment answer: a lab snapshot with its node and edge lists, and the events so far. */
export function parseMoment(body: unknown): MomentData {
  if (!isRecord(body)) throw bad("moment", "not an object");
  const snapshot = body.snapshot;
  if (!isRecord(snapshot) || typeof snapshot.id !== "string" || !Array.isArray(snapshot.nodes) || !Array.isArray(snapshot.edges) || !isRecord(snapshot.clock)) {
    throw bad("moment", "the snapshot is not a lab");
  }
  const lab = snapshot as unknown as LabView;
  const info: Record<string, string> = {};
  if (isRecord(body.info)) for (const [id, text] of Object.entries(body.info)) if (typeof text === "string") info[id] = text;
  return {
    timeMs: isTime(body.timeMs) ? body.timeMs : lab.clock.timeMs,
    // Older servers may leave out the list fields a snapshot gained later.
    snapshot: { ...lab, links: lab.links ?? [], writeLoads: lab.writeLoads ?? [] },
    events: Array.isArray(body.events) ? (body.events as LabEvent[]) : [],
    info: isRecord(body.info) ? info : null,
  };
}

/** Checks a series answer: one time column and one column per node, all the same length. */
export function parseSeries(body: unknown): SeriesData {
  if (!isRecord(body) || !Array.isArray(body.timeMs) || !isRecord(body.nodes)) throw bad("series", "timeMs or nodes is missing");
  const timeMs = body.timeMs.filter(isTime);
  if (timeMs.length !== body.timeMs.length) throw bad("series", "a time is not a number");
  const nodes: Record<string, (number | null)[]> = {};
  for (const [id, column] of Object.entries(body.nodes)) {
    if (!Array.isArray(column) || column.length !== timeMs.length) throw bad("series", `node ${id}'s column has the wrong length`);
    nodes[id] = column.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  }
  return { timeMs, nodes };
}

export async function fetchTimeline(labId: string, fetchImpl?: typeof fetch): Promise<TimelineData> {
  return parseTimeline(await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/timeline` }, fetchImpl));
}

/**
 * `GET /api/labs/:lab/at/:ms`. Moments are sent exactly as they are: virtual time runs in fractions
 * of a millisecond (latency and bandwidth), and a moment rounded off an event's time would fall
 * just before or after it.
 */
export async function fetchMoment(labId: string, atMs: number, fetchImpl?: typeof fetch): Promise<MomentData> {
  return parseMoment(await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/at/${atMs}` }, fetchImpl));
}

export async function fetchSeries(labId: string, points: number, fetchImpl?: typeof fetch): Promise<SeriesData> {
  return parseSeries(await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/series?points=${points}` }, fetchImpl));
}

/** `POST /api/labs/:lab/branch`: a new lab whose log is this one's up to `atMs`. */
export async function branchLab(labId: string, atMs: number, fetchImpl?: typeof fetch): Promise<LabView> {
  const body = await sendRest({ method: "POST", path: `/api/labs/${enc(labId)}/branch`, body: { atMs } }, fetchImpl);
  if (!isRecord(body) || typeof body.id !== "string") throw bad("branch", "no lab id");
  return body as unknown as LabView;
}

/** `GET /api/labs`: the labs the server holds (`{ labs }`). */
export async function listLabs(fetchImpl?: typeof fetch): Promise<LabSummary[]> {
  const body = await sendRest({ method: "GET", path: "/api/labs" }, fetchImpl);
  const labs = isRecord(body) ? body.labs : body;
  if (!Array.isArray(labs)) throw bad("lab list", "no list of labs");
  return labs.filter((lab): lab is LabSummary => isRecord(lab) && typeof lab.id === "string");
}

/** A downloaded lab file: its bytes as the server wrote them, and the name it suggested. */
export interface LabFile {
  readonly text: string;
  readonly fileName: string;
}

/** The name in a `Content-Disposition` header, if it gives one. */
export function fileNameOf(disposition: string | null): string | null {
  if (disposition === null) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      // A broken encoding: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.trim() || null;
}

/** `GET /api/labs/:lab/export`, kept byte for byte (the file is the server's format, not ours). */
export async function exportLab(labId: string, fallbackName: string, fetchImpl: typeof fetch = fetch): Promise<LabFile> {
  const path = `/api/labs/${enc(labId)}/export`;
  let response: Response;
  try {
    response = await fetchImpl(path);
  } catch (error) {
    throw new LabRequestError("network", `cannot reach the server: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the status says it all.
    }
    const apiError = apiErrorOf(body);
    throw new LabRequestError(apiError?.code ?? `http-${response.status}`, apiError?.message ?? `GET ${path} failed with HTTP ${response.status}`, response.status);
  }
  return { text, fileName: fileNameOf(response.headers.get("content-disposition")) ?? fallbackName };
}

/**
 * `POST /api/labs` with `{ import }`. A file that is not JSON is sent as its text, so the server,
 * which owns the format, says what is wrong with it (a truncated file is the usual case).
 */
export async function importLab(fileText: string, fetchImpl?: typeof fetch): Promise<LabView> {
  let file: unknown;
  try {
    file = JSON.parse(fileText);
  } catch {
    file = fileText;
  }
  const body = await sendRest({ method: "POST", path: "/api/labs", body: { import: file } }, fetchImpl);
  if (!isRecord(body) || typeof body.id !== "string") throw bad("import", "no lab id");
  return body as unknown as LabView;
}
