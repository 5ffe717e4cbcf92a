//! A sync killed at any moment breaks nothing: `artisync sync --direction
//! collection_to_project` over 40 skills is killed with SIGKILL after
//! pseudo-random delays; afterwards every artifact in the project is either
//! its old or its new version (never a mix of files), `status` works, and
//! running the sync again finishes the job.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use artisync_testkit::{TestEnv, UpstreamRepo};
use sync_support::*;

const SKILLS: usize = 40;
const TRIALS: usize = 32;

/// splitmix64: a small deterministic generator, so that a failing run can
/// be replayed with the same delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn name(i: usize) -> String {
    format!("s{i:02}")
}

/// Writes version `v` of skill `i` into the artifact directory `dir`:
/// every file changes, and a file comes and goes with the version's parity.
fn write_version(dir: &Path, i: usize, v: usize) {
    let n = name(i);
    let files = [
        (
            "SKILL.md",
            format!("---\nname: {n}\ndescription: skill {n} v{v}\n---\n# {n}\n\nVersion {v}.\n"),
        ),
        ("ref/guide.md", format!("{}v{v}\n", lines("guide", 20))),
        ("ref/api.md", format!("api of {n}, version {v}\n")),
        ("scripts/run.sh", format!("#!/bin/sh\necho {n} {v}\n")),
        ("data/table.csv", format!("k,v\n{n},{v}\n")),
    ];
    for (p, text) in files {
        let path = dir.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        dir.join("scripts/run.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let extra = dir.join("ref/extra.md");
    if v & 1 == 0 {
        fs::write(&extra, format!("extra {v}\n")).unwrap();
    } else if extra.exists() {
        fs::remove_file(&extra).unwrap();
    }
}

/// Per skill: (collection hash, project hash, the project pair's status),
/// from one `status --json` that must succeed.
fn hashes(env: &TestEnv, project: &Path) -> BTreeMap<String, (String, Option<String>, String)> {
    let st = env.json(&["status", "--project", project.to_str().unwrap()]);
    st["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let p = project_entry(a, project);
            (
                a["id"].as_str().unwrap().to_string(),
                (
                    a["collection"]["hash"].as_str().unwrap().to_string(),
                    p["hash"].as_str().map(str::to_string),
                    p["status"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// Hidden names in `.claude/` and `.claude/skills/`: what an interrupted
/// write left behind.
fn leftovers(project: &Path) -> Vec<String> {
    let claude = project.join(".claude");
    [claude.clone(), claude.join("skills")]
        .iter()
        .flat_map(|d| fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn a_killed_sync_leaves_old_or_new_and_a_rerun_finishes() {
    // SIGKILL does not depend on data reaching the disk, but every write
    // waits for fsync; on a RAM file system, when there is one, the many
    // runs of this test take seconds instead of minutes. (This test is
    // alone in its binary, so setting the variable races with nothing.)
    let shm = Path::new("/dev/shm");
    if tempfile::tempdir_in(shm).is_ok() {
        std::env::set_var("TMPDIR", shm);
    }
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::new();
    for i in 0..SKILLS {
        write_version(&up.path().join("skills").join(name(i)), i, 0);
    }
    up.commit("forty skills");
    env.run_ok(&["add", &up.local("skills"), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    let mut deploy: Vec<String> = (0..SKILLS).map(|i| format!("skill:{}", name(i))).collect();
    deploy.insert(0, "deploy".into());
    deploy.extend(["--project".into(), p.into()]);
    env.run_ok(&deploy);

    let sync = [
        "sync",
        "--direction",
        "collection_to_project",
        "--project",
        p,
    ];
    let bump = |v: usize| {
        for i in 0..SKILLS {
            write_version(&collection.join("skills").join(name(i)), i, v);
        }
    };

    // A full run, timed: the kills fall within its duration.
    bump(1);
    let start = Instant::now();
    env.run_ok(&sync);
    let full = start.elapsed();
    for (id, (c, h, _)) in hashes(&env, &project) {
        assert_eq!(Some(c), h, "{id} after a full run");
    }

    let mut rng = Rng(0x5eed_a11c_e5ab_0001);
    let mut interrupted = 0;
    let mut partial = 0;
    let mut last = BTreeMap::new();
    for trial in 0..TRIALS {
        let v = trial + 2;
        bump(v);
        let before = hashes(&env, &project);
        let delay = Duration::from_micros(rng.below(full.as_micros() as u64));
        let mut child = env
            .command(&sync)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let what = format!("trial {trial} (killed after {delay:?} of {full:?})");
        // `hashes` runs `status`, which must succeed.
        let after = hashes(&env, &project);
        let mut new = 0;
        for (id, (new_hash, old_hash, _)) in &before {
            let now = &after[id].1;
            assert!(
                now == old_hash || now.as_ref() == Some(new_hash),
                "{what}: {id} is {now:?}, neither old {old_hash:?} nor new {new_hash}"
            );
            new += usize::from(now.as_ref() == Some(new_hash));
        }
        if new > 0 && new < before.len() {
            partial += 1;
        }

        let rerun = env.run(&sync);
        assert_eq!(rerun.code, 0, "{what}: the re-run failed: {}", rerun.stderr);
        for (id, (c, h, status)) in hashes(&env, &project) {
            assert_eq!(Some(&c), h.as_ref(), "{what}: {id} after the re-run");
            assert_eq!(status, "in_sync", "{what}: {id} after the re-run");
        }
        assert_eq!(
            leftovers(&project),
            Vec::<String>::new(),
            "{what}: an interrupted write was left behind"
        );
        last = before;
    }
    eprintln!(
        "{TRIALS} trials over a {full:?} run: {interrupted} killed while running, {partial} with some artifacts written"
    );
    assert!(
        interrupted >= TRIALS / 4,
        "only {interrupted} of {TRIALS} kills hit a running sync"
    );

    // The undo journal survived the kills: undo puts every artifact back at
    // the version before the last trial.
    for id in last.keys() {
        env.run_ok(&["undo", id, "--project", p]);
    }
    let now = hashes(&env, &project);
    for (id, (_, old, _)) in &last {
        assert_eq!(&now[id].1, old, "undo of {id} after the crashes");
    }
}
