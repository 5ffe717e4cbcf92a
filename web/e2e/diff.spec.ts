// The diff as a daily reviewer uses it, in real Chromium against a real
// server: Markdown rendered beside the source with changed blocks marked
// and code coloured, search (also in collapsed lines), collapsed regions
// opening 20 lines at a time, ignoring whitespace (a server parameter) and
// links to lines. The demo's pdf skill gets a longer SKILL.md in the
// collection and an edited copy in the web-app project.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHOTS, startDemo, type Demo } from "./server";

test.describe.configure({ mode: "serial" });

let demo: Demo;
let page: Page;

const NOTES = (edit: (n: number, line: string) => string) =>
  Array.from({ length: 60 }, (_, i) => {
    const n = i + 1;
    return edit(n, n === 45 ? "- Note 45: a needle in the hay." : `- Note ${n}: keep the page order.`);
  });

function skill(edited: boolean): string {
  return [
    "---",
    "name: pdf",
    "description: Extract text and tables from PDF files",
    "---",
    "# PDF",
    "",
    "Use `scripts/extract.py FILE` to pull text out of a PDF.",
    "",
    "## Steps",
    "1. Check the file opens.",
    "2. Extract the text.",
    edited ? "3. Summarise **all** the tables." : "3. Summarise the tables.",
    ...(edited ? ["4. See [the guide](https://example.com/guide), [this](javascript:alert(1)) and ![diagram](https://tracker.example/pixel.png)."] : []),
    "",
    "## Notes",
    // Note 30 differs only in whitespace.
    ...NOTES((n, l) => (edited && n === 30 ? `  ${l}   ` : l)),
    "",
    "## Example",
    "```bash",
    "# extract every PDF",
    "for f in *.pdf; do",
    edited ? '  pdftotext "$f" - | head -n 40' : '  pdftotext "$f" - | head -n 20',
    "done",
    "```",
    "",
    "<script>alert('not run')</script>",
    "The end.",
    "",
  ].join("\n");
}

// Line numbers on the new (project) side.
const NEW_LINES = skill(true).split("\n");
const line = (text: string) => NEW_LINES.findIndex((l) => l.includes(text)) + 1;

test.beforeAll(async ({ browser }) => {
  demo = await startDemo(({ home, webApp }) => {
    writeFileSync(join(home, "collections/default/skills/pdf/SKILL.md"), skill(false));
    writeFileSync(join(webApp, ".claude/skills/pdf/SKILL.md"), skill(true));
  });
  page = await (await browser.newContext()).newPage();
  await page.goto(demo.loginUrl);
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
});

test.afterAll(async () => {
  await page?.context().close();
  await demo?.stop();
});

const pdfUrl = (extra = "") => `${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.webApp)}${extra}`;

async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test("Markdown renders beside the source: front matter as a table, changed blocks marked, code coloured, nothing unsafe", async () => {
  await page.goto(pdfUrl("&view=split"));
  await expect(page.locator(".dpair .k-added").first()).toBeVisible();
  await page.locator(".diff-toolbar label", { hasText: /^Rendered$/ }).click();
  await expect(page).toHaveURL(/show=rendered/);
  const view = page.getByTestId("rendered-diff");
  const oldSide = view.locator('.md-side[data-side="old"]');
  const newSide = view.locator('.md-side[data-side="new"]');
  await expect(oldSide.locator(".pane-head")).toHaveText("− collection");
  await expect(newSide.locator(".pane-head")).toHaveText("+ project web-app");
  await expect(newSide.getByRole("rowheader", { name: "description" })).toBeVisible();
  await expect(newSide.locator("td").first()).toHaveText("pdf");
  // The edited step and the new one are marked on the new side, the old step on the old side.
  const added = newSide.locator("[data-changed=added]");
  await expect(added.filter({ hasText: "Summarise all the tables." })).toHaveCount(1);
  await expect(added.filter({ hasText: "See the guide" })).toHaveCount(1);
  await expect(newSide.locator("strong", { hasText: "all" })).toBeVisible();
  await expect(oldSide.locator("[data-changed=removed]").filter({ hasText: "Summarise the tables." })).toHaveCount(1);
  await expect(newSide.locator("[data-changed]").filter({ hasText: "Check the file opens." })).toHaveCount(0);
  // Links only where safe, images never loaded, HTML shown as text.
  await expect(newSide.getByRole("link", { name: "the guide" })).toHaveAttribute("href", "https://example.com/guide");
  await expect(page.locator('.rendered a[href^="javascript"]')).toHaveCount(0);
  await expect(newSide.getByText("this", { exact: true })).toBeVisible();
  await expect(page.locator(".rendered img")).toHaveCount(0);
  await expect(newSide).toContainText("[image: diagram]");
  await expect(newSide).toContainText("<script>alert('not run')</script>");
  expect(await page.evaluate(() => document.querySelectorAll("script:not([src]):not([type])").length)).toBe(0);
  // The fenced bash block: keywords and comments coloured, the changed block marked.
  const code = newSide.locator(".md-code");
  await expect(code.locator(".tk-kw")).toHaveText(["for", "in", "do", "done"]);
  await expect(code.locator(".tk-com")).toHaveText("# extract every PDF");
  await expect(newSide.locator("[data-changed=added]").filter({ has: page.locator(".md-code") })).toHaveCount(1);
  await shot("30-diff-rendered-markdown");
  // The choice is in the URL: a reload keeps it; Source goes back.
  await page.reload();
  await expect(page.getByTestId("rendered-diff").locator(".md-side")).toHaveCount(2);
  await page.locator(".diff-toolbar label", { hasText: /^Source$/ }).click();
  await expect(page).not.toHaveURL(/show=rendered/);
  await expect(page.locator(".dpair .k-added").first()).toBeVisible();
});

