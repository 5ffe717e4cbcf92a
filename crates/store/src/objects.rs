//! The object store: a bare git repository in the data home that keeps
//! every artifact content artisync deployed, replaced or staged, addressed
//! by its hash. It is where merge bases come from and where undo finds the
//! bytes it restores.

use std::path::{Path, PathBuf};

use artisync_model::content::{MAX_BYTES, MAX_DEPTH, MAX_FILES};
use artisync_model::{
    check_entry_name, is_excluded, Content, FileEntry, FileMode, ModelError, ObjectId, RelPath,
    Shape,
};
use git2::{ObjectType, Oid, Repository};

use crate::StoreError;

const FSYNC: &str = "core.fsyncObjectFiles";

pub struct ObjectStore {
    repo: Repository,
}

impl ObjectStore {
    pub fn open(dir: &Path) -> Result<ObjectStore, StoreError> {
        let err = || StoreError::git(format!("opening the object store {}", dir.display()));
        let open = || {
            if dir.exists() {
                Repository::open_bare(dir)
            } else {
                Repository::init_bare(dir)
            }
        };
        let repo = open().map_err(err())?;
        // Undo relies on these objects after a power cut too: have libgit2
        // sync each object it writes (objects already stored are not
        // written again). A store made before this setting gets it now,
        // and is opened again, as the object database reads it once.
        let set = repo
            .config()
            .and_then(|c| c.get_bool(FSYNC))
            .unwrap_or(false);
        if set {
            return Ok(ObjectStore { repo });
        }
        repo.config()
            .and_then(|c| c.open_level(git2::ConfigLevel::Local))
            .and_then(|mut c| c.set_bool(FSYNC, true))
            .map_err(err())?;
        Ok(ObjectStore {
            repo: open().map_err(err())?,
        })
    }

    /// Stores `content`; the returned id is `content.hash()`.
    pub fn put(&self, content: &Content) -> Result<ObjectId, StoreError> {
        write_content(&self.repo, content)
    }

    /// The content with hash `id`, if stored here.
    pub fn get(
        &self,
        id: ObjectId,
        shape: Shape,
        file_name: &str,
    ) -> Result<Option<Content>, StoreError> {
        read_content(&self.repo, id, shape, file_name)
    }
}

/// Writes `content` into `repo`'s object database as a tree (or a blob for a
/// single-file artifact) and returns its id.
///
/// Objects already stored are neither written nor touched again: when the
/// whole content is present (the common case for a sync's base), this costs
/// one lookup. New objects go through `Odb::write`, which writes each loose
/// object once, instead of the blob stream that opens a temporary file even
/// for an object that exists.
pub fn write_content(repo: &Repository, content: &Content) -> Result<ObjectId, StoreError> {
    let err = || StoreError::git("writing to an object database");
    let odb = repo.odb().map_err(err())?;
    let id = content.hash();
    if odb.exists(id.to_git()) {
        return Ok(id);
    }
    match content.shape {
        Shape::File => {
            let data = content
                .files
                .values()
                .next()
                .map(|e| e.data.as_slice())
                .unwrap_or(b"");
            Ok(ObjectId::from_git(put_blob(&odb, data)?))
        }
        Shape::Dir => {
            let mut root = Node::default();
            for (path, entry) in &content.files {
                let comps: Vec<&str> = path.components().collect();
                root.insert(&comps, entry);
            }
            Ok(ObjectId::from_git(root.write(repo, &odb)?))
        }
    }
}

/// Stores one blob unless it is already there.
fn put_blob(odb: &git2::Odb<'_>, data: &[u8]) -> Result<Oid, StoreError> {
    let err = || StoreError::git("writing a blob");
    // libgit2's hash (with collision detection): what goes into a git
    // store is always named by it.
    let oid = Oid::hash_object(ObjectType::Blob, data).map_err(err())?;
    if odb.exists(oid) {
        return Ok(oid);
    }
    odb.write(ObjectType::Blob, data).map_err(err())
}

#[derive(Default)]
struct Node<'a> {
    files: Vec<(&'a str, &'a FileEntry)>,
    dirs: std::collections::BTreeMap<&'a str, Node<'a>>,
}

