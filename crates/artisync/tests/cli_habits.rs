//! The habits of a good command-line tool: a unique prefix names a job, a
//! usage error records no job and creates nothing, a mistyped id gets a
//! "did you mean", tables stay aligned for long names, a sync shows what
//! changed and a one-line summary, `status --project` keeps to that project,
//! and a commit message counts what changed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::fs;

use artisync_testkit::{git, TestEnv, UpstreamRepo};
use sync_support::*;

const LONG: &str = "a-skill-with-a-rather-long-name-for-columns";

/// A collection with three skills (one with a long name) deployed in `web`.
fn setup() -> (TestEnv, UpstreamRepo, std::path::PathBuf) {
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    for s in ["pdf", "changelog", LONG] {
        up.write(
            &format!("skills/{s}/SKILL.md"),
            &format!(
                "---\nname: {s}\ndescription: A test skill.\n---\n{}",
                lines(s, 4)
            ),
        );
    }
    up.commit("skills");
    env.run_ok(&["add", &up.local("skills"), "--all"]);
    let web = env.project("web");
    env.run_ok(&[
        "deploy",
        "skill:pdf",
        "skill:changelog",
        &format!("skill:{LONG}"),
        "--project",
        web.to_str().unwrap(),
    ]);
    (env, up, web)
}

fn job_count(env: &TestEnv) -> usize {
    env.json(&["jobs"]).as_array().unwrap().len()
}

#[test]
fn usage_errors_and_unknown_ids_record_no_job_and_a_sync_before_init_creates_nothing() {
    let fresh = env();
    let e = fresh.run_err(&["sync", "--direction", "upstream_to_collection"]);
    assert!(e.stderr.contains("artisync init"), "{}", e.stderr);
    assert!(
        !fresh.home().exists(),
        "a sync before init created the data home"
    );
    let e = fresh.run_err(&["update"]);
    assert!(e.stderr.contains("artisync init"), "{}", e.stderr);
    assert!(
        !fresh.home().exists(),
        "an update before init created the data home"
    );

    let (env, _up, web) = setup();
    let w = web.to_str().unwrap();
    let before = job_count(&env);
    for (args, code, needle) in [
        (
            &["sync", "--direction", "collection_to_project"][..],
            2,
            "needs --project",
        ),
        (
            &[
                "sync",
                "--direction",
                "project_to_upstream",
                "skill:pdf",
                "--project",
                w,
            ],
            2,
            "artisync patch",
        ),
        (
            &[
                "sync",
                "--direction",
                "upstream_to_collection",
                "--project",
                w,
            ],
            2,
            "takes no --project",
        ),
        (
            &["sync", "--direction", "sideways"],
            2,
            "upstream_to_collection, collection_to_project or project_to_collection",
        ),
        (
            &[
                "sync",
                "--direction",
                "collection_to_project",
                "skill:nope",
                "--project",
                w,
            ],
            1,
            "skill:nope",
        ),
    ] {
        let out = env.run(args);
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        let line = out.assert_error(&format!("{args:?}"));
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    assert_eq!(job_count(&env), before, "a refused sync recorded a job");
    // The directions the help offers are the ones the error lists.
    let help = env.run_ok(&["sync", "--help"]).stdout;
    assert!(help.contains("upstream_to_collection, collection_to_project or project_to_collection"));
}

#[test]
fn a_mistyped_id_gets_the_id_it_most_likely_meant() {
    let (env, _up, _web) = setup();
    for (typed, meant) in [
        ("skill:pfd", "skill:pdf"),
        ("command:changelog", "skill:changelog"),
    ] {
        let e = env.run_err(&["show", typed]);
        assert_eq!(e.code, 1);
        assert!(
            e.stderr.contains(&format!("did you mean {meant}?")),
            "{}",
            e.stderr
        );
    }
    let e = env.run_err(&["show", "agent:something-else-entirely"]);
    assert!(!e.stderr.contains("did you mean"), "{}", e.stderr);
    assert!(e.stderr.contains("artisync list"), "{}", e.stderr);
}

#[test]
fn a_unique_prefix_names_a_job_and_jobs_show_dry_runs_and_projects() {
    let (env, _up, web) = setup();
    let w = web.to_str().unwrap();
    let collection = env.collection_dir("default");
    let skill = collection.join("skills/pdf/SKILL.md");
    fs::write(
        &skill,
        format!("{}more\n", fs::read_to_string(&skill).unwrap()),
    )
    .unwrap();
    env.run_ok(&[
        "sync",
        "--direction",
        "collection_to_project",
        "--project",
        w,
        "--dry-run",
    ]);
    env.run_ok(&[
        "sync",
        "--direction",
        "collection_to_project",
        "skill:pdf",
        "--project",
        w,
    ]);
    let jobs = env.json(&["jobs"]);
    let ids: Vec<String> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect();

    let list = env.run_ok(&["jobs"]).stdout;
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert!(
        rows[1].contains("(dry run)") && !rows[0].contains("(dry run)"),
        "{list}"
    );
    assert!(
        rows[0].contains(w) && rows[0].contains("skill:pdf"),
        "{list}"
    );

    // The shortest prefix that tells the newest job from the other.
    let newest = &ids[0];
    let n = (1..=32)
        .find(|n| ids[1..].iter().all(|o| o[..*n] != newest[..*n]))
        .unwrap();
    let shown = env.run_ok(&["job", &newest[..n.max(4)]]).stdout;
    assert!(shown.contains(&format!("job {newest}")), "{shown}");
    assert!(shown.contains(&format!("project    {w}")), "{shown}");
    let dry = env.run_ok(&["job", &ids[1]]).stdout;
    assert!(dry.contains("(dry run)"), "{dry}");

    // A prefix both ids share is ambiguous; a non-hex one is no id.
    let shared = (0..32)
        .take_while(|i| ids[0].as_bytes()[*i] == ids[1].as_bytes()[*i])
        .count();
    if shared > 0 {
        let e = env.run_err(&["job", &ids[0][..shared]]);
        assert_eq!(e.code, 2, "{}", e.stderr);
        assert!(e.stderr.contains("give more of it"), "{}", e.stderr);
    }
    let e = env.run_err(&["job", "xyz"]);
    assert_eq!(e.code, 2);
    let e = env.run_err(&["job", "0000000000000000"]);
    assert_eq!(e.code, 1);
    assert!(e.stderr.contains("no job id starts with"), "{}", e.stderr);
}

#[test]
fn a_sync_lists_what_changed_aligned_and_sums_up_and_its_commit_counts_what_changed() {
    let (env, up, web) = setup();
    up.write(
        "skills/pdf/SKILL.md",
        "---\nname: pdf\ndescription: A test skill.\n---\nnew\n",
    );
    up.write(
        &format!("skills/{LONG}/SKILL.md"),
        &format!("---\nname: {LONG}\ndescription: A test skill.\n---\nnew\n"),
    );
    up.commit("two skills change");
    let out = env
        .run_ok(&["sync", "--direction", "upstream_to_collection"])
        .stdout;
    let rows: Vec<&str> = out.lines().filter(|l| l.contains(" updated ")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    // The outcome column starts at the same place on every row.
    let at: Vec<usize> = rows.iter().map(|r| r.find("updated").unwrap()).collect();
    assert_eq!(at[0], at[1], "{out}");
    assert!(
        !out.contains("skill:changelog"),
        "an unchanged row was shown:\n{out}"
    );
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("2 updated, 1 unchanged (unchanged not shown"),
        "{out}"
    );
    let verbose = env
        .run_ok(&["sync", "--direction", "upstream_to_collection", "-v"])
        .stdout;
    assert!(verbose.contains("skill:changelog"), "{verbose}");
    assert_eq!(verbose.lines().last().unwrap(), "3 unchanged", "{verbose}");

    let subject = git(
        &env.collection_dir("default"),
        &["log", "-1", "--format=%s"],
    );
    assert_eq!(
        subject.trim(),
        format!("Sync upstream_to_collection: skill:{LONG}, skill:pdf"),
    );

    // status --project keeps to the artifacts deployed there.
    let other = env.project("other");
    env.run_ok(&["deploy", "skill:pdf", "--project", other.to_str().unwrap()]);
    let status = env
        .run_ok(&["status", "--project", other.to_str().unwrap()])
        .stdout;
    assert!(
        status.contains("skill:pdf") && !status.contains("skill:changelog"),
        "{status}"
    );
    let doc = env.json(&["status", "--project", other.to_str().unwrap()]);
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), 1, "{doc:#}");
    let _ = web;
}

