import { describe, expect, it } from "vitest";
import type { NodeSnapshot } from "@replica-lab/protocol";
import { replicaLag } from "./lag.ts";

// The few fields the definition reads, of snapshots shaped as the server sends them.
const master = { id: "n1", protocol: "redis-psync2", status: "up", masterId: null, masterReplOffset: 500_000, replicas: [] } as unknown as NodeSnapshot;
const entry = { nodeId: "n2", address: "127.0.0.1:7002", state: "online", ackOffset: 53_208, lagSec: 1 } as unknown as NodeSnapshot["replicas"][number];
const replica = (fields: Record<string, unknown>): NodeSnapshot => ({ id: "n2", protocol: "redis-psync2", status: "up", masterId: "n1", masterReplOffset: 499_900, replid: "a".repeat(40), replicas: [], ...fields }) as unknown as NodeSnapshot;

describe("a replica's lag", () => {
  it("counts the bytes the replica has not applied, from its own offset, not from its last ACK", () => {
    expect(replicaLag(master, replica({}), entry)).toEqual({ bytes: 100, sec: 1, basis: "applied" });
  });
  it("falls back to the last ACK when the replica's own offset cannot be read, and says so", () => {
    expect(replicaLag(master, undefined, entry)).toEqual({ bytes: 446_792, sec: 1, basis: "acked" });
    expect(replicaLag(master, replica({ status: "down" }), entry)).toEqual({ bytes: 446_792, sec: 1, basis: "acked" });
    expect(replicaLag(master, replica({ masterId: "n9" }), entry)?.basis).toBe("acked");
  });
  it("reads a 2.8 replica's slave_repl_offset, and has nothing to say of 2.6", () => {
    const psync1 = { id: "n2", protocol: "redis-psync1", status: "up", masterId: "n1", masterReplOffset: 7, replicaOffset: 499_000, replicas: [] } as unknown as NodeSnapshot;
    expect(replicaLag(master, psync1, entry)).toEqual({ bytes: 1_000, sec: 1, basis: "applied" });
    const sync = { id: "n1", protocol: "redis-sync", status: "up", masterId: null, replicas: [] } as unknown as NodeSnapshot;
    expect(replicaLag(sync, replica({}), undefined)).toBeNull();
  });
  it("is never negative (a replica can read a byte before its master's snapshot moves)", () => {
    expect(replicaLag(master, replica({ masterReplOffset: 500_010 }), entry)?.bytes).toBe(0);
  });
});
