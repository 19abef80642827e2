/**
 * A lab replica loading its master's RDB shows it: the link phase `loading` (ROLE still says
 * `sync`), INFO loading:1 or async_loading:1, and -LOADING for keys, while the load moves with the
 * bytes that arrive and with virtual time. What a real 7.0.15 pair does in the same steps is
 * checked live in apps/server/src/dropin/dropin-loading.test.ts; here, the lab's own view of it.
 */
import { describe, expect, it } from "vitest";
import { Lab } from "../../lab/lab.ts";
import type { Reply } from "../../redis/resp/reply.ts";

function text(reply: Reply): string {
  switch (reply.kind) {
    case "bulk":
      return reply.value === null ? "" : new TextDecoder().decode(reply.value);
    case "error":
      return `error: ${reply.message}`;
    case "simple":
      return reply.value;
    case "integer":
      return String(reply.value);
    default:
      return JSON.stringify(reply);
  }
}

function infoField(lab: Lab, id: Parameters<Lab["command"]>[0], section: string, field: string): string {
  const info = text(lab.command(id, "INFO", section));
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim() ?? "?";
}

describe("a 7.0 replica loading its master's RDB", () => {
  it("swapdb from a slow diskless master: loading while the RDB streams in, the old data back when the master drops it", () => {
    const lab = new Lab({ seed: "loading-swapdb" });
    const master = lab.addNode({ name: "A", config: { "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "0", rdbcompression: "no", "enable-debug-command": "yes" } }).id;
    const replica = lab.addNode({ name: "B", config: { "repl-diskless-load": "swapdb" } }).id;
    lab.command(replica, "SET", "mykey", "myvalue");
    lab.command(master, "DEBUG", "POPULATE", "40", "master", "10000");
    // 100 ms a key: the RDB streams for four seconds.
    lab.command(master, "CONFIG", "SET", "rdb-key-save-delay", "100000");
    lab.replicaOf(replica, master);
    lab.advance(1500);
    expect(lab.nodeSnapshot(replica)).toMatchObject({ linkPhase: "loading", loading: { async: false, totalBytes: 0 } });
    expect(infoField(lab, replica, "persistence", "loading")).toBe("1");
    expect(infoField(lab, replica, "persistence", "async_loading")).toBe("0");
    expect(text(lab.command(replica, "GET", "mykey"))).toBe("error: LOADING Redis is loading the dataset in memory");
    // ROLE keeps redis's word for the whole transfer.
    const role = lab.command(replica, "ROLE");
    expect(role.kind === "array" && role.items !== null ? text(role.items[3]!) : "?").toBe("sync");
    lab.command(master, "CONFIG", "SET", "repl-diskless-sync-delay", "5");
    lab.command(master, "CLIENT", "KILL", "TYPE", "replica");
    lab.advance(200);
    expect(lab.nodeSnapshot(replica)).toMatchObject({ loading: null });
    expect(text(lab.command(replica, "GET", "mykey"))).toBe("myvalue");
    expect(text(lab.command(replica, "DBSIZE"))).toBe("1");
  });

  it("a disk load made slow by key-load-delay ends with the master's data", () => {
    const lab = new Lab({ seed: "loading-disk" });
    const master = lab.addNode({ name: "A", config: { "repl-diskless-sync": "no", "enable-debug-command": "yes" } }).id;
    const replica = lab.addNode({ name: "B" }).id;
    lab.command(master, "DEBUG", "POPULATE", "40", "master", "100");
    lab.command(replica, "CONFIG", "SET", "key-load-delay", "100000");
    lab.replicaOf(replica, master);
    lab.advance(1000);
    expect(lab.nodeSnapshot(replica).linkPhase).toBe("loading");
    expect(text(lab.command(replica, "PING"))).toBe("error: LOADING Redis is loading the dataset in memory");
    lab.advance(5000);
    expect(lab.nodeSnapshot(replica)).toMatchObject({ linkPhase: "connected", loading: null, keys: 40 });
  });

  /**
   * A real 7.0.15 pair (master `repl-diskless-sync yes`, delay 0, 2,000 keys of 10 kB, rdbcompression
   * no; replica swapdb with key-load-delay 1000): the replica loaded for 2.25 s and the master's
   * "done reading from pipe" came 1.91 s after its child started, while the last 3.2 MB were still in
   * the kernel's buffers. The replica reads its socket only as far as it has loaded, so the master's
   * transfer waits for it.
   */
  it("a socket load slowed by key-load-delay holds the master's transfer back", () => {
    const lab = new Lab({ seed: "loading-paced" });
    const master = lab.addNode({ name: "A", config: { "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "0", rdbcompression: "no", "enable-debug-command": "yes" } }).id;
    const replica = lab.addNode({ name: "B", config: { "repl-diskless-load": "swapdb", "key-load-delay": "1000" } }).id;
    // Loopback speed, as on the real pair: the link alone would carry the RDB in 20 ms.
    lab.setLink(master, replica, { bandwidthBytesPerSec: 1e9 });
    lab.command(master, "DEBUG", "POPULATE", "2000", "test", "10000");
    lab.replicaOf(replica, master);
    lab.advance(10_000);
    const events = lab.events();
    const at = (node: string, test: (event: (typeof events)[number]) => boolean): number => events.find((event) => event.nodeId === node && test(event))?.timeMs ?? NaN;
    const childStart = at(master, (event) => event.message.startsWith("RDB child for replication started"));
    const pipeDone = at(master, (event) => event.message.startsWith("Diskless rdb transfer, done reading from pipe, 1 replicas"));
    const loadStart = at(replica, (event) => event.kind === "link" && event.message.startsWith("loading the master's RDB"));
    const loaded = at(replica, (event) => event.kind === "rdb");
    // 2,000 keys at 1 ms: the load takes 2 s of virtual time.
    expect(loaded - loadStart).toBeGreaterThanOrEqual(2000);
    expect(loaded - loadStart).toBeLessThan(2100);
    // The pipe ends when what is left fits in the socket's buffers (4 MB here, 3.2 MB on the real pair).
    expect(pipeDone - childStart).toBeGreaterThan(0.75 * (loaded - loadStart));
    expect(pipeDone).toBeLessThan(loaded);
    expect(lab.nodeSnapshot(replica)).toMatchObject({ linkPhase: "connected", keys: 2000 });
  });

  /**
   * replication.tcl's "diskless all replicas drop during rdb pipe", which a real 7.0.15 master logs
   * (dropin-rdb-pipe.test.ts, live) as "last replica dropped, killing fork child." and "Background
   * transfer terminated by signal 10": both replicas die at the same moment while the slow one holds
   * the transfer back. The master finds both gone before it reads the pipe again; had it read at
   * once, the rest of the RDB would have gone to the fast one's dead socket and the pipe would have
   * ended with "1 replicas still up".
   */
  it("replicas killed together mid-transfer: the master kills its RDB child", () => {
    const lab = new Lab({ seed: "pipe-drop" });
    const master = lab.addNode({ name: "A", config: { "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "1", "repl-diskless-sync-max-replicas": "2", rdbcompression: "no", "enable-debug-command": "yes" } }).id;
    const slow = lab.addNode({ name: "S", config: { "repl-diskless-load": "swapdb", "key-load-delay": "5000" } }).id;
    const fast = lab.addNode({ name: "F" }).id;
    for (const replica of [slow, fast]) lab.setLink(master, replica, { bandwidthBytesPerSec: 1e9 });
    lab.command(master, "DEBUG", "POPULATE", "2000", "test", "10000");
    lab.replicaOf(slow, master);
    lab.replicaOf(fast, master);
    lab.advance(3000);
    expect(infoField(lab, master, "persistence", "rdb_bgsave_in_progress")).toBe("1");
    // The slow one's end is found first: the one that held the pipe.
    lab.kill(slow);
    lab.kill(fast);
    lab.advance(1000);
    const lines = lab
      .events()
      .filter((event) => event.nodeId === master && /^(Diskless rdb transfer|Background (RDB )?transfer)/.test(event.message))
      .map((event) => event.message);
    expect(lines).toEqual(["Diskless rdb transfer, last replica dropped, killing fork child.", "Background transfer terminated by signal 10"]);
  });
});

