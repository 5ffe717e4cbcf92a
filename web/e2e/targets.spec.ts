// A project in two targets: the demo's api-server is read by Claude Code
// (.claude/) and by the agents that share .agents/, so it holds two copies
// of skill:pdf, each with its own status. Here the agents copy is edited by
// hand: the list, the fleet and the artifact page show that copy ahead and
// the claude one in sync, each named by its target; its diff shows the
// edit, a link reopens the same copy, and syncing it into the collection
// sends its target. Registering a project picks its targets.
import { expect, test, type Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, startDemo, type Demo } from "./server";

let demo: Demo | undefined;

test.afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const EDIT = "5. Say which agent read the file.";
const row = (page: Page, id: string) => page.locator(`tr[data-artifact="${id}"]`);
const cell = (page: Page, id: string, place: string) => row(page, id).locator(`td[data-cell="${place}"]`);

interface Copy {
  path: string;
  target?: string;
  status: string;
}

async function copies(page: Page, id: string): Promise<Copy[]> {
  const r = await page.request.get(`${demo!.base}/api/v1/artifacts/${id}`, { headers: { Authorization: `Bearer ${demo!.token}` } });
  expect(r.status()).toBe(200);
  const body = (await r.json()) as { status: { projects: Copy[] } };
  return body.status.projects.filter((p) => p.path === demo!.apiServer);
}

function startWithAgentsEdit(): Promise<Demo> {
  return startDemo(({ dir }) => {
    const api = join(dir, "projects", "api-server");
    appendFileSync(join(api, ".agents/skills/pdf/SKILL.md"), `${EDIT}\n`);
    // Something written by hand into the agents layout, unknown to artisync.
    mkdirSync(join(api, ".agents/skills/notes"), { recursive: true });
    writeFileSync(join(api, ".agents/skills/notes/SKILL.md"), "---\nname: notes\ndescription: Notes for this repo\n---\n# Notes\n");
  });
}

test("a project's two copies are shown apart, each with its status and target", async ({ page }) => {
  demo = await startWithAgentsEdit();
  // The demo registered api-server with both targets, as `project list` says.
  const list = spawnSync(BIN, ["project", "list", "--json"], { env: { ...process.env, ARTISYNC_HOME: demo.home }, encoding: "utf8" });
  expect(list.status, list.stderr).toBe(0);
  expect(list.stdout).toContain('"agents"');

  await page.goto(demo.loginUrl);
  const pdf = row(page, "skill:pdf");
  const claudeCopy = pdf.locator('li[data-target="claude"]', { hasText: "api-server" });
  const agentsCopy = pdf.locator('li[data-target="agents"]');
  await expect(claudeCopy).toHaveText(/^api-server\s+✓ in sync$/);
  await expect(agentsCopy).toHaveText(/^api-server · agents\s+↑ local changes$/);
  // A command has no place in the agents layout: only its claude copy is listed.
  await expect(row(page, "command:review").locator('li[data-target="agents"]')).toHaveCount(0);
  // The untracked skill found in the agents layout names that copy.
  await page.getByText("Untracked in projects (2)").click();
  await expect(page.locator('li[data-untracked="skill:notes"]')).toContainText("skill:notes in api-server · agents");
  // The projects list shows each project's targets.
  await page.getByText(/^Registered projects/).click();
  const projects = page.locator(".projects-list table");
  await expect(projects.locator(`tr[data-project="${demo.apiServer}"] li`)).toHaveText(["claude .claude/", "agents .agents/"]);
  await expect(projects.locator(`tr[data-project="${demo.webApp}"] li`)).toHaveText(["claude .claude/"]);

  await page.goto(`${demo.base}/fleet`);
  await expect(page.locator("table.fleet thead th")).toHaveCount(8);
  const headers = (await page.locator("table.fleet thead th").allInnerTexts()).map((h) => h.replace(/[▲▼]/g, "").trim());
  expect(headers.slice(5)).toEqual(["api-server", "api-server · agents", "web-app"]);
  await expect(cell(page, "skill:pdf", "api-server")).toContainText("in sync");
  await expect(cell(page, "skill:pdf", "api-server · agents")).toContainText("local changes");
  await expect(cell(page, "command:review", "api-server · agents")).toHaveText("—");
  // Sorting by the agents column puts its copy with local changes first.
  await page.locator("table.fleet thead th", { hasText: "api-server · agents" }).getByRole("button").click();
  await expect(page.locator("table.fleet thead th", { hasText: "api-server · agents" })).toHaveAttribute("aria-sort", "ascending");
  await expect(page.locator("table.fleet tbody tr").first()).toHaveAttribute("data-artifact", "skill:pdf");
  await expect(page.locator("table.fleet thead th", { hasText: /^api-server$/ })).toHaveAttribute("aria-sort", "none");
  expect(await copies(page, "skill:pdf")).toEqual([
    expect.objectContaining({ status: "in_sync" }),
    expect.objectContaining({ target: "agents", status: "ahead" }),
  ]);

  // The agents cell opens that copy's diff, with the target in the URL.
  const diffRequest = page.waitForRequest((r) => r.url().includes("/diff?") && r.url().includes("target=agents"));
  await cell(page, "skill:pdf", "api-server · agents").getByRole("link").click();
  await expect(page).toHaveURL(/\/artifacts\/skill%3Apdf\?.*target=agents/);
  await diffRequest;
  const panel = page.getByRole("region", { name: "Versions" });
  await expect(panel.locator(`tr[data-project="${demo.apiServer}"][data-target="agents"]`)).toContainText("local changes");
  await expect(panel.locator(`tr[data-project="${demo.apiServer}"][data-target="agents"] th`)).toHaveText("project · agents");
  await expect(panel.locator(`tr[data-project="${demo.apiServer}"][data-target="claude"]`)).toContainText("in sync");
  await expect(page.getByLabel("New version")).toHaveValue(`project:agents:${demo.apiServer}`);
  const diff = page.locator(".diff");
  await expect(diff.locator(".dpair .k-added")).toContainText(EDIT);
  await expect(diff.locator(".pane-head[data-side=new]")).toHaveText("+ project api-server · agents");

  // A reload reopens the same copy.
  await page.reload();
  await expect(page.getByLabel("New version")).toHaveValue(`project:agents:${demo.apiServer}`);
  await expect(diff.locator(".dpair .k-added")).toContainText(EDIT);

  // The claude copy of the same project is in sync: its diff is empty.
  await page.getByLabel("New version").selectOption({ label: "project api-server" });
  await expect(page).not.toHaveURL(/target=/);
  await expect(page.getByLabel("New version")).toHaveValue(`project:${demo.apiServer}`);
  await expect(page.locator(".diff-section p.muted").first()).toContainText("· 0 files, +0 −0");
});

