/**
 * A lab as one JSON file: its origin and its whole input log, which rebuild it exactly, plus what
 * a host keeps beside it (the lab's name, where its nodes are drawn, the lab it was branched from).
 * Format `replica-lab/1`, documented in the engine README ("Recordings"):
 *
 * ```
 * { "format": "replica-lab/1", "name": "...",
 *   "origin": { "seed": 42 | "text", "epochMs": 1700000000000, "splitChunks": false,
 *               "maxEvents": 5000, "defaultLink": { "latencyMs": 1, "bandwidthBytesPerSec": 12500000 | "Infinity", "partitioned": false } },
 *   "inputCount": 2, "endMs": 1234.5, "checksum": "fnv1a32:0f3c9e2a",
 *   "inputs": [ { "op": "add-node", "t": 0, ... }, { "op": "command", "t": 5, "node": "n1", "argv": ["U0VU", "aw==", "dg=="] } ],
 *   "layout": { "n1": { "x": 100, "y": 40 } }, "parent": { "labId": "3f2a9c1d", "atMs": 812 } }
 * ```
 *
 * Inputs are the log's entries as they are (see `input-log.ts`), with every byte string in
 * standard padded base64 and an unlimited bandwidth written `"Infinity"`. `inputCount` and the
 * checksum (FNV-1a, 32 bits, of the inputs as this module writes them) catch a file cut short or
 * edited; `endMs` is the lab's virtual time when it was written. Decoding checks every field and
 * names the first bad one; it never throws.
 */
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { isNodeVersion, type NodeVersion } from "../kinds.ts";
import type { LinkSettings } from "../sim/world.ts";
import type { LabInput, LabOrigin, OutboundLogEvent } from "./input-log.ts";
import type { NodeId } from "./types.ts";

/** The format this module writes and reads. */
export const RECORDING_FORMAT = "replica-lab/1";

/** Where a node is drawn on the canvas. */
export interface LayoutPoint {
  readonly x: number;
  readonly y: number;
}

/** The lab a branch was made from, and the virtual time it was branched at. */
export interface RecordingParent {
  readonly labId: string;
  readonly atMs: number;
}

/** A lab as its host saves it: enough to rebuild it exactly, and to show it as it was shown. */
export interface Recording {
  readonly name: string;
  readonly origin: LabOrigin;
  readonly inputs: readonly LabInput[];
  /** The lab's virtual time after the last input. */
  readonly endMs: number;
  readonly layout?: Readonly<Record<string, LayoutPoint>>;
  readonly parent?: RecordingParent | null;
}

/** JSON values as `JSON.parse` gives them. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The file: plain JSON. */
export type RecordingFile = { readonly [key: string]: Json };

export type DecodedRecording = { readonly ok: true; readonly recording: Recording } | { readonly ok: false; readonly error: string };

/** The file for `recording`. */
export function encodeRecording(recording: Recording): RecordingFile {
  const inputs = recording.inputs.map(encodeInput);
  const file: { [key: string]: Json } = {
    format: RECORDING_FORMAT,
    name: recording.name,
    origin: encodeOrigin(recording.origin),
    inputCount: inputs.length,
    endMs: recording.endMs,
    checksum: checksumOf(inputs),
    inputs,
  };
  if (recording.layout !== undefined) file.layout = Object.fromEntries(Object.entries(recording.layout).map(([id, p]) => [id, { x: p.x, y: p.y }]));
  if (recording.parent !== undefined) file.parent = recording.parent === null ? null : { labId: recording.parent.labId, atMs: recording.parent.atMs };
  return file;
}

/** The recording in `file` (any parsed JSON), or the first thing wrong with it. */
export function decodeRecording(file: unknown): DecodedRecording {
  try {
    return { ok: true, recording: readRecording(new Reader(file, "file")) };
  } catch (error) {
    if (error instanceof BadRecording) return { ok: false, error: error.message };
    throw error;
  }
}

/** One input as a recording writes it (a database keeps the log one row per input so). */
export function encodeLabInput(input: LabInput): RecordingFile {
  return encodeInput(input);
}

