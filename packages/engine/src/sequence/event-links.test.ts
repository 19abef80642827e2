/**
 * The links between the diagram's messages and the event log (issue 10): a message carries the
 * seqs of the events caused with it, found by node step (the sender's step that sent it, the
 * receiver's step that read it), not by nearness in time. The links name the live lab's events
 * because a replay of the log numbers its events exactly as the live lab did: proved here on a lab
 * with faults, restarts and a promotion. Faults on the wire are marked: a close after a replica's
 * timeout, closes reset by a kill, and bytes sent and never read.
 */
import { describe, expect, it } from "vitest";
import { healKillAndPromote, masterAndTwoReplicas } from "../../test/sequence-story.ts";
import { NULL_ENDPOINT } from "../lab/endpoints.ts";
import { Lab } from "../lab/lab.ts";
import type { LabEvent } from "../lab/types.ts";
import { BATCH_ITEM_LIMIT, replayWithConversation } from "./conversation.ts";
import type { WireMessage } from "./wire-message.ts";

/** One master, two replicas; a partition the replica C times out on; A killed, B promoted, A back. */
function faultyLab(): Lab {
  const { lab, a, b, c } = masterAndTwoReplicas("event-links");
  lab.command(c, "CONFIG", "SET", "repl-timeout", "2");
  lab.command(a, "SET", "k0", "v0");
  lab.advance(200);
  lab.setLink(a, c, { partitioned: true });
  for (let i = 1; i <= 10; i++) {
    lab.command(a, "SET", `k${i}`, `v${i}`);
    lab.advance(500);
  }
  healKillAndPromote(lab, a, b, c);
  lab.restart(a);
  lab.replicaOf(a, b);
  lab.runUntilIdle(60_000);
  lab.command(b, "SET", "after", "1");
  lab.advance(1000);
  return lab;
}

const lab = faultyLab();
const replay = replayWithConversation(lab.creation, lab.inputs.toArray(), lab.nowMs);
const liveEvents = new Map(lab.events().map((e) => [e.seq, e]));
const ids = Object.fromEntries(lab.nodeIds().map((id) => [lab.nodeSnapshot(id).name, id])) as unknown as Record<"A" | "B" | "C", string>;

function eventsOf(message: WireMessage): LabEvent[] {
  return message.events.map((seq) => liveEvents.get(seq)!);
}

function find(predicate: (m: WireMessage) => boolean, what: string): WireMessage[] {
  const found = replay.messages.filter(predicate);
  if (found.length === 0) throw new Error(`no message: ${what}`);
  return found;
}

describe("messages linked to events by node step", () => {
  it("a replay numbers the events as the live lab did (faults, restarts and a promotion)", () => {
    const strip = (e: LabEvent): unknown => ({ seq: e.seq, timeMs: e.timeMs, nodeId: e.nodeId, source: e.source, kind: e.kind, message: e.message });
    const live = lab.events().map(strip);
    expect(live.length).toBeGreaterThan(50);
    expect(lab.events().some((e) => e.kind === "killed")).toBe(true);
    expect(lab.events().some((e) => e.kind === "restarted")).toBe(true);
    expect(lab.events().some((e) => e.kind === "role" && e.nodeId === ids.B)).toBe(true);
    expect(replay.lab.events().map(strip)).toEqual(live);
  });

  it("every linked event exists, is a node's own, and is the sender's or the receiver's", () => {
    const linked = replay.messages.filter((m) => m.events.length > 0);
    expect(linked.length).toBeGreaterThan(10);
    for (const m of linked) {
      for (const e of eventsOf(m)) {
        expect(e, `message ${m.seq} ${m.text}: event`).toBeDefined();
        expect(e.source).toBe("node");
        expect([m.from, m.to]).toContain(e.nodeId);
      }
    }
  });

  it("PSYNC carries the replica's request and the master's decision; the reply, the replica's reading of it", () => {
    for (const psync of find((m) => m.kind === "command" && m.text.startsWith("PSYNC"), "PSYNC")) {
      const events = eventsOf(psync);
      expect(events.filter((e) => e.kind === "psync-request").map((e) => e.nodeId)).toEqual([psync.from]);
      expect(events.filter((e) => e.kind === "full-resync" || e.kind === "partial-resync").map((e) => e.nodeId)).toEqual([psync.to]);
    }
    for (const reply of find((m) => m.kind === "reply" && m.text.startsWith("+FULLRESYNC"), "+FULLRESYNC")) {
      expect(eventsOf(reply).filter((e) => e.kind === "full-resync").map((e) => e.nodeId)).toEqual([reply.to]);
    }
    // The promotion: C asks B to continue (A, killed, lost its replication id). B answers +CONTINUE in
    // the step that decided it, and C reads it as a partial resync: both sides' events.
    const continues = find((m) => m.kind === "reply" && m.text.startsWith("+CONTINUE") && m.from === ids.B, "+CONTINUE from B");
    expect(continues.map((m) => m.to)).toContain(ids.C);
    for (const reply of continues) expect(eventsOf(reply).filter((e) => e.kind === "partial-resync").map((e) => e.nodeId)).toEqual([reply.from, reply.to]);
  });

  it("an event leads back to the messages of its node's step: the one it sent and the one it read", () => {
    const psync = find((m) => m.kind === "command" && m.text.startsWith("PSYNC"), "PSYNC")[0]!;
    const request = eventsOf(psync).find((e) => e.kind === "psync-request")!;
    const carriers = replay.messages.filter((m) => m.events.includes(request.seq));
    expect(carriers.map((m) => m.seq)).toContain(psync.seq);
    // The step that sent PSYNC is the one that read the master's +OK to REPLCONF capa.
    expect(carriers.some((m) => m.to === request.nodeId && m.text === "+OK")).toBe(true);
    for (const m of carriers) expect([m.from, m.to]).toContain(request.nodeId);
  });
});

