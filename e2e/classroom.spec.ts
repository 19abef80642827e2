/**
 * The classroom in three browser contexts (three people, three cookie jars): an instructor starts a
 * session with the header's "Teach", two students open the join link and follow. The students see
 * the instructor's writes, selection and pointer live; one forks and writes on the fork while the
 * instructor's lab stays as it was; the other, still following, is refused (403
 * classroom-read-only) when it sends a command to the instructor's lab over REST, and its page's
 * controls that act on the lab are disabled, saying why, while they work on the fork; "Bring
 * everyone back" returns the forked student to following. On a server exposed beyond loopback the
 * join link is all a student needs: it follows, forks and works on its fork without the secret,
 * and another student is kept off that fork.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { card, createLab, openLab, runInConsole, selectNode } from "./helpers.ts";

const keysOf = (page: Page, node: string) => card(page, node).locator('[data-field="keys"]').first();
const bar = (page: Page) => page.getByTestId("classroom-bar");

async function student(browser: Browser, joinLink: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(joinLink);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  await expect(bar(page)).toHaveAttribute("data-role", "following", { timeout: 20_000 });
  return { context, page };
}

test("an instructor and two students: follow live, fork, a refused REST write, bring everyone back", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const labId = await createLab(request, "one-master-two-replicas", "classroom");
  const teacherContext = await browser.newContext();
  const teacher = await teacherContext.newPage();
  await openLab(teacher, labId);

  // The instructor starts the session; the page reloads into it with the instructor's cookie.
  await teacher.getByTestId("classroom-start").click();
  await expect(bar(teacher)).toHaveAttribute("data-role", "instructor", { timeout: 20_000 });
  await expect(teacher.getByTestId("connection")).toHaveAttribute("data-status", "open");
  const code = (await teacher.getByTestId("classroom-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^[A-Z2-9]{6}$/);
  const joinLink = await teacher.getByTestId("classroom-link").inputValue();
  expect(joinLink).toContain(`?class=${code}`);

  const one = await student(browser, joinLink);
  const two = await student(browser, joinLink);
  for (const s of [one, two]) expect(new URL(s.page.url()).searchParams.get("lab")).toBe(labId);
  await expect(teacher.getByTestId("classroom-followers")).toHaveAttribute("data-following", "2", { timeout: 20_000 });

  // The instructor acts; both students see it live: the keys, and the instructor's selection.
  await expect(await runInConsole(teacher, "A", "MSET k1 a k2 b k3 c")).toContainText("OK");
  for (const s of [one, two]) await expect(keysOf(s.page, "A")).toContainText("3", { timeout: 20_000 });
  await selectNode(teacher, "B");
  for (const s of [one, two]) await expect(s.page.locator('[data-inspector-node="B"]')).toBeVisible({ timeout: 20_000 });
  // The instructor's pointer over card C shows on the students' canvases, over their card C.
  const cBox = await card(teacher, "C").boundingBox();
  if (!cBox) throw new Error("card C is not on the instructor's screen");
  await teacher.mouse.move(cBox.x + cBox.width / 2, cBox.y + cBox.height / 2, { steps: 4 });
  for (const s of [one, two]) {
    const mark = s.page.getByTestId("instructor-pointer");
    await expect(mark).toBeVisible({ timeout: 20_000 });
    // The mark may first show a point of the pointer's way there (it is sent at most five times a
    // second and polled twice): wait for it to come to rest over the student's card C.
    await expect
      .poll(
        async () => {
          const at = await mark.boundingBox();
          const theirs = await card(s.page, "C").boundingBox();
          if (!at || !theirs) return "no pointer or card C on a student's screen";
          const x = at.x + at.width / 2;
          const y = at.y + at.height / 2;
          return x > theirs.x && x < theirs.x + theirs.width && y > theirs.y && y < theirs.y + theirs.height ? "inside C" : `at ${x},${y}, outside C`;
        },
        { timeout: 20_000 },
      )
      .toBe("inside C");
  }

  // Student one forks and writes on the fork.
  await one.page.getByTestId("classroom-fork").click();
  await expect(bar(one.page)).toHaveAttribute("data-role", "forked", { timeout: 20_000 });
  const forkId = new URL(one.page.url()).searchParams.get("lab");
  expect(forkId).not.toBe(labId);
  await expect(one.page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  await expect(await runInConsole(one.page, "A", "SET mine forked")).toContainText("OK");
  await expect(keysOf(one.page, "A")).toContainText("4", { timeout: 20_000 });
  await expect(teacher.getByTestId("classroom-followers")).toHaveAttribute("data-forked", "1", { timeout: 20_000 });
  await expect(teacher.getByTestId("classroom-followers")).toHaveAttribute("data-following", "1");

  // Student two, still following, tries to write to the instructor's lab over REST: 403.
  const refused = await two.page.evaluate(async (lab) => {
    const response = await fetch(`/api/labs/${encodeURIComponent(lab)}/nodes/A/command`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ argv: ["SET", "intruder", "1"] }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code?: string } } };
  }, labId);
  expect(refused.status).toBe(403);
  expect(refused.body.error?.code).toBe("classroom-read-only");
  // Its page says so beforehand: the controls that act on the lab are disabled, the tooltip says
  // why; on student one's fork they work.
  await selectNode(two.page, "A");
  for (const id of ["add-node", "clock-toggle", "action-kill", "console-input"]) {
    await expect(two.page.getByTestId(id)).toBeDisabled();
    await expect(two.page.getByTestId(id)).toHaveAttribute("title", /fork/i);
  }
  await expect(two.page.getByTestId("menu-A")).toBeDisabled();
  // An action's key (K: kill the selected node) only says why; A stays up.
  await two.page.locator(".canvas").click({ position: { x: 5, y: 5 } });
  await selectNode(two.page, "A");
  await two.page.keyboard.press("k");
  await expect(two.page.getByTestId("notices")).toContainText(/fork/i);
  await expect(card(teacher, "A")).toHaveAttribute("data-status", "up");
  await expect(two.page.getByTestId("classroom-fork")).toBeEnabled();
  await selectNode(one.page, "A");
  for (const id of ["add-node", "clock-toggle", "action-kill", "console-input"]) await expect(one.page.getByTestId(id)).toBeEnabled();

  // The instructor's lab is unchanged by either student.
  await expect(await runInConsole(teacher, "A", "EXISTS mine intruder")).toContainText("0");
  await expect(keysOf(teacher, "A")).toContainText("3");
  await expect(keysOf(two.page, "A")).toContainText("3");

  // Bring everyone back: the forked student follows the instructor's lab again.
  await teacher.getByTestId("classroom-gather").click();
  await expect(bar(one.page)).toHaveAttribute("data-role", "following", { timeout: 20_000 });
  expect(new URL(one.page.url()).searchParams.get("lab")).toBe(labId);
  await expect(keysOf(one.page, "A")).toContainText("3", { timeout: 20_000 });

  await Promise.all([one.context.close(), two.context.close(), teacherContext.close()]);
});

test("a lesson taught: followers see the instructor's step, the instructor's Back keeps the class, presentation mode teaches too", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const created = await request.post("/api/labs", { data: { lesson: "one-master-two-replicas" } });
  expect(created.status()).toBe(201);
  const labId = ((await created.json()) as { id: string }).id;
  const teacherContext = await browser.newContext();
  const teacher = await teacherContext.newPage();
  await openLab(teacher, labId);
  await teacher.getByTestId("classroom-start").click();
  await expect(bar(teacher)).toHaveAttribute("data-role", "instructor", { timeout: 20_000 });
  const joinLink = await teacher.getByTestId("classroom-link").inputValue();
  const one = await student(browser, joinLink);

  const stepOf = (page: Page) => page.getByTestId("lesson-step");
  await expect(stepOf(one.page)).toHaveAttribute("data-step-id", "three-masters");
  await expect(teacher.getByTestId("lesson-next")).toBeEnabled({ timeout: 40_000 });
  await teacher.getByTestId("lesson-next").click();
  await expect(stepOf(teacher)).toHaveAttribute("data-step-id", "first-replica");
  await expect(stepOf(one.page)).toHaveAttribute("data-step-id", "first-replica", { timeout: 20_000 });

  // Back rebuilds the lab under its id: the class goes on, and the follower's page follows it.
  await teacher.getByTestId("lesson-back").click();
  await expect(stepOf(teacher)).toHaveAttribute("data-step-id", "three-masters", { timeout: 30_000 });
  await expect(bar(teacher)).toHaveAttribute("data-role", "instructor", { timeout: 20_000 });
  await expect(stepOf(one.page)).toHaveAttribute("data-step-id", "three-masters", { timeout: 30_000 });
  await expect(bar(one.page)).toHaveAttribute("data-role", "following", { timeout: 20_000 });

  // Presenting, the instructor still teaches: the selection reaches the follower.
  await teacher.getByTestId("present-toggle").click();
  await expect(bar(teacher)).toBeVisible();
  await card(teacher, "C").locator(".card-name").click();
  await expect(one.page.locator('[data-inspector-node="C"]')).toBeVisible({ timeout: 20_000 });

  await Promise.all([one.context.close(), teacherContext.close()]);
});

/**
 * A server of its own that is exposed beyond loopback (as HOST=0.0.0.0 makes it; bound to
 * 127.0.0.1 all the same), serving the web app global-setup built. Resolves with its address and
 * the child to stop.
 */
