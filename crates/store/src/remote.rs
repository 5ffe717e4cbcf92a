//! The collection's remote: an ordinary git remote named `origin`, through
//! which a team shares one collection. Fetching reads the remote's `main`
//! into `refs/remotes/origin/main`; pushing is fast-forward only. There is
//! no server of artisync's own: git is the transport.

use std::path::Path;

use artisync_model::{ArtifactId, Content, FileMode, Manifest, ObjectId};
use git2::{BranchType, ErrorCode, FetchOptions, ObjectType, PushOptions};
use serde::Serialize;

use crate::collection::{Collection, MANIFEST};
use crate::StoreError;

const REMOTE: &str = "origin";
const BRANCH: &str = "main";
const TRACKING: &str = "refs/remotes/origin/main";
/// A manifest larger than this is not one artisync wrote.
const MANIFEST_LIMIT: usize = 64 * 1024 * 1024;

/// Where the collection stands against its remote, as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemotePosition {
    pub url: String,
    pub branch: String,
    /// Commits here that the remote lacks.
    pub ahead: usize,
    /// Commits of the remote this collection lacks.
    pub behind: usize,
    /// Whether the remote's branch has been fetched at all.
    pub fetched: bool,
}

/// What finishing a pull made of the collection's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PullCommit {
    /// Nothing came in.
    UpToDate,
    /// The collection moved to the remote's commit.
    FastForward,
    /// A merge commit with both histories as parents.
    Merged,
}

fn git_err(what: &str) -> impl Fn(git2::Error) -> StoreError + '_ {
    move |e| StoreError::Git {
        context: what.to_string(),
        message: e.message().to_string(),
    }
}

impl Collection {
    /// The URL of the collection's remote, if it has one.
    pub fn remote_url(&self) -> Option<String> {
        let r = self.repo.find_remote(REMOTE).ok()?;
        r.url().map(str::to_string)
    }

    /// Whether the collection at `root` has a remote, read from its git
    /// configuration without opening the repository (status asks this on
    /// every call).
    pub fn has_remote_at(root: &Path) -> bool {
        std::fs::read_to_string(root.join(".git/config"))
            .is_ok_and(|c| c.contains(&format!("[remote \"{REMOTE}\"]")))
    }

    /// Sets (or replaces) the remote's URL.
    pub fn set_remote(&self, url: &str) -> Result<(), StoreError> {
        if url.trim().is_empty() || url.starts_with('-') || url.chars().any(char::is_control) {
            return Err(StoreError::Invalid(format!(
                "{url:?} is not a git remote URL; give a URL or path such as git@host:team/skills.git"
            )));
        }
        let what = format!("setting the collection's remote to {url}");
        match self.repo.find_remote(REMOTE) {
            Ok(_) => self
                .repo
                .remote_set_url(REMOTE, url)
                .map_err(git_err(&what)),
            Err(_) => self
                .repo
                .remote(REMOTE, url)
                .map(|_| ())
                .map_err(git_err(&what)),
        }
    }

