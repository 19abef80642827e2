/**
 * The lab in a real browser against the real server: the default lab, building a chain by dragging,
 * failures and promotion, a frozen replica's resync, and console errors.
 */
import { expect, test } from "@playwright/test";
import { api, card, createLab, dragReplicaOnto, offsetOf, openLab, runInConsole, selectNode, shot } from "./helpers.ts";

test("the default lab opens with one master and two replicas in sync, and a reload keeps it", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\?lab=/);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.locator(".card")).toHaveCount(3);
  await expect(card(page, "A")).toHaveAttribute("data-role", "master");
  for (const replica of ["B", "C"]) {
    await expect(card(page, replica)).toHaveAttribute("data-role", "replica");
    await expect(card(page, replica).locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");
  }
  await expect(page.locator('.edge-label[data-state="streaming"]')).toHaveCount(2);
  // In sync: same replication id and same offset everywhere.
  const replid = await card(page, "A").locator('[data-field="replid"]').getAttribute("data-replid");
  expect(replid).toMatch(/^[0-9a-f]{40}$/);
  for (const replica of ["B", "C"]) {
    await expect(card(page, replica).locator('[data-field="replid"]')).toHaveAttribute("data-replid", replid!);
    await expect.poll(() => offsetOf(page, replica)).toBe(await offsetOf(page, "A"));
  }
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  await shot(page, "01-default-lab");

  const url = page.url();
  await page.reload();
  await expect(page).toHaveURL(url);
  await expect(page.locator(".card")).toHaveCount(3);
  await expect(card(page, "A").locator('[data-field="replid"]')).toHaveAttribute("data-replid", replid!);
});

test("a chain A → B → C made by dragging carries a SET typed in A's console down to C", async ({ page, request }) => {
  const labId = await createLab(request, "empty", "chain");
  await openLab(page, labId);
  for (let i = 0; i < 3; i++) await page.getByTestId("add-node").click();
  await expect(page.locator(".card")).toHaveCount(3);
  for (const name of ["A", "B", "C"]) await expect(card(page, name)).toHaveAttribute("data-role", "master");

  await dragReplicaOnto(page, "B", "A");
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await dragReplicaOnto(page, "C", "B");
  await expect(card(page, "C")).toHaveAttribute("data-role", "replica");
  await expect(card(page, "C").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect(page.locator('.edge-label[data-replica="n2"][data-master="n1"]')).toBeVisible();
  await expect(page.locator('.edge-label[data-replica="n3"][data-master="n2"]')).toBeVisible();

  const reply = await runInConsole(page, "A", "SET greeting \"hello chain\"");
  await expect(reply).toHaveText("OK");
  await expect(reply).toHaveAttribute("data-kind", "reply");
  await expect.poll(async () => (await offsetOf(page, "C")) === (await offsetOf(page, "A")) && (await offsetOf(page, "A")) > 0).toBe(true);
  await expect(card(page, "C").locator('[data-field="keys"]')).toHaveText("1");
  // One history down the chain: C shows A's replication id.
  const replid = await card(page, "A").locator('[data-field="replid"]').getAttribute("data-replid");
  await expect(card(page, "C").locator('[data-field="replid"]')).toHaveAttribute("data-replid", replid!);
  const get = await runInConsole(page, "C", "GET greeting");
  await expect(get).toHaveText('"hello chain"');
  await shot(page, "02-chain");
});

test("killing the master takes its replicas' links down; promoting B shows its replid2", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "failover");
  await openLab(page, labId);
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");
  const oldReplid = (await card(page, "A").locator('[data-field="replid"]').getAttribute("data-replid"))!;

  await selectNode(page, "A");
  await page.getByTestId("action-kill").click();
  await expect(card(page, "A")).toHaveAttribute("data-status", "down");
  for (const replica of ["B", "C"]) {
    await expect(card(page, replica).locator('[data-field="link"]')).toHaveAttribute("data-state", "down");
  }
  await expect(page.locator('.edge-label[data-state="down"]')).toHaveCount(2);
  await expect(page.locator('.event[data-kind="killed"]')).toHaveCount(1);
  await shot(page, "03-master-killed");

  await selectNode(page, "B");
  await page.getByTestId("action-promote").click();
  await expect(card(page, "B")).toHaveAttribute("data-role", "master");
  const replid2 = card(page, "B").locator('[data-field="replid2"]');
  await expect(replid2).toBeVisible();
  await expect(replid2).toHaveAttribute("data-replid", oldReplid);
  const newReplid = await card(page, "B").locator('[data-field="replid"]').getAttribute("data-replid");
  expect(newReplid).not.toBe(oldReplid);
  await expect(page.getByTestId("replid-history").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("info-replication")).toContainText(`master_replid2:${oldReplid}`);
  await shot(page, "04-b-promoted");
});

/** The numbers a pattern captures from an event's text ("offset X inside backlog [F, L]"). */
function captured(text: string, pattern: RegExp): number[] {
  const match = pattern.exec(text);
  if (!match) throw new Error(`"${text}" does not match ${pattern}`);
  return match.slice(1).map(Number);
}