async function exposedServer(secret: string): Promise<{ base: string; child: ChildProcess }> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const script = [
    `const { buildApp } = await import("./apps/server/src/app.ts");`,
    `const app = buildApp({ access: { exposed: true, secret: ${JSON.stringify(secret)} }, webRoot: ${JSON.stringify(`${root}apps/web/dist`)} });`,
    `await app.listen({ port: 0, host: "127.0.0.1" });`,
    `console.log("listening on " + app.server.address().port);`,
    `process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));`,
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the exposed server did not start in time: ${out}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`the exposed server exited (${code}): ${out}`)));
  });
  return { base: `http://127.0.0.1:${port}`, child };
}

test("on an exposed server the join link is a student's credential: follow, fork, work on the fork; another student is kept off it", async ({ browser }) => {
  test.setTimeout(180_000);
  const secret = "e2e-exposed-secret-5150";
  const server = await exposedServer(secret);
  try {
    // The instructor opens the address with the secret (it becomes a cookie) and starts a class.
    const teacherContext = await browser.newContext();
    const teacher = await teacherContext.newPage();
    await teacher.goto(`${server.base}/?token=${secret}`);
    await expect(teacher.locator(".app[data-loaded='true']")).toBeVisible();
    await teacher.getByTestId("classroom-start").click();
    await expect(bar(teacher)).toHaveAttribute("data-role", "instructor", { timeout: 20_000 });
    const joinLink = await teacher.getByTestId("classroom-link").inputValue();
    expect(joinLink).not.toContain(secret);

    // A student with only the link follows the lab live, its controls disabled.
    const one = await student(browser, joinLink);
    await expect(one.page.getByTestId("add-node")).toBeDisabled();
    const fetchFrom = (page: Page, method: string, path: string, body?: unknown) =>
      page.evaluate(
        async ({ method, path, body }) => {
          const response = await fetch(path, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
          return { status: response.status, code: ((await response.json()) as { error?: { code?: string } }).error?.code ?? null };
        },
        { method, path, body },
      );
    expect(await fetchFrom(one.page, "GET", "/api/labs")).toEqual({ status: 403, code: "outside-classroom" });

    // It forks and works on its fork.
    await one.page.getByTestId("classroom-fork").click();
    await expect(bar(one.page)).toHaveAttribute("data-role", "forked", { timeout: 20_000 });
    const forkId = new URL(one.page.url()).searchParams.get("lab") ?? "";
    await expect(one.page.getByTestId("connection")).toHaveAttribute("data-status", "open");
    await expect(one.page.getByTestId("add-node")).toBeEnabled();
    await expect(await runInConsole(one.page, "A", "SET mine forked")).toContainText("OK");

    // A second student may read the class's lab but not touch the first one's fork.
    const two = await student(browser, joinLink);
    expect(await fetchFrom(two.page, "POST", `/api/labs/${encodeURIComponent(forkId)}/nodes/A/command`, { argv: ["SET", "mine", "stolen"] })).toEqual({ status: 403, code: "not-lab-owner" });
    await expect(await runInConsole(one.page, "A", "GET mine")).toContainText("forked");

    await Promise.all([one.context.close(), two.context.close(), teacherContext.close()]);
  } finally {
    server.child.kill("SIGTERM");
  }
});
