//! Filesystem access below a directory handle that never follows a symlink.
//!
//! Every read and write of an artifact starts from the root of its tier (a
//! project folder, the collection folder), opened once by its trusted path,
//! and reaches everything below it relative to that handle with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, `mkdirat`, `linkat`,
//! `unlinkat` and `renameat2`. A symlink met on the way (`.claude` swapped
//! for a link, a crafted link inside an artifact, a folder replaced while a
//! write runs) is an error, never a path to follow, so nothing here can read
//! or write outside the root it was given. Walks are iterative.
//!
//! This module must never take a path below the root as a plain `Path`.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use artisync_model::RelPath;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, ResolveFlags};
use rustix::io::Errno;

use crate::StoreError;

/// Inside an artifact: no symlink is followed, and nothing above the
/// handle is reached.
const STRICT: ResolveFlags = ResolveFlags::BENEATH
    .union(ResolveFlags::NO_SYMLINKS)
    .union(ResolveFlags::NO_MAGICLINKS);
/// Between a tier's root and an artifact: links are followed only while
/// the kernel resolves them below the handle (no absolute link, no `..`
/// above it), checked atomically as the path is walked.
const WITHIN: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);
/// For a tier's root, from `/`: no symlink anywhere on the path.
const NO_LINKS_AT_ALL: ResolveFlags = ResolveFlags::NO_SYMLINKS.union(ResolveFlags::NO_MAGICLINKS);
/// `remove` names folders by their path below the handle; deeper than
/// this, a folder is first moved up, so paths stay short whatever the depth.
const FLATTEN_AT: usize = 64;

/// An open folder, with the path it was reached by (for messages only).
pub struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
}

/// What `stat` tells about one name in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryStat {
    pub kind: EntryKind,
    pub mode: u32,
    pub size: u64,
    pub nlink: u64,
    pub dev: u64,
    pub ino: u64,
    /// Last modification and last status change, as (seconds, nanoseconds)
    /// since the epoch: with the rest, what the stat cache compares.
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
}

