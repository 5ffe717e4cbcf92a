//! Reading artifact contents from disk and writing them back atomically.
//!
//! Reading applies the model's exclusion rule and records modes as git does
//! (owner exec bit → 100755, symlinks as 120000 with their target). Writing
//! builds the new artifact beside the old one and renames it into place, so
//! a reader sees the old or the new artifact, never a mix.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use artisync_model::{is_excluded, Content, FileEntry, FileMode, RelPath, Shape};

pub use crate::readfile::{open_regular, read_regular};
use crate::StoreError;

/// Reads the artifact at `path`; `Ok(None)` when nothing is there.
pub fn read_content(path: &Path, shape: Shape) -> Result<Option<Content>, StoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("read", path)(e)),
    };
    match shape {
        Shape::File => {
            if !meta.file_type().is_file() {
                return Err(StoreError::UnsupportedFile {
                    path: path.to_path_buf(),
                    found: file_type_name(&meta.file_type()),
                });
            }
            let name = file_name(path)?;
            let entry = read_file(path, &meta)?;
            Ok(Some(Content::file(name, entry)))
        }
        Shape::Dir => {
            if !meta.is_dir() {
                return Err(StoreError::UnsupportedFile {
                    path: path.to_path_buf(),
                    found: file_type_name(&meta.file_type()),
                });
            }
            let mut files = BTreeMap::new();
            walk(path, &RelPath::root(), &mut files)?;
            Ok(Some(Content::dir(files)))
        }
    }
}

fn file_name(path: &Path) -> Result<RelPath, StoreError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| StoreError::Invalid(format!("{} has no UTF-8 file name", path.display())))?;
    Ok(RelPath::new(name)?)
}

fn file_type_name(ft: &fs::FileType) -> &'static str {
    if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_fifo() {
        "named pipe"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device file"
    } else {
        "file"
    }
}

fn read_file(path: &Path, meta: &fs::Metadata) -> Result<FileEntry, StoreError> {
    let data = fs::read(path).map_err(StoreError::io("read", path))?;
    let mode = if meta.permissions().mode() & 0o100 != 0 {
        FileMode::Executable
    } else {
        FileMode::Regular
    };
    Ok(FileEntry { mode, data })
}

fn walk(
    dir: &Path,
    rel: &RelPath,
    out: &mut BTreeMap<RelPath, FileEntry>,
) -> Result<(), StoreError> {
    let rd = fs::read_dir(dir).map_err(StoreError::io("read directory", dir))?;
    for entry in rd {
        let entry = entry.map_err(StoreError::io("read directory", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(StoreError::Invalid(format!(
                "{} has a file name that is not UTF-8; rename it",
                entry.path().display()
            )));
        };
        if is_excluded(name) {
            continue;
        }
        let child = rel.child(name).map_err(|_| {
            StoreError::Invalid(format!(
                "{} has a file name artisync cannot store (backslash or NUL); rename it",
                entry.path().display()
            ))
        })?;
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).map_err(StoreError::io("read", &path))?;
        let ft = meta.file_type();
        if ft.is_dir() {
            walk(&path, &child, out)?;
        } else if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(StoreError::io("read link", &path))?;
            out.insert(
                child,
                FileEntry {
                    mode: FileMode::Symlink,
                    data: target.as_os_str().as_bytes().to_vec(),
                },
            );
        } else if ft.is_file() {
            out.insert(child, read_file(&path, &meta)?);
        } else {
            return Err(StoreError::UnsupportedFile {
                path,
                found: file_type_name(&ft),
            });
        }
    }
    Ok(())
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn sibling(dest: &Path, tag: &str) -> Result<PathBuf, StoreError> {
    let parent = dest.parent().ok_or_else(|| {
        StoreError::Invalid(format!("{} has no parent directory", dest.display()))
    })?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    Ok(parent.join(format!(".{name}.artisync-{tag}-{}", unique_suffix())))
}

fn write_entry(path: &Path, entry: &FileEntry) -> Result<(), StoreError> {
    match entry.mode {
        FileMode::Symlink => {
            let target = std::ffi::OsStr::from_bytes(&entry.data);
            std::os::unix::fs::symlink(target, path).map_err(StoreError::io("create symlink", path))
        }
        FileMode::Regular | FileMode::Executable => {
            let mut f = fs::File::create(path).map_err(StoreError::io("create", path))?;
            f.write_all(&entry.data)
                .map_err(StoreError::io("write", path))?;
            let mode = if entry.mode == FileMode::Executable {
                0o755
            } else {
                0o644
            };
            f.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(StoreError::io("set permissions on", path))?;
            // On disk before the rename that makes it visible: otherwise a
            // power cut could leave the new name with empty files. Files a
            // write carries over unchanged are linked, not written, so a
            // sync pays this only for the files it changes.
            f.sync_all().map_err(StoreError::io("sync", path))
        }
    }
}

