//! Reproducible installs: `install --check` compares a project with its
//! lockfile and writes nothing; `install --frozen` recreates exactly the
//! locked content of every copy, also on a machine that has never seen the
//! collection, and fails with nothing written when it cannot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use artisync_testkit::{snapshot_tree, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// A project with skill:pdf in two targets and command:review, deployed
/// from the sample upstream.
fn deployed() -> (TestEnv, UpstreamRepo, PathBuf) {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&[
        "project", "add", p, "--target", "claude", "--target", "agents",
    ]);
    env.run_ok(&["deploy", "skill:pdf", "command:review", "--project", p]);
    (env, up, project)
}

fn states(check: &serde_json::Value) -> Vec<(String, String, String)> {
    check["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["target"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_reports_each_copy_and_fails_when_the_project_differs() {
    let (env, _up, project) = deployed();
    let p = project.to_str().unwrap();
    let out = env.run_ok(&["install", "--check", "--project", p]);
    assert!(out.stdout.contains("3 copies as locked"), "{}", out.stdout);
    // With no --project, the current directory.
    let mut cmd = env.command(&["install", "--check"]);
    let status = cmd.current_dir(&project).status().unwrap();
    assert!(status.success());

    fs::write(project.join(".agents/skills/pdf/SKILL.md"), "changed\n").unwrap();
    fs::remove_file(project.join(".claude/commands/review.md")).unwrap();
    fs::create_dir_all(project.join(".claude/skills/mine")).unwrap();
    fs::write(
        project.join(".claude/skills/mine/SKILL.md"),
        "---\nname: mine\n---\n",
    )
    .unwrap();
    let before = snapshot_tree(&project);
    let out = env.run(&["install", "--check", "--project", p]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("differs from its lockfile"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("skill:mine is not in the lockfile"),
        "{}",
        out.stdout
    );
    let out = env.run(&["--json", "install", "--check", "--project", p]);
    assert_eq!(out.code, 1);
    let check: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        states(&check),
        vec![
            ("skill:pdf".into(), "claude".into(), "locked".into()),
            ("skill:pdf".into(), "agents".into(), "modified".into()),
            ("command:review".into(), "claude".into(), "missing".into()),
        ]
    );
    assert_eq!(snapshot_tree(&project), before, "a check writes nothing");
}

#[test]
fn frozen_restores_the_locked_content_and_asks_before_replacing_local_changes() {
    let (env, _up, project) = deployed();
    let p = project.to_str().unwrap();
    let locked = snapshot_tree(&project);
    let agents_copy = project.join(".agents/skills/pdf/SKILL.md");
    fs::write(&agents_copy, "my local version\n").unwrap();
    fs::remove_file(project.join(".claude/commands/review.md")).unwrap();
    let edited = snapshot_tree(&project);

    let err = env.run_err(&["install", "--frozen", "--project", p]);
    assert!(
        err.stderr
            .contains("skill:pdf (agents copy) has local changes")
            && err.stderr.contains("--yes"),
        "{}",
        err.stderr
    );
    assert_eq!(snapshot_tree(&project), edited, "refused: nothing changed");

    let out = env.run_ok(&["install", "--frozen", "--yes", "--project", p]);
    assert!(
        out.stdout.contains("2 copies written, 1 already as locked"),
        "{}",
        out.stdout
    );
    assert_eq!(
        snapshot_tree(&project),
        locked,
        "exactly the locked content again"
    );
    env.run_ok(&["install", "--check", "--project", p]);

    // The replaced local version is not lost.
    env.run_ok(&["undo", "skill:pdf", "--project", p, "--target", "agents"]);
    assert_eq!(
        fs::read_to_string(&agents_copy).unwrap(),
        "my local version\n"
    );
}

#[test]
fn frozen_install_on_a_fresh_machine_takes_the_locked_commit_from_the_upstream() {
    let (_env, up, project) = deployed();
    let locked = snapshot_tree(&project.join(".claude"));
    let locked_agents = snapshot_tree(&project.join(".agents"));
    // Upstream moves on: a frozen install still takes the locked commit.
    up.write(
        "skills/pdf/SKILL.md",
        "---\nname: pdf\ndescription: newer\n---\nNewer.\n",
    );
    up.commit("newer pdf");

    // Another machine: its own data home, no collection, and a checkout
    // of the project that holds only the committed lockfile.
    let other = self::env();
    let checkout = other.project("web-checkout");
    fs::create_dir_all(checkout.join(".claude")).unwrap();
    fs::copy(
        project.join(".claude/artisync.lock"),
        checkout.join(".claude/artisync.lock"),
    )
    .unwrap();
    let c = checkout.to_str().unwrap();
    let out = other.run(&["install", "--check", "--project", c]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = other.run_ok(&["install", "--frozen", "--project", c]);
    assert!(out.stdout.contains("3 copies written"), "{}", out.stdout);
    assert!(out.stdout.contains("from upstream"), "{}", out.stdout);
    assert_eq!(snapshot_tree(&checkout.join(".claude")), locked);
    assert_eq!(snapshot_tree(&checkout.join(".agents")), locked_agents);
    other.run_ok(&["install", "--check", "--project", c]);
}

#[test]
fn frozen_fails_with_nothing_written_when_a_locked_content_cannot_be_found() {
    let (env, _up, project) = deployed();
    let p = project.to_str().unwrap();
    fs::remove_dir_all(project.join(".agents")).unwrap();
    fs::remove_file(project.join(".claude/commands/review.md")).unwrap();
    // A lock entry whose content exists nowhere.
    let lock_path = project.join(".claude/artisync.lock");
    let lock = fs::read_to_string(&lock_path).unwrap();
    let review = lock.find("name = \"review\"").unwrap();
    let hash_at = review + lock[review..].find("hash = \"").unwrap() + 8;
    let mut broken = lock.clone();
    broken.replace_range(
        hash_at..hash_at + 40,
        "0123456789abcdef0123456789abcdef01234567",
    );
    fs::write(&lock_path, &broken).unwrap();
    let before = snapshot_tree(&project);

    let err = env.run_err(&["install", "--frozen", "--project", p]);
    assert!(
        err.stderr.contains("command:review") && err.stderr.contains("nothing was changed"),
        "{}",
        err.stderr
    );
    assert_eq!(
        snapshot_tree(&project),
        before,
        "the agents copy was not written either"
    );
}
