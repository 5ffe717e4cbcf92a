//! Artifact contents and their identity: the git object id.
//!
//! A directory artifact hashes to the git tree id of its files, a single-file
//! artifact to its git blob id, so two tiers are in sync exactly when these
//! ids are equal. `is_excluded` is the one rule deciding which files belong to
//! an artifact; hashing, copying and diffing all go through it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ModelError, RelPath};

/// A git object id (SHA-1), shown as 40 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectId([u8; 20]);

impl ObjectId {
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        ObjectId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    pub fn from_git(oid: git2::Oid) -> Self {
        let mut b = [0u8; 20];
        b.copy_from_slice(oid.as_bytes());
        ObjectId(b)
    }

    pub fn to_git(self) -> git2::Oid {
        // 20 bytes is always a valid SHA-1 oid.
        git2::Oid::from_bytes(&self.0).unwrap_or_else(|_| git2::Oid::zero())
    }

    /// The first 12 hex digits, for human output.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(12);
        s
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

impl FromStr for ObjectId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::InvalidObjectId(s.to_string());
        if s.len() != 40 {
            return Err(bad());
        }
        let mut out = [0u8; 20];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        }
        Ok(ObjectId(out))
    }
}

impl TryFrom<String> for ObjectId {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ObjectId> for String {
    fn from(value: ObjectId) -> Self {
        value.to_string()
    }
}

/// File modes as git records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileMode {
    Regular,
    Executable,
    Symlink,
}

impl FileMode {
    pub fn git_mode(self) -> u32 {
        match self {
            FileMode::Regular => 0o100644,
            FileMode::Executable => 0o100755,
            FileMode::Symlink => 0o120000,
        }
    }

    pub fn from_git_mode(mode: u32) -> Option<FileMode> {
        match mode {
            0o100644 | 0o100664 => Some(FileMode::Regular),
            0o100755 => Some(FileMode::Executable),
            0o120000 => Some(FileMode::Symlink),
            _ => None,
        }
    }
}

const TREE_MODE: u32 = 0o040000;

/// One file of an artifact. For a symlink, `data` is the link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub mode: FileMode,
    pub data: Vec<u8>,
}

impl FileEntry {
    pub fn regular(data: impl Into<Vec<u8>>) -> Self {
        FileEntry {
            mode: FileMode::Regular,
            data: data.into(),
        }
    }

    pub fn id(&self) -> ObjectId {
        blob_id(&self.data)
    }
}

/// Whether an artifact is a directory (skills) or one file (commands, agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Dir,
    File,
}

/// The files of one artifact, keyed by path relative to the artifact root.
/// A single-file artifact holds exactly one entry, keyed by its file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub shape: Shape,
    pub files: BTreeMap<RelPath, FileEntry>,
}

impl Content {
    pub fn dir(files: BTreeMap<RelPath, FileEntry>) -> Self {
        Content {
            shape: Shape::Dir,
            files,
        }
    }

    pub fn file(name: RelPath, entry: FileEntry) -> Self {
        let mut files = BTreeMap::new();
        files.insert(name, entry);
        Content {
            shape: Shape::File,
            files,
        }
    }

    /// The git object id of this content: tree id for a directory, blob id
    /// for a single file.
    pub fn hash(&self) -> ObjectId {
        match self.shape {
            Shape::File => self
                .files
                .values()
                .next()
                .map(|e| e.id())
                .unwrap_or_else(|| blob_id(b"")),
            Shape::Dir => {
                let leaves = self
                    .files
                    .iter()
                    .map(|(p, e)| (p.clone(), e.mode.git_mode(), e.id()));
                tree_id_of_paths(leaves)
            }
        }
    }

    pub fn total_size(&self) -> u64 {
        self.files.values().map(|e| e.data.len() as u64).sum()
    }

    /// Checks that no symlink points outside the artifact root.
    pub fn check_symlinks(&self) -> Result<(), ModelError> {
        for (path, entry) in &self.files {
            if entry.mode == FileMode::Symlink {
                check_link_target(path, &entry.data)?;
            }
        }
        Ok(())
    }
}

/// Refuses a symlink at `path` whose target leaves the artifact root.
pub fn check_link_target(path: &RelPath, target: &[u8]) -> Result<(), ModelError> {
    let escape = |why: &str| ModelError::InvalidPath {
        path: path.to_string(),
        reason: format!(
            "symlink to {:?} {why}; artifacts may only link to files inside themselves",
            String::from_utf8_lossy(target)
        ),
    };
    let target = std::str::from_utf8(target).map_err(|_| escape("is not UTF-8"))?;
    if target.starts_with('/') || target.is_empty() {
        return Err(escape("is absolute or empty"));
    }
    let mut depth: i64 = path.components().count() as i64 - 1;
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return Err(escape("leaves the artifact"));
                }
            }
            _ => depth += 1,
        }
    }
    Ok(())
}

