//! Every bad input fails cleanly: a non-zero exit code, exactly one line on
//! stderr starting with "error: ", no panic, and nothing on disk changed
//! (the whole test environment is compared byte for byte).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, snapshot_tree, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// A home with skill:pdf imported and deployed into `web`, and a second
/// upstream never fetched (`fresh`) holding a skill with an escaping
/// symlink.
struct Setup {
    env: TestEnv,
    up: UpstreamRepo,
    fresh: UpstreamRepo,
    web: PathBuf,
}

fn setup() -> Setup {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local("skills/pdf")]);
    let web = env.project("web");
    env.run_ok(&["deploy", "skill:pdf", "--project", web.to_str().unwrap()]);
    let fresh = UpstreamRepo::named("fresh");
    fresh
        .write(
            "skills/ok/SKILL.md",
            "---\nname: ok\ndescription: A test skill.\n---\nok\n",
        )
        .write(
            "skills/evil/SKILL.md",
            "---\nname: evil\ndescription: A test skill.\n---\nevil\n",
        )
        .symlink("skills/evil/passwd", "../../etc/passwd")
        .write(
            "skills/abs/SKILL.md",
            "---\nname: abs\ndescription: A test skill.\n---\nabs\n",
        )
        .symlink("skills/abs/passwd", "/etc/passwd");
    fresh.commit("skills, one with an escaping symlink");
    Setup {
        env,
        up,
        fresh,
        web,
    }
}

impl Setup {
    /// Runs `args`, checks the failure, that the message mentions each of
    /// `needles`, and that nothing anywhere changed.
    fn refuses(&self, args: &[&str], needles: &[&str]) {
        let before = (self.env.snapshot(), snapshot_tree(self.up.path()));
        let out = self.env.run(args);
        let line = out.assert_error(&format!("artisync {}", args.join(" ")));
        for n in needles {
            assert!(
                line.contains(n),
                "artisync {}: {n:?} not in {line:?}",
                args.join(" ")
            );
        }
        let after = (self.env.snapshot(), snapshot_tree(self.up.path()));
        let what = format!("artisync {} (failing)", args.join(" "));
        assert_same_tree(&before.0, &after.0, &what);
        assert_same_tree(&before.1, &after.1, &what);
        // Machine-readable errors too: one JSON document on stdout.
        let mut json_args = args.to_vec();
        json_args.push("--json");
        let out = self.env.run(&json_args);
        out.assert_error(&format!("artisync {} --json", args.join(" ")));
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{json_args:?}: {e}: {:?}", out.stdout));
        assert!(v["error"]["message"].is_string(), "{v}");
        assert!(v["error"]["code"].is_string(), "{v}");
        assert_same_tree(&before.0, &self.env.snapshot(), &what);
    }
}

#[test]
fn bad_names_ids_kinds_and_tiers() {
    let s = setup();
    let w = s.web.to_str().unwrap();
    s.refuses(
        &["add", &s.up.local("skills/changelog"), "--name", "Bad Name"],
        &["Bad Name"],
    );
    s.refuses(
        &["add", &s.up.local("skills/changelog"), "--name", "../x"],
        &["../x"],
    );
    for id in [
        "skill",
        "hook:x",
        "skill:../x",
        "skill:",
        "Skill:pdf",
        "skill:Bad",
    ] {
        s.refuses(&["show", id], &["invalid"]);
        s.refuses(&["versions", id], &["invalid"]);
        s.refuses(
            &["diff", id, "--lhs", "collection", "--rhs", "upstream"],
            &["invalid"],
        );
        s.refuses(&["deploy", id, "--project", w], &["invalid"]);
        s.refuses(&["fetch", id], &["invalid"]);
    }
    s.refuses(
        &["add", &s.up.local("commands/review.md"), "--kind", "bogus"],
        &["bogus"],
    );
    s.refuses(
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "nowhere",
            "--rhs",
            "collection",
        ],
        &["nowhere"],
    );
    s.refuses(
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "collection",
            "--rhs",
            "elsewhere",
        ],
        &["elsewhere"],
    );
    s.refuses(
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "collection",
            "--rhs",
            "project",
        ],
        &["--project"],
    );
    s.refuses(&["--collection", "Bad Name", "list"], &["Bad Name"]);
    s.refuses(&["--collection", "../x", "status"], &["../x"]);
}

