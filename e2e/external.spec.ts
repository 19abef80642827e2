/**
 * A real redis-server in the topology: a lab node replicates from it over real TCP (REPLICAOF typed
 * in the node's console), the canvas draws it as an external, read-only card with its link, and a
 * SET on the real server reaches the lab node. The redis-server runs on a free port and is stopped
 * by PID.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { api, card, createLab, openLab, runInConsole, shot } from "./helpers.ts";
import { freePort } from "@replica-lab/testing";

function cli(port: number, ...args: string[]): string {
  return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "utf8", timeout: 10_000 }).trim();
}

test("a real redis-server as a lab node's master: drawn as an external card, and its writes reach the lab node", async ({ page, request }) => {
  const dir = mkdtempSync(join(tmpdir(), "replica-lab-e2e-redis-"));
  const port = await freePort();
  let server: ChildProcess | null = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--repl-diskless-sync-delay", "0", "--dir", dir], {
    stdio: "ignore",
  });
  try {
    await expect.poll(() => {
      try {
        return cli(port, "PING");
      } catch {
        return "";
      }
    }).toBe("PONG");
    cli(port, "SET", "from-real", "before the sync");

    const labId = await createLab(request, "empty", "external");
    await api(request, "POST", `/api/labs/${labId}/nodes`, { name: "A" });
    await openLab(page, labId);
    await expect(await runInConsole(page, "A", `REPLICAOF 127.0.0.1 ${port}`)).toHaveText("OK");

    const address = `127.0.0.1:${port}`;
    const external = page.locator(`.card.external-card[data-external-id="${address}"]`);
    await expect(external).toBeVisible();
    await expect(external).toHaveAttribute("data-role", "master");
    await expect(external).toHaveAttribute("data-state", "polled");
    await expect(external).toContainText("external redis-server");
    // Read-only: no actions menu on it.
    await expect(external.locator(".card-menu")).toHaveCount(0);
    await expect(page.locator(`.edge-label[data-edge-id="n1->${address}"]`)).toHaveAttribute("data-state", "streaming");
    await expect(card(page, "A").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");

    cli(port, "SET", "from-real", "after the sync");
    await expect.poll(async () => (await runInConsole(page, "A", "GET from-real")).textContent()).toBe('"after the sync"');
    // The same replid on both cards.
    const realReplid = await external.locator('[data-field="replid"]').getAttribute("data-replid");
    await expect(card(page, "A").locator('[data-field="replid"]')).toHaveAttribute("data-replid", realReplid ?? "?");

    await external.locator(".external-address").click();
    await expect(page.locator(`[data-inspector-external="${address}"]`)).toBeVisible();
    await shot(page, "20-external-master");

    // A second lab node dragged onto the external card replicates from the real server too.
    await api(request, "POST", `/api/labs/${labId}/nodes`, { name: "B" });
    await expect(card(page, "B")).toBeVisible();
    const from = await page.getByTestId("handle-B").boundingBox();
    const to = await external.boundingBox();
    if (!from || !to) throw new Error("handle or external card not on screen");
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
    await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");
    await expect.poll(async () => (await runInConsole(page, "B", "GET from-real")).textContent()).toBe('"after the sync"');
  } finally {
    const pid = server?.pid;
    if (server && pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      process.kill(pid, "SIGKILL");
      await exited;
    }
    server = null;
    rmSync(dir, { recursive: true, force: true });
  }
});
