//! Exclusive locks between processes (the CLI and a running server), one
//! per destination artifact and one per manifest or lockfile, taken with
//! the operating system's advisory file locks. A lock is released when its
//! guard is dropped or the process dies, so a crash never leaves one behind.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use artisync_model::blob_id;

use crate::StoreError;

pub struct LockGuard {
    file: File,
    pub path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Blocks until the lock named `key` in `dir` is held.
pub fn acquire(dir: &Path, key: &str) -> Result<LockGuard, StoreError> {
    std::fs::create_dir_all(dir).map_err(StoreError::io("create directory", dir))?;
    let slug: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let tail: String = slug
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let path = dir.join(format!(
        "{tail}-{}.lock",
        &blob_id(key.as_bytes()).to_string()[..12]
    ));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(StoreError::io("open lock file", &path))?;
    file.lock().map_err(StoreError::io("lock", &path))?;
    Ok(LockGuard { file, path })
}
