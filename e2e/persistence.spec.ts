/**
 * The restart lesson of the classic tutorial, in a real browser: REPLICAOF typed at runtime is not
 * in redis.conf, so a replica killed and restarted comes back as a master; with "persist in
 * redis.conf" it comes back as a replica. And the two ways down: Shutdown saves dump.rdb (the keys
 * are back after the restart), Kill is a crash (the writes since the last save are gone).
 */
import { expect, test, type Page } from "@playwright/test";
import { card, createLab, openLab, runInConsole, selectNode, shot } from "./helpers.ts";

function restartedEvent(page: Page, node: string, text: string) {
  return page.locator(`.event[data-kind="restarted"][data-node="${node}"]`, { hasText: text });
}

async function keysOf(page: Page, node: string): Promise<string> {
  return (await card(page, node).locator('[data-field="keys"]').textContent()) ?? "";
}

test("a replica killed and restarted comes back as a master, unless replicaof is persisted in its redis.conf", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "restart-lesson");
  await openLab(page, labId);
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");

  // The template linked B with a plain REPLICAOF: the process knows, the file does not.
  await selectNode(page, "B");
  await expect(page.getByTestId("file-replicaof")).toHaveAttribute("data-master", "");
  await expect(page.getByTestId("config-file")).not.toHaveValue(/^replicaof /m);
  await page.getByTestId("action-kill").click();
  await expect(card(page, "B")).toHaveAttribute("data-status", "down");
  await expect(card(page, "B").locator('[data-field="down-reason"]')).toHaveAttribute("data-reason", "killed");
  await expect(page.getByTestId("down-reason")).toHaveAttribute("data-reason", "killed");
  await page.getByTestId("action-restart").click();
  await expect(card(page, "B")).toHaveAttribute("data-status", "up");
  await expect(card(page, "B")).toHaveAttribute("data-role", "master");
  await expect(restartedEvent(page, "B", "there is no replicaof in its redis.conf")).toHaveCount(1);
  await shot(page, "persistence-01-replica-back-as-master");

  // The other half of the lesson: REPLICAOF with "persist in redis.conf".
  await page.getByTestId("persist-master").check();
  await page.getByTestId("master-select").selectOption({ label: "A" });
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect(page.getByTestId("config-file")).toHaveValue(/^replicaof 127\.0\.0\.1 \d+$/m);
  await expect(page.getByTestId("file-replicaof")).toHaveAttribute("data-master", /^127\.0\.0\.1:\d+$/);

  await page.getByTestId("action-kill").click();
  await expect(card(page, "B")).toHaveAttribute("data-status", "down");
  // A node that is down shows what its file will make it: a replica.
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
  await page.getByTestId("action-restart").click();
  await expect(card(page, "B")).toHaveAttribute("data-status", "up");
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect(restartedEvent(page, "B", "its redis.conf says replicaof")).toHaveCount(1);
  await shot(page, "persistence-02-replica-persisted");
});

test("Shutdown saves the master's keys for its restart; Kill after more writes loses them", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "shutdown-vs-kill");
  await openLab(page, labId);
  for (const key of ["k1", "k2", "k3"]) await expect(await runInConsole(page, "A", `SET ${key} v`)).toHaveText("OK");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");

  await selectNode(page, "A");
  await expect(page.locator('[data-field="save"]')).toHaveAttribute("data-value", "3600 1 300 100 60 10000");
  await expect(page.locator('[data-field="dirty"]')).toHaveText("3");
  await page.getByTestId("action-shutdown").click();
  await expect(card(page, "A")).toHaveAttribute("data-status", "down");
  const shutdown = card(page, "A").locator('[data-field="down-reason"]');
  await expect(shutdown).toHaveAttribute("data-reason", "shutdown");
  await expect(shutdown).toContainText("3");
  await expect(page.getByTestId("down-reason")).toHaveAttribute("data-reason", "shutdown");
  await shot(page, "persistence-03-master-shut-down");
  await page.getByTestId("action-restart").click();
  await expect(card(page, "A")).toHaveAttribute("data-status", "up");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");

  // Two more writes, then a crash: they were never saved.
  for (const key of ["k4", "k5"]) await expect(await runInConsole(page, "A", `SET ${key} v`)).toHaveText("OK");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("5");
  await expect.poll(() => keysOf(page, "B")).toBe("5");
  await selectNode(page, "A");
  await page.getByTestId("action-kill").click();
  await expect(card(page, "A")).toHaveAttribute("data-status", "down");
  await expect(card(page, "A").locator('[data-field="down-reason"]')).toHaveAttribute("data-reason", "killed");
  await page.getByTestId("action-restart").click();
  // The app warns before: A went down with unsaved writes and its replicas hold them.
  await expect(page.getByTestId("restart-warning")).toHaveAttribute("data-risk", "lost");
  await page.getByTestId("restart-anyway").click();
  await expect(card(page, "A")).toHaveAttribute("data-status", "up");
  await expect(card(page, "A").locator('[data-field="keys"]')).toHaveText("3");
  // The log warns, and the replicas follow the master's older dataset in their full resync.
  await expect(page.locator('.event[data-kind="warning"][data-node="A"]').first()).toBeVisible();
  await expect.poll(() => keysOf(page, "B"), { timeout: 30_000 }).toBe("3");
  await shot(page, "persistence-04-master-killed-after-writes");
});
