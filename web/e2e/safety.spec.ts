// What must never mislead or lose data, each on its own demo home: a split
// diff keeps both sides in view whatever the line lengths; Undo shows which
// place and which write it reverts, and the difference, before it acts;
// the header says when the server is gone, and actions say so too.
import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, SHOTS, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test("a split diff keeps each side in view with its own sideways scroll, panes named by tier", async ({ page }) => {
  demo = await startDemo(({ webApp }) => {
    // One 2,000-character line in a changed file, and a new file.
    const skill = join(webApp, ".claude/skills/pdf");
    writeFileSync(join(skill, "SKILL.md"), readFileSync(join(skill, "SKILL.md"), "utf8") + "x".repeat(2000) + "\n");
    writeFileSync(join(skill, "NOTES.md"), "First note.\nSecond note.\n");
  });
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.webApp)}&view=split`);
  const diff = page.locator(".diff");
  await expect(diff.locator(".pane-head[data-side=old]")).toHaveText("− collection");
  await expect(diff.locator(".pane-head[data-side=new]")).toHaveText("+ project web-app");
  const box = (await diff.locator(".vbox").boundingBox())!;
  // Every right-hand cell of the added file lies inside the box.
  await page.getByRole("navigation", { name: "Changed files" }).getByRole("button", { name: /NOTES\.md/ }).click();
  const added = diff.locator(".dcell-new.k-added").filter({ hasText: "First note." });
  await expect(added).toBeVisible();
  const cell = (await added.boundingBox())!;
  expect(cell.x).toBeGreaterThan(box.x + box.width / 3);
  expect(cell.x + cell.width).toBeLessThanOrEqual(box.x + box.width + 1);
  const text = (await added.locator(".code").boundingBox())!;
  expect(text.x + 20).toBeLessThan(box.x + box.width);
  // The box itself never scrolls sideways; each side does, on its own.
  expect(await diff.locator(".vbox").evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  await page.getByRole("navigation", { name: "Changed files" }).getByRole("button", { name: /SKILL\.md/ }).click();
  const long = diff.locator(".dcell-new.k-added").filter({ hasText: "xxxxxxxx" });
  await expect(long).toBeVisible();
  const newBar = page.getByRole("region", { name: "Scroll the project web-app side sideways" });
  const oldBar = page.getByRole("region", { name: "Scroll the collection side sideways" });
  expect(await newBar.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeGreaterThan(1000);
  await newBar.evaluate((el) => (el.scrollLeft = 800));
  const shift = (el: Element) => new DOMMatrix(getComputedStyle(el).transform).m41;
  await expect.poll(() => long.locator(".code-in").evaluate(shift)).toBe(-800);
  // The line numbers stay put; the text moves under its own clip.
  const gutter = (await long.locator(".ln").boundingBox())!;
  expect(gutter.x).toBeGreaterThan(box.x + box.width / 3);
  const clip = (await long.locator(".code").boundingBox())!;
  expect(clip.x).toBeGreaterThan(gutter.x);
  const oldCode = diff.locator(".dcell-old .code-in").first();
  expect(await oldCode.evaluate(shift)).toBe(0);
  expect(await oldBar.evaluate((el) => el.scrollLeft)).toBe(0);
  await shot(page, "20-diff-split-long-line");
});

test("undo shows the place, the write and the difference first, defaults to the newest write, and reverts exactly that", async ({ page }) => {
  let review = "";
  demo = await startDemo(({ dir, home }) => {
    const env = { ...process.env, ARTISYNC_HOME: home };
    const apiServer = join(dir, "projects", "api-server");
    // First a write in project api-server, then a newer one in the collection.
    execFileSync(BIN, ["sync", "command:review", "--direction", "collection_to_project", "--project", apiServer, "-q"], { env });
    execFileSync(BIN, ["sync", "command:review", "--direction", "upstream_to_collection", "--strategy", "theirs", "--yes", "-q"], { env });
    review = readFileSync(join(apiServer, ".claude/commands/review.md"), "utf8");
  });
  const collectionFile = join(demo.home, "collections/default/commands/review.md");
  const synced = readFileSync(collectionFile, "utf8");
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/command%3Areview`);
  await page.getByRole("button", { name: "Undo…" }).click();
  const undo = page.getByRole("dialog", { name: "Undo the last write to command:review" });
  // The newest write is chosen: the collection's, not a project's.
  await expect(undo.getByRole("radio", { name: /the collection/ })).toBeChecked();
  await expect(undo.getByRole("radio", { name: /project api-server/ })).toBeEnabled();
  const summary = undo.getByTestId("undo-summary");
  await expect(summary).toContainText("sync upstream → collection");
  await expect(summary).toContainText("the collection");
  await expect(summary).toContainText("1 file change");
  await expect(undo.locator(".diff")).toContainText("review.md");
  await expect(undo.getByRole("button", { name: "Undo this write in the collection" })).toBeEnabled();
  await shot(page, "21-undo-preview");
  // Looking wrote nothing, anywhere.
  expect(readFileSync(collectionFile, "utf8")).toBe(synced);
  expect(readFileSync(join(demo.apiServer, ".claude/commands/review.md"), "utf8")).toBe(review);

  // Choosing the project shows its own write.
  await undo.getByRole("radio", { name: /project api-server/ }).check();
  await expect(summary).toContainText("sync collection → project");
  await expect(undo.getByRole("button", { name: "Undo this write in project api-server" })).toBeVisible();
  await undo.getByRole("radio", { name: /the collection/ }).check();

  // Another write since the dialog looked: the reviewed one is not undone.
  execFileSync(BIN, ["sync", "command:review", "--direction", "project_to_collection", "--project", demo.webApp, "--strategy", "theirs", "--yes", "-q"], {
    env: { ...process.env, ARTISYNC_HOME: demo.home },
  });
  const newer = readFileSync(collectionFile, "utf8");
  await undo.getByRole("button", { name: "Undo this write in the collection" }).click();
  await expect(undo.getByRole("alert")).toContainText("no longer the one reviewed");
  expect(readFileSync(collectionFile, "utf8")).toBe(newer);
  // Refreshed, it shows the newer write; undoing it restores what the
  // earlier sync wrote.
  await expect(summary).toContainText("sync project → collection");
  await undo.getByRole("button", { name: "Undo this write in the collection" }).click();
  await expect(undo.getByRole("status").filter({ hasText: "Undone" })).toContainText("the sync project → collection in the collection");
  expect(readFileSync(collectionFile, "utf8")).toBe(synced);
  expect(readFileSync(join(demo.apiServer, ".claude/commands/review.md"), "utf8")).toBe(review);
});

test("with the server gone the header says so, and an action says what happened and what to do", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Achangelog`);
  const state = page.getByTestId("connection");
  await expect(state).toHaveText(/live/);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:changelog" });
  await demo.kill();
  await expect(state).toHaveText(/server unreachable/, { timeout: 15_000 });
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  const alert = dialog.getByRole("alert");
  await expect(alert).toContainText("The artisync server cannot be reached");
  await expect(alert).not.toContainText("Failed to fetch");
  await shot(page, "22-server-unreachable");
});
