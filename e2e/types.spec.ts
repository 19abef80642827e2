/**
 * The data types in a real browser against the real server (issue 17): LPUSH typed in the master's
 * console shows the list on a replica in the inspector's keyspace browser; the cards' dataset
 * digests (DEBUG DIGEST) agree across the master and its replicas, and change together; SPOP on
 * the master shows in the event log as propagated SREM of the member it picked.
 */
import { expect, test, type Page } from "@playwright/test";
import { card, createLab, openLab, runInConsole, selectNode, shot } from "./helpers.ts";

async function digests(page: Page): Promise<string[]> {
  return Promise.all(["A", "B", "C"].map(async (name) => (await card(page, name).locator('[data-field="digest"]').getAttribute("data-value")) ?? "(none)"));
}

test("LPUSH on the master shows in a replica's keyspace browser, the cards' digests agree, and SPOP is propagated as SREM", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "types");
  await openLab(page, labId);
  // The replicas are in sync with the (empty) master: every card shows the empty dataset's digest.
  await expect.poll(() => digests(page), { timeout: 30_000 }).toEqual(["0".repeat(40), "0".repeat(40), "0".repeat(40)]);

  await expect(await runInConsole(page, "A", "LPUSH mylist one two three")).toHaveText("(integer) 3");
  await selectNode(page, "B");
  const browser = page.locator('[data-inspector-node="B"]').getByTestId("keyspace");
  const row = browser.locator('[data-testid="keyspace-key"][data-key="mylist"]');
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute("data-type", "list");
  await expect(row).toHaveAttribute("data-encoding", "quicklist");
  await expect(row.locator('[data-field="preview"]')).toHaveText("three, two, one");
  await expect(row.locator('[data-field="ttl"]')).toHaveText("—");

  // The master's digest changed, and the replicas show it too.
  await expect
    .poll(async () => {
      const [a, b, c] = await digests(page);
      return a !== "0".repeat(40) && a === b && b === c;
    }, { timeout: 20_000 })
    .toBe(true);
  const [listDigest] = await digests(page);
  expect(listDigest).toMatch(/^[0-9a-f]{40}$/);
  await expect(card(page, "B").locator('[data-field="digest"]')).toHaveText(listDigest!.slice(0, 8));

  // A hash with a TTL, listed with its encoding and time to live.
  await runInConsole(page, "A", "HSET myhash field value");
  await runInConsole(page, "A", "EXPIRE myhash 500");
  const hash = browser.locator('[data-testid="keyspace-key"][data-key="myhash"]');
  await expect(hash).toHaveAttribute("data-encoding", "listpack");
  await expect(hash.locator('[data-field="preview"]')).toHaveText("field=value");
  await expect(hash.locator('[data-field="ttl"]')).toHaveText(/^\d+ s$/);

  // SPOP draws at random on the master; replicas get SREM of what it drew.
  await runInConsole(page, "A", "SADD myset x y z");
  const popped = (await (await runInConsole(page, "A", "SPOP myset")).textContent())?.replace(/^"|"$/g, "");
  expect(["x", "y", "z"]).toContain(popped);
  const propagation = page.locator('.event[data-kind="propagation"][data-node="A"]').filter({ hasText: "SPOP myset" });
  await expect(propagation.last()).toBeAttached();
  await expect(propagation.last()).toContainText(`SREM myset ${popped}`);
  const set = browser.locator('[data-testid="keyspace-key"][data-key="myset"]');
  await expect(set.locator('[data-field="preview"]')).not.toContainText(popped!);
  await expect(set).toHaveAttribute("data-encoding", "hashtable");
  await expect
    .poll(async () => {
      const [a, b, c] = await digests(page);
      return a !== listDigest && a === b && b === c;
    }, { timeout: 20_000 })
    .toBe(true);
  await shot(page, "types-keyspace");
});
