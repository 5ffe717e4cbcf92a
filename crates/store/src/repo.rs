//! Small git helpers shared by the collection, the cache, the demo and the
//! test fixtures.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use std::collections::HashSet;

use artisync_model::{blob_id, ArtifactId, Content, ObjectId, RelPath, Shape};
use git2::{
    IndexAddOption, IndexEntry, IndexTime, ObjectType, OdbLookupFlags, Repository, Signature,
};
use serde::Serialize;

use crate::beneath::DirHandle;
use crate::StoreError;

static OFFLINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Declares that this process will not go to the network, so that
/// `start_git` may start libgit2 without its certificates (see there).
/// Call it first thing in `main`, before any thread starts.
pub fn declare_offline() {
    OFFLINE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Starts libgit2 now, once per process; any git call would start it
/// anyway, but this one also sets it up as artisync wants it.
///
/// Object ids are not re-checked on every read, as git does not: an id is
/// computed when an object enters a database (libgit2's indexer names
/// every object of a pack it takes, and writes hash what they store), so
/// checking it again on each read only hashes the same bytes once more
/// (with collision-detecting SHA-1, the most expensive step of an `add`).
/// Reading another repository's objects to copy them is safe too: the
/// copy is named by what it holds, and `fetch_local` refuses a copy that
/// lacks an object it was asked for.
///
/// In a process that declared itself offline (`declare_offline`):
/// built with HTTPS support, libgit2 sets up OpenSSL as it starts, and
/// OpenSSL then reads and parses the system's whole CA certificate bundle,
/// several milliseconds spent for nothing by a command that only reads
/// local repositories. So the bundle is pointed at an empty file while
/// libgit2 starts, and the environment is put back at once (child
/// processes such as `$EDITOR` see what the user set). An HTTPS fetch in
/// that process would then fail certificate checks. Because it changes
/// the environment, the first call in an offline process must come before
/// any git call and while no other thread runs.
pub fn start_git() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        #[cfg(feature = "https")]
        const VAR: &str = "SSL_CERT_FILE";
        #[cfg(feature = "https")]
        let saved = OFFLINE.load(std::sync::atomic::Ordering::Relaxed).then(|| {
            let saved = std::env::var_os(VAR);
            std::env::set_var(VAR, "/dev/null");
            saved
        });
        // Any git2 call starts libgit2.
        git2::opts::strict_hash_verification(false);
        #[cfg(feature = "https")]
        match saved {
            Some(Some(v)) => std::env::set_var(VAR, v),
            Some(None) => std::env::remove_var(VAR),
            None => {}
        }
    });
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub commit: ObjectId,
    pub time: String,
    pub summary: String,
}

impl CommitInfo {
    pub fn of(c: &git2::Commit<'_>) -> CommitInfo {
        CommitInfo {
            commit: ObjectId::from_git(c.id()),
            time: git_time(c.time()),
            summary: c.summary().unwrap_or("").to_string(),
        }
    }
}

pub fn git_time(t: git2::Time) -> String {
    let secs = t.seconds().max(0) as u64;
    crate::rfc3339(UNIX_EPOCH + Duration::from_secs(secs))
}

pub(crate) fn signature(repo: &Repository) -> Result<Signature<'static>, StoreError> {
    match repo.signature() {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Signature::now("artisync", "artisync@localhost")
            .map_err(StoreError::git("making a signature")),
    }
}

/// Creates a non-bare repository at `path` with `main` as its first branch.
pub fn init(path: &Path) -> Result<Repository, StoreError> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(path, &opts).map_err(StoreError::git(format!(
        "creating a repository at {}",
        path.display()
    )))
}