#[test]
fn usage_errors_exit_with_2() {
    let s = setup();
    for args in [
        &["add", "/x", "--kind", "bogus"][..],
        &["show", "hook:x"],
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "nowhere",
            "--rhs",
            "collection",
        ],
    ] {
        assert_eq!(s.env.run(args).code, 2, "{args:?}");
    }
    // Errors found by the argument parser are one line too, and exit 2.
    for (args, needle) in [
        (&["deploy", "skill:pdf"][..], "--project"),
        (&["no-such-command"], "no-such-command"),
        (&["list", "--bogus"], "--bogus"),
        (&["diff", "skill:pdf", "--lhs"], "--lhs"),
        (&["--log-format", "yaml", "list"], "yaml"),
        (&["show"], "<ID>"),
    ] {
        let before = s.env.snapshot();
        let out = s.env.run(args);
        assert_eq!(out.code, 2, "{args:?}");
        let line = out.assert_error(&format!("{args:?}"));
        assert!(line.contains(needle), "{args:?}: {line}");
        assert_same_tree(&before, &s.env.snapshot(), &format!("{args:?}"));
    }
    let out = s.env.run(&["--json", "deploy", "skill:pdf"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "usage");
    // Help and version are not errors.
    let help = s.env.run_ok(&["--help"]);
    assert!(help.stdout.contains("Usage: artisync"), "{}", help.stdout);
    let version = s.env.run_ok(&["--version"]);
    assert!(
        version.stdout.starts_with("artisync "),
        "{}",
        version.stdout
    );
    // Everything else is exit code 1.
    assert_eq!(s.env.run(&["show", "skill:nope"]).code, 1);
}

#[test]
fn bad_specs() {
    let s = setup();
    for spec in [
        "github:",
        "github:owner",
        "ftp://x/y",
        "file://relative",
        "file://relative/repo#main:skills/x",
        "",
        "   ",
    ] {
        s.refuses(&["add", spec], &["invalid source spec"]);
    }
    // '..' in the path of a spec: refused before anything is fetched.
    let dots = format!("{}#main:../etc", s.fresh.url());
    s.refuses(&["add", &dots], &[".."]);
    let dots = format!("{}#main:skills/../../etc", s.fresh.url());
    s.refuses(&["add", &dots], &[".."]);
    let abs = format!("{}#main:/etc", s.fresh.url());
    s.refuses(&["add", &abs], &["absolute"]);
}

#[test]
fn missing_repositories_refs_and_paths() {
    let s = setup();
    let gone = s.env.root().join("no/such/repo");
    s.refuses(&["add", gone.to_str().unwrap()], &["no such path"]);
    s.refuses(
        &["add", &format!("file://{}#main:skills/x", gone.display())],
        &["cannot fetch"],
    );
    // A directory that is no repository is read as a plain folder: an
    // empty one holds nothing to import.
    let plain = s.env.project("plain");
    s.refuses(&["add", plain.to_str().unwrap()], &["no artifacts found"]);
    // A ref that does not exist, in a repository fetched for the first time.
    s.refuses(
        &["add", &format!("{}#nope:skills/ok", s.fresh.local(""))],
        &["nope"],
    );
    s.refuses(&["add", &s.fresh.spec("nope", "skills/ok")], &["nope"]);
    // A path that does not exist in the repository.
    s.refuses(
        &["add", &s.fresh.spec("main", "skills/none")],
        &["skills/none"],
    );
    s.refuses(
        &["add", &format!("{}#main:skills/none", s.fresh.local(""))],
        &["skills/none"],
    );
}

