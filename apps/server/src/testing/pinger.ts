/**
 * For tests that show a long replay stalls no lab: a lab with minutes of virtual history, and a
 * RESP connection that times another lab's PINGs meanwhile (the comparison's and the sequence
 * diagram's workers).
 */
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { Lab, decodeRecording, encodeRecording } from "@replica-lab/engine";
import type { LabView } from "@replica-lab/protocol";
import { createLab, sleep } from "./helpers.ts";

/** The answer of an API call made in-process; throws on an error status. */
async function ok<T>(app: FastifyInstance, method: "GET" | "POST", url: string, payload?: Record<string, unknown>): Promise<T> {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return (response.body === "" ? null : response.json()) as T;
}

/**
 * A master and two replicas with `historyMs` of 1,000 writes/s on the master behind them: the
 * template lab's file, extended by the engine (the server's write load follows the wall clock)
 * with a write-load tick every 10 ms of virtual time, then imported.
 */
export async function longLab(app: FastifyInstance, historyMs: number): Promise<LabView> {
  const template = await createLab(app, { template: "one-master-two-replicas", seed: 7 });
  const decoded = decodeRecording(await ok<unknown>(app, "GET", `/api/labs/${template.id}/export`));
  if (!decoded.ok) throw new Error(decoded.error);
  const lab = Lab.replay(decoded.recording.origin, decoded.recording.inputs);
  const master = template.nodes.find((n) => n.name === "A")!.id;
  const end = lab.nowMs + historyMs;
  while (lab.nowMs < end) {
    lab.writeLoad(master, 10);
    lab.runUntil(lab.nowMs + 10);
  }
  const file = encodeRecording({ name: "long", origin: lab.creation, inputs: lab.inputs.toArray(), endMs: lab.nowMs });
  const imported = await ok<LabView>(app, "POST", "/api/labs", { import: file });
  await ok(app, "POST", `/api/labs/${imported.id}/clock`, { action: "pause" });
  return ok<LabView>(app, "GET", `/api/labs/${imported.id}`);
}

/** A RESP connection that times PINGs. */
export class Pinger {
  private buffered = "";
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffered += chunk.toString("latin1");
      if (this.buffered.includes("+PONG\r\n")) {
        this.buffered = this.buffered.slice(this.buffered.indexOf("+PONG\r\n") + 7);
        this.waiting?.();
      }
    });
  }

  static open(port: number): Promise<Pinger> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new Pinger(socket)));
      socket.once("error", reject);
    });
  }

  /** Wall ms from sending PING to reading +PONG. */
  async ping(): Promise<number> {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
      this.socket.write("PING\r\n");
    });
    this.waiting = null;
    return performance.now() - started;
  }

  /** Round trips, one every 5 ms, until `done` settles; then the p99 and the worst. */
  async during(done: Promise<unknown>): Promise<{ count: number; p99: number; max: number }> {
    let finished = false;
    void done.finally(() => (finished = true));
    const times: number[] = [];
    while (!finished) {
      times.push(await this.ping());
      await sleep(5);
    }
    times.sort((a, b) => a - b);
    return { count: times.length, p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!, max: times[times.length - 1]! };
  }

  close(): void {
    this.socket.destroy();
  }
}
