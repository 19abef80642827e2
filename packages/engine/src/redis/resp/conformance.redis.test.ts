/**
 * Differential checks against the real thing: every request fixture is sent to a real redis-server
 * 7.0, and replies are printed by the real redis-cli on a pseudo-terminal. Skipped when redis-server
 * is not installed (the fixtures themselves were recorded from redis-server 7.0.15 and are checked by
 * the unit tests either way).
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToBinary, binaryToBytes, concatBytes } from "../../util/bytes.ts";
import { encodeCommandStrings, encodeReply } from "./encode.ts";
import { REQUEST_FIXTURES, type ExpectedRequest, type RequestFixture } from "./request-parser.fixtures.ts";
import { ReplyParser } from "./reply-parser.ts";
import { formatReplyForCli } from "./cli-format.ts";
import type { Reply } from "./reply.ts";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
const hasCliOnTty = hasRedis && spawnSync("redis-cli", ["--version"]).status === 0 && spawnSync("script", ["--version"]).status === 0;

/** How long a connection must stay silent before we conclude the server is waiting for more input. */
const QUIET_MS = 150;

interface Exchange {
  readonly reply: Uint8Array;
  readonly closed: boolean;
}

function exchange(socketPath: string, input: Uint8Array): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const received: Uint8Array[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: concatBytes(received), closed });
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), QUIET_MS);
    };
    socket.on("data", (chunk: Uint8Array) => {
      received.push(new Uint8Array(chunk));
      quiet();
    });
    socket.on("close", () => finish(true));
    socket.on("error", reject);
    socket.write(input, quiet);
  });
}

/** What the server answers to a parse result: fixtures only use PING and ECHO, whose replies show argv. */
function serverAnswer(result: ExpectedRequest): string {
  switch (result.kind) {
    case "command": {
      const [name, ...args] = result.argv;
      const arg = args[0];
      if (name!.toUpperCase() === "PING" && arg === undefined) return "+PONG\r\n";
      if (args.length === 1 && arg !== undefined && ["PING", "ECHO"].includes(name!.toUpperCase())) {
        return `$${arg.length}\r\n${arg}\r\n`;
      }
      throw new Error(`fixture command has no checkable reply: ${JSON.stringify(result.argv)}`);
    }
    case "error":
      return `-ERR ${result.message}\r\n`;
    case "empty":
    case "incomplete":
      return "";
  }
}

async function redisCommand(socketPath: string, ...words: string[]): Promise<Uint8Array> {
  return (await exchange(socketPath, encodeCommandStrings(...words))).reply;
}

describe.skipIf(!hasRedis)("conformance with a real redis-server", () => {
  let dir = "";
  let socketPath = "";
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "resp-conformance-"));
    socketPath = join(dir, "redis.sock");
    server = spawn(
      "redis-server",
      ["--port", "0", "--unixsocket", socketPath, "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 50));
    expect(bytesToBinary(await redisCommand(socketPath, "PING"))).toBe("+PONG\r\n");
  });

  afterAll(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function checkFixtures(fixtures: readonly RequestFixture[]): Promise<void> {
    const outcomes = await Promise.all(fixtures.map((f) => exchange(socketPath, f.input)));
    fixtures.forEach((fixture, i) => {
      const outcome = outcomes[i]!;
      const last = fixture.results[fixture.results.length - 1]!;
      const label = `${fixture.rule}: ${fixture.name}`;
      expect(bytesToBinary(outcome.reply), label).toBe(fixture.results.map(serverAnswer).join(""));
      expect(outcome.closed, label).toBe(last.kind === "error");
    });
  }

  it("RESP-4..RESP-22: the server answers each request fixture as the parser predicts", async () => {
    await checkFixtures(REQUEST_FIXTURES.filter((f) => f.maxBulkLength === undefined && !f.authRequired));
  });

  it("RESP-15: with proto-max-bulk-len configured", async () => {
    const fixtures = REQUEST_FIXTURES.filter((f) => f.maxBulkLength !== undefined);
    expect(new Set(fixtures.map((f) => f.maxBulkLength)).size).toBe(1);
    await redisCommand(socketPath, "CONFIG", "SET", "proto-max-bulk-len", String(fixtures[0]!.maxBulkLength));
    try {
      await checkFixtures(fixtures);
    } finally {
      await redisCommand(socketPath, "CONFIG", "SET", "proto-max-bulk-len", String(512 * 1024 * 1024));
    }
  });

  it("RESP-18: before authentication", async () => {
    await redisCommand(socketPath, "CONFIG", "SET", "requirepass", "sekret");
    try {
      await checkFixtures(REQUEST_FIXTURES.filter((f) => f.authRequired));
    } finally {
      await exchange(socketPath, concatBytes([encodeCommandStrings("AUTH", "sekret"), encodeCommandStrings("CONFIG", "SET", "requirepass", "")]));
    }
  });

  /** Lua scripts whose replies cover every RESP2 shape redis-cli prints differently. */
  const SCRIPTS = [
    "return 'hello'",
    "return redis.status_reply('OK')",
    "return redis.error_reply('MYERR bad thing')",
    "return 42",
    "return -7",
    "return false",
    "return {}",
    "return string.char(0,1,127,233,34,92,10,13,9,7,8,32,122,255)",
    "return {1,{2,{3,'x'},{}},{},'a',false}",
    "return {1,2,3,4,5,6,7,8,9,10,{1,2,3,4,5,6,7,8,9,10,11}}",
    "return {redis.status_reply('S'),redis.error_reply('E x'),{{{'deep'}}}}",
    "return redis.call('blpop','missing-list','0.01')",
  ];

  describe.skipIf(!hasCliOnTty)("redis-cli on a terminal", () => {
    for (const script of SCRIPTS) {
      it(`RESP-27/RESP-28: formats like redis-cli: ${script}`, async () => {
        const raw = await redisCommand(socketPath, "EVAL", script, "0");
        const parser = new ReplyParser();
        parser.push(raw);
        const reply = parser.next();
        if (reply === undefined || reply.kind === "protocol-error") throw new Error(`unparsed reply ${bytesToBinary(raw)}`);
        // RESP-2: re-encoding a real server's reply gives its bytes back.
        expect(bytesToBinary(encodeReply(reply as Reply))).toBe(bytesToBinary(raw));
        const quoted = `'${script.replace(/'/g, `'\\''`)}'`;
        const tty = spawnSync("script", ["-qc", `redis-cli -s ${socketPath} EVAL ${quoted} 0`, "/dev/null"], { encoding: "latin1" });
        const printed = fromTerminal(tty.stdout);
        expect(formatReplyForCli(reply as Reply)).toBe(printed);
      });
    }
  });
});

/** The pseudo-terminal turns LF into CRLF; redis-cli ends its output with a newline. */
function fromTerminal(latin1: string): string {
  const text = latin1.replace(/\r\n/g, "\n").replace(/\n$/, "");
  return new TextDecoder().decode(binaryToBytes(text));
}