#[test]
fn escaping_symlinks_are_refused_on_add() {
    let s = setup();
    s.refuses(
        &["add", &s.fresh.local("skills/evil")],
        &["../../etc/passwd"],
    );
    s.refuses(
        &["add", &s.fresh.spec("main", "skills/abs")],
        &["/etc/passwd"],
    );
    s.refuses(&["add", &s.fresh.local("skills"), "--all"], &["symlink"]);
    // The same skill from a repository fetched before.
    s.env.run_ok(&["add", &s.fresh.local("skills/ok")]);
    let out = s.env.run(&["add", &s.fresh.local("skills/evil")]);
    let line = out.assert_error("add skills/evil");
    assert!(line.contains("leaves the artifact"), "{line}");
    assert!(!s.env.collection_dir("default").join("skills/evil").exists());
}

#[test]
fn unknown_artifacts() {
    let s = setup();
    let w = s.web.to_str().unwrap();
    for id in ["skill:nope", "command:pdf", "agent:pdf"] {
        // The same name under another kind is most likely what was meant.
        let hint = if id == "skill:nope" {
            "artisync list"
        } else {
            "did you mean skill:pdf?"
        };
        s.refuses(&["show", id], &[id, hint]);
        s.refuses(&["versions", id], &[id]);
        s.refuses(
            &["diff", id, "--lhs", "collection", "--rhs", "upstream"],
            &[id],
        );
        s.refuses(&["deploy", id, "--project", w], &[id]);
        s.refuses(&["deploy", id, "skill:pdf", "--project", w], &[id]);
        s.refuses(&["fetch", id], &[id]);
    }
}

#[test]
fn bad_project_paths() {
    let s = setup();
    let missing = s.env.root().join("projects/missing");
    let m = missing.to_str().unwrap();
    s.refuses(&["project", "add", m], &[m]);
    s.refuses(&["deploy", "skill:pdf", "--project", m], &[m]);
    s.refuses(&["status", "--project", m], &[m]);
    s.refuses(&["versions", "skill:pdf", "--project", m], &[m]);
    s.refuses(
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "collection",
            "--rhs",
            "project",
            "--project",
            m,
        ],
        &[m],
    );
    s.refuses(&["project", "remove", m], &["not registered"]);

    // A file is not a project.
    let file = s.env.root().join("projects/file");
    std::fs::write(&file, "x").unwrap();
    s.refuses(
        &["project", "add", file.to_str().unwrap()],
        &["not a directory"],
    );

    // Anything inside the data home, also through a symlink or '..'.
    let home = s.env.home().to_path_buf();
    let coll = s.env.collection_dir("default");
    let link = s.env.root().join("projects/sneaky");
    std::os::unix::fs::symlink(&coll, &link).unwrap();
    let dotdot = s.web.join("../../artisync-home/collections");
    for p in [&home, &coll, &link, &dotdot] {
        let p = p.to_str().unwrap();
        s.refuses(&["project", "add", p], &["data home"]);
        s.refuses(&["deploy", "skill:pdf", "--project", p], &["data home"]);
        s.refuses(&["status", "--project", p], &["data home"]);
    }
}

#[test]
fn malformed_manifest() {
    let s = setup();
    let manifest = s.env.collection_dir("default").join("artisync.toml");
    for garbage in [
        "this is [not toml\n",
        "version = 2\n",
        "[[artifact]]\nkind = \"skill\"\nname = \"../x\"\n",
        "[[artifact]]\nkind = \"hook\"\nname = \"x\"\n",
        "[[artifact]]\nkind = \"skill\"\nname = \"x\"\nupstream_hash = \"zz\"\n",
        "\u{0}\u{1}binary",
    ] {
        std::fs::write(&manifest, garbage).unwrap();
        let m = manifest.to_str().unwrap();
        for args in [
            &["list"][..],
            &["status"],
            &["show", "skill:pdf"],
            &["versions", "skill:pdf"],
            &["fetch"],
            &["add", &s.up.local("skills/changelog")],
            &["deploy", "skill:pdf", "--project", s.web.to_str().unwrap()],
        ] {
            s.refuses(args, &[m]);
        }
    }
    let mut bytes = b"version = 1\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    std::fs::write(&manifest, bytes).unwrap();
    s.refuses(&["list"], &[manifest.to_str().unwrap()]);
}

