/**
 * Scenario tests: the simulated lab must observe exactly what real redis-server 7.0.15 observed
 * on the same command sequences (recorded in fixtures/real-redis-7.0.15.json by record-real.ts).
 * A few figures are also spelled out below, with the rule that explains them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LabBackend } from "./backends.ts";
import { SCENARIOS, type ScenarioResult } from "./scenarios.ts";

const recorded = JSON.parse(readFileSync(new URL("./fixtures/real-redis-7.0.15.json", import.meta.url), "utf8")) as {
  recordedWith: string;
  scenarios: Record<string, ScenarioResult>;
};

function node(result: ScenarioResult, label: string, name: string): Record<string, string> {
  const checkpoint = result.checkpoints.find((c) => c.label === label);
  if (!checkpoint) throw new Error(`no checkpoint ${label}`);
  const obs = checkpoint.nodes[name];
  if (!obs) throw new Error(`no node ${name} at ${label}`);
  return obs;
}

describe("scenarios match a real redis-server 7.0.15", () => {
  it("was recorded with redis 7.0.15", () => {
    expect(recorded.recordedWith).toContain("v=7.0.15");
  });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}: every checkpoint and reply equals the real server's`, async () => {
      const expected = recorded.scenarios[name];
      expect(expected, `fixture for ${name}`).toBeDefined();
      const actual = await scenario(new LabBackend(`scenario:${name}`));
      expect(actual.replies).toEqual(expected!.replies);
      expect(actual.checkpoints).toEqual(expected!.checkpoints);
    });
  }
});

describe("scenario figures, spelled out", () => {
  it("PS-2 one master two replicas: fresh replicas offer their own replid, so both syncs are full and counted as refused partials", async () => {
    const r = await SCENARIOS.oneMasterTwoReplicas!(new LabBackend(1));
    const a = node(r, "after SET", "A");
    expect(a.sync_full).toBe("2");
    expect(a.sync_partial_err).toBe("2");
    // SELECT 0 (23 bytes) + SET k1 v1 (29 bytes)
    expect(a.master_repl_offset).toBe("52");
    expect(a.repl_backlog_first_byte_offset).toBe("1");
    expect(a.repl_backlog_histlen).toBe("52");
    for (const replica of ["B", "C"]) {
      const obs = node(r, "after SET", replica);
      expect(obs.master_repl_offset).toBe("52");
      expect(obs.master_replid).toBe(a.master_replid);
    }
    expect(r.replies).toContain("B GET k1 -> \"v1\"");
    expect(r.replies).toContain("B SET k2 v2 -> -READONLY You can't write against a read only replica.");
  });

  it("RS-4 promotion: B's old id becomes replid2 valid to offset+1 and C continues through it", async () => {
    const r = await SCENARIOS.promotion!(new LabBackend(2));
    const before = node(r, "master down", "B");
    const b = node(r, "B promoted, C follows", "B");
    const c = node(r, "B promoted, C follows", "C");
    expect(b.master_replid2).toBe(before.master_replid);
    expect(Number(b.second_repl_offset)).toBe(Number(before.master_repl_offset) + 1);
    expect(b.sync_partial_ok).toBe("1");
    expect(c.master_replid).toBe(b.master_replid);
    expect(c.master_replid2).toBe(b.master_replid2);
    const a = node(r, "old master rejoined", "A");
    expect(a.role).toBe("slave");
    expect(node(r, "old master rejoined", "B").sync_full).toBe("1");
  });

  it("BL-* backlog overflow: 150 KB past a 16 KiB backlog forces a full resync", async () => {
    const r = await SCENARIOS.backlogOverflow!(new LabBackend(3));
    const written = node(r, "written", "A");
    expect(Number(written.repl_backlog_histlen)).toBeGreaterThan(16384);
    expect(Number(written.repl_backlog_first_byte_offset)).toBeGreaterThan(1);
    const a = node(r, "resynced", "A");
    expect(a.sync_full).toBe("2");
    expect(node(r, "resynced", "B").master_repl_offset).toBe(a.master_repl_offset);
  });

  it("WAIT: each blocking WAIT adds one 37-byte REPLCONF GETACK to the stream", async () => {
    const r = await SCENARIOS.waitScenario!(new LabBackend(4));
    const first = Number(node(r, "after WAIT 2", "A").master_repl_offset);
    const second = Number(node(r, "after WAIT 3", "A").master_repl_offset);
    expect(second - first).toBe(37);
    expect(r.replies).toContain("A WAIT 2 1000 -> :2");
    expect(r.replies).toContain("A WAIT 3 500 -> :2");
  });

  it("RS-2 a replica restarted on its sync RDB continues partially", async () => {
    const r = await SCENARIOS.replicaRestartsFromSyncRdb!(new LabBackend(5));
    expect(node(r, "restarted", "A").sync_partial_ok).toBe("1");
    expect(r.replies).toContain("B GET while-down:1 -> \"vvvvvvvvvv\"");
  });
});
