/**
 * The real server process (`main.ts`, as `npm start` runs it) on a data directory, stopped and
 * started again on the same directory:
 * - after SIGTERM every lab comes back identical: the same log, the same lab at every moment, its
 *   clock, its RESP ports (redis-cli reads what was written before the restart);
 * - after SIGKILL every lab comes back as it was a moment before the kill: its log is the dead
 *   server's log cut at most about a second before the end, and every moment before that is the
 *   same.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { LabView, MomentView } from "@replica-lab/protocol";
import { encodeLabInput, type LabInput } from "@replica-lab/engine";
import { haveRedisTools, redisCli, sleep } from "../testing/helpers.ts";
import { storedLog } from "./lab-persistence.ts";
import { LabStore } from "./lab-store.ts";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const running = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  readonly child: ChildProcess;
  readonly base: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function start(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", REPLICA_LAB_WEB_ROOT: "/nonexistent", REPLICA_LAB_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let out = "";
  let err = "";
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 60 s: ${out} ${err}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Replica Lab: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(() => reject(new Error(`the server exited: ${out} ${err}`)));
  });
  return { child, base, exited };
}

async function stop(server: Server, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill(signal);
  const result = await server.exited;
  running.delete(server.child);
  return result;
}

async function call<T>(server: Server, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

interface LabFile {
  readonly name: string;
  readonly endMs: number;
  readonly inputs: readonly unknown[];
  readonly layout?: unknown;
}

/** Virtual time at the end of a log: where its last run of time went. */
function endOf(log: readonly LabInput[]): number {
  let end = 0;
  for (const input of log) end = Math.max(end, input.op === "run-until" ? input.untilMs : input.t);
  return end;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-restart-"));
  dirs.push(dir);
  return dir;
}

describe("a real server restarted on its data directory", () => {
  it("brings every lab back identical after SIGTERM", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const lab = await call<LabView>(first, "POST", "/api/labs", { template: "one-master-two-replicas", seed: 21, name: "kept" });
    const base = `/api/labs/${lab.id}`;
    await call(first, "POST", `${base}/nodes/A/command`, { argv: ["SET", "before-restart", "yes"] });
    await call(first, "PUT", `${base}/nodes/A/write-load`, { opsPerSec: 300 });
    await sleep(800);
    await call(first, "PUT", `${base}/nodes/A/write-load`, { opsPerSec: 0 });
    await call(first, "PUT", `${base}/layout`, { positions: { n1: { x: 5, y: 6 } } });
    await sleep(300);
    // Stopped clocks: nothing happens between what is recorded and the signal.
    for (const id of [lab.id, "default"]) await call(first, "POST", `/api/labs/${id}/clock`, { action: "pause" });
    const before = new Map<string, { file: LabFile; view: LabView; moments: MomentView[] }>();
    for (const id of [lab.id, "default"]) {
      const file = await call<LabFile>(first, "GET", `/api/labs/${id}/export`);
      const moments: MomentView[] = [];
      for (const t of [0, file.endMs / 4, file.endMs / 2, file.endMs]) moments.push(await call<MomentView>(first, "GET", `/api/labs/${id}/at/${t}`));
      before.set(id, { file, view: await call<LabView>(first, "GET", `/api/labs/${id}`), moments });
    }
    expect(await stop(first, "SIGTERM")).toEqual({ code: 0, signal: null });

    const second = await start(dir);
    try {
      const ids = (await call<{ labs: { id: string }[] }>(second, "GET", "/api/labs")).labs.map((l) => l.id).sort();
      expect(ids).toEqual([lab.id, "default"].sort());
      for (const [id, was] of before) {
        expect(await call<LabFile>(second, "GET", `/api/labs/${id}/export`), id).toEqual(was.file);
        const view = await call<LabView>(second, "GET", `/api/labs/${id}`);
        expect(view.nodes, id).toEqual(was.view.nodes);
        expect(view.clock.paused).toBe(true);
        for (const moment of was.moments) expect((await call<MomentView>(second, "GET", `/api/labs/${id}/at/${moment.timeMs}`)).snapshot.nodes).toEqual(moment.snapshot.nodes);
      }
      if (haveRedisTools) {
        const port = before.get(lab.id)!.view.nodes[0]!.respPort!;
        expect(await redisCli(port, "GET", "before-restart")).toBe("yes");
      }
    } finally {
      expect(await stop(second, "SIGTERM")).toEqual({ code: 0, signal: null });
    }
  }, 180_000);

  it("brings every lab back as it was at most about a second before a SIGKILL", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const lab = await call<LabView>(first, "POST", "/api/labs", { template: "one-master-two-replicas", seed: 22 });
    const base = `/api/labs/${lab.id}`;
    await call(first, "PUT", `${base}/nodes/A/write-load`, { opsPerSec: 1000 });
    await sleep(1500);
    const early = await call<LabFile>(first, "GET", `${base}/export`);
    // A settled moment: the live edge itself (early.endMs) may still gain inputs at that same
    // virtual millisecond (a write-load tick logged before the clock moves on), which the restored
    // lab would then show and this reading would not.
    const earlyMs = early.endMs - 1;
    const earlyMoment = await call<MomentView>(first, "GET", `${base}/at/${earlyMs}`);
    await sleep(1500);
    const last = await call<LabFile>(first, "GET", `${base}/export`);
    expect(await stop(first, "SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });

    // What the dead server left in the store, read before anything runs again.
    const store = await LabStore.open(dir);
    const rows = (await store.load()).find((row) => row.labId === lab.id)!;
    await store.close();
    const stored = storedLog(rows).map(encodeLabInput);
    const storedEndMs = endOf(storedLog(rows));
    // What was older than a second is all there, and what is there is the dead server's log (its
    // last entry possibly a shorter run of time: the log merges runs into its last entry).
    expect(storedEndMs).toBeGreaterThanOrEqual(early.endMs);
    expect(stored.length).toBeGreaterThanOrEqual(early.inputs.length - 1);
    const shared = Math.min(stored.length, last.inputs.length) - 1;
    expect(stored.slice(0, shared)).toEqual(last.inputs.slice(0, shared));
    // Lost: at most about a second of the lab's life (it ran at 1×).
    expect(last.endMs - storedEndMs).toBeLessThan(1000);

    const second = await start(dir);
    try {
      const restored = await call<LabFile>(second, "GET", `${base}/export`);
      expect(restored.inputs.slice(0, stored.length - 1)).toEqual(stored.slice(0, -1));
      expect((await call<MomentView>(second, "GET", `${base}/at/${earlyMs}`)).snapshot.nodes).toEqual(earlyMoment.snapshot.nodes);
      // It goes on: still running, its write load too.
      const view = await call<LabView>(second, "GET", base);
      expect(view.clock.paused).toBe(false);
      expect(view.writeLoads).toEqual([{ nodeId: lab.nodes[0]!.id, opsPerSec: 1000 }]);
    } finally {
      await stop(second, "SIGTERM");
    }
  }, 180_000);
});
