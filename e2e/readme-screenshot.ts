/**
 * Takes the README's screenshot (docs/screenshot.png): a lab with a master, two replicas and a
 * chained replica under a write load, one replica inspected, a few commands in its console.
 *
 * Run: node --import tsx e2e/readme-screenshot.ts   (starts its own server on a free port)
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./playwright.config.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  if (spawnSync("npm", ["run", "build", "-w", "apps/web"], { cwd: root, stdio: "ignore" }).status !== 0) throw new Error("build failed");
  const server = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], { cwd: root, env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/[^\s/]+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      server.on("exit", () => reject(new Error(`server exited: ${out}`)));
    });
    const call = async (method: string, path: string, body?: unknown): Promise<{ id?: string }> => {
      const response = await fetch(`${base}${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${path}: ${await response.text()}`);
      const text = await response.text();
      return text === "" ? {} : (JSON.parse(text) as { id?: string });
    };
    const lab = await call("POST", "/api/labs", { template: "one-master-two-replicas", name: "classroom demo" });
    const d = await call("POST", `/api/labs/${lab.id}/nodes`, {});
    await call("PUT", `/api/labs/${lab.id}/nodes/${d.id}/master`, { masterId: "n2" });
    await call("PATCH", `/api/labs/${lab.id}/links/n4/n2`, { latencyMs: 50 });
    await call("PUT", `/api/labs/${lab.id}/nodes/n1/write-load`, { opsPerSec: 50 });

    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: "light" });
    await page.goto(`${base}/?lab=${lab.id}`);
    await page.locator(".app[data-loaded='true']").waitFor();
    await sleep(7000); // D's full sync (diskless delay 5 s) and some history for the chart
    await page.locator('.card[data-node-name="B"] .card-name').click();
    const input = page.locator('[data-console-node="B"] [data-testid="console-input"]');
    for (const line of ["ROLE", "GET counter", "SET counter 1"]) {
      await input.fill(line);
      await input.press("Enter");
      await sleep(300);
    }
    await page.getByTestId("event-group-sync").click();
    await sleep(1500);
    await page.screenshot({ path: `${root}docs/screenshot.png` });
    await browser.close();
  } finally {
    server.kill("SIGTERM");
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
