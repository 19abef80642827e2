/**
 * LCS against a live redis-server 7.0.15 (the live part skips where the binary is absent): the
 * same pipelined commands to a lab node and to the real server, in RESP2 and after HELLO 3, and
 * the reply bytes must be identical. Random strings over small alphabets (so matches split into
 * many ranges), every option and combination (LEN, IDX, MINMATCHLEN, WITHMATCHLEN), the errors
 * (LEN with IDX, a bad or missing MINMATCHLEN, an unknown option, a key of another type, missing
 * keys), and the transient-memory bound against proto-max-bulk-len on both sides of it.
 */
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8 } from "../src/index.ts";
import { Prng } from "../src/sim/prng.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";

const CASES = 600;

function randomString(rng: Prng): string {
  const alphabet = ["ab", "abc", "acgt", "xyz01"][rng.int(4)]!;
  const length = rng.chance(0.1) ? 0 : rng.range(1, rng.chance(0.2) ? 120 : 30);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

function randomOptions(rng: Prng): string[] {
  const pool: string[][] = [["LEN"], ["IDX"], ["WITHMATCHLEN"], ["MINMATCHLEN", String(rng.range(-2, 6))], ["idx"], ["len"]];
  const options: string[] = [];
  const count = rng.int(4);
  for (let i = 0; i < count; i++) options.push(...pool[rng.int(pool.length)]!);
  if (rng.chance(0.03)) options.push("MINMATCHLEN");
  if (rng.chance(0.03)) options.push("MINMATCHLEN", "x1");
  if (rng.chance(0.03)) options.push("MINMATCHLEN", "99999999999999999999");
  if (rng.chance(0.03)) options.push("BOGUS");
  return options;
}

function commands(): string[][] {
  const rng = Prng.fromSeed("lcs-differential");
  const out: string[][] = [["RPUSH", "list", "x"]];
  for (let i = 0; i < CASES; i++) {
    const a = randomString(rng);
    const b = randomString(rng);
    out.push(["SET", "k1", a]);
    if (rng.chance(0.05)) out.push(["DEL", "k2"]);
    else out.push(["SET", "k2", b]);
    const second = rng.chance(0.03) ? "list" : rng.chance(0.03) ? "missing" : "k2";
    out.push(["LCS", "k1", second, ...randomOptions(rng)]);
  }
  out.push(["LCS", "list", "k1", "BOGUS"]);
  out.push(["LCS", "k1"]);
  out.push(["SET", "big1", "ab".repeat(6000)], ["SET", "big2", "ba".repeat(6000)]);
  // (12001 * 12001 * 4) bytes > 512 MiB.
  out.push(["LCS", "big1", "big2", "LEN"]);
  out.push(["CONFIG", "SET", "proto-max-bulk-len", "1048576"]);
  out.push(["SET", "m1", "abc".repeat(200)], ["SET", "m2", "cab".repeat(200)]);
  // 601 * 601 * 4 > 1 MiB; 500 bytes: 501 * 501 * 4 = 1,004,004 fits.
  out.push(["LCS", "m1", "m2", "LEN"]);
  out.push(["SET", "m1", "abc".repeat(166) + "ab"], ["SET", "m2", "cab".repeat(166) + "ca"]);
  out.push(["LCS", "m1", "m2", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"]);
  out.push(["CONFIG", "SET", "proto-max-bulk-len", "536870912"]);
  return out;
}

const MARK = "end-of-replies";
const MARK_BYTES = `$${MARK.length}\r\n${MARK}\r\n`;

/** Both protocols: the cases in RESP2, then HELLO 3 and the same again. */
function script(): string[][] {
  const base = commands();
  return [...base, ["HELLO", "3"], ...base, ["HELLO", "2"], ["ECHO", MARK]];
}

function pipeline(all: readonly string[][]): Uint8Array {
  return Buffer.concat(all.map((argv) => encodeCommand(argv.map(utf8))));
}

/** Replies as text with HELLO's connection id blanked; HELLO's map differs only there. */
function normalised(bytes: string): string {
  return bytes.replace(/\$2\r\nid\r\n:\d+\r\n/g, "$2\r\nid\r\n:N\r\n");
}

async function runReal(all: readonly string[][]): Promise<string> {
  const server = await LiveRedis.start();
  try {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => socket.connect(server.port, "127.0.0.1", resolve).once("error", reject));
    let received = "";
    const done = new Promise<void>((resolve) =>
      socket.on("data", (data: Buffer) => {
        received += data.toString("latin1");
        if (received.endsWith(MARK_BYTES)) resolve();
      }),
    );
    socket.write(pipeline(all));
    await done;
    socket.destroy();
    return received;
  } finally {
    await server.stop();
  }
}

function runLab(all: readonly string[][]): string {
  const lab = new Lab({ seed: "lcs" });
  const node = lab.addNode({ config: { save: "" } }).id;
  let received = "";
  const conn = lab.openConnection(node, "127.0.0.1:41005", { onData: (bytes) => (received += Buffer.from(bytes).toString("latin1")), onClose: () => {} });
  lab.runCurrent();
  conn.send(pipeline(all));
  const deadline = lab.nextEventMs() + 600_000;
  while (!received.endsWith(MARK_BYTES) && lab.nextEventMs() <= deadline) lab.runUntil(lab.nextEventMs());
  return received;
}

describe.skipIf(!liveRedisAvailable())("LCS: lab vs live redis-server 7.0.15", () => {
  it(`${CASES} random cases with every option and error, RESP2 and RESP3: identical reply bytes`, { timeout: 60_000 }, async () => {
    const all = script();
    const real = normalised(await runReal(all));
    const lab = normalised(runLab(all));
    // The comparison covers ranges, lengths and each error at least once.
    for (const shown of ["matches", "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len", "If you want both", "The specified keys must contain string values", "syntax error", "not an integer", "wrong number of arguments for 'lcs'", "%2\r\n"]) {
      expect(real).toContain(shown);
    }
    if (lab !== real) {
      let at = 0;
      while (lab[at] === real[at]) at++;
      expect(lab.slice(Math.max(0, at - 300), at + 300)).toBe(real.slice(Math.max(0, at - 300), at + 300));
    }
    expect(lab.length).toBe(real.length);
  });
});