    fn require_remote(&self) -> Result<git2::Remote<'_>, StoreError> {
        self.repo.find_remote(REMOTE).map_err(|_| {
            StoreError::Invalid(format!(
                "collection '{}' has no remote; set one with 'artisync collection remote set URL'",
                self.name
            ))
        })
    }

    /// Fetches the remote's `main`. Returns its commit, or `None` when the
    /// remote holds no collection yet (an empty repository).
    pub fn fetch_remote(&self) -> Result<Option<ObjectId>, StoreError> {
        let mut remote = self.require_remote()?;
        let url = remote.url().unwrap_or_default().to_string();
        let refspec = format!("+refs/heads/{BRANCH}:{TRACKING}");
        let mut opts = FetchOptions::new();
        remote
            .fetch(&[refspec.as_str()], Some(&mut opts), None)
            .map_err(|e| StoreError::FetchFailed {
                url: url.clone(),
                message: e.message().to_string(),
            })?;
        match self.repo.refname_to_id(TRACKING) {
            Ok(id) => Ok(Some(ObjectId::from_git(id))),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err("reading the fetched branch")(e)),
        }
    }

    /// The remote's `main` as last fetched.
    pub fn remote_head(&self) -> Option<ObjectId> {
        self.repo
            .refname_to_id(TRACKING)
            .ok()
            .map(ObjectId::from_git)
    }

    /// The collection's own commit.
    pub fn head_id(&self) -> Result<ObjectId, StoreError> {
        let c = self
            .repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .map_err(git_err("reading the collection's commit"))?;
        Ok(ObjectId::from_git(c.id()))
    }

    /// Ahead and behind against the remote as last fetched; `None` without
    /// a remote. Reads local refs only: nothing goes over the network.
    pub fn position(&self) -> Result<Option<RemotePosition>, StoreError> {
        let Some(url) = self.remote_url() else {
            return Ok(None);
        };
        let head = self.head_id()?;
        let (ahead, behind, fetched) = match self.remote_head() {
            None => {
                let mut walk = self.repo.revwalk().map_err(git_err("counting commits"))?;
                walk.push(head.to_git())
                    .map_err(git_err("counting commits"))?;
                (walk.count(), 0, false)
            }
            Some(r) => {
                let (a, b) = self
                    .repo
                    .graph_ahead_behind(head.to_git(), r.to_git())
                    .map_err(git_err("comparing with the remote"))?;
                (a, b, true)
            }
        };
        Ok(Some(RemotePosition {
            url,
            branch: BRANCH.to_string(),
            ahead,
            behind,
            fetched,
        }))
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(
        &self,
        ancestor: ObjectId,
        descendant: ObjectId,
    ) -> Result<bool, StoreError> {
        if ancestor == descendant {
            return Ok(true);
        }
        self.repo
            .graph_descendant_of(descendant.to_git(), ancestor.to_git())
            .map_err(git_err("comparing histories"))
    }

    /// The newest commit both histories share, if any.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>, StoreError> {
        match self.repo.merge_base(a.to_git(), b.to_git()) {
            Ok(id) => Ok(Some(ObjectId::from_git(id))),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err("finding the shared history")(e)),
        }
    }

    /// The manifest as `commit` holds it (empty when it holds none).
    pub fn manifest_at(&self, commit: ObjectId) -> Result<Manifest, StoreError> {
        let tree = self.tree_of(commit)?;
        let Ok(entry) = tree.get_path(Path::new(MANIFEST)) else {
            return Ok(Manifest::default());
        };
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(git_err("reading a manifest"))?;
        if blob.size() > MANIFEST_LIMIT {
            return Err(StoreError::Invalid(format!(
                "the manifest at {} is {} bytes; artisync refuses manifests that large",
                commit.short(),
                blob.size()
            )));
        }
        let text = std::str::from_utf8(blob.content()).map_err(|_| {
            StoreError::Invalid(format!("the manifest at {} is not UTF-8", commit.short()))
        })?;
        Ok(Manifest::parse(
            text,
            &format!("{MANIFEST} at commit {}", commit.short()),
        )?)
    }

    /// `id`'s content as `commit` holds it.
    pub fn content_at(
        &self,
        commit: ObjectId,
        id: &ArtifactId,
    ) -> Result<Option<Content>, StoreError> {
        let tree = self.tree_of(commit)?;
        let rel = id.rel_path();
        let Ok(entry) = tree.get_path(Path::new(rel.as_str())) else {
            return Ok(None);
        };
        let shape = id.kind.shape();
        let kind_fits = match entry.kind() {
            Some(ObjectType::Tree) => shape == artisync_model::Shape::Dir,
            Some(ObjectType::Blob) => shape == artisync_model::Shape::File,
            _ => false,
        };
        if !kind_fits {
            return Ok(None);
        }
        let mut c = crate::objects::read_content(
            &self.repo,
            ObjectId::from_git(entry.id()),
            shape,
            rel.file_name(),
        )?;
        // A single file keeps the mode its tree entry gives it.
        if let Some(file) = c
            .as_mut()
            .filter(|c| c.shape == artisync_model::Shape::File)
            .and_then(|c| c.files.values_mut().next())
        {
            file.mode =
                FileMode::from_git_mode(entry.filemode() as u32).unwrap_or(FileMode::Regular);
        }
        Ok(c)
    }

    fn tree_of(&self, commit: ObjectId) -> Result<git2::Tree<'_>, StoreError> {
        self.repo
            .find_commit(commit.to_git())
            .and_then(|c| c.tree())
            .map_err(git_err("reading a commit of the collection"))
    }

    /// Whether the collection is still as `init` made it: one commit, an
    /// empty manifest. Joining a remote then takes the remote's history
    /// instead of merging two.
    pub fn is_fresh(&self) -> Result<bool, StoreError> {
        let head = self.head_id()?;
        let c = self
            .repo
            .find_commit(head.to_git())
            .map_err(git_err("reading the collection's commit"))?;
        Ok(c.parent_count() == 0 && self.manifest_at(head)?.artifacts.is_empty())
    }

    /// Records what a pull wrote into the work tree: a fast-forward to
    /// `remote` when the work tree is exactly the remote's commit and the
    /// collection's commit is an ancestor of it (or the collection is
    /// fresh); otherwise a merge commit with both as parents (nothing when
    /// no change came in).
    pub fn finish_pull(&self, message: &str, remote: ObjectId) -> Result<PullCommit, StoreError> {
        let fresh = self.is_fresh()?;
        let what = "recording the pull";
        let head = self.head_id()?;
        let mut index = self.repo.index().map_err(git_err(what))?;
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .map_err(git_err(what))?;
        index.update_all(["*"], None).map_err(git_err(what))?;
        index.write().map_err(git_err(what))?;
        let tree_id = index.write_tree().map_err(git_err(what))?;
        let remote_commit = self
            .repo
            .find_commit(remote.to_git())
            .map_err(git_err(what))?;
        let head_commit = self
            .repo
            .find_commit(head.to_git())
            .map_err(git_err(what))?;
        if self.is_ancestor(remote, head)? && tree_id == head_commit.tree_id() {
            return Ok(PullCommit::UpToDate);
        }
        if tree_id == remote_commit.tree_id() && (fresh || self.is_ancestor(head, remote)?) {
            let mut branch = self
                .repo
                .find_branch(BRANCH, BranchType::Local)
                .map_err(git_err(what))?;
            branch
                .get_mut()
                .set_target(remote.to_git(), "artisync: fast-forward pull")
                .map_err(git_err(what))?;
            return Ok(PullCommit::FastForward);
        }
        let tree = self.repo.find_tree(tree_id).map_err(git_err(what))?;
        let sig = crate::repo::signature(&self.repo)?;
        self.repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                message,
                &tree,
                &[&head_commit, &remote_commit],
            )
            .map_err(git_err(what))?;
        Ok(PullCommit::Merged)
    }

    /// Pushes the collection's `main` to the remote, fast-forward only. A
    /// remote that moved on since the last fetch refuses it, and so does
    /// this when the last fetch already shows commits the collection lacks.
    pub fn push(&self) -> Result<(), StoreError> {
        let remote_head = self.fetch_remote()?;
        let head = self.head_id()?;
        let behind = || {
            StoreError::Invalid(format!(
                "the remote has commits collection '{}' lacks; run 'artisync collection pull' first, then push again",
                self.name
            ))
        };
        if let Some(r) = remote_head {
            if !self.is_ancestor(r, head)? {
                return Err(behind());
            }
        }
        if remote_head == Some(head) {
            return Ok(()); // The remote has it already.
        }
        let mut remote = self.require_remote()?;
        let url = remote.url().unwrap_or_default().to_string();
        // A repository on this machine is written directly: the commits it
        // lacks go into its object database as one pack, then its branch
        // moves only if it still is what was fetched (a compare-and-swap
        // under the branch's lock file, as git does), so of two racing
        // pushes one lands and the other is refused, never overwritten.
        // (libgit2's own push to a local path moves the branch without
        // that check.) A server checks the old value itself.
        if let Some(path) = local_repository(&url) {
            self.push_local(&path, head, remote_head)
                .map_err(|e| match e {
                    PushError::Moved => behind(),
                    PushError::Store(e) => e,
                })?;
        } else {
            self.push_remote(&mut remote, &url, behind)?;
        }
        // The remote now holds this commit.
        self.repo
            .reference(TRACKING, head.to_git(), true, "artisync: pushed")
            .map_err(git_err("recording the push"))?;
        Ok(())
    }

    /// Pushes to a repository on this machine; see `push`.
    fn push_local(
        &self,
        path: &Path,
        head: ObjectId,
        expected: Option<ObjectId>,
    ) -> Result<(), PushError> {
        let what = "pushing to the remote";
        let theirs = git2::Repository::open(path).map_err(git_err(what))?;
        let mut walk = self.repo.revwalk().map_err(git_err(what))?;
        walk.push(head.to_git()).map_err(git_err(what))?;
        if let Some(old) = expected {
            walk.hide(old.to_git()).map_err(git_err(what))?;
        }
        let mut pack = self.repo.packbuilder().map_err(git_err(what))?;
        pack.insert_walk(&mut walk).map_err(git_err(what))?;
        let odb = theirs.odb().map_err(git_err(what))?;
        let mut writer = odb.packwriter().map_err(git_err(what))?;
        let mut failed = false;
        pack.foreach(|chunk| {
            failed = std::io::Write::write_all(&mut writer, chunk).is_err();
            !failed
        })
        .map_err(git_err(what))?;
        if failed {
            return Err(PushError::Store(StoreError::Invalid(format!(
                "could not write to the remote's objects in {}",
                path.display()
            ))));
        }
        writer.commit().map_err(git_err(what))?;
        let branch = format!("refs/heads/{BRANCH}");
        let moved = match expected {
            Some(old) => theirs.reference_matching(
                &branch,
                head.to_git(),
                true,
                old.to_git(),
                "artisync: push",
            ),
            None => theirs.reference(&branch, head.to_git(), false, "artisync: push"),
        };
        match moved {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::Modified | ErrorCode::Exists | ErrorCode::Locked
                ) =>
            {
                Err(PushError::Moved)
            }
            Err(e) => Err(git_err("moving the remote's branch")(e).into()),
        }
    }

    /// Pushes through a git server, which refuses a branch that moved since
    /// it was listed.
    fn push_remote(
        &self,
        remote: &mut git2::Remote<'_>,
        url: &str,
        behind: impl Fn() -> StoreError,
    ) -> Result<(), StoreError> {
        let refspec = format!("refs/heads/{BRANCH}:refs/heads/{BRANCH}");
        let rejected = std::cell::RefCell::new(None::<String>);
        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.push_update_reference(|_, status| {
            if let Some(s) = status {
                *rejected.borrow_mut() = Some(s.to_string());
            }
            Ok(())
        });
        let mut opts = PushOptions::new();
        opts.remote_callbacks(callbacks);
        let pushed = remote.push(&[refspec.as_str()], Some(&mut opts));
        drop(opts);
        match (pushed, rejected.into_inner()) {
            (Ok(()), None) => Ok(()),
            // Someone pushed in between: the server refuses the
            // non-fast-forward.
            (Err(e), _) if e.code() == ErrorCode::NotFastForward => Err(behind()),
            (Ok(()), Some(why)) if why.contains("fast") || why.contains("fetch first") => {
                Err(behind())
            }
            (Ok(()), Some(why)) => Err(StoreError::FetchFailed {
                url: url.to_string(),
                message: format!("the remote refused the push: {why}"),
            }),
            (Err(e), _) => Err(StoreError::FetchFailed {
                url: url.to_string(),
                message: format!("push failed: {}", e.message()),
            }),
        }
    }
}

/// Why a push to a local repository did not land.
enum PushError {
    /// Its branch moved since it was fetched.
    Moved,
    Store(StoreError),
}

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> Self {
        PushError::Store(e)
    }
}

/// The path of a remote that is a repository on this machine (a path or a
/// `file://` URL), which libgit2 updates directly rather than through a
/// server.
fn local_repository(url: &str) -> Option<std::path::PathBuf> {
    if let Some(rest) = url.strip_prefix("file://") {
        return Some(std::path::PathBuf::from(rest));
    }
    if url.contains("://") || (url.contains(':') && !url.starts_with('/') && !url.starts_with('.'))
    {
        return None;
    }
    Some(std::path::PathBuf::from(url))
}
