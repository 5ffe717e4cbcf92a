//! One content hash everywhere: the hash artisync records for an
//! upstream artifact is `git rev-parse <commit>:<path>`, computed by the git
//! command in the upstream repository; the copies in the collection and a
//! project hash the same.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use artisync_testkit::{snapshot_tree, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// A skill with every kind of entry git knows: nested directories, an empty
/// file, an executable script, a relative symlink and a binary file.
fn tricky_upstream() -> UpstreamRepo {
    let up = UpstreamRepo::new();
    let mut binary: Vec<u8> = (0..=255u8).collect();
    binary.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0");
    up.write(
        "skills/tricky/SKILL.md",
        "---\nname: tricky\ndescription: A test skill.\n---\nAll the modes.\n",
    )
    .write("skills/tricky/docs/deep/er/notes.md", "nested\n")
    .write("skills/tricky/docs/a-b.md", "sorts before docs/a.md? no\n")
    .write("skills/tricky/docs/a.md", "a\n")
    .write("skills/tricky/empty.txt", "")
    .write("skills/tricky/bin/run.sh", "#!/bin/sh\necho run\n")
    .set_exec("skills/tricky/bin/run.sh")
    .symlink("skills/tricky/run", "bin/run.sh")
    .symlink("skills/tricky/docs/deep/up", "../a.md")
    .write_bytes("skills/tricky/assets/logo.png", &binary)
    .write("skills/tricky/crlf.txt", "one\r\ntwo\r\n")
    .write("skills/tricky/no-newline.txt", "last line")
    .write("commands/hello.md", "Say hello.\n")
    .write("agents/empty.md", "");
    up.commit("tricky");
    up
}

#[test]
fn recorded_hashes_are_git_object_ids() {
    let env = env();
    env.init();
    let up = tricky_upstream();
    let tree = up.rev_parse("HEAD:skills/tricky");
    // Sanity: the git command sees the modes we meant.
    let ls = artisync_testkit::git(up.path(), &["ls-tree", "-r", "HEAD", "skills/tricky"]);
    assert!(ls.contains("100755 blob"), "{ls}");
    assert!(ls.contains("120000 blob"), "{ls}");

    env.run_ok(&["add", &up.local("skills/tricky")]);
    let show = env.json(&["show", "skill:tricky"]);
    assert_eq!(show["hash"], tree.as_str(), "{show:#}");
    assert_eq!(show["upstream_hash"], tree.as_str());
    assert_eq!(show["upstream_commit"], up.head().as_str());
    assert_eq!(show["files"], 11);

    for (spec, id, path) in [
        ("commands/hello.md", "command:hello", "commands/hello.md"),
        ("agents/empty.md", "agent:empty", "agents/empty.md"),
    ] {
        env.run_ok(&["add", &up.spec("main", spec)]);
        let show = env.json(&["show", id]);
        let blob = up.rev_parse(&format!("HEAD:{path}"));
        assert_eq!(show["hash"], blob.as_str(), "{id}");
        assert_eq!(show["upstream_hash"], blob.as_str(), "{id}");
    }
    // The empty blob is git's well-known id.
    assert_eq!(
        env.json(&["show", "agent:empty"])["hash"],
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    );

    // Status agrees: the upstream's hash (read from the cache) equals the
    // collection's (read from disk).
    let status = env.json(&["status"]);
    for a in status["artifacts"].as_array().unwrap() {
        assert_eq!(a["upstream"]["status"], "in_sync", "{a:#}");
        assert_eq!(a["upstream"]["hash"], a["collection"]["hash"], "{a:#}");
    }
}

#[test]
fn deployed_copies_hash_the_same_and_are_byte_identical() {
    let env = env();
    env.init();
    let up = tricky_upstream();
    env.run_ok(&["add", &up.local("skills/tricky")]);
    let project = env.project("app");
    let report = env.json(&[
        "deploy",
        "skill:tricky",
        "--project",
        project.to_str().unwrap(),
    ]);
    let tree = up.rev_parse("HEAD:skills/tricky");
    assert_eq!(report["deployed"][0]["hash"], tree.as_str());
    assert_eq!(
        snapshot_tree(&up.path().join("skills/tricky")),
        snapshot_tree(&project.join(".claude/skills/tricky"))
    );
    assert_eq!(
        snapshot_tree(&up.path().join("skills/tricky")),
        snapshot_tree(&env.collection_dir("default").join("skills/tricky"))
    );
    let v = env.json(&["versions", "skill:tricky"]);
    assert_eq!(v["projects"][0]["hash"], tree.as_str());
    assert_eq!(v["projects"][0]["status"], "in_sync");
    assert_eq!(v["collection"]["hash"], tree.as_str());
    assert_eq!(v["upstream"]["hash"], tree.as_str());
}
