// The audit gate in the browser: the collection → upstream diff lists the
// change's findings and marks their lines (an accessible marker naming the
// rule and why), and syncing that change needs a second, explicit
// confirmation; going back writes nothing.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CURL_AT, CURL_LINE, poisonUpstream } from "./audit-fixture";
import { startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

test("the diff marks a high finding's line, and its sync needs a second confirmation", async ({ page }) => {
  demo = await startDemo(poisonUpstream);
  const skill = join(demo.home, "collections/default/skills/changelog/SKILL.md");
  const before = readFileSync(skill, "utf8");
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Achangelog?lhs=collection&rhs=upstream`);

  const findings = page.getByRole("region", { name: /Audit findings in this change \(1\)/ });
  await expect(findings).toContainText("high");
  await expect(findings).toContainText("exfiltration");
  await expect(findings.locator("code")).toHaveText(CURL_LINE);
  // The marker sits on the line itself, readable without colour or hover.
  const mark = page.getByRole("img", { name: /^Audit finding: high exfiltration: curl with/ });
  await expect(mark).toHaveCount(1);
  await expect(page.locator(".dcell-new.audit-line")).toContainText("collect.example");
  // The finding links to its line.
  await findings.getByRole("link", { name: `SKILL.md:${CURL_AT}` }).click();
  await expect(page.locator(".line-target")).toContainText("collect.example");
  await expect(page.locator(".line-target").getByRole("img", { name: /Audit finding/ })).toBeVisible();

  await page.getByRole("button", { name: "Sync…" }).click();
  const sync = page.getByRole("dialog", { name: "Sync skill:changelog" });
  await expect(sync.getByLabel(/^Direction/)).toHaveValue("upstream_to_collection");
  await sync.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = sync.getByRole("region", { name: "Dry-run preview" });
  await expect(preview).toContainText("(success)");
  await expect(preview.getByRole("region", { name: "Audit findings in the incoming change" })).toContainText(`SKILL.md:${CURL_AT}`);

  // First click: the confirmation, nothing sent yet; going back writes nothing.
  await sync.getByRole("button", { name: "Sync…" }).click();
  const confirm = sync.getByRole("alertdialog", { name: "Confirm high audit findings" });
  await expect(confirm).toContainText(`exfiltration at SKILL.md:${CURL_AT}`);
  await expect(confirm.getByRole("button", { name: "Yes, I reviewed the findings: sync" })).toBeFocused();
  await confirm.getByRole("button", { name: "Go back" }).click();
  await expect(confirm).toHaveCount(0);
  expect(readFileSync(skill, "utf8")).toBe(before);

  await sync.getByRole("button", { name: "Sync…" }).click();
  await sync.getByRole("button", { name: "Yes, I reviewed the findings: sync" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:changelog" })).toContainText("finished");
  await expect.poll(() => readFileSync(skill, "utf8")).toContain(CURL_LINE);
  // The job's page lists what it let in.
  await page.goto(`${demo.base}/jobs`);
  await page.locator("tr[data-job]").first().getByRole("link").first().click();
  await expect(page.getByRole("region", { name: "Audit findings in the incoming changes" })).toContainText(`exfiltration SKILL.md:${CURL_AT}`);
});

test("without the confirmation the server refuses the sync and writes nothing", async ({ page }) => {
  demo = await startDemo(poisonUpstream);
  const skill = join(demo.home, "collections/default/skills/changelog/SKILL.md");
  const before = readFileSync(skill, "utf8");
  await page.goto(demo.loginUrl);
  const r = await page.request.post(`${demo.base}/api/v1/sync/jobs`, {
    data: { direction: "upstream_to_collection", artifacts: ["skill:changelog"] },
  });
  expect(r.status()).toBe(202);
  const { job_id } = (await r.json()) as { job_id: string };
  await page.goto(`${demo.base}/jobs/${job_id}`);
  await expect(page.locator("dd.error")).toContainText(`high audit findings (exfiltration at SKILL.md:${CURL_AT})`);
  await expect(page.locator("dd.error")).toContainText("run again with --yes to confirm");
  expect(readFileSync(skill, "utf8")).toBe(before);
});