impl<'a> Node<'a> {
    fn insert(&mut self, comps: &[&'a str], entry: &'a FileEntry) {
        match comps {
            [] => {}
            [name] => self.files.push((name, entry)),
            [first, rest @ ..] => self.dirs.entry(first).or_default().insert(rest, entry),
        }
    }

    fn write(&self, repo: &Repository, odb: &git2::Odb<'_>) -> Result<Oid, StoreError> {
        let err = || StoreError::git("writing a tree");
        let mut tb = repo.treebuilder(None).map_err(err())?;
        for (name, e) in &self.files {
            let oid = put_blob(odb, &e.data)?;
            tb.insert(name, oid, e.mode.git_mode() as i32)
                .map_err(err())?;
        }
        for (name, sub) in &self.dirs {
            let oid = sub.write(repo, odb)?;
            tb.insert(name, oid, 0o040000).map_err(err())?;
        }
        tb.write().map_err(err())
    }
}

/// Reads the tree or blob `id` from `repo` as artifact content, with the
/// exclusion rule applied and submodules left out, as for any tier. A tree
/// is checked entry by entry (`tree_leaves`) before any blob is read.
pub fn read_content(
    repo: &Repository,
    id: ObjectId,
    shape: Shape,
    file_name: &str,
) -> Result<Option<Content>, StoreError> {
    let oid = id.to_git();
    match shape {
        Shape::File => match repo.find_blob(oid) {
            Ok(b) => Ok(Some(Content::file(
                RelPath::new(file_name)?,
                FileEntry::regular(b.content()),
            ))),
            Err(_) => Ok(None),
        },
        Shape::Dir => {
            if repo.find_tree(oid).is_err() {
                return Ok(None);
            }
            let mut files = std::collections::BTreeMap::new();
            let mut total = 0u64;
            for leaf in tree_leaves(repo, oid)? {
                let blob = repo
                    .find_blob(leaf.id)
                    .map_err(StoreError::git("reading a blob"))?;
                total += blob.content().len() as u64;
                if total > MAX_BYTES {
                    return Err(StoreError::Model(ModelError::TooLarge(format!(
                        "the tree {id} holds more than {MAX_BYTES} bytes"
                    ))));
                }
                files.insert(
                    leaf.path,
                    FileEntry {
                        mode: leaf.mode,
                        data: blob.content().to_vec(),
                    },
                );
            }
            Ok(Some(Content::dir(files)))
        }
    }
}

/// One file of a git tree, found by `tree_leaves`.
pub struct Leaf {
    pub path: RelPath,
    pub mode: FileMode,
    pub id: Oid,
}

/// Every file below the tree `root`, walked with an explicit stack. Git
/// stores whatever a tree object says, and a crafted one can say things
/// no checkout would: names with a slash or NUL, `.`, `..`, `.git` in any
/// case, one name twice (or as a file and a folder), thousands of levels.
/// Each name is checked as it is read, and depth, file count and entry
/// count are bounded, so such a tree is refused with a clear error instead
/// of being written somewhere unexpected or exhausting the stack. Excluded
/// names and submodules are left out.
pub fn tree_leaves(repo: &Repository, root: Oid) -> Result<Vec<Leaf>, StoreError> {
    let refuse = |path: &str, why: &str| {
        StoreError::Invalid(format!(
            "the git tree {root} holds {path:?}, which artisync refuses ({why}); only a crafted tree holds that"
        ))
    };
    let mut out = Vec::new();
    let mut visited = 0usize;
    let mut stack = vec![(root, RelPath::root())];
    while let Some((oid, rel)) = stack.pop() {
        let tree = repo
            .find_tree(oid)
            .map_err(StoreError::git("reading a tree"))?;
        let mut seen = std::collections::HashSet::new();
        for e in tree.iter() {
            let shown = || format!("{rel}/{}", String::from_utf8_lossy(e.name_bytes()));
            let Ok(name) = std::str::from_utf8(e.name_bytes()) else {
                return Err(refuse(&shown(), "a name that is not UTF-8"));
            };
            if !seen.insert(name.to_string()) {
                return Err(refuse(&shown(), "a name that appears twice in one folder"));
            }
            check_entry_name(name).map_err(|why| refuse(&shown(), why))?;
            if is_excluded(name) {
                continue;
            }
            visited += 1;
            if visited > 4 * MAX_FILES {
                return Err(StoreError::Model(ModelError::TooLarge(format!(
                    "the git tree {root} holds more than {} entries",
                    4 * MAX_FILES
                ))));
            }
            let child = rel.child(name)?;
            if child.components().count() > MAX_DEPTH {
                return Err(refuse(
                    &shown(),
                    &format!("nested more than {MAX_DEPTH} folders deep"),
                ));
            }
            match e.kind() {
                Some(ObjectType::Tree) => stack.push((e.id(), child)),
                Some(ObjectType::Blob) => {
                    out.push(Leaf {
                        path: child,
                        mode: FileMode::from_git_mode(e.filemode() as u32)
                            .unwrap_or(FileMode::Regular),
                        id: e.id(),
                    });
                    if out.len() > MAX_FILES {
                        return Err(StoreError::Model(ModelError::TooLarge(format!(
                            "the git tree {root} holds more than {MAX_FILES} files"
                        ))));
                    }
                }
                _ => {} // submodules are not part of an artifact
            }
        }
    }
    Ok(out)
}

/// Where the object store lives in a data home.
pub fn path_in(home_root: &Path) -> PathBuf {
    home_root.join("objects.git")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a tree object exactly as given, as `git hash-object
    /// --literally -t tree` would: no name or order checks.
    fn raw_tree(repo: &Repository, entries: &[(&str, &[u8], Oid)]) -> Oid {
        let mut buf = Vec::new();
        for (mode, name, id) in entries {
            buf.extend_from_slice(mode.as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(name);
            buf.push(0);
            buf.extend_from_slice(id.as_bytes());
        }
        repo.odb().unwrap().write(ObjectType::Tree, &buf).unwrap()
    }

    #[test]
    fn crafted_trees_are_refused_when_read() {
        let t = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(t.path()).unwrap();
        let blob = repo.blob(b"x\n").unwrap();
        let fine = raw_tree(&repo, &[("100644", b"SKILL.md", blob)]);
        assert_eq!(tree_leaves(&repo, fine).unwrap().len(), 1);
        type Entries<'a> = Vec<(&'a str, &'a [u8], Oid)>;
        let bad: Vec<(&str, Entries)> = vec![
            ("a slash", vec![("100644", b"d/bashrc", blob)]),
            ("dot-dot", vec![("100644", b"..", blob)]),
            ("dot", vec![("40000", b".", fine)]),
            (".GIT", vec![("40000", b".GIT", fine)]),
            (".git", vec![("40000", b".git", fine)]),
            ("not UTF-8", vec![("100644", b"\xff", blob)]),
            (
                "a name twice",
                vec![("100644", b"a", blob), ("100644", b"a", blob)],
            ),
            (
                "a file and a folder",
                vec![("100644", b"a", blob), ("40000", b"a", fine)],
            ),
        ];
        for (what, entries) in bad {
            let tree = raw_tree(&repo, &entries);
            assert!(tree_leaves(&repo, tree).is_err(), "{what}");
            let read = read_content(&repo, ObjectId::from_git(tree), Shape::Dir, "x");
            assert!(read.is_err(), "{what}");
        }
    }

    #[test]
    fn a_tree_thousands_of_levels_deep_is_refused_without_recursion() {
        let t = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(t.path()).unwrap();
        let blob = repo.blob(b"x\n").unwrap();
        let mut tree = raw_tree(&repo, &[("100644", b"f", blob)]);
        for _ in 0..20_000 {
            tree = raw_tree(&repo, &[("40000", b"d", tree)]);
        }
        // On a small stack, as a worker thread has: recursion would
        // overflow it long before 20,000 levels.
        let id = ObjectId::from_git(tree);
        let dir = t.path().to_path_buf();
        let res = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let repo = Repository::open_bare(&dir).unwrap();
                read_content(&repo, id, Shape::Dir, "x").map(|_| ())
            })
            .unwrap()
            .join()
            .unwrap();
        let err = res.unwrap_err().to_string();
        assert!(err.contains("deep"), "{err}");
    }

