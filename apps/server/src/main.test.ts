/**
 * `main.ts` as `npm start` runs it: one line with the URL, the default lab alive behind it, and a
 * clean exit on SIGTERM. PORT=0 so the test never depends on a fixed port.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { LabView } from "@replica-lab/protocol";

describe("main", () => {
  it("prints the URL once, serves the default lab in sync, and exits on SIGTERM", async () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    // Its own data directory: the labs it keeps are this test's.
    const dataDir = mkdtempSync(join(tmpdir(), "replica-lab-main-"));
    const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", REPLICA_LAB_WEB_ROOT: "/nonexistent", REPLICA_LAB_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const match = /^Replica Lab: (http:\/\/127\.0\.0\.1:(\d+)\/)\?lab=default\n$/.exec(stdout);
      expect(match, stdout).not.toBeNull();
      const base = match![1]!;
      const lab = (await (await fetch(`${base}api/labs/default`)).json()) as LabView;
      expect(lab.nodes.map((n) => [n.name, n.role])).toEqual([
        ["A", "master"],
        ["B", "replica"],
        ["C", "replica"],
      ]);
      expect(lab.nodes.filter((n) => n.role === "replica").every((n) => n.linkUp && n.masterId === lab.nodes[0]!.id)).toBe(true);
      expect(lab.clock.paused).toBe(false);
      const missing = await fetch(`${base}nothing`);
      expect(missing.status).toBe(404);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    }
    expect(await exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
    expect(stdout.split("\n").filter((line) => line.includes("http://"))).toHaveLength(1);
  });
});