#[test]
fn malformed_lockfile() {
    let s = setup();
    let lock = s.web.join(".claude/artisync.lock");
    let l = lock.to_str().unwrap();
    let w = s.web.to_str().unwrap();
    std::fs::write(&lock, "[[artifact]]\nkind = 1\n").unwrap();
    s.env.run_ok(&["add", &s.up.local("commands/review.md")]);
    s.refuses(&["deploy", "command:review", "--project", w], &[l]);
    // Asked about this project by name, reads fail rather than pretend
    // nothing is deployed there.
    s.refuses(&["status", "--project", w], &[l]);
    s.refuses(&["versions", "skill:pdf", "--project", w], &[l]);
    // Status reads every project; a broken lockfile is a warning naming
    // the file, and the rest of the report still comes.
    let out = s.env.run_ok(&["status"]);
    assert!(out.stderr.contains(l), "{}", out.stderr);
    assert!(out.stderr.starts_with("warning: "), "{}", out.stderr);
    assert!(out.stdout.contains("skill:pdf"), "{}", out.stdout);
}

#[test]
fn commands_before_init_say_to_run_init() {
    let env = env();
    let up = UpstreamRepo::sample();
    let p = env.project("web");
    let p = p.to_str().unwrap();
    let before = env.snapshot();
    for args in [
        &["list"][..],
        &["status"],
        &["show", "skill:pdf"],
        &["versions", "skill:pdf"],
        &["fetch"],
        &["add", &up.local("skills/pdf")],
        &[
            "diff",
            "skill:pdf",
            "--lhs",
            "collection",
            "--rhs",
            "upstream",
        ],
        &["deploy", "skill:pdf", "--project", p],
        &["--collection", "work", "list"],
    ] {
        let out = env.run(args);
        let line = out.assert_error(&args.join(" "));
        assert!(line.contains("artisync init"), "{args:?}: {line}");
        assert_same_tree(&before, &env.snapshot(), &args.join(" "));
    }
    assert!(!env.home().exists(), "nothing created the data home");
}

#[test]
fn init_twice_is_refused() {
    let env = env();
    env.init();
    let before = env.snapshot();
    let line = env.run(&["init"]).assert_error("init").to_string();
    assert!(line.contains("already exists"), "{line}");
    assert_same_tree(&before, &env.snapshot(), "a second init");
}

#[test]
fn a_failed_first_add_leaves_no_cache_behind() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    let before = env.snapshot();
    for spec in [
        up.spec("nope", "skills/pdf"),
        up.spec("main", "skills/none"),
        format!("{}#main:skills/none", up.local("")),
    ] {
        env.run_err(&["add", &spec]);
        assert_same_tree(&before, &env.snapshot(), &format!("add {spec}"));
    }
    assert!(!env.home().join("cache").exists());
    // The same upstream imports fine afterwards.
    env.run_ok(&["add", &up.spec("main", "skills/pdf")]);
}

#[test]
fn quiet_and_json_logs() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    // -q: nothing on success, still the error line on failure.
    let out = env.run_ok(&["-q", "add", &up.local("skills/pdf")]);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    env.run_err(&["-q", "show", "skill:nope"]);
    // --log-format json: the error is one JSON object on one line.
    let out = env.run(&["--log-format", "json", "show", "skill:nope"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(v["level"], "error");
    assert_eq!(v["code"], "not_found");
    assert!(v["message"].as_str().unwrap().contains("skill:nope"), "{v}");
}
