//! `artisync sync` end to end, as a table of scenarios: what changed on the
//! source side, what changed on the destination side, and what the sync
//! must do. Every row runs in its own environment, once for
//! upstream_to_collection and once for collection_to_project. Conflicts are
//! resolved three ways; strategies, confirmation and project_to_collection
//! have their own tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::fs;

use artisync_testkit::{assert_same_tree, git, snapshot_tree};
use serde_json::Value;
use sync_support::*;

const BIN_BASE: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10base-image-bytes\0\xff\xfe";
const BIN_UP: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x20upstream-image\0\x01\x02";
const BIN_LOCAL: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x30local-image\0\x03";

fn skill_md() -> String {
    format!(
        "---\nname: x\ndescription: A test skill\n---\n{}",
        lines("step", 16)
    )
}
const CRLF: &str = "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\n";
const NO_NEWLINE: &str = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta";
const BOM: &str = "\u{feff}# Title\n\nfirst\nsecond\nthird\nfourth\nfifth\n";

/// The files of `skill:x` before either side changes.
fn base() -> Files {
    let mut f = Files::new();
    let mut put = |p: &str, exec: bool, data: &[u8]| {
        f.insert(p.to_string(), (exec, data.to_vec()));
    };
    put("SKILL.md", false, skill_md().as_bytes());
    put("notes.md", false, lines("note", 8).as_bytes());
    put("long.md", false, lines("guide line", 20).as_bytes());
    put("scripts/run.sh", true, b"#!/bin/sh\necho run\n");
    put(
        "scripts/helper.sh",
        false,
        b"#!/bin/sh\necho helper\nexit 0\n",
    );
    put("data.bin", false, BIN_BASE);
    put("crlf.txt", false, CRLF.as_bytes());
    put("nonl.txt", false, NO_NEWLINE.as_bytes());
    put("bom.md", false, BOM.as_bytes());
    f
}

fn text(files: &Files, path: &str) -> String {
    String::from_utf8(files[path].1.clone()).unwrap()
}

/// `path` of the base with the given lines replaced.
fn edited(path: &str, edits: &[(usize, &str)]) -> String {
    let mut t = text(&base(), path);
    for (n, with) in edits {
        t = replace_line(&t, *n, with);
    }
    t
}

fn edit(path: &'static str, edits: &[(usize, &str)]) -> Op {
    write(path, &edited(path, edits))
}

enum Expect {
    /// The sync writes: `outcome` (updated or merged) and these files.
    Written {
        outcome: &'static str,
        files: Files,
        /// (path, change) pairs the report must list (others may follow).
        changes: Vec<(&'static str, &'static str)>,
    },
    /// Nothing is written: only the destination changed.
    Ahead,
    /// A conflict on these (path, kind) pairs; the destination is untouched.
    Conflict(Vec<(&'static str, &'static str)>),
}

struct Row {
    name: &'static str,
    source: Vec<Op>,
    dest: Vec<Op>,
    expect: Expect,
}

