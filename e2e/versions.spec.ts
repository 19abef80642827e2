/**
 * Node versions in real Chromium (issues 14 and 15): the same dropped link costs a 2.6 replica a
 * full SYNC and a 2.8 replica only a +CONTINUE; a 4.0 master's ring backlog wraps in the inspector
 * and overwrites a frozen replica's place; an SSDB slave falls out of the binlog window
 * (OUT_OF_SYNC) and, with seed 002's snapshot master, is copied again by itself.
 */
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { api, card, createLab, createVersionLab, openLab, runInConsole, selectNode, shot } from "./helpers.ts";

/** The address (`ip:port`) of `node`'s connection flagged `flag` in its CLIENT LIST. */
async function linkAddress(request: APIRequestContext, labId: string, node: string, flag: "M" | "S"): Promise<string> {
  const answer = (await api(request, "POST", `/api/labs/${labId}/nodes/${node}/command`, { argv: ["CLIENT", "LIST"] })) as { text: string };
  const line = answer.text.split("\n").find((l) => new RegExp(`\\bflags=[A-Za-z]*${flag}`).test(l));
  const addr = line ? /\baddr=(\S+)/.exec(line)?.[1] : undefined;
  if (addr === undefined) throw new Error(`no ${flag} connection on ${node}: ${answer.text}`);
  return addr;
}

/** B kills its own master link from its console (CLIENT KILL of the M-flagged client), as a person would. */
async function dropBLink(page: Page, request: APIRequestContext, labId: string): Promise<void> {
  const addr = await linkAddress(request, labId, "B", "M");
  const reply = await runInConsole(page, "B", `CLIENT KILL ${addr}`);
  await expect(reply).toContainText("OK");
}

test("a dropped link: 2.6 makes a full SYNC, 2.8 continues with +CONTINUE", async ({ page, request }) => {
  // 2.6: the replica reconnects with SYNC and the master sends the whole dataset again.
  const lab26 = await createVersionLab(request, "2.6", "2.6 dropped link");
  await api(request, "POST", `/api/labs/${lab26}/nodes/A/command`, { argv: ["SET", "greeting", "hello"] });
  await openLab(page, lab26);
  for (const name of ["A", "B", "C"]) await expect(card(page, name).locator('[data-field="version"]')).toHaveAttribute("data-version", "2.6");
  // 2.6 has no offsets: the card says so instead of showing one.
  await expect(card(page, "B").locator('[data-field="offset"]')).toHaveCount(0);
  await expect(card(page, "B").locator('[data-field="no-offset"]')).toBeVisible();
  const full26 = card(page, "A").locator('[data-field="sync-full"]');
  await expect(full26).toHaveAttribute("data-value", "2");
  await dropBLink(page, request, lab26);
  await expect(full26).toHaveAttribute("data-value", "3");
  await expect(card(page, "A").locator('[data-field="sync-partial"]')).toHaveText("—");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");
  const log = page.getByTestId("event-log");
  await expect(log.locator('.event[data-kind="full-resync"][data-node="A"]').last()).toContainText("2.6 has no partial resync: full SYNC on every reconnect");
  await expect(log.locator('.event[data-kind="psync-request"][data-node="B"]').last()).toContainText("SYNC sent to A");
  await expect(page.locator(".event-kind", { hasText: "partial resync" })).toHaveCount(0);
  await shot(page, "versions-26-full-sync");

  // 2.8: the same action; the replica names the master's run id and offset, the master continues.
  const lab28 = await createVersionLab(request, "2.8", "2.8 dropped link");
  await openLab(page, lab28);
  await expect(card(page, "B").locator('[data-field="version"]')).toHaveAttribute("data-version", "2.8");
  // 2.8 has a run id instead of replids: B's cached master run id is A's run id.
  const runId = await card(page, "A").locator('[data-field="run-id"]').getAttribute("data-replid");
  expect(runId).toMatch(/^[0-9a-f]{40}$/);
  await expect(card(page, "B").locator('[data-field="master-run-id"]')).toHaveAttribute("data-replid", runId!);
  await expect(card(page, "B").locator('[data-field="replid"]')).toHaveCount(0);
  const partial28 = card(page, "A").locator('[data-field="sync-partial"]');
  await expect(card(page, "A").locator('[data-field="sync-full"]')).toHaveAttribute("data-value", "2");
  await dropBLink(page, request, lab28);
  await expect(partial28).toHaveAttribute("data-value", "1");
  await expect(card(page, "A").locator('[data-field="sync-full"]')).toHaveAttribute("data-value", "2");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveAttribute("data-state", "connected");
  const accepted = log.locator('.event[data-kind="partial-resync"][data-node="A"]').last();
  await expect(accepted).toContainText(`run id ${runId!.slice(0, 6)}… is mine`);
  await expect(accepted).toContainText("+CONTINUE");
  await shot(page, "versions-28-continue");
});