impl EntryStat {
    fn of(st: &rustix::fs::Stat) -> EntryStat {
        EntryStat {
            kind: kind_of(FileType::from_raw_mode(st.st_mode)),
            mode: st.st_mode & 0o7777,
            size: st.st_size as u64,
            nlink: st.st_nlink,
            dev: st.st_dev,
            ino: st.st_ino,
            mtime: (st.st_mtime, st.st_mtime_nsec as u32),
            ctime: (st.st_ctime, st.st_ctime_nsec as u32),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device: never part of an artifact.
    Other(&'static str),
}

impl EntryKind {
    /// What this is called in an error message.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "directory",
            EntryKind::Symlink => "symlink",
            EntryKind::Other(what) => what,
        }
    }
}

fn kind_of(ft: FileType) -> EntryKind {
    match ft {
        FileType::RegularFile => EntryKind::File,
        FileType::Directory => EntryKind::Dir,
        FileType::Symlink => EntryKind::Symlink,
        FileType::Fifo => EntryKind::Other("FIFO (named pipe)"),
        FileType::Socket => EntryKind::Other("socket"),
        FileType::CharacterDevice | FileType::BlockDevice => EntryKind::Other("device file"),
        FileType::Unknown => EntryKind::Other("file of unknown type"),
    }
}

/// Absolute, without `..` (`Path` already reads `a/./b` and `a//b` as
/// `a/b`, as path comparison does).
fn is_plain_absolute(path: &Path) -> bool {
    use std::path::Component;
    path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

fn io_err(action: &'static str, path: PathBuf, e: Errno) -> StoreError {
    match e {
        // openat2 says ELOOP for a symlink met with RESOLVE_NO_SYMLINKS (and
        // O_NOFOLLOW on the last name), EXDEV for an escape or a mount point.
        Errno::LOOP | Errno::XDEV => StoreError::SymlinkInPath { path },
        _ => StoreError::Io {
            action,
            path,
            source: e.into(),
        },
    }
}

impl DirHandle {
    /// Opens the root of a tier by its path. The root itself is trusted
    /// (canonical, validated by the caller); everything below it is not.
    /// With `expect_canonical`, refuses a root whose path no longer leads to
    /// itself without symlinks (a folder swapped for a link since it was
    /// validated).
    pub fn open_root(path: &Path, expect_canonical: bool) -> Result<DirHandle, StoreError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        let fd = if expect_canonical {
            // An absolute path without `.` or `..` that the kernel resolves
            // without meeting a symlink is its own canonical path: one
            // openat2 checks that and opens the folder atomically.
            if !is_plain_absolute(path) {
                return Err(StoreError::SymlinkInPath {
                    path: path.to_path_buf(),
                });
            }
            rustix::fs::openat2(rustix::fs::CWD, path, flags, Mode::empty(), NO_LINKS_AT_ALL)
        } else {
            rustix::fs::open(path, flags, Mode::empty())
        }
        .map_err(|e| io_err("open", path.to_path_buf(), e))?;
        Ok(DirHandle {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// Whether `path` is an absolute path to a folder, reached without any
    /// symlink and without `.` or `..`: its own canonical path. Cheaper
    /// than `canonicalize`, which reads every component as a link.
    pub fn is_canonical_dir(path: &Path) -> bool {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        is_plain_absolute(path)
            && rustix::fs::openat2(rustix::fs::CWD, path, flags, Mode::empty(), NO_LINKS_AT_ALL)
                .is_ok()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn child_path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    /// Opens the folder at `rel` below this one, following no symlink at
    /// all (for paths inside an artifact); `Ok(None)` when it (or a folder
    /// on the way) does not exist.
    pub fn open_dir(&self, rel: &RelPath) -> Result<Option<DirHandle>, StoreError> {
        self.open_with(rel, STRICT)
    }

    /// Opens the folder at `rel` below this one, following only symlinks
    /// that the kernel resolves without leaving this folder (for the path
    /// from a tier's root to an artifact, such as a project's `.claude`
    /// linked to another folder of the same project).
    pub fn open_dir_within(&self, rel: &RelPath) -> Result<Option<DirHandle>, StoreError> {
        self.open_with(rel, WITHIN)
    }

    fn open_with(
        &self,
        rel: &RelPath,
        resolve: ResolveFlags,
    ) -> Result<Option<DirHandle>, StoreError> {
        if rel.is_root() {
            return self.dup().map(Some);
        }
        let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        if resolve.contains(ResolveFlags::NO_SYMLINKS) {
            flags |= OFlags::NOFOLLOW;
        }
        match rustix::fs::openat2(&self.fd, rel.as_str(), flags, Mode::empty(), resolve) {
            Ok(fd) => Ok(Some(DirHandle {
                fd,
                path: self.child_path(rel.as_str()),
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::NOTDIR) => Err(StoreError::NotADirectory {
                path: self.child_path(rel.as_str()),
            }),
            Err(e) => Err(io_err("open", self.child_path(rel.as_str()), e)),
        }
    }

    fn dup(&self) -> Result<DirHandle, StoreError> {
        let fd = self
            .fd
            .try_clone()
            .map_err(StoreError::io("open", &self.path))?;
        Ok(DirHandle {
            fd,
            path: self.path.clone(),
        })
    }

    /// Opens the folder at `rel`, creating each missing folder on the way
    /// (mode 0755) with `mkdirat`; a symlink on the way is an error.
    pub fn create_dirs(&self, rel: &RelPath) -> Result<DirHandle, StoreError> {
        self.create_with(rel, STRICT)
    }

    /// `create_dirs` for the path from a tier's root to an artifact: a
    /// symlink on the way is followed only while it stays below this
    /// folder (see `open_dir_within`).
    pub fn create_dirs_within(&self, rel: &RelPath) -> Result<DirHandle, StoreError> {
        self.create_with(rel, WITHIN)
    }

    fn create_with(&self, rel: &RelPath, resolve: ResolveFlags) -> Result<DirHandle, StoreError> {
        let mut dir = self.dup()?;
        let mut prefix = RelPath::root();
        for comp in rel.components() {
            // mkdirat never follows its last name: an existing link there is
            // EEXIST, and the open below decides whether it may be followed.
            match rustix::fs::mkdirat(&dir.fd, comp, Mode::from_raw_mode(0o755)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(io_err("create directory", dir.child_path(comp), e)),
            }
            prefix = prefix.join_str(comp)?;
            // Opened from the root each time, so that a link is judged
            // against the root and not against the folder it sits in.
            dir = self
                .open_with(&prefix, resolve)?
                .ok_or_else(|| StoreError::Io {
                    action: "open",
                    path: self.child_path(prefix.as_str()),
                    source: std::io::ErrorKind::NotFound.into(),
                })?;
        }
        Ok(dir)
    }

    /// What `name` (one component) is, without following a symlink.
    pub fn stat(&self, name: &str) -> Result<Option<EntryStat>, StoreError> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(EntryStat::of(&st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(io_err("read", self.child_path(name), e)),
        }
    }

    /// Everything `lstat` says of `name` (one component), for callers that
    /// record it, as git's index does; `None` when absent.
    pub fn lstat(&self, name: &str) -> Result<Option<rustix::fs::Stat>, StoreError> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(io_err("read", self.child_path(name), e)),
        }
    }

    /// The names in this folder (not `.` and `..`), with their types. Read
    /// from the handle itself (rewound first), not from a second open of
    /// the folder: a handle is used by one thread at a time.
    pub fn entries(&self) -> Result<Vec<(Vec<u8>, EntryKind)>, StoreError> {
        let err = |e| io_err("read directory", self.path.clone(), e);
        rustix::fs::seek(&self.fd, rustix::fs::SeekFrom::Start(0)).map_err(err)?;
        let mut buf = Vec::with_capacity(16 * 1024);
        let mut dir = rustix::fs::RawDir::new(&self.fd, buf.spare_capacity_mut());
        let mut out = Vec::new();
        while let Some(entry) = dir.next() {
            let entry = entry.map_err(err)?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = name.to_vec();
            let kind = match entry.file_type() {
                FileType::Unknown => {
                    match rustix::fs::statat(
                        &self.fd,
                        OsStr::from_bytes(&name),
                        AtFlags::SYMLINK_NOFOLLOW,
                    ) {
                        Ok(st) => kind_of(FileType::from_raw_mode(st.st_mode)),
                        Err(Errno::NOENT) => continue,
                        Err(e) => return Err(err(e)),
                    }
                }
                ft => kind_of(ft),
            };
            out.push((name, kind));
        }
        Ok(out)
    }

    /// Reads the regular file `name` (one component) and its permission
    /// bits. A symlink, FIFO or device is refused without opening it for
    /// reading, so a FIFO cannot block the read.
    pub fn read_file(&self, name: &str, limit: u64) -> Result<(Vec<u8>, u32), StoreError> {
        self.read_file_stat(name, limit)
            .map(|(data, st)| (data, st.mode))
    }

    /// `read_file`, with what `fstat` said of the open file before it was
    /// read (for the stat cache: a change during the read moves its times).
    pub fn read_file_stat(
        &self,
        name: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, EntryStat), StoreError> {
        let path = || self.child_path(name);
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK;
        let fd = rustix::fs::openat2(&self.fd, name, flags, Mode::empty(), STRICT)
            .map_err(|e| io_err("read", path(), e))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| io_err("read", path(), e))?;
        let kind = kind_of(FileType::from_raw_mode(st.st_mode));
        if kind != EntryKind::File {
            return Err(StoreError::UnsupportedFile {
                path: path(),
                found: kind.name(),
            });
        }
        if st.st_size as u64 > limit {
            return Err(StoreError::Invalid(format!(
                "{} is {} bytes, more than the {limit} artisync accepts in one artifact",
                path().display(),
                st.st_size
            )));
        }
        let mut data = Vec::with_capacity(st.st_size as usize);
        // Read at most one byte past the limit: a file growing while it is
        // read cannot make us hold more than that.
        std::fs::File::from(fd)
            .take(limit.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(StoreError::io("read", path()))?;
        if data.len() as u64 > limit {
            return Err(StoreError::Invalid(format!(
                "{} grew past the {limit} bytes artisync accepts while it was read",
                path().display()
            )));
        }
        Ok((data, EntryStat::of(&st)))
    }

    /// The target of the symlink `name`.
    pub fn read_link(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        rustix::fs::readlinkat(&self.fd, name, Vec::new())
            .map(|c| c.into_bytes())
            .map_err(|e| io_err("read link", self.child_path(name), e))
    }

    /// Creates the new file `name` (it must not exist) holding `data` with
    /// permission bits `mode`, synced to disk when `durable`.
    pub fn create_file(
        &self,
        name: &str,
        data: &[u8],
        mode: u32,
        durable: bool,
    ) -> Result<(), StoreError> {
        let path = || self.child_path(name);
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat2(&self.fd, name, flags, Mode::from_raw_mode(mode), STRICT)
            .map_err(|e| io_err("create", path(), e))?;
        // The umask may have taken bits away; the artifact's mode is exact.
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
            .map_err(|e| io_err("set permissions on", path(), e))?;
        let mut f = std::fs::File::from(fd);
        f.write_all(data).map_err(StoreError::io("write", path()))?;
        if durable {
            f.sync_all().map_err(StoreError::io("sync", path()))?;
        }
        Ok(())
    }

    /// Creates the symlink `name` pointing at `target` (never followed).
    pub fn symlink(&self, target: &[u8], name: &str) -> Result<(), StoreError> {
        rustix::fs::symlinkat(OsStr::from_bytes(target), &self.fd, name)
            .map_err(|e| io_err("create symlink", self.child_path(name), e))
    }

    /// Creates the folder `name` (it must not exist).
    pub fn mkdir(&self, name: &str) -> Result<(), StoreError> {
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o755))
            .map_err(|e| io_err("create directory", self.child_path(name), e))
    }

    /// Hard-links `from_dir/from` as `name` here; a symlink is linked as
    /// itself, never followed.
    pub fn link_from(
        &self,
        from_dir: &DirHandle,
        from: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        rustix::fs::linkat(&from_dir.fd, from, &self.fd, name, AtFlags::empty())
            .map_err(|e| io_err("link", self.child_path(name), e))
    }

    /// Swaps the names `a` and `b` in one atomic step. `Ok(false)` when the
    /// filesystem cannot exchange.
    pub fn exchange(&self, a: &str, b: &str) -> Result<bool, StoreError> {
        match rustix::fs::renameat_with(&self.fd, a, &self.fd, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(Errno::INVAL) | Err(Errno::NOSYS) | Err(Errno::OPNOTSUPP) => Ok(false),
            Err(e) => Err(io_err("rename into place", self.child_path(b), e)),
        }
    }

    /// Renames `from` to `to`; with `replace` false, fails if `to` exists.
    pub fn rename(&self, from: &str, to: &str, replace: bool) -> Result<(), StoreError> {
        let flags = if replace {
            RenameFlags::empty()
        } else {
            RenameFlags::NOREPLACE
        };
        let res = match rustix::fs::renameat_with(&self.fd, from, &self.fd, to, flags) {
            Err(Errno::INVAL) if !replace => {
                // No RENAME_NOREPLACE on this filesystem: check, then rename.
                if self.stat(to)?.is_some() {
                    Err(Errno::EXIST)
                } else {
                    rustix::fs::renameat(&self.fd, from, &self.fd, to)
                }
            }
            r => r,
        };
        res.map_err(|e| io_err("rename into place", self.child_path(to), e))
    }

    /// Removes `name`: a file or link with `unlinkat`, a folder with
    /// everything below it, depth first with an explicit stack (never
    /// recursion, never following a link, and however deep the folder is).
    /// Missing is fine.
    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        let Some(st) = self.stat(name)? else {
            return Ok(());
        };
        if st.kind != EntryKind::Dir {
            return rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())
                .map_err(|e| io_err("remove", self.child_path(name), e));
        }
        // (folder below this one, whether its children were already pushed);
        // paths are bytes, so names that are not UTF-8 are removed too.
        let mut stack: Vec<(Vec<u8>, bool)> = vec![(name.as_bytes().to_vec(), false)];
        let mut moved = 0u64;
        while let Some((rel, expanded)) = stack.pop() {
            let shown = || self.child_path(&String::from_utf8_lossy(&rel));
            if expanded {
                match rustix::fs::unlinkat(&self.fd, OsStr::from_bytes(&rel), AtFlags::REMOVEDIR) {
                    Ok(()) | Err(Errno::NOENT) => {}
                    Err(e) => return Err(io_err("remove", shown(), e)),
                }
                continue;
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
            let fd = match rustix::fs::openat2(
                &self.fd,
                OsStr::from_bytes(&rel),
                flags,
                Mode::empty(),
                STRICT,
            ) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => continue,
                Err(e) => return Err(io_err("remove", shown(), e)),
            };
            let dir = DirHandle { fd, path: shown() };
            stack.push((rel.clone(), true));
            let depth = rel.iter().filter(|b| **b == b'/').count();
            for (child, kind) in dir.entries()? {
                if kind == EntryKind::Dir && depth >= FLATTEN_AT {
                    // Too deep to name by a path from here: move it up
                    // beside `name` (under a name remove_leftovers knows)
                    // and remove it from there.
                    moved += 1;
                    let up = format!(".{name}.artisync-rm-{moved}-{}", std::process::id());
                    rustix::fs::renameat(&dir.fd, OsStr::from_bytes(&child), &self.fd, up.as_str())
                        .map_err(|e| io_err("remove", self.child_path(&up), e))?;
                    stack.push((up.into_bytes(), false));
                } else if kind == EntryKind::Dir {
                    let mut sub = rel.clone();
                    sub.push(b'/');
                    sub.extend_from_slice(&child);
                    stack.push((sub, false));
                } else {
                    match rustix::fs::unlinkat(&dir.fd, OsStr::from_bytes(&child), AtFlags::empty())
                    {
                        Ok(()) | Err(Errno::NOENT) => {}
                        Err(e) => {
                            return Err(io_err(
                                "remove",
                                dir.child_path(&String::from_utf8_lossy(&child)),
                                e,
                            ))
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Flushes everything written to the file system this folder is on
    /// (data and metadata, then the device's cache): one call that makes a
    /// whole freshly built tree durable, instead of one fsync per file.
    pub fn sync_filesystem(&self) -> Result<(), StoreError> {
        rustix::fs::syncfs(self.fd.as_fd()).map_err(|e| io_err("sync", self.path.clone(), e))
    }

    /// Flushes this folder's entries to disk.
    pub fn sync(&self) -> Result<(), StoreError> {
        rustix::fs::fsync(self.fd.as_fd()).map_err(|e| io_err("sync", self.path.clone(), e))
    }
}
