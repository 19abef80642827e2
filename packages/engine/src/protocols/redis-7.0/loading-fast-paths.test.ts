/**
 * While a replica loads its master's RDB, the requests the node answers on a fast path (SET key
 * value, LPUSH/HSET/ZADD key …, the ZADD that changes nothing) get what processCommand gives them:
 * -LOADING on a writable replica (redis checks loading after the read-only check and before
 * running anything), so no write slips in under the load. Sent on a client connection, as
 * redis-benchmark sends them, since the fast paths sit in the input loop.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../../lab/lab.ts";
import { encodeCommand } from "../../redis/resp/encode.ts";
import { utf8 } from "../../util/bytes.ts";

describe("a loading 7.0 replica and the fast paths", () => {
  it("SET, LPUSH, HSET and ZADD on a writable replica get -LOADING while it loads, and run once it has loaded", () => {
    const lab = new Lab({ seed: "loading-fast-paths" });
    const master = lab.addNode({ name: "A", config: { "repl-diskless-sync": "no", "enable-debug-command": "yes" } }).id;
    const replica = lab.addNode({ name: "B", config: { "replica-read-only": "no" } }).id;
    lab.command(master, "DEBUG", "POPULATE", "40", "master", "100");
    lab.command(replica, "CONFIG", "SET", "key-load-delay", "100000");
    lab.replicaOf(replica, master);
    lab.advance(1000);
    expect(lab.nodeSnapshot(replica).linkPhase).toBe("loading");

    let replies = "";
    const connection = lab.openConnection(replica, "10.0.0.7:40001", { onData: (bytes) => (replies += new TextDecoder().decode(bytes)), onClose: () => undefined });
    const requests = [
      ["SET", "k", "v"],
      ["LPUSH", "l", "a"],
      ["HSET", "h", "f", "v"],
      ["ZADD", "z", "1", "m"],
    ];
    for (const argv of requests) connection.send(encodeCommand(argv.map(utf8)));
    lab.runUntil(lab.nowMs + 10);
    expect(replies).toBe("-LOADING Redis is loading the dataset in memory\r\n".repeat(requests.length));

    lab.advance(5000);
    expect(lab.nodeSnapshot(replica)).toMatchObject({ loading: null });
    replies = "";
    for (const argv of requests) connection.send(encodeCommand(argv.map(utf8)));
    lab.runUntil(lab.nowMs + 10);
    expect(replies).toBe("+OK\r\n:1\r\n:1\r\n:1\r\n");
  });
});
