//! A real `artisync serve` process on 127.0.0.1: what it prints, the token
//! file, the one-time login over TCP, shutdown on SIGTERM, a job that
//! survives the server being killed with SIGKILL mid-run, and CLI syncs and
//! server jobs on the same artifact that are serialised.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod server_support;
mod sync_support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use artisync_testkit::{TestEnv, UpstreamRepo};
use serde_json::{json, Value};
use server_support::*;
use sync_support::*;

#[test]
fn serve_prints_where_it_listens_and_a_login_url_that_works_once() {
    let env = env();
    env.init();
    // Human output: two lines, the address and the login URL.
    let mut child = env
        .command(&["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("artisync is serving on http://")
        .unwrap_or_else(|| panic!("{first}"));
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{first}"
    );
    assert!(
        second.contains(&format!("http://{addr}/login?code=")),
        "{second}"
    );
    sigterm(&child);
    let status = wait_for(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "serve exits cleanly on SIGTERM");

    // --json: one line; the token file is private and kept across starts.
    let s = Server::start(&env, &[]);
    let token_file = env.home().join("server.token");
    let mode = fs::metadata(&token_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert!(s.token.len() >= 32);
    let first_token = s.token.clone();

    let r = http(s.addr, "GET", "/api/v1/projects", &[], "");
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    let r = s.call("GET", "/api/v1/projects", None);
    assert_eq!(r.status, 200, "{}", r.text());
    // A foreign Host over real TCP, even with the token.
    let auth = format!("Bearer {}", s.token);
    let r = http(
        s.addr,
        "GET",
        "/api/v1/projects",
        &[("Host", "evil.example"), ("Authorization", &auth)],
        "",
    );
    assert_eq!(r.status, 403, "{}", r.text());

    let path = s
        .login_url
        .strip_prefix(&format!("http://{}", s.addr))
        .unwrap()
        .to_string();
    let r = http(s.addr, "GET", &path, &[], "");
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let r = http(s.addr, "GET", "/api/v1/projects", &[("Cookie", pair)], "");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = http(s.addr, "GET", &path, &[], "");
    assert_eq!(r.status, 401, "a reused code: {}", r.text());
    s.kill();

    let s = Server::start(&env, &[]);
    assert_eq!(s.token, first_token, "the token survives a restart");
    // The session of the previous process does not.
    let r = http(s.addr, "GET", "/api/v1/projects", &[("Cookie", pair)], "");
    assert_eq!(r.status, 401);
}

fn sigterm(child: &Child) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn wait_for(child: &mut Child, wait: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > wait {
            let _ = child.kill();
            panic!("the process did not exit within {wait:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const SKILLS: usize = 40;

fn skill_name(i: usize) -> String {
    format!("s{i:02}")
}

/// Version `v` of skill `i`: several files, all changing with `v`.
fn write_skill(dir: &Path, i: usize, v: usize) {
    let n = skill_name(i);
    for (p, text) in [
        (
            "SKILL.md".to_string(),
            format!("---\nname: {n}\ndescription: skill {n} v{v}\n---\n# {n}\n"),
        ),
        (
            "ref/guide.md".into(),
            format!("{}v{v}\n", lines("guide", 30)),
        ),
        ("ref/api.md".into(), format!("api of {n}, version {v}\n")),
        ("data/table.csv".into(), format!("k,v\n{n},{v}\n")),
    ] {
        let path = dir.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// Per skill: (collection hash, project hash), from `status --json`.
fn hashes(env: &TestEnv, project: &Path) -> Vec<(String, Value, Value)> {
    let st = env.json(&["status", "--project", project.to_str().unwrap()]);
    st["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["collection"]["hash"].clone(),
                project_entry(a, project)["hash"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_job_survives_sigkill_of_the_server_and_finishes_after_restart() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::new();
    for i in 0..SKILLS {
        write_skill(&up.path().join("skills").join(skill_name(i)), i, 0);
    }
    up.commit("skills");
    env.run_ok(&["add", &up.local("skills"), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    let mut deploy: Vec<String> = vec!["deploy".into()];
    deploy.extend((0..SKILLS).map(|i| format!("skill:{}", skill_name(i))));
    deploy.extend(["--project".into(), p.into()]);
    env.run_ok(&deploy);

    let body = json!({"direction": "collection_to_project", "project_path": p});
    // Kill the server while the job is between its first and its last
    // artifact. If a run is too quick to catch, try again with a new
    // version (bounded).
    let mut caught = None;
    for attempt in 1..=6 {
        for i in 0..SKILLS {
            write_skill(&collection.join("skills").join(skill_name(i)), i, attempt);
        }
        let s = Server::start(&env, &["--workers", "1"]);
        let id = s.start_job(&body);
        let start = Instant::now();
        let mut done = 0;
        while start.elapsed() < Duration::from_secs(60) {
            let j = s.get_json(&format!("/api/v1/sync/jobs/{id}"));
            done = j["done"].as_u64().unwrap();
            if j["state"] != "queued" && j["state"] != "running" {
                break;
            }
            if j["state"] == "running" && done >= 1 {
                break;
            }
        }
        s.kill(); // SIGKILL
        let j = env.json(&["job", &id]);
        if j["state"] == "running" && (done as usize) < SKILLS {
            eprintln!("killed at attempt {attempt} after {done} of {SKILLS} artifacts");
            caught = Some((id, j));
            break;
        }
        // The job finished before the kill: wait it out and try again.
        assert_eq!(j["state"], "success", "attempt {attempt}: {j:#}");
    }
    let (id, killed) = caught.expect("the job was never caught mid-run in 6 attempts");
    assert!(
        killed["done"].as_u64().unwrap() < SKILLS as u64,
        "{killed:#}"
    );
    // Something is half done: some artifacts are new, the rest old.
    let mid = hashes(&env, &project);
    assert!(
        mid.iter().any(|(_, c, h)| c != h),
        "nothing left to do at the kill"
    );

    let s = Server::start(&env, &["--workers", "1"]);
    let job = s.wait_job(&id, Duration::from_secs(120));
    assert_eq!(job["state"], "success", "{job:#}");
    assert!(job["attempts"].as_u64().unwrap() >= 2, "{job:#}");
    assert_eq!(job["done"], SKILLS);
    assert_eq!(job["total"], SKILLS);
    assert_eq!(job["results"].as_array().unwrap().len(), SKILLS, "{job:#}");
    for (id, c, h) in hashes(&env, &project) {
        assert_eq!(c, h, "{id} is not synced after the restart");
    }
    // The lockfile is valid and records every skill at its new hash.
    let lock = lockfile(&project);
    assert_eq!(lock["artifact"].as_array().unwrap().len(), SKILLS);
    drop(s);
}

#[test]
fn a_cli_sync_and_a_server_job_on_one_artifact_are_serialised() {
    const ROUNDS: usize = 5;
    let env = env();
    let (ups, project, skill) = two_collections_one_project(&env);
    let p = project.to_str().unwrap();
    let s = Server::start(&env, &["--workers", "2"]);

    for round in 1..=ROUNDS {
        for side in ["a", "b"] {
            put(
                &env.collection_dir(side).join("skills/x"),
                &version(side, round),
            );
        }
        let cli = || {
            env.command(&[
                "--collection",
                "a",
                "sync",
                "--direction",
                "collection_to_project",
                ID,
                "--project",
                p,
                "--strategy",
                "theirs",
                "--yes",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        };
        let body = json!({
            "direction": "collection_to_project", "artifacts": [ID], "project_path": p,
            "collection": "b", "strategy": "theirs", "yes": true
        });
        // Alternate which one starts first.
        let (child, job) = if round % 2 == 0 {
            let c = cli();
            (c, s.start_job(&body))
        } else {
            let j = s.start_job(&body);
            (cli(), j)
        };
        let out = child.wait_with_output().unwrap();
        let what = format!("round {round}");
        assert!(
            out.status.success(),
            "{what}: the CLI sync failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let job = s.wait_job(&job, Duration::from_secs(60));
        assert_eq!(job["state"], "success", "{what}: {job:#}");
        assert!(job["error"].is_null(), "{what}: {job:#}");

        let (winner, loser) = assert_one_version_won(
            &env,
            &project,
            &skill,
            ID,
            |side| version(side, round),
            &what,
        );
        // One write replaced the other's complete version: undo of the
        // last brings the other back whole.
        env.run_ok(&["--collection", winner, "undo", ID, "--project", p]);
        assert_files(
            &read_files(&skill),
            &version(loser, round),
            &format!("{what}: undo"),
        );
        // And back to the winner for the next round's base.
        env.run_ok(&[
            "--collection",
            winner,
            "sync",
            "--direction",
            "collection_to_project",
            ID,
            "--project",
            p,
            "--strategy",
            "theirs",
            "--yes",
        ]);
    }
    drop(s);
    drop(ups);
}
