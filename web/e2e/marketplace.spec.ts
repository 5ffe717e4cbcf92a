// An artifact imported from a Claude Code plugin marketplace: its page
// names the plugin and the marketplace it came through; an artifact added
// otherwise names neither.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

/** A marketplace repository with one plugin holding the skill `fmt`. */
function marketplace(dir: string): string {
  const repo = join(dir, "market");
  const write = (rel: string, text: string) => {
    mkdirSync(join(repo, rel, ".."), { recursive: true });
    writeFileSync(join(repo, rel), text);
  };
  write("plugins/fmt/skills/fmt/SKILL.md", "---\nname: fmt\ndescription: Formats code\n---\nFormat the file.\n");
  write(".claude-plugin/marketplace.json", JSON.stringify({ name: "acme", plugins: [{ name: "formatter", source: "./plugins/fmt" }] }));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t.invalid" },
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "marketplace");
  return repo;
}

test("an artifact from a plugin marketplace names its plugin and marketplace", async ({ page }) => {
  let spec = "";
  demo = await startDemo(({ dir, home }) => {
    spec = `marketplace:${marketplace(dir)}`;
    execFileSync(BIN, ["add", spec, "--plugin", "formatter", "-q"], { env: { ...process.env, ARTISYNC_HOME: home } });
  });
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Afmt`);
  await expect(page.getByRole("heading", { name: /fmt/ })).toBeVisible();
  await expect(page.getByTestId("marketplace")).toHaveText(`Plugin formatter of ${spec}`);
  await expect(page.locator("header.artifact-head").getByText(/#main:plugins\/fmt\/skills\/fmt$/)).toBeVisible();
  // The page stays free of serious accessibility problems in both themes.
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${scheme}: ${v.id}`);
    expect(bad).toEqual([]);
  }

  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  await expect(page.getByRole("heading", { name: /pdf/ })).toBeVisible();
  await expect(page.getByTestId("marketplace")).toHaveCount(0);
});
