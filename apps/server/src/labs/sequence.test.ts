/**
 * The sequence diagram and the comparison through the REST API: the default lab's messages hold
 * the 7.0 handshake (PING, +PONG, REPLCONF, PSYNC, +FULLRESYNC, the RDB); a link killed and cut
 * shows the PSYNC answered +CONTINUE, and a past moment's messages are a prefix of a later
 * moment's; compare gives one lane per protocol asked for with 2.6 syncing in full where 7.0
 * resyncs partially, each lane's timeline with the cost so far and the difference in words, and
 * any earlier moment; bad moments and versions are 400s.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompareView, LabEvent, LabView, SequenceMessage, SequenceView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startApp({ timing: { tickIntervalMs: 0 }, timeline: { pollMs: 0 } }));
});

afterAll(async () => {
  await app.close();
});

async function call<T>(method: "GET" | "POST" | "PATCH", url: string, payload?: unknown): Promise<T> {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json<T>();
}

/** The default lab, a SET, C's link killed by A and cut for 2 s, then healed. */
async function storyLab(): Promise<{ lab: LabView; beforeDropMs: number }> {
  const lab = await createLab(app, { template: "one-master-two-replicas", seed: 10 });
  const base = `/api/labs/${lab.id}`;
  await call("POST", `${base}/clock`, { action: "pause" });
  const byName = (name: string): string => lab.nodes.find((n) => n.name === name)!.id;
  const [a, c] = [byName("A"), byName("C")];
  await call("POST", `${base}/nodes/${a}/command`, { argv: ["SET", "k", "v"] });
  await call("POST", `${base}/clock`, { action: "step", stepMs: 500 });
  const beforeDropMs = (await call<LabView>("GET", base)).clock.timeMs;
  const address = lab.nodes.find((n) => n.id === c)!.address;
  await call("POST", `${base}/nodes/${a}/command`, { argv: ["CLIENT", "KILL", address] });
  await call("PATCH", `${base}/links/${a}/${c}`, { partitioned: true });
  await call("POST", `${base}/nodes/${a}/command`, { argv: ["SET", "k2", "v2"] });
  await call("POST", `${base}/clock`, { action: "step", stepMs: 2000 });
  await call("PATCH", `${base}/links/${a}/${c}`, { partitioned: false });
  await call("POST", `${base}/clock`, { action: "step", stepMs: 3000 });
  return { lab, beforeDropMs };
}

describe("GET /api/labs/:lab/sequence", () => {
  it("draws the handshake, the PSYNC answered +CONTINUE after a drop, and past moments as prefixes", async () => {
    const { lab, beforeDropMs } = await storyLab();
    const base = `/api/labs/${lab.id}`;
    const now = await call<SequenceView>("GET", `${base}/sequence`);
    expect(now.lanes.map((l) => l.name).sort()).toEqual(["A", "B", "C"]);
    const texts = now.messages.map((m) => m.text);
    for (const expected of ["PING", "+PONG", "REPLCONF capa eof capa psync2", "+OK"]) expect(texts).toContain(expected);
    expect(texts.some((t) => /^REPLCONF listening-port [0-9]+$/.test(t))).toBe(true);
    expect(texts.some((t) => /^PSYNC [0-9a-f]{4}… [0-9]+$/.test(t))).toBe(true);
    expect(texts.some((t) => t.startsWith("+FULLRESYNC "))).toBe(true);
    expect(now.messages.some((m) => m.kind === "rdb" && /^RDB [0-9]+ bytes REDIS0010$/.test(m.text))).toBe(true);
    const c = lab.nodes.find((n) => n.name === "C")!.id;
    const cont = now.messages.find((m) => m.kind === "reply" && m.text.startsWith("+CONTINUE") && m.to === c);
    expect(cont).toBeDefined();
    expect(cont!.raw).toMatch(/^\+CONTINUE [0-9a-f]{40}\\r\\n$/);
    const past = await call<SequenceView>("GET", `${base}/sequence?atMs=${beforeDropMs}`);
    expect(past.messages.length).toBeGreaterThan(0);
    expect(past.messages.every((m) => m.sentMs <= beforeDropMs)).toBe(true);
    const again = now.messages.filter((m) => m.sentMs <= beforeDropMs).map((m) => m.seq);
    expect(past.messages.map((m) => m.seq)).toEqual(again);
    // A polling diagram leaves the bytes out and asks for the selected message's alone.
    const light = await call<SequenceView>("GET", `${base}/sequence?raw=false`);
    expect(light.messages.map((m) => m.seq)).toEqual(now.messages.map((m) => m.seq));
    expect(light.messages.every((m) => m.raw === "")).toBe(true);
    const one = await call<SequenceMessage>("GET", `${base}/sequence/${cont!.seq}`);
    expect(one).toEqual(cont);
    expect((await app.inject({ method: "GET", url: `${base}/sequence/999999` })).statusCode).toBe(404);
    const window = await call<SequenceView>("GET", `${base}/sequence?fromMs=${beforeDropMs}&limit=3`);
    expect(window.messages.length).toBe(3);
    expect(window.omitted).toBeGreaterThan(0);
  });

  it("links each message to the live lab's events by step, the same whether the replay went there at once or in parts", async () => {
    const { lab, beforeDropMs } = await storyLab();
    const base = `/api/labs/${lab.id}`;
    const atOnce = await call<SequenceView>("GET", `${base}/sequence`);
    await call<SequenceView>("GET", `${base}/sequence?atMs=${beforeDropMs}`);
    const inParts = await call<SequenceView>("GET", `${base}/sequence`);
    expect(inParts.messages).toEqual(atOnce.messages);
    const events = new Map((await call<{ events: LabEvent[] }>("GET", `${base}/events`)).events.map((e) => [e.seq, e]));
    const c = lab.nodes.find((n) => n.name === "C")!.id;
    const cont = atOnce.messages.filter((m) => m.kind === "reply" && m.text.startsWith("+CONTINUE") && m.to === c).at(-1)!;
    const linked = cont.events.map((seq) => events.get(seq));
    expect(linked.every((e) => e !== undefined && (e.nodeId === cont.from || e.nodeId === cont.to))).toBe(true);
    expect(linked.some((e) => e?.nodeId === c && e.kind === "partial-resync")).toBe(true);
    // A light answer leaves out the batches' words with the bytes.
    const light = await call<SequenceView>("GET", `${base}/sequence?raw=false`);
    expect(light.messages.every((m) => m.items === undefined)).toBe(true);
  });

  it("answers a moment after the present and a bad limit with 400", async () => {
    const lab = await createLab(app, { template: "one-master-two-replicas", seed: 11 });
    for (const query of ["atMs=99999999999", "limit=0", "atMs=-1"]) {
      const response = await app.inject({ method: "GET", url: `/api/labs/${lab.id}/sequence?${query}` });
      expect(response.statusCode).toBe(400);
    }
  });
});

