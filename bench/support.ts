/**
 * Helpers the benchmarks share: the JSON figure line, loopback ports, child programs and
 * redis-benchmark's SET figure.
 */
import { execFile } from "node:child_process";
import { freePort } from "@replica-lab/testing";
export { freePort };

/** One figure as a JSON line (value rounded to 3 decimals), with extra fields beside it. */
export function report(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 1000) / 1000, unit, ...extra }));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a program to its end; its standard output. */
export function run(command: string, args: string[], timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${command}: ${error.message} ${stderr}`)) : resolve(stdout))),
  );
}

/** `redis-benchmark -t set -P 16 -n <requests>` against a loopback port: SETs per second. */
export async function redisBenchmarkSet(port: number, requests: number): Promise<number> {
  const out = await run("redis-benchmark", ["-h", "127.0.0.1", "-p", String(port), "-t", "set", "-P", "16", "-n", String(requests), "-q"]);
  // With -q the last line is "SET: 123456.79 requests per second, p50=..."; progress lines use \r.
  const match = /SET: ([\d.]+) requests per second/.exec(out.split("\r").at(-1) ?? out);
  if (!match) throw new Error(`unexpected redis-benchmark output: ${out}`);
  return Number(match[1]);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
