/**
 * One lab's pipelining client does not hold up another lab's clients (issue 12: other labs keep
 * answering while one is flooded; `read-budget.ts`). Node reads a busy socket up to 32 times per
 * turn of the event loop, 64 KiB each; without a limit, a client that sends megabytes of commands
 * at once had the server run them all before another lab's PING was read. Measured over real
 * sockets, the other lab's PINGs from a worker thread, relative to the flood's own length so that
 * a loaded machine slows both alike.
 */
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabView } from "@replica-lab/protocol";
import { warmUpForks } from "../labs/warm-up.ts";
import { createLab, sleep, startApp } from "../testing/helpers.ts";
import { latencyFigures, percentile, startLatencyProbe, stopLatencyProbe, within } from "../testing/latency-probe.ts";

let app: FastifyInstance;
let busy: LabView;
let other: LabView;

beforeAll(async () => {
  // As main.ts does before it serves anyone: the first checkpoint would otherwise build the fork
  // probe while both labs wait.
  warmUpForks();
  ({ app } = await startApp());
  busy = await createLab(app, { template: "one-master-two-replicas", seed: 1 });
  other = await createLab(app, { template: "one-master-two-replicas", seed: 2 });
});
afterAll(async () => {
  await app.close();
});

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setNoDelay(true);
    socket.once("error", reject);
    socket.connect(port, "127.0.0.1", () => resolve(socket));
  });
}

describe("labs sharing the server's event loop", () => {
  it("a client sending 16 MiB of pipelined commands to one lab: another lab's median PING round trip grows by under 2% of the flood's length", async () => {
    const flood = await connect(busy.nodes.find((n) => n.role === "master")!.respPort!);
    const probe = startLatencyProbe(other.nodes.find((n) => n.role === "master")!.respPort!);
    // The probe's first round trips, before the flood.
    await sleep(300);
    const command = "*1\r\n$4\r\nPING\r\n";
    // 16 MiB: long enough (about 0.7 s here) that a few ms of CI noise in the medians stay well
    // inside 2% (8 MiB failed by 0.02 ms in one CI run: 9.76 against 9.74 ms).
    const count = Math.floor((16 * 1024 * 1024) / command.length);
    // The flood's replies are read (and dropped) as they come: it is a client that reads.
    let replies = 0;
    const floodDone = new Promise<void>((resolve) => {
      flood.on("data", (chunk: Buffer) => {
        for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) replies++;
        if (replies >= count) resolve();
      });
    });
    const from = performance.timeOrigin + performance.now();
    flood.write(command.repeat(count));
    await floodDone;
    const to = performance.timeOrigin + performance.now();
    flood.destroy();
    const samples = await stopLatencyProbe(probe);
    const during = within(samples, from, to);
    const before = within(samples, 0, from);
    const figures = { floodMs: Math.round(to - from), probe: latencyFigures(during), probeBefore: latencyFigures(before) };
    console.log(JSON.stringify(figures));
    expect(during.length).toBeGreaterThan(5);
    // Without the read budget the server ran a burst of up to 32 reads of the flood (2 MiB) before
    // it read the other lab's PING: the median round trip was 4-5% of the flood's length (120-175
    // ms on a loaded machine), against 0.2-0.4% with it. The bound is 2% over the round trip the
    // probe had before the flood: on a busy CI machine (other test files running) a round trip
    // costs a few ms with no flood at all, which a short flood's 1% did not leave room for (5.8 ms
    // against a 493 ms flood in one run). (The slowest ones are not from reading: other periodic
    // work of the server's, also there without the flood.)
    expect(before.length).toBeGreaterThan(0);
    expect(percentile(during, 50)).toBeLessThan(percentile(before, 50) + (to - from) / 50);
  }, 120_000);

  it("clients that send a few commands and half-close while another client of the same lab floods it still get every reply", async () => {
    const port = busy.nodes.find((n) => n.role === "master")!.respPort!;
    const flood = await connect(port);
    const command = "*1\r\n$4\r\nPING\r\n";
    let floodReplies = 0;
    flood.on("data", (chunk: Buffer) => {
      for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) floodReplies++;
    });
    // The flood uses up the lab's share of every turn, so the small clients' bytes, and the end
    // of their stream read with them, come while their chunk waits for the next turn.
    flood.write(command.repeat(Math.floor((8 * 1024 * 1024) / command.length)));
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = await connect(port);
      let replies = 0;
      socket.on("data", (chunk: Buffer) => {
        for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) replies++;
      });
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.end(command.repeat(10));
      await closed;
      answers.push(replies);
    }
    flood.destroy();
    expect(floodReplies).toBeGreaterThan(0);
    expect(answers).toEqual(Array<number>(20).fill(10));
  }, 120_000);
});
