//! Drift through `artisync status`: one artifact moving through
//! in_sync, ahead, behind, diverged and missing, and untracked artifacts in
//! a project; status never fetches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, git, snapshot_tree, TestEnv, UpstreamRepo};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

const STATUS_WORDS: [&str; 7] = [
    "in_sync",
    "behind",
    "ahead",
    "diverged",
    "missing",
    "untracked",
    "conflict",
];

/// Every `status` value anywhere in a JSON document.
fn all_statuses(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "status" {
                    out.push(x.as_str().expect("a status is a string").to_string());
                } else {
                    all_statuses(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| all_statuses(x, out)),
        _ => {}
    }
}

struct Scenario {
    env: TestEnv,
    up: UpstreamRepo,
    web: PathBuf,
    collection: PathBuf,
}

impl Scenario {
    /// skill:pdf imported and deployed into one project.
    fn new() -> Scenario {
        let env = env();
        let collection = env.init();
        let up = UpstreamRepo::sample();
        env.run_ok(&["add", &up.local("skills/pdf")]);
        let web = env.project("web");
        env.run_ok(&["deploy", "skill:pdf", "--project", web.to_str().unwrap()]);
        Scenario {
            env,
            up,
            web,
            collection,
        }
    }

    fn status(&self, args: &[&str]) -> Value {
        let mut all = vec!["status"];
        all.extend_from_slice(args);
        let v = self.env.json(&all);
        let mut words = Vec::new();
        all_statuses(&v, &mut words);
        for w in &words {
            assert!(STATUS_WORDS.contains(&w.as_str()), "unknown status {w:?}");
        }
        v
    }

