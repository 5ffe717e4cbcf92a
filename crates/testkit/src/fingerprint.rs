//! Fingerprints of whole directory trees (type, permission bits, size,
//! content hash, symlink target and modification time of every entry),
//! taken without following symlinks and without recursion, so that a test
//! can prove nothing at all changed in a place artisync must not touch; and
//! a check that no symlink inside an artifact resolves to a place outside it.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// What is recorded of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPrint {
    /// `f` file, `d` directory, `l` symlink, `o` anything else (FIFO, socket, device).
    pub kind: char,
    pub mode: u32,
    pub size: u64,
    /// Git blob id of a file's bytes; a symlink's target; empty otherwise.
    pub content: String,
    /// Modification time in nanoseconds; `None` when left out.
    pub mtime: Option<i128>,
}

/// Relative path → entry; the root is `""`. An absent root gives an empty map.
pub type Fingerprint = BTreeMap<PathBuf, EntryPrint>;

/// How much of a tree [`fingerprint`] records.
#[derive(Debug, Clone, Default)]
pub struct FingerprintOptions {
    /// Record the modification time of directories too (it changes when an
    /// entry is created or removed in them, even if it is removed again).
    pub dir_mtimes: bool,
    /// Relative paths whose whole subtree is left out (for example
    /// `.git/objects`, where unreachable objects are invisible).
    pub skip: Vec<PathBuf>,
}

impl FingerprintOptions {
    /// Everything, directory times included.
    pub fn strict() -> Self {
        FingerprintOptions {
            dir_mtimes: true,
            skip: Vec::new(),
        }
    }
}

/// Fingerprints `root` (a file or a directory) without following symlinks.
pub fn fingerprint(root: &Path, opts: &FingerprintOptions) -> Fingerprint {
    let mut out = Fingerprint::new();
    let mut queue = VecDeque::from([PathBuf::new()]);
    while let Some(rel) = queue.pop_front() {
        let path = if rel.as_os_str().is_empty() {
            root.to_path_buf()
        } else {
            root.join(&rel)
        };
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let ft = meta.file_type();
        let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        let (kind, content) = if ft.is_symlink() {
            let target = fs::read_link(&path).unwrap_or_default();
            (
                'l',
                String::from_utf8_lossy(target.as_os_str().as_bytes()).into_owned(),
            )
        } else if ft.is_dir() {
            ('d', String::new())
        } else if ft.is_file() {
            let data = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let id = git2::Oid::hash_object(git2::ObjectType::Blob, &data)
                .map(|o| o.to_string())
                .unwrap_or_default();
            ('f', id)
        } else {
            ('o', String::new())
        };
        out.insert(
            rel.clone(),
            EntryPrint {
                kind,
                mode: meta.mode(),
                size: if kind == 'd' { 0 } else { meta.size() },
                content,
                mtime: (kind != 'd' || opts.dir_mtimes).then_some(mtime),
            },
        );
        if kind == 'd' {
            let mut names: Vec<_> = fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("read dir {}: {e}", path.display()))
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .collect();
            names.sort();
            for n in names {
                let child = rel.join(n);
                if !opts.skip.iter().any(|s| child.starts_with(s)) {
                    queue.push_back(child);
                }
            }
        }
    }
    out
}

/// The differences between two fingerprints, one line each (empty when equal).
pub fn fingerprint_changes(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    let mut problems = Vec::new();
    for (p, b) in before {
        match after.get(p) {
            None => problems.push(format!("removed: {}", p.display())),
            Some(a) if a != b => problems.push(format!("changed: {} {b:?} -> {a:?}", p.display())),
            _ => {}
        }
    }
    for (p, a) in after {
        if !before.contains_key(p) {
            problems.push(format!("added: {} {a:?}", p.display()));
        }
    }
    problems
}

