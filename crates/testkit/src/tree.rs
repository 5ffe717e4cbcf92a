//! Byte-for-byte snapshots of directory trees: every entry's type and
//! permission bits and its content (a symlink's content is its target).
//! Modification times are left out.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Relative path → (st_mode including the file type bits, bytes).
pub type Tree = BTreeMap<PathBuf, (u32, Vec<u8>)>;

/// Snapshots `dir` recursively, `.git` internals included. The root itself
/// is the entry `""`; a directory that does not exist gives an empty map.
pub fn snapshot_tree(dir: &Path) -> Tree {
    let mut out = Tree::new();
    if let Ok(meta) = fs::symlink_metadata(dir) {
        out.insert(PathBuf::new(), (meta.permissions().mode(), Vec::new()));
        if meta.is_dir() {
            walk(dir, Path::new(""), &mut out);
        }
    }
    out
}

fn walk(dir: &Path, rel: &Path, out: &mut Tree) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let child = rel.join(e.file_name());
        let meta = fs::symlink_metadata(&path).expect("metadata");
        let mode = meta.permissions().mode();
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(&path).expect("read link");
            out.insert(child, (mode, target.as_os_str().as_bytes().to_vec()));
        } else if ft.is_dir() {
            out.insert(child.clone(), (mode, Vec::new()));
            walk(&path, &child, out);
        } else {
            out.insert(child, (mode, fs::read(&path).expect("read file")));
        }
    }
}

/// Panics with the list of paths that were added, removed or changed
/// between two snapshots (not the whole content, which may be large).
pub fn assert_same_tree(before: &Tree, after: &Tree, what: &str) {
    let mut problems = Vec::new();
    for (p, (mode, data)) in before {
        match after.get(p) {
            None => problems.push(format!("removed: {}", p.display())),
            Some((m2, d2)) if m2 != mode => {
                problems.push(format!("mode changed: {} {mode:o} -> {m2:o}", p.display()))
            }
            Some((_, d2)) if d2 != data => problems.push(format!(
                "content changed: {} ({} -> {} bytes)",
                p.display(),
                data.len(),
                d2.len()
            )),
            _ => {}
        }
    }
    for p in after.keys() {
        if !before.contains_key(p) {
            problems.push(format!("added: {}", p.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{what} changed the tree:\n  {}",
        problems.join("\n  ")
    );
}

/// The entries of `tree` whose path does not start with `prefix` (to leave,
/// say, the upstream cache out of a comparison).
pub fn without(tree: &Tree, prefix: &Path) -> Tree {
    tree.iter()
        .filter(|(p, _)| !p.starts_with(prefix))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn fails(before: &Tree, after: &Tree) -> String {
        let r = std::panic::catch_unwind(|| assert_same_tree(before, after, "x"));
        let e = r.expect_err("the trees differ");
        e.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn every_kind_of_change_is_seen() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        fs::write(d.join("f"), "one").unwrap();
        symlink("f", d.join("l")).unwrap();
        fs::create_dir(d.join("sub")).unwrap();
        let base = snapshot_tree(d);
        assert_eq!(base.len(), 4, "{base:?}");
        assert_same_tree(&base, &snapshot_tree(d), "nothing");

        fs::write(d.join("f"), "two").unwrap();
        assert!(fails(&base, &snapshot_tree(d)).contains("content changed: f"));
        fs::write(d.join("f"), "one").unwrap();

        fs::set_permissions(d.join("f"), fs::Permissions::from_mode(0o755)).unwrap();
        assert!(fails(&base, &snapshot_tree(d)).contains("mode changed: f"));
        fs::set_permissions(d.join("f"), fs::Permissions::from_mode(0o644)).unwrap();
        assert_same_tree(&base, &snapshot_tree(d), "restored");

        fs::remove_file(d.join("l")).unwrap();
        symlink("g", d.join("l")).unwrap();
        assert!(fails(&base, &snapshot_tree(d)).contains("content changed: l"));
        fs::remove_file(d.join("l")).unwrap();
        assert!(fails(&base, &snapshot_tree(d)).contains("removed: l"));
        symlink("f", d.join("l")).unwrap();

        fs::create_dir(d.join("sub/empty")).unwrap();
        assert!(fails(&base, &snapshot_tree(d)).contains("added: sub/empty"));
        assert!(snapshot_tree(&d.join("nothing-here")).is_empty());
    }
}