describe("faults on the wire", () => {
  it("C's timeout closes its link during the partition: the close, held until the heal, is marked and carries C's timeout event", () => {
    const closes = find((m) => m.kind === "close" && m.from === ids.C && m.to === ids.A && m.fault === "timeout", "C's timeout close");
    const timeout = eventsOf(closes[0]!).find((e) => e.kind === "timeout" && e.nodeId === ids.C)!;
    expect(timeout.timeMs).toBe(closes[0]!.sentMs);
    // It left when C wrote it and arrived after the heal.
    expect(closes[0]!.receivedMs).toBeGreaterThan(closes[0]!.sentMs + 1000);
  });

  it("what A wrote to C during the partition arrived after C had closed the link: lost", () => {
    const lost = find((m) => m.from === ids.A && m.to === ids.C && m.fault !== undefined && m.fault.startsWith("lost-"), "A's lost writes to C");
    expect(lost.some((m) => m.kind === "stream")).toBe(true);
  });

  it("killing A resets its connections: its closes are marked as a crash", () => {
    const killedAt = lab.events().find((e) => e.kind === "killed")!.timeMs;
    const crashes = find((m) => m.kind === "close" && m.from === ids.A && m.fault === "crash", "A's crash resets");
    expect(crashes.every((m) => m.sentMs >= killedAt)).toBe(true);
    expect(new Set(crashes.map((m) => m.to))).toEqual(new Set([ids.B, ids.C]));
  });

  it("a batch keeps its first writes in words, up to the limit, and counts the rest", () => {
    const { lab: busy, a } = masterAndTwoReplicas("batch-items");
    for (let i = 0; i < 50; i++) busy.command(a, "SET", `b${i}`, "x");
    busy.advance(500);
    const { messages } = replayWithConversation(busy.creation, busy.inputs.toArray(), busy.nowMs);
    const batch = messages.find((m) => m.kind === "stream" && m.count >= 50)!;
    expect(batch.items).toHaveLength(BATCH_ITEM_LIMIT);
    const sets = batch.items!.filter((item) => item.startsWith("SET "));
    expect(sets[0]).toBe("SET b0 x");
    expect(sets.every((item, i) => item === `SET b${i} x`)).toBe(true);
  });
});

describe("connections from outside", () => {
  const encode = (...argv: string[]): Uint8Array => new TextEncoder().encode(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`);

  it("a real replica bridged into a node is drawn, its handshake and the node's answers; consoles and write loads are not", () => {
    const lab = new Lab({ seed: "outside-replica" });
    const a = lab.addNode({ name: "A" }).id;
    lab.command(a, "SET", "k", "v");
    lab.writeLoad(a, 50);
    lab.advance(100);
    const replica = lab.openConnection(a, "10.0.0.9:51000", NULL_ENDPOINT);
    lab.advance(10);
    for (const argv of [["PING"], ["REPLCONF", "listening-port", "6390"], ["REPLCONF", "capa", "eof", "capa", "psync2"], ["PSYNC", "?", "-1"]]) {
      replica.send(encode(...argv));
      lab.advance(5);
    }
    lab.advance(8000);
    // After a diskless transfer the master streams once the replica acknowledges it.
    replica.send(encode("REPLCONF", "ACK", "0"));
    lab.advance(10);
    lab.command(a, "SET", "k2", "v2");
    lab.advance(100);
    const { messages } = replayWithConversation(lab.creation, lab.inputs.toArray(), lab.nowMs);
    const outside = "10.0.0.9:51000";
    expect(messages.every((m) => m.from === outside || m.to === outside)).toBe(true);
    const toNode = messages.filter((m) => m.from === outside).map((m) => m.text);
    expect(toNode.slice(0, 5)).toEqual(["connect", "PING", "REPLCONF listening-port 6390", "REPLCONF capa eof capa psync2", "PSYNC ? -1"]);
    const fromNode = messages.filter((m) => m.to === outside);
    expect(fromNode.map((m) => m.text).slice(0, 3)).toEqual(["+PONG", "+OK", "+OK"]);
    expect(fromNode.some((m) => m.kind === "reply" && m.text.startsWith("+FULLRESYNC "))).toBe(true);
    expect(fromNode.some((m) => m.kind === "rdb")).toBe(true);
    expect(fromNode.some((m) => m.kind === "stream" && m.items?.includes("SET k2 v2") === true)).toBe(true);
    // The node's decision is linked to the PSYNC it read.
    const psync = messages.find((m) => m.text === "PSYNC ? -1")!;
    expect(psync.events.map((seq) => lab.events().find((e) => e.seq === seq)?.kind)).toContain("full-resync");
  });
});
