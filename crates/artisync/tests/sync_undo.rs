//! `artisync undo` after each kind of write artisync makes — deploy, a sync
//! that updates, a sync that merges, resolve, project_to_collection — puts
//! back the exact bytes and modes the artifact had before, walks further
//! back when repeated, and refuses when the artifact changed since.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use artisync_testkit::{assert_same_tree, git, snapshot_tree, Tree};
use sync_support::*;

fn base() -> Files {
    let mut f = Files::new();
    f.insert(
        "SKILL.md".into(),
        (
            false,
            format!(
                "---\nname: x\ndescription: A test skill.\n---\n{}",
                lines("step", 12)
            )
            .into_bytes(),
        ),
    );
    f.insert(
        "scripts/run.sh".into(),
        (true, b"#!/bin/sh\necho run\n".to_vec()),
    );
    f.insert(
        "scripts/helper.sh".into(),
        (false, b"echo helper\n".to_vec()),
    );
    f.insert("data.bin".into(), (false, b"\0\x01\x02binary\xff".to_vec()));
    f
}

fn skill_edit(line: usize, with: &str) -> Op {
    let t = String::from_utf8(base()["SKILL.md"].1.clone()).unwrap();
    write("SKILL.md", &replace_line(&t, line, with))
}

/// Runs undo and checks that the destination is `expected` again.
fn undo_restores(f: &Fixture, expected: &Tree, what: &str) {
    let out = f.undo();
    assert_eq!(out.code, 0, "{what}: undo failed: {}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{what}");
    assert_same_tree(
        expected,
        &snapshot_tree(&f.dest()),
        &format!("{what}: undo"),
    );
    if f.dir == Dir::UpstreamToCollection {
        assert_eq!(
            git(&f.collection, &["status", "--porcelain"]),
            "",
            "{what}: undo leaves the collection committed"
        );
        let subject = git(&f.collection, &["log", "-1", "--format=%s"]);
        assert!(subject.starts_with("Undo"), "{what}: {subject}");
    }
}

/// After a write, editing the artifact makes undo refuse and write nothing.
fn undo_refuses_after_an_edit(f: &Fixture, what: &str) {
    apply(&f.dest(), &[write("SKILL.md", "edited after the write\n")]);
    let before = f.snapshot();
    let out = f.undo();
    out.assert_error(what);
    assert!(
        out.stderr.contains("changed since"),
        "{what}: {}",
        out.stderr
    );
    assert_same_tree(&before, &f.snapshot(), &format!("{what}: refused undo"));
}

#[test]
fn undo_a_deploy_removes_the_artifact() {
    let f = Fixture::new(Dir::CollectionToProject, &base());
    assert!(lock_entry(&f.project, ID).is_some());
    undo_restores(&f, &Tree::new(), "deploy");
    assert!(!f.project_skill().exists());
    assert!(
        lock_entry(&f.project, ID).is_none(),
        "the lock entry goes too"
    );
    // Deploying again works, and an edit after it blocks undo.
    f.env.run_ok(&["deploy", ID, "--project", f.project_str()]);
    assert_files(&read_files(&f.project_skill()), &base(), "redeploy");
    undo_refuses_after_an_edit(&f, "deploy");
}

