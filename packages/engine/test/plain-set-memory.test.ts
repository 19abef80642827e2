/**
 * A plain `SET k v` from a client takes a fast path (RedisNode.tryPlainSet) that measures the
 * memory limits only where a SET before it in the same read could have reached one
 * (NodeMemory.plainSetOutOfMemory), and feeds a run of them to the replication stream as one
 * piece. redis checks maxmemory before every command, so the fast path's answer must be, at every
 * SET, what the full measure (NodeMemory.outOfMemory) says at that moment. Both limits: maxmemory,
 * and the lab's machine (its memory budget). The master keeps a backlog (its replica is killed), so
 * the stream grows by blocks too; pipelines of new keys, overwrites and DELs cross the limits.
 */
import { describe, expect, it } from "vitest";
import { Lab, RedisNode, encodeCommand, utf8, type LabConnection, type NodeId } from "../src/index.ts";
import { concatBytes } from "../src/util/bytes.ts";
type Limit = { readonly machineRoom?: number; readonly maxmemoryRoom?: number };

/** SETs of new keys (values of 40..300 bytes), overwrites, and a DEL of ten keys midway. */
function requests(): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < 200; i++) {
    const length = 40 + ((i * 37) % 260);
    out.push(["SET", i % 4 === 3 ? `k${i - 2}` : `k${i}`, String.fromCharCode(97 + (i % 26)).repeat(length)]);
    if (i === 120) out.push(["DEL", "k0", "k1", "k2", "k4", "k5", "k6", "k8", "k9", "k10", "k12"]);
  }
  out.push(["DBSIZE"]);
  return out;
}

/** A master with a backlog and no replica, and a client connected to it. */
function setUp(machineBytes?: number, maxmemory?: number): { lab: Lab; a: NodeId; received: Uint8Array[]; conn: LabConnection } {
  const lab = new Lab({ seed: "plain-set-memory", memoryLimitBytes: machineBytes });
  const a = lab.addNode({ config: { "repl-diskless-sync-delay": "0", ...(maxmemory === undefined ? {} : { maxmemory: String(maxmemory) }) } }).id;
  const b = lab.addNode().id;
  lab.replicaOf(b, a);
  lab.runUntilIdle();
  lab.kill(b);
  lab.runUntilIdle();
  const received: Uint8Array[] = [];
  const conn = lab.openConnection(a, "10.0.0.9:50000", { onData: (bytes) => received.push(bytes.slice()), onClose: () => {} });
  lab.runCurrent();
  return { lab, a, received, conn };
}

/** used_memory of a lab's node (as the machine counts it: no INFO, whose reply would count too). */
function usedMemory(lab: Lab, a: NodeId): number {
  return lab.memory().nodes.find((node) => node.id === a)!.bytes;
}

/**
 * Sends `requests()` as pipelines of `batch` requests; at every plain SET checks the fast path's
 * answer against the full measure taken at that moment. Returns the replies and the counts.
 */
function run(limit: Limit, batch: number): { replies: string; fast: number; measured: number; refused: number } {
  // The limit is `room` bytes above what the same lab uses before the SETs.
  const probe = setUp();
  const machineBytes = limit.machineRoom === undefined ? undefined : probe.lab.memory().machineBytes + limit.machineRoom;
  const maxmemory = limit.maxmemoryRoom === undefined ? undefined : usedMemory(probe.lab, probe.a) + limit.maxmemoryRoom;
  const { lab, a, received, conn } = setUp(machineBytes, maxmemory);
  const node = lab.process(a);
  if (!(node instanceof RedisNode)) throw new Error("not a redis node");
  const memory = node.memory;
  const counts = { fast: 0, measured: 0, refused: 0 };
  const fastPath = memory.plainSetOutOfMemory.bind(memory);
  const usedBytes = memory.usedBytes.bind(memory);
  let measures = 0;
  memory.usedBytes = (): number => {
    measures++;
    return usedBytes();
  };
  memory.plainSetOutOfMemory = (serial: number, keyLength: number, valueLength: number): boolean => {
    const exact = memory.outOfMemory();
    const before = measures;
    const answer = fastPath(serial, keyLength, valueLength);
    expect(answer).toBe(exact);
    if (answer) counts.refused++;
    else if (measures === before) counts.fast++;
    else counts.measured++;
    measures = before;
    return answer;
  };
  const encoded = requests().map((argv) => encodeCommand(argv.map(utf8)));
  for (let i = 0; i < encoded.length; i += batch) {
    conn.send(concatBytes(encoded.slice(i, i + batch)));
    lab.runCurrent();
  }
  lab.runUntilIdle();
  return { replies: Buffer.from(concatBytes(received)).toString("latin1"), ...counts };
}

describe("plain SETs in a pipeline and memory limits", () => {
  for (const kind of ["machineRoom", "maxmemoryRoom"] as const) {
    it(`answers every SET as the full measure would (${kind === "machineRoom" ? "the machine's limit" : "maxmemory"})`, () => {
      // Rooms in steps smaller than a backlog block (20 KiB), so in some run a block comes while
      // what is left of the room is less than a block.
      let fast = 0;
      let passedAfterDel = 0;
      for (let room = 20_000; room <= 90_000; room += 3_500) {
        for (const batch of [1, 16, 64]) {
          const result = run({ [kind]: room }, batch);
          // The fast path's answers were checked one by one; here, that each run means something:
          // SETs pass, then some are refused (each one -OOM reply).
          const lines = result.replies.split("\r\n");
          const del = lines.findIndex((line) => line.startsWith(":"));
          expect(lines.slice(0, del)).toContain("+OK");
          expect(result.refused).toBeGreaterThan(0);
          expect(result.refused).toBe(lines.filter((line) => line.startsWith("-OOM")).length);
          if (lines.slice(del + 1).includes("+OK")) passedAfterDel++;
          // One request per read measures every SET; pipelines let SETs through unmeasured.
          if (batch === 1) expect(result.fast).toBe(0);
          fast += result.fast;
        }
      }
      expect(fast).toBeGreaterThan(100);
      expect(passedAfterDel).toBeGreaterThan(10);
    });
  }
});
