/**
 * The outbound connector (connections to addresses no simulated host holds), without sockets: a
 * node of one lab replicates from a node of another lab, the connector carrying the bytes between
 * the two worlds as the server's real sockets would. Both worlds advance together.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../lab/lab.ts";
import type { NodeId } from "../lab/types.ts";
import { asPsync2 } from "../lab/narrow.ts";
import type { Reply } from "../redis/resp/reply.ts";
import { encodeCommand } from "../redis/resp/encode.ts";
import { fromUtf8, utf8 } from "../util/bytes.ts";
import type { OutboundConnector, OutboundEvents } from "./world.ts";

function text(reply: Reply): string {
  if (reply.kind === "bulk" && reply.value) return fromUtf8(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "error") return `-${reply.message}`;
  if (reply.kind === "integer") return String(reply.value);
  return JSON.stringify(reply);
}

function info(lab: Lab, id: NodeId, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text(lab.command(id, "INFO", section)).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

interface Bridge {
  readonly connector: OutboundConnector;
  /** Sockets the connector opened and has not closed yet. */
  readonly open: Set<number>;
  opened: number;
  /** The events of the latest connection (to play the master's part directly). */
  events: OutboundEvents | null;
}

/** A connector that reaches the hosts of `outside` (refusing `refuse`), delivering at once. */
function bridge(inside: Lab, outside: Lab, refuse: (address: string) => string | null = () => null): Bridge {
  const state: Bridge = {
    open: new Set(),
    opened: 0,
    events: null,
    connector: {
      open(address: string, fromAddress: string, events: OutboundEvents) {
        const reason = refuse(address);
        if (reason !== null) return { refused: reason };
        const id = ++state.opened;
        state.open.add(id);
        state.events = events;
        const connection = outside.openConnection(
          outside.nodeByAddress(address)!,
          fromAddress,
          {
            onData: (bytes) => {
              events.data(bytes);
              inside.runCurrent();
            },
            onClose: () => {
              state.open.delete(id);
              events.closed();
              inside.runCurrent();
            },
          },
        );
        // The outside kernel answers the SYN at once.
        events.opened();
        return {
          send: (bytes) => {
            connection.send(bytes);
            outside.runCurrent();
          },
          close: () => {
            state.open.delete(id);
            connection.close();
            outside.runCurrent();
          },
        };
      },
    },
  };
  inside.setOutboundConnector(state.connector);
  return state;
}

/** Advances both worlds by `ms` in small steps. */
function advance(a: Lab, b: Lab, ms: number): void {
  for (let t = 0; t < ms; t += 5) {
    b.advance(5);
    a.advance(5);
  }
}

