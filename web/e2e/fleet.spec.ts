// The fleet view (artifacts × places), Fetch now, "update everything
// behind" as one previewed job, and importing an artifact a project holds
// but artisync does not track. The demo: changelog has an upstream update,
// review diverged between upstream and the collection, web-app edited its
// pdf, and api-server holds a hand-written command:scratch.
import { expect, test, type Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHOTS, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const row = (page: Page, id: string) => page.locator(`tr[data-artifact="${id}"]`);
const cell = (page: Page, id: string, place: string) => row(page, id).locator(`td[data-cell="${place}"]`);

/** The artifact ids in the order the matrix shows them. */
async function order(page: Page): Promise<string[]> {
  return page.locator("table.fleet tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-artifact") ?? ""));
}

function git(dir: string, ...args: string[]) {
  const r = spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

test("the fleet matrix shows every place, counts what needs attention, sorts by any column and selects all", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.getByRole("link", { name: "Fleet" }).click();
  await expect(page).toHaveURL(/\/fleet$/);
  await expect(page.getByRole("heading", { name: "Fleet" })).toBeVisible();

  const headers = await page.locator("table.fleet thead th").allInnerTexts();
  // The sort arrow is decoration (aria-hidden); the column is by name at first.
  expect(headers.map((h) => h.replace(/[▲▼]/g, "").trim())).toEqual(["", "Artifact", "Kind", "Upstream → collection", "Collection", "api-server", "api-server · agents", "web-app"]);
  await expect(cell(page, "skill:changelog", "upstream")).toContainText("update available");
  await expect(cell(page, "command:review", "upstream")).toContainText("diverged");
  await expect(cell(page, "skill:pdf", "web-app")).toContainText("local changes");
  await expect(cell(page, "skill:pdf", "api-server")).toContainText("in sync");
  await expect(cell(page, "skill:changelog", "api-server")).toHaveText("—");
  // api-server's second target holds skills only.
  await expect(cell(page, "skill:pdf", "api-server · agents")).toContainText("in sync");
  await expect(cell(page, "command:review", "api-server · agents")).toHaveText("—");
  // Relative times, the exact one on hover.
  await expect(cell(page, "skill:pdf", "api-server")).toContainText(/synced (just now|\d+ minutes? ago)/);
  await expect(page.getByTestId("attention")).toHaveText(
    "Needs attention: 1 upstream update, 2 project copies behind, 1 diverged copy, 1 copy with local changes.",
  );
  await expect(page.getByTestId("last-fetch")).toHaveText(/^Upstream fetched (just now|\d+ minutes? ago)$/);

  // A cell opens that pair's diff.
  await cell(page, "skill:pdf", "web-app").getByRole("link").click();
  await expect(page).toHaveURL(/\/artifacts\/skill%3Apdf\?.*project=.*web-app.*/);
  await expect(page.getByRole("heading", { name: /pdf/ })).toBeVisible();
  await page.goBack();

  // Sorting: by name at first; a status column puts the most urgent first.
  expect(await order(page)).toEqual(["agent:reviewer", "command:review", "skill:changelog", "skill:pdf"]);
  const upstreamHeader = page.locator("table.fleet thead th", { hasText: "Upstream → collection" });
  await upstreamHeader.getByRole("button").click();
  await expect(upstreamHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(page).toHaveURL(/sort=upstream/);
  await expect.poll(async () => (await order(page)).slice(0, 2)).toEqual(["command:review", "skill:changelog"]);
  await upstreamHeader.getByRole("button").click();
  await expect(upstreamHeader).toHaveAttribute("aria-sort", "descending");
  await expect.poll(async () => (await order(page)).slice(-2)).toEqual(["skill:changelog", "command:review"]);
  const webHeader = page.locator("table.fleet thead th", { hasText: "web-app" });
  await webHeader.getByRole("button").click();
  // web-app: review lags the collection, pdf has local changes, the rest are in sync.
  await expect.poll(async () => (await order(page)).slice(0, 2)).toEqual(["command:review", "skill:pdf"]);
  // The sort survives a reload (it is in the URL).
  await page.reload();
  await expect(page.locator("table.fleet thead th", { hasText: "web-app" })).toHaveAttribute("aria-sort", "ascending");

  // Select all, then one fewer: the header box is mixed, the action counts.
  await page.getByLabel("Select every artifact").check();
  await expect(page.getByRole("button", { name: "Update the selected (4)…" })).toBeEnabled();
  await page.getByLabel("Select skill:pdf").uncheck();
  await expect(page.getByRole("button", { name: "Update the selected (3)…" })).toBeVisible();
  expect(await page.getByLabel("Select every artifact").evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(true);
  await page.getByRole("button", { name: "Clear the selection" }).click();
  await expect(page.getByRole("button", { name: "Update everything behind…" })).toBeEnabled();

  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `40-fleet-${scheme}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `41-fleet-phone-${scheme}.png`), fullPage: true });
  }
  // On a phone the matrix scrolls inside its box, not the page.
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(sideways).toBeLessThanOrEqual(0);
});

test("update everything behind previews the plan, writes nothing until confirmed, then runs as one job", async ({ page }) => {
  demo = await startDemo();
  const webChangelog = join(demo.webApp, ".claude/skills/changelog/SKILL.md");
  const before = readFileSync(webChangelog, "utf8");
  await page.goto(`${demo.loginUrl}`);
  await page.goto(`${demo.base}/fleet`);
  await page.getByRole("button", { name: "Update everything behind…" }).click();
  const dialog = page.getByRole("dialog", { name: "Update everything behind (every artifact)" });
  await expect(dialog.getByTestId("update-summary")).toHaveText(
    "4 copies to update, 1 held back for you to sync on its own.",
  );
  const preview = dialog.getByRole("region", { name: "Dry-run preview" });
  const rows = preview.locator("tbody tr");
  await expect(rows).toHaveCount(5);
  await expect(rows.filter({ hasText: "skill:changelog" }).filter({ hasText: "upstream → collection" })).toContainText("updated");
  await expect(rows.filter({ hasText: "command:review" }).filter({ hasText: "api-server" })).toContainText("updated");
  const held = rows.filter({ hasText: "command:review" }).filter({ hasText: "upstream → collection" });
  await expect(held).toContainText("skipped");
  await expect(held).toContainText("diverged");
  await expect(rows.filter({ hasText: "skill:changelog" }).filter({ hasText: "web-app" })).toContainText(
    "takes the upstream update after the collection has it",
  );
  expect(readFileSync(webChangelog, "utf8")).toBe(before);
  await page.screenshot({ path: join(SHOTS, "42-update-preview.png") });

  await dialog.getByRole("button", { name: "Update", exact: true }).click();
  await expect(dialog).toBeHidden();
  const toast = page.getByTestId("toast").filter({ hasText: "Update of every artifact finished" });
  await expect(toast).toBeVisible();
  await expect(cell(page, "skill:changelog", "upstream")).toContainText("in sync");
  await expect(cell(page, "skill:changelog", "web-app")).toContainText("in sync");
  await expect(cell(page, "command:review", "upstream")).toContainText("diverged");
  await expect(cell(page, "command:review", "api-server")).toContainText("in sync");
  await expect(page.getByTestId("attention")).toHaveText("Needs attention: 1 diverged copy, 1 copy with local changes.");
  expect(readFileSync(webChangelog, "utf8")).toContain("in the imperative");

  // The job page shows each copy with where it went.
  await toast.getByRole("link", { name: "Open the job" }).click();
  await expect(page.getByRole("heading", { name: "Update all artifacts (everything behind)" })).toBeVisible();
  await expect(page.locator("table.results thead")).toContainText("Into");
  await expect(page.locator("table.results tbody tr")).toHaveCount(5);
});

test("fetch now refreshes the upstreams as a job and the matrix shows what arrived", async ({ page }) => {
  demo = await startDemo();
  const up = join(demo.dir, "upstream");
  const skill = join(up, "skills/pdf/SKILL.md");
  writeFileSync(skill, readFileSync(skill, "utf8") + "\n5. Keep the page numbers.\n");
  git(up, "commit", "-qam", "pdf: keep page numbers");

  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/fleet`);
  // Until fetched, the new upstream commit is not known.
  await expect(cell(page, "skill:pdf", "upstream")).toContainText("in sync");
  await page.getByRole("button", { name: "Fetch now" }).click();
  const toast = page.getByTestId("toast").filter({ hasText: "Fetch upstreams finished" });
  await expect(toast).toBeVisible();
  await expect(cell(page, "skill:pdf", "upstream")).toContainText("update available");
  await expect(page.getByTestId("last-fetch")).toHaveText("Upstream fetched just now");
  await expect(page.getByRole("button", { name: "Fetch now" })).toBeEnabled();
  await toast.getByRole("link", { name: "Open the job" }).click();
  await expect(page.getByRole("heading", { name: "Fetch upstreams of all artifacts" })).toBeVisible();
  await expect(page.locator("ul.fetched li")).toHaveCount(1);
  await expect(page.locator("ul.fetched li")).toContainText("4 artifacts");
});

test("an artifact a project holds but artisync does not track is imported into the collection after a preview", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.getByText("Untracked in projects (1)").click();
  await page.getByRole("button", { name: "Import command:scratch from api-server" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync command:scratch" });
  await expect(dialog.getByLabel("Direction")).toHaveValue("project_to_collection");
  await expect(dialog.getByLabel(/^Project/)).toHaveValue(demo.apiServer);
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = dialog.getByRole("region", { name: "Dry-run preview" });
  await expect(preview.locator("tbody tr")).toContainText("updated");
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "finished" })).toBeVisible();
  await expect(row(page, "command:scratch")).toBeVisible();
  await expect(page.getByText(/Untracked in projects/)).toHaveCount(0);
  const collection = join(demo.home, "collections/default/commands/scratch.md");
  expect(readFileSync(collection, "utf8")).toBe("Scratch notes for this repo.\n");
});
