/**
 * Pub/Sub, lab vs live redis-server 7.0.15 (skipped where the binary is absent): every byte each
 * client receives, in order, for SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their UNSUBSCRIBEs, the
 * confirmations' counts, message and pmessage framing in RESP2 and RESP3 (pushes), PUBLISH's
 * receiver count, the commands a subscribed RESP2 client is refused, PING while subscribed, RESET,
 * PUBLISH inside MULTI, PUBSUB CHANNELS / NUMSUB / NUMPAT, INFO's pubsub fields and CLIENT LIST's
 * flags and sub/psub/ssub. And PUBLISH on a master reaches a replica's subscribers (it is in the
 * replication stream), on the lab as on two real servers. SPEC.md rules PUB-1 to PUB-8.
 */
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Lab, encodeCommand, utf8 } from "../src/index.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";

type Who = "a" | "b" | "c";
interface Step {
  readonly by: Who;
  readonly argv: readonly string[];
}

const s = (by: Who, ...argv: string[]): Step => ({ by, argv });

/**
 * Each scenario's replies are compared byte for byte, so channel orders must not depend on redis's
 * dict hashing: UNSUBSCRIBE with no argument and PUBSUB CHANNELS are used with one channel at a
 * time, and one pattern at most matches a published channel.
 */
const SCENARIOS: Record<string, readonly Step[]> = {
  "SUBSCRIBE, PUBLISH counts, message framing, UNSUBSCRIBE": [
    s("a", "SUBSCRIBE", "news", "sport", "news"),
    s("b", "PUBLISH", "news", "hello"),
    s("b", "PUBLISH", "sport", ""),
    s("b", "PUBLISH", "nobody", "x"),
    s("c", "SUBSCRIBE", "news"),
    s("b", "PUBLISH", "news", "two"),
    s("a", "UNSUBSCRIBE", "sport", "never"),
    s("a", "UNSUBSCRIBE"),
    s("a", "UNSUBSCRIBE"),
    s("b", "PUBLISH", "news", "three"),
    s("a", "GET", "k"),
  ],
  "PSUBSCRIBE and pmessage, PUNSUBSCRIBE, counts across kinds": [
    s("a", "PSUBSCRIBE", "h?llo", "news.*"),
    s("a", "SUBSCRIBE", "hello"),
    s("b", "PUBLISH", "hello", "m1"),
    s("b", "PUBLISH", "news.tech", "m2"),
    s("b", "PUBLISH", "hallo", "m3"),
    s("a", "PUNSUBSCRIBE", "h?llo"),
    s("b", "PUBLISH", "hallo", "m4"),
    s("a", "PUNSUBSCRIBE", "news.*", "nope"),
    s("a", "PUNSUBSCRIBE"),
    s("a", "UNSUBSCRIBE", "hello"),
    s("a", "PING"),
  ],
  "a subscribed RESP2 client: refused commands, PING, QUIT-less RESET": [
    s("a", "SUBSCRIBE", "ch"),
    s("a", "GET", "k"),
    s("a", "SET", "k", "v"),
    s("a", "CONFIG", "GET", "maxmemory"),
    s("a", "MULTI"),
    s("a", "PING"),
    s("a", "PING", "hi"),
    s("a", "NOSUCH"),
    s("a", "PUBLISH", "ch", "x"),
    s("a", "PSUBSCRIBE", "c*"),
    s("b", "PUBLISH", "ch", "both"),
    s("a", "RESET"),
    s("b", "PUBLISH", "ch", "after reset"),
    s("a", "PING"),
    s("a", "GET", "k"),
    s("a", "RESET", "x"),
  ],
  "RESP3: pushes, no restriction, PING as usual": [
    s("a", "HELLO", "3"),
    s("a", "SUBSCRIBE", "ch"),
    s("a", "PSUBSCRIBE", "c?"),
    s("b", "PUBLISH", "ch", "m"),
    s("a", "GET", "k"),
    s("a", "PING"),
    s("a", "UNSUBSCRIBE", "ch"),
    s("a", "PUNSUBSCRIBE"),
    s("a", "PUNSUBSCRIBE"),
    s("a", "UNSUBSCRIBE"),
    s("a", "SSUBSCRIBE", "sh"),
    s("b", "SPUBLISH", "sh", "sm"),
    s("a", "SUNSUBSCRIBE"),
    s("a", "SUNSUBSCRIBE"),
  ],
  "PUBLISH and SUBSCRIBE inside MULTI; arity errors": [
    s("c", "SUBSCRIBE", "t"),
    s("b", "MULTI"),
    s("b", "PUBLISH", "t", "1"),
    s("b", "PUBLISH", "t", "2"),
    s("b", "EXEC"),
    s("a", "MULTI"),
    s("a", "SUBSCRIBE", "t"),
    s("a", "PING"),
    s("a", "EXEC"),
    s("b", "PUBLISH", "t", "3"),
    s("b", "PUBLISH", "t"),
    s("b", "SUBSCRIBE"),
    s("b", "PSUBSCRIBE"),
  ],
  "the pubsub client-output-buffer-limit class closes a subscriber over it, not its publisher": [
    s("b", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1000 0 0"),
    s("a", "SUBSCRIBE", "ch"),
    s("c", "PSUBSCRIBE", "c*"),
    s("c", "PING"),
    s("b", "PUBLISH", "ch", "x".repeat(600)),
    s("b", "PUBLISH", "ch", "y".repeat(2000)),
    s("b", "PUBSUB", "NUMSUB", "ch"),
    s("b", "PUBSUB", "NUMPAT"),
    s("b", "CONFIG", "SET", "client-output-buffer-limit", "normal 1000 0 0"),
    s("b", "PUBLISH", "ch", "z".repeat(2000)),
    s("b", "GET", "k"),
  ],
  "PUBSUB CHANNELS, NUMSUB, NUMPAT, HELP and errors": [
    s("a", "SUBSCRIBE", "alpha"),
    s("c", "SUBSCRIBE", "alpha"),
    s("c", "PSUBSCRIBE", "x*"),
    s("b", "PUBSUB", "CHANNELS"),
    s("b", "PUBSUB", "CHANNELS", "a*"),
    s("b", "PUBSUB", "CHANNELS", "b*"),
    s("b", "PUBSUB", "NUMSUB", "alpha", "beta"),
    s("b", "PUBSUB", "NUMSUB"),
    s("b", "PUBSUB", "NUMPAT"),
    s("b", "PUBSUB", "SHARDCHANNELS"),
    s("b", "PUBSUB", "SHARDNUMSUB", "alpha"),
    s("b", "PUBSUB", "HELP"),
    s("b", "PUBSUB", "NOPE"),
    s("b", "PUBSUB", "NUMPAT", "x"),
    s("b", "PUBSUB", "CHANNELS", "a", "b"),
    s("b", "PUBSUB"),
  ],
};

const QUIET_MS = 60;

/** A raw connection that keeps every byte it gets. */
class RawClient {
  readonly chunks: Buffer[] = [];
  private lastDataMs = Date.now();
  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.lastDataMs = Date.now();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => resolve(new RawClient(socket)));
    });
  }

  send(argv: readonly string[]): void {
    this.lastDataMs = Date.now();
    this.socket.write(encodeCommand(argv.map(utf8)));
  }

  /** Resolves once nothing has arrived for QUIET_MS. */
  async quiet(): Promise<void> {
    while (Date.now() - this.lastDataMs < QUIET_MS) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  take(): string {
    const text = Buffer.concat(this.chunks).toString("latin1");
    this.chunks.length = 0;
    return text;
  }

  close(): void {
    this.socket.destroy();
  }
}