    #[test]
    fn put_returns_the_content_hash_and_get_round_trips() {
        let t = tempfile::tempdir().unwrap();
        let store = ObjectStore::open(&t.path().join("o.git")).unwrap();
        let mut files = std::collections::BTreeMap::new();
        files.insert(RelPath::new("SKILL.md").unwrap(), FileEntry::regular("x\n"));
        files.insert(
            RelPath::new("bin/run").unwrap(),
            FileEntry {
                mode: FileMode::Executable,
                data: b"#!/bin/sh\n".to_vec(),
            },
        );
        files.insert(
            RelPath::new("bin/link").unwrap(),
            FileEntry {
                mode: FileMode::Symlink,
                data: b"run".to_vec(),
            },
        );
        let c = Content::dir(files);
        let id = store.put(&c).unwrap();
        assert_eq!(id, c.hash());
        assert_eq!(store.get(id, Shape::Dir, "").unwrap().unwrap(), c);
        let f = Content::file(RelPath::new("a.md").unwrap(), FileEntry::regular("a\n"));
        let id = store.put(&f).unwrap();
        assert_eq!(id, f.hash());
        assert_eq!(store.get(id, Shape::File, "a.md").unwrap().unwrap(), f);
    }

    #[test]
    fn stores_sync_their_objects_also_when_made_by_an_older_version() {
        let t = tempfile::tempdir().unwrap();
        let fsync = |dir: &Path| {
            Repository::open_bare(dir)
                .unwrap()
                .config()
                .unwrap()
                .open_level(git2::ConfigLevel::Local)
                .unwrap()
                .get_bool(FSYNC)
                .ok()
        };
        let new = t.path().join("new.git");
        ObjectStore::open(&new).unwrap();
        assert_eq!(fsync(&new), Some(true));
        // A store as earlier versions made it: a plain bare repository.
        let old = t.path().join("old.git");
        Repository::init_bare(&old).unwrap();
        assert_eq!(fsync(&old), None);
        let store = ObjectStore::open(&old).unwrap();
        assert_eq!(fsync(&old), Some(true));
        let c = Content::file(RelPath::new("a.md").unwrap(), FileEntry::regular("a\n"));
        assert_eq!(store.put(&c).unwrap(), c.hash());
    }
}
