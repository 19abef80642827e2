/**
 * The classroom in three browser contexts (three people, three cookie jars): an instructor starts a
 * session with the header's "Teach", two students open the join link and follow. The students see
 * the instructor's writes, selection and pointer live; one forks and writes on the fork while the
 * instructor's lab stays as it was; the other, still following, is refused (403
 * classroom-read-only) when it sends a command to the instructor's lab over REST, and its page's
 * controls that act on the lab are disabled, saying why, while they work on the fork; "Bring
 * everyone back" returns the forked student to following. When the instructor ends the class, each
 * student's fork stays its own: it still works, and the other student is refused it (403
 * not-lab-owner), on loopback too. On a server exposed beyond loopback the join link is all a
 * student needs: it follows, forks and works on its fork without the secret, another student is
 * kept off that fork, and after the class the student reopens its fork with the join's cookie alone
 * and continues it from a past moment into a branch that is its own too.
 *
 * Waits are long (30 s) where a page waits for the server or another page: CI is a loaded two-core
 * machine running three browsers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect as baseExpect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { card, createLab, runInConsole, selectNode } from "./helpers.ts";

/**
 * Every wait in this file is long: three browsers and one or two servers share a loaded two-core
 * CI machine, where a page's first load alone can take more than the default 15 s.
 */
const expect = baseExpect.configure({ timeout: 30_000 });

const keysOf = (page: Page, node: string) => card(page, node).locator('[data-field="keys"]').first();
const bar = (page: Page) => page.getByTestId("classroom-bar");
/** How long a page may take to see what the server or another page did, on a loaded machine. */
const SLOW = { timeout: 30_000 } as const;

/** Opens a lab in a page and waits for its stream. */
async function openLab(page: Page, labId: string): Promise<void> {
  await page.goto(`/?lab=${encodeURIComponent(labId)}`);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
}

/** A request from inside a page (its cookies, its origin): the status and the error code. */
function fetchFrom(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; code: string | null }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, code: text === "" ? null : (((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null)) };
    },
    { method, path, body },
  );
}

/** A student's write to a lab's node A over REST, from its page. */
const writeFrom = (page: Page, labId: string, value: string) => fetchFrom(page, "POST", `/api/labs/${encodeURIComponent(labId)}/nodes/A/command`, { argv: ["SET", "intruder", value] });

/** Forks from a following student's page; resolves with the fork's lab id. */
async function fork(page: Page): Promise<string> {
  await page.getByTestId("classroom-fork").click();
  await expect(bar(page)).toHaveAttribute("data-role", "forked", SLOW);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open", SLOW);
  return new URL(page.url()).searchParams.get("lab") ?? "";
}

/** The instructor ends the class; its page leaves the session. */
async function endClass(teacher: Page): Promise<void> {
  await teacher.getByTestId("classroom-end").click();
  await expect(teacher.getByTestId("classroom-start")).toBeVisible(SLOW);
}

async function student(browser: Browser, joinLink: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(joinLink);
  await expect(page.locator(".app[data-loaded='true']")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "open");
  await expect(bar(page)).toHaveAttribute("data-role", "following", { timeout: 20_000 });
  return { context, page };
}

