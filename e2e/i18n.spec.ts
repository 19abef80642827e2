/**
 * Both languages, everywhere: the default lab opened in Chinese shows no English UI words and no
 * raw catalogue keys (page text, tooltips, aria-labels, placeholders; with the inspector, a card's
 * menu and the help open too), the header's switch turns it to English and remembers the choice,
 * and a browser that prefers Chinese gets Chinese without asking.
 *
 * What may stay English: words redis itself prints (INFO fields, `wait_bgsave`, command names,
 * the console's replies), node names, addresses and ids, units (MB/s, ms), and the server's own
 * log lines, which the app marks with `data-server-text`.
 */
import { expect, test, type Page } from "@playwright/test";
import { card, shot } from "./helpers.ts";

/** Words of the English UI that must not show in Chinese (whole words, case as the UI writes them). */
const ENGLISH_UI_WORDS = [
  "Node", "Nodes", "Layout", "Present", "Motion", "Share", "Pause", "Resume", "Step", "Live", "Connecting",
  "Events", "Console", "Offsets", "Inspector", "Select", "Seed", "search", "all nodes", "Sync", "Link", "Backlog",
  "Operator", "Other", "Drive", "Kill", "Freeze", "Restart", "Delete", "Write load", "Replica of", "Promote",
  "Replication", "Partition", "Latency", "Bandwidth", "connected", "streaming", "handshake", "master", "replica",
  "replicas", "offset", "keys", "lag", "attached", "backlog", "full resync", "partial resync", "added", "now a",
  "waits", "created", "loaded", "Keyboard shortcuts", "Close", "type a command", "Try", "time", "no one", "Add",
  "Zoom", "Fit view", "Control panel", "Dismiss", "Edge", "Handle",
];

/** The catalogue's top-level sections: "header.addNode" showing on screen is a missing translation. */
const KEY_SHAPE =
  /\b(?:app|language|header|clock|connection|help|shortcut|role|status|card|menu|link|edge|canvas|backlog|replid|external|inspector|network|console|events|chart|ops|notice|errors|units)\.[a-zA-Z]+(?:\.[a-zA-Z_]+)*\b/;

/**
 * Everything a reader sees or hears: visible text nodes, and the title, aria-label and placeholder
 * of visible elements. Left out: redis' own output (INFO, console lines), server text, hex ids,
 * key caps, and the lab's name (data, not UI).
 */
async function readableTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const skip = "pre.info, .console-line, [data-server-text], .replid, kbd, code, [data-testid='lab-name']";
    const out: string[] = [];
    const visible = (el: Element): boolean => (el as HTMLElement).checkVisibility?.() ?? true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim() ?? "";
      if (!parent || text === "" || parent.closest(skip) || !(parent.tagName === "OPTION" || visible(parent))) continue;
      out.push(text);
    }
    for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder]")) {
      if (el.closest(skip) || !visible(el)) continue;
      // An event's tooltip is the node's own log line (prefixed in the reader's language).
      for (const attribute of el.matches("li.event") ? ["aria-label", "placeholder"] : ["title", "aria-label", "placeholder"]) {
        const value = el.getAttribute(attribute);
        if (value) out.push(`[${attribute}] ${value}`);
      }
    }
    return out;
  });
}

async function expectNoEnglish(page: Page, where: string): Promise<void> {
  const texts = await readableTexts(page);
  expect(texts.length, `${where}: nothing to read`).toBeGreaterThan(20);
  const words = ENGLISH_UI_WORDS.map((word) => ({ word, pattern: new RegExp(`(?<![\\w-])${word}(?![\\w-])`) }));
  const leftovers = texts.flatMap((text) => [
    ...(KEY_SHAPE.test(text) ? [`raw key in "${text}"`] : []),
    ...words.filter(({ pattern }) => pattern.test(text)).map(({ word }) => `"${word}" in "${text}"`),
  ]);
  expect(leftovers, `${where}: English or raw keys left`).toEqual([]);
}