/// Writes `content` at `dest`, replacing what is there, atomically per
/// artifact: the new content is built beside `dest` and renamed into place.
/// Symlinks leaving the artifact are refused before anything is written.
pub fn write_content(dest: &Path, content: &Content) -> Result<(), StoreError> {
    content.check_symlinks()?;
    let parent = dest.parent().ok_or_else(|| {
        StoreError::Invalid(format!("{} has no parent directory", dest.display()))
    })?;
    fs::create_dir_all(parent).map_err(StoreError::io("create directory", parent))?;
    let tmp = sibling(dest, "new")?;
    let built = match content.shape {
        Shape::File => {
            let entry = content.files.values().next().ok_or_else(|| {
                StoreError::Invalid("a single-file artifact without a file".into())
            })?;
            if entry.mode == FileMode::Symlink {
                return Err(StoreError::Invalid(format!(
                    "{} would be a symlink; single-file artifacts must be regular files",
                    dest.display()
                )));
            }
            write_entry(&tmp, entry)
        }
        Shape::Dir => build_dir(&tmp, dest, content),
    };
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&tmp).or_else(|_| fs::remove_file(&tmp));
        return Err(e);
    }
    replace(&tmp, dest)
}

fn build_dir(tmp: &Path, dest: &Path, content: &Content) -> Result<(), StoreError> {
    fs::create_dir(tmp).map_err(StoreError::io("create directory", tmp))?;
    let old_is_dir = fs::symlink_metadata(dest).is_ok_and(|m| m.is_dir());
    let mut dirs = std::collections::BTreeSet::from([tmp.to_path_buf()]);
    for (rel, entry) in &content.files {
        let path = tmp.join(rel.as_str());
        if let Some(p) = path.parent() {
            if !dirs.contains(p) {
                fs::create_dir_all(p).map_err(StoreError::io("create directory", p))?;
                dirs.extend(
                    p.ancestors()
                        .take_while(|a| a.starts_with(tmp))
                        .map(Path::to_path_buf),
                );
            }
        }
        if old_is_dir && link_unchanged(dest, rel, entry, &path)? {
            continue;
        }
        write_entry(&path, entry)?;
    }
    // Every directory's entries are on disk before the tree is swapped in.
    for d in &dirs {
        fs::File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(StoreError::io("sync", d))?;
    }
    Ok(())
}

/// Hard-links the old artifact's file at `rel` into the new tree when it
/// already holds exactly `entry` (same bytes, same permission bits), instead
/// of writing a copy: after the swap the old name is removed, so the file is
/// again this artifact's alone, and a sync that changes one file of a skill
/// creates one file, not all of them. Only plain files that no other path
/// shares, reached through real directories inside `dest`, are linked; in
/// every other case (or if linking fails) the caller writes the file.
/// Returns whether it linked.
fn link_unchanged(
    dest: &Path,
    rel: &RelPath,
    entry: &FileEntry,
    new: &Path,
) -> Result<bool, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let want_mode = match entry.mode {
        FileMode::Regular => 0o644,
        FileMode::Executable => 0o755,
        FileMode::Symlink => return Ok(false),
    };
    let comps: Vec<&str> = rel.components().collect();
    let mut dir = dest.to_path_buf();
    for c in &comps[..comps.len().saturating_sub(1)] {
        dir.push(c);
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Ok(false);
        }
    }
    let old = dest.join(rel.as_str());
    let Ok(m) = fs::symlink_metadata(&old) else {
        return Ok(false);
    };
    if !m.is_file() || m.nlink() != 1 || m.len() != entry.data.len() as u64 {
        return Ok(false);
    }
    if m.mode() & 0o7777 != want_mode {
        return Ok(false);
    }
    if fs::read(&old).map_or(true, |bytes| bytes != entry.data) {
        return Ok(false);
    }
    if fs::hard_link(&old, new).is_err() {
        return Ok(false);
    }
    // Linked the file that was checked, not one renamed over it since.
    // Otherwise unlink it again, so that the write does not go through it.
    if fs::symlink_metadata(new).is_ok_and(|n| n.dev() == m.dev() && n.ino() == m.ino()) {
        return Ok(true);
    }
    fs::remove_file(new).map_err(StoreError::io("remove", new))?;
    Ok(false)
}

