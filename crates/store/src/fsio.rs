//! Reading artifact contents from disk and writing them back atomically.
//!
//! Reading applies the model's exclusion rule and records modes as git does
//! (owner exec bit → 100755, symlinks as 120000 with their target). Writing
//! builds the new artifact beside the old one and renames it into place, so
//! a reader sees the old or the new artifact, never a mix. Both go through
//! `beneath`: below a tier's root nothing is ever reached through a symlink,
//! and walks are iterative and bounded by the artifact limits.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use artisync_model::content::{blob_id, tree_id_of_paths};
use artisync_model::content::{MAX_BYTES, MAX_DEPTH, MAX_FILES};
use artisync_model::{
    check_entry_name, is_excluded, Content, FileEntry, FileMode, ModelError, ObjectId, RelPath,
    Shape,
};

use crate::beneath::{DirHandle, EntryKind};
pub use crate::readfile::{open_regular, read_regular};
use crate::statcache::{Stamp, StatCache};
use crate::StoreError;

/// Reads the artifact at `path`; `Ok(None)` when nothing is there. The
/// folder holding it is trusted; nothing below it is followed if it is a
/// symlink.
pub fn read_content(path: &Path, shape: Shape) -> Result<Option<Content>, StoreError> {
    let (root, rel) = split(path)?;
    let root = match DirHandle::open_root(root, false) {
        Ok(r) => r,
        Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    read_content_in(&root, &rel, shape)
}

/// A path as its folder (trusted) and its last component.
fn split(path: &Path) -> Result<(&Path, RelPath), StoreError> {
    let parent = path.parent().ok_or_else(|| {
        StoreError::Invalid(format!("{} has no parent directory", path.display()))
    })?;
    Ok((parent, file_name(path)?))
}

/// Where an artifact was found below its tier root.
enum Found {
    /// A single-file artifact: the folder holding it and its name.
    File(DirHandle, String),
    /// A folder artifact, opened.
    Dir(DirHandle),
}

/// Finds the artifact at `rel` below `root`; `Ok(None)` when nothing is
/// there, an error when what is there is not of the artifact's shape.
fn find(root: &DirHandle, rel: &RelPath, shape: Shape) -> Result<Option<Found>, StoreError> {
    let Some(parent) = root.open_dir_within(&rel.parent())? else {
        return Ok(None);
    };
    let name = rel.file_name();
    let Some(st) = parent.stat(name)? else {
        return Ok(None);
    };
    let want = match shape {
        Shape::File => EntryKind::File,
        Shape::Dir => EntryKind::Dir,
    };
    if st.kind != want {
        return Err(StoreError::UnsupportedFile {
            path: root.path().join(rel.as_str()),
            found: st.kind.name(),
        });
    }
    match shape {
        Shape::File => Ok(Some(Found::File(parent, name.to_string()))),
        Shape::Dir => Ok(parent.open_dir(&RelPath::new(name)?)?.map(Found::Dir)),
    }
}

/// Reads the artifact at `rel` below the tier root `root`; `Ok(None)` when
/// nothing is there. A symlink on the way, a FIFO or device inside, a name
/// artisync refuses, or more than the artifact limits is an error; the walk
/// is iterative and stops at the depth limit.
pub fn read_content_in(
    root: &DirHandle,
    rel: &RelPath,
    shape: Shape,
) -> Result<Option<Content>, StoreError> {
    match find(root, rel, shape)? {
        None => Ok(None),
        Some(Found::File(parent, name)) => {
            let (data, mode) = parent.read_file(&name, MAX_BYTES)?;
            Ok(Some(Content::file(
                RelPath::new(&name)?,
                entry_of(data, mode),
            )))
        }
        Some(Found::Dir(top)) => {
            let files = walk(
                &top,
                |dir, name, _, budget| {
                    let (data, mode) = dir.read_file(name, budget)?;
                    let size = data.len() as u64;
                    Ok((entry_of(data, mode), size))
                },
                |target| FileEntry {
                    mode: FileMode::Symlink,
                    data: target,
                },
            )?;
            Ok(Some(Content::dir(files)))
        }
    }
}

/// The hash of the artifact at `rel` below `root` (what
/// `read_content_in(..).hash()` returns, with the same checks), reading
/// only the files whose stat data `cache` does not know. Files deleted
/// since the last walk leave the cache.
pub fn hash_content_in(
    root: &DirHandle,
    rel: &RelPath,
    shape: Shape,
    cache: &StatCache,
) -> Result<Option<ObjectId>, StoreError> {
    // The id of one regular file, from the cache when its stamp matches.
    let file_id = |dir: &DirHandle, name: &str, key: &str, budget: u64| {
        if let Some(st) = dir.stat(name)? {
            if st.kind == EntryKind::File && st.size <= budget {
                if let Some(id) = cache.get(key, &Stamp::of(&st)) {
                    return Ok((id, st));
                }
            }
        }
        let (data, st) = dir.read_file_stat(name, budget)?;
        let id = blob_id(&data);
        cache.put(key, Stamp::of(&st), id);
        Ok::<_, StoreError>((id, st))
    };
    match find(root, rel, shape)? {
        None => Ok(None),
        Some(Found::File(parent, name)) => {
            Ok(Some(file_id(&parent, &name, rel.as_str(), MAX_BYTES)?.0))
        }
        Some(Found::Dir(top)) => {
            let leaves = walk(
                &top,
                |dir, name, path, budget| {
                    let key = format!("{rel}/{path}");
                    let (id, st) = file_id(dir, name, &key, budget)?;
                    let mode = if st.mode & 0o100 != 0 {
                        FileMode::Executable
                    } else {
                        FileMode::Regular
                    };
                    Ok(((mode, id), st.size))
                },
                |target| (FileMode::Symlink, blob_id(&target)),
            )?;
            cache.retain_below(rel.as_str(), &|key| {
                key.strip_prefix(rel.as_str())
                    .and_then(|k| k.strip_prefix('/'))
                    .and_then(|k| RelPath::new(k).ok())
                    .is_some_and(|k| leaves.contains_key(&k))
            });
            Ok(Some(tree_id_of_paths(
                leaves
                    .into_iter()
                    .map(|(path, (mode, id))| (path, mode.git_mode(), id)),
            )))
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

fn entry_of(data: Vec<u8>, mode: u32) -> FileEntry {
    let mode = if mode & 0o100 != 0 {
        FileMode::Executable
    } else {
        FileMode::Regular
    };
    FileEntry { mode, data }
}

/// Every file below `top`, depth first with an explicit stack: `file`
/// makes the leaf of a regular file (given its folder, its name, its path
/// below `top` and how many bytes the artifact may still hold, it returns
/// the leaf and the file's size), `link` that of a symlink (given its
/// target). Names, kinds, depth and the artifact limits are checked here,
/// whatever the leaves are.
fn walk<T>(
    top: &DirHandle,
    mut file: impl FnMut(&DirHandle, &str, &RelPath, u64) -> Result<(T, u64), StoreError>,
    link: impl Fn(Vec<u8>) -> T,
) -> Result<BTreeMap<RelPath, T>, StoreError> {
    let mut out = BTreeMap::new();
    let mut total = 0u64;
    let mut stack = vec![RelPath::root()];
    while let Some(rel) = stack.pop() {
        let Some(dir) = top.open_dir(&rel)? else {
            return Err(StoreError::Invalid(format!(
                "{} vanished while it was read; try again",
                top.path().join(rel.as_str()).display()
            )));
        };
        for (name, kind) in dir.entries()? {
            let shown = || top.path().join(rel.as_str()).join(OsStr::from_bytes(&name));
            let Ok(name) = std::str::from_utf8(&name) else {
                return Err(StoreError::Invalid(format!(
                    "{} has a file name that is not UTF-8; rename it",
                    shown().display()
                )));
            };
            if is_excluded(name) {
                continue;
            }
            check_entry_name(name).map_err(|why| {
                StoreError::Invalid(format!(
                    "{} has a name artisync cannot store ({why}); rename it",
                    shown().display()
                ))
            })?;
            let child = rel.child(name)?;
            if child.components().count() > MAX_DEPTH {
                return Err(StoreError::Invalid(format!(
                    "{} is nested more than {MAX_DEPTH} folders deep; artisync refuses artifacts that deep",
                    top.path().display()
                )));
            }
            match kind {
                EntryKind::Dir => stack.push(child),
                EntryKind::Symlink => {
                    let target = dir.read_link(name)?;
                    out.insert(child, link(target));
                }
                EntryKind::File => {
                    let (leaf, size) = file(&dir, name, &child, MAX_BYTES - total)?;
                    total += size;
                    out.insert(child, leaf);
                }
                EntryKind::Other(found) => {
                    return Err(StoreError::UnsupportedFile {
                        path: shown(),
                        found,
                    })
                }
            }
            if out.len() > MAX_FILES {
                return Err(StoreError::Model(ModelError::TooLarge(format!(
                    "{} holds more than {MAX_FILES} files",
                    top.path().display()
                ))));
            }
        }
    }
    Ok(out)
}

pub(crate) fn unique_suffix() -> String {
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

/// The name of a temporary sibling of `name`; `remove_leftovers` knows
/// them by their prefix.
fn sibling_name(name: &str, tag: &str) -> String {
    format!(".{name}.artisync-{tag}-{}", unique_suffix())
}

fn sibling(dest: &Path, tag: &str) -> Result<PathBuf, StoreError> {
    let parent = dest.parent().ok_or_else(|| {
        StoreError::Invalid(format!("{} has no parent directory", dest.display()))
    })?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    Ok(parent.join(sibling_name(&name, tag)))
}

fn mode_bits(mode: FileMode) -> u32 {
    if mode == FileMode::Executable {
        0o755
    } else {
        0o644
    }
}

/// Writes one entry as the new name `name` in `dir`, without syncing it:
/// the writer makes the whole new tree durable at once before the swap.
fn write_entry(dir: &DirHandle, name: &str, entry: &FileEntry) -> Result<(), StoreError> {
    match entry.mode {
        FileMode::Symlink => dir.symlink(&entry.data, name),
        FileMode::Regular | FileMode::Executable => {
            dir.create_file(name, &entry.data, mode_bits(entry.mode), false)
        }
    }
}

/// Writes `content` at `dest`, replacing what is there (see
/// `write_content_in`); the folder holding `dest` is trusted.
pub fn write_content(dest: &Path, content: &Content) -> Result<(), StoreError> {
    let (root, rel) = split(dest)?;
    std::fs::create_dir_all(root).map_err(StoreError::io("create directory", root))?;
    let root = DirHandle::open_root(root, false)?;
    write_content_in(&root, &rel, content, None).map(|_| ())
}

/// Writes `content` at `rel` below the tier root `root`, replacing what is
/// there, atomically per artifact: the new content is built beside the old
/// one and swapped in with one rename. Nothing is followed on the way: a
/// symlink between `root` and the artifact is an error, and links inside
/// the artifact are checked (`Content::check`) before anything is written.
///
/// `expected` is what the caller read (and stored) as the previous content.
/// If what the swap actually replaced differs from it (an edit made while
/// the write ran), that content is returned, so that the caller keeps it
/// where undo can bring it back. An error means nothing was replaced.
pub fn write_content_in(
    root: &DirHandle,
    rel: &RelPath,
    content: &Content,
    expected: Option<&Content>,
) -> Result<Option<Content>, StoreError> {
    let mut p = prepare_in(root, rel, content)?;
    if let Err(e) = sync_prepared(std::slice::from_ref(&p)) {
        p.discard();
        return Err(e);
    }
    let replaced = p.swap(expected);
    let _ = p.parent.sync();
    replaced
}

/// Writes several artifacts below `root` as `write_content_in` writes one,
/// with one flush for all of them: every new tree is built, then all are
/// made durable together (`sync_prepared`), then each is swapped in and
/// each folder holding them is synced once. A failure before the first
/// swap leaves nothing written; a failed swap leaves the artifacts before
/// it written and the rest untouched. Returns, per artifact, what its swap
/// replaced (`None` when there was nothing).
pub fn write_contents_in(
    root: &DirHandle,
    items: &[(RelPath, &Content)],
) -> Result<Vec<Option<Content>>, StoreError> {
    let mut prepared: Vec<Prepared> = Vec::new();
    let discard = |ps: &mut [Prepared]| ps.iter_mut().for_each(Prepared::discard);
    for (rel, content) in items {
        remove_leftovers_in(root, rel);
        match prepare_in(root, rel, content) {
            Ok(p) => prepared.push(p),
            Err(e) => {
                discard(&mut prepared);
                return Err(e);
            }
        }
    }
    if let Err(e) = sync_prepared(&prepared) {
        discard(&mut prepared);
        return Err(e);
    }
    let mut out = Vec::new();
    for i in 0..prepared.len() {
        // Nothing was expected: whatever a swap replaced is returned.
        match prepared[i].swap(None) {
            Ok(r) => out.push(r),
            Err(e) => {
                discard(&mut prepared[i..]);
                sync_parents(&prepared[..i]);
                return Err(e);
            }
        }
    }
    sync_parents(&prepared);
    Ok(out)
}

/// An artifact built beside its destination, not yet visible there (see
/// `prepare_in`).
pub struct Prepared {
    parent: DirHandle,
    tmp: String,
    name: String,
    shape: Shape,
    done: bool,
}

/// Builds `content` beside `rel` below `root`, without syncing it and
/// without touching what is at `rel`: the first half of
/// `write_content_in`, for a writer that makes many new artifacts durable
/// with one `sync_prepared` before it swaps each in (`Prepared::swap`).
/// Whatever is not swapped in must be discarded (`Prepared::discard`).
pub fn prepare_in(
    root: &DirHandle,
    rel: &RelPath,
    content: &Content,
) -> Result<Prepared, StoreError> {
    content.check()?;
    if rel.is_root() {
        return Err(StoreError::Invalid(
            "an artifact cannot be a tier's root".into(),
        ));
    }
    let name = rel.file_name();
    // A single-file artifact is exactly one regular file.
    let single = match content.shape {
        Shape::Dir => None,
        Shape::File => match content.files.values().next() {
            Some(e) if e.mode != FileMode::Symlink => Some(e),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "{} would be a symlink or empty; single-file artifacts must be regular files",
                    root.path().join(rel.as_str()).display()
                )))
            }
        },
    };
    let parent = root.create_dirs_within(&rel.parent())?;
    let tmp = sibling_name(name, "new");
    let built = match single {
        Some(entry) => write_entry(&parent, &tmp, entry),
        None => build_dir(&parent, name, &tmp, content),
    };
    if let Err(e) = built {
        let _ = parent.remove(&tmp);
        return Err(e);
    }
    Ok(Prepared {
        parent,
        tmp,
        name: name.to_string(),
        shape: content.shape,
        done: false,
    })
}

/// Makes every prepared artifact durable before any becomes visible, or a
/// power cut could leave a new name with empty files. One flush per file
/// system covers every file and folder just written (as git's
/// core.fsyncMethod=batch does), instead of an fsync per file; each swap
/// is then made durable by syncing the folder that holds it.
pub fn sync_prepared(prepared: &[Prepared]) -> Result<(), StoreError> {
    let mut done: Vec<u64> = Vec::new();
    for p in prepared {
        let dev = p.parent.lstat(".")?.map(|st| st.st_dev);
        if dev.is_some_and(|d| done.contains(&d)) {
            continue;
        }
        p.parent.sync_filesystem()?;
        done.extend(dev);
    }
    Ok(())
}

/// Syncs each folder that holds one of `prepared` once, making their swaps
/// durable. Best effort, as after any swap: the write has happened.
pub fn sync_parents(prepared: &[Prepared]) {
    let mut done: Vec<(u64, u64)> = Vec::new();
    for p in prepared {
        let key = p
            .parent
            .lstat(".")
            .ok()
            .flatten()
            .map(|st| (st.st_dev, st.st_ino));
        if key.is_some_and(|k| done.contains(&k)) {
            continue;
        }
        let _ = p.parent.sync();
        done.extend(key);
    }
}

impl Prepared {
    /// Puts the prepared artifact in place, replacing what is there, and
    /// returns what it replaced when that differs from `expected` (see
    /// `write_content_in`). The folder holding it is not synced (see
    /// `sync_parents`). An error means nothing was replaced.
    pub fn swap(&mut self, expected: Option<&Content>) -> Result<Option<Content>, StoreError> {
        if self.done {
            return Err(StoreError::Invalid(format!(
                "{} was already swapped in or discarded",
                self.name
            )));
        }
        let existed = match self.parent.stat(&self.name) {
            Ok(st) => st.is_some(),
            Err(e) => {
                self.discard();
                return Err(e);
            }
        };
        if let Err(e) = swap_in(&self.parent, &mut self.tmp, &self.name, existed) {
            self.discard();
            return Err(e);
        }
        self.done = true;
        // The write has happened; from here on only cleanup remains. `tmp`
        // now names what was replaced.
        let replaced = if existed {
            read_replaced(&self.parent, &self.tmp, &self.name, self.shape)
        } else {
            Ok(None)
        };
        let _ = self.parent.remove(&self.tmp);
        Ok(differs(replaced, expected))
    }

    /// Removes the prepared tree unless it was swapped in.
    pub fn discard(&mut self) {
        if !self.done {
            let _ = self.parent.remove(&self.tmp);
            self.done = true;
        }
    }
}

/// Puts `tmp` in place of `name`: one exchange when `name` exists (after
/// which `tmp` names the old content), one no-replace rename when it does
/// not. Where exchange is unsupported the old content is moved aside first
/// and `tmp` is set to its name.
fn swap_in(
    parent: &DirHandle,
    tmp: &mut String,
    name: &str,
    existed: bool,
) -> Result<(), StoreError> {
    if !existed {
        return parent.rename(tmp, name, false);
    }
    if parent.exchange(tmp, name)? {
        return Ok(());
    }
    let aside = sibling_name(name, "old");
    parent.rename(name, &aside, false)?;
    if let Err(e) = parent.rename(tmp, name, false) {
        let _ = parent.rename(&aside, name, false);
        return Err(e);
    }
    let _ = parent.remove(tmp);
    *tmp = aside;
    Ok(())
}

/// Reads what a write replaced (now at `tmp`) as content named `name`.
fn read_replaced(
    parent: &DirHandle,
    tmp: &str,
    name: &str,
    shape: Shape,
) -> Result<Option<Content>, StoreError> {
    let old = read_content_in(parent, &RelPath::new(tmp)?, shape)?;
    Ok(old.map(|mut c| {
        if c.shape == Shape::File {
            if let (Some(entry), Ok(key)) = (c.files.values().next().cloned(), RelPath::new(name)) {
                c = Content::file(key, entry);
            }
        }
        c
    }))
}

/// The replaced content when it is not what the caller expected to
/// replace. Content that could not even be read (it became a FIFO or a
/// link while the write ran) cannot be kept and is not reported.
fn differs(
    replaced: Result<Option<Content>, StoreError>,
    expected: Option<&Content>,
) -> Option<Content> {
    match replaced {
        Ok(Some(old)) if expected.map(Content::hash) != Some(old.hash()) => Some(old),
        _ => None,
    }
}

fn build_dir(
    parent: &DirHandle,
    name: &str,
    tmp: &str,
    content: &Content,
) -> Result<(), StoreError> {
    parent.mkdir(tmp)?;
    let tmp_rel = RelPath::new(tmp)?;
    let top = parent
        .open_dir(&tmp_rel)?
        .ok_or_else(|| StoreError::Invalid(format!("{tmp} vanished while it was written")))?;
    let old = match parent.stat(name)? {
        Some(st) if st.kind == EntryKind::Dir => parent.open_dir(&RelPath::new(name)?)?,
        _ => None,
    };
    // Files come sorted by path, so files of one folder come together: keep
    // that folder open instead of holding one handle per folder.
    let mut current: Option<(RelPath, DirHandle)> = None;
    for (rel, entry) in &content.files {
        let dir_rel = rel.parent();
        if current.as_ref().is_none_or(|(r, _)| *r != dir_rel) {
            current = Some((dir_rel.clone(), top.create_dirs(&dir_rel)?));
        }
        let Some((_, dir)) = &current else { continue };
        let fname = rel.file_name();
        if let Some(old) = &old {
            if link_unchanged(old, rel, entry, dir)? {
                continue;
            }
        }
        write_entry(dir, fname, entry)?;
    }
    Ok(())
}

/// Hard-links the old artifact's file at `rel` into the new tree when it
/// already holds exactly `entry` (same bytes, same permission bits), instead
/// of writing a copy: after the swap the old name is removed, so the file is
/// again this artifact's alone, and a sync that changes one file of a skill
/// creates one file, not all of them. Only plain files that no other path
/// shares, reached through real directories inside the old artifact, are
/// linked; in every other case (or if linking fails) the caller writes the
/// file. Returns whether it linked.
fn link_unchanged(
    old: &DirHandle,
    rel: &RelPath,
    entry: &FileEntry,
    new_dir: &DirHandle,
) -> Result<bool, StoreError> {
    if entry.mode == FileMode::Symlink {
        return Ok(false);
    }
    let want_mode = mode_bits(entry.mode);
    let Ok(Some(old_dir)) = old.open_dir(&rel.parent()) else {
        return Ok(false);
    };
    let name = rel.file_name();
    let Ok(Some(m)) = old_dir.stat(name) else {
        return Ok(false);
    };
    if m.kind != EntryKind::File
        || m.nlink != 1
        || m.size != entry.data.len() as u64
        || m.mode != want_mode
    {
        return Ok(false);
    }
    if old_dir
        .read_file(name, m.size)
        .map_or(true, |(bytes, _)| bytes != entry.data)
    {
        return Ok(false);
    }
    if new_dir.link_from(&old_dir, name, name).is_err() {
        return Ok(false);
    }
    // Linked the file that was checked, not one renamed over it since.
    // Otherwise unlink it again, so that the write does not go through it.
    if new_dir
        .stat(name)?
        .is_some_and(|n| n.dev == m.dev && n.ino == m.ino)
    {
        return Ok(true);
    }
    new_dir.remove(name)?;
    Ok(false)
}

/// Removes what an interrupted write of `dest` left beside it. Callers hold
/// the artifact's lock, so no other writer is using these.
pub fn remove_leftovers(dest: &Path) {
    let Ok((root, rel)) = split(dest) else { return };
    if let Ok(root) = DirHandle::open_root(root, false) {
        remove_leftovers_in(&root, &rel);
    }
}

/// `remove_leftovers` for the artifact at `rel` below `root`.
pub fn remove_leftovers_in(root: &DirHandle, rel: &RelPath) {
    let Ok(Some(parent)) = root.open_dir_within(&rel.parent()) else {
        return;
    };
    let prefix = format!(".{}.artisync-", rel.file_name());
    let Ok(entries) = parent.entries() else {
        return;
    };
    for (n, _) in entries {
        if n.starts_with(prefix.as_bytes()) {
            if let Ok(n) = std::str::from_utf8(&n) {
                let _ = parent.remove(n);
            }
        }
    }
}

/// Writes `content` at `rel` below `root` (or with `None` removes what is
/// there) after clearing what a killed write left beside it; see
/// `write_content_in` for `expected` and what is returned.
pub fn put_in(
    root: &DirHandle,
    rel: &RelPath,
    content: Option<&Content>,
    expected: Option<&Content>,
    shape: Shape,
) -> Result<Option<Content>, StoreError> {
    remove_leftovers_in(root, rel);
    match content {
        Some(c) => write_content_in(root, rel, c, expected),
        None => remove_content_in(root, rel, expected, shape),
    }
}

/// Removes the artifact at `rel` below `root` (a directory or a file),
/// atomically: it is renamed aside first, then deleted. Returns what was
/// removed when it differs from `expected` (see `write_content_in`).
pub fn remove_content_in(
    root: &DirHandle,
    rel: &RelPath,
    expected: Option<&Content>,
    shape: Shape,
) -> Result<Option<Content>, StoreError> {
    let Some(parent) = root.open_dir_within(&rel.parent())? else {
        return Ok(None);
    };
    let name = rel.file_name();
    if parent.stat(name)?.is_none() {
        return Ok(None);
    }
    let aside = sibling_name(name, "old");
    parent.rename(name, &aside, false)?;
    let replaced = read_replaced(&parent, &aside, name, shape);
    let _ = parent.remove(&aside);
    let _ = parent.sync();
    Ok(differs(replaced, expected))
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

/// Writes the file at `rel` below `root` atomically (write beside, sync,
/// rename), never through a symlink.
pub fn write_file_atomic_in(
    root: &DirHandle,
    rel: &RelPath,
    data: &[u8],
) -> Result<(), StoreError> {
    let parent = root.create_dirs_within(&rel.parent())?;
    let name = rel.file_name();
    let tmp = sibling_name(name, "tmp");
    let res = parent
        .create_file(&tmp, data, 0o644, true)
        .and_then(|()| parent.rename(&tmp, name, true));
    if res.is_err() {
        let _ = parent.remove(&tmp);
    }
    let _ = parent.sync();
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
    use std::os::unix::fs::PermissionsExt;

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

    #[test]
    fn a_folder_thousands_of_levels_deep_is_refused_without_recursion() {
        let t = tempfile::tempdir().unwrap();
        let skill = t.path().join("skill");
        fs::create_dir(&skill).unwrap();
        fs::write(skill.join("SKILL.md"), "x\n").unwrap();
        // Deeper than PATH_MAX allows to name: made one level at a time.
        let mut dir = DirHandle::open_root(&skill, false).unwrap();
        let d = RelPath::new("d").unwrap();
        for _ in 0..20_000 {
            dir = dir.create_dirs(&d).unwrap();
        }
        dir.create_file("deepest", b"x", 0o644, false).unwrap();
        let res = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || read_content(&skill, Shape::Dir).map(|_| ()))
            .unwrap()
            .join()
            .unwrap();
        let err = res.unwrap_err().to_string();
        assert!(err.contains("deep"), "{err}");
        // Removing it is iterative too (the test's own cleanup would
        // otherwise have to cope with it).
        let root = DirHandle::open_root(t.path(), false).unwrap();
        root.remove("skill").unwrap();
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 0);
    }

    #[test]
    fn writing_through_a_symlinked_folder_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let project = t.path().join("project");
        let outside = t.path().join("outside");
        fs::create_dir_all(project.join(".claude")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, project.join(".claude/skills")).unwrap();
        let root = DirHandle::open_root(&project, false).unwrap();
        let rel = RelPath::new(".claude/skills/x").unwrap();
        let err = write_content_in(&root, &rel, &skill("one\n"), None).unwrap_err();
        assert!(matches!(err, StoreError::SymlinkInPath { .. }), "{err}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // A link that stays inside the project is followed.
        fs::remove_file(project.join(".claude/skills")).unwrap();
        fs::create_dir_all(project.join("shared/skills")).unwrap();
        std::os::unix::fs::symlink("../shared/skills", project.join(".claude/skills")).unwrap();
        write_content_in(&root, &rel, &skill("one\n"), None).unwrap();
        assert!(project.join("shared/skills/x/SKILL.md").is_file());
        assert_eq!(
            read_content_in(&root, &rel, Shape::Dir).unwrap().unwrap(),
            skill("one\n")
        );
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
