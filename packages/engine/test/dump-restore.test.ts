/**
 * DUMP and RESTORE against a live redis-server 7.0.15 (the live part skips where the binary is
 * absent). The same dataset, every type and encoding, is built on a lab node and on the real
 * server:
 *
 * - DUMP is byte-equal wherever the encoding has an order of its own (strings raw, int and LZF,
 *   quicklists, intsets, listpacks, skiplists). A hashtable set or hash is written in dict order,
 *   which redis seeds at random, so there the lab's payload is restored on the real server and
 *   must give the same DEBUG DIGEST-VALUE (and the same length).
 * - The real server's payloads restored on the lab give the same DEBUG DIGEST and OBJECT ENCODING.
 * - Bad payloads and options give redis's errors, reply for reply.
 * - RESTORE reaches a raw replica as on the real master: ABSTTL with the absolute time for a
 *   relative TTL, DEL when REPLACE meets a TTL already past, nothing when nothing changed, and
 *   MULTI/DEL/RESTORE/EXEC over a key it found expired.
 */
import { describe, expect, it } from "vitest";
import { Lab, type Reply } from "../src/index.ts";
import { crc64 } from "../src/redis/rdb/crc64.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";
import { attachLabReplica, attachRealReplica, LabClient, waitFor } from "./replication-stream.ts";

type Argv = readonly (string | Uint8Array)[];

function build(): string[][] {
  const out: string[][] = [
    ["SET", "s:int", "12345"],
    ["SET", "s:neg", "-9000000000"],
    ["SET", "s:short", "hello"],
    ["SET", "s:empty", ""],
    ["SET", "s:lzf", "abc".repeat(100)],
    ["SET", "s:raw", Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join("")],
    ["RPUSH", "l:small", "a", "1", "-2", "300000", "hello"],
    ["SADD", "set:int", "1", "2", "3", "-5", "70000"],
    ["ZADD", "z:lp", "1", "a", "2.5", "b", "-3", "c"],
    ["HSET", "h:lp", "f1", "v1", "f2", "22"],
  ];
  const big = ["RPUSH", "l:big"];
  for (let i = 0; i < 3000; i++) big.push(i % 3 === 0 ? String(i) : `item-${i}-${"x".repeat(i % 40)}`);
  out.push(big);
  const bigSet = ["SADD", "set:ht"];
  for (let i = 0; i < 300; i++) bigSet.push(`m${i}`);
  out.push(bigSet);
  const bigZ = ["ZADD", "z:sl"];
  for (let i = 0; i < 200; i++) bigZ.push(String(i * 1.5), `member-${i}`);
  out.push(bigZ);
  const bigH = ["HSET", "h:ht"];
  for (let i = 0; i < 300; i++) bigH.push(`field${i}`, `value${i}`);
  out.push(bigH);
  out.push(["SET", "s:ttl", "v", "PX", "100000000"]);
  return out;
}

const ORDERED = ["s:int", "s:neg", "s:short", "s:empty", "s:lzf", "s:raw", "l:small", "l:big", "set:int", "z:lp", "z:sl", "h:lp"];
const HASHED = ["set:ht", "h:ht"];

function bytesOf(reply: Reply): Uint8Array {
  if (reply.kind !== "bulk" || reply.value === null) throw new Error(`not a bulk: ${JSON.stringify(reply)}`);
  return reply.value;
}

