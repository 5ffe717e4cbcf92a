// The conflict view on a real staged merge: a sync from the collection into
// project web-app that conflicts in three ways at once (the same lines of
// SKILL.md edited on both sides, a binary file changed on both, a script
// deleted in the project and edited in the collection). The view shows base,
// ours and theirs with each side's changes marked, resolves SKILL.md hunk by
// hunk (keeping the change that merged cleanly), flags marker lines in the
// editor, has its own URL, and its sticky toast covers nothing.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, SHOTS, startDemo, type Demo } from "./server";

test.describe.configure({ mode: "serial" });

let demo: Demo;
let page: Page;

const BASE = [
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
  "3. Summarise the tables.",
];
// Ours, the project: lines 3 and 10 changed, a line added at the end.
const OURS = BASE.map((l) =>
  l.startsWith("description:") ? "description: Extract text, tables and images from PDF files" : l === "1. Check the file opens." ? "1. Check the file opens and is not encrypted." : l,
).concat("4. Note any pages that failed to parse.");
// Theirs, the collection: lines 3 and 10 changed differently, line 7 changed (no conflict).
const THEIRS = BASE.map((l) =>
  l.startsWith("description:")
    ? "description: Pull text and tables out of PDF files"
    : l.startsWith("Use `scripts")
      ? "Run `scripts/extract.py FILE` to pull text out of a PDF."
      : l === "1. Check the file opens."
        ? "1. Check that the file opens."
        : l,
);
const text = (lines: string[]) => lines.join("\n") + "\n";
const EXTRACT_THEIRS = "#!/usr/bin/env python3\nimport sys\n\n# Print the first bytes.\nprint(open(sys.argv[1], 'rb').read()[:100])\n";
const LOGO_OURS = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0x02]);
const LOGO_THEIRS = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x03, 0xfe, 0x04]);

