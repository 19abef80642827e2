/**
 * Records the replies real redis-servers give to hyperloglog-cases.ts, into
 * fixtures/hyperloglog.json. Each server runs on a free loopback port with persistence off and is
 * stopped by its PID. Run it by hand when the cases change, with the binaries you built:
 *   REDIS_2_8_BIN=… REDIS_4_0_BIN=… REDIS_7_0_BIN=/usr/bin/redis-server \
 *     node --import tsx packages/engine/test/record-hyperloglog.ts
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connectWhenListening, freePort } from "@replica-lab/testing";
import { HLL_CASES, type HyperLogLogFixture } from "./hyperloglog-cases.ts";
import { liveReplies } from "./scripting-cases.ts";

const RELEASES = [
  ["2.8", "REDIS_2_8_BIN"],
  ["4.0", "REDIS_4_0_BIN"],
  ["7.0", "REDIS_7_0_BIN"],
] as const;

async function record(bin: string): Promise<{ version: string; replies: string[] }> {
  const port = await freePort();
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    (await connectWhenListening(port)).destroy();
    const replies = await liveReplies(port, HLL_CASES);
    const [info] = await liveReplies(port, [["INFO", "server"]]);
    const version = /redis_version:([^\r\n]+)/.exec(info ?? "")?.[1] ?? "?";
    return { version, replies };
  } finally {
    child.kill("SIGKILL");
  }
}

const fixture: HyperLogLogFixture = { recordedWith: {}, replies: {} };
for (const [release, env] of RELEASES) {
  const bin = process.env[env];
  if (!bin) throw new Error(`${env} must name a redis-server ${release} binary`);
  const { version, replies } = await record(bin);
  fixture.recordedWith[release] = `redis-server ${version}`;
  fixture.replies[release] = replies;
  console.log(`recorded ${replies.length} replies from redis-server ${version}`);
}
writeFileSync(new URL("./fixtures/hyperloglog.json", import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
