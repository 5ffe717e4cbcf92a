//! `artisync resolve` as a person uses it: without a choice it shows each
//! conflicting hunk with the base and the commands to go on; `--output`
//! writes a file's merged text out for the user's own tools; `--edit` runs
//! the user's editor (a script here) on it. Nothing is written until a
//! resolution succeeds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, snapshot_tree, Output};
use serde_json::Value;
use sync_support::*;

fn base() -> Files {
    let mut f = Files::new();
    f.insert(
        "SKILL.md".into(),
        (
            false,
            format!(
                "---\nname: x\ndescription: A test skill.\n---\n{}",
                lines("step", 10)
            )
            .into_bytes(),
        ),
    );
    f.insert("notes.md".into(), (false, lines("note", 6).into_bytes()));
    f.insert("data.bin".into(), (false, b"\0base\0".to_vec()));
    f
}

/// SKILL.md conflicts in two places (lines 6 and 12 of the file), and
/// notes.md in one; with `binary`, data.bin changed on both sides too.
fn conflicted(dir: Dir, binary: bool) -> Fixture {
    let f = Fixture::new(dir, &base());
    let skill = String::from_utf8(base()["SKILL.md"].1.clone()).unwrap();
    let notes = lines("note", 6);
    let side = |who: &str| {
        let mut ops = vec![
            Op::Write(
                "SKILL.md",
                replace_line(
                    &replace_line(&skill, 6, &format!("step 2, {who}")),
                    12,
                    &format!("step 8, {who}"),
                )
                .into_bytes(),
            ),
            Op::Write(
                "notes.md",
                replace_line(&notes, 3, &format!("note 3, {who}")).into_bytes(),
            ),
        ];
        if binary {
            ops.push(Op::Write("data.bin", format!("\0{who}\0").into_bytes()));
        }
        ops
    };
    f.edit_source(&side("incoming"));
    f.edit_dest(&side("local"));
    let (out, _) = f.sync(&[]);
    assert_eq!(out.code, 3, "the fixture's sync must conflict: {out:#?}");
    f
}

