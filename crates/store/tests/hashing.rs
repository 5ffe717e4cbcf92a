//! The hash the store computes for an artifact on disk is exactly the tree
//! id git gives the same files: checked against git2's own index
//! (`add_all` + `write_tree`) for nested directories, empty files, exec
//! bits, symlinks, binary files and excluded names, and as a property over
//! random small trees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use artisync_model::{is_excluded, ObjectId, Shape};
use artisync_store::fsio::read_content;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

/// A repository in a temp dir whose work tree tests fill with files.
struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    repo: git2::Repository,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let repo = git2::Repository::init(&root).unwrap();
        // Make sure git records exec bits and symlinks as it does on Unix.
        let mut cfg = repo.config().unwrap();
        cfg.set_bool("core.filemode", true).unwrap();
        cfg.set_bool("core.symlinks", true).unwrap();
        Repo {
            _tmp: tmp,
            root,
            repo,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, data: &[u8], mode: u32) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, data).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn symlink(&self, rel: &str, target: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    /// git2's tree id for `rel` after staging the whole work tree.
    fn git_tree_id(&self, rel: &str) -> ObjectId {
        let mut index = self.repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let id = if rel.is_empty() {
            tree.id()
        } else {
            let entry = tree.get_path(Path::new(rel)).unwrap();
            assert_eq!(entry.kind(), Some(git2::ObjectType::Tree), "{rel}");
            entry.id()
        };
        ObjectId::from_git(id)
    }

    /// The store's hash of the directory artifact at `rel`.
    fn store_hash(&self, rel: &str) -> ObjectId {
        read_content(&self.path(rel), Shape::Dir)
            .unwrap()
            .expect("the artifact exists")
            .hash()
    }

    fn assert_same(&self, rel: &str) {
        assert_eq!(self.store_hash(rel), self.git_tree_id(rel), "{rel}");
    }
}

#[test]
fn nested_directories_in_git_order() {
    let r = Repo::new();
    r.write("skill/SKILL.md", b"# Skill\n", 0o644);
    // git sorts a directory as if its name ended in '/', so "a-b" and
    // "a.md" come before the directory "a".
    r.write("skill/a/x.md", b"x\n", 0o644);
    r.write("skill/a-b", b"dash\n", 0o644);
    r.write("skill/a.md", b"dot\n", 0o644);
    r.write("skill/a/b/c/d/e.txt", b"deep\n", 0o644);
    r.write("skill/Z-upper.md", b"upper\n", 0o644);
    r.write("skill/ünï.md", b"unicode name\n", 0o644);
    r.assert_same("skill");
    r.assert_same("skill/a");
}

#[test]
fn empty_files() {
    let r = Repo::new();
    r.write("skill/SKILL.md", b"", 0o644);
    r.write("skill/sub/empty", b"", 0o644);
    r.assert_same("skill");
}

#[test]
fn exec_bits() {
    let r = Repo::new();
    r.write("skill/SKILL.md", b"x\n", 0o644);
    r.write("skill/run.sh", b"#!/bin/sh\n", 0o755);
    // git looks at the owner's exec bit only.
    r.write("skill/owner-only", b"#!/bin/sh\n", 0o744);
    r.write("skill/group-only", b"#!/bin/sh\n", 0o654);
    r.write("skill/private", b"#!/bin/sh\n", 0o700);
    r.assert_same("skill");
    let c = read_content(&r.path("skill"), Shape::Dir).unwrap().unwrap();
    let mode = |p: &str| {
        c.files
            .iter()
            .find(|(k, _)| k.as_str() == p)
            .map(|(_, e)| e.mode)
            .unwrap()
    };
    assert_eq!(mode("group-only"), artisync_model::FileMode::Regular);
    assert_eq!(mode("owner-only"), artisync_model::FileMode::Executable);
}

#[test]
fn symlinks() {
    let r = Repo::new();
    r.write("skill/SKILL.md", b"x\n", 0o644);
    r.write("skill/bin/tool", b"#!/bin/sh\n", 0o755);
    r.symlink("skill/tool", "bin/tool");
    r.symlink("skill/bin/up", "../SKILL.md");
    r.symlink("skill/dangling", "does/not/exist");
    r.symlink("skill/dir-link", "bin");
    r.assert_same("skill");
}

