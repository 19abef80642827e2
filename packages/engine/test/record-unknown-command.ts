/**
 * Records the replies real redis-servers give to the requests of unknown-command-cases.ts, into
 * fixtures/unknown-command.json. Each server runs on a free loopback port with persistence off and
 * is stopped by its PID. Run it by hand when the cases change, with the binaries you built:
 *   REDIS_2_6_BIN=… REDIS_2_8_BIN=… REDIS_4_0_BIN=… REDIS_7_0_BIN=/usr/bin/redis-server \
 *     node --import tsx packages/engine/test/record-unknown-command.ts
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connectWhenListening, freePort } from "@replica-lab/testing";
import { requestBytes, UNKNOWN_COMMAND_CASES, type UnknownCommandFixture } from "./unknown-command-cases.ts";

const RELEASES = [
  ["2.6", "REDIS_2_6_BIN"],
  ["2.8", "REDIS_2_8_BIN"],
  ["4.0", "REDIS_4_0_BIN"],
  ["7.0", "REDIS_7_0_BIN"],
] as const;

/** One request on a fresh connection; the reply is one line (an error). */
async function ask(port: number, bytes: Uint8Array): Promise<string> {
  const socket = await connectWhenListening(port);
  let text = "";
  const reply = new Promise<string>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.endsWith("\r\n")) resolve(text);
    });
    socket.once("error", reject);
  });
  socket.write(bytes);
  const answer = await reply;
  socket.destroy();
  return answer;
}

async function record(bin: string): Promise<{ version: string; replies: Record<string, string> }> {
  const port = await freePort();
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    const replies: Record<string, string> = {};
    for (const c of UNKNOWN_COMMAND_CASES) replies[c.name] = await ask(port, requestBytes(c.argv));
    const info = await ask(port, requestBytes(["INFO", "server"]).subarray(0));
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "?";
    return { version, replies };
  } finally {
    child.kill("SIGKILL");
  }
}

const fixture: { recordedWith: Record<string, string>; replies: Record<string, Record<string, string>> } = { recordedWith: {}, replies: {} };
for (const [release, env] of RELEASES) {
  const bin = process.env[env];
  if (!bin) throw new Error(`${env} is not set`);
  const { version, replies } = await record(bin);
  fixture.recordedWith[release] = `redis-server ${version}`;
  fixture.replies[release] = replies;
}
const out: UnknownCommandFixture = fixture;
writeFileSync(new URL("./fixtures/unknown-command.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log("wrote fixtures/unknown-command.json", fixture.recordedWith);
