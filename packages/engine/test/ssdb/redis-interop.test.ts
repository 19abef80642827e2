/**
 * Issue 15: a Redis 7.0 node and an SSDB node pointed at each other in the lab say what the real
 * pair said (`fixture.interop`, redis-server 7.0.15 and ssdb-server 1.9.8 through the recording
 * proxy): neither understands the other's replication, and each keeps retrying.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REDIS_7_0 } from "../../src/protocols/redis-7.0/kind.ts";
import { SSDB } from "../../src/protocols/ssdb/kind.ts";
import type { SsdbNode } from "../../src/protocols/ssdb/node.ts";
import { World } from "../../src/sim/world.ts";
import type { InteropRun, SsdbFixture, WireMessage } from "./fixture-types.ts";
import { ProxyRecorder, proxyKind } from "./lab-proxy.ts";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/real-ssdb-1.9.8.json", import.meta.url), "utf8")) as SsdbFixture;

function run(name: string): InteropRun {
  const found = fixture.interop.find((r) => r.name === name);
  if (!found) throw new Error(`no interop run ${name}`);
  return found;
}

/** What went each way on a connection, as one escaped string per direction. */
function byDirection(messages: readonly WireMessage[]): Record<string, string> {
  const out: Record<string, string> = { "slave->master": "", "master->slave": "" };
  for (const m of messages) out[m.dir] += m.framing === "raw" ? m.bytes : m.blocks.join("|");
  return out;
}

function ssdbConf(settings: Record<string, string>): string {
  const built = SSDB.initialConfig(settings);
  if ("error" in built) throw new Error(built.error);
  return built.text;
}

describe("Redis 7.0 and SSDB linked in the lab", () => {
  it("an SSDB slave of a Redis 7.0 master: sync140 read as inline commands, errors back, the slave reconnects every second", () => {
    const world = new World({ seed: 3 });
    const proxy = new ProxyRecorder("127.0.0.1", 6379);
    world.addHost("127.0.0.1", 6379, REDIS_7_0, { "redis.conf": "" });
    world.addHost("127.0.0.1", 7000, proxyKind(proxy));
    world.addHost("127.0.0.1", 8882, SSDB, { "ssdb.conf": ssdbConf({ "replication.binlog.capacity": "10", "replication.slaveof.host": "127.0.0.1", "replication.slaveof.port": "7000" }) });
    world.runFor(2_500);
    const real = run("ssdbSlaveOfRedis");
    const lab = proxy.wire();
    expect(lab.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(byDirection(lab[i]!.messages), `connection ${i}`).toEqual(byDirection(real.wire[i]!.messages));
      expect(lab[i]!.closedBy?.side, `connection ${i}`).toBe(real.wire[i]!.closedBy?.side);
    }
    // One attempt a second: the real slave's connections 1 s apart (the lab's links add a few ms).
    expect(Math.abs(lab[1]!.openedMs - lab[0]!.openedMs - (real.wire[1]!.openedMs - real.wire[0]!.openedMs))).toBeLessThanOrEqual(30);
    const slave = world.hosts.get("127.0.0.1:8882")!.process as SsdbNode;
    const entry = real.ssdbInfo.replication[0]!;
    expect(slave.view().syncStatus).toBe(entry.fields["status"]);
    expect(slave.view().lastSeq).toBe(Number(entry.fields["last_seq"]));
  });

  it("a Redis 7.0 replica of an SSDB master: PING answered, REPLCONF and PSYNC unknown, SYNC drops the link", () => {
    const world = new World({ seed: 4 });
    const proxy = new ProxyRecorder("127.0.0.1", 8881);
    world.addHost("127.0.0.1", 8881, SSDB, { "ssdb.conf": ssdbConf({ "replication.binlog.capacity": "10" }) });
    world.addHost("127.0.0.1", 7000, proxyKind(proxy));
    world.addHost("127.0.0.1", 6379, REDIS_7_0, { "redis.conf": "replicaof 127.0.0.1 7000\n" });
    world.runFor(200);
    const real = run("redisReplicaOfSsdb");
    const lab = proxy.wire();
    expect(lab.length).toBeGreaterThan(0);
    // The recorded replica listened on another port.
    const normalize = (text: string): string => text.replace(/listening-port\\x0d\\x0a\$\d\\x0d\\x0a\d+/, "listening-port<port>");
    const labFirst = byDirection(lab[0]!.messages);
    const realFirst = byDirection(real.wire[0]!.messages);
    expect(normalize(labFirst["slave->master"]!)).toBe(normalize(realFirst["slave->master"]!));
    expect(labFirst["master->slave"]).toBe(realFirst["master->slave"]);
    expect(lab[0]!.closedBy?.side).toBe("master");
    const master = world.hosts.get("127.0.0.1:8881")!.process as SsdbNode;
    expect(master.view().replicas).toEqual([]);
  });
});
