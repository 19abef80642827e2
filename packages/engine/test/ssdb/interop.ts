/**
 * A real redis-server and a real ssdb-server pointed at each other, through the recording proxy:
 * what each says to the other (they do not understand each other's replication), for the lab's
 * "a Redis node and an SSDB node linked" case.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToBinary } from "../../src/util/bytes.ts";
import { freePort, parseInfo, RespClient } from "../backends.ts";
import type { InteropRun, LogLine } from "./fixture-types.ts";
import { sleep } from "./pair-harness.ts";
import { RecordingProxy } from "./recording-proxy.ts";
import { parseSsdbInfo } from "./ssdb-info.ts";
import { SsdbServerProcess } from "./ssdb-server.ts";

/** How long each pair is left talking (a few of the ssdb slave's 1 s reconnect cycles). */
const TALK_MS = 7_000;
/** Connections kept in a run's wire trace; every further one repeats the same exchange. */
const KEPT_CONNECTIONS = 3;

/** Starts redis-server on `port` (no persistence) and returns a stopper that kills it by PID. */
async function startRedis(bin: string, port: number, dir: string, extra: string[]): Promise<() => Promise<void>> {
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...extra], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; i < 100; i++) {
    try {
      const client = await RespClient.connect(port);
      client.close();
      break;
    } catch {
      await sleep(50);
    }
  }
  return async () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    await exited;
  };
}

/** The ssdb-server log lines about links and replication (the first 40: later ones repeat). */
const replicationLines = (lines: LogLine[]): LogLine[] => lines.filter((l) => /^(backend_sync|slave|link|server)\.cpp\(/.test(l.source)).slice(0, 40);

/** ssdb-server as a slave of redis-server. */
async function ssdbSlaveOfRedis(ssdbBin: string, redisBin: string, root: string): Promise<InteropRun> {
  const originMs = Date.now();
  const redisPort = await freePort();
  const stopRedis = await startRedis(redisBin, redisPort, root, []);
  const proxy = new RecordingProxy(redisPort, originMs);
  await proxy.open();
  const slave = new SsdbServerProcess("slave", ssdbBin, join(root, "ssdb-slave"), {
    port: await freePort(),
    binlogCapacity: 10,
    slaveOf: { host: "127.0.0.1", port: proxy.port },
  });
  try {
    const redis = await RespClient.connect(redisPort);
    await redis.command("SET", "rk", "rv");
    redis.close();
    await slave.start();
    await sleep(TALK_MS);
    const client = await slave.client();
    const info = parseSsdbInfo((await client.request("info")).map((b) => bytesToBinary(b)));
    return {
      name: "ssdbSlaveOfRedis",
      description: `ssdb-server with slaveof pointing at redis-server 7.0 (which holds one key), left for ${TALK_MS} ms.`,
      wire: proxy.wire({ head: 40, tail: 10 }).slice(0, KEPT_CONNECTIONS),
      connectionCount: proxy.connectionCount,
      redisInfo: null,
      ssdbInfo: info,
      ssdbLog: replicationLines(slave.readNewLog(originMs)),
    };
  } finally {
    await proxy.close();
    await slave.kill();
    await stopRedis();
  }
}

/** redis-server as a replica of ssdb-server. */
async function redisReplicaOfSsdb(ssdbBin: string, redisBin: string, root: string): Promise<InteropRun> {
  const originMs = Date.now();
  const master = new SsdbServerProcess("master", ssdbBin, join(root, "ssdb-master"), { port: await freePort(), binlogCapacity: 10, slaveOf: null });
  await master.start();
  const proxy = new RecordingProxy(master.port, originMs);
  await proxy.open();
  const redisPort = await freePort();
  const redisDir = join(root, "redis-replica");
  mkdirSync(redisDir, { recursive: true });
  let stopRedis: (() => Promise<void>) | null = null;
  try {
    await (await master.client()).request("set", "k1", "v1");
    stopRedis = await startRedis(redisBin, redisPort, redisDir, ["--replicaof", "127.0.0.1", String(proxy.port)]);
    await sleep(TALK_MS);
    const redis = await RespClient.connect(redisPort);
    const redisInfo = parseInfo(await redis.command("INFO", "replication"));
    redis.close();
    const info = parseSsdbInfo((await (await master.client()).request("info")).map((b) => bytesToBinary(b)));
    return {
      name: "redisReplicaOfSsdb",
      description: `redis-server 7.0 started with --replicaof pointing at ssdb-server (which holds one key), left for ${TALK_MS} ms.`,
      wire: proxy.wire({ head: 40, tail: 10 }).slice(0, KEPT_CONNECTIONS),
      connectionCount: proxy.connectionCount,
      redisInfo,
      ssdbInfo: info,
      ssdbLog: replicationLines(master.readNewLog(originMs)),
    };
  } finally {
    await proxy.close();
    if (stopRedis) await stopRedis();
    await master.kill();
  }
}

/** Both interop runs, in a temporary directory removed afterwards. */
export async function recordInterop(ssdbBin: string, redisBin: string): Promise<InteropRun[]> {
  const root = mkdtempSync(join(tmpdir(), "ssdb-interop-"));
  try {
    return [await ssdbSlaveOfRedis(ssdbBin, redisBin, root), await redisReplicaOfSsdb(ssdbBin, redisBin, root)];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