test("syncing the agents copy into the collection reads that copy only", async ({ page }) => {
  demo = await startWithAgentsEdit();
  await page.goto(demo.loginUrl);
  await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.apiServer)}&target=agents`);
  await expect(page.locator(".diff .dpair .k-added")).toContainText(EDIT);

  // A patch of the agents copy's change is exported from that copy.
  await page.getByRole("button", { name: "Export patch…" }).click();
  const patch = page.getByRole("dialog", { name: "Export a patch of skill:pdf" });
  await expect(patch.getByLabel(/^From project/)).toHaveValue(demo.apiServer);
  await expect(patch.getByLabel("Target")).toHaveValue("agents");
  const sentPatch = page.waitForRequest((r) => r.url().endsWith("/api/v1/sync/patch") && r.method() === "POST");
  await patch.getByRole("button", { name: "Export" }).click();
  expect((await sentPatch).postDataJSON()).toMatchObject({ artifact: "skill:pdf", project_path: demo.apiServer, target: "agents" });
  await expect(patch.getByRole("link", { name: /^Download / })).toBeVisible();
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await dialog.getByLabel("Direction").selectOption("project_to_collection");
  await expect(dialog.getByLabel(/^Project/)).toHaveValue(demo.apiServer);
  await expect(dialog.getByLabel("Target")).toHaveValue("agents");
  const preview = page.waitForRequest((r) => r.url().endsWith("/api/v1/sync/jobs") && r.method() === "POST");
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  expect((await preview).postDataJSON()).toMatchObject({ direction: "project_to_collection", project_path: demo.apiServer, target: "agents", dry_run: true });
  await expect(dialog.getByRole("region", { name: "Dry-run preview" })).toContainText("(success)");
  await expect(dialog.getByRole("region", { name: "Dry-run preview" }).locator("tbody tr")).toContainText("updated");

  const real = page.waitForRequest((r) => r.url().endsWith("/api/v1/sync/jobs") && r.method() === "POST");
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  expect((await real).postDataJSON()).toMatchObject({ target: "agents", dry_run: false });
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:pdf" })).toContainText("finished");

  // The collection took the agents copy's edit: that copy is in sync now,
  // and the claude copy, which lacks the edit, lags the collection.
  const collection = join(demo.home, "collections", "default", "skills", "pdf", "SKILL.md");
  await expect.poll(() => readFileSync(collection, "utf8")).toContain(EDIT);
  await expect
    .poll(async () => (await copies(page, "skill:pdf")).map((c) => `${c.target ?? "claude"} ${c.status}`))
    .toEqual(["claude behind", "agents in_sync"]);
  const panel = page.getByRole("region", { name: "Versions" });
  await expect(panel.locator(`tr[data-project="${demo.apiServer}"][data-target="agents"]`)).toContainText("in sync");
  await expect(panel.locator(`tr[data-project="${demo.apiServer}"][data-target="claude"]`)).toContainText("update available");
});

test("registering a project picks its targets, at least one", async ({ page }) => {
  demo = await startDemo();
  const fresh = join(demo.dir, "projects", "tools");
  mkdirSync(fresh);
  await page.goto(demo.loginUrl);
  await page.getByRole("button", { name: "Register a project…" }).click();
  const dialog = page.getByRole("dialog", { name: "Register a project" });
  await dialog.getByLabel(/Project folder/).fill(fresh);
  const targets = dialog.getByRole("group", { name: "Targets" });
  await expect(targets.getByRole("checkbox", { name: /^claude/ })).toBeChecked();
  await expect(targets.getByRole("checkbox", { name: /^agents/ })).not.toBeChecked();
  // None chosen: nothing to register.
  await targets.getByRole("checkbox", { name: /^claude/ }).uncheck();
  await expect(dialog.getByRole("button", { name: "Register" })).toBeDisabled();
  await expect(targets).toContainText("Pick at least one target.");
  await targets.getByRole("checkbox", { name: /^codex/ }).check();
  await targets.getByRole("checkbox", { name: /^agents/ }).check();
  const sent = page.waitForRequest((r) => r.url().endsWith("/api/v1/projects") && r.method() === "POST");
  await dialog.getByRole("button", { name: "Register" }).click();
  expect((await sent).postDataJSON()).toEqual({ path: fresh, targets: ["agents", "codex"] });
  await expect(dialog.getByRole("status")).toContainText(`Registered: ${fresh}, targets agents, codex.`);
  await dialog.getByRole("button", { name: "Close" }).first().click();

  await page.getByText(/^Registered projects/).click();
  await expect(page.locator(".projects-list table").locator(`tr[data-project="${fresh}"] li`)).toHaveText([
    "agents .agents/",
    "codex .codex/",
  ]);
  // Deploying into every target of the new project fills both layouts.
  await row(page, "skill:changelog").getByRole("checkbox").check();
  await page.getByRole("button", { name: "Sync selected (1)…" }).click();
  const sync = page.getByRole("dialog", { name: "Sync skill:changelog" });
  await sync.getByLabel("Direction").selectOption("collection_to_project");
  await sync.getByLabel(/^Project/).selectOption(fresh);
  await expect(sync.getByLabel("Target")).toHaveValue("");
  await sync.getByRole("button", { name: "Preview (dry run)" }).click();
  const rows = sync.getByRole("region", { name: "Dry-run preview" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("agents");
  await expect(rows.nth(1)).toContainText("codex");
  await sync.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Sync skill:changelog" })).toContainText("finished");
  await expect.poll(() => readFileSync(join(fresh, ".codex/skills/changelog/SKILL.md"), "utf8")).toContain("Changelog");
  await page.goto(`${demo.base}/fleet`);
  await expect(cell(page, "skill:changelog", "tools · agents")).toContainText("in sync");
  await expect(cell(page, "skill:changelog", "tools · codex")).toContainText("in sync");

  // Undo offers each copy as its own place and reverts only the one chosen.
  await cell(page, "skill:changelog", "tools · agents").getByRole("link").click();
  await page.getByRole("button", { name: "Undo…" }).click();
  const undo = page.getByRole("dialog", { name: "Undo the last write to skill:changelog" });
  const agentsPlace = undo.getByRole("radio", { name: /^project tools · agents — / });
  await expect(agentsPlace).toBeEnabled();
  await expect(undo.getByRole("radio", { name: /^project tools · codex — / })).toBeEnabled();
  await agentsPlace.check();
  const sentUndo = page.waitForRequest((req) => req.url().endsWith("/api/v1/undo") && req.method() === "POST");
  await undo.getByRole("button", { name: "Undo this write in project tools · agents" }).click();
  expect((await sentUndo).postDataJSON()).toMatchObject({ artifact: "skill:changelog", project_path: fresh, target: "agents" });
  await expect(undo.getByRole("status")).toContainText("Undone");
  expect(existsSync(join(fresh, ".agents/skills/changelog"))).toBe(false);
  expect(existsSync(join(fresh, ".codex/skills/changelog/SKILL.md"))).toBe(true);
});

test("a conflict in the agents copy is staged, linked and resolved in that copy", async ({ page }) => {
  demo = await startDemo(({ dir, home }) => {
    const api = join(dir, "projects", "api-server");
    const env = { ...process.env, ARTISYNC_HOME: home };
    const edit = (file: string, to: string) => writeFileSync(file, readFileSync(file, "utf8").replace("2. Extract the text.", to));
    // The claude copy's edit reaches the collection...
    edit(join(api, ".claude/skills/pdf/SKILL.md"), "2. Extract the text with OCR.");
    const r = spawnSync(BIN, ["sync", "skill:pdf", "--direction", "project_to_collection", "--project", api, "--target", "claude", "-q"], { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    // ...while the agents copy changed the same line its own way.
    edit(join(api, ".agents/skills/pdf/SKILL.md"), "2. Extract the text, page by page.");
  });
  await page.goto(demo.loginUrl);
  await expect(row(page, "skill:pdf").locator('li[data-target="agents"]')).toContainText("diverged");
  await expect(row(page, "skill:pdf").locator('li[data-target="claude"]', { hasText: "api-server" })).toContainText("in sync");

  await page.goto(`${demo.base}/artifacts/skill%3Apdf?lhs=collection&rhs=project&project=${encodeURIComponent(demo.apiServer)}&target=agents`);
  await page.getByRole("button", { name: "Sync…" }).click();
  const dialog = page.getByRole("dialog", { name: "Sync skill:pdf" });
  await expect(dialog.getByLabel("Direction")).toHaveValue("collection_to_project");
  await expect(dialog.getByLabel("Target")).toHaveValue("agents");
  await dialog.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(dialog.getByRole("region", { name: "Dry-run preview" }).locator("tbody tr")).toContainText("conflict");
  await dialog.getByRole("button", { name: "Sync", exact: true }).click();
  const toast = page.getByTestId("toast").filter({ hasText: "ended with a conflict" });
  const resolveLink = toast.getByRole("link", { name: "Resolve skill:pdf" });
  await expect(resolveLink).toHaveAttribute("href", `/artifacts/skill%3Apdf/conflict?project=${encodeURIComponent(demo.apiServer)}&target=agents`);
  await expect(page.locator(".conflict-banner")).toContainText("Resolve in project api-server · agents");

  await resolveLink.click();
  const conflict = page.getByRole("dialog", { name: "Resolve the conflict in skill:pdf" });
  await expect(conflict).toContainText("“Ours” is the project api-server · agents as it is now");
  const skill = conflict.getByRole("region", { name: "File SKILL.md" });
  const keep = "Keep ours (project api-server · agents), whole file";
  await skill.getByText(keep, { exact: true }).click();
  await expect(skill.getByRole("radio", { name: keep, exact: true })).toBeChecked();
  const sent = page.waitForRequest((req) => req.url().endsWith("/api/v1/sync/resolve"));
  await conflict.getByRole("button", { name: "Resolve", exact: true }).click();
  expect((await sent).postDataJSON()).toMatchObject({ artifact: "skill:pdf", project_path: demo.apiServer, target: "agents" });
  await expect(conflict.getByRole("status")).toContainText("Resolved skill:pdf");
  // The agents copy kept its own line; the claude copy was never touched.
  expect(readFileSync(join(demo.apiServer, ".agents/skills/pdf/SKILL.md"), "utf8")).toContain("page by page");
  expect(readFileSync(join(demo.apiServer, ".claude/skills/pdf/SKILL.md"), "utf8")).toContain("with OCR");
  await expect.poll(async () => (await copies(page, "skill:pdf")).map((c) => `${c.target ?? "claude"} ${c.status === "conflict" ? "conflict" : "resolved"}`)).toEqual([
    "claude resolved",
    "agents resolved",
  ]);
});
