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

    /// Checks everything that must hold before an artifact is written
    /// anywhere: the size limits, that no path is both a file and a folder,
    /// and that every symlink is a plain link to a place inside the
    /// artifact (see `check_link_target`).
    pub fn check(&self) -> Result<(), ModelError> {
        if self.files.len() > MAX_FILES {
            return Err(ModelError::TooLarge(format!(
                "the artifact holds {} files, more than the {MAX_FILES} artisync accepts",
                self.files.len()
            )));
        }
        let total = self.total_size();
        if total > MAX_BYTES {
            return Err(ModelError::TooLarge(format!(
                "the artifact holds {total} bytes, more than the {MAX_BYTES} artisync accepts"
            )));
        }
        let mut links = std::collections::BTreeSet::new();
        for (path, entry) in &self.files {
            let depth = path.components().count();
            if depth > MAX_DEPTH {
                return Err(ModelError::InvalidPath {
                    path: path.to_string(),
                    reason: format!(
                        "nested {depth} folders deep; artisync accepts at most {MAX_DEPTH}"
                    ),
                });
            }
            // A path whose parent is also a file: only a crafted tree can
            // say that, and writing it would go through the file (or link).
            let mut prefix = path.parent();
            while !prefix.is_root() {
                if self.files.contains_key(&prefix) {
                    return Err(ModelError::InvalidPath {
                        path: path.to_string(),
                        reason: format!("{prefix} is both a file and a folder"),
                    });
                }
                prefix = prefix.parent();
            }
            if entry.mode == FileMode::Symlink {
                links.insert(path.as_str());
            }
        }
        for (path, entry) in &self.files {
            if entry.mode == FileMode::Symlink {
                check_link_target(path, &entry.data, &|p| links.contains(p))?;
            }
        }
        Ok(())
    }
}

/// How deep, how many files and how many bytes one artifact may hold. Far
/// beyond any real skill; they bound the work a hostile tree can cause.
pub const MAX_DEPTH: usize = 64;
pub const MAX_FILES: usize = 10_000;
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Checks one file or folder name as read from a tree (git's or the
/// disk's): not empty, `.` or `..`, no `/`, backslash or NUL, and not
/// `.git` in any letter case (which a case-insensitive checkout would turn
/// into a repository's metadata). Returns why a name is refused.
pub fn check_entry_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("an empty name")
    } else if name == "." || name == ".." {
        Err("'.' or '..' as a name")
    } else if name.contains('/') || name.contains('\\') {
        Err("a slash or backslash inside a name")
    } else if name.contains('\0') {
        Err("a NUL byte inside a name")
    } else if name.eq_ignore_ascii_case(".git") {
        Err("'.git' as a name")
    } else {
        Ok(())
    }
}

/// Refuses a symlink at `path` unless it is a plain link inside the
/// artifact: relative, and resolving lexically (from the link's folder)
/// to a place inside the artifact root without passing through another
/// symlink. `is_link` says which paths of the artifact are symlinks; a
/// link through a link could otherwise climb out step by step (`a -> ..`,
/// `b -> a/..`), each step looking harmless on its own.
pub fn check_link_target(
    path: &RelPath,
    target: &[u8],
    is_link: &dyn Fn(&str) -> bool,
) -> Result<(), ModelError> {
    let refuse = |why: String| ModelError::InvalidPath {
        path: path.to_string(),
        reason: format!(
            "symlink to {:?} {why}; artifacts may only link to files inside themselves",
            String::from_utf8_lossy(target)
        ),
    };
    let target = std::str::from_utf8(target).map_err(|_| refuse("is not UTF-8".into()))?;
    if target.is_empty() || target.starts_with('/') || target.contains('\0') {
        return Err(refuse("is absolute or empty".into()));
    }
    let mut at: Vec<&str> = path.components().collect();
    at.pop();
    let comps: Vec<&str> = target
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for (i, comp) in comps.iter().enumerate() {
        if *comp == ".." {
            if at.pop().is_none() {
                return Err(refuse("leaves the artifact".into()));
            }
            continue;
        }
        at.push(comp);
        if at.len() > MAX_DEPTH {
            return Err(refuse("is too deep".into()));
        }
        let through = at.join("/");
        if i + 1 < comps.len() && is_link(&through) {
            return Err(refuse(format!("goes through another symlink ({through})")));
        }
    }
    Ok(())
}

/// The git object id of an object of `kind` holding `data`: SHA-1 over
/// git's header and the bytes. This is plain SHA-1 (with the CPU's SHA
/// instructions where it has them), not the collision-detecting SHA-1 git
/// and libgit2 use: it hashes bytes artisync already holds, to compare
/// copies. Everything that enters through git (fetched objects, the object
/// store, the collection's commits) is still hashed and checked by libgit2.
fn object_id(kind: &str, data: &[u8]) -> ObjectId {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("{kind} {}\0", data.len()).as_bytes());
    h.update(data);
    ObjectId(h.finalize().into())
}

/// The git blob id of `data`.
pub fn blob_id(data: &[u8]) -> ObjectId {
    object_id("blob", data)
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
    object_id("tree", &buf)
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
        let none = |_: &str| false;
        let p = RelPath::new("a/link").unwrap();
        assert!(check_link_target(&p, b"../b", &none).is_ok());
        assert!(check_link_target(&p, b"c/d", &none).is_ok());
        assert!(check_link_target(&p, b"../../etc", &none).is_err());
        assert!(check_link_target(&p, b"/etc/passwd", &none).is_err());
        let top = RelPath::new("link").unwrap();
        assert!(check_link_target(&top, b"../x", &none).is_err());
        // Each step of a chain stays inside on its own; through the links it
        // climbs out.
        let y = |p: &str| p == "x/y";
        let l1 = RelPath::new("x/l1").unwrap();
        assert!(check_link_target(&l1, b"y/..", &none).is_ok());
        assert!(check_link_target(&l1, b"y/..", &y).is_err());
        // A link may name another link as its last step.
        assert!(check_link_target(&l1, b"y", &y).is_ok());
    }

    fn link(target: &str) -> FileEntry {
        FileEntry {
            mode: FileMode::Symlink,
            data: target.as_bytes().to_vec(),
        }
    }

    #[test]
    fn chains_of_links_and_file_folder_clashes_are_refused() {
        let mut files = BTreeMap::new();
        files.insert(RelPath::new("x/a0").unwrap(), link(".."));
        files.insert(RelPath::new("x/a1").unwrap(), link("a0/.."));
        assert!(Content::dir(files.clone()).check().is_err());
        files.remove(&RelPath::new("x/a1").unwrap());
        assert!(Content::dir(files.clone()).check().is_ok());
        files.insert(
            RelPath::new("x/a0/bashrc").unwrap(),
            FileEntry::regular("x"),
        );
        assert!(Content::dir(files).check().is_err());
    }

    #[test]
    fn entry_names() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\0b", ".git", ".GIT", ".Git"] {
            assert!(check_entry_name(bad).is_err(), "{bad:?}");
        }
        for good in ["SKILL.md", ".gitignore", "git", "..a", "a.."] {
            assert!(check_entry_name(good).is_ok(), "{good:?}");
        }
    }
}