async function openDefaultLab(page: Page, query: string): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page).toHaveURL(/[?&]lab=/);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  await expect(page.locator(".card")).toHaveCount(3);
  for (const replica of ["B", "C"]) {
    await expect(card(page, replica).locator('[data-field="link"]')).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  }
  // The first syncs are in the log: their explanations are part of what is read.
  await expect(page.locator('.event[data-kind="full-resync"]').first()).toBeVisible();
  await expect(page.locator('.event[data-kind="rdb"]').first()).toBeVisible();
}

test("?lang=zh shows the whole lab in Chinese; the header's switch turns it to English and remembers it", async ({ page }) => {
  await openDefaultLab(page, "?lang=zh");
  await expect(page).toHaveURL(/[?&]lang=zh/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByTestId("language-zh")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("add-node")).toHaveText("+ 节点");
  await expect(page.locator(".events-panel h2")).toHaveText("事件");
  await expect(card(page, "A").locator('[data-field="role"]')).toHaveText("主节点");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveText("已连接");
  // The seeds' own terms, in an explanation built from the event's fields.
  await expect(page.locator('.event[data-kind="full-resync"]').first()).toContainText("全量复制");
  await expectNoEnglish(page, "canvas and dock");
  await shot(page, "i18n-01-zh");

  await card(page, "B").locator(".card-name").click();
  await expect(page.locator('[data-inspector-node="B"]')).toBeVisible();
  await expect(page.locator('[data-inspector-node="B"] h3').first()).toHaveText("操作");
  await expectNoEnglish(page, "inspector of B");

  await page.getByTestId("menu-A").click();
  await expect(page.getByRole("menuitem", { name: /^SET/ })).toBeVisible();
  await expectNoEnglish(page, "A's menu");
  await page.getByTestId("menu-A").click();
  await expect(page.getByRole("menu")).toHaveCount(0);

  await page.getByTestId("help-toggle").click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expectNoEnglish(page, "help");
  await page.getByRole("dialog").getByRole("button").click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Switch to English: the same figures, other words.
  const fullResync = page.locator('.event[data-kind="full-resync"]').first();
  const offsetZh = await card(page, "A").locator('[data-field="offset"]').getAttribute("data-value");
  await page.getByTestId("language-en").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveURL(/[?&]lang=en/);
  await expect(page.getByTestId("add-node")).toHaveText("+ Node");
  await expect(page.locator(".events-panel h2")).toHaveText("Events");
  await expect(page.locator('[data-inspector-node="B"] h3').first()).toHaveText("Drive");
  await expect(card(page, "A").locator('[data-field="role"]')).toHaveText("master");
  await expect(card(page, "B").locator('[data-field="link"]')).toHaveText("connected");
  await expect(fullResync).toContainText("full resync");
  await expect(fullResync).not.toContainText("全量复制");
  await expect(page.getByTestId("clock-toggle")).toContainText(/Pause|Resume/);
  expect(await card(page, "A").locator('[data-field="offset"]').getAttribute("data-value")).toBe(offsetZh);
  expect(await page.evaluate(() => localStorage.getItem("replica-lab:lang"))).toBe("en");
  await shot(page, "i18n-02-en");

  // The choice is remembered: the lab's link without ?lang opens in English.
  const url = new URL(page.url());
  url.searchParams.delete("lang");
  await page.goto(url.toString());
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("add-node")).toHaveText("+ Node");
});

test("a browser that prefers Chinese opens in Chinese; ?lang=en still forces English", async ({ browser }) => {
  const context = await browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  try {
    await openDefaultLab(page, "");
    await expect(page.getByTestId("add-node")).toHaveText("+ 节点");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    const url = new URL(page.url());
    url.searchParams.set("lang", "en");
    await page.goto(url.toString());
    await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
    await expect(page.getByTestId("add-node")).toHaveText("+ Node");
  } finally {
    await context.close();
  }
});
