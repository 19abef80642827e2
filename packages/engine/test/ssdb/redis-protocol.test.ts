/**
 * Issue 15: an SSDB node's client port answers the Redis protocol as ssdb-server 1.9.8 does
 * (`fixture.redisProtocol`: the same RESP requests, in the same order, on a fresh node with the same
 * binlog capacity; the raw reply bytes compared, `info` included), and SSDB's own protocol on the
 * same port.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SSDB } from "../../src/protocols/ssdb/kind.ts";
import { World } from "../../src/sim/world.ts";
import type { SsdbFixture } from "./fixture-types.ts";
import { encodePacket, escapeBytes, parsePacket } from "./ssdb-wire.ts";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

const ADDRESS = "127.0.0.1:8881";

/** A fresh SSDB node (capacity 10, as the recorded master) and a client connection to it. */
function node(): { world: World; send(bytes: Uint8Array): Uint8Array; closed(): boolean } {
  const world = new World({ seed: 1 });
  const conf = SSDB.initialConfig({ "replication.binlog.capacity": "10" });
  if ("error" in conf) throw new Error(conf.error);
  world.addHost("127.0.0.1", 8881, SSDB, { "ssdb.conf": conf.text });
  let received = new Uint8Array(0);
  let closed = false;
  const connection = world.connectExternal(ADDRESS, {
    onData: (bytes) => {
      const merged = new Uint8Array(received.length + bytes.length);
      merged.set(received);
      merged.set(bytes, received.length);
      received = merged;
    },
    onClose: () => {
      closed = true;
    },
  });
  world.runCurrent();
  return {
    world,
    send(bytes) {
      connection.send(bytes);
      world.runCurrent();
      const out = received;
      received = new Uint8Array(0);
      return out;
    },
    closed: () => closed,
  };
}

function resp(argv: readonly string[]): Uint8Array {
  let text = `*${argv.length}\r\n`;
  for (const a of argv) text += `$${a.length}\r\n${a}\r\n`;
  return new TextEncoder().encode(text);
}

describe("an SSDB node speaks the Redis protocol on its port (ssdb-server 1.9.8 replies)", () => {
  it("answers every recorded probe with the recorded bytes, in order", () => {
    const n = node();
    for (const probe of fixture.redisProtocol) {
      expect(escapeBytes(n.send(resp(probe.argv))), probe.argv.join(" ")).toBe(probe.reply);
    }
  });

  it("answers SSDB's protocol on the same port, and a request that is neither drops the link", () => {
    const n = node();
    const reply = parsePacket(n.send(encodePacket([new TextEncoder().encode("set"), new TextEncoder().encode("a"), new TextEncoder().encode("1")])));
    expect(reply.kind === "packet" && reply.blocks.map((b) => escapeBytes(b))).toEqual(["ok", "1"]);
    // An inline command (redis-cli's SYNC after a refused PSYNC): no reply, the connection closed.
    expect(n.send(new TextEncoder().encode("SYNC\r\n")).length).toBe(0);
    expect(n.closed()).toBe(true);
  });
});
