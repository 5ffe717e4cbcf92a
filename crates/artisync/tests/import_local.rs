//! `artisync add` from what is on this machine: a plain folder that no git
//! repository holds (local artifacts, with no upstream), a file inside a
//! skill's folder (the skill), and a local repository whose working tree
//! holds uncommitted changes (a warning naming them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, git, sample, snapshot_tree, TestEnv, UpstreamRepo};
use serde_json::Value;

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

fn put(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A plain folder (no git anywhere above it) holding two skill folders
/// side by side and a commands/ and an agents/ folder.
fn my_skills(env: &TestEnv) -> PathBuf {
    let dir = env.root().join("my-skills");
    put(&dir.join("pdf/SKILL.md"), sample::PDF_SKILL);
    put(&dir.join("pdf/scripts/extract.sh"), sample::EXTRACT_SH);
    put(&dir.join("changelog/SKILL.md"), sample::CHANGELOG_SKILL);
    put(&dir.join("commands/review.md"), sample::REVIEW_CMD);
    put(&dir.join("agents/reviewer.md"), sample::REVIEWER_AGENT);
    put(&dir.join("notes.txt"), "not an artifact\n");
    let inside = std::process::Command::new("git")
        .args(["-C", dir.to_str().unwrap(), "rev-parse", "--git-dir"])
        .output()
        .unwrap();
    assert!(
        !inside.status.success(),
        "the fixture must not be inside a git repository"
    );
    dir
}

fn manifest(collection: &Path) -> toml::Table {
    fs::read_to_string(collection.join("artisync.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

fn entry(collection: &Path, kind: &str, name: &str) -> toml::Table {
    manifest(collection)["artifact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_table().unwrap().clone())
        .find(|e| e["kind"].as_str() == Some(kind) && e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind}:{name} in the manifest"))
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
fn a_plain_skill_folder_is_imported_as_a_local_artifact_with_no_upstream() {
    let env = env();
    let collection = env.init();
    let dir = my_skills(&env);
    let pdf = dir.join("pdf");

    let report = env.json(&["add", pdf.to_str().unwrap()]);
    let i = &report["imported"][0];
    assert_eq!(i["id"], "skill:pdf");
    assert_eq!(i["upstream"], false, "{report:#}");
    assert_eq!(i["source"], Value::Null);
    assert_eq!(i["ref"], Value::Null);
    assert_eq!(i["commit"], Value::Null);
    assert_eq!(i["copied_from"], pdf.to_str().unwrap());
    assert_eq!(
        snapshot_tree(&pdf),
        snapshot_tree(&collection.join("skills/pdf"))
    );
    // The hash is the git tree id of the files, as for any artifact.
    let show = env.json(&["show", "skill:pdf"]);
    assert_eq!(show["hash"], i["hash"]);

    // The manifest records no source; the commit says where it came from.
    let e = entry(&collection, "skill", "pdf");
    for key in ["source", "ref", "upstream_commit", "upstream_hash"] {
        assert!(!e.contains_key(key), "{key} in {e:?}");
    }
    let body = git(&collection, &["log", "-1", "--format=%s%n%b"]);
    assert!(body.starts_with("Add skill:pdf"), "{body}");
    assert!(
        body.contains(&format!("copied from the local folder {}", pdf.display())),
        "{body}"
    );
    assert_eq!(git(&collection, &["status", "--porcelain"]), "");

    // Every view says it has no upstream.
    let list = env.run_ok(&["list"]).stdout;
    let row = list.lines().find(|l| l.starts_with("skill:pdf")).unwrap();
    assert!(row.contains("none (local)"), "{list}");
    let status = env.run_ok(&["status"]).stdout;
    assert!(status.contains("local, no upstream"), "{status}");
    let st = env.json(&["status"]);
    assert_eq!(st["artifacts"][0]["upstream"], Value::Null, "{st:#}");
    let show = env.run_ok(&["show", "skill:pdf"]).stdout;
    assert!(show.contains("- (local, no upstream)"), "{show}");
    let human = env.run_ok(&["versions", "skill:pdf"]).stdout;
    assert!(human.contains("local, no upstream"), "{human}");
}

#[test]
fn fetch_and_sync_from_upstream_pass_a_local_artifact_by_with_a_reason() {
    let env = env();
    env.init();
    let dir = my_skills(&env);
    env.run_ok(&["add", dir.join("pdf").to_str().unwrap()]);
    let before = env.snapshot();

    let fetched = env.json(&["fetch"]);
    assert_eq!(fetched, Value::Array(vec![]), "{fetched:#}");
    env.run_ok(&["fetch", "skill:pdf"]);

    let report = env.json(&["sync", "--direction", "upstream_to_collection", "skill:pdf"]);
    let r = &report["artifacts"][0];
    assert_eq!(r["outcome"], "skipped", "{report:#}");
    assert!(
        r["message"].as_str().unwrap().contains("no upstream"),
        "{report:#}"
    );
    // Without ids, a local artifact is not even considered.
    let all = env.json(&["sync", "--direction", "upstream_to_collection"]);
    assert_eq!(all["artifacts"], Value::Array(vec![]), "{all:#}");
    let after = env.snapshot();
    // Only the job records changed; the collection did not.
    let collection = PathBuf::from("artisync-home/collections/default");
    let only = |t: &artisync_testkit::Tree| -> artisync_testkit::Tree {
        t.iter()
            .filter(|(p, _)| p.starts_with(&collection))
            .map(|(p, v)| (p.clone(), v.clone()))
            .collect()
    };
    assert_same_tree(&only(&before), &only(&after), "sync of a local artifact");
}

#[test]
fn all_imports_every_artifact_of_a_plain_folder_and_says_so_in_json() {
    let env = env();
    let collection = env.init();
    let dir = my_skills(&env);

    // Several artifacts need --all, and nothing is written without it.
    let before = env.snapshot();
    let out = env.run_err(&["add", dir.to_str().unwrap()]);
    assert!(out.stderr.contains("--all"), "{}", out.stderr);
    assert_same_tree(&before, &env.snapshot(), "a refused add");

    let report = env.json(&["add", dir.to_str().unwrap(), "--all"]);
    assert_eq!(
        ids(&report),
        [
            "agent:reviewer",
            "command:review",
            "skill:changelog",
            "skill:pdf"
        ]
    );
    for i in report["imported"].as_array().unwrap() {
        assert_eq!(i["upstream"], false, "{i:#}");
        assert_eq!(i["source"], Value::Null, "{i:#}");
    }
    assert_eq!(
        fs::read_to_string(collection.join("commands/review.md")).unwrap(),
        sample::REVIEW_CMD
    );
    assert_eq!(
        git(&collection, &["log", "-1", "--format=%s"]).trim(),
        "Add 4 artifacts"
    );
    // Again: each is already there, and skipped.
    let again = env.run_ok(&["add", dir.to_str().unwrap(), "--all"]);
    assert!(again.stdout.contains("Nothing new to import"), "{again:?}");
    assert!(
        again
            .stderr
            .contains("skill:pdf is already in the collection"),
        "{again:?}"
    );
    let human = env.run_ok(&["list"]).stdout;
    assert_eq!(human.matches("none (local)").count(), 4, "{human}");
}

#[test]
fn a_plain_folder_refuses_a_ref_and_finds_nothing_clearly_writing_nothing() {
    let env = env();
    env.init();
    let dir = my_skills(&env);
    let empty = env.root().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let before = env.snapshot();
    let with_ref = format!("{}#main:pdf", dir.display());
    let out = env.run_err(&["add", &with_ref]);
    assert!(
        out.stderr.contains("not in a git repository"),
        "{}",
        out.stderr
    );
    let out = env.run_err(&["add", empty.to_str().unwrap()]);
    assert!(out.stderr.contains("no artifacts found"), "{}", out.stderr);
    assert!(
        out.stderr.contains(empty.to_str().unwrap()),
        "{}",
        out.stderr
    );
    let out = env.run_err(&["add", dir.join("notes.txt").to_str().unwrap()]);
    assert!(out.stderr.contains("notes.txt"), "{}", out.stderr);
    assert_same_tree(&before, &env.snapshot(), "refused adds");
}

#[test]
fn a_file_inside_a_skill_imports_the_skill_folder_with_a_note() {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();

    for (file, name) in [
        ("skills/pdf/SKILL.md", "pdf"),
        ("skills/changelog/SKILL.md", "changelog"),
    ] {
        let report = env.json(&["add", &up.local(file)]);
        assert_eq!(ids(&report), [format!("skill:{name}")], "{report:#}");
        let i = &report["imported"][0];
        assert_eq!(i["source"], up.spec("main", &format!("skills/{name}")));
        assert_eq!(
            i["hash"],
            up.rev_parse(&format!("HEAD:skills/{name}")).as_str()
        );
        let note = report["notes"][0].as_str().unwrap();
        assert!(
            note.contains(file) && note.contains(&format!("skill '{name}'")),
            "{note}"
        );
    }
    assert_eq!(
        snapshot_tree(&up.path().join("skills/pdf")),
        snapshot_tree(&collection.join("skills/pdf"))
    );

    // A script deep in the folder does the same; the note is printed.
    let env2 = self::env();
    env2.init();
    let out = env2.run_ok(&["add", &up.local("skills/pdf/scripts/extract.sh")]);
    assert!(
        out.stdout.contains(
            "Note: skills/pdf/scripts/extract.sh is a file inside the skill folder skills/pdf"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Imported skill:pdf"), "{}", out.stdout);

    // A command's .md file is still the command.
    let report = env2.json(&["add", &up.local("commands/review.md")]);
    assert_eq!(ids(&report), ["command:review"]);
    assert_eq!(report["notes"], Value::Array(vec![]));

    // In a plain folder too.
    let env3 = self::env();
    let collection3 = env3.init();
    let dir = my_skills(&env3);
    let report = env3.json(&["add", dir.join("pdf/scripts/extract.sh").to_str().unwrap()]);
    assert_eq!(ids(&report), ["skill:pdf"]);
    assert_eq!(
        report["imported"][0]["copied_from"],
        dir.join("pdf").to_str().unwrap()
    );
    assert!(collection3.join("skills/pdf/SKILL.md").is_file());
}

/// `add` of `rel` from the sample upstream after `dirty` changed its
/// working tree: stderr and the JSON report.
fn add_dirty(rel: &str, dirty: impl Fn(&UpstreamRepo)) -> (String, Value, UpstreamRepo) {
    let env = env();
    let collection = env.init();
    let up = UpstreamRepo::sample();
    dirty(&up);
    let out = env.run_ok(&["add", &up.local(rel)]);
    let report = {
        let env = self::env();
        env.init();
        env.json(&["add", &up.local(rel)])
    };
    // The committed version was imported, not the working copy.
    let committed = up.rev_parse(&format!("HEAD:{rel}"));
    assert_eq!(report["imported"][0]["hash"], committed.as_str());
    let show = env.json(&["show", report["imported"][0]["id"].as_str().unwrap()]);
    assert_eq!(show["hash"], committed.as_str());
    assert!(collection.exists());
    (out.stderr, report, up)
}

#[test]
fn uncommitted_changes_under_the_imported_path_are_named_in_a_warning() {
    let (stderr, report, up) = add_dirty("skills/pdf", |up| {
        up.write("skills/pdf/SKILL.md", "# edited, not committed\n");
        up.remove("skills/pdf/scripts/extract.sh");
        up.write("skills/pdf/new.md", "untracked\n");
        up.write("skills/pdf/staged.md", "staged\n");
        git(up.path(), &["add", "skills/pdf/staged.md"]);
        // Outside the imported path: not mentioned.
        up.write("skills/changelog/SKILL.md", "# elsewhere\n");
        up.write("README.md", "# elsewhere\n");
    });
    let head = up.head();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let w = lines[0];
    assert!(w.starts_with("warning: "), "{w}");
    for needle in [
        "skills/pdf/SKILL.md (modified)",
        "skills/pdf/scripts/extract.sh (deleted)",
        "skills/pdf/new.md (untracked)",
        "skills/pdf/staged.md (added)",
        &format!("imported the committed version at main ({})", &head[..12]),
        "not the working copy",
    ] {
        assert!(w.contains(needle), "{needle:?} not in {w}");
    }
    assert!(!w.contains("changelog") && !w.contains("README"), "{w}");
    assert!(!w.contains("more"), "{w}");
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report:#}");
    assert!(warnings[0].as_str().unwrap().contains("skills/pdf/new.md"));
}

#[test]
fn many_uncommitted_files_are_listed_a_few_then_counted() {
    let (stderr, _, _) = add_dirty("skills/pdf", |up| {
        for i in 0..9 {
            up.write(&format!("skills/pdf/extra/{i}.md"), "new\n");
        }
    });
    assert_eq!(stderr.matches("(untracked)").count(), 5, "{stderr}");
    assert!(stderr.contains("and 4 more"), "{stderr}");
}

#[test]
fn a_clean_tree_or_changes_elsewhere_give_no_warning() {
    let (stderr, report, _) = add_dirty("commands/review.md", |_| {});
    assert_eq!(stderr, "");
    assert_eq!(report["warnings"], Value::Array(vec![]));
    let (stderr, _, _) = add_dirty("commands/review.md", |up| {
        up.write("commands/other.md", "# not imported\n");
        up.write("commands/review.md.bak", "# a sibling, not the file\n");
    });
    assert_eq!(stderr, "");
    let (stderr, _, _) = add_dirty("commands/review.md", |up| {
        up.write("commands/review.md", "# edited\n");
    });
    assert!(stderr.contains("commands/review.md (modified)"), "{stderr}");
    assert!(stderr.contains("an uncommitted change"), "{stderr}");
}