/// Stages every change in the work tree (additions, edits, deletions) and
/// commits it on HEAD. Returns `None` when there was nothing to commit.
pub fn commit_all(repo: &Repository, message: &str) -> Result<Option<ObjectId>, StoreError> {
    let ctx = || format!("committing in {}", repo.path().display());
    let mut index = repo.index().map_err(StoreError::git(ctx()))?;
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .map_err(StoreError::git(ctx()))?;
    index
        .update_all(["*"], None)
        .map_err(StoreError::git(ctx()))?;
    index.write().map_err(StoreError::git(ctx()))?;
    let tree_id = index.write_tree().map_err(StoreError::git(ctx()))?;
    let parent = match repo.head() {
        Ok(h) => Some(h.peel_to_commit().map_err(StoreError::git(ctx()))?),
        Err(_) => None,
    };
    if let Some(p) = &parent {
        if p.tree_id() == tree_id {
            return Ok(None);
        }
    }
    let tree = repo.find_tree(tree_id).map_err(StoreError::git(ctx()))?;
    let sig = signature(repo)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .map_err(StoreError::git(ctx()))?;
    Ok(Some(ObjectId::from_git(id)))
}

/// Stores the files of `written` (artifacts just written below the work
/// tree `root` with these contents) in one pack, and stages each by its
/// blob id with the stat data of its file, as `git add` would have: a
/// following `commit_all` finds them unchanged by their stat data and
/// reads none of them. The ids are plain SHA-1 of bytes artisync holds;
/// the objects themselves are named by libgit2's indexer, and a file whose
/// id the pack did not produce is refused. A file that is gone or changed
/// kind since it was written is left to `commit_all`.
pub fn stage_written(
    repo: &Repository,
    root: &DirHandle,
    written: &[(&ArtifactId, &Content)],
) -> Result<(), StoreError> {
    let ctx = || format!("staging in {}", repo.path().display());
    let odb = repo.odb().map_err(StoreError::git(ctx()))?;
    let mut files = Vec::new();
    let mut objects = Vec::new();
    let mut seen = HashSet::new();
    for (id, content) in written {
        let rel = id.rel_path();
        for (path, entry) in &content.files {
            let full = match content.shape {
                Shape::Dir => rel.join(path),
                Shape::File => rel.clone(),
            };
            let oid = blob_id(&entry.data).to_git();
            // Without a rescan of the pack folder per new blob.
            if seen.insert(oid) && !odb.exists_ext(oid, OdbLookupFlags::NO_REFRESH) {
                objects.push((ObjectType::Blob, entry.data.as_slice()));
            }
            files.push((full, oid, entry.mode.git_mode()));
        }
    }
    crate::pack::write_objects(&odb, &objects)?;
    let mut index = repo.index().map_err(StoreError::git(ctx()))?;
    for (id, content) in written {
        if content.shape == Shape::Dir {
            let _ = index.remove_dir(std::path::Path::new(id.rel_path().as_str()), 0);
        }
    }
    let mut dir: Option<(RelPath, DirHandle)> = None;
    for (path, oid, mode) in files {
        if !odb.exists(oid) {
            return Err(StoreError::Invalid(format!(
                "{path}: the stored blob is not {oid}; not committing it"
            )));
        }
        let parent = path.parent();
        if dir.as_ref().is_none_or(|(p, _)| *p != parent) {
            let Some(d) = root.open_dir_within(&parent)? else {
                continue;
            };
            dir = Some((parent, d));
        }
        let Some((_, d)) = &dir else { continue };
        let Some(st) = d.lstat(path.file_name())? else {
            continue;
        };
        let kind = st.st_mode & 0o170000;
        let expect = if mode == 0o120000 { 0o120000 } else { 0o100000 };
        if kind != expect {
            continue;
        }
        let time = |s: i64, ns: u64| IndexTime::new(s as i32, ns as u32);
        index
            .add(&IndexEntry {
                ctime: time(st.st_ctime, st.st_ctime_nsec),
                mtime: time(st.st_mtime, st.st_mtime_nsec),
                dev: st.st_dev as u32,
                ino: st.st_ino as u32,
                mode,
                uid: st.st_uid,
                gid: st.st_gid,
                file_size: st.st_size as u32,
                id: oid,
                flags: 0,
                flags_extended: 0,
                path: path.as_str().as_bytes().to_vec(),
            })
            .map_err(StoreError::git(ctx()))?;
    }
    index.write().map_err(StoreError::git(ctx()))?;
    Ok(())
}
