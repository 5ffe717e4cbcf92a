//! `sync --dry-run` is the plan of the real run: over artifacts that end
//! every way (updated, merged, conflict, unchanged, skipped), the dry run's
//! report equals the real run's — outcomes, from/to hashes, file lists,
//! conflicts — and the dry run writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::path::PathBuf;

use artisync_testkit::{assert_same_tree, TestEnv, Tree, UpstreamRepo};
use serde_json::Value;
use sync_support::*;

const SKILLS: [&str; 5] = ["a", "b", "c", "d", "e"];

fn skill_text(name: &str) -> String {
    format!(
        "---\nname: {name}\ndescription: A test skill.\n---\n{}",
        lines("step", 12)
    )
}

struct Multi {
    env: TestEnv,
    up: UpstreamRepo,
    collection: PathBuf,
    project: PathBuf,
    dir: Dir,
}

impl Multi {
    /// Five skills, a command and an agent, imported and deployed.
    fn new(dir: Dir) -> Multi {
        let env = env();
        let collection = env.init();
        let up = UpstreamRepo::new();
        for s in SKILLS {
            up.write(&format!("skills/{s}/SKILL.md"), &skill_text(s))
                .write(&format!("skills/{s}/ref/notes.md"), &lines("note", 4));
        }
        up.write("commands/review.md", &lines("review", 6))
            .write("agents/reviewer.md", &lines("agent", 6));
        up.commit("artifacts");
        env.run_ok(&["add", &up.local(""), "--all"]);
        let project = env.project("web");
        let mut args = vec!["deploy".to_string()];
        args.extend(SKILLS.iter().map(|s| format!("skill:{s}")));
        args.extend([
            "command:review".into(),
            "agent:reviewer".into(),
            "--project".into(),
            project.to_str().unwrap().into(),
        ]);
        env.run_ok(&args);
        Multi {
            env,
            up,
            collection,
            project,
            dir,
        }
    }

    fn source_root(&self) -> PathBuf {
        match self.dir {
            Dir::UpstreamToCollection => self.up.path().to_path_buf(),
            Dir::CollectionToProject => self.collection.clone(),
        }
    }

    fn dest_root(&self) -> PathBuf {
        match self.dir {
            Dir::UpstreamToCollection => self.collection.clone(),
            Dir::CollectionToProject => self.project.join(".claude"),
        }
    }

    /// Edits that make each artifact end a different way.
    fn diverge(&self) {
        let src = self.source_root();
        let dst = self.dest_root();
        let skill = |root: &PathBuf, s: &str, line: usize, with: &str| {
            apply(
                &root.join("skills").join(s),
                &[write("SKILL.md", &replace_line(&skill_text(s), line, with))],
            )
        };
        skill(&src, "a", 5, "step 2, incoming"); // updated
        skill(&src, "b", 5, "step 2, incoming"); // merged
        skill(&dst, "b", 14, "step 11, local");
        skill(&src, "c", 5, "step 2, incoming"); // conflict
        skill(&dst, "c", 5, "step 2, local");
        skill(&dst, "d", 14, "step 11, local"); // unchanged (ahead)
        apply(
            &src.join("commands"),
            &[write(
                "review.md",
                &replace_line(&lines("review", 6), 2, "x"),
            )],
        );
        apply(&src.join("agents"), &[Op::Remove("reviewer.md")]); // skipped
        if self.dir == Dir::UpstreamToCollection {
            self.up.commit("incoming changes");
        }
    }