test("an instructor and two students: follow live, fork, a refused REST write, bring everyone back, forks kept after the class", async ({ browser, request }) => {
  test.setTimeout(300_000);
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
  const forkId = await fork(one.page);
  expect(forkId).not.toBe(labId);
  await expect(await runInConsole(one.page, "A", "SET mine forked")).toContainText("OK");
  await expect(keysOf(one.page, "A")).toContainText("4", { timeout: 20_000 });
  await expect(teacher.getByTestId("classroom-followers")).toHaveAttribute("data-forked", "1", { timeout: 20_000 });
  await expect(teacher.getByTestId("classroom-followers")).toHaveAttribute("data-following", "1");

  // Student two, still following, tries to write to the instructor's lab over REST: 403.
  expect(await writeFrom(two.page, labId, "1")).toEqual({ status: 403, code: "classroom-read-only" });
  // Nor may it touch student one's fork: a student's token is that student, on loopback too.
  expect(await writeFrom(two.page, forkId, "1")).toEqual({ status: 403, code: "not-lab-owner" });
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

  // Student two forks too; then the instructor ends the class. Each fork stays its student's.
  const twoForkId = await fork(two.page);
  await endClass(teacher);
  await expect(bar(two.page)).toHaveAttribute("data-role", "ended", SLOW);
  await expect(bar(two.page)).toContainText(/fork stays yours/i);
  await expect(await runInConsole(two.page, "A", "SET theirs two")).toContainText("OK");
  // Student one goes back to its fork: it still works, with what it wrote during the class.
  await openLab(one.page, forkId);
  await expect(await runInConsole(one.page, "A", "GET mine")).toContainText("forked");
  await expect(await runInConsole(one.page, "A", "SET after class")).toContainText("OK");
  // And neither student may act on the other's fork.
  expect(await writeFrom(two.page, forkId, "2")).toEqual({ status: 403, code: "not-lab-owner" });
  expect(await writeFrom(one.page, twoForkId, "2")).toEqual({ status: 403, code: "not-lab-owner" });
  await expect(await runInConsole(one.page, "A", "EXISTS intruder")).toContainText("0");

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
    // Generous: tsx compiles the server first, on a machine the browsers keep busy.
    const timer = setTimeout(() => reject(new Error(`the exposed server did not start in time: ${out}`)), 120_000);
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

test("on an exposed server the join link is a student's credential: follow, fork, work on the fork, keep it after the class; another student is kept off it", async ({ browser }) => {
  test.setTimeout(300_000);
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
    expect(await fetchFrom(one.page, "GET", "/api/labs")).toEqual({ status: 403, code: "outside-classroom" });

    // It forks and works on its fork.
    const forkId = await fork(one.page);
    await expect(one.page.getByTestId("add-node")).toBeEnabled();
    await expect(await runInConsole(one.page, "A", "SET mine forked")).toContainText("OK");

    // A second student may read the class's lab but not touch the first one's fork.
    const two = await student(browser, joinLink);
    expect(await writeFrom(two.page, forkId, "stolen")).toEqual({ status: 403, code: "not-lab-owner" });
    await expect(await runInConsole(one.page, "A", "GET mine")).toContainText("forked");

    // Student two forks too; the instructor ends the class. Student one leaves the ended class and
    // stays on its fork: the page loads it afresh with nothing but the join's cookie.
    const twoForkId = await fork(two.page);
    await endClass(teacher);
    await expect(bar(one.page)).toHaveAttribute("data-role", "ended", SLOW);
    await expect(bar(one.page)).toContainText(/fork stays yours/i);
    await one.page.getByTestId("classroom-leave").click();
    await expect.poll(() => new URL(one.page.url()).searchParams.get("class"), SLOW).toBeNull();
    expect(new URL(one.page.url()).searchParams.get("lab")).toBe(forkId);
    await expect(one.page.locator(".app[data-loaded='true']")).toBeVisible(SLOW);
    await expect(one.page.getByTestId("connection")).toHaveAttribute("data-status", "open", SLOW);
    await expect(one.page.getByTestId("add-node")).toBeEnabled(SLOW);
    await expect(await runInConsole(one.page, "A", "GET mine")).toContainText("forked");
    await expect(await runInConsole(one.page, "A", "SET after class")).toContainText("OK");
    // The other student is still kept off it, and the fork is all the cookie reaches.
    expect(await writeFrom(two.page, forkId, "after")).toEqual({ status: 403, code: "not-lab-owner" });
    expect(await writeFrom(one.page, twoForkId, "after")).toEqual({ status: 403, code: "not-lab-owner" });
    expect(await fetchFrom(one.page, "GET", "/api/labs")).toEqual({ status: 403, code: "outside-classroom" });
    await expect(await runInConsole(one.page, "A", "EXISTS intruder")).toContainText("0");

    // It continues its fork from a past moment (one event back, then "continue from here"): the
    // branch is its own too, and still not the other student's.
    await one.page.locator(".canvas").click({ position: { x: 5, y: 5 } });
    await one.page.keyboard.press(",");
    await expect(one.page.locator(".app")).toHaveAttribute("data-past", "true", SLOW);
    await expect(one.page.getByTestId("past-banner")).toHaveAttribute("data-loading", "false", SLOW);
    await one.page.getByTestId("timeline-branch").click();
    await expect.poll(() => new URL(one.page.url()).searchParams.get("lab"), SLOW).not.toBe(forkId);
    const branchId = new URL(one.page.url()).searchParams.get("lab") ?? "";
    await expect(one.page.locator(".app[data-loaded='true']")).toBeVisible(SLOW);
    await expect(one.page.getByTestId("connection")).toHaveAttribute("data-status", "open", SLOW);
    await expect(one.page.getByTestId("timeline")).toHaveAttribute("data-mode", "live", SLOW);
    await expect(await runInConsole(one.page, "A", "SET on branch")).toContainText("OK");
    expect(await writeFrom(two.page, branchId, "branch")).toEqual({ status: 403, code: "not-lab-owner" });

    await Promise.all([one.context.close(), two.context.close(), teacherContext.close()]);
  } finally {
    server.child.kill("SIGTERM");
  }
});
