//! The two promises under a careless user and a racing editor: a missing
//! or emptied copy never empties another tier, an edit made while a write
//! runs is kept where undo finds it, a failed write is not taken for one
//! that happened, and a `.claude` swapped for a symlink is never written
//! through.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use artisync_testkit::snapshot_tree;
use sync_support::*;

fn two_files() -> Files {
    let mut f = Files::new();
    f.insert(
        "SKILL.md".into(),
        (
            false,
            b"---\nname: x\ndescription: A test skill.\n---\nx\n".to_vec(),
        ),
    );
    f.insert("ref.md".into(), (false, b"reference\n".to_vec()));
    f.insert("more.md".into(), (false, b"more\n".to_vec()));
    f
}

#[test]
fn a_deleted_project_copy_is_restored_whole_not_emptied() {
    let fx = Fixture::new(Dir::CollectionToProject, &two_files());
    fs::remove_dir_all(fx.project_skill()).unwrap();
    let (out, report) = fx.sync(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = only_result(report.as_ref().unwrap());
    assert_eq!(r["outcome"], "updated", "{r:#}");
    assert!(r["message"].as_str().unwrap().contains("restored"), "{r:#}");
    assert_files(
        &read_files(&fx.project_skill()),
        &two_files(),
        "the restored project copy",
    );
    assert_eq!(fx.pair_status(), "in_sync");
}

#[test]
fn taking_an_emptied_copy_into_the_collection_needs_yes() {
    let fx = Fixture::new(Dir::CollectionToProject, &two_files());
    // The project's copy lost every file (an empty folder is left).
    for name in two_files().keys() {
        fs::remove_file(fx.project_skill().join(name)).unwrap();
    }
    let before = read_files(&fx.collection_skill());
    let head = artisync_testkit::git(&fx.collection, &["rev-parse", "HEAD"]);
    let args = [
        "sync",
        "--direction",
        "project_to_collection",
        ID,
        "--project",
        fx.project_str(),
    ];
    let out = fx.env.run(&args);
    assert_ne!(out.code, 0, "deleting every file must need --yes");
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_files(
        &read_files(&fx.collection_skill()),
        &before,
        "the collection after the refused sync",
    );
    assert_eq!(
        artisync_testkit::git(&fx.collection, &["rev-parse", "HEAD"]),
        head
    );
    // Most of the files (2 of 3) is destructive too.
    fs::write(fx.project_skill().join("SKILL.md"), "kept\n").unwrap();
    let out = fx.env.run(&args);
    assert_ne!(out.code, 0, "deleting most files must need --yes");
    // Confirmed, it is taken.
    let mut confirmed = args.to_vec();
    confirmed.push("--yes");
    fx.env.run_ok(&confirmed);
    let after = read_files(&fx.collection_skill());
    assert_eq!(after.len(), 1, "{}", show_files(&after));
}

/// The names in `dir` that start with `prefix`.
fn names_with(dir: &Path, prefix: &str) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_edit_made_while_a_write_runs_is_kept_and_undo_brings_it_back() {
    // A skill big enough that writing it takes a while (every written file
    // is synced to disk before the swap).
    let mut big = Files::new();
    big.insert(
        "SKILL.md".into(),
        (
            false,
            b"---\nname: x\ndescription: A test skill.\n---\n".to_vec(),
        ),
    );
    for i in 0..400 {
        big.insert(
            format!("data/f{i:04}.md"),
            (false, format!("{i}\n").into_bytes()),
        );
    }
    let fx = Fixture::new(Dir::CollectionToProject, &big);
    // Every file changes, so nothing is carried over by a link.
    for i in 0..400 {
        fs::write(
            fx.collection_skill().join(format!("data/f{i:04}.md")),
            format!("{i} v2\n"),
        )
        .unwrap();
    }
    let skills = fx.project.join(".claude/skills");
    let child = fx
        .env
        .command(&[
            "sync",
            "--direction",
            "collection_to_project",
            ID,
            "--project",
            fx.project_str(),
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the new copy to be built beside the old one, then edit the
    // old one: the copy that is about to be replaced.
    let start = Instant::now();
    while names_with(&skills, ".x.artisync-new-").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the write never started"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    fs::write(fx.project_skill().join("NOTES.md"), "my notes\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let r = only_result(&report);
    assert!(
        fx.project_skill().join("NOTES.md").exists()
            || r["message"]
                .as_str()
                .unwrap()
                .contains("edited while it was written"),
        "the edit vanished without a word: {r:#}"
    );
    if fx.project_skill().join("NOTES.md").exists() {
        // The edit landed after the swap, in the new copy: nothing was lost.
        eprintln!("the edit landed after the swap");
        return;
    }
    // Undo puts back what the write replaced: the old copy with the edit.
    fx.env.run_ok(&["undo", ID, "--project", fx.project_str()]);
    assert_eq!(
        fs::read_to_string(fx.project_skill().join("NOTES.md")).unwrap(),
        "my notes\n"
    );
    assert_eq!(
        fs::read_to_string(fx.project_skill().join("data/f0001.md")).unwrap(),
        "1\n"
    );
}

/// Sets or clears the immutable attribute, which stops even root from
/// creating files in a folder. `false` when the filesystem has none.
fn immutable(dir: &Path, on: bool) -> bool {
    Command::new("chattr")
        .arg(if on { "+i" } else { "-i" })
        .arg(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_failed_write_is_not_taken_for_one_that_happened() {
    let fx = Fixture::new(Dir::CollectionToProject, &two_files());
    fs::write(fx.collection_skill().join("ref.md"), "reference v2\n").unwrap();
    let skills = fx.project.join(".claude/skills");
    if !immutable(&skills, true) {
        eprintln!("skipped: chattr +i is not available on this filesystem");
        return;
    }
    let (out, _) = fx.sync(&[]);
    assert!(immutable(&skills, false));
    assert_ne!(out.code, 0, "the write into an immutable folder must fail");
    assert_files(
        &read_files(&fx.project_skill()),
        &two_files(),
        "the project after the failed write",
    );
    // Undo passes over the failed write and takes back the deploy.
    let undo = fx.env.run(&["undo", ID, "--project", fx.project_str()]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(!fx.project_skill().exists());
}

#[test]
fn a_claude_folder_swapped_for_a_symlink_is_never_written_through() {
    let fx = Fixture::new(Dir::CollectionToProject, &two_files());
    // The user's `.claude` now leads to another folder holding a copy.
    let outside = fx.env.root().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let claude = fx.project.join(".claude");
    fs::rename(&claude, outside.join("claude")).unwrap();
    symlink(outside.join("claude"), &claude).unwrap();
    fs::write(fx.collection_skill().join("ref.md"), "reference v2\n").unwrap();
    let before = snapshot_tree(&outside);
    for direction in ["collection_to_project", "project_to_collection"] {
        let out = fx.env.run(&[
            "sync",
            "--direction",
            direction,
            ID,
            "--project",
            fx.project_str(),
            "--yes",
        ]);
        assert_ne!(out.code, 0, "{direction}: {}", out.stdout);
        assert!(
            out.stderr.contains("symlink"),
            "{direction}: {}",
            out.stderr
        );
        assert_eq!(snapshot_tree(&outside), before, "{direction} wrote outside");
    }
    // Nothing came in from outside either.
    assert_eq!(
        fs::read_to_string(fx.collection_skill().join("ref.md")).unwrap(),
        "reference v2\n"
    );
}

#[test]
fn a_cli_sync_registers_its_project_like_a_deploy() {
    let fx = Fixture::new(Dir::CollectionToProject, &two_files());
    let other = fx.env.project("other");
    fx.env.run_ok(&[
        "sync",
        "--direction",
        "collection_to_project",
        ID,
        "--project",
        other.to_str().unwrap(),
    ]);
    let list = fx.env.json(&["project", "list"]);
    assert!(
        list.to_string().contains(other.to_str().unwrap()),
        "{list:#}"
    );
}