    fn sync(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec![
            "sync".to_string(),
            "--direction".into(),
            self.dir.as_str().into(),
            "--json".into(),
        ];
        if self.dir == Dir::CollectionToProject {
            args.extend(["--project".into(), self.project.to_str().unwrap().into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let (out, report) = run_json(&self.env, &args);
        let report = report.unwrap_or_else(|| panic!("no report: {}", out.stderr));
        (out.code, report)
    }

    /// What a dry run must leave untouched: everything but the job record
    /// every sync gets, and the upstream cache, which an
    /// upstream_to_collection dry run fetches into (so that its plan is the
    /// real run's).
    fn snapshot(&self) -> Tree {
        state_snapshot(&self.env)
    }

    /// The destination's hash of every artifact, per `status`.
    fn dest_hashes(&self) -> Vec<(String, Value)> {
        let st = self
            .env
            .json(&["status", "--project", self.project.to_str().unwrap()]);
        st["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let h = match self.dir {
                    Dir::UpstreamToCollection => a["collection"]["hash"].clone(),
                    Dir::CollectionToProject => project_entry(a, &self.project)["hash"].clone(),
                };
                (a["id"].as_str().unwrap().to_string(), h)
            })
            .collect()
    }
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs a dry run then the real run with `extra` and compares them.
fn dry_run_equals_real_run(dir: Dir, extra: &[&str], expected: &[(&str, &str)], code: i32) {
    let what = format!("{} {extra:?}", dir.as_str());
    let m = Multi::new(dir);
    m.diverge();
    let before = m.snapshot();
    let hashes_before = m.dest_hashes();

    let mut dry_args = extra.to_vec();
    dry_args.push("--dry-run");
    let (dry_code, dry) = m.sync(&dry_args);
    assert_same_tree(&before, &m.snapshot(), &format!("{what}: the dry run"));
    assert_eq!(dry["dry_run"], true, "{what}");
    assert!(dry["commit"].is_null(), "{what}: {dry:#}");

    let (real_code, real) = m.sync(extra);
    assert_eq!(real["dry_run"], false, "{what}");
    assert_eq!(dry_code, code, "{what}: dry run exit code\n{dry:#}");
    assert_eq!(real_code, code, "{what}: real run exit code\n{real:#}");
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(i, o)| (i.to_string(), o.to_string()))
        .collect();
    let mut got = outcomes(&real);
    got.sort();
    assert_eq!(got, want, "{what}");
    for key in ["direction", "destination", "warnings"] {
        assert_eq!(dry[key], real[key], "{what}: {key}");
    }
    let (d, r) = (
        dry["artifacts"].as_array().unwrap(),
        real["artifacts"].as_array().unwrap(),
    );
    assert_eq!(d.len(), r.len(), "{what}");
    for (d, r) in d.iter().zip(r) {
        assert_eq!(d, r, "{what}: the dry run's plan differs from the real run");
    }

    // The real run did what it reported: every artifact's destination is at
    // its `to` hash, and the rest did not move.
    let after = m.dest_hashes();
    for a in r {
        let id = a["id"].as_str().unwrap();
        let now = &after.iter().find(|(i, _)| i == id).unwrap().1;
        let was = &hashes_before.iter().find(|(i, _)| i == id).unwrap().1;
        match a["outcome"].as_str().unwrap() {
            "skipped" => assert_eq!(now, was, "{what}: {id}"),
            _ => {
                assert_eq!(&a["from"], was, "{what}: {id} from");
                assert_eq!(&a["to"], now, "{what}: {id} to");
            }
        }
    }
}

#[test]
fn dry_run_with_auto_is_the_real_run() {
    run_in_parallel(&Dir::BOTH, |dir| {
        dry_run_equals_real_run(
            *dir,
            &[],
            &[
                ("agent:reviewer", "skipped"),
                ("command:review", "updated"),
                ("skill:a", "updated"),
                ("skill:b", "merged"),
                ("skill:c", "conflict"),
                ("skill:d", "unchanged"),
                ("skill:e", "unchanged"),
            ],
            3,
        )
    });
}

#[test]
fn dry_run_with_strategies_is_the_real_run() {
    run_in_parallel(&Dir::BOTH, |dir| {
        dry_run_equals_real_run(
            *dir,
            &[
                "--strategy-for",
                "skill:b=theirs",
                "--strategy-for",
                "skill:c=ours",
                "--strategy-for",
                "skill:d=theirs",
                "--yes",
            ],
            &[
                ("agent:reviewer", "skipped"),
                ("command:review", "updated"),
                ("skill:a", "updated"),
                ("skill:b", "updated"),
                ("skill:c", "unchanged"),
                ("skill:d", "updated"),
                ("skill:e", "unchanged"),
            ],
            0,
        )
    });
}

#[test]
fn a_refused_destructive_sync_and_its_dry_run_write_nothing() {
    for dir in Dir::BOTH {
        let m = Multi::new(dir);
        m.diverge();
        let before = m.snapshot();
        let (code, dry) = m.sync(&["--strategy", "theirs", "--dry-run"]);
        assert_eq!(code, 0, "{dry:#}");
        let destructive: Vec<&str> = dry["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["destructive"].is_string())
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(destructive, ["skill:b", "skill:c", "skill:d"], "{dry:#}");
        let mut args = vec!["sync", "--direction", dir.as_str(), "--strategy", "theirs"];
        let p = m.project.to_str().unwrap();
        if dir == Dir::CollectionToProject {
            args.extend(["--project", p]);
        }
        let out = m.env.run(&args);
        out.assert_error("theirs without --yes");
        assert!(out.stderr.contains("--yes"), "{}", out.stderr);
        assert_same_tree(&before, &m.snapshot(), "refused sync");
    }
}