fn with(ops: &[&[Op]]) -> Files {
    let mut f = base();
    for o in ops {
        f = apply_files(&f, o);
    }
    f
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();

    let src = vec![edit("SKILL.md", &[(6, "step 2, improved upstream")])];
    rows.push(Row {
        name: "only the source changed",
        expect: Expect::Written {
            outcome: "updated",
            files: with(&[&src]),
            changes: vec![("SKILL.md", "taken")],
        },
        source: src,
        dest: vec![],
    });

    rows.push(Row {
        name: "only the destination changed",
        source: vec![],
        dest: vec![edit("notes.md", &[(2, "note 2, edited locally")])],
        expect: Expect::Ahead,
    });

    let mut both = base();
    both.get_mut("SKILL.md").unwrap().1 = edited(
        "SKILL.md",
        &[(6, "step 2, upstream"), (18, "step 14, local")],
    )
    .into_bytes();
    rows.push(Row {
        name: "both changed different lines",
        source: vec![edit("SKILL.md", &[(6, "step 2, upstream")])],
        dest: vec![edit("SKILL.md", &[(18, "step 14, local")])],
        expect: Expect::Written {
            outcome: "merged",
            files: both,
            changes: vec![("SKILL.md", "merged")],
        },
    });

    rows.push(Row {
        name: "both changed the same lines",
        source: vec![edit("SKILL.md", &[(10, "step 6, upstream")])],
        dest: vec![edit("SKILL.md", &[(10, "step 6, local")])],
        expect: Expect::Conflict(vec![("SKILL.md", "content")]),
    });

    let src = vec![write("references/new.md", "A new reference\n")];
    let dst = vec![edit("notes.md", &[(2, "note 2, local")])];
    rows.push(Row {
        name: "a file added upstream, another edited locally",
        expect: Expect::Written {
            outcome: "merged",
            files: with(&[&src, &dst]),
            changes: vec![("references/new.md", "taken")],
        },
        source: src,
        dest: dst,
    });

    let src = vec![Op::Remove("notes.md")];
    rows.push(Row {
        name: "an untouched file deleted upstream",
        expect: Expect::Written {
            outcome: "updated",
            files: with(&[&src]),
            changes: vec![("notes.md", "taken")],
        },
        source: src,
        dest: vec![],
    });

    let src = vec![Op::Remove("notes.md")];
    let dst = vec![edit("SKILL.md", &[(18, "step 14, local")])];
    rows.push(Row {
        name: "an untouched file deleted upstream, another edited locally",
        expect: Expect::Written {
            outcome: "merged",
            files: with(&[&src, &dst]),
            changes: vec![("notes.md", "taken")],
        },
        source: src,
        dest: dst,
    });

    rows.push(Row {
        name: "a locally edited file deleted upstream",
        source: vec![Op::Remove("notes.md")],
        dest: vec![edit("notes.md", &[(2, "note 2, local")])],
        expect: Expect::Conflict(vec![("notes.md", "delete_edit")]),
    });

    let src = vec![Op::Rename("notes.md", "docs/notes.md")];
    let dst = vec![edit("SKILL.md", &[(18, "step 14, local")])];
    rows.push(Row {
        name: "a file renamed upstream, another edited locally",
        expect: Expect::Written {
            outcome: "merged",
            files: with(&[&src, &dst]),
            changes: vec![("docs/notes.md", "taken"), ("notes.md", "taken")],
        },
        source: src,
        dest: dst,
    });

    let src = vec![
        Op::Rename("long.md", "guide.md"),
        write(
            "guide.md",
            &edited("long.md", &[(2, "guide line 2, reworded")]),
        ),
    ];
    let dst = vec![edit("long.md", &[(18, "guide line 18, local fix")])];
    let mut renamed = base();
    renamed.remove("long.md");
    renamed.insert(
        "guide.md".into(),
        (
            false,
            edited(
                "long.md",
                &[
                    (2, "guide line 2, reworded"),
                    (18, "guide line 18, local fix"),
                ],
            )
            .into_bytes(),
        ),
    );
    rows.push(Row {
        name: "a file renamed with a small edit upstream, edited locally",
        source: src,
        dest: dst,
        expect: Expect::Written {
            outcome: "merged",
            files: renamed,
            changes: vec![],
        },
    });

    let src = vec![edit("long.md", &[(18, "guide line 18, upstream fix")])];
    let dst = vec![
        Op::Rename("long.md", "guide.md"),
        write(
            "guide.md",
            &edited("long.md", &[(2, "guide line 2, reworded locally")]),
        ),
    ];
    let mut renamed = base();
    renamed.remove("long.md");
    renamed.insert(
        "guide.md".into(),
        (
            false,
            edited(
                "long.md",
                &[
                    (2, "guide line 2, reworded locally"),
                    (18, "guide line 18, upstream fix"),
                ],
            )
            .into_bytes(),
        ),
    );
    rows.push(Row {
        name: "a file edited upstream, renamed with a small edit locally",
        source: src,
        dest: dst,
        expect: Expect::Written {
            outcome: "merged",
            files: renamed,
            changes: vec![("guide.md", "merged")],
        },
    });

    rows.push(Row {
        name: "a binary file changed on both sides",
        source: vec![Op::Write("data.bin", BIN_UP.to_vec())],
        dest: vec![Op::Write("data.bin", BIN_LOCAL.to_vec())],
        expect: Expect::Conflict(vec![("data.bin", "binary")]),
    });

    let src = vec![Op::Write("data.bin", BIN_UP.to_vec())];
    let dst = vec![edit("SKILL.md", &[(18, "step 14, local")])];
    rows.push(Row {
        name: "a binary file changed upstream only",
        expect: Expect::Written {
            outcome: "merged",
            files: with(&[&src, &dst]),
            changes: vec![("data.bin", "taken")],
        },
        source: src,
        dest: dst,
    });

    let src = vec![Op::SetExec("scripts/helper.sh")];
    let dst = vec![write(
        "scripts/helper.sh",
        "#!/bin/sh\necho helper, improved locally\nexit 0\n",
    )];
    rows.push(Row {
        name: "the exec bit set upstream, the content edited locally",
        expect: Expect::Written {
            outcome: "merged",
            files: with(&[&src, &dst]),
            changes: vec![],
        },
        source: src,
        dest: dst,
    });

    let src = vec![
        edit("crlf.txt", &[(1, "ONE")]),
        edit("nonl.txt", &[(1, "ALPHA")]),
        edit("bom.md", &[(3, "FIRST")]),
    ];
    let dst = vec![
        edit("crlf.txt", &[(7, "SEVEN")]),
        edit("nonl.txt", &[(6, "ZETA")]),
        edit("bom.md", &[(7, "FIFTH")]),
    ];
    let mut endings = base();
    for (p, t) in [
        (
            "crlf.txt",
            "ONE\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nSEVEN\r\n",
        ),
        ("nonl.txt", "ALPHA\nbeta\ngamma\ndelta\nepsilon\nZETA"),
        (
            "bom.md",
            "\u{feff}# Title\n\nFIRST\nsecond\nthird\nfourth\nFIFTH\n",
        ),
    ] {
        endings.get_mut(p).unwrap().1 = t.as_bytes().to_vec();
    }
    rows.push(Row {
        name: "CRLF, no final newline and a BOM, edited on both sides",
        source: src,
        dest: dst,
        expect: Expect::Written {
            outcome: "merged",
            files: endings,
            changes: vec![
                ("bom.md", "merged"),
                ("crlf.txt", "merged"),
                ("nonl.txt", "merged"),
            ],
        },
    });

    rows
}

