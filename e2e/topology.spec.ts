/**
 * Building and breaking topologies without dragging (every canvas gesture has a visible control),
 * cycles flagged, link faults, and what the user sees when the server says no or the socket drops.
 */
import { expect, test, type WebSocketRoute } from "@playwright/test";
import { card, createLab, openLab, runInConsole, selectNode, shot } from "./helpers.ts";

test("gestures and their buttons: double-click adds, menus make a cycle (flagged), a link is partitioned and removed, a node deleted", async ({ page, request }) => {
  const labId = await createLab(request, "empty", "gestures");
  await openLab(page, labId);

  // Double-click on empty canvas adds a node; the toolbar button adds another.
  await page.locator(".react-flow__pane").dblclick({ position: { x: 300, y: 250 } });
  await expect(page.locator(".card")).toHaveCount(1);
  await page.getByTestId("add-node").click();
  await expect(page.locator(".card")).toHaveCount(2);

  // REPLICAOF from each card's menu: A → B, then B → A closes a cycle.
  await page.getByTestId("menu-A").click();
  await page.getByRole("menuitem", { name: /^B/ }).click();
  await expect(card(page, "A")).toHaveAttribute("data-role", "replica");
  await page.getByTestId("menu-B").click();
  await page.getByRole("menuitem", { name: /^A/ }).click();
  await expect(card(page, "B")).toHaveAttribute("data-role", "replica");
  for (const name of ["A", "B"]) await expect(card(page, name).locator(".cycle-badge")).toBeVisible();
  await expect(page.locator(".edge-label.cycle")).toHaveCount(2);
  await shot(page, "09-cycle");

  // The link's label opens its inspector: partition it, heal it, then remove it (REPLICAOF NO ONE).
  await page.locator('.edge-label[data-replica="n1"]').click();
  await expect(page.locator('[data-inspector-edge="n1->n2"]')).toBeVisible();
  await page.getByTestId("toggle-partition").click();
  await expect(page.locator('.edge-label[data-replica="n1"]')).toHaveAttribute("data-state", "partitioned");
  await expect(page.locator('.event[data-kind="link-changed"]').first()).toContainText("partitioned");
  await page.getByTestId("latency").selectOption("250");
  await expect(page.locator('.edge-label[data-replica="n1"]')).toContainText("250 ms");
  await shot(page, "10-partitioned-link");
  await page.getByTestId("toggle-partition").click();
  await expect(page.locator('.edge-label[data-replica="n1"]')).not.toHaveAttribute("data-state", "partitioned");
  await page.getByTestId("action-remove-edge").click();
  await expect(card(page, "A")).toHaveAttribute("data-role", "master");
  await expect(page.locator(".cycle-badge")).toHaveCount(0);
  await expect(page.locator(".edge-label")).toHaveCount(1);

  // Delete from the keyboard.
  await selectNode(page, "B");
  await page.keyboard.press("Delete");
  await expect(page.locator(".card")).toHaveCount(1);
  await expect(page.locator(".edge-label")).toHaveCount(0);
});

test("deleting a master asks first (its keys, its replicas), and its replicas say their master was deleted instead of drawing an outside server", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "delete-master");
  await openLab(page, labId);
  await runInConsole(page, "A", "SET k v");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", /connected|streaming/);

  await selectNode(page, "A");
  await page.keyboard.press("Delete");
  const warning = page.getByTestId("delete-warning");
  await expect(warning).toBeVisible();
  await expect(warning).toContainText("1 key");
  await expect(warning).toContainText("B, C");
  await page.getByTestId("delete-cancel").click();
  await expect(warning).toHaveCount(0);
  await expect(page.locator(".card[data-node-name]")).toHaveCount(3);

  await page.getByTestId("action-delete").click();
  await page.getByTestId("delete-confirm").click();
  await expect(page.locator(".card[data-node-name]")).toHaveCount(2);
  for (const name of ["B", "C"]) {
    await expect(card(page, name).locator('[data-field="removed-master"]')).toContainText("master A was deleted");
    await expect(card(page, name).locator(".card-of")).toContainText("A (deleted)");
  }
  // The outside-server watch polls once a second: give it two rounds to (not) find A's address.
  await page.waitForTimeout(2500);
  await expect(page.locator(".external-card")).toHaveCount(0);
  await shot(page, "11-master-deleted");
});

test("the server's refusals are shown, and the connection indicator follows the socket", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "refusals");
  // Every stream socket goes through this route, so the test can drop it and refuse reconnects.
  const sockets: WebSocketRoute[] = [];
  let refuse = false;
  await page.routeWebSocket(/\/stream$/, (ws) => {
    if (refuse) {
      void ws.close({ code: 4000, reason: "refused by the test" });
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await openLab(page, labId);
  await selectNode(page, "C");
  await page.getByTestId("action-kill").click();
  await expect(card(page, "C")).toHaveAttribute("data-status", "down");
  // F freezes the selected node; the server refuses to freeze a node that is down.
  await page.keyboard.press("f");
  const notice = page.locator(".notice.error");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("Could not freeze C");
  await expect(notice).toHaveAttribute("data-code", "node-down");
  await shot(page, "11-server-refusal");
  // The notice is dismissed as a person would (it sits over the inspector's first row of buttons).
  await notice.getByRole("button").click();
  await expect(notice).toBeHidden();

  // The socket drops and the first reconnects are refused: the indicator says so, then recovers.
  refuse = true;
  await sockets.at(-1)!.close({ code: 4000, reason: "dropped by the test" });
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "reconnecting");
  await expect(page.getByTestId("connection")).toContainText(/Reconnecting.*try [2-9]/, { timeout: 15_000 });
  await shot(page, "12-reconnecting");
  refuse = false;
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open", { timeout: 20_000 });
  await expect(page.locator(".card")).toHaveCount(3);
  // The fresh snapshot is live again: a command's effect shows up.
  await selectNode(page, "A");
  const before = Number(await card(page, "A").locator('[data-field="offset"]').getAttribute("data-value"));
  await page.getByTestId("action-set").click();
  await expect.poll(async () => Number(await card(page, "A").locator('[data-field="offset"]').getAttribute("data-value"))).toBeGreaterThan(before);
});

test("the clock pauses, steps and changes speed", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "clock");
  await openLab(page, labId);
  const time = page.getByTestId("clock-time");
  await page.getByTestId("clock-toggle").click();
  await expect(page.getByTestId("clock-toggle")).toContainText("Resume");
  const paused = await time.textContent();
  await page.waitForTimeout(800);
  await expect(time).toHaveText(paused!);

  const seconds = (text: string | null): number => Number((text ?? "").replace(/[^\d.]/g, ""));
  await page.getByLabel("Step size").selectOption("1000");
  await page.getByTestId("clock-step").click();
  await expect.poll(async () => seconds(await time.textContent())).toBeCloseTo(seconds(paused) + 1, 1);

  await page.getByTestId("clock-speed").selectOption("5");
  await expect(page.getByTestId("clock-speed")).toHaveValue("5");
  await expect(page.getByTestId("clock-toggle")).toContainText("Resume"); // a speed change keeps it paused

  // Space resumes once nothing is focused (on a focused button, Space presses that button).
  await page.evaluate("document.activeElement instanceof HTMLElement && document.activeElement.blur()");
  await page.keyboard.press(" ");
  await expect(page.getByTestId("clock-toggle")).toContainText("Pause");
  await expect.poll(async () => seconds(await time.textContent())).toBeGreaterThan(seconds(paused) + 3);
});