function shown(reply: Reply): string {
  return JSON.stringify(reply, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
}

/** `payload` with its footer made for `version` and a correct CRC64 over `body`. */
function framed(body: Uint8Array, version: number): Uint8Array {
  const out = new Uint8Array(body.length + 10);
  out.set(body);
  out[body.length] = version & 0xff;
  out[body.length + 1] = version >> 8;
  let crc = crc64(out.subarray(0, body.length + 2));
  for (let i = 0; i < 8; i++) {
    out[body.length + 2 + i] = Number(crc & 0xffn);
    crc >>= 8n;
  }
  return out;
}

describe.skipIf(!liveRedisAvailable())("DUMP / RESTORE: lab vs live redis-server 7.0.15", () => {
  it("DUMP of every type and encoding, RESTORE of real payloads, and the errors", { timeout: 60_000 }, async () => {
    const real = await LiveRedis.start({ "enable-debug-command": "yes" });
    try {
      const lab = new Lab({ seed: "dump-restore", epochMs: Date.now() });
      const node = lab.addNode({ config: { save: "", "enable-debug-command": "yes" } }).id;
      const labClient = new LabClient(lab, node);
      const labRun = (argv: Argv): Reply => labClient.run([argv])[0]!;
      const realRun = (argv: Argv): Promise<Reply> => real.client.command(...argv);
      for (const argv of build()) {
        expect(shown(labRun(argv))).toBe(shown(await realRun(argv)));
      }
      for (const key of [...ORDERED, ...HASHED]) {
        expect(shown(labRun(["OBJECT", "ENCODING", key])), key).toBe(shown(await realRun(["OBJECT", "ENCODING", key])));
      }
      expect(shown(labRun(["DEBUG", "DIGEST"]))).toBe(shown(await realRun(["DEBUG", "DIGEST"])));

      const realDumps = new Map<string, Uint8Array>();
      for (const key of [...ORDERED, ...HASHED, "s:ttl"]) {
        const labDump = bytesOf(labRun(["DUMP", key]));
        const realDump = bytesOf(await realRun(["DUMP", key]));
        realDumps.set(key, realDump);
        expect(labDump.length, key).toBe(realDump.length);
        if (!HASHED.includes(key)) {
          expect(Buffer.from(labDump).toString("hex"), key).toBe(Buffer.from(realDump).toString("hex"));
        } else {
          // The lab's payload, restored by the real server, holds the same value.
          expect(shown(await realRun(["RESTORE", `lab:${key}`, "0", labDump]))).toBe('{"kind":"simple","value":"OK"}');
          expect(shown(await realRun(["DEBUG", "DIGEST-VALUE", `lab:${key}`]))).toBe(shown(await realRun(["DEBUG", "DIGEST-VALUE", key])));
          await realRun(["DEL", `lab:${key}`]);
        }
      }
      expect(shown(labRun(["DUMP", "missing"]))).toBe(shown(await realRun(["DUMP", "missing"])));

      // The real payloads, restored on both under new names: same digest, same encodings.
      for (const [key, payload] of realDumps) {
        const argv = ["RESTORE", `r:${key}`, "0", payload];
        expect(shown(labRun(argv)), key).toBe(shown(await realRun(argv)));
        expect(shown(labRun(["OBJECT", "ENCODING", `r:${key}`])), key).toBe(shown(await realRun(["OBJECT", "ENCODING", `r:${key}`])));
      }
      expect(shown(labRun(["DEBUG", "DIGEST"]))).toBe(shown(await realRun(["DEBUG", "DIGEST"])));

      const good = realDumps.get("s:short")!;
      const flipped = good.slice();
      flipped[2] = flipped[2]! ^ 1;
      const newer = framed(good.subarray(0, good.length - 10), 11);
      const older = framed(good.subarray(0, good.length - 10), 9);
      const unknownType = framed(new Uint8Array([200, 1, 2, 3]), 10);
      const truncated = framed(good.subarray(0, 3), 10);
      const emptyList = framed(new Uint8Array([1, 0]), 10);
      const errors: Argv[] = [
        ["RESTORE", "e1", "0", flipped],
        ["RESTORE", "e1", "0", newer],
        ["RESTORE", "e1", "0", older],
        ["RESTORE", "e1", "0", unknownType],
        ["RESTORE", "e1", "0", truncated],
        ["RESTORE", "e1", "0", emptyList],
        ["RESTORE", "e1", "0", "short"],
        ["RESTORE", "s:short", "0", good],
        ["RESTORE", "e1", "x", good],
        ["RESTORE", "e1", "-1", good],
        ["RESTORE", "e1", "0", good, "IDLETIME", "-1"],
        ["RESTORE", "e1", "0", good, "FREQ", "256"],
        ["RESTORE", "e1", "0", good, "IDLETIME", "5", "FREQ", "3"],
        ["RESTORE", "e1", "0", good, "IDLETIME"],
        ["RESTORE", "e1", "0", good, "BOGUS"],
        ["RESTORE", "e1", "0"],
        ["DUMP"],
        ["RESTORE", "e1", "0", good, "REPLACE", "IDLETIME", "10"],
        ["RESTORE", "e2", "0", good, "FREQ", "7", "ABSTTL"],
        ["RESTORE", "e1", "0", good, "REPLACE", "ABSTTL"],
        ["RESTORE", "e3", "1", good, "ABSTTL"],
        ["EXISTS", "e1", "e2", "e3"],
        ["RESTORE", "e1", "1", good, "ABSTTL", "REPLACE"],
        ["EXISTS", "e1"],
        ["RESTORE", "e4", "0", realDumps.get("s:int")!],
        ["OBJECT", "ENCODING", "e4"],
      ];
      for (const argv of errors) expect(shown(labRun(argv)), shown({ kind: "array", items: null }) + String(argv.slice(0, 2))).toBe(shown(await realRun(argv)));
      expect(shown(labRun(["DEBUG", "DIGEST"]))).toBe(shown(await realRun(["DEBUG", "DIGEST"])));
    } finally {
      await real.stop();
    }
  });

  it("RESTORE reaches replicas as 7.0.15 sends it", { timeout: 60_000 }, async () => {
    const config = { "repl-ping-replica-period": "3600", "repl-diskless-sync": "no", "enable-debug-command": "yes" };
    const real = await LiveRedis.start(config);
    try {
      const lab = new Lab({ seed: "dump-restore-stream", epochMs: Date.now() });
      const master = lab.addNode({ config: { save: "", ...config } }).id;
      lab.runUntil(2_000);
      const labClient = new LabClient(lab, master);
      // "exp" has expired by the time RESTORE meets it (active expiry off): its DEL goes first, wrapped with the RESTORE.
      const setup = [["DEBUG", "SET-ACTIVE-EXPIRE", "0"], ["SET", "src", "payload-value"], ["SET", "old", "x"], ["SET", "exp", "y", "PX", "200"]];
      labClient.run(setup);
      for (const argv of setup) await real.client.command(...argv);
      const setAt = Date.now();
      const payload = bytesOf(await real.client.command("DUMP", "src"));
      const labStream = attachLabReplica(lab, master);
      const { stream: realStream, socket } = await attachRealReplica(real.port);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, setAt + 400 - Date.now())));
      const script: Argv[] = [
        ["RESTORE", "exp", "0", payload],
        ["RESTORE", "a", "0", payload],
        ["RESTORE", "b", "100000", payload],
        ["RESTORE", "c", "99999999999999", payload, "ABSTTL"],
        ["RESTORE", "old", "1", payload, "ABSTTL", "REPLACE"],
        ["RESTORE", "gone", "1", payload, "ABSTTL"],
        ["RESTORE", "a", "0", payload, "REPLACE", "FREQ", "5"],
      ];
      const started = Date.now();
      for (const argv of script) expect(shown(labClient.run([argv])[0]!)).toBe(shown(await real.client.command(...argv)));
      lab.runUntil(lab.nextEventMs() + 1_000);
      await waitFor(() => realStream.length >= labStream.length, "the real stream", 3_000).catch(() => {});
      socket.destroy();
      const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
      // The absolute time each server computed: now + 100000 ms on its own clock.
      const absolute = /\$7\r\nRESTORE\r\n\$1\r\nb\r\n\$13\r\n(\d{13})\r\n/;
      const realText = text(realStream.stream());
      const labText = text(labStream.stream());
      const realAt = Number(absolute.exec(realText)?.[1]);
      const labAt = Number(absolute.exec(labText)?.[1]);
      expect(Math.abs(realAt - (started + 100_000))).toBeLessThan(5_000);
      expect(Math.abs(labAt - (started + 100_000))).toBeLessThan(5_000);
      expect(labText.replace(absolute, "<b>")).toBe(realText.replace(absolute, "<b>"));
      expect(realText).toContain("ABSTTL");
      expect(realText).toContain("$3\r\nDEL\r\n$3\r\nold\r\n");
      expect(realText).toContain("*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$3\r\nexp\r\n*4\r\n$7\r\nRESTORE\r\n$3\r\nexp\r\n");
    } finally {
      await real.stop();
    }
  });
});
