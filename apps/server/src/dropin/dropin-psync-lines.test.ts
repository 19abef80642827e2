/**
 * What a master logs when a PSYNC is refused or a full sync has to wait for its RDB, as redis
 * 7.0.15 words it (masterTryPartialResynchronization, syncCommand): a replication id it does not
 * know (naming the id asked for and both of its own), an offset past its backlog (and the warning
 * for one past its own offset), an offset past where its second id ends, and the four ways a full
 * sync waits for an RDB child (attached to the running one, not attachable, a child writing to
 * sockets, a diskless sync's delay). Replicas that announce no listening port are named
 * `ip:<unknown-replica-port>`, as redis names them; REPLICAOF's lines name the client that sent
 * it (its CLIENT LIST line). Run on bin/replica-lab-server processes and, beside
 * them, on real redis-server 7.0.15 processes doing the same steps; the expected lines are the real
 * ones, live. Without redis-server installed these tests fail; they never skip.
 */
import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import { configText, logTexts, replicaStates, requireRedisServer, TestServers } from "./launcher-process.ts";

const SETTINGS = { save: "", "enable-debug-command": "yes", "repl-ping-replica-period": "3600", "repl-diskless-sync": "no" };
const WAIT_MS = 60_000;
const LINES = /^(Replica \S+ asks for synchronization|Full resync requested|Partial resynchronization not accepted|Unable to partial resync|Warning: replica|Waiting for end of BGSAVE|Can't attach the replica|Current BGSAVE has socket target|Delay next BGSAVE|REPLICAOF \S+ enabled|MASTER MODE enabled)/;
/** CLIENT LIST fields whose values two servers share for the same client (the rest are ids, addresses, sizes). */
const SHARED_FIELDS = new Set(["name", "flags", "db", "sub", "psub", "ssub", "multi", "events", "cmd", "user", "redir", "resp"]);

/** A client's info line (catClientInfoString) with its own values named by field. */
function clientInfo(line: string): string {
  return line
    .split(" ")
    .map((field) => {
      const at = field.indexOf("=");
      const name = field.slice(0, at);
      return SHARED_FIELDS.has(name) ? field : `${name}=_`;
    })
    .join(" ");
}

/** A client that speaks as a bare replica would: commands as lines, the first reply line read. */
class RawReplica {
  private buffered = "";
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered += chunk.toString("latin1");
      this.waiting?.();
    });
    socket.on("error", () => {
      // The master may close it; the test closes it too.
    });
  }

  static open(port: number): Promise<RawReplica> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawReplica(socket)));
      socket.once("error", reject);
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** The first line the master sent that is not a keep-alive newline. */
  async firstLine(): Promise<string> {
    for (const started = Date.now(); Date.now() - started < WAIT_MS; ) {
      const text = this.buffered.replace(/^\n+/, "");
      const end = text.indexOf("\r\n");
      if (end >= 0) {
        this.buffered = text.slice(end + 2);
        return text.slice(0, end);
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
      this.waiting = null;
    }
    throw new Error("no reply line from the master");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The master's lines of interest, with replication ids and the given numbers named. */
function lines(log: string, names: ReadonlyMap<string, string> = new Map()): string[] {
  return logTexts(log)
    .filter((text) => LINES.test(text))
    .map((text) => {
      let named = text.replace(/user request from '(.*)'\)$/, (_, info: string) => `user request from '${clientInfo(info)}')`).replace(/[0-9a-f]{40}/g, (id) => names.get(id) ?? (/^0+$/.test(id) ? "ZEROS" : "ID"));
      for (const [value, name] of names) if (/^\d+$/.test(value)) named = named.replace(new RegExp(`\\b${value}\\b`, "g"), name);
      return named;
    });
}

async function slaves(client: RespClient): Promise<number> {
  return (await replicaStates(client)).length;
}

describe("a master's PSYNC refusals and full-sync waits, launcher processes against real redis-server", () => {
  const scratch = scratchDir("dropin-psync-lines-");
  const servers = new TestServers(scratch.dir, configText(SETTINGS), SETTINGS);
  afterAll(async () => {
    await servers.stop();
    scratch.remove();
  });

  async function refusals(kind: "lab" | "real"): Promise<string[]> {
    const master = await servers.start(kind, "refusals-master");
    const replica = await servers.start(kind, "refusals-replica");
    const [m, r] = await Promise.all([RespClient.connect(master.port), RespClient.connect(replica.port)]);
    try {
      // An id the master never had.
      const a = await RawReplica.open(master.port);
      a.send("PSYNC replicationid -1");
      expect(await a.firstLine()).toMatch(/^\+FULLRESYNC [0-9a-f]{40} 0$/);
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the child to be collected");
      a.close();
      await waitFor(async () => (await slaves(m)) === 0, WAIT_MS, "the first replica to be gone");
      // Its own id, with an offset past its backlog (and past its own offset).
      await m.text("SET", "k", "v");
      const info = await m.info("replication");
      const past = Number(info.master_repl_offset) + 1000;
      const b = await RawReplica.open(master.port);
      b.send(`PSYNC ${info.master_replid} ${past}`);
      expect(await b.firstLine()).toMatch(/^\+FULLRESYNC /);
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the child to be collected");
      b.close();
      // A promoted replica: its old master's id is its second, good up to where it was promoted.
      await r.text("REPLICAOF", "127.0.0.1", String(master.port));
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", WAIT_MS, "the replica's link to be up");
      await r.text("REPLICAOF", "NO", "ONE");
      const promoted = await r.info("replication");
      const second = Number(promoted.second_repl_offset);
      const c = await RawReplica.open(replica.port);
      c.send(`PSYNC ${promoted.master_replid2} ${second + 50}`);
      expect(await c.firstLine()).toMatch(/^\+FULLRESYNC /);
      c.close();
      const names = new Map([
        [info.master_replid!, "MASTER_ID"],
        [String(past), "PAST"],
        [promoted.master_replid!, "PROMOTED_ID"],
        [String(second + 50), "SECOND+50"],
        [String(second), "SECOND"],
        // The promoted replica, as it announced itself (REPLCONF listening-port) to its master.
        [String(replica.port), "REPLICA_PORT"],
        [String(master.port), "MASTER_PORT"],
      ]);
      return [...lines(master.log, names), "-- promoted replica --", ...lines(replica.log, names).filter((text) => !text.includes("Warning: replica"))];
    } finally {
      m.close();
      r.close();
    }
  }

  async function waits(kind: "lab" | "real"): Promise<string[]> {
    const master = await servers.start(kind, "waits-master");
    const m = await RespClient.connect(master.port);
    const open: RawReplica[] = [];
    const replica = async (...commands: string[]): Promise<RawReplica> => {
      const client = await RawReplica.open(master.port);
      open.push(client);
      for (const command of commands) client.send(command);
      return client;
    };
    try {
      // A disk child of 20 keys at 0.1 s a key: two seconds. With a save point its file is worth
      // keeping, so it is not killed when no replica waits for it any more (freeClient).
      await m.text("DEBUG", "POPULATE", 20);
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 100_000);
      await m.text("CONFIG", "SET", "save", "3600 1");
      const a = await replica("SYNC");
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "1", WAIT_MS, "the disk child");
      // Attached to the child the first replica waits for.
      const b = await replica("SYNC");
      await waitFor(async () => (await slaves(m)) === 2, WAIT_MS, "the second replica");
      a.close();
      b.close();
      await waitFor(async () => (await slaves(m)) === 0, WAIT_MS, "both replicas to be gone");
      // The child runs for nobody now: a new replica cannot attach to it.
      const c = await replica("SYNC");
      await waitFor(async () => (await slaves(m)) === 1, WAIT_MS, "the third replica");
      c.close();
      await waitFor(async () => (await slaves(m)) === 0 && (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the children to end");
      await m.text("CONFIG", "SET", "save", "");
      // Diskless, with a delay: the first waits for it; one more comes while the child writes to sockets.
      await m.text("CONFIG", "SET", "repl-diskless-sync", "yes");
      await m.text("CONFIG", "SET", "repl-diskless-sync-delay", 1);
      const d = await replica("REPLCONF capa eof capa psync2");
      expect(await d.firstLine()).toBe("+OK");
      d.send("PSYNC ? -1");
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "1", WAIT_MS, "the socket child");
      const e = await replica("REPLCONF capa eof capa psync2");
      expect(await e.firstLine()).toBe("+OK");
      e.send("PSYNC ? -1");
      await waitFor(async () => (await slaves(m)) === 2, WAIT_MS, "the replica that came late");
      return lines(master.log);
    } finally {
      for (const client of open) client.close();
      m.close();
    }
  }

  it("words a refused PSYNC as redis does: an unknown id, an offset past the backlog, past the second id's end", async () => {
    requireRedisServer();
    const real = await refusals("real");
    expect(real.length).toBeGreaterThanOrEqual(6);
    expect(await refusals("lab")).toEqual(real);
  }, 180_000);

  it("says how a full sync waits for its RDB: attached, not attachable, behind a socket child, a diskless delay", async () => {
    requireRedisServer();
    const real = await waits("real");
    expect(real.filter((text) => !text.startsWith("Replica ") && !text.startsWith("Full resync"))).toHaveLength(4);
    expect(await waits("lab")).toEqual(real);
  }, 180_000);
});
