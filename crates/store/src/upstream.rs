//! The upstream cache: one bare repository per upstream URL under the data
//! home. Fetching keeps every commit ever seen (each fetched tip gets a
//! `refs/artisync/seen/*` ref), so old commits stay available as merge bases.
//! Nothing here pushes or writes to an upstream.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use artisync_model::content::tree_id_of_paths;
use artisync_model::{
    blob_id, is_excluded, Content, FileMode, Location, ObjectId, RelPath, Shape, SourceSpec,
};
use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::repo::CommitInfo;
use crate::statcache::UpstreamMemo;
use crate::{fsio, Home, StoreError};

mod folder;
mod local;
mod prune;
pub use folder::{worktree_changes, LocalFolder, WorktreeChange};
pub use prune::describe_ref;

/// A spec with its location made concrete: a URL to fetch and the path of
/// the artifact (or folder of artifacts) inside the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSource {
    pub url: String,
    pub reference: Option<String>,
    pub path: RelPath,
    pub github: Option<(String, String)>,
}

impl ResolvedSource {
    /// Resolves a parsed spec. A local path is turned into a `file://` URL of
    /// the repository that contains it plus the path inside that repository.
    pub fn from_spec(spec: &SourceSpec) -> Result<ResolvedSource, StoreError> {
        match &spec.location {
            Location::Url(url) => Ok(ResolvedSource {
                url: url.clone(),
                reference: spec.reference.clone(),
                path: spec.path.clone(),
                github: spec.github.clone(),
            }),
            Location::Local(p) => {
                let abs = std::fs::canonicalize(p)
                    .map_err(|_| StoreError::NoSuchPath { path: p.clone() })?;
                let repo = Repository::discover(&abs)
                    .map_err(|_| StoreError::NotARepository { path: abs.clone() })?;
                let root = match repo.workdir() {
                    Some(w) => w.to_path_buf(),
                    None => repo.path().to_path_buf(),
                };
                let root = std::fs::canonicalize(&root).unwrap_or(root);
                let inside = abs
                    .strip_prefix(&root)
                    .ok()
                    .and_then(|r| r.to_str())
                    .ok_or_else(|| StoreError::NotARepository { path: abs.clone() })?;
                let inside = RelPath::new(inside)?;
                Ok(ResolvedSource {
                    url: format!("file://{}", root.display()),
                    reference: spec.reference.clone(),
                    path: inside.join(&spec.path),
                    github: None,
                })
            }
        }
    }

    /// The canonical spec text for this source at `path` tracking `reference`.
    pub fn spec_for(&self, path: &RelPath, reference: Option<&str>) -> String {
        let spec = SourceSpec {
            location: Location::Url(self.url.clone()),
            reference: reference.map(str::to_string),
            path: path.clone(),
            github: self.github.clone(),
        };
        spec.to_string()
    }
}

/// A change against an upstream commit, in the two forms git takes.
#[derive(Debug, Clone)]
pub struct Patch {
    /// A unified diff for `git apply` at the repository root.
    pub unified: Vec<u8>,
    /// A `git format-patch` mbox message for `git am`.
    pub mbox: Vec<u8>,
}

/// What the cache remembers of the last successful fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchState {
    pub url: String,
    pub fetched_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
}

pub struct UpstreamCache {
    dir: PathBuf,
}

impl UpstreamCache {
    pub fn new(dir: PathBuf) -> Self {
        UpstreamCache { dir }
    }

    fn repo_dir(&self, url: &str) -> PathBuf {
        let mut slug: String = url
            .split_once("://")
            .map(|x| x.1)
            .unwrap_or(url)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        slug = slug.trim_matches(|c| c == '_' || c == '.').to_string();
        let tail: String = slug
            .chars()
            .rev()
            .take(48)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let hash = blob_id(url.as_bytes()).to_string();
        self.dir.join(format!("{tail}-{}.git", &hash[..10]))
    }

