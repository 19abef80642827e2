/**
 * A replica applies its master's plain `SET k v` on a fast path (no argv, no dispatch): it must
 * leave what call() leaves. Expected values checked live on this machine against redis-server
 * 2.6.17, 2.8.24, 4.0.14 and 7.0.15 (a master and a replica, two SETs on the master once the link
 * is up: the replica's INFO commandstats shows `cmdstat_set:calls=2` and GET answers the second value).
 */
import { describe, expect, it } from "vitest";
import { Lab, fromUtf8, type NodeVersion, type Reply } from "../../index.ts";

function text(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : fromUtf8(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "error") return `-${reply.message}`;
  if (reply.kind === "integer") return String(reply.value);
  return JSON.stringify(reply);
}

describe.each<NodeVersion>(["2.6", "2.8", "4.0", "7.0"])("%s replica, plain SETs from its master", (version) => {
  it("counts them in commandstats and stores the last value", () => {
    const lab = new Lab({ seed: `plain-set-from-master:${version}` });
    const master = lab.addNode({ version }).id;
    const replica = lab.addNode({ version }).id;
    lab.replicaOf(replica, master);
    lab.runUntilIdle();
    lab.command(master, "SET", "k", "v");
    lab.command(master, "SET", "k", "v2");
    lab.runUntilIdle();
    const stats = text(lab.command(replica, "INFO", "commandstats"));
    expect(stats).toMatch(/^cmdstat_set:calls=2,/m);
    expect(text(lab.command(replica, "GET", "k"))).toBe("v2");
  });

  it("inside MULTI/EXEC and with a TTL on the key, takes the full path to the same data", () => {
    const lab = new Lab({ seed: `plain-set-from-master-multi:${version}` });
    const master = lab.addNode({ version }).id;
    const replica = lab.addNode({ version }).id;
    lab.replicaOf(replica, master);
    lab.runUntilIdle();
    lab.command(master, "SET", "t", "old", "EX", "1000");
    lab.command(master, "MULTI");
    lab.command(master, "SET", "a", "1");
    lab.command(master, "SET", "t", "new");
    lab.command(master, "EXEC");
    lab.runUntilIdle();
    expect(text(lab.command(replica, "GET", "a"))).toBe("1");
    expect(text(lab.command(replica, "GET", "t"))).toBe("new");
    // The plain SET dropped the key's TTL (7.0.15 live: a=1, t=new, TTL -1 on the replica).
    expect(text(lab.command(replica, "TTL", "t"))).toBe("-1");
  });
});