type Transcript = Record<Who, string>;

async function runReal(steps: readonly Step[]): Promise<Transcript> {
  const server = await LiveRedis.start();
  try {
    const clients = { a: await RawClient.connect(server.port), b: await RawClient.connect(server.port), c: await RawClient.connect(server.port) };
    for (const step of steps) {
      clients[step.by].send(step.argv);
      await Promise.all(Object.values(clients).map((c) => c.quiet()));
    }
    const out = { a: clients.a.take(), b: clients.b.take(), c: clients.c.take() };
    for (const c of Object.values(clients)) c.close();
    return out;
  } finally {
    await server.stop();
  }
}

/** A lab node with three connections; each keeps the bytes it gets. */
function labClients(lab: Lab, node: Parameters<Lab["openConnection"]>[0]): { send: (who: Who, argv: readonly string[]) => void; out: Transcript } {
  const out: Transcript = { a: "", b: "", c: "" };
  const open = (who: Who, port: number): ReturnType<Lab["openConnection"]> =>
    lab.openConnection(node, `127.0.0.1:${port}`, {
      onData: (bytes) => {
        out[who] += Buffer.from(bytes).toString("latin1");
      },
      onClose: () => {},
    });
  const connections = { a: open("a", 41001), b: open("b", 41002), c: open("c", 41003) };
  return {
    out,
    send: (who, argv) => {
      connections[who].send(encodeCommand(argv.map(utf8)));
      lab.runUntil(lab.nowMs + 50);
    },
  };
}

