//! The collection: a git repository holding artifacts (`skills/<name>/`,
//! `commands/<name>.md`, `agents/<name>.md`) and the manifest
//! `artisync.toml`. Every change the tool makes is one commit.

use std::path::{Path, PathBuf};

use artisync_model::{ArtifactId, Content, Manifest, ObjectId, RelPath};
use git2::Repository;

use crate::beneath::DirHandle;
use crate::repo::{self, CommitInfo};
use crate::{fsio, Home, StoreError};

pub const MANIFEST: &str = "artisync.toml";

const GITIGNORE: &str = "# Never part of an artifact (artisync's exclusion rule)\n.DS_Store\n*.swp\n*.swo\n*.swx\n*~\n.#*\n# Unfinished writes (removed on the next write)\n.*.artisync-*\n";

pub struct Collection {
    pub name: String,
    pub root: PathBuf,
    pub(crate) repo: Repository,
}

impl Collection {
    /// Creates the collection as a git repository with an empty manifest and
    /// a first commit.
    pub fn init(home: &Home, name: &str, remote: Option<&str>) -> Result<Collection, StoreError> {
        let root = home.collection_dir(name)?;
        if root.join(MANIFEST).exists() || root.join(".git").exists() {
            return Err(StoreError::CollectionExists {
                name: name.to_string(),
                path: root,
            });
        }
        std::fs::create_dir_all(&root).map_err(StoreError::io("create directory", &root))?;
        let repo = repo::init(&root)?;
        if let Some(url) = remote {
            repo.remote("origin", url)
                .map_err(StoreError::git(format!("adding remote {url}")))?;
        }
        fsio::write_file_atomic(&root.join(".gitignore"), GITIGNORE.as_bytes())?;
        fsio::write_file_atomic(
            &root.join(MANIFEST),
            Manifest::default().to_toml().as_bytes(),
        )?;
        repo::commit_all(&repo, &format!("Create collection '{name}'"))?;
        Ok(Collection {
            name: name.to_string(),
            root,
            repo,
        })
    }

    pub fn open(home: &Home, name: &str) -> Result<Collection, StoreError> {
        let root = home.collection_dir(name)?;
        if !root.join(MANIFEST).exists() {
            return Err(StoreError::NoCollection {
                name: name.to_string(),
                path: root,
            });
        }
        let repo = Repository::open(&root).map_err(StoreError::git(format!(
            "opening collection {}",
            root.display()
        )))?;
        Ok(Collection {
            name: name.to_string(),
            root,
            repo,
        })
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(MANIFEST)
    }

    pub fn manifest(&self) -> Result<Manifest, StoreError> {
        read_manifest_at(&self.manifest_path())
    }

    /// Where collection `name` keeps its manifest.
    pub fn manifest_path_in(home: &Home, name: &str) -> Result<PathBuf, StoreError> {
        Ok(home.collection_dir(name)?.join(MANIFEST))
    }

    /// The manifest of collection `name`, read without opening its git
    /// repository (for callers that only look).
    pub fn read_manifest(home: &Home, name: &str) -> Result<Manifest, StoreError> {
        let path = Self::manifest_path_in(home, name)?;
        if !path.exists() {
            return Err(StoreError::NoCollection {
                name: name.to_string(),
                path: home.collection_dir(name)?,
            });
        }
        read_manifest_at(&path)
    }

    pub fn save_manifest(&self, m: &Manifest) -> Result<(), StoreError> {
        fsio::write_file_atomic(&self.manifest_path(), m.to_toml().as_bytes())
    }

    pub fn artifact_path(&self, id: &ArtifactId) -> PathBuf {
        self.root.join(id.rel_path().as_str())
    }

    /// The collection folder, opened for reading and writing below it
    /// without following symlinks.
    pub fn tier_root(&self) -> Result<DirHandle, StoreError> {
        DirHandle::open_root(&self.root, false)
    }