#[test]
fn undo_a_sync_that_updated() {
    for dir in Dir::BOTH {
        let what = format!("a sync update ({})", dir.as_str());
        let f = Fixture::new(dir, &base());
        let before = snapshot_tree(&f.dest());
        let status_before = f.pair_status();
        // Content and modes change: an edit, a new exec bit, a removed exec
        // bit, a new file and a deleted one.
        f.edit_source(&[
            skill_edit(5, "step 2, upstream"),
            Op::SetExec("scripts/helper.sh"),
            write("added.md", "new\n"),
            Op::Remove("data.bin"),
        ]);
        std::fs::set_permissions(
            f.source().join("scripts/run.sh"),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
        if dir == Dir::UpstreamToCollection {
            f.up.commit("drop the exec bit");
            f.env.run_ok(&["fetch"]);
        }
        let (out, report) = f.sync(&[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_eq!(only_result(&report.unwrap())["outcome"], "updated");
        assert_files(&read_files(&f.dest()), &read_files(&f.source()), &what);

        undo_restores(&f, &before, &what);
        // The base record is back too: the update is incoming again.
        assert_eq!(status_before, "in_sync");
        assert_eq!(f.pair_status(), "behind", "{what}");
        // And the sync can simply be run again.
        let (out, _) = f.sync(&[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        undo_refuses_after_an_edit(&f, &what);
    }
}

#[test]
fn undo_a_sync_that_merged() {
    for dir in Dir::BOTH {
        let what = format!("a sync merge ({})", dir.as_str());
        let f = Fixture::new(dir, &base());
        f.edit_source(&[skill_edit(5, "step 2, upstream")]);
        f.edit_dest(&[
            skill_edit(14, "step 11, local"),
            Op::SetExec("scripts/helper.sh"),
        ]);
        let before = snapshot_tree(&f.dest());
        let (out, report) = f.sync(&[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_eq!(only_result(&report.unwrap())["outcome"], "merged");
        undo_restores(&f, &before, &what);
        assert_eq!(f.pair_status(), "diverged", "{what}");
        let (out, _) = f.sync(&[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        undo_refuses_after_an_edit(&f, &what);
    }
}

#[test]
fn undo_a_resolve() {
    for dir in Dir::BOTH {
        let what = format!("resolve ({})", dir.as_str());
        let f = Fixture::new(dir, &base());
        f.edit_source(&[skill_edit(5, "step 2, upstream")]);
        f.edit_dest(&[skill_edit(5, "step 2, local")]);
        let before = snapshot_tree(&f.dest());
        let (out, _) = f.sync(&[]);
        assert_eq!(out.code, 3, "{what}: {}", out.stderr);
        let out = f.resolve(&["--all", "theirs"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_files(&read_files(&f.dest()), &read_files(&f.source()), &what);
        undo_restores(&f, &before, &what);
        assert_eq!(f.pair_status(), "diverged", "{what}");
        // Sync and resolve again, then an edit blocks undo.
        let (out, _) = f.sync(&[]);
        assert_eq!(out.code, 3, "{what}: {}", out.stderr);
        let out = f.resolve(&["--all", "ours"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        undo_refuses_after_an_edit(&f, &what);
    }
}

#[test]
fn undo_project_to_collection() {
    // The destination is the collection: undo without --project.
    let f = Fixture::new(Dir::UpstreamToCollection, &base());
    let before = snapshot_tree(&f.collection_skill());
    apply(
        &f.project_skill(),
        &[
            skill_edit(8, "step 5, from the project"),
            write("new.md", "x\n"),
        ],
    );
    let out = f.env.json(&[
        "sync",
        "--direction",
        "project_to_collection",
        ID,
        "--project",
        f.project_str(),
    ]);
    assert_eq!(only_result(&out)["outcome"], "updated", "{out:#}");
    assert_files(
        &read_files(&f.collection_skill()),
        &read_files(&f.project_skill()),
        "project_to_collection",
    );
    let project_before = snapshot_tree(&f.project_skill());
    undo_restores(&f, &before, "project_to_collection");
    assert_same_tree(
        &project_before,
        &snapshot_tree(&f.project_skill()),
        "undo in the collection leaves the project alone",
    );
    // The lock entry is back at the deployed hash: the project is ahead.
    let st = f.env.json(&["status", "--project", f.project_str()]);
    assert_eq!(
        project_entry(artifact(&st, ID), &f.project)["status"],
        "ahead"
    );
    // Bring the change in again; an edit in the collection blocks undo.
    f.env.run_ok(&[
        "sync",
        "--direction",
        "project_to_collection",
        ID,
        "--project",
        f.project_str(),
    ]);
    undo_refuses_after_an_edit(&f, "project_to_collection");
}

#[test]
fn repeated_undo_walks_back_through_every_write() {
    let f = Fixture::new(Dir::CollectionToProject, &base());
    let mut states = vec![Tree::new(), snapshot_tree(&f.dest())];
    for i in 1..=3 {
        f.edit_source(&[skill_edit(4 + i, &format!("step {i}, version {i}"))]);
        let (out, _) = f.sync(&[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        states.push(snapshot_tree(&f.dest()));
    }
    // The newest state is on disk; undo steps back one write at a time,
    // through the deploy to nothing.
    states.pop();
    while let Some(state) = states.pop() {
        undo_restores(&f, &state, &format!("undo back to state {}", states.len()));
    }
    let out = f.undo();
    out.assert_error("nothing left to undo");
    assert!(out.stderr.contains("nothing to undo"), "{}", out.stderr);
}
