//! Targets: a project's copies in several agents' layouts (`.claude/`,
//! `.agents/`, `.codex/`, …) and the user scope (`--user`, your home
//! folder). Each copy is real files with its own lockfile entry and base,
//! and status, diff, sync, resolve and undo work on each copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use artisync_testkit::{snapshot_tree, TestEnv, UpstreamRepo};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// An environment with the sample upstream imported.
fn imported() -> (TestEnv, PathBuf, UpstreamRepo) {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    (env, collection, up)
}

fn append(path: &Path, text: &str) {
    let mut s = fs::read_to_string(path).unwrap();
    s.push_str(text);
    fs::write(path, s).unwrap();
}

/// Each copy of `id` in the status report: (target, status).
fn copies(status: &Value, id: &str) -> Vec<(String, String)> {
    let a = status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {status}"));
    a["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["target"].as_str().unwrap_or("claude").to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_project_with_two_targets_gets_a_real_copy_in_each_and_a_lock_entry_per_copy() {
    let (env, collection, _up) = imported();
    let project = env.project("web");
    let p = project.to_str().unwrap();

    let out = env.run_ok(&[
        "project", "add", p, "--target", "claude", "--target", "agents",
    ]);
    assert!(
        out.stdout.contains("targets: claude, agents"),
        "{}",
        out.stdout
    );
    let list = env.json(&["project", "list"]);
    assert_eq!(list[0]["targets"], serde_json::json!(["claude", "agents"]));

    let out = env.run_ok(&["deploy", "skill:pdf", "command:review", "--project", p]);
    assert!(
        out.stdout
            .contains("Skipped command:review for the agents target: the agents layout (.agents/) holds skills only"),
        "a kind the layout cannot hold is skipped with a note: {}",
        out.stdout
    );
    // Real files in both layouts, the same bytes as the collection's.
    for root in [".claude", ".agents"] {
        let dir = project.join(root).join("skills/pdf");
        assert!(
            fs::symlink_metadata(&dir).unwrap().is_dir(),
            "{root}: a real folder"
        );
        assert_eq!(
            snapshot_tree(&dir),
            snapshot_tree(&collection.join("skills/pdf"))
        );
    }
    assert!(project.join(".claude/commands/review.md").is_file());
    assert!(!project.join(".agents/commands").exists());

    // One lockfile, in .claude/, one sorted block per copy; the claude
    // copy is written as lockfiles always were.
    let lock = fs::read_to_string(project.join(".claude/artisync.lock")).unwrap();
    assert_eq!(lock.matches("[[artifact]]").count(), 3, "{lock}");
    assert_eq!(lock.matches("target = \"agents\"").count(), 1, "{lock}");
    let pdf_claude = lock.find("name = \"pdf\"").unwrap();
    let agents = lock.find("target = \"agents\"").unwrap();
    assert!(
        pdf_claude < agents,
        "sorted by artifact, then target: {lock}"
    );
    assert!(
        lock.contains("source = "),
        "the source spec is recorded: {lock}"
    );
    assert!(
        lock.contains("commit = "),
        "the upstream commit is recorded: {lock}"
    );

    // Deploying again fills a target that lacks the copy only.
    env.run_ok(&[
        "project", "add", p, "--target", "claude", "--target", "agents", "--target", "codex",
    ]);
    let out = env.run_ok(&["deploy", "skill:pdf", "--project", p]);
    assert!(out.stdout.contains(".codex/skills/pdf"), "{}", out.stdout);
    assert!(
        out.stdout.contains("already deployed in the claude target"),
        "{}",
        out.stdout
    );
    let err = env.run_err(&["deploy", "skill:pdf", "--project", p]);
    assert!(err.stderr.contains("already deployed"), "{}", err.stderr);
}

#[test]
fn status_diff_and_sync_work_per_copy() {
    let (env, collection, _up) = imported();
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&[
        "project", "add", p, "--target", "claude", "--target", "agents",
    ]);
    env.run_ok(&["deploy", "skill:pdf", "--project", p]);

    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );

    // An edit in the agents copy: that copy is ahead, the other in sync.
    append(
        &project.join(".agents/skills/pdf/SKILL.md"),
        "\nAgents-only note.\n",
    );
    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "ahead".into())
        ]
    );
    let human = env.run_ok(&["status", "--project", p]).stdout;
    assert!(
        human.contains("[agents]"),
        "the human status names the copy's target: {human}"
    );

    // Diff: the project's first target by default, the one named otherwise.
    let d = env.json(&[
        "diff",
        "skill:pdf",
        "--lhs",
        "collection",
        "--rhs",
        "project",
        "--project",
        p,
    ]);
    assert_eq!(d["files"].as_array().unwrap().len(), 0, "{d}");
    let d = env.json(&[
        "diff",
        "skill:pdf",
        "--lhs",
        "collection",
        "--rhs",
        "project",
        "--project",
        p,
        "--target",
        "agents",
    ]);
    assert_eq!(d["files"][0]["path"], "SKILL.md", "{d}");
    assert!(d["rhs"].to_string().contains("agents"), "{d}");

    // Bring the agents copy's change into the collection.
    let r = env.json(&[
        "sync",
        "--direction",
        "project_to_collection",
        "skill:pdf",
        "--project",
        p,
        "--target",
        "agents",
    ]);
    assert_eq!(r["artifacts"][0]["outcome"], "updated", "{r}");
    assert_eq!(r["artifacts"][0]["target"], "agents", "{r}");
    assert!(fs::read_to_string(collection.join("skills/pdf/SKILL.md"))
        .unwrap()
        .contains("Agents-only note."));

    // From the collection, every target: the claude copy takes it, the
    // agents copy is already there.
    let r = env.json(&[
        "sync",
        "--direction",
        "collection_to_project",
        "--project",
        p,
    ]);
    let results: Vec<(String, String)> = r["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["target"].as_str().unwrap().into(),
                a["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        results,
        vec![
            ("claude".into(), "updated".into()),
            ("agents".into(), "unchanged".into())
        ],
        "{r}"
    );
    assert_eq!(
        fs::read(project.join(".claude/skills/pdf/SKILL.md")).unwrap(),
        fs::read(project.join(".agents/skills/pdf/SKILL.md")).unwrap()
    );
    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );

    // Undo the claude copy's update only.
    env.run_ok(&["undo", "skill:pdf", "--project", p, "--target", "claude"]);
    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "behind".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
}