/** One input as {@link encodeLabInput} wrote it, or what is wrong with it. */
export function decodeLabInput(value: unknown): { readonly ok: true; readonly input: LabInput } | { readonly ok: false; readonly error: string } {
  try {
    return { ok: true, input: readInput(new Reader(value, "input")) };
  } catch (error) {
    if (error instanceof BadRecording) return { ok: false, error: error.message };
    throw error;
  }
}

/** A lab's origin as a recording writes it. */
export function encodeLabOrigin(origin: LabOrigin): RecordingFile {
  return encodeOrigin(origin);
}

/** An origin as {@link encodeLabOrigin} wrote it, or what is wrong with it. */
export function decodeLabOrigin(value: unknown): { readonly ok: true; readonly origin: LabOrigin } | { readonly ok: false; readonly error: string } {
  try {
    return { ok: true, origin: readOrigin(new Reader(value, "origin")) };
  } catch (error) {
    if (error instanceof BadRecording) return { ok: false, error: error.message };
    throw error;
  }
}

// -------------------------------------------------------------------------------------------------
// Writing

function encodeOrigin(origin: LabOrigin): { [key: string]: Json } {
  return {
    seed: origin.seed,
    epochMs: origin.epochMs,
    splitChunks: origin.splitChunks,
    maxEvents: origin.maxEvents,
    defaultLink: encodeLink(origin.defaultLink),
    ...(origin.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: origin.memoryLimitBytes }),
  };
}

function encodeLink(link: Partial<LinkSettings>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (link.latencyMs !== undefined) out.latencyMs = link.latencyMs;
  if (link.bandwidthBytesPerSec !== undefined) out.bandwidthBytesPerSec = Number.isFinite(link.bandwidthBytesPerSec) ? link.bandwidthBytesPerSec : "Infinity";
  if (link.partitioned !== undefined) out.partitioned = link.partitioned;
  return out;
}

function encodeOutboundEvent(event: OutboundLogEvent): { [key: string]: Json } {
  switch (event.type) {
    case "refused-at-open":
    case "refused":
      return { type: event.type, reason: event.reason };
    case "data":
      return { type: "data", bytes: encodeBase64(event.bytes) };
    case "opened":
    case "closed":
      return { type: event.type };
    default:
      return assertNever(event);
  }
}

/** One entry as JSON, its fields in a fixed order (the checksum depends on it). */
function encodeInput(input: LabInput): { [key: string]: Json } {
  switch (input.op) {
    case "add-node":
      return { op: input.op, t: input.t, name: input.name, version: input.version, config: { ...input.config }, host: input.host, port: input.port };
    case "remove-node":
    case "kill":
    case "freeze":
    case "thaw":
    case "load-stop":
      return { op: input.op, t: input.t, node: input.node };
    case "rename-node":
      return { op: input.op, t: input.t, node: input.node, name: input.name };
    case "set-resp-port":
      return { op: input.op, t: input.t, node: input.node, port: input.port };
    case "restart":
      return { op: input.op, t: input.t, node: input.node, wipe: input.wipe, ...(input.version !== undefined ? { version: input.version } : {}) };
    case "set-link":
      return { op: input.op, t: input.t, a: input.a, b: input.b, patch: encodeLink(input.patch) };
    case "config-file":
      return { op: input.op, t: input.t, node: input.node, text: input.text };
    case "write-file":
      return { op: input.op, t: input.t, node: input.node, name: input.name, bytes: encodeBase64(input.bytes) };
    case "command":
      return { op: input.op, t: input.t, node: input.node, argv: input.argv.map(encodeBase64) };
    case "open":
      return { op: input.op, t: input.t, conn: input.conn, node: input.node, peer: input.peer, ...(input.acks === true ? { acks: true } : {}) };
    case "send":
      return { op: input.op, t: input.t, conn: input.conn, bytes: encodeBase64(input.bytes) };
    case "close":
      return { op: input.op, t: input.t, conn: input.conn };
    case "ack":
      return { op: input.op, t: input.t, conn: input.conn, bytes: input.bytes };
    case "load":
      return { op: input.op, t: input.t, node: input.node, count: input.count };
    case "outbound":
      return { op: input.op, t: input.t, id: input.id, event: encodeOutboundEvent(input.event) };
    case "outbound-connector":
      return { op: input.op, t: input.t, on: input.on };
    case "run-until":
      return { op: input.op, t: input.t, untilMs: input.untilMs };
    case "steps":
      return { op: input.op, t: input.t, count: input.count };
    case "until-idle":
      return { op: input.op, t: input.t, maxMs: input.maxMs };
    default:
      return assertNever(input);
  }
}

