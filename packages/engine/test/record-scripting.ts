/**
 * Records a real redis-server 7.0.15's replies to scripting-cases.ts into
 * fixtures/scripting-7.0.15.json. The server runs on a free loopback port without persistence and
 * is stopped by its PID. Run by hand when the cases change:
 *   node --import tsx packages/engine/test/record-scripting.ts
 */
import { writeFileSync } from "node:fs";
import { LiveRedis } from "./live-redis.ts";
import { liveReplies, SCRIPTING_CASES, type ScriptingFixture } from "./scripting-cases.ts";

const real = await LiveRedis.start();
try {
  const info = await real.client.command("INFO", "server");
  const version = info.kind === "bulk" && info.value !== null ? (/redis_version:([^\r\n]+)/.exec(new TextDecoder().decode(info.value))?.[1] ?? "?") : "?";
  const replies = await liveReplies(real.port);
  const fixture: ScriptingFixture = { recordedWith: `redis-server ${version}`, replies: SCRIPTING_CASES.map((argv, i) => ({ argv, reply: replies[i]! })) };
  writeFileSync(new URL("./fixtures/scripting-7.0.15.json", import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`recorded ${replies.length} replies from redis-server ${version}`);
} finally {
  await real.stop();
}
