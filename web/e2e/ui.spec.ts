// The web UI end to end, in order, on one demo home: the list, an artifact's
// versions and diffs, a dry run and a sync with the toast, a destructive
// sync and its undo, a conflict resolved per file, a patch bundle, the jobs
// panel and job page, keyboard use, the login-expired view, narrow and dark.
import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHOTS, startDemo, zipEntries, type Demo } from "./server";

test.describe.configure({ mode: "serial" });

let demo: Demo;
let page: Page;

async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function api<T>(path: string): Promise<T> {
  const r = await page.request.get(demo.base + path);
  expect(r.ok(), `${path}: ${r.status()}`).toBe(true);
  return (await r.json()) as T;
}

type Status = { artifacts: { id: string; upstream?: { status: string; hash: string }; projects: { path: string; status: string; hash: string }[] }[] };

async function projectStatus(id: string, project: string): Promise<string | undefined> {
  const s = await api<Status>("/api/v1/artifacts");
  return s.artifacts.find((a) => a.id === id)?.projects.find((p) => p.path === project)?.status;
}

function row(id: string) {
  return page.locator(`tr[data-artifact="${id}"]`);
}

// In every page: note when the app's own EventSource receives a job's final
// "state" event (a listener added first, before the app's) and when each
// toast appears, to measure the delay from the event to the toast.
function instrument() {
  const w = window as unknown as { __sse: Record<string, number>; __toasts: { t: number; href: string }[] };
  w.__sse = {};
  w.__toasts = [];
  const Original = window.EventSource;
  window.EventSource = class extends Original {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      this.addEventListener("state", (e) => {
        const d = JSON.parse((e as MessageEvent<string>).data) as { job_id: string; state: string };
        if (["success", "conflict", "error", "cancelled"].includes(d.state)) w.__sse[d.job_id] ??= performance.now();
      });
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(() => {
      document.querySelectorAll<HTMLElement>('[data-testid="toast"]').forEach((t) => {
        if (t.dataset.seen) return;
        t.dataset.seen = "1";
        const href = t.querySelector<HTMLAnchorElement>('a[href^="/jobs/"]')?.getAttribute("href") ?? "";
        w.__toasts.push({ t: performance.now(), href });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
}

const delays: { job: string; ms: number; via: string }[] = [];

/** The delay from the final event of the job whose toast names `label` to that toast. */
async function toastDelay(label: string): Promise<{ job: string; ms: number; via: string }> {
  const href = await page.getByTestId("toast").filter({ hasText: label }).locator('a[href^="/jobs/"]').first().getAttribute("href");
  const job = (href ?? "").slice("/jobs/".length);
  await expect.poll(() => page.evaluate((j) => (window as unknown as { __sse: Record<string, number> }).__sse[j] ?? null, job)).not.toBeNull();
  const { ev, toast } = await page.evaluate((h) => {
    const w = window as unknown as { __sse: Record<string, number>; __toasts: { t: number; href: string }[] };
    return { ev: w.__sse[h.slice("/jobs/".length)] ?? 0, toast: w.__toasts.find((x) => x.href === h)?.t ?? 0 };
  }, href ?? "");
  const ms = toast - ev;
  // A job that ends within milliseconds can be seen finished by the first
  // GET of the job, before its event arrives: the toast then comes first.
  const via = ms < 0 ? "the job's first GET (before the event)" : "the event stream";
  console.log(`[measure] final SSE event → toast: ${ms.toFixed(1)} ms, via ${via} (job ${job})`);
  expect(ms).toBeLessThan(1000);
  return { job, ms, via };
}

test.beforeAll(async ({ browser }) => {
  demo = await startDemo();
  const context = await browser.newContext();
  page = await context.newPage();
  await page.addInitScript(instrument);
});

test.afterAll(async () => {
  await page?.context().close();
  await demo?.stop();
});

test("the login link opens the artifacts list with a status badge per tier", async () => {
  await page.goto(demo.loginUrl);
  await expect(page).toHaveURL(demo.base + "/");
  await expect(page.getByRole("heading", { name: "Artifacts" })).toBeVisible();
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
  // Words, not only colours: upstream drift and each project's status.
  await expect(row("skill:changelog").locator("td").nth(1)).toContainText("update available");
  await expect(row("command:review").locator("td").nth(1)).toContainText("diverged");
  const pdf = row("skill:pdf");
  await expect(pdf.locator("li", { hasText: "web-app" })).toContainText("local changes");
  // api-server holds pdf in two targets: its claude copy, and its agents copy labelled as such.
  await expect(pdf.locator('li[data-target="claude"]', { hasText: "api-server" })).toContainText("in sync");
  await expect(pdf.locator('li[data-target="agents"]')).toContainText("api-server · agents");
  await expect(page.locator(".live")).toContainText("live");
  await shot("01-artifacts-list");

  // Filters live in the URL.
  await page.getByLabel("Status").selectOption("ahead");
  await expect(page).toHaveURL(/status=ahead/);
  await expect(page.locator("tr[data-artifact]")).toHaveCount(1);
  await expect(row("skill:pdf")).toBeVisible();
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Kind").selectOption("command");
  await expect(page.locator("tr[data-artifact]")).toHaveCount(1);
  await page.getByLabel("Kind").selectOption("");
  await page.getByLabel("Search").fill("review");
  await expect(page.locator("tr[data-artifact]")).toHaveCount(2);
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Project").selectOption({ label: "api-server" });
  await expect(page.locator("tr[data-artifact]")).toHaveCount(2);
  await page.getByLabel("Project").selectOption("");
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
});

test("an artifact page shows every version side by side", async () => {
  await row("skill:pdf").getByRole("link").click();
  await expect(page).toHaveURL(/\/artifacts\/skill%3Apdf/);
  const versions = await api<{ upstream: { hash: string }; collection: { hash: string }; projects: { path: string; hash: string }[] }>(
    "/api/v1/artifacts/skill:pdf/versions",
  );
  const panel = page.getByRole("region", { name: "Versions" });
  await expect(panel.locator('tr[data-tier="upstream"]')).toContainText(versions.upstream.hash.slice(0, 8));
  await expect(panel.locator('tr[data-tier="collection"]')).toContainText(versions.collection.hash.slice(0, 8));
  const web = versions.projects.find((p) => p.path === demo.webApp);
  expect(web).toBeTruthy();
  await expect(panel.locator(`tr[data-project="${demo.webApp}"]`)).toContainText(web!.hash.slice(0, 8));
  await expect(panel.locator(`tr[data-project="${demo.webApp}"]`)).toContainText("local changes");
  await expect(panel.locator('tr[data-tier="upstream"]')).toContainText("Tighten changelog and review guidance");
  await shot("02-artifact-versions");
});

test("the diff between a project and the upstream, split and unified, with collapsed lines expanding", async () => {
  await page.getByLabel("Old version").selectOption("upstream");
  await page.getByLabel("New version").selectOption(`project:${demo.webApp}`);
  await expect(page).toHaveURL(/lhs=upstream&rhs=project/);
  const diff = page.locator(".diff");
  await expect(diff.locator(".dpair .k-added")).toContainText("4. Note any pages that failed to parse.");
  await expect(page.getByRole("navigation", { name: "Changed files" })).toContainText("SKILL.md");
  await expect(page.getByRole("navigation", { name: "Changed files" })).toContainText("+1");
  // Lines 1-9 were left out by the API and expand from the file's text.
  await page.getByRole("button", { name: "⋯ Show 9 unchanged lines" }).click();
  await expect(diff.locator(".dpair").first()).toContainText("---");
  await expect(diff.locator(".dpair").first().locator(".ln").first()).toHaveText("1");
  await shot("03-diff-split");
  await page.getByText("Unified", { exact: true }).click();
  await expect(page).toHaveURL(/view=unified/);
  await expect(diff.locator(".dline.k-added")).toContainText("4. Note any pages that failed to parse.");
  await shot("04-diff-unified");
  // Changed words: review.md's upstream edit against the collection.
  await page.goto(`${demo.base}/artifacts/command%3Areview?lhs=collection&rhs=upstream&view=split`);
  await expect(page.locator(".dcell-old.k-removed")).toContainText("Focus on correctness first, then tests.");
  const oldWords = (await page.locator(".dcell-old mark.w-changed").allTextContents()).join(" ");
  const newWords = (await page.locator(".dcell-new mark.w-changed").allTextContents()).join(" ");
  expect(oldWords).toContain("then");
  expect(oldWords).not.toContain("Focus");
  expect(newWords).toContain("security");
  expect(newWords).not.toContain("Focus");
  await shot("05-diff-changed-words");
});

test("a dry run previews a sync; the sync runs in the background and a toast reports it", async () => {
  await page.goto(`${demo.base}/artifacts/skill%3Achangelog`);
  await expect(page.getByRole("heading", { name: /changelog/ })).toBeVisible();
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:changelog" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Direction")).toHaveValue("upstream_to_collection");
  await expect(dialog.getByRole("button", { name: "Sync", exact: true })).toBeDisabled();
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = dialog.getByRole("region", { name: "Dry-run preview" });
  await expect(preview).toContainText("(success)");
  await expect(preview.locator('tr[data-outcome="updated"]')).toContainText("skill:changelog");
  await expect(preview).toContainText("SKILL.md");
  await shot("05-sync-dry-run");
  // The dry run wrote nothing.
  expect((await api<Status>("/api/v1/artifacts")).artifacts.find((a) => a.id === "skill:changelog")?.upstream?.status).toBe("behind");

  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(dialog).toBeHidden();
  // The page stays usable while the job runs and its toast shows.
  await page.getByText("Unified", { exact: true }).click();
  await expect(page).toHaveURL(/view=unified/);
  const toast = page.getByTestId("toast").filter({ hasText: "Sync skill:changelog" });
  await expect(toast).toContainText("finished");
  await page.getByText("Split", { exact: true }).click();
  await expect(page).toHaveURL(/view=split/);
  await expect(toast).toBeVisible();
  await expect(page.getByRole("region", { name: "Versions" }).locator('tr[data-tier="upstream"]')).toContainText("in sync");
  await shot("06-sync-toast");

  delays.push(await toastDelay("Sync skill:changelog"));
});

test("a destructive sync needs a second confirmation, and Undo restores the local changes", async () => {
  const skill = join(demo.webApp, ".claude/skills/pdf/SKILL.md");
  const local = readFileSync(skill, "utf8");
  expect(local).toContain("4. Note any pages");
  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await expect(dialog.getByLabel("Direction")).toHaveValue("collection_to_project");
  await dialog.getByLabel(/^Project/).selectOption(demo.webApp);
  await dialog.getByLabel("Strategy for skill:pdf").selectOption("theirs");
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(dialog.locator(".badge-destructive")).toBeVisible();
  await expect(dialog).toContainText("'theirs' replaces the local changes");
  await dialog.getByRole("button", { name: "Sync…" }).click();
  const confirm = dialog.getByRole("alertdialog", { name: "Confirm discarding changes" });
  await expect(confirm).toContainText("This sync discards changes");
  await shot("07-sync-destructive-confirm");
  // Nothing is written before the second confirmation.
  expect(readFileSync(skill, "utf8")).toBe(local);
  await confirm.getByRole("button", { name: "Yes, discard and sync" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:pdf" })).toContainText("finished");
  delays.push(await toastDelay("Sync skill:pdf"));
  await expect.poll(() => readFileSync(skill, "utf8")).not.toContain("4. Note any pages");
  await expect.poll(() => projectStatus("skill:pdf", demo.webApp)).toBe("in_sync");

  await page.getByRole("button", { name: "Undo…" }).click();
  const undo = page.getByRole("dialog", { name: "Undo the last write to skill:pdf" });
  // The newest write, the sync just made, is the one offered, with its difference.
  await expect(undo.getByRole("radio", { name: /project web-app/ })).toBeChecked();
  await expect(undo.getByTestId("undo-summary")).toContainText("sync collection → project");
  await undo.getByRole("button", { name: "Undo this write in project web-app" }).click();
  await expect(undo.getByRole("status")).toContainText("Undone");
  await shot("08-undo");
  await undo.getByRole("button", { name: "Close" }).first().click();
  expect(readFileSync(skill, "utf8")).toBe(local);
  await expect(page.getByRole("region", { name: "Versions" }).locator(`tr[data-project="${demo.webApp}"]`)).toContainText("local changes");
});

test("a conflict from an upstream sync is resolved per file; text with markers is refused", async () => {
  await page.goto(`${demo.base}/artifacts/command%3Areview`);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync command:review" });
  await dialog.getByLabel("Direction").selectOption("upstream_to_collection");
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = dialog.getByRole("region", { name: "Dry-run preview" });
  await expect(preview).toContainText("(conflict)");
  // A dry run stages nothing, so there is nothing to resolve yet.
  await expect(preview).toContainText("A real sync stages this conflict for you to resolve.");
  await expect(preview.getByRole("link", { name: "Resolve the conflict" })).toHaveCount(0);
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  const toast = page.getByTestId("toast").filter({ hasText: "ended with a conflict" });
  await expect(toast).toBeVisible();
  delays.push(await toastDelay("ended with a conflict"));
  await toast.getByRole("link", { name: "Resolve command:review" }).click();
  await expect(page).toHaveURL(/\/artifacts\/command%3Areview\/conflict/);

  const c = page.getByRole("dialog", { name: "Resolve the conflict in command:review" });
  const file = c.getByRole("region", { name: "File review.md" });
  await expect(file.getByLabel("Ours (collection): review.md")).toContainText("Focus on correctness first, then tests.");
  await expect(file.getByLabel("Theirs (upstream): review.md")).toContainText("Focus on correctness and security first.");
  await expect(c.getByRole("region", { name: "Unresolved files" })).toContainText("review.md");
  await file.getByText("Edit the merged text").click();
  const editor = file.getByRole("textbox", { name: /Merged text of review.md/ });
  await expect(editor).toHaveValue(/<<<<<<< ours/);
  await expect(file).toContainText("Still holds conflict markers");
  // Sent as is: the server refuses text with markers and says which file.
  await c.getByRole("button", { name: "Resolve", exact: true }).click();
  const refusal = c.locator(".server-refusal");
  await expect(refusal).toContainText("(422)");
  await expect(refusal).toContainText("review.md");
  await shot("09-conflict-refused");

  const merged = (await editor.inputValue())
    .replace(/<<<<<<< ours[^\n]*\n[\s\S]*?=======\n[\s\S]*?>>>>>>> theirs[^\n]*\n/, "Focus on correctness and security first, then tests.\n");
  await editor.fill(merged);
  await expect(c.getByRole("region", { name: "Unresolved files" })).toContainText("Every file has a resolution");
  await shot("10-conflict-edited");
  await c.getByRole("button", { name: "Resolve", exact: true }).click();
  await expect(c.getByRole("status")).toContainText("Resolved command:review: 1 file");
  // The staged merge is gone now; its reload is no error to show.
  await expect(c.getByRole("alert")).toHaveCount(0);
  await c.getByRole("button", { name: "Close" }).first().click();
  await expect(page).toHaveURL(`${demo.base}/artifacts/command%3Areview`);
  const collection = readFileSync(join(demo.home, "collections/default/commands/review.md"), "utf8");
  expect(collection).toContain("Focus on correctness and security first, then tests.");
  expect(collection).not.toContain("<<<<<<<");
  // The merge holds the upstream's change and the collection's own: the
  // conflict is gone and the collection is ahead of the upstream.
  await expect(page.getByRole("region", { name: "Versions" }).locator('tr[data-tier="upstream"]')).toContainText("local changes");
  await expect(page.locator(".conflict-banner")).toHaveCount(0);
});

test("a patch bundle of a project's changes downloads as a valid zip", async () => {
  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  await page.getByRole("button", { name: "Export patch…" }).click();
  const dialog = page.getByRole("dialog", { name: "Export a patch of skill:pdf" });
  await dialog.getByLabel(/^From project/).selectOption(demo.webApp);
  await dialog.getByRole("button", { name: "Export" }).click();
  const link = dialog.getByRole("link", { name: /^Download .*\.zip$/ });
  await expect(link).toBeVisible();
  // A file:// upstream has no hosting site to propose on.
  await expect(dialog).toContainText("not on GitHub");
  await shot("11-patch");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = join(demo.dir, "bundle.zip");
  await download.saveAs(file);
  const bytes = readFileSync(file);
  expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  const names = zipEntries(bytes);
  expect(names.some((n) => n.endsWith(".patch"))).toBe(true);
  if (existsSync("/usr/bin/unzip")) execFileSync("/usr/bin/unzip", ["-tq", file]);
  await dialog.getByRole("button", { name: "Close" }).last().click();
});

test("the jobs panel lists recent jobs with progress and duration; a job page shows results and log", async () => {
  await page.getByRole("button", { name: /^Jobs/ }).click();
  const panel = page.getByRole("region", { name: "Recent jobs" });
  await expect(panel.locator("li")).not.toHaveCount(0);
  await expect(panel).toContainText("Patch skill:pdf");
  await expect(panel.locator("progress").first()).toBeVisible();
  await expect(panel).toContainText(/\d+ ms|\d\.\d s/);
  await shot("12-jobs-panel");
  await panel.getByRole("link", { name: /Sync skill:changelog/ }).first().click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f]{32}$/);
  await expect(page.getByRole("heading", { name: /Sync skill:changelog/ })).toBeVisible();
  await expect(page.locator('tr[data-outcome="updated"]')).toContainText("skill:changelog");
  await expect(page.getByLabel("Job log")).toContainText("started sync upstream_to_collection");
  await shot("13-job-page");
  await page.goto(`${demo.base}/jobs?state=conflict`);
  await expect(page.locator("tbody tr")).not.toHaveCount(0);
  for (const badge of await page.locator("tbody .badge:not(.badge-dry)").all()) await expect(badge).toHaveText("conflict");
  // The conflicting dry run is marked as one.
  await expect(page.locator("tbody tr").filter({ hasText: "Dry run" }).locator(".badge-dry")).toHaveText("dry run");
});

test("dialogs are keyboard friendly: focus moves in, Tab stays inside, Escape closes and focus returns", async () => {
  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  const open = page.getByRole("button", { name: "Sync…" });
  await open.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Shift+Tab");
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  // Escape still closes it when the focused button is disabled and focus is lost.
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Preview (dry run)" }).focus();
  await page.evaluate(() => {
    const b = document.activeElement as HTMLButtonElement;
    b.disabled = true;
    b.blur();
  });
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  // The jobs panel closes on Escape with focus on its opener too.
  const jobs = page.getByRole("button", { name: /^Jobs/ });
  await jobs.click();
  await expect(page.getByRole("region", { name: "Recent jobs" })).toBeVisible();
  await expect(jobs).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("region", { name: "Recent jobs" })).toBeHidden();
  // "/" jumps to the search box on the list.
  await page.goto(`${demo.base}/`);
  await page.locator("body").press("/");
  await expect(page.getByLabel("Search")).toBeFocused();
});

test("narrow widths and the dark theme", async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${demo.base}/`);
  await expect(page.locator("tr[data-artifact]")).toHaveCount(4);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
  await shot("14-narrow-list");
  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  // Narrow screens default to the unified layout.
  await expect(page.locator(".diff")).toHaveAttribute("data-mode", "unified");
  await shot("15-narrow-artifact");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${demo.base}/artifacts/skill%3Apdf`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe("rgb(21, 24, 29)");
  await shot("16-dark-artifact");
  await page.emulateMedia({ colorScheme: "light" });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(255, 255, 255)");
});

test("when the event stream fails the UI polls, and a job's toast still comes", async () => {
  const polled = await page.context().newPage();
  try {
    await polled.route("**/api/v1/events*", (route) => route.abort());
    await polled.goto(`${demo.base}/artifacts/skill%3Achangelog`);
    await expect(polled.locator(".live")).toContainText("polling");
    expect(await projectStatus("skill:changelog", demo.webApp)).toBe("behind");
    await polled.getByRole("button", { name: "Sync…" }).click();
    const dialog = polled.getByRole("dialog", { name: "Sync skill:changelog" });
    await dialog.getByLabel("Direction").selectOption("collection_to_project");
    await dialog.getByLabel(/^Project/).selectOption(demo.webApp);
    await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
    await expect(dialog.getByRole("region", { name: "Dry-run preview" })).toContainText("(success)");
    await dialog.getByRole("button", { name: "Sync", exact: true }).click();
    await expect(polled.getByTestId("toast").filter({ hasText: "Sync skill:changelog" })).toContainText("finished");
    await expect(polled.getByRole("region", { name: "Versions" }).locator(`tr[data-project="${demo.webApp}"]`)).toContainText("in sync");
    expect(await projectStatus("skill:changelog", demo.webApp)).toBe("in_sync");
  } finally {
    await polled.close();
  }
});

test("without a session the UI explains how to get a new login link", async ({ browser }) => {
  const fresh = await browser.newPage();
  try {
    await fresh.goto(`${demo.base}/artifacts/skill%3Apdf`);
    // Never logged in: it says how to log in, not that a session ended.
    const view = fresh.getByRole("alert").filter({ hasText: "Log in to artisync" });
    await expect(view).toBeVisible();
    await expect(view).toContainText("artisync serve");
    await fresh.screenshot({ path: join(SHOTS, "17-login-expired.png"), fullPage: true });
    // A used login link does not work twice.
    const again = await fresh.goto(demo.loginUrl);
    expect(again?.status()).toBe(401);
  } finally {
    await fresh.close();
  }
  writeFileSync(join(SHOTS, "README.txt"), "Screenshots of the web UI taken by web/e2e (scripts/test-web).\n");
  writeFileSync(join(SHOTS, "..", "toast-delays.json"), JSON.stringify(delays, null, 2) + "\n");
});