test("collapsed regions open 20 lines at a time, or all at once", async () => {
  await page.goto(pdfUrl("&view=unified"));
  const diff = page.locator(".diff");
  await expect(diff.locator(".dline.k-added").first()).toBeVisible();
  // Between the steps and Note 30 lie more than 20 unchanged lines.
  const gap = diff.locator(".dgap").nth(1);
  await expect(gap.getByRole("button")).toHaveText(["⋯ Show 20 more above", "Show 20 more below", /^Show all \d+$/]);
  const all = Number(((await gap.getByRole("button").nth(2).textContent()) ?? "").replace(/\D/g, ""));
  await expect(diff.locator(".dline", { hasText: "- Note 2: keep" })).toHaveCount(0);
  await gap.getByRole("button", { name: "Show 20 more above" }).click();
  await expect(diff.locator(".dgap").nth(1).getByRole("button").nth(0)).toHaveText(all - 20 > 20 ? "⋯ Show 20 more above" : `⋯ Show ${all - 20} unchanged lines`);
  // Notes 2-21 (the gap's first 20 lines) are shown, Note 22 is not.
  await expect(diff.locator(".dline", { hasText: "- Note 2: keep" })).toHaveCount(1);
  await expect(diff.locator(".dline", { hasText: "- Note 21: keep" })).toHaveCount(1);
  await expect(diff.locator(".dline", { hasText: "- Note 22: keep" })).toHaveCount(0);
  // The opened lines carry both line numbers, the old side's shifted by the added step.
  const note = diff.locator(".dline", { hasText: "- Note 5: keep the page order." });
  await expect(note.locator(".ln")).toHaveText([String(line("- Note 5:") - 1), String(line("- Note 5:"))]);
  await diff.locator(".dgap").nth(1).getByRole("button").last().click();
  await expect(diff.locator(".dline", { hasText: "- Note 26: keep the page order." })).toHaveCount(1);
  await shot("31-diff-expand-20");
});

