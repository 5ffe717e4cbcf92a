// Screenshots of every view, in both themes and at both sizes (a desktop
// window and a phone), for review: test-output/screenshots/views/
// VIEW-SIZE-THEME.png. Each view is checked to have rendered its content
// before it is captured, and no page may scroll sideways on a phone.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SHOTS, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const DIR = join(SHOTS, "views");
const SIZES = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;
const THEMES = ["light", "dark"] as const;

/** Captures the current view at every size and theme; returns to the desktop size. */
async function capture(page: Page, view: string, sideways: string[]) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.screenshot({ path: join(DIR, `${view}-${size}-${theme}.png`), fullPage: true });
    }
    if (size === "phone") {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (over > 0) sideways.push(`${view}: ${over}px`);
    }
  }
  await page.setViewportSize(SIZES.desktop);
  await page.emulateMedia({ colorScheme: "light" });
}

test("every view, light and dark, desktop and phone", async ({ page, browser }) => {
  test.setTimeout(180_000);
  mkdirSync(DIR, { recursive: true });
  demo = await startDemo();
  const sideways: string[] = [];
  await page.setViewportSize(SIZES.desktop);
  await page.goto(demo.loginUrl);

  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
  await capture(page, "01-artifacts", sideways);

  await page.goto(`${demo.base}/fleet`);
  await expect(page.getByTestId("attention")).toBeVisible();
  await capture(page, "02-fleet", sideways);
  await page.getByRole("button", { name: "Update everything behind…" }).click();
  await expect(page.getByTestId("update-summary")).toBeVisible();
  await capture(page, "03-update-dialog", sideways);
  await page.keyboard.press("Escape");

  const web = encodeURIComponent(demo.webApp);
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?project=${web}&lhs=collection&rhs=project`);
  await expect(page.locator(".diff .dpair").first()).toBeVisible();
  await capture(page, "04-artifact-diff-split", sideways);
  await page.getByText("Unified", { exact: true }).click();
  await expect(page.locator(".diff .dpair")).toHaveCount(0);
  await capture(page, "05-artifact-diff-unified", sideways);

  await page.getByRole("button", { name: "Sync…" }).click();
  const sync = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await sync.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(sync.getByText("Nothing has been written.")).toBeVisible();
  await capture(page, "06-sync-dialog", sideways);
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Undo…" }).click();
  await expect(page.getByRole("dialog", { name: /Undo the last write/ })).toBeVisible();
  await capture(page, "07-undo-dialog", sideways);
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Export patch…" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await capture(page, "08-patch-dialog", sideways);
  await page.keyboard.press("Escape");

  // A staged conflict: review changed the same line upstream and in the collection.
  const started = await page.request.post(`${demo.base}/api/v1/sync/jobs`, {
    data: { direction: "upstream_to_collection", artifacts: ["command:review"] },
  });
  expect(started.status()).toBe(202);
  const jobId = ((await started.json()) as { job_id: string }).job_id;
  await expect
    .poll(async () => ((await (await page.request.get(`${demo!.base}/api/v1/sync/jobs/${jobId}`)).json()) as { state: string }).state)
    .toBe("conflict");
  await page.goto(`${demo.base}/artifacts/command%3Areview/conflict`);
  await expect(page.locator('[data-path="review.md"]').first()).toBeVisible();
  await capture(page, "09-conflict", sideways);

  await page.goto(`${demo.base}/jobs`);
  await expect(page.locator("tr[data-job]").first()).toBeVisible();
  await capture(page, "10-job-history", sideways);
  await page.getByRole("button", { name: /^Jobs/ }).click();
  await expect(page.getByRole("region", { name: "Recent jobs" }).or(page.locator("#jobs-panel"))).toBeVisible();
  await capture(page, "11-jobs-panel", sideways);
  await page.keyboard.press("Escape");

  await page.goto(`${demo.base}/jobs/${jobId}`);
  await expect(page.locator("table.results tbody tr")).toHaveCount(1);
  await capture(page, "12-job", sideways);

  await page.goto(demo.base);
  await page.getByRole("button", { name: "Register a project…" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await capture(page, "13-register-dialog", sideways);
  await page.keyboard.press("Escape");

  await page.goto(`${demo.base}/no/such/view`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await capture(page, "14-not-found", sideways);

  // A browser that never logged in.
  const stranger = await browser.newPage();
  await stranger.goto(demo.base);
  await expect(stranger.getByText("Log in to artisync")).toBeVisible();
  await capture(stranger, "15-log-in", sideways);
  await stranger.close();

  expect(sideways, "pages that scroll sideways on a phone").toEqual([]);
});