test("a 4.0 master's ring backlog wraps in the inspector and overwrites a frozen replica's place", async ({ page, request }) => {
  const labId = await createVersionLab(request, "4.0", "4.0 ring");
  // The smallest ring 4.0 allows (16 KiB), so a few hundred writes go round it.
  await api(request, "POST", `/api/labs/${labId}/nodes/A/command`, { argv: ["CONFIG", "SET", "repl-backlog-size", "16384"] });
  await openLab(page, labId);
  await expect(card(page, "A").locator('[data-field="version"]')).toHaveAttribute("data-version", "4.0");
  await expect(card(page, "B").locator('[data-field="replid"]')).toBeVisible();
  await selectNode(page, "A");
  const ring = page.locator('[data-field="ring-backlog"]');
  await expect(ring).toHaveAttribute("data-size", "16384");
  await expect(ring).toHaveAttribute("data-wrapped", "false");
  await expect(ring.locator('[data-marker="C"]')).toHaveAttribute("data-place", "inside");

  // C stops reading (SIGSTOP); A writes more than the ring holds.
  await api(request, "POST", `/api/labs/${labId}/nodes/C/freeze`);
  const value = "x".repeat(200);
  for (let i = 0; i < 120; i++) await api(request, "POST", `/api/labs/${labId}/nodes/A/command`, { argv: ["SET", `k${i}`, value] });
  await expect(ring).toHaveAttribute("data-wrapped", "true");
  await expect(ring).toHaveAttribute("data-histlen", "16384");
  expect(Number(await ring.getAttribute("data-laps"))).toBeGreaterThanOrEqual(1);
  // B kept up; C's place was overwritten by the write index going round.
  await expect(ring.locator('[data-marker="B"]')).toHaveAttribute("data-place", "inside");
  await expect(ring.locator('[data-marker="C"]')).toHaveAttribute("data-place", "overwritten");
  await ring.scrollIntoViewIfNeeded();
  await expect(ring.locator(".ring-hand")).toBeVisible();
  await shot(page, "versions-40-ring-wrapped");
  // The same in 中文.
  await page.getByTestId("language-zh").click();
  await expect(ring).toContainText("已绕了");
  await expect(ring.locator('[data-marker="C"] title')).toContainText("已被覆盖");
  await shot(page, "versions-40-ring-zh");
});

