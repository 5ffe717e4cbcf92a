//! `artisync demo --no-serve`: the demo home has the drift it promises:
//! an update available upstream, local changes in a project, a pair that
//! diverged (and conflicts when synced), and an untracked artifact.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::TestEnv;
use serde_json::Value;

fn find<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {status:#}"))
}

#[test]
fn demo_builds_a_home_with_real_drift() {
    let env = TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")));
    let dir = env.root().join("demo");
    let out = env.json(&["demo", "--no-serve", "--dir", dir.to_str().unwrap()]);
    let home = out["home"].as_str().unwrap().to_string();
    let status = &out["status"];
    assert_eq!(
        find(status, "skill:changelog")["upstream"]["status"],
        "behind"
    );
    assert_eq!(
        find(status, "command:review")["upstream"]["status"],
        "diverged"
    );
    let pdf = find(status, "skill:pdf");
    let web = pdf["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"].as_str().unwrap().ends_with("projects/web-app"))
        .unwrap();
    assert_eq!(web["status"], "ahead");
    // api-server has two targets: a copy of the skill in each, in sync; the
    // command only in claude, the one target that holds commands.
    let api_copies = |id: &str| -> Vec<(String, String)> {
        find(status, id)["projects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["path"].as_str().unwrap().ends_with("projects/api-server"))
            .map(|p| {
                (
                    p["target"].as_str().unwrap_or("claude").to_string(),
                    p["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        api_copies("skill:pdf"),
        [
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
    assert_eq!(api_copies("command:review").len(), 1);
    assert_eq!(api_copies("command:review")[0].0, "claude");
    assert_eq!(status["untracked"][0]["id"], "command:scratch");

    // The demo home is an ordinary home: syncing the diverged pair conflicts.
    let sync = env
        .command(&[
            "sync",
            "--direction",
            "upstream_to_collection",
            "command:review",
            "--json",
        ])
        .env("ARTISYNC_HOME", &home)
        .output()
        .unwrap();
    assert_eq!(
        sync.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let report: Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["artifacts"][0]["outcome"], "conflict");

    // A directory that is not empty is refused.
    let again = env.run(&["demo", "--no-serve", "--dir", dir.to_str().unwrap()]);
    assert_eq!(again.code, 2, "{}", again.stderr);
}

#[test]
fn the_commands_the_demo_prints_work_as_printed() {
    let env = TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")));
    let dir = env.root().join("demo");
    let out = env.run_ok(&["demo", "--no-serve", "--dir", dir.to_str().unwrap()]);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| *l != "Explore it:")
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let home = lines[0].strip_prefix("export ARTISYNC_HOME=").unwrap();
    assert!(lines.len() >= 4, "{}", out.stdout);
    for line in &lines[1..] {
        // As a shell runs it: from a fresh PATH-less shell, so a bare
        // `artisync` would fail unless it were installed.
        let run = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .env("ARTISYNC_HOME", home)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
