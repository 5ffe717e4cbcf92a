// A phone (390×844): nothing scrolls the page sideways, the jobs panel
// opens on screen, a sync preview fits its dialog (or scrolls inside it),
// and the list keeps saying what each column is.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { BIN, SHOTS, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.use({ viewport: { width: 390, height: 844 } });

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

async function noSidewaysScroll(page: Page, where: string) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(over, `${where} scrolls sideways by ${over}px`).toBeLessThanOrEqual(1);
}

async function inView(page: Page, selector: string, where: string) {
  const box = (await page.locator(selector).first().boundingBox())!;
  expect(box.x, `${where}: left edge`).toBeGreaterThanOrEqual(-1);
  expect(box.x + box.width, `${where}: right edge`).toBeLessThanOrEqual(391);
}

test("every view fits a phone", async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
  await noSidewaysScroll(page, "the list");
  // Each row names its columns.
  const row = page.locator('tr[data-artifact="skill:pdf"]');
  await expect(row).toBeVisible();
  const shown = await row.innerText();
  expect(shown).toContain("Upstream → collection");
  expect(shown).toContain("Collection → projects");
  await page.screenshot({ path: join(SHOTS, "30-phone-list.png"), fullPage: true });

  await page.getByRole("button", { name: /^Jobs/ }).click();
  await expect(page.getByRole("region", { name: "Recent jobs" })).toBeVisible();
  await inView(page, "#jobs-panel", "the jobs panel");
  await page.screenshot({ path: join(SHOTS, "31-phone-jobs-panel.png") });
  await page.keyboard.press("Escape");

  await page.goto(`${demo.base}/artifacts/skill%3Achangelog`);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:changelog" });
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = dialog.getByRole("region", { name: "Dry-run preview" });
  await expect(preview).toContainText("(success)");
  await inView(page, ".dialog", "the sync dialog");
  // Nothing in it sticks out (a wide table scrolls inside its own box).
  const sticking = await page.locator(".dialog").evaluate((d) => {
    const right = d.getBoundingClientRect().right + 1;
    return Array.from(d.querySelectorAll<HTMLElement>("*"))
      .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > right)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  });
  expect(sticking).toEqual([]);
  await noSidewaysScroll(page, "the sync dialog");
  // The table fits, or scrolls inside the preview: never cut off.
  const fits = await preview.evaluate((el) => {
    const t = el.querySelector("table");
    if (!t) return false;
    const wrap = t.parentElement!;
    const scrolls = getComputedStyle(wrap).overflowX === "auto" || getComputedStyle(wrap).overflowX === "scroll";
    return t.getBoundingClientRect().right <= el.getBoundingClientRect().right + 1 || scrolls;
  });
  expect(fits).toBe(true);
  await page.screenshot({ path: join(SHOTS, "32-phone-sync-preview.png") });
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:changelog" })).toContainText("finished");

  await page.goto(`${demo.base}/jobs`);
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
  await noSidewaysScroll(page, "the jobs page");
  await page.screenshot({ path: join(SHOTS, "33-phone-jobs.png"), fullPage: true });
  await page.locator('a[href^="/jobs/"]').first().click();
  await expect(page.getByRole("heading", { name: "Results" })).toBeVisible();
  await noSidewaysScroll(page, "a job page");
  await page.screenshot({ path: join(SHOTS, "34-phone-job.png"), fullPage: true });
});

test("the conflict view fits a phone: panes stack and scroll inside themselves", async ({ page }) => {
  demo = await startDemo(({ home }) => {
    // Stages the demo's conflict (review.md edited in the collection and upstream).
    spawnSync(BIN, ["sync", "command:review", "--direction", "upstream_to_collection", "-q"], { env: { ...process.env, ARTISYNC_HOME: home } });
  });
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/command%3Areview/conflict`);
  const dialog = page.getByRole("dialog", { name: "Resolve the conflict in command:review" });
  const base = dialog.getByLabel("Base (last synced): review.md");
  const ours = dialog.getByLabel("Ours (collection): review.md");
  await expect(base).toBeVisible();
  // One pane under the other, not three slivers side by side.
  const [b, o] = [(await base.boundingBox())!, (await ours.boundingBox())!];
  expect(o.y).toBeGreaterThan(b.y + b.height - 1);
  await dialog.getByRole("radiogroup", { name: "Choice for hunk 1 of review.md" }).getByText("Both, theirs first", { exact: true }).click();
  await inView(page, ".dialog", "the conflict dialog");
  const sticking = await page.locator(".dialog").evaluate((d) => {
    const right = d.getBoundingClientRect().right + 1;
    return Array.from(d.querySelectorAll<HTMLElement>("*"))
      .filter((el) => !el.closest("pre") && el.getBoundingClientRect().right > right)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  });
  expect(sticking).toEqual([]);
  await noSidewaysScroll(page, "the conflict dialog");
  await page.screenshot({ path: join(SHOTS, "35-phone-conflict.png"), fullPage: true });
});
