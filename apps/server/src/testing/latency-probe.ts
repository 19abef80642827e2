/**
 * Round trips to a lab node measured off the test's event loop: a worker thread PINGs the node
 * every 20 ms, one at a time, and reports each round trip with when it was sent (ms on the shared
 * wall clock). A test whose own sockets share the server's event loop would otherwise count the
 * server's later work in its own receipt of the reply.
 */
import { Worker } from "node:worker_threads";

/**
 * A worker that PINGs `port` every 20 ms and reports each round trip with when it was sent (ms on
 * the shared wall clock).
 */
const LATENCY_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const samples = [];
let stop = false;
parentPort.on("message", () => { stop = true; });
const socket = net.connect(workerData.port, "127.0.0.1");
socket.setNoDelay(true);
let sentAt = 0;
let buffer = "";
const now = () => performance.timeOrigin + performance.now();
socket.on("data", (chunk) => {
  buffer += chunk.toString("latin1");
  if (!buffer.endsWith("\\r\\n")) return;
  buffer = "";
  samples.push([sentAt, now() - sentAt]);
  if (stop) { socket.destroy(); parentPort.postMessage(samples); return; }
  setTimeout(() => { sentAt = now(); socket.write("PING\\r\\n"); }, 20);
});
socket.on("connect", () => { sentAt = now(); socket.write("PING\\r\\n"); });
socket.on("error", (error) => { parentPort.postMessage({ error: String(error) }); });
`;

/** Starts PINGing 127.0.0.1:`port`. */
export function startLatencyProbe(port: number): Worker {
  return new Worker(LATENCY_WORKER, { eval: true, workerData: { port } });
}

/** Stops the probe; its samples as [sent at, round trip ms]. */
export async function stopLatencyProbe(worker: Worker): Promise<[number, number][]> {
  const samples = await new Promise<[number, number][]>((resolve) => {
    worker.once("message", (values: [number, number][]) => resolve(values));
    worker.postMessage("stop");
  });
  await worker.terminate();
  return samples;
}

/** Round trips (ms) of the PINGs sent within [from, to). */
export function within(samples: readonly (readonly [number, number])[], from: number, to: number): number[] {
  return samples
    .filter(([at]) => at >= from && at < to)
    .map(([, ms]) => ms)
    .sort((a, b) => a - b);
}

/** p50, p99 and max of sorted round trips, to 0.1 ms. */
export function latencyFigures(sorted: readonly number[]): { samples: number; p50: number; p99: number; max: number } {
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return { samples: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) };
}

/** The p-th percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
