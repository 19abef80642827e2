/**
 * The sequence diagram's messages against real servers: the handshake captures of redis-server
 * 2.6.17, 2.8.24, 4.0.14 and 7.0.15 (a first sync, a reconnect after a killed link, a promotion in a
 * chain; packages/engine/test/fixtures) are replayed on the lab's kinds, and what the wire tap
 * read on the captured link, message by message, equals what the recording proxy saw the real
 * server send: commands, replies, the RDB (header and size), stream writes, connects and closes.
 * Periodic frames (ACKs, master PINGs, keep-alive newlines) depend on timing and are left out on
 * both sides, as the handshake tests do; so are 2.6's refused SYNC retries, whose count is timing.
 * Ids are compared as equality classes (numbered by first appearance), ports as `<port>`.
 */
import { describe, expect, it } from "vitest";
import { LEGACY_RELEASES, readLegacyFixture, significantFrames, type HandshakeFrame, type HandshakeName, type HandshakeRecord } from "../../test/legacy/legacy-fixture.ts";
import { captureHandshake } from "../../test/legacy/legacy-handshakes.ts";
import { LEGACY_VERSIONS, type LegacyVersion } from "../../test/legacy/legacy-servers.ts";
import { readHandshakes70, REDIS_7_0_DRIVING, SEQUENCE_CAPTURES } from "../../test/sequence/handshakes-7.0.ts";
import type { NodeVersion } from "../kinds.ts";
import { LabLegacyBackend, labKindOf } from "../../test/legacy/lab-backend.ts";
import { Lab } from "../lab/lab.ts";
import { ConversationRecorder, conversationAt, labPeers } from "./conversation.ts";
import { escapeBytes, type WireMessage } from "./wire-message.ts";

const CAPTURES = SEQUENCE_CAPTURES;
const PERIODIC = new Set(["ack", "ping", "newline", "getack"]);
const STREAM = "master->replica stream ";

/** One compared line: direction, kind and exact (escaped) bytes; a connection by its order. */
interface Line {
  readonly conn: number;
  readonly text: string;
}

/** Ids as classes by first appearance, ports hidden, consecutive stream writes of a connection joined. */
function normalize(lines: readonly Line[]): string[] {
  const refused = new Set(lines.filter((l) => l.text.includes("-ERR Can't SYNC")).map((l) => l.conn));
  const ids = new Map<string, string>();
  const conns = new Map<number, number>();
  const out: string[] = [];
  let previous: number | null = null;
  for (const line of lines) {
    if (refused.has(line.conn)) continue;
    if (!conns.has(line.conn)) conns.set(line.conn, conns.size + 1);
    const text = line.text
      .replace(/\b(id[0-9]+|[0-9a-f]{40})\b/g, (id) => {
        if (!ids.has(id)) ids.set(id, `#${ids.size + 1}`);
        return ids.get(id)!;
      })
      .replace(/listening-port (\\r\\n\$[0-9]+\\r\\n)?(<[A-Z]>|[0-9]+)/g, "listening-port $1<port>")
      .replace(/\$[0-9]+\\r\\n<port>/g, "$$n\\r\\n<port>");
    const streamed = text.startsWith(STREAM);
    const last = out[out.length - 1];
    if (streamed && previous === line.conn && last !== undefined && last.includes(` ${STREAM}`)) out[out.length - 1] = last + text.slice(STREAM.length);
    else out.push(`c${conns.get(line.conn)} ${text}`);
    previous = line.conn;
  }
  return out;
}

/**
 * 7.0 pipelines its handshake (REPLCONF listening-port and capa leave together, before either
 * +OK), so how the two directions interleave is timing; what TCP fixes is each direction's order.
 * Lines are put in connection order, then direction, keeping each direction's order; ids (the
 * recorder's `idN`, the lab's hex, the diskless EOF mark) become classes, ports `<port>`.
 */
