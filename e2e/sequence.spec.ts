/**
 * The sequence diagram and the protocol comparison in a real browser against the real server
 * (issue 10): open the diagram on the default lab and see the handshake; drop C's link (A kills
 * it, the path is cut for 2 s of virtual time, stepped on a paused clock) and see C's PSYNC
 * answered with +CONTINUE; click that arrow and read its bytes, with its events lit in the log;
 * select an event in the log and see its arrows lit; export the diagram as text and as SVG and
 * read both files; open Compare and see 2.6 sync C in full
 * where 7.0 resyncs it partially.
 */
import { readFile } from "node:fs/promises";
import { expect, test, type APIRequestContext } from "@playwright/test";
import type { LabEvent, LabView } from "@replica-lab/protocol";
import { api, createLab, openLab, shot } from "./helpers.ts";

async function labEvents(request: APIRequestContext, labId: string): Promise<LabEvent[]> {
  const response = await request.get(`/api/labs/${labId}/events`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { events: LabEvent[] }).events;
}

/** What the server says of a message and the events at its two ends, for a failure's message. */
async function linkDiagnosis(request: APIRequestContext, labId: string, seq: string | null): Promise<string> {
  const message = (await (await request.get(`/api/labs/${labId}/sequence/${seq ?? 0}`)).json()) as { sentMs?: number; receivedMs?: number; from?: string; to?: string };
  const events = (await labEvents(request, labId)).filter((e) => Math.abs(e.timeMs - (message.sentMs ?? 0)) < 50 || Math.abs(e.timeMs - (message.receivedMs ?? 0)) < 50);
  return `no event lit for message ${seq}: ${JSON.stringify(message)}; events near it: ${JSON.stringify(events.map((e) => [e.seq, e.timeMs, e.nodeId, e.kind]))}`;
}