/// The git blob id of `data`.
pub fn blob_id(data: &[u8]) -> ObjectId {
    git2::Oid::hash_object(git2::ObjectType::Blob, data)
        .map(ObjectId::from_git)
        .unwrap_or_else(|_| ObjectId([0; 20]))
}

/// One entry of a git tree: name, mode and object id.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub name: String,
    pub mode: u32,
    pub id: ObjectId,
}

/// The git tree id of a set of entries, in git's canonical order (names
/// compared bytewise, a subtree compared as if its name ended in `/`).
pub fn tree_id(mut entries: Vec<TreeEntry>) -> ObjectId {
    let key = |e: &TreeEntry| {
        let mut k = e.name.as_bytes().to_vec();
        if e.mode == TREE_MODE {
            k.push(b'/');
        }
        k
    };
    entries.sort_by_key(key);
    let mut buf = Vec::with_capacity(entries.len() * 48);
    for e in &entries {
        buf.extend_from_slice(format!("{:o} ", e.mode).as_bytes());
        buf.extend_from_slice(e.name.as_bytes());
        buf.push(0);
        buf.extend_from_slice(e.id.as_bytes());
    }
    git2::Oid::hash_object(git2::ObjectType::Tree, &buf)
        .map(ObjectId::from_git)
        .unwrap_or_else(|_| ObjectId([0; 20]))
}

/// The tree id of a set of leaves given by their full relative paths.
pub fn tree_id_of_paths(leaves: impl IntoIterator<Item = (RelPath, u32, ObjectId)>) -> ObjectId {
    #[derive(Default)]
    struct Dir {
        files: Vec<TreeEntry>,
        dirs: BTreeMap<String, Dir>,
    }
    fn insert(dir: &mut Dir, comps: &[&str], mode: u32, id: ObjectId) {
        match comps {
            [] => {}
            [name] => dir.files.push(TreeEntry {
                name: (*name).to_string(),
                mode,
                id,
            }),
            [first, rest @ ..] => insert(
                dir.dirs.entry((*first).to_string()).or_default(),
                rest,
                mode,
                id,
            ),
        }
    }
    fn hash(dir: Dir) -> ObjectId {
        let mut entries = dir.files;
        for (name, sub) in dir.dirs {
            entries.push(TreeEntry {
                name,
                mode: TREE_MODE,
                id: hash(sub),
            });
        }
        tree_id(entries)
    }
    let mut root = Dir::default();
    for (path, mode, id) in leaves {
        let comps: Vec<&str> = path.components().collect();
        insert(&mut root, &comps, mode, id);
    }
    hash(root)
}

/// The one rule for what does not belong to an artifact, applied to every
/// path component: git metadata, Finder droppings and editor swap or lock
/// files.
pub fn is_excluded(component: &str) -> bool {
    component == ".git"
        || component == ".DS_Store"
        || component.ends_with(".swp")
        || component.ends_with(".swo")
        || component.ends_with(".swx")
        || component.ends_with('~')
        || component.starts_with(".#")
}

/// Text is what git treats as text: no NUL in the first 8000 bytes, and (as
/// artisync additionally requires for line merges) valid UTF-8.
pub fn is_binary(data: &[u8]) -> bool {
    let head = &data[..data.len().min(8000)];
    head.contains(&0) || std::str::from_utf8(data).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `git hash-object /dev/null` and `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"").to_string(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            blob_id(b"hello\n").to_string(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn empty_tree_matches_git() {
        assert_eq!(
            tree_id(vec![]).to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
    }

    #[test]
    fn object_id_parse() {
        let s = "ce013625030ba8dba906f756967f9e9ca394464a";
        assert_eq!(s.parse::<ObjectId>().unwrap().to_string(), s);
        assert!("xyz".parse::<ObjectId>().is_err());
        assert!("zz013625030ba8dba906f756967f9e9ca394464a"
            .parse::<ObjectId>()
            .is_err());
    }

    #[test]
    fn exclusions() {
        for x in [".git", ".DS_Store", "a.swp", ".b.swo", "notes~", ".#lock"] {
            assert!(is_excluded(x), "{x}");
        }
        for x in ["SKILL.md", "git", ".gitignore", "swp", "a.sw"] {
            assert!(!is_excluded(x), "{x}");
        }
    }

    #[test]
    fn binary_detection() {
        assert!(!is_binary(b""));
        assert!(!is_binary("héllo\r\n".as_bytes()));
        assert!(is_binary(b"a\0b"));
        assert!(is_binary(&[0xff, 0xfe, 0x41]));
    }

    #[test]
    fn symlink_targets() {
        let p = RelPath::new("a/link").unwrap();
        assert!(check_link_target(&p, b"../b").is_ok());
        assert!(check_link_target(&p, b"c/d").is_ok());
        assert!(check_link_target(&p, b"../../etc").is_err());
        assert!(check_link_target(&p, b"/etc/passwd").is_err());
        let top = RelPath::new("link").unwrap();
        assert!(check_link_target(&top, b"../x").is_err());
    }
}
