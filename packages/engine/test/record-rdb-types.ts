/**
 * Records what a real redis-server 7.0.15 writes and reports for the dataset of type-dataset.ts,
 * into fixtures/rdb-types-7.0.15.json: the RDB its SAVE wrote (base64), its DEBUG DIGEST and its
 * facts per key, and the facts of two more real servers that loaded that file, one with default
 * settings and one with small encoding thresholds (the encodings loading picks). Run it by hand when
 * the dataset changes:
 *   node --import tsx packages/engine/test/record-rdb-types.ts
 * rdb-types-fixture.test.ts checks the engine against this file.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Socket } from "node:net";
import { encodeCommand, ReplyParser, utf8, type Reply } from "../src/index.ts";
import { LiveRedis } from "./live-redis.ts";
import { collectFacts, datasetCommands, SMALL_THRESHOLDS, type Arg, type DatasetFacts, type RdbTypesFixture } from "./type-dataset.ts";

/** Sends binary-safe commands on a connection of its own (the dataset has a binary value). */
async function sendAll(port: number, commands: readonly Arg[][]): Promise<Reply[]> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.connect(port, "127.0.0.1", resolve).once("error", reject));
  const parser = new ReplyParser();
  const replies: Reply[] = [];
  const done = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      parser.push(new Uint8Array(chunk));
      for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
        if (reply.kind === "protocol-error") throw new Error(reply.message);
        replies.push(reply);
      }
      if (replies.length === commands.length) resolve();
    });
  });
  for (const argv of commands) socket.write(encodeCommand(argv.map((a) => (typeof a === "string" ? utf8(a) : a))));
  await done;
  socket.destroy();
  return replies;
}

function plain(facts: DatasetFacts): RdbTypesFixture["saved"] {
  return { digest: facts.digest, keys: Object.fromEntries(facts.keys) };
}

async function loadedBy(rdb: string, config: Record<string, string>): Promise<RdbTypesFixture["saved"]> {
  const server = await LiveRedis.start({ "enable-debug-command": "yes", dbfilename: "types.rdb", ...config });
  try {
    // Start again on the file: LiveRedis starts empty, so load it with DEBUG RELOAD NOSAVE.
    copyFileSync(rdb, join(server.dir, "types.rdb"));
    await server.client.command("DEBUG", "RELOAD", "NOSAVE");
    return plain(await collectFacts((...args) => server.client.command(...args)));
  } finally {
    await server.stop();
  }
}

const version = execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
const master = await LiveRedis.start({ "enable-debug-command": "yes" });
let fixture: RdbTypesFixture;
try {
  const replies = await sendAll(master.port, datasetCommands());
  const failed = replies.find((r) => r.kind === "error");
  if (failed !== undefined) throw new Error(`the dataset failed on the real server: ${JSON.stringify(failed)}`);
  await master.client.command("SAVE");
  const rdbPath = join(master.dir, "dump.rdb");
  const saved = plain(await collectFacts((...args) => master.client.command(...args)));
  fixture = {
    recordedWith: version,
    rdbBase64: readFileSync(rdbPath).toString("base64"),
    saved,
    loaded: await loadedBy(rdbPath, {}),
    loadedSmall: await loadedBy(rdbPath, SMALL_THRESHOLDS),
    smallThresholds: SMALL_THRESHOLDS,
  };
} finally {
  await master.stop();
}
writeFileSync(new URL("./fixtures/rdb-types-7.0.15.json", import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
console.log(`recorded ${Object.keys(fixture.saved.keys).length} keys, digest ${fixture.saved.digest}`);
process.exit(0);