/// `changes` as an indented list, cut after the first 12 (a deep tree can
/// add thousands of entries).
pub fn show_changes(changes: &[String]) -> String {
    let mut s: Vec<String> = changes.iter().take(12).cloned().collect();
    if changes.len() > 12 {
        s.push(format!("… and {} more", changes.len() - 12));
    }
    s.join("\n  ")
}

/// Panics listing the differences when the fingerprints differ.
pub fn assert_same_fingerprint(before: &Fingerprint, after: &Fingerprint, what: &str) {
    let problems = fingerprint_changes(before, after);
    assert!(
        problems.is_empty(),
        "{what} changed what it must not touch:\n  {}",
        show_changes(&problems)
    );
}

/// Where `path` leads once every symlink on it is followed, computed
/// lexically (components that do not exist are kept as they are, like
/// `realpath -m`). `None` when the links loop.
pub fn resolve_path(path: &Path) -> Option<PathBuf> {
    let mut pending: VecDeque<PathBuf> = path
        .components()
        .map(|c| PathBuf::from(c.as_os_str()))
        .collect();
    let mut current = PathBuf::from("/");
    let mut hops = 0;
    while let Some(comp) = pending.pop_front() {
        match comp.components().next() {
            None | Some(Component::RootDir) | Some(Component::CurDir) => {}
            Some(Component::ParentDir) => {
                current.pop();
            }
            Some(Component::Prefix(_)) => {}
            Some(Component::Normal(name)) => {
                let candidate = current.join(name);
                match fs::symlink_metadata(&candidate) {
                    Ok(m) if m.file_type().is_symlink() => {
                        hops += 1;
                        if hops > 200 {
                            return None;
                        }
                        let target = fs::read_link(&candidate).ok()?;
                        if target.is_absolute() {
                            current = PathBuf::from("/");
                        }
                        for c in target.components().rev() {
                            pending.push_front(PathBuf::from(c.as_os_str()));
                        }
                    }
                    _ => current = candidate,
                }
            }
        }
    }
    Some(current)
}

/// Every symlink under `artifact` (which must be a canonical path) whose
/// resolution leads outside `artifact`, with where it leads. A symlink at
/// `artifact` itself counts too.
pub fn escaping_links(artifact: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut queue = VecDeque::from([artifact.to_path_buf()]);
    while let Some(path) = queue.pop_front() {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            match resolve_path(&path) {
                Some(to) if to.starts_with(artifact) => {}
                Some(to) => out.push((path, to)),
                // A loop of links inside the artifact leads nowhere.
                None => {}
            }
        } else if meta.is_dir() {
            if let Ok(rd) = fs::read_dir(&path) {
                for e in rd.flatten() {
                    queue.push_back(e.path());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn changes_and_escapes_are_seen() {
        let t = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(t.path()).unwrap();
        let art = root.join("art");
        fs::create_dir_all(art.join("x")).unwrap();
        fs::write(root.join("bait"), "bait").unwrap();
        fs::write(art.join("f"), "f").unwrap();
        symlink("..", art.join("x/a0")).unwrap();
        symlink("a0/..", art.join("x/a1")).unwrap();
        symlink("f", art.join("ok")).unwrap();
        symlink("x/a0/f", art.join("ok2")).unwrap();
        symlink("a1/bait", art.join("x/bad")).unwrap();
        symlink("/etc/passwd", art.join("abs")).unwrap();
        symlink("loop", art.join("loop")).unwrap();
        let mut bad: Vec<_> = escaping_links(&art).into_iter().map(|e| e.0).collect();
        bad.sort();
        assert_eq!(
            bad,
            vec![art.join("abs"), art.join("x/a1"), art.join("x/bad")]
        );

        let before = fingerprint(&root, &FingerprintOptions::strict());
        assert!(
            fingerprint_changes(&before, &fingerprint(&root, &FingerprintOptions::strict()))
                .is_empty()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
        fs::write(root.join("bait"), "bait").unwrap();
        let changes =
            fingerprint_changes(&before, &fingerprint(&root, &FingerprintOptions::strict()));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].starts_with("changed: bait"), "{changes:?}");
    }
}