    /// (upstream → collection status, [status of each project]) of skill:pdf.
    fn pdf(&self) -> (String, Vec<(String, String)>) {
        let v = self.status(&[]);
        let a = v["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "skill:pdf")
            .expect("skill:pdf in status")
            .clone();
        let projects = a["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["path"].as_str().unwrap().to_string(),
                    p["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (
            a["upstream"]["status"].as_str().unwrap().to_string(),
            projects,
        )
    }

    fn human(&self) -> String {
        self.env.run_ok(&["status"]).stdout
    }

    fn web_skill(&self) -> PathBuf {
        self.web.join(".claude/skills/pdf/SKILL.md")
    }

    fn web_str(&self) -> String {
        self.web.to_str().unwrap().to_string()
    }
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

#[test]
fn one_artifact_through_every_status() {
    let s = Scenario::new();
    let web = s.web_str();

    // Just deployed: everything in sync.
    assert_eq!(
        s.pdf(),
        ("in_sync".into(), vec![(web.clone(), "in_sync".into())])
    );
    assert!(s.human().contains("in_sync"), "{}", s.human());

    // A local edit in the project: the project is ahead.
    append(&s.web_skill(), "4. Note failed pages.\n");
    assert_eq!(
        s.pdf(),
        ("in_sync".into(), vec![(web.clone(), "ahead".into())])
    );
    let human = s.human();
    assert!(human.contains("ahead"), "{human}");
    assert!(human.contains(&web), "{human}");

    // Upstream moves on. Status never fetches: still in sync, cache untouched.
    std::fs::copy(s.collection.join("skills/pdf/SKILL.md"), s.web_skill()).unwrap();
    s.up.write("skills/pdf/SKILL.md", "# PDF v2\n");
    let v2 = s.up.commit("PDF v2");
    let cache_before = snapshot_tree(&s.env.home().join("cache"));
    assert_eq!(
        s.pdf(),
        ("in_sync".into(), vec![(web.clone(), "in_sync".into())])
    );
    assert_same_tree(
        &cache_before,
        &snapshot_tree(&s.env.home().join("cache")),
        "status",
    );

    // After a fetch the upstream pair is behind (an update is available).
    let fetched = s.env.json(&["fetch"]);
    assert_eq!(fetched[0]["url"], s.up.url());
    assert_eq!(fetched[0]["artifacts"][0], "skill:pdf");
    assert_eq!(
        s.pdf(),
        ("behind".into(), vec![(web.clone(), "in_sync".into())])
    );
    let v = s.status(&[]);
    let u = &v["artifacts"][0]["upstream"];
    assert_eq!(u["hash"], s.up.rev_parse("HEAD:skills/pdf").as_str());
    assert_eq!(u["commit"], v2.as_str());
    assert_eq!(
        u["synced_hash"],
        s.up.rev_parse("HEAD~1:skills/pdf").as_str()
    );
    assert!(s.human().contains("behind"), "{}", s.human());

    // Fetch changed only the cache: the collection and the project did not move.
    assert_eq!(
        std::fs::read_to_string(s.collection.join("skills/pdf/SKILL.md")).unwrap(),
        artisync_testkit::sample::PDF_SKILL
    );

    // The collection owner edits the collection copy: upstream pair
    // diverged (both changed), project behind (the collection moved).
    append(
        &s.collection.join("skills/pdf/SKILL.md"),
        "Collection note.\n",
    );
    git(&s.collection, &["commit", "-qam", "Local note"]);
    assert_eq!(
        s.pdf(),
        ("diverged".into(), vec![(web.clone(), "behind".into())])
    );
    let human = s.human();
    assert!(
        human.contains("diverged") && human.contains("behind"),
        "{human}"
    );

    // And the project changes too: project pair diverged.
    append(&s.web_skill(), "Project note.\n");
    assert_eq!(
        s.pdf(),
        ("diverged".into(), vec![(web.clone(), "diverged".into())])
    );

    // The project copy is deleted: missing.
    std::fs::remove_dir_all(s.web.join(".claude/skills/pdf")).unwrap();
    assert_eq!(
        s.pdf(),
        ("diverged".into(), vec![(web.clone(), "missing".into())])
    );
    assert!(s.human().contains("missing"), "{}", s.human());
}

#[test]
fn untracked_artifacts_in_a_project() {
    let s = Scenario::new();
    let claude = s.web.join(".claude");
    std::fs::create_dir_all(claude.join("commands")).unwrap();
    std::fs::write(claude.join("commands/scratch.md"), "Notes.\n").unwrap();
    std::fs::create_dir_all(claude.join("skills/handmade")).unwrap();
    std::fs::write(claude.join("skills/handmade/SKILL.md"), "Mine.\n").unwrap();
    // Not artifacts: a non-.md file and an invalid name are ignored.
    std::fs::write(claude.join("commands/notes.txt"), "x\n").unwrap();
    std::fs::create_dir_all(claude.join("skills/Bad Name")).unwrap();

    let v = s.status(&[]);
    let mut untracked: Vec<(String, String, bool)> = v["untracked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["path"], s.web_str().as_str());
            (
                u["id"].as_str().unwrap().to_string(),
                u["status"].as_str().unwrap().to_string(),
                u["in_collection"].as_bool().unwrap(),
            )
        })
        .collect();
    untracked.sort();
    assert_eq!(
        untracked,
        vec![
            ("command:scratch".into(), "untracked".into(), false),
            ("skill:handmade".into(), "untracked".into(), false),
        ]
    );
    let scratch = v["untracked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "command:scratch")
        .unwrap();
    assert_eq!(
        scratch["hash"],
        git(&s.web, &["hash-object", ".claude/commands/scratch.md"]).as_str()
    );
    // The deployed artifact is still tracked and in sync.
    assert_eq!(s.pdf().1, vec![(s.web_str(), "in_sync".to_string())]);

    let human = s.human();
    assert!(human.to_lowercase().contains("untracked"), "{human}");
    assert!(human.contains("command:scratch"), "{human}");
    assert!(human.contains("skill:handmade"), "{human}");
}

#[test]
fn status_of_one_project() {
    let s = Scenario::new();
    let api = s.env.project("api");
    s.env
        .run_ok(&["deploy", "skill:pdf", "--project", api.to_str().unwrap()]);
    append(&s.web_skill(), "edit\n");

    let all = s.pdf().1;
    assert_eq!(all.len(), 2);
    assert!(all.contains(&(api.to_str().unwrap().to_string(), "in_sync".into())));
    assert!(all.contains(&(s.web_str(), "ahead".into())));

    let only = s.status(&["--project", api.to_str().unwrap()]);
    let projects = only["artifacts"][0]["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["path"], api.to_str().unwrap());
    assert_eq!(projects[0]["status"], "in_sync");
    let human = s
        .env
        .run_ok(&["status", "--project", api.to_str().unwrap()])
        .stdout;
    assert!(!human.contains(&s.web_str()), "{human}");
}

#[test]
fn status_of_an_empty_collection() {
    let env = env();
    env.init();
    let v = env.json(&["status"]);
    assert_eq!(v["artifacts"], serde_json::json!([]));
    assert_eq!(v["collection"], "default");
    let out = env.run_ok(&["status"]);
    assert!(out.stdout.contains("empty"), "{}", out.stdout);
}

#[test]
fn human_status_of_a_fixed_scenario() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let web = env.project("web");
    let api = env.project("api");
    env.run_ok(&[
        "deploy",
        "skill:pdf",
        "command:review",
        "--project",
        web.to_str().unwrap(),
    ]);
    env.run_ok(&[
        "deploy",
        "skill:pdf",
        "skill:changelog",
        "--project",
        api.to_str().unwrap(),
    ]);
    // web: a local edit; api: a deleted copy and a hand-made command.
    append(
        &web.join(".claude/skills/pdf/SKILL.md"),
        "4. Note failed pages.\n",
    );
    std::fs::remove_dir_all(api.join(".claude/skills/changelog")).unwrap();
    std::fs::create_dir_all(api.join(".claude/commands")).unwrap();
    std::fs::write(api.join(".claude/commands/scratch.md"), "Notes.\n").unwrap();
    // Upstream: the review command changes, and is fetched.
    up.write("commands/review.md", "Review v2.\n");
    up.commit("Review v2");
    env.run_ok(&["fetch"]);

    let out = env.run_ok(&["status"]);
    let redact = artisync_testkit::Redactor::new()
        .replace(env.root().to_str().unwrap(), "[TMP]")
        .replace(up.path().to_str().unwrap(), "[UPSTREAM]");
    insta::assert_snapshot!("status_human", redact.apply(&out.stdout));
}

#[test]
fn many_projects_each_keep_their_own_state() {
    // Enough projects that status reads them on several threads: every
    // copy is still reported on its own project with its own drift and
    // untracked artifacts, and one broken lockfile is a warning naming
    // its project.
    let s = Scenario::new();
    let mut expected = vec![(s.web_str(), "in_sync".to_string())];
    let mut untracked = Vec::new();
    for i in 0..14 {
        let p = s.env.project(&format!("p{i:02}"));
        s.env
            .run_ok(&["deploy", "skill:pdf", "--project", p.to_str().unwrap()]);
        let path = p.to_str().unwrap().to_string();
        match i % 3 {
            0 => {
                append(&p.join(".claude/skills/pdf/SKILL.md"), "edit\n");
                expected.push((path, "ahead".into()));
            }
            1 => expected.push((path, "in_sync".into())),
            _ => {
                let dir = p.join(".claude/commands");
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("own{i}.md")), "Mine.\n").unwrap();
                untracked.push((path.clone(), format!("command:own{i}")));
                expected.push((path, "in_sync".into()));
            }
        }
    }
    let broken = s.env.project("p99-broken");
    s.env
        .run_ok(&["deploy", "skill:pdf", "--project", broken.to_str().unwrap()]);
    std::fs::write(broken.join(".claude/artisync.lock"), "not = [valid").unwrap();

    let v = s.status(&[]);
    let (_, mut got) = s.pdf();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    let mut found: Vec<(String, String)> = v["untracked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["path"].as_str().unwrap().to_string(),
                u["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    untracked.sort();
    assert_eq!(found, untracked);
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains(broken.to_str().unwrap()),
        "{warnings:?}"
    );
}
