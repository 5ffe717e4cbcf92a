//! `artisync demo`: builds a small, realistic home in a fresh directory (an
//! upstream repository with history, a collection imported from it, two
//! projects, one of them in two targets) with real drift, then shows its status. Everything is made
//! through the same engine calls the commands use.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use artisync_model::{ArtifactId, Target};
use artisync_store::{repo, Home};
use artisync_sync::{AddRequest, Engine};

use crate::error::CliError;
use crate::output::{self, Out};

const PDF_SKILL: &str = "---\nname: pdf\ndescription: Extract text and tables from PDF files\n---\n# PDF\n\nUse `scripts/extract.py FILE` to pull text out of a PDF.\n\n## Steps\n1. Check the file opens.\n2. Extract the text.\n3. Summarise the tables.\n";
const EXTRACT_PY: &str =
    "#!/usr/bin/env python3\nimport sys\n\nprint(open(sys.argv[1], 'rb').read()[:100])\n";
const CHANGELOG_SKILL: &str = "---\nname: changelog\ndescription: Write a changelog entry from the commits since the last tag\n---\n# Changelog\n\n- Group commits by type.\n- One line per change.\n";
const REVIEW_CMD: &str = "---\ndescription: Review the current diff\n---\nReview the staged changes.\nFocus on correctness first.\nKeep comments short.\n";
const REVIEWER_AGENT: &str = "---\nname: reviewer\ndescription: A careful code reviewer\n---\nYou review code for bugs, then for clarity.\n";

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p)?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn edit(path: &Path, from: &str, to: &str) -> anyhow::Result<()> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    write(path, &text.replacen(from, to, 1))
}

fn id(s: &str) -> anyhow::Result<ArtifactId> {
    s.parse().with_context(|| format!("parsing {s}"))
}

/// Builds the demo under `dir` and returns its data home.
pub fn build(dir: &Path) -> anyhow::Result<PathBuf> {
    let up = dir.join("upstream");
    let upstream = repo::init(&up)?;
    write(&up.join("README.md"), "# Team skills\n")?;
    write(&up.join("skills/pdf/SKILL.md"), PDF_SKILL)?;
    write(&up.join("skills/pdf/scripts/extract.py"), EXTRACT_PY)?;
    fs::set_permissions(
        up.join("skills/pdf/scripts/extract.py"),
        fs::Permissions::from_mode(0o755),
    )?;
    write(&up.join("skills/changelog/SKILL.md"), CHANGELOG_SKILL)?;
    write(&up.join("commands/review.md"), REVIEW_CMD)?;
    write(&up.join("agents/reviewer.md"), REVIEWER_AGENT)?;
    repo::commit_all(&upstream, "Initial skills, commands and agents")?;

    let home_dir = dir.join("home");
    fs::create_dir_all(&home_dir)?;
    let engine = Engine::new(Home::at(&home_dir), "default");
    engine.init(None)?;
    let root = up.display().to_string();
    engine.add(&AddRequest {
        spec: root.clone(),
        all: true,
        ..AddRequest::default()
    })?;

    let web = dir.join("projects/web-app");
    let api = dir.join("projects/api-server");
    fs::create_dir_all(&web)?;
    fs::create_dir_all(&api)?;
    let all = [
        id("skill:pdf")?,
        id("skill:changelog")?,
        id("command:review")?,
        id("agent:reviewer")?,
    ];
    engine.deploy(&all, &web, None)?;
    // api-server is read by Claude Code and by the agents that share
    // .agents/: two copies of its skill, the command in .claude/ only.
    engine.project_add(&api, &[Target::Claude, Target::Agents])?;
    engine.deploy(&[id("skill:pdf")?, id("command:review")?], &api, None)?;

    // A local improvement in one project: web-app is ahead.
    edit(
        &web.join(".claude/skills/pdf/SKILL.md"),
        "3. Summarise the tables.\n",
        "3. Summarise the tables.\n4. Note any pages that failed to parse.\n",
    )?;
    // Upstream moves on: changelog gets an update, review.md changes a line
    // the collection also changed (the conflict).
    edit(
        &up.join("skills/changelog/SKILL.md"),
        "- One line per change.\n",
        "- One line per change, in the imperative.\n- Link the pull request.\n",
    )?;
    edit(
        &up.join("commands/review.md"),
        "Focus on correctness first.\n",
        "Focus on correctness and security first.\n",
    )?;
    repo::commit_all(&upstream, "Tighten changelog and review guidance")?;
    // The collection owner edits the same line of review.md differently.
    let collection = engine.collection()?;
    edit(
        &collection.root.join("commands/review.md"),
        "Focus on correctness first.\n",
        "Focus on correctness first, then tests.\n",
    )?;
    collection.commit("Ask reviews to look at tests")?;
    engine.fetch(&[])?;
    // Something written by hand in the api-server project, unknown to artisync.
    write(
        &api.join(".claude/commands/scratch.md"),
        "Scratch notes for this repo.\n",
    )?;
    Ok(home_dir)
}

/// Where a demo was built.
pub struct Built {
    pub dir: PathBuf,
    pub home: PathBuf,
}

/// Builds the demo and shows its status; with `serving`, the JSON document
/// is left to the server's ready line.
/// How to run this binary from a shell: `artisync` when that name on PATH
/// is this binary, else its full path.
fn command_name() -> String {
    let Ok(me) = std::env::current_exe().and_then(fs::canonicalize) else {
        return "artisync".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("artisync"))
            .find(|p| p.is_file())
            .and_then(|p| fs::canonicalize(p).ok())
            .is_some_and(|p| p == me)
    });
    if on_path {
        "artisync".into()
    } else {
        me.display().to_string()
    }
}

pub fn run(dir: Option<&Path>, out: &Out, serving: bool) -> Result<Built, CliError> {
    let dir = match dir {
        Some(d) => {
            if d.exists()
                && fs::read_dir(d)
                    .map(|mut r| r.next().is_some())
                    .unwrap_or(true)
            {
                return Err(CliError::usage(format!(
                    "{} is not empty; give a new or empty directory",
                    d.display()
                )));
            }
            fs::create_dir_all(d).map_err(anyhow::Error::from)?;
            fs::canonicalize(d).map_err(anyhow::Error::from)?
        }
        None => tempfile::Builder::new()
            .prefix("artisync-demo-")
            .tempdir()
            .map_err(anyhow::Error::from)?
            .keep(),
    };
    let home = build(&dir)?;
    let engine = Engine::new(Home::at(&home), "default");
    let report = engine.status(None)?;
    if out.json {
        if !serving {
            let v = serde_json::json!({"dir": dir, "home": home, "status": report});
            out.line(&serde_json::to_string_pretty(&v).map_err(anyhow::Error::from)?);
        }
        return Ok(Built { dir, home });
    }
    out.line(&format!("Demo built in {}", dir.display()));
    out.line("");
    output::status(out, &report);
    out.line("");
    // Commands that work as printed: the binary's full path unless the
    // `artisync` on PATH is this very binary.
    let bin = command_name();
    out.line("Explore it:");
    out.line(&format!("  export ARTISYNC_HOME={}", home.display()));
    out.line(&format!("  {bin} list"));
    out.line(&format!(
        "  {bin} diff skill:pdf --lhs collection --rhs project --project {}",
        dir.join("projects/web-app").display()
    ));
    out.line(&format!(
        "  {bin} diff skill:changelog --lhs collection --rhs upstream"
    ));
    out.line(&format!("  {bin} versions command:review"));
    if serving {
        out.line("");
        out.line("Serving the web UI on this demo home (Ctrl-C to stop):");
    }
    Ok(Built { dir, home })
}
