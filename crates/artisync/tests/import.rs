//! Importing artifacts with `artisync add`: from local paths, file:// specs
//! with a ref and a path, and whole folders; one collection commit per add;
//! what the manifest records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::{
    assert_same_tree, git, sample, snapshot_tree, without, TestEnv, UpstreamRepo,
};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// The collection's commit subjects, newest first.
fn subjects(collection: &Path) -> Vec<String> {
    git(collection, &["log", "--format=%s"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The manifest's `[[artifact]]` entry for `kind`/`name`.
fn manifest_entry(collection: &Path, kind: &str, name: &str) -> toml::Table {
    let text = std::fs::read_to_string(collection.join("artisync.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let entries = doc["artifact"].as_array().expect("[[artifact]] entries");
    entries
        .iter()
        .map(|e| e.as_table().unwrap())
        .find(|e| e["kind"].as_str() == Some(kind) && e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind}:{name} in the manifest:\n{text}"))
        .clone()
}

fn ids(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn add_skill_from_a_local_path() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    let head = up.head();

    let report = env.json(&["add", &up.local("skills/pdf")]);
    let imported = &report["imported"][0];
    assert_eq!(imported["id"], "skill:pdf");
    assert_eq!(imported["source"], up.spec("main", "skills/pdf"));
    assert_eq!(imported["ref"], "main");
    assert_eq!(imported["commit"], head.as_str());
    assert_eq!(imported["hash"], up.rev_parse("HEAD:skills/pdf").as_str());
    assert_eq!(report["collection"], "default");

    // The files are copied byte for byte, exec bit included.
    assert_eq!(
        snapshot_tree(&up.path().join("skills/pdf")),
        snapshot_tree(&collection.join("skills/pdf"))
    );

    // The manifest records where it came from.
    let e = manifest_entry(&collection, "skill", "pdf");
    assert_eq!(
        e["source"].as_str(),
        Some(up.spec("main", "skills/pdf").as_str())
    );
    assert_eq!(e["ref"].as_str(), Some("main"));
    assert_eq!(e["upstream_commit"].as_str(), Some(head.as_str()));
    assert_eq!(
        e["upstream_hash"].as_str(),
        Some(up.rev_parse("HEAD:skills/pdf").as_str())
    );
    assert!(e.contains_key("synced_at"), "{e:?}");

    // One readable commit for the add, on top of the collection's creation.
    assert_eq!(
        subjects(&collection),
        vec!["Add skill:pdf", "Create collection 'default'"]
    );
    let body = git(&collection, &["log", "-1", "--format=%B"]);
    assert!(body.contains(&up.spec("main", "skills/pdf")), "{body}");
    assert!(body.contains(&head[..12]), "{body}");
    // The work tree of the collection is clean: everything was committed.
    assert_eq!(git(&collection, &["status", "--porcelain"]), "");

    // Human output says what happened.
    let list = env.run_ok(&["list"]);
    assert!(list.stdout.contains("skill:pdf"), "{}", list.stdout);
}

#[test]
fn add_command_and_agent_from_local_paths() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();

    let out = env.run_ok(&["add", &up.local("commands/review.md")]);
    assert!(
        out.stdout.contains("Imported command:review"),
        "{}",
        out.stdout
    );
    let out = env.run_ok(&["add", &up.local("agents/reviewer.md")]);
    assert!(
        out.stdout.contains("Imported agent:reviewer"),
        "{}",
        out.stdout
    );

    assert_eq!(
        std::fs::read_to_string(collection.join("commands/review.md")).unwrap(),
        sample::REVIEW_CMD
    );
    assert_eq!(
        std::fs::read_to_string(collection.join("agents/reviewer.md")).unwrap(),
        sample::REVIEWER_AGENT
    );
    let e = manifest_entry(&collection, "command", "review");
    assert_eq!(
        e["source"].as_str(),
        Some(up.spec("main", "commands/review.md").as_str())
    );
    assert_eq!(
        e["upstream_hash"].as_str(),
        Some(up.rev_parse("HEAD:commands/review.md").as_str())
    );
    let e = manifest_entry(&collection, "agent", "reviewer");
    assert_eq!(e["upstream_commit"].as_str(), Some(up.head().as_str()));
    assert_eq!(
        subjects(&collection),
        vec![
            "Add agent:reviewer",
            "Add command:review",
            "Create collection 'default'"
        ]
    );

    let show = env.json(&["show", "command:review"]);
    assert_eq!(show["kind"], "command");
    assert_eq!(show["metadata"]["description"], "Review the current diff");
}

#[test]
fn add_from_a_file_url_with_a_ref_and_a_path() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    let v1 = up.head();
    up.tag("v1");
    up.write(
        "skills/pdf/SKILL.md",
        "---\nname: pdf\ndescription: PDFs, version two.\n---\n# PDF, version two\n",
    );
    let v2 = up.commit("PDF v2");

    // A tag: the import is pinned at the tag's commit, not at main.
    let report = env.json(&["add", &up.spec("v1", "skills/pdf")]);
    let i = &report["imported"][0];
    assert_eq!(i["ref"], "v1");
    assert_eq!(i["commit"], v1.as_str());
    assert_eq!(i["hash"], up.rev_parse("v1:skills/pdf").as_str());
    assert_eq!(
        std::fs::read_to_string(collection.join("skills/pdf/SKILL.md")).unwrap(),
        sample::PDF_SKILL
    );

    // A branch, with another name for the artifact.
    let report = env.json(&["add", &up.spec("main", "skills/pdf"), "--name", "pdf-next"]);
    let i = &report["imported"][0];
    assert_eq!(i["id"], "skill:pdf-next");
    assert_eq!(i["commit"], v2.as_str());
    assert_eq!(i["hash"], up.rev_parse("main:skills/pdf").as_str());

    let e = manifest_entry(&collection, "skill", "pdf");
    assert_eq!(e["ref"].as_str(), Some("v1"));
    assert_eq!(e["upstream_commit"].as_str(), Some(v1.as_str()));
    let e = manifest_entry(&collection, "skill", "pdf-next");
    assert_eq!(e["ref"].as_str(), Some("main"));
    assert_eq!(
        e["source"].as_str(),
        Some(up.spec("main", "skills/pdf").as_str())
    );

    // Without a ref the default branch is tracked.
    let report = env.json(&["add", &format!("{}#:commands/review.md", up.url())]);
    assert_eq!(report["imported"][0]["ref"], "main");
}

#[test]
fn a_file_outside_commands_and_agents_needs_a_kind() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    up.write("docs/helper.md", "A helper agent.\n");
    up.commit("docs");

    let err = env.run_err(&["add", &up.local("docs/helper.md")]);
    assert!(err.stderr.contains("--kind"), "{}", err.stderr);
    let report = env.json(&["add", &up.local("docs/helper.md"), "--kind", "agent"]);
    assert_eq!(report["imported"][0]["id"], "agent:helper");
}

#[test]
fn add_a_folder_with_all() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    up.write(".claude/commands/deploy.md", "Deploy it.\n");
    up.commit("A command under .claude");

    let report = env.json(&["add", &up.local("skills"), "--all"]);
    assert_eq!(ids(&report), vec!["skill:changelog", "skill:pdf"]);
    for (id, path) in [
        ("skill:changelog", "skills/changelog"),
        ("skill:pdf", "skills/pdf"),
    ] {
        let i = report["imported"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap();
        assert_eq!(i["hash"], up.rev_parse(&format!("HEAD:{path}")).as_str());
        assert_eq!(i["source"], up.spec("main", path).as_str());
    }
    assert_eq!(
        subjects(&collection),
        vec!["Add 2 artifacts", "Create collection 'default'"]
    );

    // The repository root: everything else, including .claude/; what is
    // already in the collection is skipped with a warning.
    let out = env.run_ok(&["add", &up.local(""), "--all", "--json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        ids(&report),
        vec!["agent:reviewer", "command:deploy", "command:review"]
    );
    assert!(
        out.stderr
            .contains("skill:pdf is already in the collection"),
        "{}",
        out.stderr
    );
    let e = manifest_entry(&collection, "command", "deploy");
    assert_eq!(
        e["source"].as_str(),
        Some(up.spec("main", ".claude/commands/deploy.md").as_str())
    );
    assert_eq!(
        subjects(&collection),
        vec![
            "Add 3 artifacts",
            "Add 2 artifacts",
            "Create collection 'default'"
        ]
    );
    let body = git(&collection, &["log", "-1", "--format=%B"]);
    for id in ["agent:reviewer", "command:deploy", "command:review"] {
        assert!(body.contains(id), "{body}");
    }

    // Nothing new: no commit.
    let out = env.run_ok(&["add", &up.local(""), "--all"]);
    assert!(out.stdout.contains("Nothing new"), "{}", out.stdout);
    assert_eq!(subjects(&collection).len(), 3);

    let list = env.json(&["list"]);
    assert_eq!(list["artifacts"].as_array().unwrap().len(), 5);
}

#[test]
fn a_folder_without_all_is_refused_listing_its_artifacts() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    let before = snapshot_tree(env.home());

    let err = env.run_err(&["add", &up.local("skills")]);
    for word in ["skill:changelog", "skill:pdf", "--all"] {
        assert!(err.stderr.contains(word), "{word}: {}", err.stderr);
    }
    let err = env.run_err(&["add", &up.spec("main", "")]);
    for word in ["skill:pdf", "command:review", "agent:reviewer", "--all"] {
        assert!(err.stderr.contains(word), "{word}: {}", err.stderr);
    }
    // The fetch may have filled the upstream cache, but the collection is
    // untouched.
    assert_same_tree(
        &without(&before, Path::new("cache")),
        &without(&snapshot_tree(env.home()), Path::new("cache")),
        "a refused add",
    );
}

#[test]
fn a_skill_at_the_repository_root_is_named_after_the_repository() {
    let env = env();
    env.init();
    let up = UpstreamRepo::named("lint-rules");
    up.write(
        "SKILL.md",
        "---\nname: lint-rules\ndescription: A test skill.\n---\nLint.\n",
    );
    up.write("rules/a.md", "A\n");
    up.commit("A skill at the root");

    let report = env.json(&["add", &up.local("")]);
    let i = &report["imported"][0];
    assert_eq!(i["id"], "skill:lint-rules");
    assert_eq!(i["hash"], up.rev_parse("HEAD^{tree}").as_str());
}

#[test]
fn adding_the_same_artifact_twice_is_refused() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    let before = snapshot_tree(env.home());
    let err = env.run_err(&["add", &up.spec("main", "skills/pdf")]);
    assert!(
        err.stderr.contains("already in collection"),
        "{}",
        err.stderr
    );
    // Only the upstream cache may change (the add fetched first).
    assert_same_tree(
        &without(&before, Path::new("cache")),
        &without(&snapshot_tree(env.home()), Path::new("cache")),
        "a second add",
    );
}

#[test]
fn add_stores_its_files_in_one_pack_and_stages_them_with_their_stat_data() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    // Every imported file is committed, none of them as a loose object.
    let listing = git(
        &collection,
        &[
            "ls-tree", "-r", "HEAD", "--", "skills", "commands", "agents",
        ],
    );
    let ids: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(ids.len() > 3, "{listing}");
    for id in &ids {
        git(&collection, &["cat-file", "-e", id]);
        let loose = collection
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..]);
        assert!(!loose.exists(), "{id} was written as a loose object");
    }
    // The work tree matches the commit, and the index knows each file by
    // its stat data (so nothing is read again to see that).
    assert_eq!(
        git(
            &collection,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        ""
    );
    let path = "skills/pdf/SKILL.md";
    let debug = git(&collection, &["ls-files", "--debug", "--", path]);
    let size = std::fs::metadata(collection.join(path)).unwrap().len();
    assert!(debug.contains(&format!("size: {size}\t")), "{debug}");
    assert!(!debug.contains("mtime: 0:0"), "{debug}");
}
