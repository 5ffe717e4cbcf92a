//! Parsed files kept between requests while the file is unchanged.
//!
//! Validating a request reads small TOML files (a collection's manifest,
//! the project registry). Parsing them on every request cost more than the
//! rest of a `POST /sync/jobs`; here each parse is kept with the file's
//! identity and is reused while a `stat` shows the same file. artisync
//! replaces these files by rename (a new inode), and an edit in place
//! changes the size or modification time, so either is seen at once.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }
}

/// Values parsed from files, by path.
pub struct FileCache<V> {
    entries: Mutex<HashMap<PathBuf, (Stamp, Arc<V>)>>,
}

impl<V> Default for FileCache<V> {
    fn default() -> Self {
        FileCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> FileCache<V> {
    /// The value parsed from `path`, from the cache while the file is
    /// unchanged, else from `load`. A missing file is never cached, so that
    /// `load` reports it each time; nor is a failed load.
    pub fn get<E>(&self, path: &Path, load: impl FnOnce() -> Result<V, E>) -> Result<Arc<V>, E> {
        // The stamp is taken before reading: if the file changes while it
        // is read, the next request sees a different stamp and reads again.
        let Some(stamp) = Stamp::of(path) else {
            return load().map(Arc::new);
        };
        if let Ok(entries) = self.entries.lock() {
            if let Some((s, v)) = entries.get(path) {
                if *s == stamp {
                    return Ok(v.clone());
                }
            }
        }
        let v = Arc::new(load()?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path.to_path_buf(), (stamp, v.clone()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloads_after_a_rename_or_an_edit_in_place_and_not_otherwise() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("f.toml");
        std::fs::write(&path, "one").unwrap();
        let cache = FileCache::<String>::default();
        let loads = std::cell::Cell::new(0);
        let read = || {
            loads.set(loads.get() + 1);
            std::fs::read_to_string(&path)
        };
        assert_eq!(*cache.get(&path, read).unwrap(), "one");
        assert_eq!(*cache.get(&path, read).unwrap(), "one");
        assert_eq!(loads.get(), 1);
        // Replaced by rename, as artisync writes it.
        let tmp = t.path().join("f.tmp");
        std::fs::write(&tmp, "two").unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert_eq!(*cache.get(&path, read).unwrap(), "two");
        // Edited in place to a different length.
        std::fs::write(&path, "three").unwrap();
        assert_eq!(*cache.get(&path, read).unwrap(), "three");
        assert_eq!(loads.get(), 3);
        // A missing file goes to the loader every time.
        std::fs::remove_file(&path).unwrap();
        assert!(cache.get(&path, read).is_err());
        assert!(cache.get(&path, read).is_err());
        assert_eq!(loads.get(), 5);
    }
}
