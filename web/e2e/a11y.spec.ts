// Accessibility: axe-core (WCAG 2 A and AA rules) finds no serious or
// critical violation in any main view, open dialog or hover state, in
// the light and the dark theme.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { poisonUpstream } from "./audit-fixture";
import { BIN, startDemo, type Demo } from "./server";

// Fenced code in the project's SKILL.md, so the rendered diff shows every
// kind of coloured token.
const CODE = [
  "",
  "```python",
  "# a comment",
  "def summarise(path, limit=40):",
  '    return f"{path}: done" if limit > 0 else None',
  "```",
  "",
  "```yaml",
  "name: pdf  # key, comment",
  "pages: 12",
  "strict: true",
  "```",
  "",
].join("\n");

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

async function serious(page: Page, where: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const scheme of ["light", "dark"] as const) {
  test(`no serious or critical axe violation, ${scheme} theme`, async ({ page }) => {
    // A staged conflict (the demo's review.md, edited on both sides) for the
    // conflict view, and fenced code in the project's pdf for the rendered diff.
    // An upstream change of changelog with a high audit finding.
    demo = await startDemo(({ dir, home, webApp }) => {
      spawnSync(BIN, ["sync", "command:review", "--direction", "upstream_to_collection", "-q"], { env: { ...process.env, ARTISYNC_HOME: home } });
      appendFileSync(join(webApp, ".claude/skills/pdf/SKILL.md"), CODE);
      poisonUpstream({ dir, home });
    });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(demo.loginUrl);
    const found: string[] = [];
    await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
    found.push(...(await serious(page, "list")));

    await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
    await expect(page.locator(".diff .dpair").first()).toBeVisible();
    found.push(...(await serious(page, "artifact, split diff")));
    // The focused layout switch and a hovered primary button.
    await page.getByText("Unified", { exact: true }).focus();
    found.push(...(await serious(page, "artifact, unified diff, focused switch")));
    await page.getByRole("button", { name: "Sync…" }).hover();
    found.push(...(await serious(page, "hovered primary button")));

    // The diff's search hits (the current one too), a linked line and the
    // rendered Markdown with coloured code.
    await page.getByLabel("Search in diff").fill("the");
    await expect(page.locator("mark.search-hit.current")).toBeVisible();
    found.push(...(await serious(page, "diff search")));
    const link = page.locator(".diff a.ln").first();
    await link.click();
    await expect(page.locator(".line-target")).toBeVisible();
    found.push(...(await serious(page, "linked line")));
    await page.locator(".diff-toolbar label", { hasText: /^Rendered$/ }).click();
    await expect(page.locator(".md-code .tk-kw").first()).toBeVisible();
    await expect(page.locator(".md-code .tk-key").first()).toBeVisible();
    found.push(...(await serious(page, "rendered Markdown")));
    await page.locator(".diff-toolbar label", { hasText: /^Source$/ }).click();

    await page.getByRole("button", { name: "Sync…" }).click();
    const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
    await dialog.getByLabel("Strategy for skill:pdf").selectOption("theirs");
    await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
    await expect(dialog.locator(".badge-destructive")).toBeVisible();
    found.push(...(await serious(page, "sync dialog with a destructive preview")));
    await dialog.getByRole("button", { name: "Sync…" }).click();
    await dialog.getByRole("button", { name: "Yes, discard and sync" }).hover();
    found.push(...(await serious(page, "hovered danger button")));
    await dialog.getByRole("button", { name: "Go back" }).click();
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Undo…" }).click();
    await expect(page.getByRole("dialog", { name: /Undo the last write/ })).toBeVisible();
    found.push(...(await serious(page, "undo dialog")));
    await page.keyboard.press("Escape");

    await page.goto(`${demo.base}/artifacts/command%3Areview/conflict`);
    const conflict = page.getByRole("dialog", { name: "Resolve the conflict in command:review" });
    await expect(conflict.getByLabel("Base (last synced): review.md")).toBeVisible();
    found.push(...(await serious(page, "conflict view, hunk by hunk")));
    await conflict.getByRole("radiogroup", { name: "Choice for hunk 1 of review.md" }).getByText("Ours", { exact: true }).click();
    await expect(conflict.getByLabel("Result: review.md")).not.toContainText("<<<<<<<");
    found.push(...(await serious(page, "conflict view, a hunk chosen")));
    await conflict.getByText("Edit the merged text").click();
    await conflict.getByRole("textbox", { name: /Merged text of review.md/ }).fill("<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n");
    await expect(conflict.getByRole("list", { name: "Conflict markers left in review.md" }).locator("li")).toHaveCount(3);
    await conflict.getByRole("button", { name: "Resolve", exact: true }).click();
    await expect(conflict.locator(".server-refusal")).toBeVisible();
    found.push(...(await serious(page, "conflict view, editor with markers and the server's refusal")));
    await page.keyboard.press("Escape");

    await page.goto(`${demo.base}/jobs`);
    await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
    found.push(...(await serious(page, "job history")));

    await page.goto(`${demo.base}/fleet`);
    await expect(page.getByTestId("attention")).toBeVisible();
    found.push(...(await serious(page, "fleet")));
    await page.getByRole("button", { name: "Update everything behind…" }).click();
    await expect(page.getByTestId("update-summary")).toBeVisible();
    found.push(...(await serious(page, "update dialog with its preview")));
    await page.keyboard.press("Escape");

    // The audit: findings over the diff with marked lines, the sync
    // dialog's findings and their confirmation.
    await page.goto(`${demo.base}/artifacts/skill%3Achangelog?lhs=collection&rhs=upstream`);
    await expect(page.getByRole("img", { name: /Audit finding/ })).toBeVisible();
    found.push(...(await serious(page, "diff with audit findings")));
    await page.getByRole("button", { name: "Sync…" }).click();
    const audited = page.getByRole("dialog", { name: "Sync skill:changelog" });
    await audited.getByRole("button", { name: "Preview (dry run)" }).click();
    await expect(audited.getByRole("region", { name: "Audit findings in the incoming change" })).toBeVisible();
    await audited.getByRole("button", { name: "Sync…" }).click();
    await expect(audited.getByRole("alertdialog", { name: "Confirm high audit findings" })).toBeVisible();
    found.push(...(await serious(page, "sync dialog confirming high audit findings")));
    await page.keyboard.press("Escape");

    // A project in two targets: its agents copy's page and sync dialog (with
    // the target choice), the registered projects with their targets, and
    // the register dialog's target checkboxes.
    await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.apiServer)}&target=agents`);
    await expect(page.getByRole("region", { name: "Versions" }).locator('tr[data-target="agents"]')).toBeVisible();
    found.push(...(await serious(page, "artifact, a project's agents copy")));
    await page.getByRole("button", { name: "Sync…" }).click();
    await expect(page.getByRole("dialog", { name: "Sync skill:pdf" }).getByLabel("Target")).toBeVisible();
    found.push(...(await serious(page, "sync dialog with a target choice")));
    await page.keyboard.press("Escape");
    await page.goto(`${demo.base}/`);
    await page.getByText(/^Registered projects/).click();
    await expect(page.locator(".projects-list table")).toBeVisible();
    found.push(...(await serious(page, "registered projects with their targets")));
    await page.getByRole("button", { name: "Register a project…" }).click();
    await expect(page.getByRole("group", { name: "Targets" })).toBeVisible();
    found.push(...(await serious(page, "register dialog with its targets")));
    await page.keyboard.press("Escape");
    expect(found).toEqual([]);
  });
}
