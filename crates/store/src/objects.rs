//! The object store: a bare git repository in the data home that keeps
//! every artifact content artisync deployed, replaced or staged, addressed
//! by its hash. It is where merge bases come from and where undo finds the
//! bytes it restores.

use std::path::{Path, PathBuf};

use artisync_model::{Content, FileEntry, FileMode, ObjectId, RelPath, Shape};
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
/// exclusion rule applied and submodules left out, as for any tier.
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
            let Ok(tree) = repo.find_tree(oid) else {
                return Ok(None);
            };
            let mut files = std::collections::BTreeMap::new();
            walk(repo, &tree, &RelPath::root(), &mut files)?;
            Ok(Some(Content::dir(files)))
        }
    }
}

fn walk(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    rel: &RelPath,
    out: &mut std::collections::BTreeMap<RelPath, FileEntry>,
) -> Result<(), StoreError> {
    for e in tree.iter() {
        let Some(name) = e.name() else { continue };
        if artisync_model::is_excluded(name) {
            continue;
        }
        let child = rel.child(name)?;
        match e.kind() {
            Some(ObjectType::Tree) => {
                let sub = repo
                    .find_tree(e.id())
                    .map_err(StoreError::git("reading a tree"))?;
                walk(repo, &sub, &child, out)?;
            }
            Some(ObjectType::Blob) => {
                let blob = repo
                    .find_blob(e.id())
                    .map_err(StoreError::git("reading a blob"))?;
                out.insert(
                    child,
                    FileEntry {
                        mode: FileMode::from_git_mode(e.filemode() as u32)
                            .unwrap_or(FileMode::Regular),
                        data: blob.content().to_vec(),
                    },
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where the object store lives in a data home.
pub fn path_in(home_root: &Path) -> PathBuf {
    home_root.join("objects.git")
}

#[cfg(test)]
mod tests {
    use super::*;

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