#[test]
fn a_conflict_in_one_target_is_staged_and_resolved_in_that_copy() {
    let (env, collection, _up) = imported();
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&[
        "project", "add", p, "--target", "claude", "--target", "agents",
    ]);
    env.run_ok(&["deploy", "command:review", "skill:pdf", "--project", p]);
    let agents_copy = project.join(".agents/skills/pdf/SKILL.md");
    let before = fs::read_to_string(&agents_copy).unwrap();
    let first = before.lines().next().unwrap().to_string();
    // The same line edited in the collection and in the agents copy.
    let coll = collection.join("skills/pdf/SKILL.md");
    fs::write(
        &coll,
        before.replacen(&first, &format!("{first} (collection)"), 1),
    )
    .unwrap();
    fs::write(
        &agents_copy,
        before.replacen(&first, &format!("{first} (agents)"), 1),
    )
    .unwrap();

    let out = env.run(&[
        "sync",
        "--direction",
        "collection_to_project",
        "skill:pdf",
        "--project",
        p,
    ]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("artisync resolve skill:pdf --project")
            && out.stdout.contains("--target agents"),
        "the hint names the copy: {}",
        out.stdout
    );
    // The conflicted copy keeps its content; the other copy took the update.
    assert!(fs::read_to_string(&agents_copy)
        .unwrap()
        .contains("(agents)"));
    assert!(
        fs::read_to_string(project.join(".claude/skills/pdf/SKILL.md"))
            .unwrap()
            .contains("(collection)")
    );
    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "conflict".into())
        ]
    );
    let out = env.run_ok(&["resolve", "skill:pdf", "--project", p, "--all", "theirs"]);
    assert!(out.code == 0, "{}", out.stderr);
    assert_eq!(
        fs::read(&agents_copy).unwrap(),
        fs::read(&coll).unwrap(),
        "resolved in the agents copy"
    );
    let status = env.json(&["status", "--project", p]);
    assert_eq!(
        copies(&status, "skill:pdf"),
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
}

