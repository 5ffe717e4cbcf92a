// Measurements in real Chromium against a real server: a 5,000-line diff
// (2,500 lines changed on each side, every line with changed words) from
// navigation to interactive, scrolling to its end, and switching layout.
// Results are printed and written to test-output/measurements.json with the
// binary they were taken against: the API time depends on its build profile
// (`./scripts/test-web --release` measures the release build); the other
// times are the browser's.
import { expect, test } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BIN, BIN_PROFILE, SHOTS, startDemo, type Demo } from "./server";

let demo: Demo;
const N = 2500;

test.beforeAll(async () => {
  demo = await startDemo(({ home, webApp }) => {
    const old: string[] = [];
    const changed: string[] = [];
    for (let i = 1; i <= N; i++) {
      old.push(`line ${i}: the quick brown fox jumps over the lazy dog`);
      changed.push(`line ${i}: the quick red fox jumps over the sleepy dog`);
    }
    writeFileSync(join(home, "collections/default/skills/pdf/big.md"), old.join("\n") + "\n");
    writeFileSync(join(webApp, ".claude/skills/pdf/big.md"), changed.join("\n") + "\n");
  });
});

test.afterAll(async () => {
  await demo?.stop();
});

test("a 5,000-line diff becomes interactive quickly and renders one window of rows", async ({ page }) => {
  await page.goto(demo.loginUrl);
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
  const query = `lhs=collection&rhs=project&project=${encodeURIComponent(demo.webApp)}`;

  // The API alone, for the breakdown.
  const t0 = Date.now();
  const r = await page.request.get(`${demo.base}/api/v1/artifacts/skill:pdf/diff?${query.replace("project=", "project_path=")}`);
  const apiMs = Date.now() - t0;
  const body = (await r.json()) as { stats: { added: number; removed: number } };
  expect(body.stats.added + body.stats.removed).toBeGreaterThanOrEqual(2 * N);
  const apiBytes = (await r.body()).length;

  // Cold: from navigation start to the first diff rows on screen.
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?${query}&view=unified`);
  const coldMs = await (
    await page.waitForFunction(() => (document.querySelector(".dline.k-added") ? performance.now() : 0), null, { polling: "raf" })
  ).jsonValue();
  const rows = await page.locator(".diff-rows .vrow").count();
  expect(rows).toBeLessThan(150);
  await expect(page.getByTestId("diff-size")).toContainText("5,00");

  // Interactive: scroll to the end and wait for the last line to be drawn.
  const scrollMs = await page.evaluate(async (n) => {
    const box = document.querySelector<HTMLElement>(".diff-rows");
    if (!box) throw new Error("no diff box");
    const start = performance.now();
    box.scrollTop = box.scrollHeight;
    for (;;) {
      await new Promise((ok) => requestAnimationFrame(ok));
      if (box.textContent?.includes(`line ${n}: the quick red fox`)) return performance.now() - start;
      if (performance.now() - start > 5000) throw new Error("the end of the diff was never drawn");
    }
  }, N);
  expect(await page.locator(".diff-rows .vrow").count()).toBeLessThan(150);

  // Switching to the split layout re-renders 2,500 paired rows.
  const splitMs = await page.evaluate(async () => {
    const start = performance.now();
    const radio = Array.from(document.querySelectorAll<HTMLInputElement>('input[name="diff-mode"]')).find((i) => i.value === "split");
    radio?.click();
    for (;;) {
      await new Promise((ok) => requestAnimationFrame(ok));
      if (document.querySelector(".dpair mark.w-changed")) return performance.now() - start;
      if (performance.now() - start > 5000) throw new Error("the split layout never rendered");
    }
  });
  await expect(page.locator(".dpair .dcell-new mark.w-changed").first()).toHaveText(/red|sleepy/);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, "19-diff-5000-lines.png") });

  const m = {
    server_binary: BIN,
    server_profile: BIN_PROFILE,
    diff_lines: 2 * N,
    api_ms: apiMs,
    api_bytes: apiBytes,
    navigation_to_rows_ms: Math.round(coldMs),
    scroll_to_end_ms: Math.round(scrollMs),
    switch_to_split_ms: Math.round(splitMs),
    rendered_rows: rows,
  };
  console.log(`[measure] 5,000-line diff: ${JSON.stringify(m)}`);
  const out = join(dirname(SHOTS), "measurements.json");
  writeFileSync(out, JSON.stringify(m, null, 2) + "\n");
  expect(coldMs).toBeLessThan(5000);
  expect(scrollMs).toBeLessThan(1000);
});