    /// `tier_root` of collection `name`, without opening its git
    /// repository (for callers that only look).
    pub fn tier_root_in(home: &Home, name: &str) -> Result<DirHandle, StoreError> {
        DirHandle::open_root(&home.collection_dir(name)?, false)
    }

    pub fn read_artifact(&self, id: &ArtifactId) -> Result<Option<Content>, StoreError> {
        fsio::read_content_in(&self.tier_root()?, &id.rel_path(), id.kind.shape())
    }

    /// Writes (or with `None` removes) the artifact; see
    /// `fsio::write_content_in` for `expected` and what is returned.
    pub fn write_artifact(
        &self,
        id: &ArtifactId,
        content: Option<&Content>,
        expected: Option<&Content>,
    ) -> Result<Option<Content>, StoreError> {
        fsio::put_in(
            &self.tier_root()?,
            &id.rel_path(),
            content,
            expected,
            id.kind.shape(),
        )
    }

    /// Writes several new artifacts with one flush for all of them (see
    /// `fsio::write_contents_in`).
    pub fn write_artifacts(&self, items: &[(&ArtifactId, &Content)]) -> Result<(), StoreError> {
        let items: Vec<(RelPath, &Content)> =
            items.iter().map(|(id, c)| (id.rel_path(), *c)).collect();
        fsio::write_contents_in(&self.tier_root()?, &items).map(|_| ())
    }

    /// Commits everything changed in the collection with `message`.
    pub fn commit(&self, message: &str) -> Result<Option<ObjectId>, StoreError> {
        repo::commit_all(&self.repo, message)
    }

    /// Commits like `commit`, after storing the files of `written` (each an
    /// artifact this run has just written with that content) in one pack
    /// and staging them by id with their stat data, so that the commit
    /// neither reads nor hashes them again, and neither does a later one
    /// while they stay unchanged.
    pub fn commit_written(
        &self,
        message: &str,
        written: &[(&ArtifactId, &Content)],
    ) -> Result<Option<ObjectId>, StoreError> {
        repo::stage_written(&self.repo, &self.tier_root()?, written)?;
        repo::commit_all(&self.repo, message)
    }

    pub fn head(&self) -> Option<CommitInfo> {
        let c = self.repo.head().ok()?.peel_to_commit().ok()?;
        Some(CommitInfo::of(&c))
    }

    /// Content with hash `id` from the collection's git history, if any
    /// commit ever held it.
    pub fn find_content(
        &self,
        id: ObjectId,
        shape: artisync_model::Shape,
        file_name: &str,
    ) -> Result<Option<Content>, StoreError> {
        crate::objects::read_content(&self.repo, id, shape, file_name)
    }

    /// The newest commit that changed `path`, looking back at most `limit`
    /// commits.
    pub fn last_commit_touching(&self, path: &RelPath, limit: usize) -> Option<CommitInfo> {
        let mut walk = self.repo.revwalk().ok()?;
        walk.push_head().ok()?;
        let p = Path::new(path.as_str());
        let id_at = |c: &git2::Commit<'_>| c.tree().ok()?.get_path(p).ok().map(|e| e.id());
        for oid in walk.flatten().take(limit) {
            let c = self.repo.find_commit(oid).ok()?;
            let mine = id_at(&c);
            let parent = c.parent(0).ok().and_then(|pc| id_at(&pc));
            if mine != parent {
                return Some(CommitInfo::of(&c));
            }
        }
        None
    }
}

fn read_manifest_at(path: &Path) -> Result<Manifest, StoreError> {
    // A manifest that vanished is not an empty one.
    let text = fsio::read_text(path)?.ok_or_else(|| {
        StoreError::Invalid(format!(
            "{} is missing; restore it from the collection's git history with 'git -C {} checkout {MANIFEST}'",
            path.display(),
            path.parent().unwrap_or(Path::new(".")).display()
        ))
    })?;
    Ok(Manifest::parse(&text, &path.display().to_string())?)
}
