/**
 * Time travel in a real browser against the real server: drag the timeline back to a full resync
 * and see the cards as they were, step back one event, reload at that moment, continue from there
 * in a branch, act in the branch, and move between the branch and its parent. Also lab files
 * (export, import, a bad file), a tab whose lab is gone, and a server restarted under an open tab
 * (its own server process, on a fixed port, with its own data directory).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Page } from "@playwright/test";
import { api, card, createLab, openLab, runInConsole, selectNode, shot } from "./helpers.ts";
import { freePort } from "@replica-lab/testing";

async function keysOf(page: Page, node: string): Promise<string> {
  return ((await card(page, node).locator('[data-field="keys"]').textContent()) ?? "").trim();
}

async function atMs(page: Page): Promise<number> {
  return Number(await page.getByTestId("timeline").getAttribute("data-at-ms"));
}

/** A moment as it appears in a URL, as a regular expression (virtual time has fractions of a ms). */
function escaped(ms: number): string {
  return String(ms).replace(".", "\\.");
}

/** The master's full-resync verdicts in the event log (the lab's two initial syncs, then B's). */
function fullResyncs(page: Page) {
  return page.locator('.event[data-kind="full-resync"][data-node="A"]');
}

/** Drags the timeline's cursor from the live edge onto a mark, as a person would. */
async function dragCursorTo(page: Page, markX: number): Promise<void> {
  const track = await page.getByTestId("timeline-track").boundingBox();
  if (!track) throw new Error("the timeline is not on screen");
  const y = track.y + track.height / 2;
  await page.mouse.move(track.x + track.width - 2, y);
  await page.mouse.down();
  await page.mouse.move((track.x + track.width + markX) / 2, y, { steps: 6 });
  await page.mouse.move(markX, y, { steps: 6 });
  await page.mouse.up();
}