test("SSDB: a slave falls out of the binlog window (OUT_OF_SYNC); a seed-002 master copies it again by itself", async ({ page, request }) => {
  const labId = await createLab(request, "empty", "ssdb out of sync");
  const base = `/api/labs/${labId}`;
  // Upstream 1.9.x master M, and a seed 002 snapshot master S, each with a 10-record binlog and one slave.
  await api(request, "POST", `${base}/nodes`, { name: "M", version: "ssdb", config: { "replication.binlog.capacity": 10 } });
  await api(request, "POST", `${base}/nodes`, { name: "S", version: "ssdb", config: { "replication.binlog.capacity": 10, "replication.copy": "snapshot" } });
  for (const [slave, master] of [["m1", "M"], ["s1", "S"]] as const) {
    await api(request, "POST", `${base}/nodes`, { name: slave, version: "ssdb" });
    await api(request, "PUT", `${base}/nodes/${slave}/master`, { masterId: master, persist: true });
  }
  await openLab(page, labId);
  for (const slave of ["m1", "s1"]) await expect(card(page, slave).locator('[data-field="ssdb-slave"]')).toHaveAttribute("data-status", "SYNC");
  await expect(card(page, "m1").locator('[data-field="version"]')).toHaveAttribute("data-version", "ssdb");
  await expect(card(page, "m1").locator('[data-field="offset"]')).toHaveCount(0);

  // Three writes reach both slaves (last_seq 3); then the slaves are killed and a write load runs
  // until each master's binlog is trimmed past seq 3 (ssdb trims only past capacity + 10000 records).
  for (const master of ["M", "S"]) for (let i = 0; i < 3; i++) await api(request, "POST", `${base}/nodes/${master}/command`, { argv: ["SET", `k${i}`, `v${i}`] });
  for (const slave of ["m1", "s1"]) await expect(card(page, slave).locator('[data-field="last-seq"]')).toHaveText("3");
  for (const slave of ["m1", "s1"]) await api(request, "POST", `${base}/nodes/${slave}/kill`);
  for (const master of ["M", "S"]) await api(request, "PUT", `${base}/nodes/${master}/write-load`, { opsPerSec: 20_000 });
  for (const master of ["M", "S"]) {
    await expect.poll(async () => Number(await card(page, master).locator('[data-field="binlog"]').getAttribute("data-min-seq")), { timeout: 30_000 }).toBeGreaterThan(3);
  }
  for (const master of ["M", "S"]) await api(request, "PUT", `${base}/nodes/${master}/write-load`, { opsPerSec: 0 });
  for (const slave of ["m1", "s1"]) await api(request, "POST", `${base}/nodes/${slave}/restart`);

  // Upstream: OUT_OF_SYNC, for good; the card and the log say why.
  await expect(card(page, "m1").locator('[data-field="ssdb-slave"]')).toHaveAttribute("data-status", "OUT_OF_SYNC");
  await expect(card(page, "m1").locator('[data-field="out-of-sync"]')).toBeVisible();
  const log = page.getByTestId("event-log");
  await expect(log.locator('.event[data-kind="binlog-sync"][data-node="M"]', { hasText: "OUT_OF_SYNC" }).last()).toContainText(/seq \d+ not in \[\d+, \d+\]/);
  // Seed 002: the snapshot master resets its slave and copies it again; it ends in SYNC with every key.
  await expect(log.locator('.event[data-kind="binlog-sync"][data-node="S"]', { hasText: "copied again" }).last()).toBeVisible();
  await expect(card(page, "s1").locator('[data-field="ssdb-slave"]')).toHaveAttribute("data-status", "SYNC");
  const masterKeys = await card(page, "S").locator('[data-field="keys"]').textContent();
  await expect(card(page, "s1").locator('[data-field="keys"]')).toHaveText(masterKeys ?? "");
  await expect(card(page, "s1").locator('[data-field="copy-count"]')).not.toHaveText("0");
  await expect(card(page, "m1").locator('[data-field="ssdb-slave"]')).toHaveAttribute("data-status", "OUT_OF_SYNC");
  await shot(page, "versions-ssdb-out-of-sync");
});

test("a node's version: chosen when adding, changed by a restart from the menu", async ({ page, request }) => {
  const labId = await createLab(request, "empty", "choose versions");
  await openLab(page, labId);
  await page.getByTestId("add-node-version").selectOption("2.8");
  await page.getByTestId("add-node").click();
  await expect(card(page, "A").locator('[data-field="version"]')).toHaveAttribute("data-version", "2.8");
  await page.getByTestId("menu-A").click();
  await page.getByRole("menuitem", { name: "Restart as redis 4.0" }).click();
  await expect(card(page, "A").locator('[data-field="version"]')).toHaveAttribute("data-version", "4.0");
  await expect(card(page, "A").locator('[data-field="replid"]')).toBeVisible();
  await expect(page.getByTestId("event-log").locator('.event[data-kind="restarted"]').last()).toContainText("restarted");

  // An SSDB node beside it: the menu says, before the link is made, that the two never sync.
  await page.getByTestId("add-node-version").selectOption("ssdb");
  await page.getByTestId("add-node").click();
  await expect(card(page, "B").locator('[data-field="version"]')).toHaveAttribute("data-version", "ssdb");
  await page.getByTestId("menu-B").click();
  await expect(page.getByRole("menuitem", { name: /^A\s+⚠ never syncs/ })).toBeVisible();
  await page.keyboard.press("Escape");
  await selectNode(page, "B");
  await page.getByTestId("master-select").selectOption({ label: "A  ⚠ never syncs" });
  await expect(page.getByTestId("pairing-note")).toContainText("sync140");

  // A link a teacher can hand out: a new default lab of one version.
  await page.goto("/?version=2.6");
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  for (const name of ["A", "B", "C"]) await expect(card(page, name).locator('[data-field="version"]')).toHaveAttribute("data-version", "2.6");
});