/// Moves the finished `tmp` to `dest`. A file is replaced by one rename. A
/// directory is swapped with the old one in one atomic exchange (Linux
/// `RENAME_EXCHANGE`), after which the old content, now at `tmp`, is removed;
/// where exchange is unsupported the old directory is moved aside first.
fn replace(tmp: &Path, dest: &Path) -> Result<(), StoreError> {
    let existing = fs::symlink_metadata(dest).ok();
    match existing {
        Some(m) if m.is_dir() => {
            use rustix::fs::{renameat_with, RenameFlags, CWD};
            match renameat_with(CWD, tmp, CWD, dest, RenameFlags::EXCHANGE) {
                Ok(()) => {
                    fs::remove_dir_all(tmp).map_err(StoreError::io("remove", tmp))?;
                }
                Err(_) => {
                    let old = sibling(dest, "old")?;
                    fs::rename(dest, &old).map_err(StoreError::io("move aside", dest))?;
                    if let Err(e) = fs::rename(tmp, dest) {
                        let _ = fs::rename(&old, dest);
                        return Err(StoreError::io("rename into place", dest)(e));
                    }
                    fs::remove_dir_all(&old).map_err(StoreError::io("remove", &old))?;
                }
            }
        }
        _ => fs::rename(tmp, dest).map_err(StoreError::io("rename into place", dest))?,
    }
    sync_dir(dest.parent());
    Ok(())
}

/// Removes what an interrupted write of `dest` left beside it. Callers hold
/// the artifact's lock, so no other writer is using these.
pub fn remove_leftovers(dest: &Path) {
    let (Some(parent), Some(name)) = (dest.parent(), dest.file_name()) else {
        return;
    };
    let prefix = format!(".{}.artisync-", name.to_string_lossy());
    let Ok(rd) = fs::read_dir(parent) else { return };
    for e in rd.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let p = e.path();
            let _ = fs::remove_dir_all(&p).or_else(|_| fs::remove_file(&p));
        }
    }
}

/// Removes the artifact at `dest` (a directory or a file), atomically: it is
/// renamed aside first, then deleted.
pub fn remove_content(dest: &Path) -> Result<(), StoreError> {
    let Ok(meta) = fs::symlink_metadata(dest) else {
        return Ok(());
    };
    let aside = sibling(dest, "old")?;
    fs::rename(dest, &aside).map_err(StoreError::io("move aside", dest))?;
    let res = if meta.is_dir() {
        fs::remove_dir_all(&aside)
    } else {
        fs::remove_file(&aside)
    };
    res.map_err(StoreError::io("remove", &aside))?;
    sync_dir(dest.parent());
    Ok(())
}

fn sync_dir(dir: Option<&Path>) {
    if let Some(d) = dir {
        if let Ok(f) = fs::File::open(d) {
            let _ = f.sync_all();
        }
    }
}