async function labView(request: APIRequestContext, labId: string): Promise<LabView> {
  const response = await request.get(`/api/labs/${labId}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as LabView;
}

test("the diagram draws the PSYNC exchange after a dropped link, links with the event log, and Compare shows 2.6's full resync beside 7.0's partial", async ({ page, request }) => {
  const labId = await createLab(request, "one-master-two-replicas", "sequence");
  await openLab(page, labId);

  await page.getByTestId("sequence-open").click();
  const drawer = page.getByTestId("sequence-drawer");
  await expect(drawer).toBeVisible();
  const messages = drawer.getByTestId("sequence-message");
  // The default lab's two first syncs: the replicas' PSYNCs and the master's +FULLRESYNC and RDB.
  await expect(messages.filter({ has: page.locator("text=/^PSYNC /") }).first()).toBeAttached();
  await expect(drawer.locator('[data-testid="sequence-message"][data-kind="rdb"]').first()).toBeAttached();
  await expect(drawer.locator('[data-testid="sequence-message"][data-kind="reply"][data-text^="+FULLRESYNC"]').first()).toBeAttached();

  // Drop C's link once its first sync is over (a link dropped mid-transfer would start over with a
  // full resync): A kills it, and the path between them is cut for 2 s. The clock stands still
  // while the REST calls arrive, so the story is the same however slow the machine: C cannot
  // reconnect before the cut.
  await expect.poll(async () => (await labEvents(request, labId)).some((e) => e.nodeName === "C" && e.kind === "link" && / is up /.test(e.message)), { timeout: 20_000 }).toBe(true);
  const view = await labView(request, labId);
  const a = view.nodes.find((n) => n.name === "A")!;
  const c = view.nodes.find((n) => n.name === "C")!;
  await api(request, "POST", `/api/labs/${labId}/clock`, { action: "pause" });
  await api(request, "POST", `/api/labs/${labId}/nodes/${a.id}/command`, { argv: ["CLIENT", "KILL", c.address] });
  await api(request, "PATCH", `/api/labs/${labId}/links/${a.id}/${c.id}`, { partitioned: true });
  await api(request, "POST", `/api/labs/${labId}/nodes/${a.id}/command`, { argv: ["SET", "while-away", "1"] });
  await api(request, "POST", `/api/labs/${labId}/clock`, { action: "step", stepMs: 2000 });
  await api(request, "PATCH", `/api/labs/${labId}/links/${a.id}/${c.id}`, { partitioned: false });
  await api(request, "POST", `/api/labs/${labId}/clock`, { action: "resume" });
  const healedAfter = (await labEvents(request, labId)).filter((e) => e.kind === "link-changed").at(-1)!.seq;

  // C reconnects at its next cron: PSYNC <replid> <offset+1>, answered +CONTINUE, and C reports
  // the partial resync (an earlier reconnect, before the cut, may have had its own +CONTINUE).
  await expect.poll(async () => (await labEvents(request, labId)).some((e) => e.seq > healedAfter && e.nodeName === "C" && e.kind === "partial-resync"), { timeout: 30_000 }).toBe(true);
  await expect(page.locator('.event[data-kind="partial-resync"][data-node="C"]').last()).toBeAttached();
  const cont = drawer.locator(`[data-testid="sequence-message"][data-kind="reply"][data-text^="+CONTINUE"][data-to="${c.id}"]`).last();
  await expect(cont).toBeAttached({ timeout: 20_000 });
  await cont.scrollIntoViewIfNeeded();
  await cont.click();
  const raw = drawer.getByTestId("sequence-raw");
  await expect(raw).toHaveText(/^\+CONTINUE [0-9a-f]{40}\\r\\n$/);
  // The arrow's events light up in the log: A's verdict when it answered, C's when it read the answer.
  const linked = page.locator('.event[data-linked="true"]');
  await expect(linked.first(), await linkDiagnosis(request, labId, await cont.getAttribute("data-seq"))).toBeAttached();
  await expect(linked.filter({ has: page.locator(".event-node", { hasText: /^C$/ }) }).first()).toBeAttached();
  await shot(page, "sequence-continue");

  // Export: the messages shown as text (one a line, times and offsets included) and the diagram as SVG.
  const [textFile] = await Promise.all([page.waitForEvent("download"), drawer.getByTestId("sequence-export-text").click()]);
  expect(textFile.suggestedFilename()).toBe(`sequence-${labId}.txt`);
  const text = await readFile(await textFile.path(), "utf8");
  const lines = text.split("\n");
  expect(lines.length).toBeGreaterThan(5);
  for (const line of lines) expect(line).toMatch(/^\d+\.\d{3} → \d+\.\d{3} ms {2}\S+ → \S+ {2}\S/);
  expect(lines.some((line) => / {2}A → C {2}\+CONTINUE /.test(line))).toBe(true);
  expect(lines.some((line) => / {2}C → A {2}PSYNC /.test(line))).toBe(true);
  expect(lines.some((line) => /\[offset \d+→\d+\]$/.test(line))).toBe(true);
  const [svgFile] = await Promise.all([page.waitForEvent("download"), drawer.getByTestId("sequence-export-svg").click()]);
  expect(svgFile.suggestedFilename()).toBe(`sequence-${labId}.svg`);
  const svg = await readFile(await svgFile.path(), "utf8");
  expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  // Its look travels with it, and it draws the lanes and the exchange.
  expect(svg).toContain("<style>");
  expect(svg).toContain(".seq-arrow{");
  for (const name of ["A", "B", "C"]) expect(svg).toMatch(new RegExp(`class="seq-lane-name"[^>]*>${name} · 7\\.0<`));
  expect(svg).toContain("+CONTINUE ");
  expect(svg).toContain('data-kind="rdb"');

  // The other way: C's partial-resync event, reported in the step that read +CONTINUE, lights
  // exactly that arrow among the +CONTINUE replies (links are causal, by node step).
  await page.locator('.event[data-kind="partial-resync"][data-node="C"]').last().click();
  await expect(cont).toHaveClass(/\blit\b/);
  await expect(drawer.locator('[data-testid="sequence-message"].lit[data-text^="+CONTINUE"]')).toHaveCount(1);

  // Compare: the same story under every protocol.
  await page.getByTestId("compare-open").click();
  const panel = page.getByTestId("compare-panel");
  await expect(panel).toBeVisible();
  const old = panel.getByTestId("compare-syncs-2.6");
  const modern = panel.getByTestId("compare-syncs-7.0");
  await expect(old.locator('li[data-kind="full"]')).toHaveCount(3, { timeout: 30_000 });
  await expect(old.locator('li[data-kind="partial"]')).toHaveCount(0);
  await expect(modern.locator('li[data-kind="partial"]')).toHaveCount(1);
  await expect(panel.getByTestId("compare-differences")).toContainText("2.6");
  await shot(page, "sequence-compare");
});
