//! Reading never writes: status, list, show, versions, diff and
//! project list leave the data home, every project and the upstream
//! byte-identical, except for the data home's stat cache, which never
//! changes an answer. And the version view lists every tier side by side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, git, snapshot_tree, TestEnv, Tree, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

/// A home with drift of every kind: upstream ahead (fetched), the
/// collection edited, one project ahead, one with a copy missing, an
/// untracked artifact, and an artifact never deployed.
fn drifted() -> (TestEnv, UpstreamRepo, PathBuf, PathBuf) {
    let env = env();
    let collection = env.init();
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
    append(&web.join(".claude/skills/pdf/SKILL.md"), "Local step.\n");
    std::fs::remove_dir_all(api.join(".claude/skills/changelog")).unwrap();
    std::fs::write(api.join(".claude/commands-not-a-kind"), "x").unwrap();
    std::fs::create_dir_all(api.join(".claude/agents")).unwrap();
    std::fs::write(api.join(".claude/agents/mine.md"), "Mine.\n").unwrap();
    up.write("skills/pdf/SKILL.md", "# PDF v2\n");
    up.write("commands/review.md", "Review v2.\n");
    up.commit("v2");
    env.run_ok(&["fetch"]);
    append(&collection.join("commands/review.md"), "Collection edit.\n");
    git(&collection, &["commit", "-qam", "Edit review"]);
    (env, up, web, api)
}

/// Everything that must not change: the whole test environment (data home
/// with .git internals and the cache, projects, HOME, cwd) and the upstream.
fn everything(env: &TestEnv, up: &UpstreamRepo) -> (Tree, Tree) {
    (env.snapshot(), snapshot_tree(up.path()))
}

fn read_commands(web: &Path) -> Vec<Vec<String>> {
    let w = web.to_str().unwrap().to_string();
    let mut cmds: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["status", "--project", &w],
        vec!["list"],
        vec!["project", "list"],
    ];
    let ids = [
        "skill:pdf",
        "skill:changelog",
        "command:review",
        "agent:reviewer",
    ];
    for id in ids {
        cmds.push(vec!["show", id]);
        cmds.push(vec!["versions", id]);
        cmds.push(vec!["versions", id, "--project", &w]);
        for (l, r) in [
            ("upstream", "collection"),
            ("collection", "upstream"),
            ("collection", "project"),
            ("project", "collection"),
            ("upstream", "project"),
            ("project", "upstream"),
        ] {
            cmds.push(vec!["diff", id, "--lhs", l, "--rhs", r, "--project", &w]);
        }
    }
    let mut out = Vec::new();
    for c in cmds {
        let c: Vec<String> = c.into_iter().map(str::to_string).collect();
        let mut j = c.clone();
        j.push("--json".into());
        out.push(c);
        out.push(j);
    }
    out
}

#[test]
fn reading_never_writes() {
    let (env, up, web, _api) = drifted();
    let before = everything(&env, &up);
    for cmd in read_commands(&web) {
        let out = env.run_ok(&cmd);
        assert!(!out.stdout.is_empty(), "{cmd:?} printed nothing");
        let after = everything(&env, &up);
        assert_same_tree(&before.0, &after.0, &format!("artisync {}", cmd.join(" ")));
        assert_same_tree(&before.1, &after.1, &format!("artisync {}", cmd.join(" ")));
    }
}

/// The copy of `skill:pdf` in `project`, as `status --json` reports it.
fn pdf_copy(status: &serde_json::Value, project: &Path) -> serde_json::Value {
    status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "skill:pdf")
        .unwrap()["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == project.to_str().unwrap())
        .unwrap()
        .clone()
}

