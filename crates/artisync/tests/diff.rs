//! `artisync diff` between every pair of tiers: file statuses (added,
//! deleted, modified, renamed), binary and large files, sizes and counts,
//! hunks with line numbers, changed words, and the human unified diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use artisync_testkit::{Redactor, TestEnv, UpstreamRepo};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

const GUIDE_V1: &str = "---\nname: guide\ndescription: A style guide\n---\n# Guide\n\nWrite short sentences.\nPrefer the active voice.\nCut needless words.\nCheck every claim.\n";
const GUIDE_V2: &str = "---\nname: guide\ndescription: A style guide\n---\n# Guide\n\nWrite short sentences.\nPrefer the passive voice.\nCut needless words.\nCheck every claim.\n";
const MOVED_V1: &str = "alpha\nbeta\ngamma\ndelta\nepsilon\n";
const MOVED_V2: &str = "alpha\nbeta\ngamma\ndelta\nepsilon!\n";

fn big(changed_line: usize) -> String {
    // About 1.2 MiB of text, over the 1 MiB limit for hunks.
    let mut s = String::new();
    for i in 0..60_000 {
        if i == changed_line {
            s.push_str("this line was changed\n");
        } else {
            s.push_str(&format!("line {i:06} of the big file\n"));
        }
    }
    assert!(s.len() > 1024 * 1024);
    s
}

struct Scenario {
    env: TestEnv,
    up: UpstreamRepo,
    project: PathBuf,
}

/// skill:guide imported at v1 and deployed; upstream then moves to v2
/// (a word changed, a file renamed with an edit, one deleted, one added, a
/// binary and a large file modified) and is fetched; the project adds a line.
fn scenario() -> Scenario {
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    up.write("skills/guide/SKILL.md", GUIDE_V1)
        .write("skills/guide/notes/old-name.md", MOVED_V1)
        .write("skills/guide/gone.md", "going away\n")
        .write_bytes("skills/guide/logo.bin", b"\x89PNG\r\n\x1a\n\0\0\0\x01")
        .write("skills/guide/big.txt", &big(usize::MAX));
    up.commit("guide v1");
    env.run_ok(&["add", &up.local("skills/guide")]);
    let project = env.project("web");
    env.run_ok(&[
        "deploy",
        "skill:guide",
        "--project",
        project.to_str().unwrap(),
    ]);

    up.write("skills/guide/SKILL.md", GUIDE_V2)
        .remove("skills/guide/notes/old-name.md")
        .write("skills/guide/notes/new-name.md", MOVED_V2)
        .remove("skills/guide/gone.md")
        .write("skills/guide/added.md", "one\ntwo\n")
        .write_bytes("skills/guide/logo.bin", b"\x89PNG\r\n\x1a\n\0\0\0\x02\x03")
        .write("skills/guide/big.txt", &big(30_000));
    up.commit("guide v2");
    env.run_ok(&["fetch"]);

    let skill = project.join(".claude/skills/guide/SKILL.md");
    std::fs::write(&skill, format!("{GUIDE_V1}Read it aloud.\n")).unwrap();
    Scenario { env, up, project }
}

impl Scenario {
    fn diff(&self, lhs: &str, rhs: &str) -> Value {
        self.env.json(&[
            "diff",
            "skill:guide",
            "--lhs",
            lhs,
            "--rhs",
            rhs,
            "--project",
            self.project.to_str().unwrap(),
        ])
    }

    fn human(&self, lhs: &str, rhs: &str) -> String {
        self.env
            .run_ok(&[
                "diff",
                "skill:guide",
                "--lhs",
                lhs,
                "--rhs",
                rhs,
                "--project",
                self.project.to_str().unwrap(),
            ])
            .stdout
    }
}