/// The destination's hash as `status` reports it.
fn dest_hash(f: &Fixture) -> Option<String> {
    let st = f.env.json(&["status", "--project", f.project_str()]);
    let a = artifact(&st, ID);
    let h = match f.dir {
        Dir::UpstreamToCollection => &a["collection"]["hash"],
        Dir::CollectionToProject => &project_entry(a, &f.project)["hash"],
    };
    h.as_str().map(str::to_string)
}

/// Runs the sync again and checks that it reports `unchanged` and writes
/// nothing at all.
fn assert_rerun_is_a_no_op(f: &Fixture, what: &str) {
    let before = f.snapshot();
    let (out, report) = f.sync(&[]);
    assert_eq!(out.code, 0, "{what}: re-run failed: {}", out.stderr);
    let report = report.unwrap();
    for a in report["artifacts"].as_array().unwrap() {
        assert_eq!(a["outcome"], "unchanged", "{what}: re-run: {a:#}");
        assert_eq!(a["from"], a["to"], "{what}: re-run: {a:#}");
    }
    assert_same_tree(
        &before,
        &f.snapshot(),
        &format!("{what}: re-running a finished sync"),
    );
}

/// For upstream_to_collection: the collection's HEAD is the report's
/// commit and nothing is left uncommitted.
fn assert_collection_committed(f: &Fixture, report: &Value, what: &str) {
    let head = git(&f.collection, &["rev-parse", "HEAD"]);
    assert_eq!(report["commit"].as_str(), Some(head.as_str()), "{what}");
    let dirty = git(&f.collection, &["status", "--porcelain"]);
    assert_eq!(dirty, "", "{what}: the collection has uncommitted changes");
}