#[test]
fn a_patch_goes_to_stdout_with_dash_and_its_note_to_stderr() {
    let (env, _up, web) = setup();
    let w = web.to_str().unwrap();
    let skill = web.join(".claude/skills/pdf/SKILL.md");
    fs::write(
        &skill,
        format!("{}A local step.\n", fs::read_to_string(&skill).unwrap()),
    )
    .unwrap();
    let out = env.run_ok(&[
        "patch",
        "skill:pdf",
        "--project",
        w,
        "--format",
        "mbox",
        "-o",
        "-",
    ]);
    assert!(out.stdout.starts_with("From "), "{}", out.stdout);
    assert!(out.stdout.contains("+A local step."), "{}", out.stdout);
    assert!(out.stderr.contains("to stdout"), "{}", out.stderr);
    assert!(!env.cwd().join("skill-pdf.mbox").exists());
    let e = env.run_err(&["patch", "skill:pdf", "--project", w, "-o", "-", "--json"]);
    assert_eq!(e.code, 2, "{}", e.stderr);
}

#[test]
fn progress_is_drawn_on_a_terminal_and_never_into_a_pipe() {
    let (env, up, _web) = setup();
    up.write(
        "skills/pdf/SKILL.md",
        "---\nname: pdf\ndescription: A test skill.\n---\nnewer\n",
    );
    up.commit("pdf changes");
    // Piped: the report only, with no bar or spinner on stderr.
    let piped = env.run_ok(&["sync", "--direction", "upstream_to_collection", "--dry-run"]);
    assert!(
        !piped.stderr.contains('\r') && !piped.stderr.contains("planning"),
        "{}",
        piped.stderr
    );
    assert!(!piped.stdout.contains('\r'), "{}", piped.stdout);
    // On a terminal (a pseudo-terminal from script(1)): a bar counting the
    // artifacts, cleared before the report.
    let bin = env!("CARGO_BIN_EXE_artisync");
    let cmd = format!("{bin} sync --direction upstream_to_collection --dry-run");
    let tty = std::process::Command::new("script")
        .args(["-qefc", &cmd, "/dev/null"])
        .env("ARTISYNC_HOME", env.home())
        .current_dir(env.cwd())
        .output()
        .expect("script(1) runs the command on a pseudo-terminal");
    let text = String::from_utf8_lossy(&tty.stdout);
    assert!(text.contains("sync upstream_to_collection ["), "{text}");
    assert!(text.contains("/3 "), "{text}");
    assert!(text.contains("1 updated, 2 unchanged"), "{text}");
}