async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test.beforeAll(async ({ browser }) => {
  demo = await startDemo(({ dir, home, webApp }) => {
    const env = { ...process.env, ARTISYNC_HOME: home };
    const sync = (...args: string[]) => execFileSync(BIN, ["sync", "skill:pdf", ...args, "-q"], { env });
    const apiServer = join(dir, "projects", "api-server");
    const theirs = join(apiServer, ".claude/skills/pdf");
    const ours = join(webApp, ".claude/skills/pdf");
    // A binary file reaches the collection and both projects first, so it has a base.
    mkdirSync(join(theirs, "assets"), { recursive: true });
    writeFileSync(join(theirs, "assets/logo.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]));
    sync("--direction", "project_to_collection", "--project", apiServer, "--strategy", "theirs", "--yes");
    sync("--direction", "collection_to_project", "--project", webApp);
    // Then api-server's edits become the collection's...
    writeFileSync(join(theirs, "SKILL.md"), text(THEIRS));
    writeFileSync(join(theirs, "scripts/extract.py"), EXTRACT_THEIRS);
    writeFileSync(join(theirs, "assets/logo.bin"), LOGO_THEIRS);
    sync("--direction", "project_to_collection", "--project", apiServer, "--strategy", "theirs", "--yes");
    // ...while web-app makes its own.
    writeFileSync(join(ours, "SKILL.md"), text(OURS));
    rmSync(join(ours, "scripts/extract.py"));
    writeFileSync(join(ours, "assets/logo.bin"), LOGO_OURS);
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 600 } });
  page = await context.newPage();
  await page.goto(demo.loginUrl);
});

test.afterAll(async () => {
  await page?.context().close();
  await demo?.stop();
});

/** Chooses a segmented option the way a person does, by its label (the radio itself is drawn by the label). */
async function pick(scope: Locator, name: string) {
  await scope.getByText(name, { exact: true }).click();
  await expect(scope.getByRole("radio", { name, exact: true })).toBeChecked();
}

const conflictUrl = () => `/artifacts/skill%3Apdf/conflict?project=${encodeURIComponent(demo.webApp)}`;

test("a conflict toast stays until dismissed without covering the diff, and links to the conflict's URL", async () => {
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.webApp)}`);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await dialog.getByLabel("Direction").selectOption("collection_to_project");
  await dialog.getByLabel(/^Project/).selectOption(demo.webApp);
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(dialog.getByRole("region", { name: "Dry-run preview" })).toContainText("(conflict)");
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  const toast = page.getByTestId("toast").filter({ hasText: "ended with a conflict" });
  await expect(toast).toBeVisible();
  await expect(dialog).toHaveCount(0);

  // The toast takes its own room above the page: nothing of the page lies under it.
  const tb = await toast.boundingBox();
  const mb = await page.locator("main").boundingBox();
  expect(tb && mb && tb.y + tb.height <= mb.y + 0.5, `toast ${JSON.stringify(tb)} over main ${JSON.stringify(mb)}`).toBe(true);

  // Scrolled to the end, the last diff row and the bottom-right corner of
  // the window are the page's, and take a click (no force: Playwright
  // refuses a click on anything covered).
  await expect(page.locator(".diff .drow").first()).toBeVisible();
  const lastRow = page.locator(".diff .drow").last();
  await lastRow.evaluate((el) => el.scrollIntoView({ block: "end" }));
  const rb = await lastRow.boundingBox();
  expect(rb).not.toBeNull();
  await lastRow.click({ position: { x: (rb?.width ?? 20) - 8, y: (rb?.height ?? 10) / 2 }, timeout: 3000 });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const corner = await page.evaluate(() => {
    const el = document.elementFromPoint(window.innerWidth - 24, window.innerHeight - 12);
    return el?.closest("[data-testid=toast]") ? "toast" : el?.tagName ?? "nothing";
  });
  expect(corner).not.toBe("toast");
  const viewButtons = page.locator("main button:visible");
  const lastButton = viewButtons.last();
  await lastButton.scrollIntoViewIfNeeded();
  await lastButton.click({ trial: true, timeout: 3000 });
  await shot("40-conflict-toast-docked");

  // Still there a while later: a conflict waits for the person.
  await page.waitForTimeout(1500);
  await expect(toast).toBeVisible();
  await toast.getByRole("link", { name: "Resolve skill:pdf" }).click();
  await expect(page).toHaveURL(demo.base + conflictUrl());
  await expect(page.getByRole("dialog", { name: "Resolve the conflict in skill:pdf" })).toBeVisible();
});

test("the conflict view shows base, ours and theirs with each side's changes marked, and says when a side is deleted or binary", async () => {
  // Its own URL: a fresh load opens it.
  await page.goto(demo.base + conflictUrl());
  const c = page.getByRole("dialog", { name: "Resolve the conflict in skill:pdf" });
  await expect(c).toContainText("“Ours” is the project web-app as it is now");
  const skill = c.getByRole("region", { name: "File SKILL.md" });
  const base = skill.getByLabel("Base (last synced): SKILL.md");
  const ours = skill.getByLabel("Ours (project web-app): SKILL.md");
  const theirs = skill.getByLabel("Theirs (collection): SKILL.md");
  await expect(base).toContainText("description: Extract text and tables from PDF files");
  await expect(ours).toContainText("Extract text, tables and images");
  await expect(theirs).toContainText("Pull text and tables out of PDF files");
  // Marked in words too, not only in colour.
  await expect(base.locator(".cl-both")).toHaveText(["changed by both sides: description: Extract text and tables from PDF files", "changed by both sides: 1. Check the file opens."]);
  await expect(base.locator(".cl-del")).toHaveText(["changed by theirs: Use `scripts/extract.py FILE` to pull text out of a PDF."]);
  await expect(ours.locator(".cl-add")).toHaveText([
    "changed: description: Extract text, tables and images from PDF files",
    "changed: 1. Check the file opens and is not encrypted.",
    "changed: 4. Note any pages that failed to parse.",
  ]);
  await expect(theirs.locator(".cl-add")).toHaveCount(3);

  const script = c.getByRole("region", { name: "File scripts/extract.py" });
  await expect(script).toContainText("Ours (the project web-app) deleted this file; theirs (the collection) changed it.");
  await expect(script.getByLabel("Ours (project web-app): scripts/extract.py")).toHaveText("(deleted in ours, the project web-app)");
  await expect(script.getByLabel("Theirs (collection): scripts/extract.py")).toContainText("# Print the first bytes.");
  await expect(script.getByRole("radio", { name: "Keep ours (project web-app): deleted" })).toBeVisible();

  const logo = c.getByRole("region", { name: "File assets/logo.bin" });
  await expect(logo).toContainText("Binary file: its versions cannot be shown or merged here.");
  await expect(logo.locator("pre")).toHaveCount(0);
  await expect(logo.getByRole("radio", { name: "Edit the merged text" })).toHaveCount(0);

  const unresolved = c.getByRole("region", { name: "Unresolved files" });
  await expect(unresolved.locator("li")).toHaveCount(3);
  await shot("41-conflict-three-way");
  // The deleted and binary cases pass the accessibility check too.
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
});

test("SKILL.md resolves hunk by hunk with a live result; markers left are listed by line; the server gets exactly that text", async () => {
  const c = page.getByRole("dialog", { name: "Resolve the conflict in skill:pdf" });
  const skill = c.getByRole("region", { name: "File SKILL.md" });
  await expect(skill.getByRole("radio", { name: "Choose hunk by hunk" })).toBeChecked();
  const hunks = skill.getByRole("list", { name: "Conflicting hunks of SKILL.md" }).locator("> li");
  await expect(hunks).toHaveCount(2);
  const result = skill.getByLabel("Result: SKILL.md");
  await expect(result).toContainText("<<<<<<< ours");
  await expect(skill).toContainText("2 of 2 hunks still to choose; they keep their markers.");

  const choose = (i: number, name: string) => pick(skill.getByRole("radiogroup", { name: `Choice for hunk ${i} of SKILL.md` }), name);
  // Ours in every hunk still keeps theirs' change that merged cleanly (line 7).
  await choose(1, "Ours");
  await choose(2, "Ours");
  await expect(result).not.toContainText("<<<<<<<");
  await expect(result).toContainText("Run `scripts/extract.py FILE`");
  await expect(result).toContainText("description: Extract text, tables and images from PDF files");
  // Both, ours first.
  await choose(2, "Both, ours first");
  await expect(result).toContainText("1. Check the file opens and is not encrypted. 1. Check that the file opens.");
  await choose(1, "Theirs");
  await choose(2, "Ours");
  const want = text(
    THEIRS.slice(0, 9)
      .concat(OURS.slice(9, 10))
      .concat(BASE.slice(10))
      .concat("4. Note any pages that failed to parse."),
  );
  expect(want).toContain("description: Pull text and tables out of PDF files\n");

  // The editor starts from that result; with a hunk undone it lists the marker lines.
  await pick(skill, "Edit the merged text");
  const editor = skill.getByRole("textbox", { name: /Merged text of SKILL.md/ });
  await expect(editor).toHaveValue(want);
  const withMarkers = want.replace("1. Check the file opens and is not encrypted.\n", "<<<<<<< ours\n1. Check the file opens and is not encrypted.\n=======\n1. Check that the file opens.\n>>>>>>> theirs\n");
  await editor.fill(withMarkers);
  const markers = skill.getByRole("list", { name: "Conflict markers left in SKILL.md" });
  const first = withMarkers.split("\n").indexOf("<<<<<<< ours") + 1;
  await expect(markers.locator("li")).toHaveText([`line ${first}: <<<<<<<`, `line ${first + 2}: =======`, `line ${first + 4}: >>>>>>>`]);
  await expect(skill).toContainText("Still holds conflict markers on 3 lines");
  // A marker's entry selects its line in the editor.
  await markers.getByRole("button", { name: `line ${first + 2}: =======` }).click();
  await expect(editor).toBeFocused();
  const sel = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
  expect(sel).toBe("=======");
  // The Resolve button says why the server will refuse.
  const submit = c.getByRole("button", { name: "Resolve", exact: true });
  await expect(submit).toHaveAccessibleDescription(/The server will refuse this resolution while SKILL.md still holds conflict markers \(lines \d+, \d+, \d+\)/);
  await expect(submit).toHaveAccessibleDescription(/scripts\/extract.py has no resolution yet/);
  await shot("42-conflict-editor-markers");
  await submit.click();
  const refusal = c.locator(".server-refusal");
  await expect(refusal).toContainText("(422)");
  await expect(refusal).toContainText("SKILL.md still holds conflict markers");

  // Back to the hunk choices, which were kept.
  await pick(skill, "Choose hunk by hunk");
  await expect(result).not.toContainText("<<<<<<<");
  await pick(c.getByRole("region", { name: "File scripts/extract.py" }), "Take theirs (collection), whole file");
  await pick(c.getByRole("region", { name: "File assets/logo.bin" }), "Keep ours (project web-app), whole file");
  await expect(c.getByRole("region", { name: "Unresolved files" })).toContainText("Every file has a resolution");
  await expect(submit).not.toHaveAttribute("aria-describedby");

  const sent = page.waitForRequest((r) => r.url().endsWith("/api/v1/sync/resolve") && r.method() === "POST");
  await submit.click();
  const body = (await sent).postDataJSON() as { files: Record<string, unknown>; project_path: string };
  expect(body.project_path).toBe(demo.webApp);
  expect(body.files).toEqual({ "SKILL.md": { edited: want }, "scripts/extract.py": "theirs", "assets/logo.bin": "ours" });
  await expect(c.getByRole("status")).toContainText("Resolved skill:pdf: 3 files");
  await shot("43-conflict-resolved");

  const dir = join(demo.webApp, ".claude/skills/pdf");
  expect(readFileSync(join(dir, "SKILL.md"), "utf8")).toBe(want);
  expect(readFileSync(join(dir, "scripts/extract.py"), "utf8")).toBe(EXTRACT_THEIRS);
  expect(readFileSync(join(dir, "assets/logo.bin")).equals(LOGO_OURS)).toBe(true);
  expect(existsSync(join(dir, "scripts/extract.py"))).toBe(true);
});