/// Sets up `row` in direction `dir` and runs the sync; returns the fixture
/// and the destination's files before the sync.
fn run_row(row: &Row, dir: Dir) -> Fixture {
    let what = format!("{} ({})", row.name, dir.as_str());
    let f = Fixture::new(dir, &base());
    f.edit_source(&row.source);
    f.edit_dest(&row.dest);
    let source_files = read_files(&f.source());
    let dest_tree = snapshot_tree(&f.dest());
    let status_before = f.pair_status();
    let expected_status = match (row.source.is_empty(), row.dest.is_empty()) {
        (false, true) => "behind",
        (true, false) => "ahead",
        _ => "diverged",
    };
    assert_eq!(status_before, expected_status, "{what}: status before");

    let (out, report) = f.sync(&[]);
    let report = report.unwrap_or_else(|| panic!("{what}: no report: {}", out.stderr));
    let r = only_result(&report);
    assert_eq!(r["id"], ID, "{what}");
    assert_eq!(r["strategy"], "auto", "{what}");
    assert_eq!(report["direction"], dir.as_str(), "{what}");
    assert_eq!(report["dry_run"], false, "{what}");
    let changes = file_changes(r);

    match &row.expect {
        Expect::Written {
            outcome,
            files,
            changes: listed,
        } => {
            assert_eq!(out.code, 0, "{what}: {}\n{report:#}", out.stderr);
            assert_eq!(r["outcome"], *outcome, "{what}: {r:#}");
            assert!(r["conflicts"].as_array().unwrap().is_empty(), "{what}");
            assert_files(&read_files(&f.dest()), files, &what);
            assert_eq!(
                r["to"].as_str().map(str::to_string),
                dest_hash(&f),
                "{what}: the report's 'to' is the destination's new hash"
            );
            assert_ne!(r["from"], r["to"], "{what}");
            for (p, c) in listed {
                assert!(
                    changes.contains(&(p.to_string(), c.to_string())),
                    "{what}: {p} {c} not among {changes:?}"
                );
            }
            if dir == Dir::UpstreamToCollection {
                assert_collection_committed(&f, &report, &what);
            }
            // Merged: the local changes are ahead of the new base.
            let after = f.pair_status();
            let expected = if *outcome == "updated" {
                "in_sync"
            } else {
                "ahead"
            };
            assert_eq!(after, expected, "{what}: status after");
            assert_rerun_is_a_no_op(&f, &what);
        }
        Expect::Ahead => {
            assert_eq!(out.code, 0, "{what}: {}", out.stderr);
            assert_eq!(r["outcome"], "unchanged", "{what}: {r:#}");
            assert_eq!(r["from"], r["to"], "{what}");
            assert_same_tree(&dest_tree, &snapshot_tree(&f.dest()), &what);
            assert_eq!(f.pair_status(), "ahead", "{what}: status after");
            assert_rerun_is_a_no_op(&f, &what);
        }
        Expect::Conflict(conflicts) => {
            assert_eq!(out.code, 3, "{what}: exit code\n{report:#}");
            assert_eq!(r["outcome"], "conflict", "{what}: {r:#}");
            assert_eq!(r["from"], r["to"], "{what}: nothing written");
            let got: Vec<(String, String)> = r["conflicts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["path"].as_str().unwrap().to_string(),
                        c["kind"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let want: Vec<(String, String)> = conflicts
                .iter()
                .map(|(p, k)| (p.to_string(), k.to_string()))
                .collect();
            assert_eq!(got, want, "{what}: conflicts");
            assert_same_tree(
                &dest_tree,
                &snapshot_tree(&f.dest()),
                &format!("{what}: a conflicted sync"),
            );
            assert_eq!(f.pair_status(), "conflict", "{what}: status after");
            // A second attempt stages the same conflict and still writes nothing.
            let (again, _) = f.sync(&[]);
            assert_eq!(again.code, 3, "{what}: second attempt");
            assert_same_tree(&dest_tree, &snapshot_tree(&f.dest()), &what);
        }
    }
    assert_files(&read_files(&f.source()), &source_files, &what);
    f
}

#[test]
fn scenario_table() {
    let rows = rows();
    let cases: Vec<(&Row, Dir)> = rows
        .iter()
        .flat_map(|r| Dir::BOTH.map(|d| (r, d)))
        .collect();
    // Each case is its own environment; the runs mostly wait for the disk,
    // so a few run side by side.
    run_in_parallel(&cases, |(row, dir)| {
        run_row(row, *dir);
    });
}

/// The conflict rows, with the destination's and the source's files before
/// the sync.
fn conflicted(name: &str, dir: Dir) -> (Fixture, Files, Files) {
    let row = rows().into_iter().find(|r| r.name == name).unwrap();
    let ours = apply_files(&base(), &row.dest);
    let theirs = apply_files(&base(), &row.source);
    (run_row(&row, dir), ours, theirs)
}

const SAME_LINES: &str = "both changed the same lines";

/// Every conflict row in both directions.
fn conflict_cases() -> Vec<(&'static str, Dir)> {
    [
        SAME_LINES,
        "a locally edited file deleted upstream",
        "a binary file changed on both sides",
    ]
    .into_iter()
    .flat_map(|n| Dir::BOTH.map(|d| (n, d)))
    .collect()
}

#[test]
fn resolve_a_conflict_with_ours() {
    run_in_parallel(&conflict_cases(), |(name, dir)| {
        let (name, dir) = (*name, *dir);
        {
            let what = format!("{name} ({}), resolved with ours", dir.as_str());
            let (f, ours, _) = conflicted(name, dir);
            let out = f.resolve(&["--all", "ours"]);
            assert_eq!(out.code, 0, "{what}: {}", out.stderr);
            assert_files(&read_files(&f.dest()), &ours, &what);
            assert_ne!(f.pair_status(), "conflict", "{what}");
            assert_eq!(f.pair_status(), "ahead", "{what}");
            if dir == Dir::UpstreamToCollection {
                assert_eq!(git(&f.collection, &["status", "--porcelain"]), "", "{what}");
            }
            assert_rerun_is_a_no_op(&f, &what);
        }
    });
}

#[test]
fn resolve_a_conflict_with_theirs() {
    run_in_parallel(&conflict_cases(), |(name, dir)| {
        let (name, dir) = (*name, *dir);
        {
            let what = format!("{name} ({}), resolved with theirs", dir.as_str());
            let (f, _, theirs) = conflicted(name, dir);
            // Per file, by name.
            let conflict_path = match name {
                SAME_LINES => "SKILL.md",
                "a binary file changed on both sides" => "data.bin",
                _ => "notes.md",
            };
            let out = f.resolve(&["--file", &format!("{conflict_path}=theirs")]);
            assert_eq!(out.code, 0, "{what}: {}", out.stderr);
            assert_files(&read_files(&f.dest()), &theirs, &what);
            assert_eq!(f.pair_status(), "in_sync", "{what}");
            assert_rerun_is_a_no_op(&f, &what);
        }
    });
}

#[test]
fn resolve_a_conflict_with_an_edited_file() {
    for dir in Dir::BOTH {
        let what = format!(
            "{SAME_LINES} ({}), resolved with an edited file",
            dir.as_str()
        );
        let (f, ours, _) = conflicted(SAME_LINES, dir);

        // Without a choice, resolve shows the conflicting hunks.
        let shown = f.resolve(&[]);
        assert_eq!(shown.code, 0, "{what}: {shown:#?}");
        for needle in ["hunk 1 of 1", "step 6, local", "step 6, upstream"] {
            assert!(
                shown.stdout.contains(needle),
                "{what}: {needle:?} not in {}",
                shown.stdout
            );
        }
        let mut json_args = vec!["resolve", ID, "--json"];
        let pa = f.project_args();
        json_args.extend(pa.iter().map(String::as_str));
        let (out, view) = run_json(&f.env, &json_args);
        assert_eq!(out.code, 0, "{what}");
        let view = view.unwrap();
        let file = &view["files"][0];
        assert_eq!(file["path"], "SKILL.md", "{what}: {view:#}");
        let merged = file["merged"].as_str().unwrap().to_string();
        assert!(merged.contains("<<<<<<< ours"), "{what}: {merged}");

        // An edited text that still has markers is refused, naming the file.
        let dest_before = snapshot_tree(&f.dest());
        let marked = f.env.root().join("still-marked.md");
        fs::write(&marked, &merged).unwrap();
        let refused = f.resolve(&["--file", &format!("SKILL.md=@{}", marked.display())]);
        refused.assert_error(&what);
        assert!(
            refused.stderr.contains("SKILL.md"),
            "{what}: {}",
            refused.stderr
        );
        assert_same_tree(&dest_before, &snapshot_tree(&f.dest()), &what);
        assert_eq!(f.pair_status(), "conflict", "{what}");

        // The hand-merged text is written byte for byte.
        let hand = edited("SKILL.md", &[(10, "step 6, merged by hand")]);
        let hand = hand.replace('\n', "\r\n") + "no final newline";
        let file = f.env.root().join("hand-merged.md");
        fs::write(&file, &hand).unwrap();
        let out = f.resolve(&["--file", &format!("SKILL.md=@{}", file.display())]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        let mut expected = ours.clone();
        expected.get_mut("SKILL.md").unwrap().1 = hand.into_bytes();
        assert_files(&read_files(&f.dest()), &expected, &what);
        assert_eq!(f.pair_status(), "ahead", "{what}");
        assert_rerun_is_a_no_op(&f, &what);
    }
}

/// A source edit and an unrelated local edit: an incoming update over local
/// changes.
fn diverged(dir: Dir) -> Fixture {
    let f = Fixture::new(dir, &base());
    f.edit_source(&[edit("SKILL.md", &[(6, "step 2, upstream")])]);
    f.edit_dest(&[edit("notes.md", &[(2, "note 2, local")])]);
    assert_eq!(f.pair_status(), "diverged");
    f
}

#[test]
fn theirs_over_local_changes_needs_yes_then_replaces() {
    for dir in Dir::BOTH {
        let what = format!("theirs over local changes ({})", dir.as_str());
        let f = diverged(dir);
        let theirs = read_files(&f.source());
        let before = f.snapshot();
        for args in [
            &["--strategy", "theirs"][..],
            &["--strategy-for", "skill:x=theirs"][..],
        ] {
            let (out, _) = f.sync(args);
            assert_eq!(out.code, 1, "{what} {args:?}: {out:#?}");
            assert!(out.stderr.contains("--yes"), "{what}: {}", out.stderr);
            assert!(
                out.stderr.contains("local changes"),
                "{what}: {}",
                out.stderr
            );
            assert_same_tree(&before, &f.snapshot(), &format!("{what}: refused"));
        }
        // A dry run shows the choice as destructive and writes nothing.
        let (out, report) = f.sync(&["--strategy", "theirs", "--dry-run"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        let r = only_result(report.as_ref().unwrap()).clone();
        assert!(r["destructive"].is_string(), "{what}: {r:#}");
        assert_same_tree(&before, &f.snapshot(), &format!("{what}: dry run"));

        let (out, report) = f.sync(&["--strategy", "theirs", "--yes"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        let r = only_result(report.as_ref().unwrap());
        assert_eq!(r["outcome"], "updated", "{what}: {r:#}");
        assert_eq!(r["strategy"], "theirs", "{what}");
        assert_files(&read_files(&f.dest()), &theirs, &what);
        assert_eq!(f.pair_status(), "in_sync", "{what}");
        assert_rerun_is_a_no_op(&f, &what);
    }
}

#[test]
fn ours_over_an_incoming_update_needs_yes_then_keeps_the_destination() {
    for dir in Dir::BOTH {
        let what = format!("ours over an incoming update ({})", dir.as_str());
        let f = diverged(dir);
        let dest_tree = snapshot_tree(&f.dest());
        let before = f.snapshot();
        let (out, _) = f.sync(&["--strategy", "ours"]);
        assert_eq!(out.code, 1, "{what}: {out:#?}");
        assert!(out.stderr.contains("--yes"), "{what}: {}", out.stderr);
        assert!(out.stderr.contains("incoming"), "{what}: {}", out.stderr);
        assert_same_tree(&before, &f.snapshot(), &format!("{what}: refused"));

        let (out, report) = f.sync(&["--strategy", "ours", "--yes"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        let r = only_result(report.as_ref().unwrap());
        assert_eq!(r["outcome"], "unchanged", "{what}: {r:#}");
        assert_eq!(r["strategy"], "ours", "{what}");
        assert_same_tree(&dest_tree, &snapshot_tree(&f.dest()), &what);
        // The incoming version counts as merged: the pair is ahead, no longer
        // behind or diverged, and an automatic sync brings nothing.
        assert_eq!(f.pair_status(), "ahead", "{what}");
        assert_rerun_is_a_no_op(&f, &what);
        if dir == Dir::UpstreamToCollection {
            assert_eq!(git(&f.collection, &["status", "--porcelain"]), "", "{what}");
        }
    }
}

#[test]
fn project_to_collection_then_into_a_second_project() {
    let f = Fixture::new(Dir::CollectionToProject, &base());
    let second = f.env.project("api");
    let s = second.to_str().unwrap();
    f.env.run_ok(&["deploy", ID, "--project", s]);
    let commits_before = git(&f.collection, &["rev-list", "--count", "HEAD"]);

    let improved = edited("SKILL.md", &[(12, "step 8, improved in the web project")]);
    apply(&f.project_skill(), &[write("SKILL.md", &improved)]);
    apply(
        &f.project_skill(),
        &[write("extra/tips.md", "Tips from web\n")],
    );
    let web_files = read_files(&f.project_skill());

    let (out, report) = run_json(
        &f.env,
        &[
            "sync",
            "--direction",
            "project_to_collection",
            ID,
            "--project",
            f.project_str(),
            "--json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    let r = only_result(&report);
    assert_eq!(r["outcome"], "updated", "{r:#}");
    assert_eq!(report["destination"]["tier"], "collection");
    assert_files(&read_files(&f.collection_skill()), &web_files, "collection");

    // The collection got one new commit, the report's, naming the artifact.
    let commits_after = git(&f.collection, &["rev-list", "--count", "HEAD"]);
    assert_eq!(
        commits_after.parse::<u32>().unwrap(),
        commits_before.parse::<u32>().unwrap() + 1
    );
    let head = git(&f.collection, &["log", "-1", "--format=%H%n%s"]);
    let (hash, subject) = head.split_once('\n').unwrap();
    assert_eq!(report["commit"].as_str(), Some(hash));
    assert!(subject.contains("project_to_collection"), "{subject}");
    assert!(subject.contains(ID), "{subject}");
    let changed = git(&f.collection, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(changed.contains("skills/x/SKILL.md"), "{changed}");
    assert!(changed.contains("skills/x/extra/tips.md"), "{changed}");
    assert_eq!(git(&f.collection, &["status", "--porcelain"]), "");

    // The web project is now in sync; the api project is behind.
    let st = f.env.json(&["status"]);
    let a = artifact(&st, ID);
    assert_eq!(project_entry(a, &f.project)["status"], "in_sync", "{a:#}");
    assert_eq!(project_entry(a, &second)["status"], "behind", "{a:#}");

    let out = f.env.json(&[
        "sync",
        "--direction",
        "collection_to_project",
        ID,
        "--project",
        s,
    ]);
    assert_eq!(only_result(&out)["outcome"], "updated", "{out:#}");
    assert_files(
        &read_files(&second.join(".claude/skills/x")),
        &web_files,
        "the second project",
    );
    let st = f.env.json(&["status"]);
    assert_eq!(
        project_entry(artifact(&st, ID), &second)["status"],
        "in_sync"
    );
}

/// A command (a single-file artifact) with CRLF line endings: merged, then
/// conflicted, resolved with an edited text and undone, byte for byte.
#[test]
fn a_single_file_artifact_merges_conflicts_and_resolves() {
    run_in_parallel(&Dir::BOTH, |&dir| {
        let what = format!("command:review ({})", dir.as_str());
        let env = env();
        let collection = env.init();
        let up = artisync_testkit::UpstreamRepo::new();
        let crlf = |t: &str| t.replace('\n', "\r\n");
        let base = crlf(&lines("review step", 12));
        up.write("commands/review.md", &base);
        up.commit("review");
        env.run_ok(&["add", &up.local("commands/review.md")]);
        let project = env.project("web");
        let p = project.to_str().unwrap();
        env.run_ok(&["deploy", "command:review", "--project", p]);
        let (source, dest) = match dir {
            Dir::UpstreamToCollection => (
                up.path().join("commands/review.md"),
                collection.join("commands/review.md"),
            ),
            Dir::CollectionToProject => (
                collection.join("commands/review.md"),
                project.join(".claude/commands/review.md"),
            ),
        };
        let edit_source = |text: &str| {
            fs::write(&source, text).unwrap();
            if dir == Dir::UpstreamToCollection {
                up.commit("edit");
            }
        };
        let mut args = vec!["sync", "--direction", dir.as_str(), "command:review"];
        let mut project_args = vec![];
        if dir == Dir::CollectionToProject {
            project_args = vec!["--project", p];
        }
        args.extend(&project_args);
        args.push("--json");

        // Different lines: merged, CRLF kept.
        edit_source(&replace_line(&base, 2, "review step 2, upstream"));
        fs::write(&dest, replace_line(&base, 10, "review step 10, local")).unwrap();
        let (out, report) = run_json(&env, &args);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_eq!(only_result(report.as_ref().unwrap())["outcome"], "merged");
        let merged = replace_line(
            &replace_line(&base, 2, "review step 2, upstream"),
            10,
            "review step 10, local",
        );
        assert_eq!(fs::read_to_string(&dest).unwrap(), merged, "{what}");

        // The same line: a conflict that leaves the file alone.
        edit_source(&replace_line(&merged, 6, "review step 6, upstream"));
        let local = replace_line(&merged, 6, "review step 6, local");
        fs::write(&dest, &local).unwrap();
        let (out, report) = run_json(&env, &args);
        assert_eq!(out.code, 3, "{what}: {}", out.stderr);
        let r = only_result(report.as_ref().unwrap());
        assert_eq!(r["conflicts"][0]["path"], "review.md", "{what}: {r:#}");
        assert_eq!(fs::read_to_string(&dest).unwrap(), local, "{what}");

        let hand = replace_line(&merged, 6, "review step 6, agreed");
        let file = env.root().join("hand.md");
        fs::write(&file, &hand).unwrap();
        let mut resolve = vec!["resolve", "command:review"];
        resolve.extend(&project_args);
        let choice = format!("review.md=@{}", file.display());
        resolve.extend(["--file", choice.as_str()]);
        env.run_ok(&resolve);
        assert_eq!(fs::read_to_string(&dest).unwrap(), hand, "{what}");

        let mut undo = vec!["undo", "command:review"];
        undo.extend(&project_args);
        env.run_ok(&undo);
        assert_eq!(fs::read_to_string(&dest).unwrap(), local, "{what}: undo");
    });
}
