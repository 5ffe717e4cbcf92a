// Flows that used to mislead: a selection hidden by a filter, filter
// options the list cannot match, logging in from a deep link, a bad login
// link, and pages that polled answers that could not change.
import { expect, test, type Page } from "@playwright/test";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

/** How many requests to URLs matching `re` the page makes in `ms`. */
async function requestsDuring(page: Page, re: RegExp, ms: number): Promise<number> {
  let n = 0;
  const count = (r: { url(): string }) => {
    if (re.test(r.url())) n++;
  };
  page.on("request", count);
  await page.waitForTimeout(ms);
  page.off("request", count);
  return n;
}

test("logging in from a deep link opens that page; before it, the page says how to log in and does not poll", async ({ page }) => {
  demo = await startDemo();
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=upstream`);
  const view = page.getByRole("alert").filter({ hasText: "Log in to artisync" });
  await expect(view).toBeVisible();
  await expect(view).not.toContainText("session has ended");
  // Nothing asks the server again and again while it refuses.
  expect(await requestsDuring(page, /\/api\/v1\//, 5000)).toBeLessThanOrEqual(1);
  await page.goto(demo.loginUrl);
  await expect(page).toHaveURL(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=upstream`);
  await expect(page.getByRole("heading", { name: /pdf/ })).toBeVisible();

  // The used link again: a styled page that says why and offers a way on.
  const again = await page.goto(demo.loginUrl);
  expect(again?.status()).toBe(401);
  await expect(page.getByRole("heading", { name: "This login link does not work" })).toBeVisible();
  await page.getByRole("link", { name: "Open artisync" }).click();
  // This browser is still logged in: the UI opens.
  await expect(page.getByRole("heading", { name: "Artifacts" })).toBeVisible();
});

test("a selection hidden by a filter is not counted or synced, and the status filter offers only what the list holds", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.locator('tr[data-artifact="skill:pdf"]').getByRole("checkbox").check();
  await expect(page.getByRole("button", { name: "Sync selected (1)…" })).toBeEnabled();
  await page.getByLabel("Kind").selectOption("command");
  await expect(page.getByRole("button", { name: "Sync selected (0)…" })).toBeDisabled();
  await expect(page.getByTestId("hidden-selection")).toHaveText("1 more selected, hidden by the filters");
  await page.locator('tr[data-artifact="command:review"]').getByRole("checkbox").check();
  await page.getByRole("button", { name: "Sync selected (1)…" }).click();
  await expect(page.getByRole("dialog", { name: "Sync command:review" })).toBeVisible();
  await page.keyboard.press("Escape");
  const options = await page.getByLabel("Status").locator("option").allTextContents();
  expect(options).not.toContain("untracked");
  expect(options).not.toContain("missing");
  expect(options).toContain("local changes");
});

test("a job that does not exist is not asked for again and again", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/jobs/no-such-job`);
  await expect(page.getByRole("alert")).toBeVisible();
  expect(await requestsDuring(page, /\/api\/v1\/sync\/jobs\/no-such-job/, 6000)).toBeLessThanOrEqual(1);
});

test("a patch export of an unchanged copy says there is nothing to export, and is no failure", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Achangelog`);
  await page.getByRole("button", { name: "Export patch…" }).click();
  const dialog = page.getByRole("dialog", { name: "Export a patch of skill:changelog" });
  await dialog.getByLabel(/^From project/).selectOption(demo.webApp);
  await dialog.getByRole("button", { name: "Export" }).click();
  await expect(dialog.getByRole("status")).toContainText("Nothing to export: skill:changelog in");
  await expect(dialog.getByRole("alert")).toHaveCount(0);
  await dialog.getByRole("link", { name: "Open the job" }).click();
  await expect(page.locator(".badge").filter({ hasText: "success" }).first()).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Nothing to export" })).toBeVisible();
});

test("a project registered from the UI can be synced to", async ({ page }) => {
  demo = await startDemo();
  const fresh = join(demo.dir, "projects", "new-app");
  mkdirSync(fresh);
  await page.goto(demo.loginUrl);
  await page.getByRole("button", { name: "Register a project…" }).click();
  const dialog = page.getByRole("dialog", { name: "Register a project" });
  // Outside the server's allowed roots: refused, with the reason.
  await dialog.getByLabel(/Project folder/).fill(tmpdir());
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByRole("alert")).toContainText("not");
  await dialog.getByLabel(/Project folder/).fill(fresh);
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByRole("status")).toContainText(`Registered: ${fresh}`);
  await dialog.getByRole("button", { name: "Close" }).first().click();

  await page.locator('tr[data-artifact="skill:pdf"]').getByRole("checkbox").check();
  await page.getByRole("button", { name: "Sync selected (1)…" }).click();
  const sync = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await sync.getByLabel("Direction").selectOption("collection_to_project");
  await sync.getByLabel(/^Project/).selectOption(fresh);
  await sync.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(sync.getByRole("region", { name: "Dry-run preview" })).toContainText("(success)");
  await sync.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:pdf" })).toContainText("finished");
  await expect.poll(() => existsSync(join(fresh, ".claude/skills/pdf/SKILL.md"))).toBe(true);
});

test("the job history filters by artifact, direction and dry run, marks dry runs, and pages", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  // 26 dry runs of one artifact and one real sync of another.
  for (let i = 0; i < 26; i++) {
    const r = await page.request.post(`${demo.base}/api/v1/sync/jobs`, {
      data: { direction: "upstream_to_collection", artifacts: ["skill:changelog"], dry_run: true },
    });
    expect(r.status()).toBe(202);
  }
  const r = await page.request.post(`${demo.base}/api/v1/sync/jobs`, {
    data: { direction: "collection_to_project", artifacts: ["command:review"], project_path: demo.apiServer },
  });
  expect(r.status()).toBe(202);
  await page.goto(`${demo.base}/jobs`);
  await expect(page.getByRole("navigation", { name: "Job pages" })).toContainText("Page 1 of 2 (27 jobs)");
  await expect(page.locator("tr[data-job]")).toHaveCount(25);
  await page.getByRole("button", { name: "Older jobs" }).click();
  await expect(page.locator("tr[data-job]")).toHaveCount(2);
  await page.getByLabel(/^Dry runs/).selectOption("none");
  await expect(page.locator("tr[data-job]")).toHaveCount(1);
  await expect(page.locator("tr[data-job]")).toContainText("command:review");
  await expect(page.locator("tr[data-job]")).toContainText("api-server");
  await expect(page.locator("tr[data-job] .badge-dry")).toHaveCount(0);
  await page.getByLabel(/^Dry runs/).selectOption("only");
  await expect(page.locator("tr[data-job] .badge-dry")).toHaveCount(25);
  await page.getByLabel(/^Dry runs/).selectOption("");
  await page.getByLabel(/^Artifact/).selectOption("command:review");
  await expect(page.locator("tr[data-job]")).toHaveCount(1);
  await page.getByLabel(/^Artifact/).selectOption("");
  await page.getByLabel(/^Direction/).selectOption("upstream_to_collection");
  await expect(page.getByRole("navigation", { name: "Job pages" })).toContainText("(26 jobs)");
});