#[test]
fn the_stat_cache_is_all_a_read_writes_and_never_changes_an_answer() {
    let (env, up, web, _api) = drifted();
    // Files younger than a second are never trusted from the cache; let
    // every file of the fixture age past that.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let stat_dir = env.home().join("cache/stat");
    let before = env.snapshot_all();
    let upstream = snapshot_tree(up.path());
    let warm = env.json(&["status"]);
    let after = env.snapshot_all();
    // Only the stat cache was written: one file per tier root read.
    let home = env.home().strip_prefix(env.root()).unwrap();
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p)
        .chain(before.keys().filter(|p| !after.contains_key(*p)))
        .collect();
    assert!(!changed.is_empty(), "status did not save its stat cache");
    for p in &changed {
        assert!(
            p.starts_with(home.join("cache/stat")),
            "a read wrote {}",
            p.display()
        );
    }
    assert_same_tree(&upstream, &snapshot_tree(up.path()), "status");
    let files = std::fs::read_dir(&stat_dir).unwrap().count();
    assert_eq!(
        files, 4,
        "one cache per tier root (collection, web, api) and one memo of upstream hashes"
    );
    // A warm read gives the same answer, and saves nothing new.
    assert_eq!(env.json(&["status"]), warm);
    assert_same_tree(&after, &env.snapshot_all(), "a second status");

    // An edit that keeps the size and puts the modification time back is
    // still seen (the status-change time moved), and the answer equals
    // what a read without any cache says.
    let file = web.join(".claude/skills/pdf/SKILL.md");
    let old = std::fs::read(&file).unwrap();
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    let mut edited = old.clone();
    edited[0] ^= 0x20;
    std::fs::write(&file, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let cached = env.json(&["status"]);
    assert_ne!(
        pdf_copy(&cached, &web)["hash"],
        pdf_copy(&warm, &web)["hash"]
    );
    std::fs::remove_dir_all(&stat_dir).unwrap();
    assert_eq!(env.json(&["status"]), cached);

    // A cache file cut short or filled with garbage is ignored.
    for cache in std::fs::read_dir(&stat_dir).unwrap() {
        let cache = cache.unwrap().path();
        let text = std::fs::read(&cache).unwrap();
        std::fs::write(&cache, &text[..text.len() / 2]).unwrap();
    }
    assert_eq!(env.json(&["status"]), cached);
    for cache in std::fs::read_dir(&stat_dir).unwrap() {
        std::fs::write(cache.unwrap().path(), "garbage 0 0 0\n").unwrap();
    }
    assert_eq!(env.json(&["status"]), cached);
    // An exec bit turned on changes the copy's hash.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    let chmodded = env.json(&["status"]);
    assert_ne!(
        pdf_copy(&chmodded, &web)["hash"],
        pdf_copy(&cached, &web)["hash"]
    );
    std::fs::remove_dir_all(&stat_dir).unwrap();
    assert_eq!(env.json(&["status"]), chmodded);
}