#[test]
fn every_layout_holds_skills_in_its_own_folder() {
    let (env, _collection, _up) = imported();
    for (target, root) in [
        ("claude", ".claude"),
        ("agents", ".agents"),
        ("codex", ".codex"),
        ("gemini", ".gemini"),
        ("opencode", ".opencode"),
        ("copilot", ".github"),
        ("cursor", ".cursor"),
    ] {
        let project = env.project(&format!("p-{target}"));
        let p = project.to_str().unwrap();
        env.run_ok(&["project", "add", p, "--target", target]);
        env.run_ok(&["deploy", "skill:pdf", "--project", p]);
        assert!(
            project.join(root).join("skills/pdf/SKILL.md").is_file(),
            "{target} puts skills in {root}/skills"
        );
        let status = env.json(&["status", "--project", p]);
        assert_eq!(
            copies(&status, "skill:pdf"),
            vec![(target.to_string(), "in_sync".into())]
        );
        if target != "claude" {
            // Commands have no place there: refused with the reason.
            let err = env.run_err(&["deploy", "command:review", "--project", p]);
            assert!(err.stderr.contains("holds skills only"), "{}", err.stderr);
            assert!(!project.join(".claude/commands").exists());
        }
    }
}

#[test]
fn bad_targets_are_refused_with_the_choices() {
    let (env, _collection, _up) = imported();
    let project = env.project("web");
    let p = project.to_str().unwrap();
    let err = env.run(&["project", "add", p, "--target", "vscode"]);
    assert_eq!(err.code, 2, "{}", err.stderr);
    assert!(
        err.stderr.contains("claude, agents, codex"),
        "{}",
        err.stderr
    );
    env.run_ok(&["deploy", "skill:pdf", "--project", p]);
    let err = env.run_err(&[
        "diff",
        "skill:pdf",
        "--lhs",
        "collection",
        "--rhs",
        "project",
        "--project",
        p,
        "--target",
        "cursor",
    ]);
    assert!(
        err.stderr.contains("has no cursor target") && err.stderr.contains("--target cursor"),
        "{}",
        err.stderr
    );
    let err = env.run(&[
        "sync",
        "--direction",
        "collection_to_project",
        "--target",
        "agents",
    ]);
    assert_eq!(err.code, 2, "{}", err.stderr);
}

#[test]
fn the_user_scope_is_managed_like_a_project() {
    let (env, _collection, _up) = imported();
    let home = env.root().join("user-home");
    let out = env.run_ok(&[
        "--user", "project", "add", "--target", "claude", "--target", "agents",
    ]);
    assert!(
        out.stdout.contains(home.to_str().unwrap()),
        "{}",
        out.stdout
    );
    env.run_ok(&["--user", "deploy", "skill:pdf", "agent:reviewer"]);
    assert!(home.join(".claude/skills/pdf/SKILL.md").is_file());
    assert!(home.join(".agents/skills/pdf/SKILL.md").is_file());
    assert!(home.join(".claude/agents/reviewer.md").is_file());

    append(&home.join(".claude/agents/reviewer.md"), "\nMine.\n");
    let status = env.json(&["status", "--user"]);
    assert_eq!(
        copies(&status, "agent:reviewer"),
        vec![("claude".into(), "ahead".into())]
    );
    // `~` as a project path is the same place.
    let same = env.json(&["status", "--project", "~"]);
    assert_eq!(same["artifacts"], status["artifacts"]);
    let err = env.run(&["--user", "status", "--project", "/tmp"]);
    assert_eq!(err.code, 2, "{}", err.stderr);
    assert!(err.stderr.contains("give one of them"), "{}", err.stderr);
}
