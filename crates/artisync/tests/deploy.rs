//! `artisync deploy`: copies land in the project's `.claude/` byte for byte,
//! the lockfile records them, a second deploy is refused, and the project is
//! registered.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use artisync_testkit::{assert_same_tree, sample, snapshot_tree, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

#[test]
fn deploy_copies_files_and_writes_the_lockfile() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();

    let out = env.run_ok(&[
        "deploy",
        "skill:pdf",
        "command:review",
        "agent:reviewer",
        "--project",
        p,
    ]);
    assert!(
        out.stdout.contains("Deployed skill:pdf"),
        "human output names what was deployed: {}",
        out.stdout
    );

    let claude = project.join(".claude");
    assert_eq!(
        snapshot_tree(&collection.join("skills/pdf")),
        snapshot_tree(&claude.join("skills/pdf"))
    );
    let script = claude.join("skills/pdf/scripts/extract.sh");
    assert_eq!(
        std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755,
        "the exec bit is kept"
    );
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        sample::EXTRACT_SH
    );
    assert_eq!(
        std::fs::read(claude.join("commands/review.md")).unwrap(),
        up.read("commands/review.md")
    );
    assert_eq!(
        std::fs::read(claude.join("agents/reviewer.md")).unwrap(),
        up.read("agents/reviewer.md")
    );
    // Nothing else was created: no temporary siblings left behind.
    let names: Vec<String> = std::fs::read_dir(&claude)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, vec!["agents", "artisync.lock", "commands", "skills"]);

    // The lockfile records kind, name, collection, hash and time.
    let lock: toml::Table = std::fs::read_to_string(claude.join("artisync.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let entries = lock["artifact"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let pdf = entries
        .iter()
        .find(|e| e["name"].as_str() == Some("pdf"))
        .unwrap();
    assert_eq!(pdf["kind"].as_str(), Some("skill"));
    assert_eq!(pdf["collection"].as_str(), Some("default"));
    assert_eq!(
        pdf["hash"].as_str(),
        Some(up.rev_parse("HEAD:skills/pdf").as_str())
    );
    let at = pdf["deployed_at"].as_str().unwrap();
    assert_eq!(artisync_testkit::redact_times(at), "[TIME]", "{at}");
    let review = entries
        .iter()
        .find(|e| e["name"].as_str() == Some("review"))
        .unwrap();
    assert_eq!(review["kind"].as_str(), Some("command"));
    assert_eq!(
        review["hash"].as_str(),
        Some(up.rev_parse("HEAD:commands/review.md").as_str())
    );

    // Deploying registers the project.
    let projects = env.json(&["project", "list"]);
    assert_eq!(projects[0]["path"], p);
    assert_eq!(projects[0]["artifacts"], 3);
    let human = env.run_ok(&["project", "list"]);
    assert!(human.stdout.contains(p), "{}", human.stdout);
}

#[test]
fn deploying_again_is_refused_and_names_sync() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    env.run_ok(&["add", &up.local("commands/review.md")]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", "skill:pdf", "--project", p]);

    let before = env.snapshot();
    // Also when deployed together with a new artifact: nothing is written.
    for ids in [&["skill:pdf"][..], &["command:review", "skill:pdf"][..]] {
        let mut args = vec!["deploy"];
        args.extend_from_slice(ids);
        args.extend_from_slice(&["--project", p]);
        let err = env.run_err(&args);
        assert!(err.stderr.contains("already deployed"), "{}", err.stderr);
        assert!(err.stderr.contains("artisync sync"), "{}", err.stderr);
        assert_same_tree(&before, &env.snapshot(), "a refused deploy");
    }
}

#[test]
fn deploying_over_an_untracked_copy_is_refused() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    let project = env.project("web");
    std::fs::create_dir_all(project.join(".claude/skills/pdf")).unwrap();
    std::fs::write(project.join(".claude/skills/pdf/SKILL.md"), "mine\n").unwrap();
    let before = env.snapshot();
    let err = env.run_err(&[
        "deploy",
        "skill:pdf",
        "--project",
        project.to_str().unwrap(),
    ]);
    assert!(err.stderr.contains("not tracked"), "{}", err.stderr);
    assert_same_tree(&before, &env.snapshot(), "a refused deploy");
}

#[test]
fn project_add_list_remove() {
    let env = env();
    env.init();
    let a = env.project("a");
    let b = env.project("b");
    let added = env.json(&["project", "add", a.to_str().unwrap()]);
    assert_eq!(added["added"], true);
    let again = env.json(&["project", "add", a.to_str().unwrap()]);
    assert_eq!(again["added"], false);
    env.run_ok(&["project", "add", b.to_str().unwrap()]);
    let list = env.json(&["project", "list"]);
    let paths: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![a.to_str().unwrap(), b.to_str().unwrap()]);
    env.run_ok(&["project", "remove", a.to_str().unwrap()]);
    let list = env.json(&["project", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(a.exists(), "forgetting a project leaves its files alone");
    let err = env.run_err(&["project", "remove", a.to_str().unwrap()]);
    assert!(err.stderr.contains("not registered"), "{}", err.stderr);
}

#[test]
fn a_deploy_that_fails_part_way_writes_none_of_its_artifacts() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    // The command cannot be written (its folder is a file); the skill
    // named before it must not be written either.
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    std::fs::write(project.join(".claude/commands"), "not a folder\n").unwrap();
    env.run_err(&["deploy", "skill:pdf", "command:review", "--project", p]);
    let skills = project.join(".claude/skills");
    let left: Vec<_> = std::fs::read_dir(&skills)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in .claude/skills: {left:?}");
    assert!(!project.join(".claude/artisync.lock").exists());
    // Once the command can be written, both are deployed together.
    std::fs::remove_file(project.join(".claude/commands")).unwrap();
    env.run_ok(&["deploy", "skill:pdf", "command:review", "--project", p]);
    assert!(project.join(".claude/skills/pdf/SKILL.md").is_file());
    assert!(project.join(".claude/commands/review.md").is_file());
    let lock = std::fs::read_to_string(project.join(".claude/artisync.lock")).unwrap();
    assert!(lock.contains("pdf") && lock.contains("review"), "{lock}");
}
