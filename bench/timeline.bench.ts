/**
 * Time-travel benchmarks, one JSON line per figure, on a 3-node lab (a master and two replicas)
 * with 10 minutes of virtual history at 1,000 writes/s, driven as the server's runtime drives a
 * lab with a write load (a tick every 10 ms: the tick's writes, then the world up to the tick's
 * time) while its timeline takes checkpoints and offset samples as the server's does (a look every
 * 250 ms, default options: a checkpoint every 2 s of virtual time, 256 MiB budget):
 * - `timeline.seek_p95_ms`: random moments of the history asked for as `GET .../at/:ms` answers
 *   them (a fork of the nearest checkpoint replayed to the moment, the moment's view, INFO and
 *   events), p95 over the seeks (goal <= 250 ms);
 * - `timeline.replay_speed`: the whole log replayed from the start, virtual ms per wall ms (goal
 *   >= 100x real time);
 * - `timeline.checkpoint_bytes`: the memory the checkpoints hold, measured (heap and ArrayBuffers,
 *   after a full GC, with the checkpoints and without them; the last moment shown and the cached
 *   moments dropped first), with the timeline's own count beside it (what its budget bounds).
 *
 * Run: node --expose-gc --import tsx bench/timeline.bench.ts   (BENCH_QUICK=1: 2 minutes of history)
 */
import { Lab, Prng, ReplayCursor, type NodeId } from "../packages/engine/src/index.ts";
import { DEFAULT_TIMELINE, LabTimeline } from "../apps/server/src/labs/lab-timeline.ts";

const QUICK = process.env.BENCH_QUICK === "1";
const HISTORY_MS = (QUICK ? 2 : 10) * 60_000;
const WRITES_PER_SEC = 1000;
const TICK_MS = 10;
const SEEKS = QUICK ? 15 : 40;

function report(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 1000) / 1000, unit, ...extra }));
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * The heap and the ArrayBuffers outside it (buffers, disks, backlogs), after full GCs with turns
 * between them: V8 frees ArrayBuffers' memory on a thread of its own, after the GC that found them.
 */
async function memoryBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The lab and its timeline after `HISTORY_MS` of virtual time, as the server would have them. */
function build(): { lab: Lab; timeline: LabTimeline; buildMs: number } {
  const lab = new Lab({ seed: "timeline-bench", epochMs: 1_700_000_000_000 });
  const timeline = new LabTimeline(lab, { ...DEFAULT_TIMELINE, pollMs: 0 }, () => true);
  const [a, b, c] = ["A", "B", "C"].map((name) => lab.addNode({ name }).id as NodeId);
  lab.replicaOf(b!, a!);
  lab.replicaOf(c!, a!);
  lab.runUntilIdle(60_000);
  const started = performance.now();
  let nextPollMs = lab.nowMs;
  const writesPerTick = (WRITES_PER_SEC * TICK_MS) / 1000;
  while (lab.nowMs < HISTORY_MS) {
    lab.writeLoad(a!, writesPerTick);
    lab.runCurrent();
    const target = lab.nowMs + TICK_MS;
    while (lab.nextEventMs() <= target) lab.step();
    lab.runUntil(target);
    if (lab.nowMs >= nextPollMs) {
      timeline.poll();
      nextPollMs = lab.nowMs + 250;
    }
  }
  return { lab, timeline, buildMs: performance.now() - started };
}

async function main(): Promise<void> {
  const { lab, timeline, buildMs } = build();
  const nowMs = lab.nowMs;
  const view = timeline.view(null);

  // Replay speed: the whole log from the start, nothing kept aside.
  gc();
  let started = performance.now();
  const cursor = ReplayCursor.start(lab.creation, lab.inputs);
  cursor.seek(nowMs);
  const replayMs = performance.now() - started;
  report("timeline.replay_speed", nowMs / replayMs, "x real time", {
    goal: ">= 100",
    virtualMs: Math.round(nowMs),
    wallMs: Math.round(replayMs),
    inputs: lab.inputs.length,
    liveRunSpeed: Math.round((HISTORY_MS / buildMs) * 10) / 10,
  });

  // Random seeks, as GET .../at/:ms answers them.
  const rng = Prng.fromSeed("timeline-bench-seeks");
  const times: number[] = [];
  // CPU time too: on a loaded machine the wall time mostly says how busy the other processes are.
  const cpuTimes: number[] = [];
  for (let i = 0; i < SEEKS; i++) {
    const at = rng.int(Math.floor(nowMs)) + 0.5;
    started = performance.now();
    const cpu = process.cpuUsage();
    timeline.moment(at, (snapshot) => ({ ...snapshot, clock: { ...snapshot.clock, lagMs: 0 }, id: "bench", name: "bench", writeLoads: [] }));
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  cpuTimes.sort((x, y) => x - y);
  report("timeline.seek_p95_ms", percentile(times, 95), "ms", {
    goal: "<= 250",
    p50: Math.round(percentile(times, 50)),
    max: Math.round(times[times.length - 1]!),
    seeks: SEEKS,
    historyMs: Math.round(nowMs),
    checkpoints: view.checkpoints.length,
    checkpointEveryMs: view.checkpoints.length > 1 ? Math.round(nowMs / view.checkpoints.length) : null,
    cpuP95: Math.round(percentile(cpuTimes, 95)),
  });

  // Checkpoint memory: what they hold, measured by dropping them (the last moment shown, a whole
  // lab, and the cached moments are dropped first), and the count the budget bounds.
  const counted = timeline.checkpointBytes;
  const checkpoints = timeline.view(null).checkpoints.length;
  timeline.forgetShown();
  const withCheckpoints = await memoryBytes();
  timeline.dispose();
  const without = await memoryBytes();
  report("timeline.checkpoint_bytes", withCheckpoints - without, "bytes", {
    countedBytes: counted,
    budgetBytes: DEFAULT_TIMELINE.checkpointBudgetBytes,
    checkpoints,
  });
  // The lab stays alive until here, so the heap difference is the checkpoints' alone.
  if (lab.nowMs !== nowMs) throw new Error("the live lab moved");
}

await main();