test("search counts matches, moves with Enter and the buttons, and opens collapsed lines to show one", async () => {
  await page.goto(pdfUrl("&view=split"));
  await expect(page.locator(".dpair .k-added").first()).toBeVisible();
  const search = page.getByLabel("Search in diff");
  const count = page.getByTestId("search-count");
  await search.fill("needle");
  // Note 45 is collapsed: its region opens and the match is scrolled into view.
  await expect(count).toHaveText("1 of 1");
  const current = page.locator("mark.search-hit.current");
  await expect(current).toHaveText("needle");
  await expect(current).toBeInViewport();
  await search.fill("Note 4");
  // Note 4 and Notes 40-49, each once (unchanged lines count once in the split view).
  await expect(count).toHaveText(/^1 of 11/);
  await expect(page.locator("mark.search-hit.current")).toBeInViewport();
  for (let i = 0; i < 10; i++) await search.press("Enter");
  await expect(count).toHaveText(/^11 of 11/);
  await expect(page.locator(".dpair", { has: page.locator("mark.search-hit.current") })).toContainText("Note 49");
  await expect(page.locator("mark.search-hit.current")).toBeInViewport();
  await search.press("Shift+Enter");
  await expect(count).toHaveText(/^10 of 11/);
  await page.getByRole("button", { name: "Next match" }).click();
  await page.getByRole("button", { name: "Next match" }).click();
  await expect(count).toHaveText(/^1 of 11/);
  await page.getByRole("button", { name: "Previous match" }).click();
  await expect(count).toHaveText(/^11 of 11/);
  await shot("32-diff-search");
  // A match far along a long line: the split pane scrolls sideways to it.
  await search.fill("pixel.png");
  await expect(count).toHaveText("1 of 1");
  const mark = page.locator("mark.search-hit.current");
  await expect(mark).toHaveText("pixel.png");
  await expect
    .poll(() =>
      mark.evaluate((m) => {
        const a = m.getBoundingClientRect();
        const b = (m.closest(".dcell")?.querySelector(".code") as HTMLElement).getBoundingClientRect();
        return a.left >= b.left && a.right <= b.right;
      }),
    )
    .toBe(true);
  expect(await page.locator('.side-bar[data-side="new"]').evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
  await search.fill("no such text anywhere");
  await expect(count).toHaveText("No matches");
});

test("ignoring whitespace asks the server and hides whitespace-only changes; the choice is in the URL", async () => {
  await page.goto(pdfUrl("&view=unified"));
  const diff = page.locator(".diff");
  await expect(diff.locator(".dline.k-removed", { hasText: "Note 30" })).toHaveCount(1);
  const asked = page.waitForRequest((r) => r.url().includes("/diff?") && r.url().includes("whitespace=ignore"));
  await page.getByLabel("Ignore whitespace").check();
  await asked;
  await expect(page).toHaveURL(/ws=ignore/);
  await expect(diff.locator(".dline.k-added").first()).toBeVisible();
  await expect(diff.locator(".dline.k-removed", { hasText: "Note 30" })).toHaveCount(0);
  await expect(diff.locator(".dline.k-added", { hasText: "Summarise" })).toHaveCount(1);
  await page.reload();
  await expect(page.getByLabel("Ignore whitespace")).toBeChecked();
  await expect(diff.locator(".dline.k-added").first()).toBeVisible();
  await expect(diff.locator(".dline.k-removed", { hasText: "Note 30" })).toHaveCount(0);
  await page.getByLabel("Ignore whitespace").uncheck();
  await expect(page).not.toHaveURL(/ws=ignore/);
  await expect(diff.locator(".dline.k-removed", { hasText: "Note 30" })).toHaveCount(1);
  // The parameter is checked: anything but show or ignore is a clear 400.
  const api = `${demo.base}/api/v1/artifacts/skill:pdf/diff?lhs=collection&rhs=project&project_path=${encodeURIComponent(demo.webApp)}`;
  const bad = await page.request.get(`${api}&whitespace=sometimes`);
  expect(bad.status()).toBe(400);
  const body = (await bad.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toContain("'show' or 'ignore'");
  const ok = (await (await page.request.get(`${api}&whitespace=ignore`)).json()) as { stats: { removed: number } };
  const all = (await (await page.request.get(`${api}&whitespace=show`)).json()) as { stats: { removed: number } };
  expect(all.stats.removed - ok.stats.removed).toBe(1);
});

test("a line number is a link; opening it scrolls to the line and marks it, also when collapsed or far down", async () => {
  await page.goto(pdfUrl("&view=split"));
  const diff = page.locator(".diff");
  const n = line("Summarise **all**");
  await diff.getByRole("link", { name: `Line ${n}, new side: link` }).click();
  await expect(page).toHaveURL(new RegExp(`#file=SKILL\\.md&side=new&line=${n}$`));
  await expect(diff.locator(".dcell-new.line-target")).toContainText("Summarise **all** the tables.");

  // A collapsed line, in a fresh page.
  const needle = line("a needle in the hay");
  await page.goto("about:blank");
  await page.goto(pdfUrl(`&view=split#file=SKILL.md&side=new&line=${needle}`));
  const marked = diff.locator(".dcell.line-target");
  await expect(marked).toContainText("- Note 45: a needle in the hay.");
  await expect(marked).toBeInViewport();
  await expect(marked.locator(".ln")).toHaveText(String(needle));

  // The old side, far down the list, in the unified layout.
  const end = line("The end.") - 1;
  await page.goto("about:blank");
  await page.goto(pdfUrl(`&view=unified#file=SKILL.md&side=old&line=${end}`));
  const last = diff.locator(".dline.line-target");
  await expect(last).toContainText("The end.");
  await expect(last).toBeInViewport();
  await expect(last).toHaveAttribute("aria-current", "location");
  await shot("33-diff-line-link");
  // Another layout, or ignoring whitespace, keeps the link and shows the line again.
  await page.locator(".diff-toolbar label", { hasText: /^Split$/ }).click();
  await expect(page).toHaveURL(new RegExp(`view=split#file=SKILL\\.md&side=old&line=${end}$`));
  await expect(diff.locator(".dcell-old.line-target")).toContainText("The end.");
  await expect(diff.locator(".dcell-old.line-target")).toBeInViewport();
  await page.getByLabel("Ignore whitespace").check();
  await expect(page).toHaveURL(new RegExp(`ws=ignore#file=SKILL\\.md&side=old&line=${end}$`));
  await expect(diff.locator(".dcell-old.line-target")).toContainText("The end.");
  await expect(diff.locator(".dcell-old.line-target")).toBeInViewport();
});