test("a replica frozen during a write burst and thawed continues with a partial resync, and the log says why", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "partial");
  await openLab(page, labId);
  // A short repl-timeout makes the master drop the frozen replica quickly.
  await expect(await runInConsole(page, "A", "CONFIG SET repl-timeout 2")).toHaveText("OK");

  await selectNode(page, "C");
  await page.getByTestId("action-freeze").click();
  await expect(card(page, "C")).toHaveAttribute("data-status", "frozen");
  await selectNode(page, "A");
  await page.getByTestId("write-load").fill("4"); // 100 SET/s
  await expect(page.getByTestId("write-load-value")).toHaveText("100");
  await expect.poll(async () => (await offsetOf(page, "A")) > 5000, { timeout: 30_000 }).toBe(true);
  await page.getByTestId("write-load").fill("0");
  await expect(page.locator('.event[data-kind="timeout"]').first()).toBeVisible({ timeout: 30_000 });
  await shot(page, "05-frozen-replica");

  await selectNode(page, "C");
  await page.getByTestId("action-thaw").click();
  await expect(card(page, "C")).toHaveAttribute("data-status", "up");
  // The master's verdict names the offset and the window it falls in; check the arithmetic.
  const verdict = page.locator('.event[data-kind="partial-resync"][data-node="A"]', { hasText: "inside backlog" }).first();
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  const text = (await verdict.locator(".event-msg").textContent()) ?? "";
  const [offset, first, last] = captured(text, /offset (\d+) inside backlog \[(\d+), (\d+)\]/);
  expect(offset).toBeGreaterThanOrEqual(first!);
  expect(offset).toBeLessThanOrEqual(last! + 1);
  await expect(page.locator('.event[data-kind="full-resync"][data-node="A"]')).toHaveCount(2); // the template's initial syncs only (the log names replicas, not addresses)
  await expect.poll(() => offsetOf(page, "C")).toBe(await offsetOf(page, "A"));
  await page.getByTestId("event-group-sync").click();
  await shot(page, "06-partial-resync");
});

test("a replica killed during a long burst comes back behind the backlog: full resync, and the log says why", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "full");
  await openLab(page, labId);
  await expect(await runInConsole(page, "A", "CONFIG SET repl-backlog-size 16384")).toHaveText("OK");
  // As on a real server, only a replicaof written to redis.conf survives the restart.
  await expect(await runInConsole(page, "C", "CONFIG REWRITE")).toHaveText("OK");

  await selectNode(page, "C");
  await page.getByTestId("action-kill").click();
  await expect(card(page, "C")).toHaveAttribute("data-status", "down");

  // A write burst from the load slider: far more than the 16 KB backlog holds.
  await selectNode(page, "A");
  const slider = page.getByTestId("write-load");
  await slider.fill("6"); // 1000 SET/s
  await expect(page.getByTestId("write-load-value")).toHaveText("1k");
  await expect.poll(async () => (await offsetOf(page, "A")) > 60_000, { timeout: 30_000 }).toBe(true);
  await slider.fill("0");
  await expect(page.getByTestId("write-load-value")).toHaveText("0");

  await selectNode(page, "C");
  await page.getByTestId("action-restart").click();
  const verdict = page.locator('.event[data-kind="full-resync"][data-node="A"]', { hasText: "precedes the backlog" }).first();
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  const text = (await verdict.locator(".event-msg").textContent()) ?? "";
  const [offset, first] = captured(text, /offset (\d+) precedes the backlog's first byte (\d+)/);
  expect(offset).toBeLessThan(first!);
  await expect(card(page, "C").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect.poll(() => offsetOf(page, "C")).toBe(await offsetOf(page, "A"));
  await selectNode(page, "C");
  await expect(page.locator('[data-field="sync_full"]')).toHaveText("0"); // counted on the master, not the replica
  await selectNode(page, "A");
  await expect.poll(async () => Number(await page.locator('[data-field="sync_full"]').textContent())).toBeGreaterThanOrEqual(3);
  await page.getByTestId("event-group-sync").click();
  await shot(page, "07-full-resync");
});

test("console errors are marked: a bad command, and a command to a node that is down", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "errors");
  await openLab(page, labId);
  const bad = await runInConsole(page, "A", "FOOBAR 1 2");
  await expect(bad).toHaveAttribute("data-kind", "error");
  await expect(bad).toContainText("(error) ERR unknown command");

  const readonly = await runInConsole(page, "B", "SET k v");
  await expect(readonly).toHaveAttribute("data-kind", "error");
  await expect(readonly).toContainText("READONLY");

  const unbalanced = await runInConsole(page, "A", 'SET k "oops');
  await expect(unbalanced).toHaveAttribute("data-kind", "error");
  await expect(unbalanced).toContainText("Invalid argument");

  await api(request, "POST", `/api/labs/${labId}/nodes/n3/kill`);
  await expect(card(page, "C")).toHaveAttribute("data-status", "down");
  const down = await runInConsole(page, "C", "PING");
  await expect(down).toHaveAttribute("data-kind", "error");
  await expect(down).toContainText("node-down");
  await shot(page, "08-console-errors");
});
