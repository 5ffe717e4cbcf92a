//! `artisync update`: after a fetch, one job brings the collection up to its
//! upstream and then every project up to the collection, for the copies
//! that only lag; a copy that diverged is held back and named; a dry run
//! writes nothing; a bad argument creates no job.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::fs;

use artisync_testkit::UpstreamRepo;
use sync_support::*;

#[test]
fn update_syncs_what_lags_in_one_job_and_holds_back_what_diverged() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::new();
    let pdf = format!(
        "---\nname: pdf\ndescription: A test skill.\n---\n{}",
        lines("pdf", 6)
    );
    up.write("skills/pdf/SKILL.md", &pdf)
        .write("commands/review.md", &lines("review", 6));
    up.commit("artifacts");
    env.run_ok(&["add", &up.local(""), "--all"]);
    let (web, api) = (env.project("web"), env.project("api"));
    for p in [&web, &api] {
        env.run_ok(&[
            "deploy",
            "skill:pdf",
            "command:review",
            "--project",
            p.to_str().unwrap(),
        ]);
    }
    // Upstream moves both; the web project also edits the command.
    up.write("skills/pdf/SKILL.md", &replace_line(&pdf, 6, "pdf, better"))
        .write(
            "commands/review.md",
            &replace_line(&lines("review", 6), 2, "review, better"),
        );
    up.commit("better");
    let web_review = web.join(".claude/commands/review.md");
    fs::write(
        &web_review,
        replace_line(&lines("review", 6), 5, "our own line"),
    )
    .unwrap();
    env.run_ok(&["fetch"]);

    let before = state_snapshot(&env);
    let doc = env.json(&["update", "--dry-run"]);
    assert_eq!(doc["kind"], "update");
    assert_eq!(doc["state"], "success");
    assert_eq!(doc["request"]["dry_run"], true);
    assert!(state_snapshot(&env) == before, "a dry run wrote something");

    let out = env.run_ok(&["update"]);
    let text = &out.stdout;
    assert!(text.contains("into the collection"), "{text}");
    assert!(text.contains(&format!("into {}", api.display())), "{text}");
    assert!(text.contains("held back"), "{text}");
    let read = |p: std::path::PathBuf| fs::read_to_string(p).unwrap();
    assert!(read(collection.join("skills/pdf/SKILL.md")).contains("pdf, better"));
    assert!(read(collection.join("commands/review.md")).contains("review, better"));
    for p in [&web, &api] {
        assert!(read(p.join(".claude/skills/pdf/SKILL.md")).contains("pdf, better"));
    }
    assert!(read(api.join(".claude/commands/review.md")).contains("review, better"));
    // The web project's edited command lags a moved collection copy: it is
    // diverged, so it stays as the user left it.
    let web_text = read(web_review.clone());
    assert!(web_text.contains("our own line") && !web_text.contains("review, better"));
    let held = text
        .lines()
        .skip_while(|l| !l.contains("held back"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        held.contains("command:review") && held.contains(web.to_str().unwrap()),
        "{held}"
    );

    // The job is recorded like any other.
    let jobs = env.json(&["jobs"]);
    let newest = &jobs[0];
    assert_eq!(newest["kind"], "update", "{jobs:#}");
    assert_eq!(newest["origin"], "cli");

    // Nothing lags any more.
    let out = env.run_ok(&["update"]);
    assert!(
        out.stdout.contains("nothing lags its source"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_bad_update_records_no_job() {
    let env = env();
    env.init();
    let count = || env.json(&["jobs"]).as_array().unwrap().len();
    let e = env.run_err(&["update", "skill:nope"]);
    assert_eq!(e.code, 1);
    assert!(e.stderr.contains("skill:nope"));
    let e = env.run_err(&["update", "--project", "/no/such/dir"]);
    assert_eq!(e.code, 2, "{}", e.stderr);
    let e = env.run_err(&["update", "--project", env.root().to_str().unwrap()]);
    assert!(e.stderr.contains("no artifact"));
    assert_eq!(count(), 0);
}
