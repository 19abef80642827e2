/**
 * client-output-buffer-limit for replicas, as redis 7.0 applies it (issue 12): a frozen replica's
 * share of the stream waits in the master's replication buffer (past the socket buffers), counted as
 * its output buffer; over the soft limit for longer than its seconds, or at the hard limit, the master
 * drops it with redis's log line, and the replica resyncs once it runs again. Memory stays bounded.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../src/lab/lab.ts";
import type { LabEvent, NodeId } from "../src/lab/types.ts";
import { asPsync2 } from "../src/lab/narrow.ts";

const MIB = 1024 * 1024;

function replicaPair(seed: string): { lab: Lab; a: NodeId; b: NodeId } {
  const lab = new Lab({ seed });
  const a = lab.addNode({ name: "A", config: { "repl-timeout": "3600" } }).id;
  const b = lab.addNode({ name: "B", config: { "repl-timeout": "3600" } }).id;
  lab.replicaOf(b, a);
  lab.runUntilIdle();
  return { lab, a, b };
}

/** `opsPerSec` SETs for `seconds` of virtual time, in 10 ms ticks; `sample` runs every virtual second. */
function writeFor(lab: Lab, node: NodeId, opsPerSec: number, seconds: number, sample: () => void): void {
  const perTick = opsPerSec / 100;
  for (let tick = 1; tick <= seconds * 100; tick++) {
    lab.writeLoad(node, perTick);
    lab.advance(10);
    if (tick % 100 === 0) sample();
  }
}

function limitWarnings(lab: Lab): LabEvent[] {
  return lab.events().filter((e) => e.detail.kind === "warning" && e.detail.code === "client-output-buffer-limit");
}

/** A client of `node` that pipelines `SET k<i> <size bytes>` over 100 keys (so the dataset stays small). */
function bigSetter(lab: Lab, node: NodeId, size: number): (count: number) => void {
  const connection = lab.openConnection(node, "127.0.0.1:50000", { onData: () => undefined, onClose: () => undefined });
  const value = "v".repeat(size);
  let next = 0;
  return (count) => {
    let text = "";
    for (let i = 0; i < count; i++) {
      const key = `k${next++ % 100}`;
      text += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n${value}\r\n`;
    }
    connection.send(new TextEncoder().encode(text));
  };
}

describe("client-output-buffer-limit for replicas (redis 7.0's defaults: replica 256mb 64mb 60)", () => {
  it("a frozen replica at 50k SET/s with repl-timeout 3600: dropped at the 256 MiB hard limit, memory bounded, then it resyncs", () => {
    const { lab, a, b } = replicaPair("obuf-default");
    lab.freeze(b);
    const set = bigSetter(lab, a, 4096);
    let peak = 0;
    // 50,000 SETs of 4 KiB per second, in 10 ms ticks, for 3 s: 200 MB/s of stream.
    for (let tick = 1; tick <= 300; tick++) {
      set(500);
      lab.advance(10);
      peak = Math.max(peak, lab.memory().machineBytes);
    }
    const warnings = limitWarnings(lab);
    expect(warnings).toHaveLength(1);
    const message = warnings[0]!.detail.message;
    expect(message).toContain("reached the hard limit of 268435456 bytes (client-output-buffer-limit slave 268435456 67108864 60)");
    expect(message).toMatch(/Client id=\d+ addr=\S+ laddr=\S+ fd=\d+ name= age=\d+ idle=\d+ flags=S .* omem=\d+ tot-mem=\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\.$/);
    expect(lab.events().some((e) => e.nodeName === "A" && e.detail.kind === "disconnect")).toBe(true);
    // What the master held for it: at most the hard limit (and the socket buffers), then a backlog's worth.
    expect(peak).toBeLessThan(256 * MIB + 32 * MIB);
    expect(lab.memory().machineBytes).toBeLessThan(16 * MIB);
    lab.thaw(b);
    lab.runUntilIdle(120_000);
    const master = asPsync2(lab.nodeSnapshot(a));
    const replica = asPsync2(lab.nodeSnapshot(b));
    expect(replica.linkUp).toBe(true);
    expect(replica.masterReplOffset).toBe(master.masterReplOffset);
    expect(master.stats.syncFull).toBe(2);
  }, 60_000);

  it("over the soft limit for longer than its seconds: dropped at the first write after; a replica that keeps up never is", () => {
    const { lab, a, b } = replicaPair("obuf-soft");
    lab.command(a, "CONFIG", "SET", "client-output-buffer-limit", "replica 64mb 4mb 5");
    const set = bigSetter(lab, a, 1024);
    // 5,000 SETs of 1 KiB per second: 5 MB/s of stream.
    const run = (seconds: number, sample: () => void): void => {
      for (let tick = 1; tick <= seconds * 100; tick++) {
        set(50);
        lab.advance(10);
        if (tick % 100 === 0) sample();
      }
    };
    run(5, () => undefined);
    expect(limitWarnings(lab)).toHaveLength(0);
    lab.freeze(b);
    const samples: number[] = [];
    run(12, () => samples.push(lab.memory().machineBytes));
    const warnings = limitWarnings(lab);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.detail.message).toContain("stayed over the soft limit of 4194304 bytes for more than 5 s (client-output-buffer-limit slave 67108864 4194304 5)");
    // Over 4 MiB once 8 MiB are unread (4 MiB sit in the socket buffers first), dropped 5 to 6 s later.
    const dropAt = warnings[0]!.timeMs;
    const frozenAt = lab.events().find((e) => e.detail.kind === "frozen")!.timeMs;
    expect(dropAt - frozenAt).toBeGreaterThan(6_000);
    expect(dropAt - frozenAt).toBeLessThan(9_000);
    expect(Math.max(...samples)).toBeLessThan(64 * MIB);
    lab.thaw(b);
    lab.runUntilIdle(120_000);
    expect(asPsync2(lab.nodeSnapshot(b)).masterReplOffset).toBe(asPsync2(lab.nodeSnapshot(a)).masterReplOffset);
  }, 60_000);

  it("CLIENT LIST on the master shows the frozen replica's output buffer growing past the socket buffers", () => {
    const { lab, a, b } = replicaPair("obuf-list");
    lab.freeze(b);
    writeFor(lab, a, 20_000, 5, () => undefined);
    const reply = lab.command(a, "CLIENT", "LIST", "TYPE", "replica");
    expect(reply.kind).toBe("bulk");
    const line = reply.kind === "bulk" && reply.value !== null ? new TextDecoder().decode(reply.value) : "";
    const omem = Number(/ omem=(\d+)/.exec(line)?.[1]);
    // 5 s at 20k SET/s is about 5 MB of stream; the socket buffers hold 4 MiB of it.
    expect(omem).toBeGreaterThan(0);
    expect(omem).toBeLessThan(4 * MIB);
  });
});