/// `resolve skill:x [--project P] ARGS…` with extra environment variables.
fn resolve_env(f: &Fixture, extra: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut args: Vec<String> = vec!["resolve".into(), ID.into()];
    args.extend(f.project_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut cmd = f.env.command(&args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let out = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!out.stderr.contains("panicked"), "{out:#?}");
    out
}

/// Names of the tiers as the hunks label them: (ours, theirs).
fn tiers(dir: Dir) -> (&'static str, &'static str) {
    match dir {
        Dir::UpstreamToCollection => ("collection", "upstream"),
        Dir::CollectionToProject => ("project", "collection"),
    }
}

/// A shell script the tests use as the editor.
fn script(f: &Fixture, name: &str, body: &str) -> PathBuf {
    let p = f.env.root().join(name);
    fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn text(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn without_a_choice_resolve_shows_each_hunk_with_the_base_and_exits_0() {
    for dir in Dir::BOTH {
        let what = dir.as_str();
        let f = conflicted(dir, true);
        let before = f.snapshot();
        let (ours, theirs) = tiers(dir);

        let shown = f.resolve(&[]);
        assert_eq!(shown.code, 0, "{what}: {shown:#?}");
        let s = &shown.stdout;
        assert!(
            !s.contains("<<<<<<<") && !s.contains(">>>>>>>"),
            "{what}: no markers: {s}"
        );
        for needle in [
            "skill:x has 3 conflicted files",
            &format!("ours   = the {ours} copy (the destination"),
            &format!("theirs = the {theirs} version (incoming)"),
            "SKILL.md (both sides changed the same lines, 2 conflicting hunks)",
            "hunk 1 of 2, at line 6 of the merged text:",
            "hunk 2 of 2, at line 16 of the merged text:",
            "base (when last in sync):\n      | step 2\n",
            &format!("ours ({ours}, destination):\n      | step 2, local\n"),
            &format!("theirs ({theirs}, incoming):\n      | step 2, incoming\n"),
            "      | step 8\n",
            "notes.md (both sides changed the same lines, 1 conflicting hunk)",
            "data.bin (a binary file (or symlink) changed on both sides)",
            "--all ours|theirs",
            "--file SKILL.md=ours|theirs|@EDITED_FILE",
            "--edit",
            "--output FILE --path SKILL.md",
        ] {
            assert!(s.contains(needle), "{what}: {needle:?} not in:\n{s}");
        }
        let prefix = match dir {
            Dir::UpstreamToCollection => "artisync resolve skill:x --".to_string(),
            Dir::CollectionToProject => {
                format!("artisync resolve skill:x --project {} --", f.project_str())
            }
        };
        assert!(s.contains(&prefix), "{what}: {prefix:?} not in:\n{s}");

        // The line numbers are those of the merged text --output writes.
        let merged = f.resolve(&["--output", "-", "--path", "SKILL.md"]);
        assert_eq!(merged.code, 0, "{what}: {merged:#?}");
        let merged_lines: Vec<&str> = merged.stdout.lines().collect();
        assert_eq!(merged_lines[5], "<<<<<<< ours", "{what}: {}", merged.stdout);
        assert_eq!(
            merged_lines[15], "<<<<<<< ours",
            "{what}: {}",
            merged.stdout
        );

        // JSON: the full view plus the hunks.
        let mut args = vec!["resolve".to_string(), ID.into(), "--json".into()];
        args.extend(f.project_args());
        let (out, doc) = run_json(&f.env, &args);
        assert_eq!(out.code, 0, "{what}: {out:#?}");
        let doc = doc.unwrap();
        assert_eq!(doc["tiers"]["ours"], ours, "{what}");
        assert_eq!(doc["tiers"]["theirs"], theirs, "{what}");
        let files = doc["files"].as_array().unwrap();
        let skill = files.iter().find(|f| f["path"] == "SKILL.md").unwrap();
        assert_eq!(skill["merged"].as_str().unwrap(), merged.stdout, "{what}");
        for key in ["base", "ours", "theirs"] {
            assert!(skill[key].is_string(), "{what}: {key} in {skill:#}");
        }
        let hunks = skill["hunks"].as_array().unwrap();
        assert_eq!(hunks.len(), 2, "{what}: {skill:#}");
        assert_eq!(hunks[0]["line"], 6);
        assert_eq!(hunks[0]["base"], serde_json::json!(["step 2"]));
        assert_eq!(hunks[0]["ours"], serde_json::json!(["step 2, local"]));
        assert_eq!(hunks[0]["theirs"], serde_json::json!(["step 2, incoming"]));
        assert_eq!(hunks[1]["line"], 16);
        let bin = files.iter().find(|f| f["path"] == "data.bin").unwrap();
        assert_eq!(bin["kind"], "binary");
        assert_eq!(bin["hunks"], Value::Array(vec![]));

        assert_same_tree(&before, &f.snapshot(), &format!("{what}: showing"));
        assert_eq!(f.pair_status(), "conflict", "{what}");
    }
}

#[test]
fn output_writes_one_files_merged_text_and_it_comes_back_with_file() {
    for dir in Dir::BOTH {
        let what = dir.as_str();
        let f = conflicted(dir, false);
        let before = f.snapshot();
        let dest_before = snapshot_tree(&f.dest());

        // Two text files conflict: which one must be said.
        let out_file = f.env.root().join("merged-skill.md");
        let refused = f.resolve(&["--output", out_file.to_str().unwrap()]);
        assert_eq!(refused.code, 2, "{what}: {refused:#?}");
        refused.assert_error(what);
        assert!(
            refused.stderr.contains("SKILL.md, notes.md") && refused.stderr.contains("--path"),
            "{what}: {}",
            refused.stderr
        );
        let refused = f.resolve(&["--output", out_file.to_str().unwrap(), "--path", "nope.md"]);
        assert_eq!(refused.code, 2, "{what}: {refused:#?}");
        assert!(refused.stderr.contains("nope.md"), "{}", refused.stderr);
        // --output is not a resolution: it cannot be mixed with one.
        let mixed = f.resolve(&["--output", "x", "--all", "ours"]);
        assert_eq!(mixed.code, 2, "{what}: {mixed:#?}");
        assert!(!out_file.exists());

        let out = f.resolve(&["--output", out_file.to_str().unwrap(), "--path", "SKILL.md"]);
        assert_eq!(out.code, 0, "{what}: {out:#?}");
        let written = fs::read_to_string(&out_file).unwrap();
        assert!(
            written.contains(
                "<<<<<<< ours\nstep 2, local\n=======\nstep 2, incoming\n>>>>>>> theirs\n"
            ),
            "{what}: {written}"
        );
        assert!(
            out.stdout
                .contains(&format!("--file SKILL.md=@{}", out_file.display())),
            "{what}: {}",
            out.stdout
        );
        // Nothing but FILE was written.
        assert_same_tree(&dest_before, &snapshot_tree(&f.dest()), what);
        assert_eq!(f.pair_status(), "conflict", "{what}");
        let _ = &before;

        // An existing FILE is not overwritten.
        let again = f.resolve(&["--output", out_file.to_str().unwrap(), "--path", "SKILL.md"]);
        assert_eq!(again.code, 2, "{what}: {again:#?}");
        assert!(again.stderr.contains("already exists"), "{}", again.stderr);
        assert_eq!(fs::read_to_string(&out_file).unwrap(), written);
        // --output - with --json would mix the text into the JSON.
        let mut args = f.project_args();
        args.splice(0..0, ["resolve".to_string(), ID.into()]);
        args.extend(["--output", "-", "--path", "SKILL.md", "--json"].map(String::from));
        let mixed = f.env.run(&args);
        assert_eq!(mixed.code, 2, "{what}: {mixed:#?}");

        // Edited with the user's tools, it settles the file.
        let hand = written
            .replace(
                "<<<<<<< ours\nstep 2, local\n=======\nstep 2, incoming\n>>>>>>> theirs\n",
                "step 2, both\n",
            )
            .replace(
                "<<<<<<< ours\nstep 8, local\n=======\nstep 8, incoming\n>>>>>>> theirs\n",
                "step 8, both\n",
            );
        fs::write(&out_file, &hand).unwrap();
        let done = f.resolve(&[
            "--file",
            &format!("SKILL.md=@{}", out_file.display()),
            "--file",
            "notes.md=theirs",
        ]);
        assert_eq!(done.code, 0, "{what}: {done:#?}");
        assert_eq!(text(&f.dest(), "SKILL.md"), hand, "{what}");
        assert_eq!(
            text(&f.dest(), "notes.md"),
            replace_line(&lines("note", 6), 3, "note 3, incoming")
        );
    }
}

#[test]
fn edit_runs_the_editor_on_each_file_and_applies_the_saved_texts() {
    for dir in Dir::BOTH {
        let what = dir.as_str();
        let f = conflicted(dir, false);
        let log = f.env.root().join("edited.log");
        // Takes "local" from every conflicting hunk: drops the markers and
        // the incoming side, noting which file it was given.
        let editor = script(
            &f,
            "take-local.sh",
            &format!(
                "basename \"$1\" >> {log}\nsed -i -e '/^<<<<<<< ours$/d' -e '/^=======$/,/^>>>>>>> theirs$/d' \"$1\"",
                log = log.display()
            ),
        );
        let out = resolve_env(&f, &["--edit"], &[("EDITOR", editor.to_str().unwrap())]);
        assert_eq!(out.code, 0, "{what}: {out:#?}");
        assert_eq!(
            fs::read_to_string(&log).unwrap(),
            "SKILL.md\nnotes.md\n",
            "{what}"
        );
        assert!(
            out.stdout.contains("SKILL.md") && out.stdout.contains("edited"),
            "{what}: {}",
            out.stdout
        );
        let skill = text(&f.dest(), "SKILL.md");
        assert!(
            skill.contains("step 2, local\n") && skill.contains("step 8, local\n"),
            "{what}: {skill}"
        );
        assert!(
            !skill.contains("incoming") && !skill.contains("<<<<<<<"),
            "{what}: {skill}"
        );
        assert_eq!(f.pair_status(), "ahead", "{what}");
    }
}

#[test]
fn edit_with_path_one_file_and_choices_for_the_others_runs_visual_with_arguments() {
    let f = conflicted(Dir::CollectionToProject, true);
    let editor = script(
        &f,
        "write.sh",
        "[ \"$1\" = --flag ] || exit 9\nprintf 'note 3, by hand\\n' > \"$2\"",
    );
    // Files --edit cannot edit need a choice, asked before the editor runs.
    let marker = f.env.root().join("ran");
    let spy = script(&f, "spy.sh", &format!("touch {}", marker.display()));
    let out = resolve_env(
        &f,
        &["--edit", "--path", "notes.md"],
        &[("EDITOR", spy.to_str().unwrap())],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    out.assert_error("edit without choices for the rest");
    assert!(
        out.stderr.contains("data.bin") && out.stderr.contains("SKILL.md"),
        "{}",
        out.stderr
    );
    assert!(!marker.exists(), "the editor must not run");
    // A binary file has no text to edit.
    let out = resolve_env(
        &f,
        &["--edit", "--path", "data.bin"],
        &[("EDITOR", spy.to_str().unwrap())],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("data.bin=ours"), "{}", out.stderr);
    assert!(!marker.exists(), "the editor must not run");

    // VISUAL wins over EDITOR, and its words are split as git splits them.
    let visual = format!("{} --flag", editor.display());
    let out = resolve_env(
        &f,
        &[
            "--edit",
            "--path",
            "notes.md",
            "--file",
            "data.bin=theirs",
            "--all",
            "ours",
        ],
        &[("VISUAL", &visual), ("EDITOR", spy.to_str().unwrap())],
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(!marker.exists(), "EDITOR must not run when VISUAL is set");
    assert_eq!(text(&f.dest(), "notes.md"), "note 3, by hand\n");
    assert_eq!(
        fs::read(f.dest().join("data.bin")).unwrap(),
        b"\0incoming\0"
    );
    assert!(text(&f.dest(), "SKILL.md").contains("step 2, local"));
}

#[test]
fn an_edit_that_fails_or_keeps_markers_changes_nothing() {
    let f = conflicted(Dir::UpstreamToCollection, false);
    let fail = script(&f, "fail.sh", "echo partial > \"$1\"\nexit 3");
    let half = script(
        &f,
        "half.sh",
        "sed -i -e 's/^step 2, local$/step 2, agreed/' -e '0,/^=======$/{/^=======$/d}' \"$1\"",
    );
    let before = f.snapshot();
    let dest = snapshot_tree(&f.dest());
    let check = |out: &Output, what: &str, needles: &[&str]| {
        assert_eq!(out.code, 1, "{what}: {out:#?}");
        let line = out.assert_error(what);
        for n in needles {
            assert!(line.contains(n), "{what}: {n:?} not in {line}");
        }
        assert_same_tree(&dest, &snapshot_tree(&f.dest()), what);
        assert_same_tree(&before, &f.snapshot(), what);
        assert_eq!(f.pair_status(), "conflict", "{what}");
    };

    // No editor set.
    let out = resolve_env(&f, &["--edit"], &[]);
    check(&out, "no editor", &["set VISUAL or EDITOR"]);

    // The editor fails.
    let out = resolve_env(&f, &["--edit"], &[("EDITOR", fail.to_str().unwrap())]);
    check(
        &out,
        "a failing editor",
        &["exited with", "nothing was changed in skill:x"],
    );

    // The editor leaves a marker in: the edit is kept for another try.
    let out = resolve_env(&f, &["--edit"], &[("EDITOR", half.to_str().unwrap())]);
    check(
        &out,
        "markers left",
        &[
            "SKILL.md of skill:x still holds conflict markers",
            "nothing was changed",
        ],
    );
    let line = out.stderr.trim_end();
    let kept = line
        .split("your edit is kept at ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap();
    let kept_text = fs::read_to_string(kept).unwrap();
    assert!(kept_text.contains("step 2, agreed"), "{kept_text}");
    fs::remove_dir_all(Path::new(kept).parent().unwrap()).unwrap();

    // Saved unchanged.
    let out = resolve_env(&f, &["--edit"], &[("EDITOR", "true")]);
    check(&out, "unchanged", &["saved unchanged"]);
}

#[test]
fn usage_errors_exit_2_in_one_line() {
    let f = conflicted(Dir::UpstreamToCollection, false);
    let before = f.snapshot();
    for (args, needle) in [
        (
            &["--path", "SKILL.md"][..],
            "--path chooses the file for --edit or --output",
        ),
        (&["--edit", "--output", "x"][..], "--output"),
        (
            &["--edit", "--file", "SKILL.md=ours"][..],
            "SKILL.md is both edited and given with --file",
        ),
        (&["--all", "@/dev/null"][..], "--all takes ours or theirs"),
    ] {
        let out = resolve_env(&f, args, &[("EDITOR", "true")]);
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
        let line = out.assert_error(&format!("{args:?}"));
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    assert_same_tree(&before, &f.snapshot(), "usage errors");
}