test("drag back to a full resync, step back, reload there, branch, act in the branch, and switch between branch and parent", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "time-travel");
  await openLab(page, labId);
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-mode", "live");

  // A history: three keys, B restarted with a wiped disk and made a replica of A again (a full
  // resync: it has nothing to continue from), then two more keys.
  for (const key of ["k1", "k2", "k3"]) await expect(await runInConsole(page, "A", `SET ${key} v`)).toHaveText("OK");
  await expect.poll(() => keysOf(page, "B")).toBe("3");
  await selectNode(page, "B");
  await page.getByTestId("action-restart-wipe").click();
  // Its redis.conf has no replicaof (the template's REPLICAOF was typed at runtime): back as a master.
  await expect(card(page, "B")).toHaveAttribute("data-role", "master");
  await expect(card(page, "B")).toHaveAttribute("data-status", "up");
  await page.getByTestId("master-select").selectOption({ label: "A" });
  await expect(fullResyncs(page)).toHaveCount(3, { timeout: 30_000 });
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect.poll(() => keysOf(page, "B")).toBe("3");
  for (const key of ["k4", "k5"]) await expect(await runInConsole(page, "A", `SET ${key} v`)).toHaveText("OK");
  await expect.poll(() => keysOf(page, "B")).toBe("5");
  await expect.poll(() => keysOf(page, "C")).toBe("5");
  // A still live edge makes the marks hold still while the test measures them.
  await page.getByTestId("clock-toggle").click();
  await expect(page.getByTestId("clock-toggle")).toHaveClass(/primary/);

  // The timeline shows the whole history. The master's third full-resync verdict is B's (the
  // replica's own "full resync" when it loads the RDB comes seconds later, after the diskless delay).
  const view = (await (await request.get(`/api/labs/${labId}`)).json()) as { nodes: { id: string; name: string }[] };
  const masterId = view.nodes.find((n) => n.name === "A")!.id;
  const timeline = (await (await request.get(`/api/labs/${labId}/timeline`)).json()) as { events: { timeMs: number; kind: string; nodeId: string | null }[] };
  const verdicts = timeline.events.filter((e) => e.kind === "full-resync" && e.nodeId === masterId);
  expect(verdicts).toHaveLength(3);
  const markTimeMs = verdicts[2]!.timeMs;
  const mark = page.locator(`.timeline-mark[data-time-ms="${markTimeMs}"][data-kinds~="full-resync"]`);
  await expect(mark).toHaveCount(1);
  const box = await mark.boundingBox();
  if (!box) throw new Error("the full resync's mark is not on screen");
  await dragCursorTo(page, box.x + box.width / 2);

  // Everything shows that moment: A had 3 keys, B was being resynchronised, the log ends there.
  await expect(page.locator(".app")).toHaveAttribute("data-past", "true");
  await expect(page.getByTestId("past-banner")).toBeVisible();
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  expect(await atMs(page)).toBe(markTimeMs);
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");
  await expect(card(page, "B").locator('[data-field="keys"]')).not.toHaveText("5");
  await expect(fullResyncs(page)).toHaveCount(3);
  await shot(page, "timeline-01-full-resync");

  // One event back: before B's full resync.
  const before = await atMs(page);
  await page.keyboard.press(",");
  await expect.poll(() => atMs(page)).toBeLessThan(before);
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  await expect(fullResyncs(page)).toHaveCount(2);
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");
  const moment = await atMs(page);

  // The URL holds the moment; a reload opens the same moment.
  await expect(page).toHaveURL(new RegExp(`[?&]t=${escaped(moment)}(&|$)`));
  await page.reload();
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-at-ms", String(moment));
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");
  await expect(fullResyncs(page)).toHaveCount(2);

  // An action in the past offers to continue from here; accepting makes and opens the branch.
  await selectNode(page, "B");
  await page.getByTestId("action-kill").click();
  await expect(page.getByTestId("branch-offer")).toBeVisible();
  await shot(page, "timeline-02-branch-offer");
  await page.getByTestId("offer-branch").click();
  await expect(page).not.toHaveURL(new RegExp(`lab=${labId}(&|$)`));
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  const branchId = new URL(page.url()).searchParams.get("lab")!;
  expect(branchId).not.toBe(labId);
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-mode", "live");
  await expect(page.getByTestId("open-parent")).toHaveAttribute("data-parent", labId);
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");

  // Act in the branch: its own write; the parent is untouched.
  await expect(await runInConsole(page, "A", "SET branch-only yes")).toHaveText("OK");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("4");
  const parent = (await (await request.get(`/api/labs/${labId}`)).json()) as { nodes: { name: string; keys: number }[] };
  expect(parent.nodes.find((n) => n.name === "A")?.keys).toBe(5);
  await shot(page, "timeline-03-branch");

  // The branch's own past, reloaded, is the same moment too.
  await page.getByTestId("timeline-step-back").click();
  await expect(page.locator(".app")).toHaveAttribute("data-past", "true");
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  const branchMoment = await atMs(page);
  await expect(page).toHaveURL(new RegExp(`[?&]t=${escaped(branchMoment)}(&|$)`));
  const keysThen = await keysOf(page, "A");
  await page.reload();
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-at-ms", String(branchMoment));
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText(keysThen);
  await page.getByTestId("banner-live").click();
  await expect(page.locator(".app")).toHaveAttribute("data-past", "false");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("4");

  // To the parent, at the moment the branch started; it lists its branch.
  await page.getByTestId("open-parent").click();
  await expect(page).toHaveURL(new RegExp(`lab=${labId}`));
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-at-ms", String(moment));
  await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");
  await expect(page.getByTestId("branch-select").locator(`option[value="${branchId}"]`)).toHaveCount(1);
  await page.getByTestId("timeline-live").click();
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("5");
  await page.getByTestId("branch-select").selectOption(branchId);
  await expect(page).toHaveURL(new RegExp(`lab=${branchId}`));
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("4");
});

test("export a lab, import the file (picker and drop) as a new lab, and a bad file shows the server's error", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "exported");
  await openLab(page, labId);
  await expect(await runInConsole(page, "A", "SET exported yes")).toHaveText("OK");
  await expect.poll(() => keysOf(page, "B")).toBe("1");

  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-lab").click();
  const download = await downloading;
  const path = await download.path();
  const text = readFileSync(path, "utf8");
  expect(() => JSON.parse(text) as unknown).not.toThrow();

  await page.getByTestId("import-file").setInputFiles({ name: "exported.replica-lab.json", mimeType: "application/json", buffer: Buffer.from(text) });
  await expect(page).not.toHaveURL(new RegExp(`lab=${labId}(&|$)`));
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("lab-name")).toHaveText(/exported/);
  await expect.poll(() => keysOf(page, "A")).toBe("1");
  await expect.poll(() => keysOf(page, "B")).toBe("1");

  // The same file dropped on the page makes another lab.
  const imported = page.url();
  const dropped = await page.evaluateHandle((content) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], "dropped.replica-lab.json", { type: "application/json" }));
    return transfer;
  }, text);
  await page.dispatchEvent("body", "dragenter", { dataTransfer: dropped });
  await expect(page.getByTestId("drop-zone")).toBeVisible();
  await page.dispatchEvent("body", "drop", { dataTransfer: dropped });
  await expect(page.getByTestId("drop-zone")).toHaveCount(0);
  await expect(page).not.toHaveURL(imported);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect.poll(() => keysOf(page, "A")).toBe("1");

  // A truncated file: nothing is made, and the notice carries the server's code and words.
  const url = page.url();
  await page.getByTestId("import-file").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from(text.slice(0, Math.floor(text.length / 2))) });
  const notice = page.locator(".notice.error").last();
  await expect(notice).toContainText("broken.json");
  await expect(notice.locator("[data-server-text]")).not.toBeEmpty();
  expect(await notice.getAttribute("data-code")).not.toBe("");
  await expect(page).toHaveURL(url);
  await shot(page, "timeline-04-bad-import");
});