/// Writes one file atomically (write beside, sync, rename).
pub fn write_file_atomic(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).map_err(StoreError::io("create directory", p))?;
    }
    let tmp = sibling(path, "tmp")?;
    let res = (|| {
        let mut f = fs::File::create(&tmp).map_err(StoreError::io("create", &tmp))?;
        f.write_all(data).map_err(StoreError::io("write", &tmp))?;
        f.sync_all().map_err(StoreError::io("sync", &tmp))?;
        fs::rename(&tmp, path).map_err(StoreError::io("rename into place", path))
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    sync_dir(path.parent());
    res
}

/// Reads a UTF-8 text state file, `Ok(None)` when it does not exist; a
/// symlink, FIFO or other non-regular file is refused (`read_regular`).
pub fn read_text(path: &Path) -> Result<Option<String>, StoreError> {
    match read_regular(path)? {
        Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            StoreError::Invalid(format!(
                "{} is not UTF-8 text; fix or remove it",
                path.display()
            ))
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_dir_with_modes_and_links() {
        let t = tempfile::tempdir().unwrap();
        let mut files = BTreeMap::new();
        files.insert(
            RelPath::new("SKILL.md").unwrap(),
            FileEntry::regular("hi\n"),
        );
        files.insert(
            RelPath::new("bin/run.sh").unwrap(),
            FileEntry {
                mode: FileMode::Executable,
                data: b"#!/bin/sh\n".to_vec(),
            },
        );
        files.insert(
            RelPath::new("bin/link").unwrap(),
            FileEntry {
                mode: FileMode::Symlink,
                data: b"run.sh".to_vec(),
            },
        );
        let c = Content::dir(files);
        let dest = t.path().join("skills/x");
        write_content(&dest, &c).unwrap();
        let back = read_content(&dest, Shape::Dir).unwrap().unwrap();
        assert_eq!(back, c);
        // Replacing leaves no temporary siblings behind.
        write_content(&dest, &c).unwrap();
        let names: Vec<_> = fs::read_dir(t.path().join("skills")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn escaping_symlink_is_refused_and_nothing_written() {
        let t = tempfile::tempdir().unwrap();
        let mut files = BTreeMap::new();
        files.insert(
            RelPath::new("evil").unwrap(),
            FileEntry {
                mode: FileMode::Symlink,
                data: b"../../etc/passwd".to_vec(),
            },
        );
        let dest = t.path().join("skills/x");
        assert!(write_content(&dest, &Content::dir(files)).is_err());
        assert!(!dest.exists());
    }

    #[test]
    fn exclusions_apply_when_reading() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("s/.git")).unwrap();
        fs::write(t.path().join("s/.git/HEAD"), "x").unwrap();
        fs::write(t.path().join("s/.DS_Store"), "x").unwrap();
        fs::write(t.path().join("s/.SKILL.md.swp"), "x").unwrap();
        fs::write(t.path().join("s/SKILL.md"), "x").unwrap();
        let c = read_content(&t.path().join("s"), Shape::Dir)
            .unwrap()
            .unwrap();
        assert_eq!(c.files.len(), 1);
    }

    fn ino(p: &Path) -> (u64, u64) {
        use std::os::unix::fs::MetadataExt;
        let m = fs::symlink_metadata(p).unwrap();
        (m.ino(), m.nlink())
    }

    fn skill(reference: &str) -> Content {
        let mut files = BTreeMap::new();
        files.insert(
            RelPath::new("SKILL.md").unwrap(),
            FileEntry::regular("hi\n"),
        );
        files.insert(
            RelPath::new("scripts/run.sh").unwrap(),
            FileEntry {
                mode: FileMode::Executable,
                data: b"#!/bin/sh\n".to_vec(),
            },
        );
        files.insert(
            RelPath::new("reference.md").unwrap(),
            FileEntry::regular(reference),
        );
        Content::dir(files)
    }

    #[test]
    fn unchanged_files_are_carried_over_and_changed_ones_written() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("skills/x");
        write_content(&dest, &skill("one\n")).unwrap();
        let (skill_md, run_sh) = (
            ino(&dest.join("SKILL.md")),
            ino(&dest.join("scripts/run.sh")),
        );
        let reference = ino(&dest.join("reference.md"));
        let new = skill("two\n");
        write_content(&dest, &new).unwrap();
        assert_eq!(read_content(&dest, Shape::Dir).unwrap().unwrap(), new);
        // The same files, each again linked from this artifact only.
        assert_eq!(ino(&dest.join("SKILL.md")), skill_md);
        assert_eq!(ino(&dest.join("scripts/run.sh")), run_sh);
        assert_ne!(ino(&dest.join("reference.md")).0, reference.0);
    }

    #[test]
    fn shared_or_redirected_files_are_written_not_linked() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("skills/x");
        write_content(&dest, &skill("one\n")).unwrap();
        // A file the user hard-linked elsewhere, and a subdirectory that is
        // a symlink to a directory outside the artifact.
        fs::hard_link(dest.join("SKILL.md"), t.path().join("elsewhere.md")).unwrap();
        let outside = t.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("run.sh"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(outside.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::remove_dir_all(dest.join("scripts")).unwrap();
        std::os::unix::fs::symlink(&outside, dest.join("scripts")).unwrap();
        let (shared, out) = (ino(&dest.join("SKILL.md")), ino(&outside.join("run.sh")));
        write_content(&dest, &skill("two\n")).unwrap();
        assert_eq!(
            read_content(&dest, Shape::Dir).unwrap().unwrap(),
            skill("two\n")
        );
        assert_ne!(ino(&dest.join("SKILL.md")).0, shared.0);
        assert_ne!(ino(&dest.join("scripts/run.sh")).0, out.0);
        // What lay outside is untouched and no longer shared.
        assert_eq!(ino(&t.path().join("elsewhere.md")), (shared.0, 1));
        assert_eq!(ino(&outside.join("run.sh")), out);
    }

    #[test]
    fn a_file_with_other_permissions_is_rewritten() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("skills/x");
        write_content(&dest, &skill("one\n")).unwrap();
        fs::set_permissions(dest.join("SKILL.md"), fs::Permissions::from_mode(0o600)).unwrap();
        let before = ino(&dest.join("SKILL.md"));
        write_content(&dest, &skill("one\n")).unwrap();
        assert_ne!(ino(&dest.join("SKILL.md")).0, before.0);
        let mode = fs::symlink_metadata(dest.join("SKILL.md"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
