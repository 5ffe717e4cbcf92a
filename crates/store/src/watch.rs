//! Change notification (inotify) for reports a long-running process keeps
//! between requests.
//!
//! A `Watcher` counts changes: its generation moves on whenever anything
//! happened in a watched folder (a file written, its mode changed, a name
//! created, removed or renamed, the folder itself removed or moved, or the
//! kernel's event queue overflowing). A report computed after its folders
//! were watched, and stamped with the generation read then, stays true
//! while the generation is the same. Watches are added before the report is
//! computed, so a change made while it is computed moves the generation.
//!
//! Walks are iterative, never follow a symlink below the root they start
//! from, and stop at a bound: a tree too big or deep to watch, or a watch
//! the kernel refuses (its per-user limit), makes `watch_tree` say so, and
//! the caller computes the report afresh instead of trusting it.

use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use rustix::io::Errno;

/// The most folders one tree may have to be watched.
const MAX_DIRS: usize = 20_000;
/// The deepest folder watched (artifacts are refused deeper than 64).
const MAX_DEPTH: usize = 80;

pub struct Watcher {
    fd: OwnedFd,
    generation: AtomicU64,
    /// Held while events are read.
    reading: Mutex<()>,
}

fn mask() -> WatchFlags {
    WatchFlags::MODIFY
        | WatchFlags::ATTRIB
        | WatchFlags::CLOSE_WRITE
        | WatchFlags::CREATE
        | WatchFlags::DELETE
        | WatchFlags::DELETE_SELF
        | WatchFlags::MOVE_SELF
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
}

impl Watcher {
    /// A watcher, or `None` where the kernel offers no inotify instance
    /// (the caller then recomputes every time).
    pub fn new() -> Option<Watcher> {
        let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).ok()?;
        Some(Watcher {
            fd,
            generation: AtomicU64::new(0),
            reading: Mutex::new(()),
        })
    }

    /// The current generation, after reading every pending event: it is
    /// one more than before if anything changed since the last call.
    pub fn generation(&self) -> u64 {
        let Ok(_guard) = self.reading.lock() else {
            // A poisoned lock: count it as a change, never as none.
            return self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        };
        let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
        let mut reader = inotify::Reader::new(&self.fd, &mut buf);
        let mut changed = false;
        loop {
            match reader.next() {
                Ok(_) => changed = true,
                Err(Errno::WOULDBLOCK) => break,
                Err(Errno::INTR) => continue,
                // Anything else: assume a change rather than miss one.
                Err(_) => {
                    changed = true;
                    break;
                }
            }
        }
        if changed {
            self.generation.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            self.generation.load(Ordering::SeqCst)
        }
    }

    /// Watches the folder `dir` itself (not its subfolders). False when it
    /// cannot be watched; a folder that does not exist is not an error
    /// (its parent's watch sees it appear).
    pub fn watch_dir(&self, dir: &Path) -> bool {
        match inotify::add_watch(&self.fd, dir, mask() | WatchFlags::ONLYDIR) {
            Ok(_) => true,
            Err(Errno::NOENT) | Err(Errno::NOTDIR) => true,
            Err(_) => false,
        }
    }

    /// Watches `root` (following a link at `root` itself) and every folder
    /// below it, skipping folders named in `skip` and never following a
    /// symlink below the root. False when the tree could not be watched
    /// whole.
    pub fn watch_tree(&self, root: &Path, skip: &[&str]) -> bool {
        let Ok(root) = std::fs::canonicalize(root) else {
            return true; // Not there: its parent's watch sees it appear.
        };
        let mut stack: Vec<(PathBuf, usize)> = vec![(root, 0)];
        let mut seen = 0usize;
        while let Some((dir, depth)) = stack.pop() {
            seen += 1;
            if seen > MAX_DIRS || depth > MAX_DEPTH {
                return false;
            }
            let flags = mask() | WatchFlags::ONLYDIR | WatchFlags::DONT_FOLLOW;
            match inotify::add_watch(&self.fd, &dir, flags) {
                Ok(_) => {}
                // Gone since it was listed: the parent's watch saw that.
                Err(Errno::NOENT) | Err(Errno::NOTDIR) => continue,
                Err(_) => return false,
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                let name = e.file_name();
                if is_dir && !skip.iter().any(|s| name == *s) {
                    stack.push((e.path(), depth + 1));
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_below_a_watched_tree_moves_the_generation() {
        let Some(w) = Watcher::new() else {
            return; // No inotify on this kernel: nothing to test.
        };
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let deep = tmp.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(tmp.path().join(".git/x")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(deep.join("f"), "1").unwrap_or_else(|e| panic!("{e}"));
        assert!(w.watch_tree(tmp.path(), &[".git"]));
        let g = w.generation();
        assert_eq!(w.generation(), g, "nothing changed");
        std::fs::write(deep.join("f"), "2").unwrap_or_else(|e| panic!("{e}"));
        let g2 = w.generation();
        assert!(g2 > g, "a write deep down is seen");
        // A skipped folder is not watched.
        std::fs::write(tmp.path().join(".git/x/y"), "1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.generation(), g2);
        // A mode change is a change.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(deep.join("f"), std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(w.generation() > g2);
    }
}
