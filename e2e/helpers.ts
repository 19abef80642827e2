/** Small drivers for the lab UI, used by the specs. */
import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";

const artifacts = fileURLToPath(new URL("./artifacts/", import.meta.url));

export async function createLab(request: APIRequestContext, template: "empty" | "one-master-two-replicas", name?: string): Promise<string> {
  const response = await request.post("/api/labs", { data: { template, ...(name ? { name } : {}) } });
  expect(response.status(), await response.text()).toBe(201);
  const body = (await response.json()) as { id: string };
  return body.id;
}

/** A lab created as the default lab (A master, B and C replicas, in sync) of a node version. */
export async function createVersionLab(request: APIRequestContext, version: "7.0" | "4.0" | "2.8" | "2.6" | "ssdb", name?: string): Promise<string> {
  const response = await request.post("/api/labs", { data: { version, ...(name ? { name } : {}) } });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

export async function openLab(page: Page, labId: string): Promise<void> {
  await page.goto(`/?lab=${encodeURIComponent(labId)}`);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
}

export function card(page: Page, name: string): Locator {
  return page.locator(`.card[data-node-name="${name}"]`);
}

export async function offsetOf(page: Page, name: string): Promise<number> {
  const value = await card(page, name).locator('[data-field="offset"]').getAttribute("data-value");
  return Number(value);
}

export async function selectNode(page: Page, name: string): Promise<void> {
  await card(page, name).locator(".card-name").click();
  await expect(page.locator(`[data-inspector-node="${name}"]`)).toBeVisible();
}

/** Drags the replica's top nub onto the master's card, as a person would. */
export async function dragReplicaOnto(page: Page, replica: string, master: string): Promise<void> {
  const handle = page.getByTestId(`handle-${replica}`);
  const target = card(page, master);
  const from = await handle.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error("handle or target card not on screen");
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  const endX = to.x + to.width / 2;
  const endY = to.y + to.height / 2;
  await page.mouse.move((from.x + endX) / 2, (from.y + endY) / 2, { steps: 8 });
  await page.mouse.move(endX, endY, { steps: 8 });
  await page.mouse.up();
}

/** Types a line into the node's console and waits for its reply line. */
export async function runInConsole(page: Page, node: string, line: string): Promise<Locator> {
  await page.getByTestId(`console-tab-${node}`).click();
  const consoleBox = page.locator(`[data-console-node="${node}"]`);
  const before = await consoleBox.locator(".console-line").count();
  const input = consoleBox.getByTestId("console-input");
  await input.fill(line);
  await input.press("Enter");
  // The command line, then its reply.
  await expect(consoleBox.locator(".console-line")).toHaveCount(before + 2);
  return consoleBox.locator(".console-line").last();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifacts}${name}.png` });
}

export async function api(request: APIRequestContext, method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, data?: unknown): Promise<unknown> {
  const response = await request.fetch(path, { method, ...(data === undefined ? {} : { data }) });
  expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
  const text = await response.text();
  return text === "" ? null : (JSON.parse(text) as unknown);
}