/** FNV-1a (32 bits) of the inputs' JSON, as `fnv1a32:<8 hex digits>`. */
function checksumOf(inputs: readonly Json[]): string {
  let hash = 0x811c9dc5;
  for (const input of inputs) {
    const text = JSON.stringify(input);
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    // The separator keeps ["ab","c"] and ["a","bc"] apart.
    hash ^= 10;
    hash = Math.imul(hash, 0x01000193);
  }
  return `fnv1a32:${(hash >>> 0).toString(16).padStart(8, "0")}`;
}

// -------------------------------------------------------------------------------------------------
// Reading

class BadRecording extends Error {}

/** A JSON value and where it is in the file, with checked reads that name the path on failure. */
class Reader {
  constructor(
    readonly value: unknown,
    readonly path: string,
  ) {}

  fail(message: string): never {
    throw new BadRecording(`${this.path}: ${message}`);
  }

  object(): Reader {
    if (typeof this.value !== "object" || this.value === null || Array.isArray(this.value)) this.fail("must be an object");
    return this;
  }

  /** Fails on a field that is not one of `names` (a file from a newer format, or a typo). */
  only(...names: string[]): Reader {
    for (const key of Object.keys(this.object().value as object)) if (!names.includes(key)) this.fail(`unknown field ${JSON.stringify(key)}`);
    return this;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.object().value as object, name);
  }

  field(name: string): Reader {
    const object = this.object().value as Record<string, unknown>;
    if (!Object.hasOwn(object, name)) this.fail(`missing field ${JSON.stringify(name)}`);
    return new Reader(object[name], `${this.path}.${name}`);
  }

  array(): Reader[] {
    if (!Array.isArray(this.value)) this.fail("must be an array");
    return (this.value as unknown[]).map((item, i) => new Reader(item, `${this.path}[${i}]`));
  }

  string(maxLength = 1 << 20): string {
    if (typeof this.value !== "string") this.fail("must be a string");
    if (this.value.length > maxLength) this.fail(`longer than ${maxLength} characters`);
    return this.value;
  }

  boolean(): boolean {
    if (typeof this.value !== "boolean") this.fail("must be true or false");
    return this.value;
  }

  /** A finite number, at least `min`. */
  number(min = 0): number {
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) this.fail("must be a finite number");
    if (this.value < min) this.fail(`must be at least ${min}`);
    return this.value;
  }

  integer(min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.number(min);
    if (!Number.isInteger(value) || value > max) this.fail(`must be an integer from ${min} to ${max}`);
    return value;
  }

  bytes(): Uint8Array {
    const bytes = decodeBase64(this.string(64 << 20));
    if (bytes === null) this.fail("must be standard padded base64");
    return bytes;
  }

  version(): NodeVersion {
    const version = this.string(16);
    if (!isNodeVersion(version)) this.fail(`${JSON.stringify(version)} is not a node version`);
    return version;
  }

  node(): NodeId {
    const id = this.string(32);
    if (!/^n[1-9][0-9]*$/.test(id)) this.fail(`${JSON.stringify(id)} is not a node id (n1, n2, ...)`);
    return id as NodeId;
  }
}

