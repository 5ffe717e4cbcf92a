// A collection shared through a git remote: the list says where it stands
// against the remote (as last fetched) and what to do about it, and pushes
// and pulls it as background jobs.
import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BIN, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

test("the list shows the collection's position against its remote", async ({ page }) => {
  let remote = "";
  demo = await startDemo(({ dir, home }) => {
    remote = join(dir, "team.git");
    mkdirSync(remote);
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
    const run = (...args: string[]) => execFileSync(BIN, args, { env: { ...process.env, ARTISYNC_HOME: home } });
    run("collection", "remote", "set", remote);
  });
  await page.goto(demo.loginUrl);
  const line = page.getByTestId("remote-position");
  await expect(line).toContainText(/not pushed yet \(\d+ commits here\)/);
  await expect(line.locator("span[title]")).toHaveAttribute("title", remote);

  // Push and Pull run as background jobs; the line follows.
  await line.getByRole("button", { name: "Push" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Push the collection" })).toBeVisible();
  await expect(line).toContainText("up to date with origin/main");
  await line.getByRole("button", { name: "Pull" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Pull the collection" })).toBeVisible();
  await expect(line).toContainText("up to date with origin/main");
});

test("without a remote, nothing is said about one", async ({ page }) => {
  demo = await startDemo();
  await page.goto(demo.loginUrl);
  await expect(page.getByRole("heading", { name: "Artifacts" })).toBeVisible();
  await expect(page.getByTestId("remote-position")).toHaveCount(0);
});