#[test]
fn binary_files() {
    let r = Repo::new();
    r.write("skill/SKILL.md", b"x\n", 0o644);
    let all: Vec<u8> = (0..=255).collect();
    r.write("skill/all-bytes.bin", &all, 0o644);
    r.write("skill/nul", b"\0", 0o644);
    r.write("skill/latin1.txt", b"caf\xe9\n", 0o644);
    r.write("skill/big.bin", &all.repeat(4096), 0o644);
    r.assert_same("skill");
}

#[test]
fn excluded_names_are_left_out_like_ignored_files() {
    let r = Repo::new();
    // git leaves these out because of .gitignore; the store because of
    // its exclusion rule. The ids agree.
    r.write(
        ".gitignore",
        b".DS_Store\n*.swp\n*.swo\n*.swx\n*~\n.#*\n",
        0o644,
    );
    r.write("skill/SKILL.md", b"x\n", 0o644);
    r.write("skill/.DS_Store", b"junk", 0o644);
    r.write("skill/.SKILL.md.swp", b"swap", 0o644);
    r.write("skill/notes~", b"backup", 0o644);
    r.write("skill/.#lock", b"lock", 0o644);
    r.write("skill/sub/.DS_Store", b"junk", 0o644);
    r.write("skill/sub/keep.md", b"keep\n", 0o644);
    r.assert_same("skill");
}

#[test]
fn a_whole_work_tree_leaves_out_dot_git() {
    let r = Repo::new();
    r.write("README.md", b"hi\n", 0o644);
    r.write("skills/a/SKILL.md", b"a\n", 0o644);
    r.assert_same("");
}

/// One entry of a random tree.
#[derive(Debug, Clone)]
enum Node {
    File { data: Vec<u8>, mode: u32 },
    Link(String),
    EmptyDir,
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_é][a-zA-Z0-9._é-]{0,6}".prop_filter("excluded", |n| !is_excluded(n))
}

fn node() -> impl Strategy<Value = Node> {
    let data = prop_oneof![
        Just(Vec::new()),
        "[a-z \n]{0,40}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|mut v| {
            v.push(0);
            v
        }),
    ];
    let mode = prop_oneof![
        Just(0o644u32),
        Just(0o755),
        Just(0o744),
        Just(0o654),
        Just(0o600)
    ];
    prop_oneof![
        6 => (data, mode).prop_map(|(data, mode)| Node::File { data, mode }),
        1 => "[a-z./]{1,12}".prop_map(Node::Link),
        1 => Just(Node::EmptyDir),
    ]
}

fn tree() -> impl Strategy<Value = Vec<(Vec<String>, Node)>> {
    proptest::collection::vec((proptest::collection::vec(name(), 1..4), node()), 1..12)
}

/// Writes the entries that do not collide (a path under a file, or a path
/// used twice) under `skill/`, beside `skill/SKILL.md`; returns how many
/// files and links it wrote.
fn build(r: &Repo, entries: &[(Vec<String>, Node)]) -> usize {
    r.write("skill/SKILL.md", b"---\nname: x\n---\n", 0o644);
    let mut leaves: BTreeSet<Vec<String>> = BTreeSet::from([vec!["SKILL.md".to_string()]]);
    let mut dirs: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut written = 0;
    for (path, node) in entries {
        let under_leaf = (1..path.len()).any(|i| leaves.contains(&path[..i]));
        if under_leaf || leaves.contains(path) || dirs.contains(path) {
            continue;
        }
        let rel = format!("skill/{}", path.join("/"));
        match node {
            Node::EmptyDir => {
                fs::create_dir_all(r.path(&rel)).unwrap();
                dirs.insert(path.clone());
            }
            Node::File { data, mode } => {
                r.write(&rel, data, *mode);
                leaves.insert(path.clone());
                written += 1;
            }
            Node::Link(target) => {
                r.symlink(&rel, target);
                leaves.insert(path.clone());
                written += 1;
            }
        }
        for i in 1..path.len() {
            dirs.insert(path[..i].to_vec());
        }
    }
    written
}

/// Random small trees hash like git, over 256 cases. One repository serves
/// every case (its work tree and index are emptied in between): creating a
/// repository per case costs more than all the rest.
#[test]
fn store_hash_equals_git_tree_id() {
    let r = Repo::new();
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&tree(), |entries| {
        let skill = r.path("skill");
        if skill.exists() {
            fs::remove_dir_all(&skill).unwrap();
        }
        r.repo.index().unwrap().clear().unwrap();
        let written = build(&r, &entries);
        prop_assert!(written <= entries.len());
        prop_assert_eq!(r.store_hash("skill"), r.git_tree_id("skill"));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
