//! Syncs running at the same time are serialised per destination artifact:
//! two processes writing the same project artifact leave exactly one of
//! their versions (never a mix of files) with a lockfile that names it, and
//! processes writing different artifacts of one project, or of the
//! collection, lose none of each other's updates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::path::Path;
use std::process::{Child, Stdio};

use artisync_testkit::{git, TestEnv, UpstreamRepo};
use sync_support::*;

const ROUNDS: usize = 6;

fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    env.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` and asserts that it succeeded.
fn finish(child: Child, what: &str) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\nstderr: {}\nstdout: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Starts every command, then waits for all of them.
fn all_at_once(env: &TestEnv, commands: &[Vec<String>]) {
    let children: Vec<(Child, String)> = commands
        .iter()
        .map(|c| {
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            (spawn(env, &args), c.join(" "))
        })
        .collect();
    for (child, what) in children {
        finish(child, &what);
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn two_collections_syncing_into_one_project_artifact_are_serialised() {
    let env = env();
    let (ups, project, skill) = two_collections_one_project(&env);
    let p = project.to_str().unwrap();
    assert_files(&read_files(&skill), &version("a", 0), "deployed");

    for round in 1..=ROUNDS {
        for side in ["a", "b"] {
            put(
                &env.collection_dir(side).join("skills/x"),
                &version(side, round),
            );
        }
        // Each replaces the project's copy with its collection's version.
        let sync = |side: &str| {
            strings(&[
                "--collection",
                side,
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
        };
        let order = if round % 2 == 0 {
            ["a", "b"]
        } else {
            ["b", "a"]
        };
        all_at_once(&env, &[sync(order[0]), sync(order[1])]);

        let what = format!("round {round}");
        let (winner, loser) = assert_one_version_won(
            &env,
            &project,
            &skill,
            ID,
            |side| version(side, round),
            &what,
        );

        // The two writes happened one after the other: the last one
        // replaced the other's complete version, which undo brings back.
        // (This home has no 'default' collection, so undo names one.)
        env.run_ok(&["--collection", winner, "undo", ID, "--project", p]);
        assert_files(
            &read_files(&skill),
            &version(loser, round),
            &format!("{what}: undo of the last write"),
        );
        assert_eq!(
            lock_entry(&project, ID).unwrap()["collection"].as_str(),
            Some(loser),
            "{what}"
        );
    }
    drop(ups);
}

#[test]
fn syncs_of_different_artifacts_of_one_project_lose_no_update() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::new();
    let names: Vec<String> = ["x", "y"]
        .iter()
        .map(|s| s.to_string())
        .chain((0..ROUNDS).flat_map(|r| [format!("d{r}"), format!("e{r}")]))
        .collect();
    for n in &names {
        put(&up.path().join("skills").join(n), &version(n, 0));
    }
    up.commit("skills");
    env.run_ok(&["add", &up.local("skills"), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", "skill:x", "skill:y", "--project", p]);

    for round in 1..=ROUNDS {
        for n in ["x", "y"] {
            put(&collection.join("skills").join(n), &version(n, round));
        }
        let sync = |id: &str| {
            strings(&[
                "sync",
                "--direction",
                "collection_to_project",
                id,
                "--project",
                p,
            ])
        };
        let deploy = |id: String| strings(&["deploy", &id, "--project", p]);
        all_at_once(
            &env,
            &[
                sync("skill:x"),
                deploy(format!("skill:d{}", round - 1)),
                sync("skill:y"),
                deploy(format!("skill:e{}", round - 1)),
            ],
        );

        let what = format!("round {round}");
        for n in ["x", "y"] {
            assert_files(
                &read_files(&project.join(".claude/skills").join(n)),
                &version(n, round),
                &format!("{what}: skill:{n}"),
            );
        }
        // Every artifact synced or deployed so far is in the lockfile, at
        // the hash on disk.
        let lock = lockfile(&project);
        let listed = lock["artifact"].as_array().unwrap().len();
        assert_eq!(listed, 2 + 2 * round, "{what}: lockfile entries\n{lock:#?}");
        let st = env.json(&["status", "--project", p]);
        let mut tracked = 0;
        for a in st["artifacts"].as_array().unwrap() {
            if let Some(pe) = a["projects"].as_array().unwrap().first() {
                tracked += 1;
                assert_eq!(pe["status"], "in_sync", "{what}: {a:#}");
                assert_eq!(pe["hash"], a["collection"]["hash"], "{what}: {a:#}");
            }
        }
        assert_eq!(tracked, 2 + 2 * round, "{what}");
    }
}

#[test]
fn project_to_collection_syncs_of_different_artifacts_lose_no_update() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::new();
    for n in ["x", "y"] {
        put(&up.path().join("skills").join(n), &version(n, 0));
    }
    up.commit("skills");
    env.run_ok(&["add", &up.local("skills"), "--all"]);
    let web = env.project("web");
    let api = env.project("api");
    env.run_ok(&["deploy", "skill:x", "--project", web.to_str().unwrap()]);
    env.run_ok(&["deploy", "skill:y", "--project", api.to_str().unwrap()]);
    let commits = || {
        git(&collection, &["rev-list", "--count", "HEAD"])
            .parse::<usize>()
            .unwrap()
    };

    for round in 1..=ROUNDS {
        let before = commits();
        put(&web.join(".claude/skills/x"), &version("x", round));
        put(&api.join(".claude/skills/y"), &version("y", round));
        let sync = |id: &str, project: &Path| {
            strings(&[
                "sync",
                "--direction",
                "project_to_collection",
                id,
                "--project",
                project.to_str().unwrap(),
            ])
        };
        all_at_once(&env, &[sync("skill:x", &web), sync("skill:y", &api)]);

        let what = format!("round {round}");
        for n in ["x", "y"] {
            assert_files(
                &read_files(&collection.join("skills").join(n)),
                &version(n, round),
                &format!("{what}: collection skill:{n}"),
            );
        }
        assert_eq!(
            git(&collection, &["status", "--porcelain"]),
            "",
            "{what}: everything is committed"
        );
        assert!(commits() > before, "{what}: a new commit");
        let st = env.json(&["status"]);
        for (id, project) in [("skill:x", &web), ("skill:y", &api)] {
            let pe = project_entry(artifact(&st, id), project);
            assert_eq!(pe["status"], "in_sync", "{what}: {id} {pe:#}");
        }
    }
}
