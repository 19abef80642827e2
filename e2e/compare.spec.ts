/**
 * Compare protocols in a real browser against the real server (issue 10): the default lab's story
 * (C's link killed by A and cut for 2 s while A takes writes, then healed), driven on a paused
 * clock stepped by REST so it is the same however loaded the machine. Opened at the live edge,
 * the lanes show 2.6's full resync of C beside 7.0's partial one, with the cost so far under each;
 * the timeline's cursor moved to a moment inside the cut shows the cost then (first syncs only, C
 * away, the writes it had missed so far), and back to live the cost again; in Chinese, the same
 * difference in Chinese words with the same numbers; a click on a lane's strip moves the timeline's
 * cursor there.
 */
import { expect, test, type APIRequestContext } from "@playwright/test";
import type { LabEvent, LabView } from "@replica-lab/protocol";
import { api, createLab, openLab, shot } from "./helpers.ts";

async function labEvents(request: APIRequestContext, labId: string): Promise<LabEvent[]> {
  const response = await request.get(`/api/labs/${labId}/events`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { events: LabEvent[] }).events;
}

async function labView(request: APIRequestContext, labId: string): Promise<LabView> {
  const response = await request.get(`/api/labs/${labId}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as LabView;
}

/** Writes A takes while C is away. */
const WRITES_WHILE_AWAY = 4;

test("Compare's lanes follow the timeline cursor: 2.6's full resync beside 7.0's partial, and the cost so far at each moment", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "compare");
  // C in sync first (a link dropped mid-transfer would start over in full on every version).
  await expect.poll(async () => (await labEvents(request, labId)).some((e) => e.nodeName === "C" && e.kind === "link" && / is up /.test(e.message)), { timeout: 30_000 }).toBe(true);

  const view = await labView(request, labId);
  const a = view.nodes.find((n) => n.name === "A")!;
  const c = view.nodes.find((n) => n.name === "C")!;
  const base = `/api/labs/${labId}`;
  await api(request, "POST", `${base}/clock`, { action: "pause" });
  const dropMs = (await labView(request, labId)).clock.timeMs;
  await api(request, "POST", `${base}/nodes/${a.id}/command`, { argv: ["CLIENT", "KILL", c.address] });
  await api(request, "PATCH", `${base}/links/${a.id}/${c.id}`, { partitioned: true });
  for (let i = 0; i < WRITES_WHILE_AWAY; i++) {
    await api(request, "POST", `${base}/nodes/${a.id}/command`, { argv: ["SET", `away-${i}`, "v"] });
    await api(request, "POST", `${base}/clock`, { action: "step", stepMs: 400 });
  }
  await api(request, "POST", `${base}/clock`, { action: "step", stepMs: 400 });
  await api(request, "PATCH", `${base}/links/${a.id}/${c.id}`, { partitioned: false });
  // C reconnects at its next cron: stepped until its partial resync is reported, then left paused.
  for (let i = 0; i < 20 && !(await labEvents(request, labId)).some((e) => e.timeMs > dropMs && e.nodeName === "C" && e.kind === "partial-resync"); i++) {
    await api(request, "POST", `${base}/clock`, { action: "step", stepMs: 500 });
  }
  expect((await labEvents(request, labId)).some((e) => e.timeMs > dropMs && e.nodeName === "C" && e.kind === "partial-resync")).toBe(true);

  await openLab(page, labId);
  await page.getByTestId("compare-open").click();
  const panel = page.getByTestId("compare-panel");
  await expect(panel).toBeVisible();
  // At the live edge: 2.6 synced C in full again (its third full sync), 7.0 partially.
  await expect(panel.getByTestId("compare-full-2.6")).toHaveText("3", { timeout: 30_000 });
  await expect(panel.getByTestId("compare-partial-2.6")).toHaveText("0");
  await expect(panel.getByTestId("compare-full-7.0")).toHaveText("2");
  await expect(panel.getByTestId("compare-partial-7.0")).toHaveText("1");
  await expect(panel.getByTestId("compare-missed-2.6")).toHaveText(String(WRITES_WHILE_AWAY));
  await expect(panel.getByTestId("compare-missed-7.0")).toHaveText(String(WRITES_WHILE_AWAY));
  await expect(panel.locator('[data-testid="compare-syncs-2.6"] li[data-replica="C"]').last()).toHaveAttribute("data-kind", "full");
  await expect(panel.locator('[data-testid="compare-syncs-7.0"] li[data-replica="C"]').last()).toHaveAttribute("data-kind", "partial");
  await expect(panel.getByTestId("compare-state-7.0-C")).toHaveAttribute("data-state", "in-sync");
  const difference = panel.getByTestId("compare-difference").first();
  await expect(difference).toContainText("2.6 transfers the whole dataset again");
  await expect(difference).toContainText("7.0 sends");
  await expect(difference).toContainText(`(${WRITES_WHILE_AWAY} writes missed)`);
  await shot(page, "compare-lanes");

  // The timeline's cursor inside the cut, 1 s after A killed C's link: the lanes read that moment.
  const insideMs = dropMs + 1000;
  await page.goto(`/?lab=${encodeURIComponent(labId)}&t=${insideMs}`);
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-mode", "past");
  await page.getByTestId("compare-open").click();
  await expect(panel).toHaveAttribute("data-cursor-ms", String(insideMs));
  for (const version of ["2.6", "7.0"]) {
    await expect(panel.getByTestId(`compare-full-${version}`)).toHaveText("2", { timeout: 30_000 });
    await expect(panel.getByTestId(`compare-partial-${version}`)).toHaveText("0");
    // SETs at 0, 400 and 800 ms into the cut.
    await expect(panel.getByTestId(`compare-missed-${version}`)).toHaveText("3");
    await expect(panel.getByTestId(`compare-state-${version}-C`)).not.toHaveAttribute("data-state", "in-sync");
  }
  await expect(panel.getByTestId("compare-away-7.0")).toContainText("1 replica away now");
  await expect(panel.getByTestId("compare-difference")).toHaveCount(0);

  // Back to live: the cost so far is the whole story's again.
  await page.getByTestId("timeline-live").click();
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-mode", "live");
  await expect(panel.getByTestId("compare-full-2.6")).toHaveText("3");
  await expect(panel.getByTestId("compare-partial-7.0")).toHaveText("1");
  await expect(panel.getByTestId("compare-difference")).toHaveCount(1);

  // The same words in Chinese, with the same numbers.
  await page.getByTestId("language-zh").click();
  await expect(panel.getByTestId("compare-difference").first()).toContainText("2.6 再次传输整个数据集");
  await expect(panel.getByTestId("compare-difference").first()).toContainText(`错过 ${WRITES_WHILE_AWAY} 次写入`);
  await expect(panel.getByTestId("compare-lane-2.6")).toContainText("全量重同步");
  await shot(page, "compare-lanes-zh");
  await page.getByTestId("language-en").click();

  // A click early on a lane's strip moves the timeline's cursor there: before 7.0's first sync
  // (its diskless sync waits 5 s for more replicas), after 2.6's.
  const strip = panel.getByTestId("compare-strip-2.6");
  const box = (await strip.boundingBox())!;
  await strip.click({ position: { x: box.width * 0.12, y: box.height / 2 } });
  await expect(page.getByTestId("timeline")).toHaveAttribute("data-mode", "past");
  await expect(panel.getByTestId("compare-full-2.6")).toHaveText("2");
  await expect(panel.getByTestId("compare-full-7.0")).toHaveText("0");
  await expect(panel.getByTestId("compare-state-7.0-C")).toHaveAttribute("data-state", "syncing");
});