describe("POST /api/labs/:lab/compare", () => {
  it("tells the story under each protocol asked for: 2.6 syncs C in full after its drop, 7.0 partially", async () => {
    const { lab } = await storyLab();
    const view = await call<CompareView>("POST", `/api/labs/${lab.id}/compare`, { versions: ["2.6", "7.0"] });
    expect(view.lanes.map((l) => l.version)).toEqual(["2.6", "7.0"]);
    const [old, modern] = view.lanes;
    if (!old?.ok || !modern?.ok) throw new Error("a lane failed");
    const c = lab.nodes.find((n) => n.name === "C")!.id;
    expect(old.syncs.filter((s) => s.replica === c).map((s) => s.kind)).toEqual(["full", "full"]);
    expect(modern.syncs.filter((s) => s.replica === c).map((s) => s.kind)).toEqual(["full", "partial"]);
    expect(old.notes).toEqual(["REPLICAOF → SLAVEOF"]);
    expect(view.names[c]).toBe("C");
  });

  it("gives each lane's timeline with the cost so far, the differences in words, and any earlier moment", async () => {
    const { lab, beforeDropMs } = await storyLab();
    const c = lab.nodes.find((n) => n.name === "C")!.id;
    const view = await call<CompareView>("POST", `/api/labs/${lab.id}/compare`, { versions: ["2.6", "2.8", "7.0"] });
    for (const lane of view.lanes) {
      if (!lane.ok) throw new Error(`lane ${lane.version}: ${lane.reason}`);
      // The moments are in time order, and the last one's cost is the lane's figures.
      expect(lane.moments.map((m) => m.atMs)).toEqual([...lane.moments.map((m) => m.atMs)].sort((x, y) => x - y));
      const last = lane.moments.at(-1)!.costs;
      expect([last.fullSyncs, last.partialSyncs, last.resyncBytes, last.writesMissed]).toEqual([lane.figures.fullSyncs, lane.figures.partialSyncs, lane.figures.resyncBytes, lane.figures.writesMissed]);
      // C was away for the SET k2 written after its link was killed.
      expect(lane.moments.some((m) => m.event.kind === "out-of-sync" && m.event.replica === c)).toBe(true);
      expect(lane.figures.writesMissed).toBe(1);
    }
    expect(view.differences.length).toBe(1);
    const [difference] = view.differences;
    expect(difference!.replica).toBe(c);
    expect(difference!.parts.map((p) => [p.version, p.sync?.kind])).toEqual([
      ["2.6", "full"],
      ["2.8", "partial"],
      ["7.0", "partial"],
    ]);
    // SET k2 v2 as RESP (*3 $3 SET $2 k2 $2 v2) is the 29 bytes the backlog replays.
    expect(difference!.text).toMatch(/^C resyncs: here 2\.6 transfers the whole dataset again \(2 keys, \d+ B\); 2\.8 sends 29 B from its backlog \(1 writes missed\); 7\.0 sends 29 B from its backlog \(1 writes missed\)$/);

    // An earlier moment: the story up to it, nothing to tell apart yet.
    const before = await call<CompareView>("POST", `/api/labs/${lab.id}/compare`, { versions: ["2.6", "7.0"], atMs: beforeDropMs });
    expect(before.timeMs).toBe(beforeDropMs);
    expect(before.differences).toEqual([]);
    for (const lane of before.lanes) {
      if (!lane.ok) throw new Error(`lane ${lane.version}`);
      expect(lane.syncs.filter((s) => s.replica === c).map((s) => s.kind)).toEqual(["full"]);
      expect(lane.moments.every((m) => m.atMs <= beforeDropMs)).toBe(true);
    }
  });

  it("refuses an unknown version", async () => {
    const lab = await createLab(app, { template: "one-master-two-replicas", seed: 12 });
    const response = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/compare`, payload: { versions: ["9.9"] } });
    expect(response.statusCode).toBe(400);
  });
});