/// (path, status, old_path) of each file.
fn files(d: &Value) -> Vec<(String, String, Option<String>)> {
    d["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["old_path"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn file<'a>(d: &'a Value, path: &str) -> &'a Value {
    d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the diff: {:#}", d["files"]))
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn upstream_and_collection_both_ways() {
    let sc = scenario();
    let d = sc.diff("collection", "upstream");
    assert_eq!(d["id"], "skill:guide");
    assert_eq!(d["lhs"]["tier"], "collection");
    assert_eq!(d["rhs"]["tier"], "upstream");
    assert_eq!(
        d["lhs"]["hash"],
        sc.up.rev_parse("HEAD~1:skills/guide").as_str()
    );
    assert_eq!(
        d["rhs"]["hash"],
        sc.up.rev_parse("HEAD:skills/guide").as_str()
    );
    assert_eq!(
        files(&d),
        vec![
            (s("SKILL.md"), s("modified"), None),
            (s("added.md"), s("added"), None),
            (s("big.txt"), s("modified"), None),
            (s("gone.md"), s("deleted"), None),
            (s("logo.bin"), s("modified"), None),
            (
                s("notes/new-name.md"),
                s("renamed"),
                Some(s("notes/old-name.md"))
            ),
        ]
    );

    // A changed word: one hunk with line numbers and the word marked.
    let f = file(&d, "SKILL.md");
    assert_eq!(f["binary"], false);
    assert_eq!(
        (f["added"].as_u64(), f["removed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(f["old_size"], GUIDE_V1.len());
    assert_eq!(f["new_size"], GUIDE_V2.len());
    let hunks = f["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 1);
    let h = &hunks[0];
    assert_eq!(
        (
            &h["old_start"],
            &h["old_lines"],
            &h["new_start"],
            &h["new_lines"]
        ),
        (&5.into(), &6.into(), &5.into(), &6.into())
    );
    let lines = h["lines"].as_array().unwrap();
    let removed = lines.iter().find(|l| l["kind"] == "removed").unwrap();
    let added = lines.iter().find(|l| l["kind"] == "added").unwrap();
    assert_eq!(removed["text"], "Prefer the active voice.");
    assert_eq!(removed["old_line"], 8);
    assert!(removed.get("new_line").is_none());
    assert_eq!(added["text"], "Prefer the passive voice.");
    assert_eq!(added["new_line"], 8);
    let changed = |l: &Value| -> Vec<String> {
        l["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["changed"] == true)
            .map(|s| s["text"].as_str().unwrap().trim().to_string())
            .collect()
    };
    assert_eq!(changed(removed), vec!["active"]);
    assert_eq!(changed(added), vec!["passive"]);
    let joined: String = added["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(joined, "Prefer the passive voice.");
    let context = lines.iter().find(|l| l["kind"] == "context").unwrap();
    assert_eq!(
        (&context["old_line"], &context["new_line"]),
        (&5.into(), &5.into())
    );

    // Added and deleted files count their lines.
    let a = file(&d, "added.md");
    assert_eq!(
        (a["added"].as_u64(), a["removed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(a["new_size"], 8);
    let h = &a["hunks"][0];
    assert_eq!(
        (
            &h["old_start"],
            &h["old_lines"],
            &h["new_start"],
            &h["new_lines"]
        ),
        (&0.into(), &0.into(), &1.into(), &2.into())
    );
    assert!(a.get("old_size").is_none());
    let g = file(&d, "gone.md");
    assert_eq!(
        (g["added"].as_u64(), g["removed"].as_u64()),
        (Some(0), Some(1))
    );

    // A rename with a small edit.
    let r = file(&d, "notes/new-name.md");
    assert_eq!(
        (r["added"].as_u64(), r["removed"].as_u64()),
        (Some(1), Some(1))
    );

    // Binary: flagged, sizes, no hunks.
    let b = file(&d, "logo.bin");
    assert_eq!(b["binary"], true);
    assert_eq!(
        (b["old_size"].as_u64(), b["new_size"].as_u64()),
        (Some(12), Some(13))
    );
    assert_eq!(b["hunks"], serde_json::json!([]));

    // Over 1 MiB: counts but no hunks.
    let big = file(&d, "big.txt");
    assert_eq!(big["binary"], false);
    assert_eq!(big["too_large"], true);
    assert_eq!(big["hunks"], serde_json::json!([]));
    assert_eq!(
        (big["added"].as_u64(), big["removed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(big["new_size"].as_u64().unwrap() > 1024 * 1024);

    assert_eq!(d["stats"]["files"], 6);
    assert_eq!(d["stats"]["added"], 1 + 2 + 1 + 1);
    assert_eq!(d["stats"]["removed"], 1 + 1 + 1 + 1);

    // The other way round: added and deleted swap, the rename reverses, and
    // so do counts and line numbers.
    let r = sc.diff("upstream", "collection");
    assert_eq!(
        files(&r),
        vec![
            (s("SKILL.md"), s("modified"), None),
            (s("added.md"), s("deleted"), None),
            (s("big.txt"), s("modified"), None),
            (s("gone.md"), s("added"), None),
            (s("logo.bin"), s("modified"), None),
            (
                s("notes/old-name.md"),
                s("renamed"),
                Some(s("notes/new-name.md"))
            ),
        ]
    );
    assert_eq!(r["stats"]["added"], d["stats"]["removed"]);
    assert_eq!(r["stats"]["removed"], d["stats"]["added"]);
    let rf = file(&r, "SKILL.md");
    let rl = rf["hunks"][0]["lines"].as_array().unwrap();
    let removed = rl.iter().find(|l| l["kind"] == "removed").unwrap();
    assert_eq!(removed["text"], "Prefer the passive voice.");
    assert_eq!(changed(removed), vec!["passive"]);
    let b = file(&r, "logo.bin");
    assert_eq!(
        (b["old_size"].as_u64(), b["new_size"].as_u64()),
        (Some(13), Some(12))
    );
}

#[test]
fn collection_and_project_both_ways() {
    let sc = scenario();
    let d = sc.diff("collection", "project");
    assert_eq!(d["lhs"]["tier"], "collection");
    assert_eq!(d["rhs"]["tier"], "project");
    assert!(
        d["rhs"]["label"]
            .as_str()
            .unwrap()
            .contains(sc.project.to_str().unwrap()),
        "{:#}",
        d["rhs"]
    );
    assert_eq!(files(&d), vec![(s("SKILL.md"), s("modified"), None)]);
    let f = file(&d, "SKILL.md");
    assert_eq!(
        (f["added"].as_u64(), f["removed"].as_u64()),
        (Some(1), Some(0))
    );
    let h = &f["hunks"][0];
    assert_eq!((&h["old_start"], &h["new_start"]), (&8.into(), &8.into()));
    assert_eq!((&h["old_lines"], &h["new_lines"]), (&3.into(), &4.into()));
    let added = h["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "added")
        .unwrap();
    assert_eq!(added["text"], "Read it aloud.");
    assert_eq!(added["new_line"], 11);
    // An unpaired added line has no word spans.
    assert!(added.get("spans").is_none());

    let r = sc.diff("project", "collection");
    let f = file(&r, "SKILL.md");
    assert_eq!(
        (f["added"].as_u64(), f["removed"].as_u64()),
        (Some(0), Some(1))
    );
    let removed = &f["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "removed")
        .unwrap()
        .clone();
    assert_eq!(removed["old_line"], 11);

    // The same tier on both sides: no differences.
    let same = sc.diff("collection", "collection");
    assert_eq!(same["files"], serde_json::json!([]));
    let human = sc.human("project", "project");
    assert!(human.contains("No differences"), "{human}");
}

#[test]
fn upstream_and_project_both_ways() {
    let sc = scenario();
    let d = sc.diff("upstream", "project");
    assert_eq!(d["lhs"]["tier"], "upstream");
    assert_eq!(d["rhs"]["tier"], "project");
    assert_eq!(
        files(&d),
        vec![
            (s("SKILL.md"), s("modified"), None),
            (s("added.md"), s("deleted"), None),
            (s("big.txt"), s("modified"), None),
            (s("gone.md"), s("added"), None),
            (s("logo.bin"), s("modified"), None),
            (
                s("notes/old-name.md"),
                s("renamed"),
                Some(s("notes/new-name.md"))
            ),
        ]
    );
    // SKILL.md: the word changed back and a line added at the end.
    let f = file(&d, "SKILL.md");
    assert_eq!(
        (f["added"].as_u64(), f["removed"].as_u64()),
        (Some(2), Some(1))
    );

    let r = sc.diff("project", "upstream");
    let f = file(&r, "SKILL.md");
    assert_eq!(
        (f["added"].as_u64(), f["removed"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(file(&r, "added.md")["status"], "added");
    assert_eq!(file(&r, "gone.md")["status"], "deleted");
}

#[test]
fn human_diff_is_a_unified_diff() {
    let sc = scenario();
    let out = sc.human("collection", "upstream");
    for needle in [
        "diff a/SKILL.md b/SKILL.md",
        "--- a/SKILL.md",
        "+++ b/SKILL.md",
        "@@ -5,6 +5,6 @@",
        // An empty side starts at line 0, as patch(1) expects.
        "--- /dev/null\n+++ b/added.md\n@@ -0,0 +1,2 @@\n+one\n+two\n",
        "--- a/gone.md\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-going away\n",
        "-Prefer the active voice.",
        "+Prefer the passive voice.",
        " Write short sentences.",
        "--- /dev/null",
        "+++ b/added.md",
        "--- a/gone.md",
        "+++ /dev/null",
        "rename from notes/old-name.md",
        "rename to notes/new-name.md",
        "Binary files differ",
        "6 files changed",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
    }
    // No colour codes when NO_COLOR is set and stdout is not a terminal.
    assert!(!out.contains('\x1b'), "{out}");

    let redact = Redactor::new()
        .replace(sc.up.path().to_str().unwrap(), "[UPSTREAM]")
        .replace(sc.env.root().to_str().unwrap(), "[TMP]")
        .commit(&sc.up.head(), "COMMIT");
    insta::assert_snapshot!("diff_collection_to_upstream", redact.apply(&out));
}

#[test]
fn a_missing_side_is_all_added_or_all_deleted() {
    let sc = scenario();
    std::fs::remove_dir_all(sc.project.join(".claude/skills/guide")).unwrap();
    let d = sc.diff("collection", "project");
    assert_eq!(d["rhs"]["hash"], Value::Null);
    for (_, status, _) in files(&d) {
        assert_eq!(status, "deleted");
    }
    let d = sc.diff("project", "collection");
    for (_, status, _) in files(&d) {
        assert_eq!(status, "added");
    }
    assert_eq!(d["files"].as_array().unwrap().len(), 5);
}

#[test]
fn the_human_diff_applies_with_git_apply() {
    // Text-only changes (edit, add, delete, a change at the top and at the
    // end of a file): applying the printed diff to the old side gives the
    // new side, byte for byte.
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    up.write("skills/s/SKILL.md", GUIDE_V1)
        .write("skills/s/a.md", "first\nsecond\nthird\n")
        .write("skills/s/b.md", "to delete\nreally\n")
        .write("skills/s/c.md", "no newline at end");
    up.commit("v1");
    env.run_ok(&["add", &up.local("skills/s")]);
    up.write(
        "skills/s/SKILL.md",
        &GUIDE_V2.replace("# Guide", "# The guide"),
    )
    .write("skills/s/a.md", "zeroth\nfirst\nsecond\nthird\nfourth\n")
    .remove("skills/s/b.md")
    .write("skills/s/new.md", "brand\nnew\n")
    .write("skills/s/c.md", "still no newline");
    up.commit("v2");
    env.run_ok(&["fetch"]);
    let out = env
        .run_ok(&[
            "diff",
            "skill:s",
            "--lhs",
            "collection",
            "--rhs",
            "upstream",
        ])
        .stdout;

    let work = env.root().join("apply");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    };
    copy(&env.collection_dir("default").join("skills/s"), &work);
    std::fs::write(env.root().join("change.diff"), &out).unwrap();
    artisync_testkit::git(
        &work,
        &[
            "apply",
            "--verbose",
            env.root().join("change.diff").to_str().unwrap(),
        ],
    );
    assert_eq!(
        artisync_testkit::snapshot_tree(&work),
        artisync_testkit::snapshot_tree(&up.path().join("skills/s")),
        "applying:\n{out}"
    );
}