test("a tab whose lab was deleted says so and offers the lab list instead of retrying", async ({ page, request }) => {
  const keep = await createLab(request, "empty", "still-here");
  const labId = await createLab(request, "one-master-two-replicas", "about-to-go");
  await openLab(page, labId);
  await api(request, "DELETE", `/api/labs/${labId}`);
  await expect(page.getByTestId("lab-gone")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "closed");
  const other = page.getByTestId("lab-gone").locator(`[data-lab-id="${keep}"]`);
  await expect(other).toBeVisible();
  await shot(page, "timeline-05-lab-gone");
  await other.click();
  await expect(page).toHaveURL(new RegExp(`lab=${keep}`));
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("lab-gone")).toHaveCount(0);
});

const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts the real server on `port` with `dataDir`, resolving once it prints its URL. */
async function startServer(port: number, dataDir: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", REPLICA_LAB_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 60_000);
    server.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("http://")) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}: ${out}`));
    });
  });
  server.stdout!.resume();
  return server;
}

async function stopServer(server: ChildProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  server.kill(signal);
  await exited;
}

test("a restarted server: the tab reconnects by itself to the same lab and moment; a tab whose lab did not come back says so", async ({ page }) => {
  test.setTimeout(240_000);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "replica-lab-e2e-"));
  const emptyDir = mkdtempSync(join(tmpdir(), "replica-lab-e2e-empty-"));
  let server = await startServer(port, dataDir);
  try {
    const created = await page.request.post(`${base}/api/labs`, { data: { template: "one-master-two-replicas", name: "survivor" } });
    expect(created.status()).toBe(201);
    const labId = ((await created.json()) as { id: string }).id;
    await page.goto(`${base}/?lab=${labId}`);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
    for (const key of ["k1", "k2"]) await expect(await runInConsole(page, "A", `SET ${key} v`)).toHaveText("OK");
    await expect.poll(() => keysOf(page, "B")).toBe("2");

    // Look at a past moment, then stop the server gracefully under the tab.
    await page.getByTestId("timeline-step-back").click();
    await expect(page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false");
    const moment = await atMs(page);
    const keysThen = await keysOf(page, "A");
    await stopServer(server, "SIGTERM");
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "reconnecting");
    server = await startServer(port, dataDir);
    // Nobody touches the tab: it reconnects by itself, to the same lab, still at the same moment.
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open", { timeout: 30_000 });
    await expect(page).toHaveURL(new RegExp(`lab=${labId}`));
    await expect(page.getByTestId("timeline")).toHaveAttribute("data-at-ms", String(moment));
    await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText(keysThen);
    await page.getByTestId("banner-live").click();
    await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("2");
    await expect(await runInConsole(page, "A", "SET k3 v")).toHaveText("OK");
    await expect.poll(() => keysOf(page, "B")).toBe("3");
    await shot(page, "timeline-06-after-restart");

    // A crash (SIGKILL) a while after the last write loses nothing the tab shows.
    await page.waitForTimeout(2000);
    await stopServer(server, "SIGKILL");
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "reconnecting");
    server = await startServer(port, dataDir);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open", { timeout: 30_000 });
    await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");

    // A server that comes back without the lab: the tab stops retrying and offers the lab list.
    await stopServer(server, "SIGTERM");
    server = await startServer(port, emptyDir);
    await expect(page.getByTestId("lab-gone")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "closed");
    await expect(page.getByTestId("lab-gone").locator('[data-lab-id="default"]')).toBeVisible();
    await shot(page, "timeline-07-lab-did-not-come-back");
  } finally {
    await stopServer(server, "SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
});
