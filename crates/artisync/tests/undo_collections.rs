//! `undo --project` takes back a write into a project whatever collection it
//! came from, even in a home without a `default` collection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::{snapshot_tree, TestEnv, UpstreamRepo};

#[test]
fn undo_in_a_project_needs_no_default_collection() {
    let env = TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")));
    let up = UpstreamRepo::sample();
    env.run_ok(&["--collection", "work", "init"]);
    env.run_ok(&["--collection", "work", "add", &up.local("skills/pdf")]);
    let project = env.project("app");
    let p = project.to_str().unwrap();
    env.run_ok(&[
        "--collection",
        "work",
        "deploy",
        "skill:pdf",
        "--project",
        p,
    ]);
    let skill = project.join(".claude/skills/pdf");
    let before = snapshot_tree(&skill);
    let collection = env.collection_dir("work");
    let f = collection.join("skills/pdf/SKILL.md");
    std::fs::write(
        &f,
        format!("{}\nOne more step.\n", std::fs::read_to_string(&f).unwrap()),
    )
    .unwrap();
    env.run_ok(&[
        "--collection",
        "work",
        "sync",
        "--direction",
        "collection_to_project",
        "--project",
        p,
    ]);
    assert_ne!(snapshot_tree(&skill), before);
    // No --collection: there is no `default` collection in this home.
    env.run_ok(&["undo", "skill:pdf", "--project", p]);
    assert_eq!(snapshot_tree(&skill), before);
    let lock = std::fs::read_to_string(project.join(".claude/artisync.lock")).unwrap();
    assert!(lock.contains("collection = \"work\""), "{lock}");
}