describe("World: outbound connector", () => {
  it("a node full-syncs from a master outside its world, streams, answers GETACK and resyncs partially", () => {
    const outside = new Lab({ seed: "outside" });
    const inside = new Lab({ seed: "inside" });
    const master = outside.addNode({ port: 7000, config: { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" } }).id;
    const replica = inside.addNode({ port: 7100, config: { "repl-ping-replica-period": "3600" } }).id;
    bridge(inside, outside);
    outside.command(master, "SET", "a", "1");
    outside.command(master, "SET", "long", "x".repeat(500));
    expect(text(inside.command(replica, "REPLICAOF", "127.0.0.1", "7000"))).toBe("OK");
    advance(inside, outside, 1_500);
    expect(inside.nodeSnapshot(replica).linkUp).toBe(true);
    outside.command(master, "SET", "b", "2");
    advance(inside, outside, 50);
    expect(text(inside.command(replica, "GET", "b"))).toBe("2");
    expect(text(inside.command(replica, "GET", "long"))).toBe("x".repeat(500));
    const m = asPsync2(outside.nodeSnapshot(master));
    const r = asPsync2(inside.nodeSnapshot(replica));
    expect(r.replid).toBe(m.replid);
    expect(r.masterReplOffset).toBe(m.masterReplOffset);
    // The master's replica entry is the inside node's announced port.
    expect(m.replicas.map((x) => x.address)).toEqual(["127.0.0.1:7100"]);

    // WAIT on the master sends GETACK through the bridge; the answer comes back the same way.
    outside.command(master, "SET", "c", "3");
    expect(text(outside.command(master, "WAIT", "1", "1000"))).toBe("1");

    // A dropped link resumes with a partial resync.
    outside.command(master, "CLIENT", "KILL", "TYPE", "replica");
    advance(inside, outside, 1_500);
    expect(inside.nodeSnapshot(replica).linkUp).toBe(true);
    expect(asPsync2(outside.nodeSnapshot(master)).stats.syncPartialOk).toBe(1);
  });

  it("a command from the master that the lab does not model is counted and reported once; its bytes still count", () => {
    const outside = new Lab({ seed: "outside" });
    const inside = new Lab({ seed: "inside" });
    outside.addNode({ port: 7000, config: { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" } });
    const replica = inside.addNode({ port: 7100, config: { "repl-ping-replica-period": "3600" } }).id;
    const link = bridge(inside, outside);
    inside.command(replica, "REPLICAOF", "127.0.0.1", "7000");
    advance(inside, outside, 1_500);
    expect(inside.nodeSnapshot(replica).linkUp).toBe(true);
    expect(info(inside, replica, "stats").unexpected_error_replies).toBe("0");
    const before = asPsync2(inside.nodeSnapshot(replica)).masterReplOffset;
    // A real master's XADD (streams are not modelled), twice, as its stream would carry it.
    const rpush = encodeCommand(["XADD", "stream", "1-1", "f", "v"].map(utf8));
    link.events!.data(rpush);
    link.events!.data(rpush);
    inside.runCurrent();
    expect(asPsync2(inside.nodeSnapshot(replica)).masterReplOffset).toBe(before + 2 * rpush.length);
    expect(info(inside, replica, "stats").unexpected_error_replies).toBe("2");
    const warnings = inside.events().filter((e) => e.detail.kind === "warning" && e.detail.code === "master-command-failed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain("the master's XADD failed here (ERR unknown command 'XADD'");
    expect(inside.nodeSnapshot(replica).linkUp).toBe(true);
  });

  it("a refused address reports the connector's reason in the node's log, and retries", () => {
    const inside = new Lab({ seed: "refuse" });
    const outside = new Lab({ seed: "other" });
    const replica = inside.addNode({ port: 7100 }).id;
    bridge(inside, outside, (address) => `outbound connections to ${address} are not allowed`);
    inside.command(replica, "REPLICAOF", "10.1.2.3", "6379");
    inside.advance(2_500);
    const refusals = inside.events().filter((e) => e.message.includes("error condition on socket for SYNC: outbound connections to 10.1.2.3:6379 are not allowed"));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(inside.nodeSnapshot(replica).linkUp).toBe(false);
  });

  it("a connection abandoned while opening closes the real socket (REPLICAOF NO ONE, kill)", () => {
    const inside = new Lab({ seed: "abandon" });
    const replica = inside.addNode({ port: 7100 }).id;
    const closed: string[] = [];
    let pending: OutboundEvents | null = null;
    inside.setOutboundConnector({
      open(address, _from, events) {
        pending = events; // never opens: a SYN the outside never answers
        return { send: () => undefined, close: () => closed.push(address) };
      },
    });
    inside.command(replica, "REPLICAOF", "127.0.0.1", "7001");
    inside.advance(100);
    expect(pending).not.toBeNull();
    inside.command(replica, "REPLICAOF", "NO", "ONE");
    inside.advance(10);
    expect(closed).toEqual(["127.0.0.1:7001"]);

    inside.command(replica, "REPLICAOF", "127.0.0.1", "7002");
    inside.advance(100);
    inside.kill(replica);
    expect(closed).toEqual(["127.0.0.1:7001", "127.0.0.1:7002"]);
  });

  it("INFO persistence reports the keys the last full sync loaded and the unsupported ones it skipped", () => {
    const outside = new Lab({ seed: "types" });
    const inside = new Lab({ seed: "types-in" });
    const master = outside.addNode({ port: 7000, config: { "repl-diskless-sync-delay": "0" } }).id;
    const replica = inside.addNode({ port: 7100 }).id;
    bridge(inside, outside);
    outside.command(master, "SET", "a", "1");
    outside.command(master, "SET", "b", "2");
    expect(info(inside, replica, "persistence").lab_rdb_last_load_keys_unsupported).toBe("0");
    inside.command(replica, "REPLICAOF", "127.0.0.1", "7000");
    advance(inside, outside, 1_500);
    const persistence = info(inside, replica, "persistence");
    expect(persistence.rdb_last_load_keys_loaded).toBe("2");
    expect(persistence.rdb_last_load_keys_expired).toBe("0");
    expect(persistence.lab_rdb_last_load_keys_unsupported).toBe("0");

    // A dump holding an empty stream (a type the lab does not model) and a string, checksum disabled.
    const ascii = (t: string): number[] => [...t].map((c) => c.charCodeAt(0));
    const dump = new Uint8Array([
      ...ascii("REDIS0010"),
      0xfe, 0x00, 0xfb, 0x02, 0x00,
      0x0f, 0x01, ...ascii("l"), 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x01, ...ascii("s"), 0x01, ...ascii("v"),
      0xff, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const lone = inside.addNode({ port: 7200 }).id;
    inside.writeFile(lone, "dump.rdb", dump);
    inside.restart(lone);
    const after = info(inside, lone, "persistence");
    expect(after.rdb_last_load_keys_loaded).toBe("1");
    expect(after.lab_rdb_last_load_keys_unsupported).toBe("1");
    const warning = inside.events().find((e) => e.nodeId === lone && e.detail.kind === "warning" && e.detail.code === "rdb-unsupported-types");
    expect(warning?.message).toContain("stream:l");
  });
});