function runLab(steps: readonly Step[]): Transcript {
  const lab = new Lab({ seed: "pubsub" });
  const node = lab.addNode({ config: { save: "" } }).id;
  const clients = labClients(lab, node);
  for (const step of steps) clients.send(step.by, step.argv);
  return clients.out;
}

/** HELLO's `id` differs between the servers (the live one has its own client first). */
function withoutHelloIds(transcript: Transcript): Transcript {
  const strip = (text: string): string => text.replace(/\$2\r\nid\r\n:\d+\r\n/g, "$2\r\nid\r\n:ID\r\n");
  return { a: strip(transcript.a), b: strip(transcript.b), c: strip(transcript.c) };
}

/** Fields of one CLIENT LIST line and INFO's pubsub counters, after `steps` (client `a` asks). */
const STATE_STEPS: readonly Step[] = [
  s("b", "SUBSCRIBE", "one", "two"),
  s("b", "PSUBSCRIBE", "p*"),
  s("c", "PSUBSCRIBE", "p*", "q*"),
  s("c", "SSUBSCRIBE", "sh"),
  s("a", "INFO", "stats"),
  s("a", "CLIENT", "LIST"),
  s("a", "CLIENT", "LIST", "TYPE", "pubsub"),
  s("a", "CLIENT", "LIST", "TYPE", "normal"),
];

/**
 * The pubsub lines of INFO and, per subscribed client's CLIENT LIST line, `flags sub psub ssub cmd`
 * (ids and addresses differ, and the live server has one more, unsubscribed, client).
 */
function stateOf(transcript: string): string[] {
  const picked: string[] = [];
  for (const line of transcript.split(/\r\n|\n/)) {
    if (/^pubsub(shard)?_(channels|patterns):/.test(line)) picked.push(line);
    const m = /flags=(\S+) db=\d+ sub=(\d+) psub=(\d+) ssub=(\d+).* cmd=(\S+)/.exec(line);
    if (m && m[1]!.includes("P")) picked.push(`${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}`);
  }
  return picked;
}

