/**
 * The dicts' hash secret (`setKeyHashSecret`) changes where keys sit in the index, never what anybody
 * sees: one lab scenario (writes, deletes, SCAN, KEYS, RANDOMKEY, full syncs, a fork and work on it)
 * run under two secrets gives the same replies, snapshots and events. Each run has a fresh copy of
 * the engine's modules (a module takes one secret before its first key).
 */
import { describe, expect, it, vi } from "vitest";
import type * as EngineExports from "../src/index.ts";
import type * as HashExports from "../src/redis/store/sized-map.ts";

type Engine = typeof EngineExports;
type Hashes = typeof HashExports;

interface Transcript {
  readonly replies: unknown[];
  readonly snapshots: unknown[];
  readonly events: unknown[];
  /** The hash of one key under the run's secret (the runs must differ there). */
  readonly probe: number;
}

async function run(secret: Uint8Array | null): Promise<Transcript> {
  vi.resetModules();
  const engine = (await import("../src/index.ts")) as Engine;
  const hashes = (await import("../src/redis/store/sized-map.ts")) as Hashes;
  if (secret !== null) engine.setKeyHashSecret(secret);
  const { Lab } = engine;
  type LabT = InstanceType<typeof Lab>;
  type Id = ReturnType<LabT["addNode"]>["id"];

  const replies: unknown[] = [];
  const send = (lab: LabT, id: Id, ...argv: (string | Uint8Array)[]): unknown => {
    const reply = lab.command(id, ...argv);
    replies.push([argv.map(String), reply]);
    return reply;
  };
  /** A whole SCAN, step by step, every reply kept. */
  const scanAll = (lab: LabT, id: Id, count: string): void => {
    let cursor = "0";
    do {
      const reply = send(lab, id, "SCAN", cursor, "COUNT", count) as { items: { value: Uint8Array }[] };
      cursor = new TextDecoder().decode(reply.items[0]!.value);
    } while (cursor !== "0");
  };
  const look = (lab: LabT, id: Id): void => {
    send(lab, id, "DBSIZE");
    send(lab, id, "KEYS", "*");
    send(lab, id, "KEYS", "key:1*");
    scanAll(lab, id, "7");
    scanAll(lab, id, "100");
    for (let i = 0; i < 12; i++) send(lab, id, "RANDOMKEY");
  };

  const lab = new Lab({ seed: "key-hash-secret" });
  const a = lab.addNode({ config: { "repl-diskless-sync-delay": "0" } }).id;
  const b = lab.addNode().id;
  for (let i = 0; i < 600; i++) send(lab, a, "SET", `key:${i}`, `value ${i}`);
  send(lab, a, "SET", Uint8Array.of(0, 0xff, 0x80, 10), "binary key");
  send(lab, a, "HSET", "hash", "f1", "1", "f2", "2");
  send(lab, a, "SADD", "set", "m1", "m2", "m3");
  for (let i = 0; i < 600; i += 3) send(lab, a, "DEL", `key:${i}`);
  // Re-added keys go last; overwritten ones keep their place.
  for (let i = 0; i < 60; i += 2) send(lab, a, "SET", `key:${i}`, "again");
  send(lab, a, "SELECT", "0");
  look(lab, a);
  // A full sync: the replica loads the master's RDB (short strings stay in the loaded file).
  lab.replicaOf(b, a);
  lab.runUntilIdle();
  look(lab, b);
  for (let i = 600; i < 700; i++) send(lab, a, "SET", `key:${i}`, "after the sync");
  for (let i = 1; i < 200; i += 5) send(lab, a, "DEL", `key:${i}`);
  lab.runUntilIdle();
  look(lab, b);

  const forked = lab.fork();
  if (!forked.ok) throw new Error(`fork refused: ${forked.reason}`);
  const copy = forked.lab;
  for (let i = 0; i < 100; i++) send(copy, a, "SET", `fork:${i}`, "in the fork");
  for (let i = 2; i < 300; i += 7) send(copy, a, "DEL", `key:${i}`);
  const c = copy.addNode().id;
  copy.replicaOf(c, a);
  copy.runUntilIdle();
  for (const id of [a, b, c]) look(copy, id);
  look(lab, a);

  const snapshots = [lab.nodeSnapshot(a), lab.nodeSnapshot(b), copy.nodeSnapshot(a), copy.nodeSnapshot(b), copy.nodeSnapshot(c)];
  return { replies, snapshots, events: [lab.events(), copy.events()], probe: hashes.hashKey("key:1") };
}

describe("the key hash secret", () => {
  it("changes no reply, snapshot or event of a lab and its fork", async () => {
    const fixed = await run(null);
    const secret = await run(Uint8Array.of(0xc3, 0x5a, 0x17, 0xee, 0x02, 0x99, 0x41, 0x7d));
    expect(secret.probe).not.toBe(fixed.probe);
    // The scenario did what it says: full syncs on both replicas, every kind of reply present.
    expect(fixed.replies.length).toBeGreaterThan(1500);
    const kinds = new Set((fixed.replies as [string[], { kind: string }][]).map(([, reply]) => reply.kind));
    expect([...kinds].sort()).toEqual(["array", "bulk", "integer", "simple"]);
    const fullSyncs = (fixed.events as { kind: string }[][]).map((events) => events.filter((event) => event.kind === "full-resync").length);
    expect(fullSyncs[0]).toBeGreaterThanOrEqual(1);
    expect(fullSyncs[1]).toBeGreaterThan(fullSyncs[0]!);
    expect(secret.replies).toEqual(fixed.replies);
    expect(secret.snapshots).toEqual(fixed.snapshots);
    expect(secret.events).toEqual(fixed.events);
  });
});