    /// The cached repository for `url`, created (empty) if needed.
    pub fn open_or_create(&self, url: &str) -> Result<CachedRepo, StoreError> {
        let dir = self.repo_dir(url);
        let repo = if dir.exists() {
            Repository::open_bare(&dir).map_err(StoreError::git(format!(
                "opening the cache {}",
                dir.display()
            )))?
        } else {
            std::fs::create_dir_all(&self.dir)
                .map_err(StoreError::io("create directory", &self.dir))?;
            Repository::init_bare(&dir).map_err(StoreError::git(format!(
                "creating the cache {}",
                dir.display()
            )))?
        };
        Ok(CachedRepo {
            url: url.to_string(),
            dir,
            repo,
        })
    }

    /// Whether `url` has a cached repository.
    pub fn contains(&self, url: &str) -> bool {
        self.repo_dir(url).exists()
    }

    /// Removes the cached repository of `url`, and the cache folders if that
    /// leaves them empty: for an operation that created the cache and then
    /// failed, so that a refused input leaves no trace.
    pub fn discard(&self, url: &str) {
        let _ = std::fs::remove_dir_all(self.repo_dir(url));
        // remove_dir only ever removes an empty folder.
        if std::fs::remove_dir(&self.dir).is_ok() {
            if let Some(parent) = self.dir.parent() {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }

    /// The cached repository for `url` if it was ever fetched; never creates.
    pub fn open_existing(&self, url: &str) -> Result<Option<CachedRepo>, StoreError> {
        let dir = self.repo_dir(url);
        if !dir.exists() {
            return Ok(None);
        }
        CachedRepo::open_at(url, dir).map(Some)
    }
}

impl UpstreamCache {
    /// What status needs of the cache of `url`, answered without starting
    /// git whenever the data home's memo already knows it (see
    /// `CacheView::artifact_at`). `None` when it was never fetched.
    pub fn view(&self, home: &Home, url: &str) -> Option<CacheView> {
        let dir = self.repo_dir(url);
        if !dir.exists() {
            return None;
        }
        let fetch = read_fetch_state(&dir);
        Some(CacheView {
            url: url.to_string(),
            memo: UpstreamMemo::for_repo(home, &dir),
            dir,
            fetch,
            repo: None,
        })
    }
}

/// One upstream cache as status reads it: the last fetch, and the hash of
/// an artifact at a reference. See `UpstreamCache::view`.
pub struct CacheView {
    url: String,
    dir: PathBuf,
    fetch: Option<FetchState>,
    memo: Arc<UpstreamMemo>,
    /// Opened the first time the memo cannot answer.
    repo: Option<CachedRepo>,
}

impl CacheView {
    /// When the last successful fetch happened.
    pub fn fetched_at(&self) -> Option<&str> {
        self.fetch.as_ref().map(|f| f.fetched_at.as_str())
    }

    /// The commit `reference` names (the default branch for `None`) and
    /// the artifact's hash at `path` in it (`None` when the commit holds
    /// nothing of that shape there). The inner error is the reference not
    /// resolving (as `CachedRepo::resolve` says); the outer one is the
    /// cache that cannot be read.
    ///
    /// A branch whose ref is a plain file in the cache, or a full commit id
    /// no branch or tag is named after, is read without git; when the memo
    /// knows the answer for that commit, no repository is opened. Anything
    /// else (packed or symbolic refs, tags, short ids, a new commit) goes
    /// through git, and the answer is remembered.
    pub fn artifact_at(
        &mut self,
        reference: Option<&str>,
        path: &RelPath,
        shape: Shape,
    ) -> Result<Result<(ObjectId, Option<ObjectId>), StoreError>, StoreError> {
        let is_dir = shape == Shape::Dir;
        if let Some(commit) = self.commit_without_git(reference) {
            if let Some(hash) = self.memo.get(commit, path.as_str(), is_dir) {
                return Ok(Ok((commit, hash)));
            }
        }
        let repo = match &mut self.repo {
            Some(r) => r,
            slot => {
                crate::repo::start_git();
                slot.insert(CachedRepo::open_at(&self.url, self.dir.clone())?)
            }
        };
        let commit = match repo.resolve(reference) {
            Ok((_, commit)) => commit,
            Err(e) => return Ok(Err(e)),
        };
        let hash = repo.artifact_hash(commit, path, shape)?;
        self.memo.put(commit, path.as_str(), is_dir, hash);
        Ok(Ok((commit, hash)))
    }

    /// The commit `reference` names, if that can be told for certain from
    /// plain files: the branch of that name as a loose ref, else a full
    /// commit id that no branch or tag is named after. `None` means "ask
    /// git", never "absent".
    fn commit_without_git(&self, reference: Option<&str>) -> Option<ObjectId> {
        let name = match reference {
            Some(r) => r,
            None => self.fetch.as_ref()?.default_branch.as_deref()?,
        };
        if !is_plain_ref_name(name) {
            return None;
        }
        let refs = self.dir.join("refs");
        if let Some(id) = read_loose_ref(&refs.join("heads").join(name))? {
            return Some(id);
        }
        if name.len() != 40 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if read_loose_ref(&refs.join("tags").join(name))?.is_some() {
            return None;
        }
        let packed = fsio::read_text(&self.dir.join("packed-refs")).ok()?;
        if packed.is_some_and(|p| p.contains(name)) {
            return None;
        }
        // Whether it is a commit is for the memo to know: it only holds
        // answers about ids git resolved as commits.
        name.parse().ok()
    }
}

/// A ref name made only of plain path components (letters, digits, '-',
/// '_', '.', no component starting with '.'), safe to join to a path.
fn is_plain_ref_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.split('/').all(|c| {
            !c.is_empty()
                && !c.starts_with('.')
                && !c.ends_with(".lock")
                && !c.contains("..")
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

/// A loose ref file: `Some(None)` when there is none, `Some(Some(id))`
/// when it names an object directly, `None` when it cannot be read or says
/// anything else (a symbolic ref).
fn read_loose_ref(path: &Path) -> Option<Option<ObjectId>> {
    match fsio::read_text(path).ok()? {
        None => Some(None),
        Some(text) => text.strip_suffix('\n')?.parse().ok().map(Some),
    }
}

pub struct CachedRepo {
    pub url: String,
    dir: PathBuf,
    repo: Repository,
}

/// The result of a fetch: fresh, or the last fetch reused because the
/// upstream could not be reached.
#[derive(Debug, Clone)]
pub struct FetchOutcome {
    pub state: FetchState,
    /// Set when offline: why the fetch failed.
    pub offline: Option<String>,
    /// Branches and tags deleted upstream and so removed from the cache
    /// by this fetch (`refs/heads/x`, `refs/tags/y`).
    pub pruned: Vec<String>,
}

const FETCH_STATE: &str = "artisync-fetch.toml";

/// What the cache at `dir` remembers of its last successful fetch.
fn read_fetch_state(dir: &Path) -> Option<FetchState> {
    let text = fsio::read_text(&dir.join(FETCH_STATE)).ok()??;
    toml::from_str(&text).ok()
}

impl CachedRepo {
    /// The existing cache repository of `url` at `dir`.
    fn open_at(url: &str, dir: PathBuf) -> Result<CachedRepo, StoreError> {
        let repo = Repository::open_bare(&dir).map_err(StoreError::git(format!(
            "opening the cache {}",
            dir.display()
        )))?;
        Ok(CachedRepo {
            url: url.to_string(),
            dir,
            repo,
        })
    }

    pub fn fetch_state(&self) -> Option<FetchState> {
        read_fetch_state(&self.dir)
    }

    /// Fetches every branch and tag. If the upstream cannot be reached but
    /// was fetched before, the last fetch is used and the reason reported.
    pub fn fetch(&self) -> Result<FetchOutcome, StoreError> {
        match self.fetch_now() {
            Ok((state, pruned)) => Ok(FetchOutcome {
                state,
                offline: None,
                pruned,
            }),
            Err(message) => match self.fetch_state() {
                Some(state) => Ok(FetchOutcome {
                    state,
                    offline: Some(message),
                    pruned: vec![],
                }),
                None => Err(StoreError::FetchFailed {
                    url: self.url.clone(),
                    message,
                }),
            },
        }
    }

    fn fetch_now(&self) -> Result<(FetchState, Vec<String>), String> {
        let mut remote = self
            .repo
            .remote_anonymous(&self.url)
            .map_err(|e| e.message().to_string())?;
        remote
            .connect(git2::Direction::Fetch)
            .map_err(|e| e.message().to_string())?;
        let default_branch = remote.default_branch().ok().and_then(|b| {
            b.as_str()
                .map(|s| s.trim_start_matches("refs/heads/").to_string())
        });
        // A repository on this machine is copied from directly; a URL
        // that does not open as one (an escaped path, a host name) goes
        // through libgit2's transport as any other.
        let local = self
            .url
            .strip_prefix("file://")
            .and_then(|path| Repository::open(path).ok());
        if let Some(src) = local {
            let heads: Vec<(String, Oid)> = remote
                .list()
                .map(|hs| hs.iter().map(|h| (h.name().to_string(), h.oid())).collect())
                .map_err(|e| e.message().to_string())?;
            remote.disconnect().map_err(|e| e.message().to_string())?;
            self.fetch_local(&src, &heads)?;
        } else {
            remote.disconnect().map_err(|e| e.message().to_string())?;
            let mut opts = git2::FetchOptions::new();
            opts.download_tags(git2::AutotagOption::None);
            remote
                .fetch(
                    &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                    Some(&mut opts),
                    None,
                )
                .map_err(|e| e.message().to_string())?;
        }
        // The refs the upstream announced for this fetch (kept by the
        // remote after it disconnects); unknown, nothing is pruned.
        let advertised: Vec<String> = remote
            .list()
            .map(|heads| heads.iter().map(|h| h.name().to_string()).collect())
            .unwrap_or_default();
        self.remember_tips().map_err(|e| e.to_string())?;
        let pruned = self.prune_deleted(&advertised).map_err(|e| e.to_string())?;
        let state = FetchState {
            url: self.url.clone(),
            fetched_at: crate::now(),
            default_branch,
        };
        let text = toml::to_string(&state).map_err(|e| e.to_string())?;
        fsio::write_file_atomic(&self.dir.join(FETCH_STATE), text.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok((state, pruned))
    }

    /// Gives every current branch and tag tip a `refs/artisync/seen/<id>` ref
    /// so that force-pushed history stays reachable.
    fn remember_tips(&self) -> Result<(), StoreError> {
        let refs = self
            .repo
            .references()
            .map_err(StoreError::git("listing cached refs"))?;
        let mut tips = Vec::new();
        for r in refs.flatten() {
            let name = r.name().unwrap_or("");
            if name.starts_with("refs/heads/") || name.starts_with("refs/tags/") {
                if let Ok(c) = r.peel_to_commit() {
                    tips.push(c.id());
                }
            }
        }
        for id in tips {
            self.keep(ObjectId::from_git(id))?;
        }
        Ok(())
    }

    /// Keeps `commit` reachable in the cache forever.
    pub fn keep(&self, commit: ObjectId) -> Result<(), StoreError> {
        let name = format!("refs/artisync/seen/{commit}");
        if self.repo.find_reference(&name).is_err() {
            self.repo
                .reference(&name, commit.to_git(), true, "artisync: keep")
                .map_err(StoreError::git("recording a seen commit"))?;
        }
        Ok(())
    }

    /// Resolves a branch, tag or commit id (or the default branch for
    /// `None`) to a commit. Returns the ref name that should be tracked.
    pub fn resolve(&self, reference: Option<&str>) -> Result<(String, ObjectId), StoreError> {
        let name = match reference {
            Some(r) => r.to_string(),
            None => self
                .fetch_state()
                .and_then(|s| s.default_branch)
                .or_else(|| {
                    ["main", "master"]
                        .into_iter()
                        .find(|b| self.repo.find_reference(&format!("refs/heads/{b}")).is_ok())
                        .map(str::to_string)
                })
                .ok_or_else(|| StoreError::NotFetched {
                    url: self.url.clone(),
                })?,
        };
        let not_found = || StoreError::RefNotFound {
            url: self.url.clone(),
            reference: name.clone(),
        };
        for candidate in [format!("refs/heads/{name}"), format!("refs/tags/{name}")] {
            if let Ok(r) = self.repo.find_reference(&candidate) {
                let c = r.peel_to_commit().map_err(|_| not_found())?;
                return Ok((name.clone(), ObjectId::from_git(c.id())));
            }
        }
        if name.len() >= 7 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            if let Ok(obj) = self.repo.revparse_single(&name) {
                if let Ok(c) = obj.peel_to_commit() {
                    return Ok((name.clone(), ObjectId::from_git(c.id())));
                }
            }
        }
        Err(not_found())
    }

    /// Content with hash `id` from anything fetched, if present.
    pub fn find_content(
        &self,
        id: ObjectId,
        shape: Shape,
        file_name: &str,
    ) -> Result<Option<Content>, StoreError> {
        crate::objects::read_content(&self.repo, id, shape, file_name)
    }

    /// The change that turns `commit:path` into `content`, as (1) a unified
    /// diff `git apply` accepts at the repository root (binary changes in
    /// git's binary format) and (2) a `git format-patch` style mbox message
    /// with `subject` and `body`. The new tree and commit are written only
    /// into this cache; nothing is pushed or written upstream.
    pub fn patch_against(
        &self,
        commit: ObjectId,
        path: &RelPath,
        content: &Content,
        subject: &str,
        body: &str,
    ) -> Result<Option<Patch>, StoreError> {
        let repo = &self.repo;
        let git = |ctx: &str| StoreError::git(format!("building a patch: {ctx}"));
        let base = repo
            .find_commit(commit.to_git())
            .map_err(git("reading the base commit"))?;
        let base_tree = base.tree().map_err(git("reading the base tree"))?;
        let (oid, mode) = match content.shape {
            Shape::Dir => (
                crate::objects::write_content(repo, content)?.to_git(),
                0o040000,
            ),
            Shape::File => {
                let entry = content.files.values().next().ok_or_else(|| {
                    StoreError::Invalid("a single-file artifact without a file".into())
                })?;
                let oid = repo.blob(&entry.data).map_err(git("writing a blob"))?;
                (oid, entry.mode.git_mode() as i32)
            }
        };
        let comps: Vec<&str> = path.components().collect();
        let new_tree_id = replace_in_tree(repo, Some(&base_tree), &comps, oid, mode)?;
        if new_tree_id == base_tree.id() {
            return Ok(None);
        }
        let new_tree = repo
            .find_tree(new_tree_id)
            .map_err(git("reading the new tree"))?;
        let mut opts = git2::DiffOptions::new();
        opts.show_binary(true).context_lines(3);
        let mut diff = repo
            .diff_tree_to_tree(Some(&base_tree), Some(&new_tree), Some(&mut opts))
            .map_err(git("diffing"))?;
        let mut find = git2::DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find))
            .map_err(git("finding renames"))?;
        let mut unified = Vec::new();
        diff.print(git2::DiffFormat::Patch, |_, _, line| {
            if matches!(line.origin(), '+' | '-' | ' ') {
                unified.push(line.origin() as u8);
            }
            unified.extend_from_slice(line.content());
            true
        })
        .map_err(git("printing the diff"))?;
        let sig = match repo.signature() {
            Ok(s) => s.to_owned(),
            Err(_) => git2::Signature::now("artisync", "artisync@localhost")
                .map_err(git("making a signature"))?,
        };
        let message = format!("{subject}\n\n{body}\n");
        let new_commit = repo
            .commit(None, &sig, &sig, &message, &new_tree, &[&base])
            .map_err(git("writing the patch commit"))?;
        let c = repo
            .find_commit(new_commit)
            .map_err(git("reading the patch commit"))?;
        let mut eopts = git2::EmailCreateOptions::new();
        let mbox = git2::Email::from_commit(&c, &mut eopts).map_err(git("formatting the mbox"))?;
        Ok(Some(Patch {
            unified,
            mbox: mbox.as_slice().to_vec(),
        }))
    }

    pub fn commit_info(&self, commit: ObjectId) -> Result<CommitInfo, StoreError> {
        let c = self
            .repo
            .find_commit(commit.to_git())
            .map_err(StoreError::git(format!(
                "reading commit {commit} of {}",
                self.url
            )))?;
        Ok(CommitInfo::of(&c))
    }

    fn entry_at(
        &self,
        commit: ObjectId,
        path: &RelPath,
    ) -> Result<Option<(ObjectType, Oid, i32)>, StoreError> {
        let c = self
            .repo
            .find_commit(commit.to_git())
            .map_err(StoreError::git(format!(
                "reading commit {commit} of {}",
                self.url
            )))?;
        let tree = c.tree().map_err(StoreError::git("reading a tree"))?;
        if path.is_root() {
            return Ok(Some((ObjectType::Tree, tree.id(), 0o040000)));
        }
        match tree.get_path(Path::new(path.as_str())) {
            Ok(e) => Ok(e.kind().map(|k| (k, e.id(), e.filemode()))),
            Err(_) => Ok(None),
        }
    }

    /// What kind of object is at `commit:path`: `Some(Shape::Dir)` for a tree,
    /// `Some(Shape::File)` for a blob, `None` when absent.
    pub fn shape_at(&self, commit: ObjectId, path: &RelPath) -> Result<Option<Shape>, StoreError> {
        Ok(match self.entry_at(commit, path)? {
            Some((ObjectType::Tree, _, _)) => Some(Shape::Dir),
            Some((ObjectType::Blob, _, _)) => Some(Shape::File),
            _ => None,
        })
    }

    /// The bytes of the file at `commit:path`, `None` when nothing is
    /// there. A file larger than `limit` bytes is refused before it is
    /// read (its size comes from the object's header), and so is a folder.
    pub fn read_small_file(
        &self,
        commit: ObjectId,
        path: &RelPath,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let shown = || format!("{path} in {} at {}", self.url, commit.short());
        let oid = match self.entry_at(commit, path)? {
            None => return Ok(None),
            Some((ObjectType::Blob, oid, _)) => oid,
            Some(_) => return Err(StoreError::Invalid(format!("{} is not a file", shown()))),
        };
        let odb = self
            .repo
            .odb()
            .map_err(StoreError::git("opening the cache's objects"))?;
        let (size, _) = odb
            .read_header(oid)
            .map_err(StoreError::git(format!("reading {}", shown())))?;
        if size as u64 > limit {
            return Err(StoreError::Invalid(format!(
                "{} is {size} bytes; artisync reads at most {limit} bytes of it",
                shown()
            )));
        }
        let blob = self
            .repo
            .find_blob(oid)
            .map_err(StoreError::git(format!("reading {}", shown())))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// The names directly under the tree at `commit:path`, with whether each
    /// is a tree. Excluded names are left out.
    pub fn list_dir(
        &self,
        commit: ObjectId,
        path: &RelPath,
    ) -> Result<Vec<(String, bool)>, StoreError> {
        let Some((ObjectType::Tree, oid, _)) = self.entry_at(commit, path)? else {
            return Ok(vec![]);
        };
        let tree = self
            .repo
            .find_tree(oid)
            .map_err(StoreError::git("reading a tree"))?;
        Ok(tree
            .iter()
            .filter_map(|e| {
                let name = e.name()?.to_string();
                (!is_excluded(&name)).then_some((name, e.kind() == Some(ObjectType::Tree)))
            })
            .collect())
    }

    /// The artifact's hash at `commit:path` without reading file contents:
    /// the tree is re-hashed from its entries with the exclusion rule
    /// applied, which gives git's own id whenever nothing is excluded.
    pub fn artifact_hash(
        &self,
        commit: ObjectId,
        path: &RelPath,
        shape: Shape,
    ) -> Result<Option<ObjectId>, StoreError> {
        match (self.entry_at(commit, path)?, shape) {
            (Some((ObjectType::Blob, oid, _)), Shape::File) => Ok(Some(ObjectId::from_git(oid))),
            (Some((ObjectType::Tree, oid, _)), Shape::Dir) => Ok(Some(self.filtered_tree_id(oid)?)),
            _ => Ok(None),
        }
    }

    /// The hash of the tree `oid` as an artifact: its files (checked and
    /// filtered by `objects::tree_leaves`) hashed as any tier's files are.
    ///
    /// A tree id names its content for good, so the result is remembered
    /// for the life of the process: a server answering status requests
    /// walks each upstream tree once, not once per request.
    fn filtered_tree_id(&self, oid: Oid) -> Result<ObjectId, StoreError> {
        static MEMO: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<Oid, ObjectId>>,
        > = std::sync::OnceLock::new();
        let memo = MEMO.get_or_init(Default::default);
        if let Some(id) = memo.lock().ok().and_then(|m| m.get(&oid).copied()) {
            return Ok(id);
        }
        let leaves = crate::objects::tree_leaves(&self.repo, oid)?;
        let id = tree_id_of_paths(
            leaves
                .into_iter()
                .map(|l| (l.path, l.mode.git_mode(), ObjectId::from_git(l.id))),
        );
        if let Ok(mut m) = memo.lock() {
            if m.len() >= 100_000 {
                m.clear();
            }
            m.insert(oid, id);
        }
        Ok(id)
    }

    /// Reads the artifact at `commit:path`; `Ok(None)` when absent or of the
    /// other shape.
    pub fn read_content(
        &self,
        commit: ObjectId,
        path: &RelPath,
        shape: Shape,
    ) -> Result<Option<Content>, StoreError> {
        let read = |oid| {
            crate::objects::read_content(
                &self.repo,
                ObjectId::from_git(oid),
                shape,
                path.file_name(),
            )
        };
        match (self.entry_at(commit, path)?, shape) {
            (Some((ObjectType::Blob, oid, mode)), Shape::File) => {
                let mut content = read(oid)?;
                // A single file keeps the mode its tree entry gives it.
                let mode = FileMode::from_git_mode(mode as u32).unwrap_or(FileMode::Regular);
                if let Some(e) = content.as_mut().and_then(|c| c.files.values_mut().next()) {
                    e.mode = mode;
                }
                Ok(content)
            }
            (Some((ObjectType::Tree, oid, _)), Shape::Dir) => read(oid),
            _ => Ok(None),
        }
    }
}

/// `tree` with the entry at `path` replaced by `oid`/`mode`, created along
/// the way if missing. Returns the new root tree id.
fn replace_in_tree(
    repo: &Repository,
    tree: Option<&git2::Tree<'_>>,
    path: &[&str],
    oid: Oid,
    mode: i32,
) -> Result<Oid, StoreError> {
    let err = || StoreError::git("rewriting a tree");
    let mut tb = repo.treebuilder(tree).map_err(err())?;
    match path {
        [] => return Ok(oid),
        [name] => {
            tb.insert(name, oid, mode).map_err(err())?;
        }
        [first, rest @ ..] => {
            let sub = tree
                .and_then(|t| t.get_name(first))
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .and_then(|e| repo.find_tree(e.id()).ok());
            let sub_id = replace_in_tree(repo, sub.as_ref(), rest, oid, mode)?;
            tb.insert(first, sub_id, 0o040000).map_err(err())?;
        }
    }
    tb.write().map_err(err())
}