describe.skipIf(!liveRedisAvailable())("Pub/Sub: lab vs live redis-server 7.0.15", () => {
  for (const [name, steps] of Object.entries(SCENARIOS)) {
    it(name, { timeout: 30_000 }, async () => {
      const real = await runReal(steps);
      expect(withoutHelloIds(runLab(steps))).toEqual(withoutHelloIds(real));
    });
  }

  it("INFO pubsub_* and CLIENT LIST flags, sub, psub, ssub, TYPE pubsub", { timeout: 30_000 }, async () => {
    const real = await runReal(STATE_STEPS);
    const lab = runLab(STATE_STEPS);
    expect(stateOf(lab.a)).toEqual(stateOf(real.a));
    expect(stateOf(real.a)).toContain("pubsub_patterns:2");
    expect(lab.b).toEqual(real.b);
    expect(lab.c).toEqual(real.c);
  });

  it("INFO commandstats counts the Pub/Sub commands, PUBSUB's subcommands apart and refusals as rejected calls", { timeout: 30_000 }, async () => {
    const steps: Step[] = [
      s("b", "CONFIG", "RESETSTAT"),
      s("a", "SUBSCRIBE", "x"),
      s("a", "GET", "k"),
      s("a", "PING"),
      s("a", "UNSUBSCRIBE"),
      s("b", "PUBLISH", "x", "m"),
      s("b", "PUBSUB", "CHANNELS"),
      s("b", "PUBSUB", "NUMSUB", "x"),
      s("b", "PUBSUB", "NUMPAT", "extra"),
      s("b", "PUBSUB", "NOPE"),
      s("b", "MULTI"),
      s("b", "PUBSUB", "NOPE"),
      s("b", "PUBLISH", "x", "queued"),
      s("b", "EXEC"),
      s("b", "SORT", "missing"),
      s("b", "SORT_RO", "missing", "BY"),
      s("b", "RESET"),
      s("b", "INFO", "commandstats"),
    ];
    const counts = (transcript: string): string[] =>
      transcript
        .split("\r\n")
        .filter((line) => line.startsWith("cmdstat_"))
        .map((line) => line.replace(/usec=\d+,usec_per_call=[\d.]+,/, ""))
        .sort();
    const real = counts((await runReal(steps)).b);
    expect(real).toContain("cmdstat_pubsub|channels:calls=1,rejected_calls=0,failed_calls=0");
    expect(counts(runLab(steps).b)).toEqual(real);
  });

  it("a master's PUBLISH reaches its replica's subscribers, and counts only the master's", { timeout: 30_000 }, async () => {
    const master = await LiveRedis.start();
    const replica = await LiveRedis.start({ replicaof: `127.0.0.1 ${master.port}` });
    let real: { sub: string; pub: string };
    try {
      await replica.waitForMasterLink();
      const sub = await RawClient.connect(replica.port);
      const pub = await RawClient.connect(master.port);
      const steps: [RawClient, string[]][] = [
        [sub, ["SUBSCRIBE", "events"]],
        [sub, ["PSUBSCRIBE", "ev*"]],
        [pub, ["PUBLISH", "events", "from-master"]],
        [pub, ["MULTI"]],
        [pub, ["PUBLISH", "events", "in-multi"]],
        [pub, ["SET", "k", "v"]],
        [pub, ["EXEC"]],
      ];
      for (const [client, argv] of steps) {
        client.send(argv);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await client.quiet();
      }
      real = { sub: sub.take(), pub: pub.take() };
      sub.close();
      pub.close();
    } finally {
      await replica.stop();
      await master.stop();
    }
    const lab = new Lab({ seed: "pubsub-replica" });
    const m = lab.addNode({ config: { save: "" } }).id;
    const r = lab.addNode({ config: { save: "" } }).id;
    lab.replicaOf(r, m);
    lab.runUntilIdle(30_000);
    const onReplica = labClients(lab, r);
    const onMaster = labClients(lab, m);
    onReplica.send("a", ["SUBSCRIBE", "events"]);
    onReplica.send("a", ["PSUBSCRIBE", "ev*"]);
    for (const argv of [["PUBLISH", "events", "from-master"], ["MULTI"], ["PUBLISH", "events", "in-multi"], ["SET", "k", "v"], ["EXEC"]]) {
      onMaster.send("a", argv);
      lab.runUntil(lab.nowMs + 200);
    }
    expect(real.sub).toContain("in-multi");
    expect(onReplica.out.a).toEqual(real.sub);
    expect(onMaster.out.a).toEqual(real.pub);
  });
});
