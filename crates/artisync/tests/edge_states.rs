//! Odd states of artisync's own files and of upstreams: an emptied
//! manifest, a FIFO or link as the lockfile, a tracked branch deleted
//! upstream. Each ends in a clear message, never in lost entries, a hang or
//! a false "in sync".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use artisync_testkit::{assert_same_tree, git, Output, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// Runs `args`, killing the process if it has not ended within `limit`
/// (a hang fails the test instead of blocking it).
fn run_within(env: &TestEnv, args: &[&str], limit: Duration) -> Output {
    let mut child = env
        .command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("artisync {} hung for more than {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn an_emptied_manifest_is_an_error_and_add_writes_nothing() {
    let env = env();
    let dir = env.init();
    let manifest = dir.join("artisync.toml");
    // A new collection's manifest is never empty, so it can tell.
    let fresh = std::fs::read_to_string(&manifest).unwrap();
    assert!(fresh.contains("version = 1"), "{fresh}");
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    for emptied in ["", " \n\t\n"] {
        std::fs::write(&manifest, emptied).unwrap();
        let head = git(&dir, &["rev-parse", "HEAD"]);
        let before = env.snapshot();
        let out = env.run_err(&["add", &up.local("skills/changelog")]);
        assert!(
            out.stderr.contains("artisync.toml")
                && out.stderr.contains("empty")
                && out
                    .stderr
                    .contains(&format!("git -C {} checkout artisync.toml", dir.display())),
            "{}",
            out.stderr
        );
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
        assert_same_tree(&before, &env.snapshot(), "a refused add");
        env.run_err(&["list"]);
    }
    // The advice works, and the collection is whole again.
    git(&dir, &["checkout", "artisync.toml"]);
    env.run_ok(&["add", &up.local("skills/changelog")]);
    let list = env.json(&["status"]);
    let ids: Vec<&str> = list["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["skill:changelog", "skill:pdf"]);
}

#[test]
fn a_fifo_or_a_link_as_the_lockfile_is_refused_at_once() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    let web = env.project("web");
    let web_s = web.to_str().unwrap();
    env.run_ok(&["deploy", "skill:pdf", "--project", web_s]);
    let lock = web.join(".claude/artisync.lock");
    let saved = web.join("saved.lock");
    std::fs::rename(&lock, &saved).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&lock)
        .status()
        .unwrap();
    assert!(made.success());
    let limit = Duration::from_secs(20);

    // Named, the project must be readable: an error naming the path.
    let out = run_within(&env, &["status", "--project", web_s], limit);
    out.assert_error("status of a project whose lockfile is a FIFO");
    assert!(
        out.stderr.contains("FIFO") && out.stderr.contains(&*lock.to_string_lossy()),
        "{}",
        out.stderr
    );
    // Across all projects, one unreadable lockfile is a warning naming it.
    for args in [&["list"][..], &["status"][..]] {
        let out = run_within(&env, args, limit);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains("FIFO") && out.stderr.contains(&*lock.to_string_lossy()),
            "{}",
            out.stderr
        );
    }
    let out = run_within(
        &env,
        &[
            "sync",
            "--direction",
            "collection_to_project",
            "--project",
            web_s,
        ],
        limit,
    );
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("FIFO"), "{}", out.stderr);

    // A symlink to a real lockfile is refused too, and says so.
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&saved, &lock).unwrap();
    let out = run_within(&env, &["status", "--project", web_s], limit);
    out.assert_error("status of a project whose lockfile is a link");
    assert!(
        out.stderr.contains("symlink") || out.stderr.contains("symbolic link"),
        "{}",
        out.stderr
    );

    // Put back, everything reads again.
    std::fs::remove_file(&lock).unwrap();
    std::fs::rename(&saved, &lock).unwrap();
    env.run_ok(&["status", "--project", web_s]);
}

#[test]
fn a_tracked_branch_deleted_upstream_is_pruned_and_reported() {
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    up.write(
        "skills/x/SKILL.md",
        "---\nname: x\ndescription: A test skill.\n---\nx on main\n",
    );
    up.commit("main");
    git(up.path(), &["checkout", "-q", "-b", "feature"]);
    up.write(
        "skills/x/SKILL.md",
        "---\nname: x\ndescription: A test skill.\n---\nx on feature\n",
    );
    up.commit("feature");
    git(up.path(), &["checkout", "-q", "-"]);
    env.run_ok(&["add", &up.spec("feature", "skills/x")]);
    let status = env.json(&["status"]);
    assert_eq!(status["artifacts"][0]["upstream"]["status"], "in_sync");

    git(up.path(), &["branch", "-q", "-D", "feature"]);
    let out = env.run_ok(&["fetch"]);
    assert!(
        out.stderr.contains("branch 'feature' was deleted") && out.stderr.contains("skill:x"),
        "{}",
        out.stderr
    );

    let status = env.json(&["status"]);
    let upstream = &status["artifacts"][0]["upstream"];
    assert_ne!(upstream["status"], "in_sync", "{status:#}");
    let note = upstream["note"].as_str().unwrap();
    assert!(
        note.contains("'feature'") && note.contains("no longer exists"),
        "{note}"
    );
    let warnings = status["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("skill:x tracks 'feature'")),
        "{status:#}"
    );
    let versions = env.json(&["versions", "skill:x"]);
    assert!(
        versions["upstream"]["note"]
            .as_str()
            .unwrap()
            .contains("'feature'"),
        "{versions:#}"
    );

    let out = env.run(&["sync", "--direction", "upstream_to_collection", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let result = &report["artifacts"][0];
    assert_eq!(result["outcome"], "error", "{report:#}");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("'feature'") && message.contains("artisync.toml"),
        "{message}"
    );
    assert_eq!(report["state"], "error");
    // The old tip stays in the cache as a merge base.
    let cache = std::fs::read_dir(env.home().join("cache/upstream"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let seen = git(&cache, &["for-each-ref", "--format=%(refname)"]);
    assert!(seen.contains("refs/artisync/seen/"), "{seen}");
    assert!(!seen.contains("refs/heads/feature"), "{seen}");
}