function readRecording(file: Reader): Recording {
  file.only("format", "name", "origin", "inputCount", "endMs", "checksum", "inputs", "layout", "parent");
  const format = file.field("format").string(64);
  if (format !== RECORDING_FORMAT) file.field("format").fail(`${JSON.stringify(format)} is not a format this server reads (${RECORDING_FORMAT})`);
  const name = file.field("name").string(256);
  const origin = readOrigin(file.field("origin"));
  const inputCount = file.field("inputCount").integer(0);
  const endMs = file.field("endMs").number();
  const checksum = file.field("checksum").string(64);
  const readers = file.field("inputs").array();
  if (readers.length !== inputCount) file.field("inputs").fail(`holds ${readers.length} inputs, the file says ${inputCount} (cut short?)`);
  const inputs: LabInput[] = [];
  let lastT = 0;
  for (const reader of readers) {
    const input = readInput(reader);
    if (input.t < lastT) reader.field("t").fail(`goes back in time (${input.t} after ${lastT})`);
    lastT = input.t;
    inputs.push(input);
  }
  if (endMs < lastT) file.field("endMs").fail(`is before the last input (${lastT})`);
  // The checksum is over the inputs as this module writes them, so a file re-indented or with its
  // fields reordered still reads; a changed value does not.
  const expected = checksumOf(inputs.map(encodeInput));
  if (checksum !== expected) file.field("checksum").fail(`does not match the inputs (${expected}): the file was cut short or changed`);
  const recording: { -readonly [K in keyof Recording]: Recording[K] } = { name, origin, inputs, endMs };
  if (file.has("layout")) recording.layout = readLayout(file.field("layout"));
  if (file.has("parent")) {
    const parent = file.field("parent");
    recording.parent = parent.value === null ? null : { labId: parent.only("labId", "atMs").field("labId").string(64), atMs: parent.field("atMs").number() };
  }
  return recording;
}

function readOrigin(origin: Reader): LabOrigin {
  origin.only("seed", "epochMs", "splitChunks", "maxEvents", "defaultLink", "memoryLimitBytes");
  const seedReader = origin.field("seed");
  const seed = typeof seedReader.value === "number" ? seedReader.integer(0) : seedReader.string(256);
  const { latencyMs, bandwidthBytesPerSec, partitioned } = readLink(origin.field("defaultLink"));
  if (latencyMs === undefined || bandwidthBytesPerSec === undefined || partitioned === undefined) {
    throw new BadRecording(`${origin.path}.defaultLink: needs latencyMs, bandwidthBytesPerSec and partitioned`);
  }
  return {
    seed,
    epochMs: origin.field("epochMs").integer(0),
    splitChunks: origin.field("splitChunks").boolean(),
    maxEvents: origin.field("maxEvents").integer(1, 1_000_000),
    defaultLink: { latencyMs, bandwidthBytesPerSec, partitioned },
    ...(origin.has("memoryLimitBytes") ? { memoryLimitBytes: origin.field("memoryLimitBytes").integer(0) } : {}),
  };
}

function readLink(link: Reader): Partial<LinkSettings> {
  link.only("latencyMs", "bandwidthBytesPerSec", "partitioned");
  const out: { -readonly [K in keyof LinkSettings]?: LinkSettings[K] } = {};
  if (link.has("latencyMs")) out.latencyMs = link.field("latencyMs").number();
  if (link.has("bandwidthBytesPerSec")) {
    const bandwidth = link.field("bandwidthBytesPerSec");
    out.bandwidthBytesPerSec = bandwidth.value === "Infinity" ? Infinity : bandwidth.number(1);
  }
  if (link.has("partitioned")) out.partitioned = link.field("partitioned").boolean();
  return out;
}

function readLayout(layout: Reader): Record<string, LayoutPoint> {
  const out: Record<string, LayoutPoint> = {};
  const entries = Object.keys(layout.object().value as object);
  if (entries.length > 10_000) layout.fail("has too many entries");
  for (const id of entries) {
    const point = layout.field(id).only("x", "y");
    out[id] = { x: point.field("x").number(-1e9), y: point.field("y").number(-1e9) };
  }
  return out;
}

