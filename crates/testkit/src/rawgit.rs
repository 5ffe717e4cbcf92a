//! Hand-made git objects for hostile upstreams: trees whose entry names no
//! checkout could produce (`/`, NUL, `.`, `..`, `.git`, duplicates), symlink
//! chains and very deep trees. Objects are written literally, with no
//! validation (what `git hash-object --literally -t tree -w` does), and
//! committed with the git CLI (`git commit-tree`, `git update-ref`).

use std::path::Path;

use crate::upstream::git;

/// A file, symlink or directory of a hand-made tree. Names are raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File {
        data: Vec<u8>,
        exec: bool,
    },
    Link(Vec<u8>),
    Dir(Vec<(Vec<u8>, Node)>),
    /// An object already written: its mode (`40000`, `100644`, …) and id.
    Raw {
        mode: &'static str,
        id: String,
    },
}

impl Node {
    pub fn file(text: &str) -> Node {
        Node::File {
            data: text.as_bytes().to_vec(),
            exec: false,
        }
    }

    pub fn link(target: &str) -> Node {
        Node::Link(target.as_bytes().to_vec())
    }

    pub fn dir<N: AsRef<[u8]>>(entries: Vec<(N, Node)>) -> Node {
        Node::Dir(
            entries
                .into_iter()
                .map(|(n, e)| (n.as_ref().to_vec(), e))
                .collect(),
        )
    }
}

/// Writes `data` as a loose object of type `kind` (`blob` or `tree`) without
/// any check, with `git hash-object --literally -t KIND -w --stdin`, and
/// returns its id (hex).
pub fn write_object(repo: &Path, kind: &str, data: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["hash-object", "--literally", "-t", kind, "-w", "--stdin"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running git hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write to git hash-object");
    let out = child.wait_with_output().expect("git hash-object");
    assert!(
        out.status.success(),
        "git hash-object -t {kind}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One raw tree entry: octal mode as git writes it (`100644`, `100755`,
/// `120000`, `40000`), name bytes and object id (hex).
pub fn tree_bytes(entries: &[(&str, Vec<u8>, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (mode, name, id) in entries {
        out.extend_from_slice(mode.as_bytes());
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        let oid = git2::Oid::from_str(id).expect("object id");
        out.extend_from_slice(oid.as_bytes());
    }
    out
}

/// Writes `node` and everything under it; returns (mode, id). Entries of a
/// directory are put in git's order (a subtree sorts as if its name ended
/// in `/`), duplicates kept side by side in the order given.
pub fn write_node(repo: &Path, node: &Node) -> (&'static str, String) {
    match node {
        Node::File { data, exec } => (
            if *exec { "100755" } else { "100644" },
            write_object(repo, "blob", data),
        ),
        Node::Link(target) => ("120000", write_object(repo, "blob", target)),
        Node::Raw { mode, id } => (mode, id.clone()),
        Node::Dir(entries) => {
            let mut raw: Vec<(&str, Vec<u8>, String)> = entries
                .iter()
                .map(|(name, child)| {
                    let (mode, id) = write_node(repo, child);
                    (mode, name.clone(), id)
                })
                .collect();
            raw.sort_by_key(|(mode, name, _)| {
                let mut k = name.clone();
                if *mode == "40000" {
                    k.push(b'/');
                }
                k
            });
            ("40000", write_object(repo, "tree", &tree_bytes(&raw)))
        }
    }
}

/// A chain of `depth` trees, each holding only the next one under `name`,
/// the last holding `leaf` as a file: written bottom-up, without recursion,
/// straight into the object database (the same unchecked write as
/// [`write_object`], without a process per object, since depths here go to
/// tens of thousands). Returns the id of the outermost tree.
pub fn deep_tree(repo: &Path, depth: usize, name: &str, leaf: &str) -> String {
    let r = git2::Repository::open(repo).expect("open repository");
    let odb = r.odb().expect("object database");
    let blob = odb
        .write(git2::ObjectType::Blob, leaf.as_bytes())
        .expect("write blob");
    let mut id = odb
        .write(
            git2::ObjectType::Tree,
            &tree_bytes(&[("100644", b"leaf.md".to_vec(), blob.to_string())]),
        )
        .expect("write tree");
    for _ in 1..depth {
        id = odb
            .write(
                git2::ObjectType::Tree,
                &tree_bytes(&[("40000", name.as_bytes().to_vec(), id.to_string())]),
            )
            .expect("write tree");
    }
    id.to_string()
}

/// Commits the tree `tree` on top of the current `main` with the git CLI
/// and moves `main` to it; returns the commit id. The work tree is left as
/// it was (it no longer matches `main`).
pub fn commit_tree_on_main(repo: &Path, tree: &str, message: &str) -> String {
    let parent = git(repo, &["rev-parse", "refs/heads/main"]);
    let commit = git(repo, &["commit-tree", tree, "-p", &parent, "-m", message]);
    git(repo, &["update-ref", "refs/heads/main", &commit]);
    commit
}

/// The id of `main:path` (a tree or blob of the current main).
pub fn id_at_main(repo: &Path, path: &str) -> String {
    git(repo, &["rev-parse", &format!("refs/heads/main:{path}")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_names_survive_into_the_tree() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path();
        git2::Repository::init(repo).unwrap();
        let node = Node::dir(vec![
            ("d/bashrc", Node::file("x")),
            ("d", Node::link("..")),
            ("d", Node::dir(vec![("bashrc", Node::file("y"))])),
            (".GIT", Node::file("z")),
        ]);
        let (mode, id) = write_node(repo, &node);
        assert_eq!(mode, "40000");
        let listing = git(repo, &["ls-tree", &id]);
        assert!(
            listing.contains("\"d/bashrc\"") || listing.contains("\td/bashrc"),
            "{listing}"
        );
        assert_eq!(
            listing.lines().filter(|l| l.ends_with("\td")).count(),
            2,
            "{listing}"
        );
        let deep = deep_tree(repo, 300, "n", "leaf");
        let p = format!("{deep}:{}leaf.md", "n/".repeat(299));
        assert_eq!(git(repo, &["cat-file", "-p", &p]), "leaf");
    }
}