function perDirection(lines: readonly Line[]): Line[] {
  const ids = new Map<string, string>();
  const order = new Map<number, number>();
  for (const line of lines) if (!order.has(line.conn)) order.set(line.conn, order.size);
  const rank = (text: string): number => (text.startsWith("replica->master") ? 0 : 1);
  return lines
    .map((line, at) => ({
      at,
      conn: line.conn,
      text: line.text
        .replace(/\$EOF:([0-9a-f]{40}|[0-9a-f]{4}…)/g, "$$EOF:<mark>")
        .replace(/id[0-9]+|[0-9a-f]{40}/g, (id) => {
          if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`);
          return ids.get(id)!;
        })
        .replace(/listening-port\\r\\n\$[0-9]+\\r\\n(<[A-Z]>|[0-9]+)/g, "listening-port\\r\\n$$n\\r\\n<port>"),
    }))
    .sort((x, y) => order.get(x.conn)! - order.get(y.conn)! || rank(x.text) - rank(y.text) || x.at - y.at)
    .map(({ conn, text }) => ({ conn, text }));
}

/** The fixture's frames as lines. */
function fixtureLines(frames: readonly HandshakeFrame[]): Line[] {
  return significantFrames(frames).flatMap((frame): Line[] => {
    if (frame.kind === "step") return [];
    if (!("text" in frame)) return [{ conn: frame.conn, text: `${frame.dir} ${frame.kind}` }];
    const bytes = Uint8Array.from(frame.text, (c: string) => c.charCodeAt(0));
    return [{ conn: frame.conn, text: `${frame.dir} ${frame.kind} ${escapeBytes(bytes)}` }];
  });
}

/** The tap's messages on the links to the recording proxy (an address, not a lab node) as lines. */
function tappedLines(lab: Lab, messages: readonly WireMessage[]): Line[] {
  const nodes = new Set(lab.nodeIds() as string[]);
  return messages.flatMap((m): Line[] => {
    if (nodes.has(m.from) && nodes.has(m.to)) return [];
    if (PERIODIC.has(m.kind) || m.kind === "refused") return [];
    const dir = nodes.has(m.from) ? "replica->master" : "master->replica";
    if (m.kind === "connect" || m.kind === "close") return [{ conn: m.conn, text: `${dir} ${m.kind}` }];
    return [{ conn: m.conn, text: `${dir} ${m.kind} ${m.raw}` }];
  });
}

/** Each capture run on the lab's `kind` through the recorder's story, tapped, against the real server's frames. */
function checkCaptures(handshakes: Readonly<Partial<Record<HandshakeName, HandshakeRecord>>>, version: LegacyVersion, kind: NodeVersion, label: string, pipelined = false): void {
  const arrange = pipelined ? perDirection : (lines: Line[]): Line[] => lines;
  for (const name of CAPTURES) {
    it(name, async () => {
      let backend: LabLegacyBackend | null = null;
      let recorder: ConversationRecorder | null = null;
      await captureHandshake(name, (config) => {
        backend = new LabLegacyBackend(version, kind, config, `sequence:${label}:${name}`);
        recorder = new ConversationRecorder(labPeers(backend.lab));
        backend.lab.tapWire(recorder);
        return backend;
      });
      const lab = (backend as LabLegacyBackend | null)!.lab;
      const messages = (recorder as ConversationRecorder | null)!.messages();
      const recorded = handshakes[name];
      if (recorded === undefined) throw new Error(`no ${name} capture for ${label}`);
      expect(normalize(arrange(tappedLines(lab, messages)))).toEqual(normalize(arrange(fixtureLines(recorded.frames))));
    });
  }
}

describe.each(LEGACY_RELEASES)("the diagram's messages equal the handshakes recorded from real %s", (release) => {
  checkCaptures(readLegacyFixture(release).handshakes, LEGACY_VERSIONS.find((v) => v.release === release)!, labKindOf(release)!, release);
});

// 7.0.15's captures (test/sequence/record-handshakes-7.0.ts): PING, REPLCONF listening-port,
// REPLCONF capa eof capa psync2, PSYNC <replid> <offset>, +FULLRESYNC or +CONTINUE, the RDB after
// $EOF:<mark> (diskless, 7.0's default).
describe("the diagram's messages equal the handshakes recorded from real 7.0.15", () => {
  const fixture = readHandshakes70();
  it("were recorded from 7.0.15", () => expect(fixture.recordedWith).toContain("v=7.0.15 "));
  checkCaptures(fixture.handshakes, REDIS_7_0_DRIVING, "7.0", "7.0.15", true);
});

describe("a conversation read from a lab's log", () => {
  function partitionedLab(): Lab {
    const lab = new Lab({ seed: "sequence-log" });
    const a = lab.addNode().id;
    const b = lab.addNode().id;
    lab.replicaOf(b, a);
    lab.runUntilIdle(30_000);
    lab.command(a, "SET", "k", "v");
    lab.advance(500);
    lab.setLink(a, b, { partitioned: true });
    lab.command(a, "SET", "k2", "v2");
    lab.advance(2000);
    lab.setLink(a, b, { partitioned: false });
    lab.runUntilIdle(30_000);
    return lab;
  }

  it("is the same on every replay, and a moment's conversation is the start of a later one's", () => {
    const lab = partitionedLab();
    const inputs = lab.inputs.toArray();
    const whole = conversationAt(lab.creation, inputs, lab.nowMs);
    expect(conversationAt(lab.creation, inputs, lab.nowMs)).toEqual(whole);
    const early = conversationAt(lab.creation, inputs, 1000);
    expect(early.messages.length).toBeGreaterThan(0);
    expect(early.messages.every((m) => m.sentMs <= 1000)).toBe(true);
    const kinds = whole.messages.map((m) => m.kind);
    // A full sync at first (7.0: +FULLRESYNC then the RDB), and a stream write after it.
    expect(whole.messages.find((m) => m.kind === "reply" && m.text.startsWith("+FULLRESYNC"))).toBeDefined();
    expect(kinds).toContain("rdb");
    expect(whole.messages.find((m) => m.kind === "stream" && m.raw.includes("k2"))).toBeDefined();
  });

  it("stream offsets follow +FULLRESYNC's offset and ACKs report what the replica has", () => {
    const lab = partitionedLab();
    const { messages } = conversationAt(lab.creation, lab.inputs.toArray(), lab.nowMs);
    const stream = messages.filter((m) => m.kind === "stream" || m.kind === "ping");
    for (let i = 1; i < stream.length; i++) expect(stream[i]!.offsets!.before).toBeLessThanOrEqual(stream[i]!.offsets!.after);
    const last = stream[stream.length - 1]!;
    const b = lab.nodeIds()[1]!;
    const info = lab.command(b, "INFO", "replication");
    const text = info.kind === "bulk" && info.value !== null ? new TextDecoder().decode(info.value) : "";
    expect(text).toContain(`master_repl_offset:${last.offsets!.after}`);
  });
});
