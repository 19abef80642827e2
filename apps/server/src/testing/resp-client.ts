/**
 * Test support for interop with real redis-server: a small pipelining RESP client (binary-safe,
 * the engine's own reply parser), keyspace dumps to compare two servers key by key, and the
 * replication figures two servers must agree on.
 */
import { Socket } from "node:net";
import { encodeCommand, ReplyParser, utf8, type Reply } from "@replica-lab/engine";
import { parseInfo, waitFor } from "./helpers.ts";

type Arg = string | number | Uint8Array;

/** One connection to 127.0.0.1:`port`; commands may be pipelined (replies come back in order). */
export class RespClient {
  private readonly parser = new ReplyParser();
  private readonly waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("data", (chunk: Buffer) => {
      this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      for (;;) {
        const reply = this.parser.next();
        if (reply === undefined) break;
        if (reply.kind === "protocol-error") {
          this.fail(new Error(`protocol error from ${port}`));
          return;
        }
        this.waiting.shift()?.resolve(reply);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => this.fail(new Error(`connection to ${port} closed`)));
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        resolve(new RespClient(socket, port));
      });
    });
  }

  call(...args: Arg[]): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error(`connection to ${this.port} is closed`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeCommand(args.map((a) => (typeof a === "string" ? utf8(a) : typeof a === "number" ? utf8(String(a)) : a))));
    });
  }

  /** A command whose reply must not be an error; bulk and status replies as text. */
  async text(...args: Arg[]): Promise<string> {
    const reply = await this.call(...args);
    switch (reply.kind) {
      case "error":
        throw new Error(`${args.join(" ")} on ${this.port}: ${reply.message}`);
      case "simple":
        return reply.value;
      case "integer":
        return String(reply.value);
      case "bulk":
        return reply.value === null ? "" : Buffer.from(reply.value).toString("utf8");
      case "array":
        return JSON.stringify(reply.items);
    }
  }

  async info(...sections: string[]): Promise<Record<string, string>> {
    return parseInfo(await this.text("INFO", ...sections));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0, this.waiting.length)) waiter.reject(error);
  }
}

/** One key as two servers must agree on it. */
export interface KeyState {
  /** The value's bytes as hex (binary-safe, exact). */
  readonly valueHex: string;
  /** Milliseconds to live, or -1. */
  readonly pttlMs: number;
}

/** Every key of the given dbs: `db:key` → value and TTL. Pipelined, so thousands of keys are cheap. */
export async function dumpKeyspace(client: RespClient, dbs: readonly number[]): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  for (const db of dbs) {
    await client.text("SELECT", db);
    const keysReply = await client.call("KEYS", "*");
    const keys = keysReply.kind === "array" && keysReply.items ? keysReply.items.map((item) => (item.kind === "bulk" && item.value ? item.value : new Uint8Array(0))) : [];
    const replies = await Promise.all(keys.flatMap((key) => [client.call("GET", key), client.call("PTTL", key)]));
    keys.forEach((key, i) => {
      const value = replies[i * 2]!;
      const ttl = replies[i * 2 + 1]!;
      out.set(`${db}:${Buffer.from(key).toString("latin1")}`, {
        valueHex: value.kind === "bulk" && value.value ? Buffer.from(value.value).toString("hex") : `(${value.kind})`,
        pttlMs: ttl.kind === "integer" ? ttl.value : -3,
      });
    });
  }
  await client.text("SELECT", 0);
  return out;
}

/**
 * Differences between two keyspaces, as readable lines (empty: equal). TTLs are compared within
 * `ttlSlackMs`: the two servers read their clocks at different moments.
 */
export function keyspaceDifferences(a: ReadonlyMap<string, KeyState>, b: ReadonlyMap<string, KeyState>, ttlSlackMs = 2_000): string[] {
  const out: string[] = [];
  for (const [key, left] of a) {
    const right = b.get(key);
    if (!right) out.push(`${key}: missing on the second server`);
    else if (left.valueHex !== right.valueHex) out.push(`${key}: values differ`);
    else if ((left.pttlMs < 0 || right.pttlMs < 0) && left.pttlMs !== right.pttlMs) out.push(`${key}: ttl ${left.pttlMs} vs ${right.pttlMs}`);
    else if (Math.abs(left.pttlMs - right.pttlMs) > ttlSlackMs) out.push(`${key}: ttl ${left.pttlMs} vs ${right.pttlMs}`);
  }
  for (const key of b.keys()) if (!a.has(key)) out.push(`${key}: missing on the first server`);
  return out;
}

/** The `INFO replication` figures that say where a server stands in a replication history. */
export interface ReplicationPosition {
  readonly role: string;
  readonly linkStatus: string | null;
  readonly replid: string;
  readonly replid2: string;
  readonly offset: number;
  readonly secondOffset: number;
  readonly slaveOffset: number | null;
}

export async function position(client: RespClient): Promise<ReplicationPosition> {
  const info = await client.info("replication");
  return {
    role: info.role ?? "",
    linkStatus: info.master_link_status ?? null,
    replid: info.master_replid ?? "",
    replid2: info.master_replid2 ?? "",
    offset: Number(info.master_repl_offset),
    secondOffset: Number(info.second_repl_offset),
    slaveOffset: info.slave_repl_offset === undefined ? null : Number(info.slave_repl_offset),
  };
}

/** Waits until every server reports the same replid and master_repl_offset (and linked replicas are up). */
export async function waitForSamePosition(clients: readonly RespClient[], timeoutMs = 15_000): Promise<ReplicationPosition[]> {
  let last: ReplicationPosition[] = [];
  try {
    await waitFor(
      async () => {
        last = await Promise.all(clients.map((c) => position(c)));
        const first = last[0]!;
        return last.every((p) => p.replid === first.replid && p.offset === first.offset && (p.role === "master" || p.linkStatus === "up"));
      },
      timeoutMs,
      "equal replid and offset",
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${JSON.stringify(last)}`, { cause: error });
  }
  return last;
}

/** A field of INFO stats as a number. */
export async function stat(client: RespClient, field: "sync_full" | "sync_partial_ok" | "sync_partial_err"): Promise<number> {
  return Number((await client.info("stats"))[field]);
}