/// `(commit, hash)` of `id`'s upstream as `status --json` reports it.
fn upstream_of(status: &serde_json::Value, id: &str) -> (String, String) {
    let a = status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {status:#}"));
    let u = &a["upstream"];
    (
        u["commit"].as_str().unwrap_or("none").to_string(),
        u["hash"].as_str().unwrap_or("none").to_string(),
    )
}

#[test]
fn the_upstream_memo_answers_for_the_commit_it_was_made_at_and_no_other() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    let v1 = up.head();
    up.tag("v1");
    // One artifact follows the default branch, one is pinned to a commit
    // id, one follows a tag (always asked of git).
    env.run_ok(&["add", &up.spec("main", "skills/pdf")]);
    env.run_ok(&["add", &up.spec(&v1, "commands/review.md")]);
    env.run_ok(&["add", &up.spec("v1", "skills/changelog")]);
    let expect = |status: &serde_json::Value, id: &str, rev: &str, path: &str| {
        let commit = up.rev_parse(&format!("{rev}^{{commit}}"));
        let hash = up.rev_parse(&format!("{rev}:{path}"));
        assert_eq!(upstream_of(status, id), (commit, hash), "{id} at {rev}");
    };
    let check_all = |status: &serde_json::Value, main: &str| {
        expect(status, "skill:pdf", main, "skills/pdf");
        expect(status, "command:review", &v1, "commands/review.md");
        expect(status, "skill:changelog", "v1", "skills/changelog");
    };
    let first = env.json(&["status"]);
    check_all(&first, "main");
    let caches: Vec<PathBuf> = std::fs::read_dir(env.home().join("cache/upstream"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(caches.len(), 1, "{caches:?}");
    let cache = &caches[0];

    // With the cache's objects gone, what the memo knows is still
    // answered without git; the tag, which it never answers, fails.
    let objects = cache.join("objects");
    let hidden = cache.join("objects-hidden");
    std::fs::rename(&objects, &hidden).unwrap();
    let blind = env.json(&["status"]);
    std::fs::rename(&hidden, &objects).unwrap();
    assert_eq!(
        upstream_of(&blind, "skill:pdf"),
        upstream_of(&first, "skill:pdf")
    );
    assert_eq!(
        upstream_of(&blind, "command:review"),
        upstream_of(&first, "command:review")
    );
    assert_ne!(
        upstream_of(&blind, "skill:changelog"),
        upstream_of(&first, "skill:changelog"),
        "the tag was answered without git: {blind:#}"
    );

    // The branch moves: its new commit is asked of git, the pin stays.
    up.write("skills/pdf/SKILL.md", "# PDF v3\n");
    up.commit("v3");
    env.run_ok(&["fetch"]);
    let moved = env.json(&["status"]);
    check_all(&moved, "main");
    assert_ne!(
        upstream_of(&moved, "skill:pdf"),
        upstream_of(&first, "skill:pdf")
    );

    // Refs packed into one file are not plain files to read: git answers,
    // and the same.
    git(cache, &["pack-refs", "--all"]);
    assert_eq!(env.json(&["status"]), moved);
}

#[test]
fn reading_never_writes_even_without_a_cache() {
    // With the upstream cache gone, reads report "not fetched" rather than
    // fetching or creating anything.
    let (env, up, web, _api) = drifted();
    std::fs::remove_dir_all(env.home().join("cache")).unwrap();
    let before = everything(&env, &up);
    let status = env.json(&["status"]);
    let pdf = status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "skill:pdf")
        .unwrap();
    assert!(
        pdf["upstream"]["note"]
            .as_str()
            .unwrap()
            .contains("artisync fetch"),
        "{pdf:#}"
    );
    for cmd in read_commands(&web) {
        let out = env.run(&cmd);
        if out.code != 0 {
            // Diffing the upstream tier needs a fetch; it says so.
            assert!(cmd.iter().any(|a| a == "upstream"), "{cmd:?}: {out:?}");
            let line = out.assert_error(&cmd.join(" "));
            assert!(line.contains("artisync fetch"), "{line}");
        }
        let after = everything(&env, &up);
        assert_same_tree(&before.0, &after.0, &format!("artisync {}", cmd.join(" ")));
    }
}

#[test]
fn versions_lists_every_tier() {
    let (env, up, web, api) = drifted();
    let v = env.json(&["versions", "skill:pdf"]);
    assert_eq!(v["id"], "skill:pdf");

    let u = &v["upstream"];
    assert_eq!(u["source"], up.spec("main", "skills/pdf"));
    assert_eq!(u["ref"], "main");
    assert_eq!(u["commit"], up.head().as_str());
    assert_eq!(u["hash"], up.rev_parse("HEAD:skills/pdf").as_str());
    assert_eq!(u["synced_hash"], up.rev_parse("HEAD~1:skills/pdf").as_str());
    assert_eq!(u["synced_commit"], up.rev_parse("HEAD~1").as_str());
    assert_eq!(u["status"], "behind");
    assert_eq!(u["commit_summary"], "v2");
    // The commit time is the upstream commit's committer time, in UTC.
    let commit_time = git(
        up.path(),
        &[
            "log",
            "-1",
            "--format=%cd",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
        ],
    );
    assert_eq!(u["commit_time"], commit_time.as_str());
    assert_eq!(
        artisync_testkit::redact_times(u["fetched_at"].as_str().unwrap()),
        "[TIME]"
    );

    let c = &v["collection"];
    let coll = env.collection_dir("default");
    assert_eq!(c["name"], "default");
    assert_eq!(
        c["hash"],
        git(&coll, &["rev-parse", "HEAD:skills/pdf"]).as_str()
    );
    // The commit that last changed the artifact: the import, not the later
    // edit of another artifact.
    assert_eq!(
        c["commit"],
        git(&coll, &["log", "-1", "--format=%H", "--", "skills/pdf"]).as_str()
    );
    assert_eq!(c["summary"], "Add 4 artifacts");
    assert_eq!(
        artisync_testkit::redact_times(c["time"].as_str().unwrap()),
        "[TIME]"
    );

    let projects = v["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 2);
    let by_path = |p: &Path| {
        projects
            .iter()
            .find(|x| x["path"] == p.to_str().unwrap())
            .unwrap_or_else(|| panic!("{} in {projects:#?}", p.display()))
    };
    let w = by_path(&web);
    assert_eq!(w["status"], "ahead");
    assert_eq!(w["deployed_hash"], c["hash"]);
    assert_ne!(w["hash"], c["hash"]);
    assert_eq!(
        artisync_testkit::redact_times(w["deployed_at"].as_str().unwrap()),
        "[TIME]"
    );
    let a = by_path(&api);
    assert_eq!(a["status"], "in_sync");
    assert_eq!(a["hash"], c["hash"]);

    // --project narrows the projects.
    let only = env.json(&["versions", "skill:pdf", "--project", api.to_str().unwrap()]);
    assert_eq!(only["projects"].as_array().unwrap().len(), 1);
    assert_eq!(only["projects"][0]["path"], api.to_str().unwrap());

    // The missing copy is reported as such.
    let ch = env.json(&["versions", "skill:changelog"]);
    assert_eq!(ch["projects"][0]["status"], "missing");
    assert_eq!(ch["projects"][0]["hash"], serde_json::Value::Null);

    // Human output shows the same tiers.
    let human = env.run_ok(&["versions", "skill:pdf"]).stdout;
    for word in [
        "upstream",
        "collection",
        "project",
        "behind",
        "ahead",
        "in_sync",
    ] {
        assert!(human.contains(word), "{word}: {human}");
    }
    assert!(human.contains(&up.head()[..12]), "{human}");
}
