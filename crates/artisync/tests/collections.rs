//! Named collections: `--collection work` is a second, independent
//! collection beside `default`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::{git, TestEnv, UpstreamRepo};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

fn ids(status: &Value) -> Vec<String> {
    status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_second_collection_is_independent() {
    let env = env();
    env.init();
    let created = env.json(&["--collection", "work", "init"]);
    assert_eq!(created["collection"], "work");
    let work = env.collection_dir("work");
    assert_eq!(created["path"], work.to_str().unwrap());
    let up = UpstreamRepo::sample();

    env.run_ok(&["add", &up.local("skills/pdf")]);
    let added = env.json(&[
        "--collection",
        "work",
        "add",
        &up.local("commands/review.md"),
    ]);
    assert_eq!(added["collection"], "work");

    assert_eq!(ids(&env.json(&["list"])), vec!["skill:pdf"]);
    assert_eq!(
        ids(&env.json(&["list", "--collection", "work"])),
        vec!["command:review"]
    );
    assert!(work.join("commands/review.md").exists());
    assert!(!work.join("skills/pdf").exists());
    assert!(!env.collection_dir("default").join("commands").exists());
    assert_eq!(
        git(&work, &["log", "--format=%s"]),
        "Add command:review\nCreate collection 'work'"
    );
    assert_eq!(
        git(&env.collection_dir("default"), &["log", "--format=%s"]),
        "Add skill:pdf\nCreate collection 'default'"
    );

    // Each collection knows only its own artifacts.
    let err = env.run_err(&["--collection", "work", "show", "skill:pdf"]);
    assert!(err.stderr.contains("'work'"), "{}", err.stderr);
    let err = env.run_err(&["show", "command:review"]);
    assert!(err.stderr.contains("'default'"), "{}", err.stderr);

    // The same id may live in both, from different refs.
    up.tag("v1");
    up.write("skills/pdf/SKILL.md", "# PDF v2\n");
    up.commit("v2");
    env.run_ok(&["--collection", "work", "add", &up.spec("v1", "skills/pdf")]);
    let show_default = env.json(&["show", "skill:pdf"]);
    let show_work = env.json(&["--collection", "work", "show", "skill:pdf"]);
    assert_eq!(show_default["hash"], show_work["hash"]);
    assert_eq!(show_default["ref"], "main");
    assert_eq!(show_work["ref"], "v1");

    // Deploying from work records the collection in the lockfile; each
    // collection's status shows only the projects deployed from it.
    let p = env.project("web");
    let ps = p.to_str().unwrap();
    env.run_ok(&[
        "--collection",
        "work",
        "deploy",
        "command:review",
        "--project",
        ps,
    ]);
    let lock = std::fs::read_to_string(p.join(".claude/artisync.lock")).unwrap();
    assert!(lock.contains("collection = \"work\""), "{lock}");
    let work_status = env.json(&["--collection", "work", "status"]);
    let review = work_status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "command:review")
        .unwrap();
    assert_eq!(review["projects"][0]["status"], "in_sync");
    assert_eq!(review["projects"][0]["path"], ps);
    let default_status = env.json(&["status"]);
    assert_eq!(
        default_status["artifacts"][0]["projects"],
        serde_json::json!([])
    );
    // Deployed from another collection is not "untracked".
    assert_eq!(default_status["untracked"], serde_json::json!([]));

    // Fetching one collection does not touch the other's artifacts.
    env.run_ok(&["fetch"]);
    assert_eq!(
        env.json(&["status"])["artifacts"][0]["upstream"]["status"],
        "behind"
    );
    let w = env.json(&["--collection", "work", "status"]);
    let pdf = w["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "skill:pdf")
        .unwrap();
    assert_eq!(pdf["upstream"]["status"], "in_sync", "v1 has not moved");

    // Initialising an existing collection is refused; a third one is fine.
    env.run_err(&["--collection", "work", "init"]);
    env.run_ok(&["--collection", "team.v2", "init"]);
    assert!(env.collection_dir("team.v2").join("artisync.toml").exists());
}