function readOutboundEvent(event: Reader): OutboundLogEvent {
  const type = event.field("type").string(32);
  switch (type) {
    case "refused-at-open":
    case "refused":
      event.only("type", "reason");
      return { type, reason: event.field("reason").string(4096) };
    case "data":
      event.only("type", "bytes");
      return { type, bytes: event.field("bytes").bytes() };
    case "opened":
    case "closed":
      event.only("type");
      return { type };
    default:
      return event.field("type").fail(`unknown outbound event ${JSON.stringify(type)}`);
  }
}

function readInput(input: Reader): LabInput {
  const op = input.field("op").string(32);
  const t = input.field("t").number();
  const fields = (...names: string[]): void => void input.only("op", "t", ...names);
  switch (op) {
    case "add-node": {
      fields("name", "version", "config", "host", "port");
      const version = input.field("version").version();
      const configReader = input.field("config").object();
      const config: Record<string, string> = {};
      for (const key of Object.keys(configReader.value as object)) config[key] = configReader.field(key).string(1 << 16);
      return { op, t, name: input.field("name").string(64), version, config, host: input.field("host").string(256), port: input.field("port").integer(0, 65535) };
    }
    case "remove-node":
    case "kill":
    case "freeze":
    case "thaw":
    case "load-stop":
      fields("node");
      return { op, t, node: input.field("node").node() };
    case "rename-node":
      fields("node", "name");
      return { op, t, node: input.field("node").node(), name: input.field("name").string(64) };
    case "set-resp-port": {
      fields("node", "port");
      const port = input.field("port");
      return { op, t, node: input.field("node").node(), port: port.value === null ? null : port.integer(0, 65535) };
    }
    case "restart": {
      fields("node", "wipe", "version");
      const node = input.field("node").node();
      const wipe = input.field("wipe").boolean();
      return input.has("version") ? { op, t, node, wipe, version: input.field("version").version() } : { op, t, node, wipe };
    }
    case "set-link":
      fields("a", "b", "patch");
      return { op, t, a: input.field("a").node(), b: input.field("b").node(), patch: readLink(input.field("patch")) };
    case "config-file":
      fields("node", "text");
      return { op, t, node: input.field("node").node(), text: input.field("text").string(1 << 22) };
    case "write-file":
      fields("node", "name", "bytes");
      return { op, t, node: input.field("node").node(), name: input.field("name").string(256), bytes: input.field("bytes").bytes() };
    case "command": {
      fields("node", "argv");
      const argv = input.field("argv").array().map((arg) => arg.bytes());
      if (argv.length === 0) input.field("argv").fail("must not be empty");
      return { op, t, node: input.field("node").node(), argv };
    }
    case "open": {
      fields("conn", "node", "peer", "acks");
      const opened = { op, t, conn: input.field("conn").integer(1), node: input.field("node").node(), peer: input.field("peer").string(256) };
      return input.has("acks") && input.field("acks").boolean() ? { ...opened, acks: true } : opened;
    }
    case "send":
      fields("conn", "bytes");
      return { op, t, conn: input.field("conn").integer(1), bytes: input.field("bytes").bytes() };
    case "close":
      fields("conn");
      return { op, t, conn: input.field("conn").integer(1) };
    case "ack":
      fields("conn", "bytes");
      return { op, t, conn: input.field("conn").integer(1), bytes: input.field("bytes").integer(0) };
    case "load":
      fields("node", "count");
      return { op, t, node: input.field("node").node(), count: input.field("count").integer(0, 10_000_000) };
    case "outbound":
      fields("id", "event");
      return { op, t, id: input.field("id").integer(1), event: readOutboundEvent(input.field("event").object()) };
    case "outbound-connector":
      fields("on");
      return { op, t, on: input.field("on").boolean() };
    case "run-until": {
      fields("untilMs");
      const untilMs = input.field("untilMs").number(t);
      return { op, t, untilMs };
    }
    case "steps":
      fields("count");
      return { op, t, count: input.field("count").integer(0) };
    case "until-idle":
      fields("maxMs");
      return { op, t, maxMs: input.field("maxMs").number() };
    default:
      return input.field("op").fail(`unknown input ${JSON.stringify(op)}`);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
