//! Offline: when the upstream cannot be reached, the last
//! fetched state is used and shown with its fetch time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::{redact_times, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// Seconds since the epoch of an RFC 3339 UTC time to the second.
fn unix_secs(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// Waits until the clock is past the second `t`, so that "now" and the time
/// of the last fetch cannot be confused.
fn wait_past(t: &str) {
    let then = unix_secs(t);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    assert!(
        now() >= then && now() - then < 600,
        "{t} is not a recent time"
    );
    while now() <= then {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn fetch_uses_the_last_fetch_when_the_upstream_is_gone() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.spec("main", "skills/pdf")]);
    let fetched_at = env.json(&["versions", "skill:pdf"])["upstream"]["fetched_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(redact_times(&fetched_at), "[TIME]");
    wait_past(&fetched_at);

    up.move_away();
    let out = env.run_ok(&["fetch"]);
    let warning = out.stderr.trim_end();
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(warning.starts_with("warning: "), "{warning}");
    assert!(warning.contains(&up.url()), "{warning}");
    assert!(
        warning.contains(&format!("last fetch from {fetched_at}")),
        "the warning names the time of the last fetch: {warning}"
    );
    assert!(out.stdout.contains("Using cached"), "{}", out.stdout);
    assert!(out.stdout.contains(&fetched_at), "{}", out.stdout);

    let report = env.json(&["fetch"]);
    assert_eq!(report[0]["fetched_at"], fetched_at.as_str());
    assert!(report[0]["offline"].is_string(), "{report}");

    // Status still works, from the cache, and shows the fetch time.
    let status = env.json(&["status"]);
    let u = &status["artifacts"][0]["upstream"];
    assert_eq!(u["status"], "in_sync");
    assert_eq!(u["fetched_at"], fetched_at.as_str());
    let human = env.run_ok(&["status"]).stdout;
    assert!(human.contains(&format!("fetched {fetched_at}")), "{human}");

    // So do versions and diffs against the upstream tier.
    env.run_ok(&["versions", "skill:pdf"]);
    let d = env.json(&[
        "diff",
        "skill:pdf",
        "--lhs",
        "upstream",
        "--rhs",
        "collection",
    ]);
    assert_eq!(d["files"], serde_json::json!([]));

    // Another artifact of the same upstream imports from the cache, with
    // the same warning.
    let out = env.run_ok(&["add", &up.spec("main", "skills/changelog")]);
    assert!(out.stderr.contains(&fetched_at), "{}", out.stderr);
    assert!(out.stdout.contains("skill:changelog"), "{}", out.stdout);
}

#[test]
fn fetch_without_any_earlier_fetch_fails() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.spec("main", "skills/pdf")]);
    std::fs::remove_dir_all(env.home().join("cache")).unwrap();
    up.move_away();
    let before = env.snapshot();
    let out = env.run_err(&["fetch"]);
    assert!(out.stderr.contains("cannot fetch"), "{}", out.stderr);
    artisync_testkit::assert_same_tree(&before, &env.snapshot(), "a failed fetch");
    // Status says what to do.
    let status = env.json(&["status"]);
    let note = status["artifacts"][0]["upstream"]["note"].as_str().unwrap();
    assert!(note.contains("not fetched"), "{note}");
}
