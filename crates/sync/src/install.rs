//! Reproducible installs from a project's lockfile. `check` compares every
//! copy the lockfile records with what is on disk and writes nothing (for
//! CI). `install_frozen` recreates exactly the locked content of every
//! copy: from the object store, the collection's history, or the upstream
//! at the locked commit (fetched when the cache lacks it). It finds every
//! copy's content before it writes any, so a copy it cannot match fails
//! the install with nothing written; copies with local changes are only
//! replaced with `yes`, and each write can be undone.

use std::path::Path;

use artisync_model::{ArtifactId, Content, Destination, LockEntry, ObjectId, SourceSpec, Target};
use artisync_store::journal::BaseRecord;
use artisync_store::statcache::StatCache;
use artisync_store::{Collection, Project, ResolvedSource, StoreError};
use serde::Serialize;

use crate::syncing::Place;
use crate::{Engine, SyncError};

/// How one copy compares with its lock entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// On disk exactly as locked.
    Locked,
    /// Present with other content.
    Modified,
    /// Not on disk.
    Missing,
}

/// One copy of the lockfile and how it compares.
#[derive(Debug, Clone, Serialize)]
pub struct CopyCheck {
    pub id: ArtifactId,
    pub target: Target,
    pub state: CopyState,
    /// The hash the lockfile records.
    pub locked: ObjectId,
    /// The hash on disk (`None`: missing).
    pub hash: Option<ObjectId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstallCheck {
    pub project: std::path::PathBuf,
    pub copies: Vec<CopyCheck>,
    /// Artifacts in the project's layouts that the lockfile does not record:
    /// reported, not a difference.
    pub untracked: Vec<UntrackedCopy>,
}

/// An artifact in one of a project's layouts that its lockfile does not
/// record.
#[derive(Debug, Clone, Serialize)]
pub struct UntrackedCopy {
    pub id: ArtifactId,
    pub target: Target,
}

impl InstallCheck {
    /// Whether the project is exactly as its lockfile says.
    pub fn matches(&self) -> bool {
        self.copies.iter().all(|c| c.state == CopyState::Locked)
    }
}

/// What a frozen install did to one copy.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    pub id: ArtifactId,
    pub target: Target,
    /// `locked` (already as locked), `created` or `replaced`.
    pub action: &'static str,
    pub hash: ObjectId,
    /// Where the content came from, for a written copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    pub project: std::path::PathBuf,
    pub copies: Vec<Installed>,
}

impl Engine {
    /// Compares every copy in the lockfile of `project` with the disk.
    /// Reads only.
    pub fn install_check(&self, project: &Path) -> Result<InstallCheck, SyncError> {
        let project = Project::open(&self.home, project)?;
        let root = project.tier_root()?;
        let lock = project.lock_in(&root)?;
        if lock.artifacts.is_empty() {
            return Err(no_lockfile(&project));
        }
        let cache = StatCache::for_root(&self.home, &project.root);
        let mut copies = Vec::new();
        for e in &lock.artifacts {
            let copy = project.in_target(e.target);
            let hash = copy.artifact_hash(&root, &cache, &e.id())?;
            let state = match hash {
                None => CopyState::Missing,
                Some(h) if h == e.hash => CopyState::Locked,
                Some(_) => CopyState::Modified,
            };
            copies.push(CopyCheck {
                id: e.id(),
                target: e.target,
                state,
                locked: e.hash,
                hash,
            });
        }
        let mut targets: Vec<Target> = lock.artifacts.iter().map(|e| e.target).collect();
        targets.sort();
        targets.dedup();
        let mut untracked = Vec::new();
        for t in targets {
            for id in project.in_target(t).scan_in(&root)? {
                if lock.get(&id, t).is_none() {
                    untracked.push(UntrackedCopy { id, target: t });
                }
            }
        }
        Ok(InstallCheck {
            project: project.root,
            copies,
            untracked,
        })
    }

    /// Recreates every copy of the lockfile of `project` at its locked
    /// hash. Refused, with nothing written, when a locked content cannot be
    /// found, or when a copy has local changes and `yes` is not given.
    pub fn install_frozen(&self, project: &Path, yes: bool) -> Result<InstallReport, SyncError> {
        let check = self.install_check(project)?;
        let project = Project::open(&self.home, &check.project)?;
        let lock = project.lock()?;
        let modified: Vec<String> = check
            .copies
            .iter()
            .filter(|c| c.state == CopyState::Modified)
            .map(|c| copy_name(&c.id, c.target))
            .collect();
        if !modified.is_empty() && !yes {
            return Err(SyncError::Refused(format!(
                "{} local changes that the locked content would replace; nothing was changed; run again with --yes to replace them (undo brings them back), or 'artisync install --check' to list the differences",
                if modified.len() == 1 {
                    format!("{} has", modified[0])
                } else {
                    format!("{} have", modified.join(", "))
                }
            )));
        }
        // Find every content first: one copy that cannot be matched fails
        // the install before anything is written.
        let collection = Collection::open(&self.home, &self.collection_name).ok();
        let mut found: Vec<(&LockEntry, Content, String)> = Vec::new();
        let mut unmatched = Vec::new();
        for (e, c) in lock.artifacts.iter().zip(&check.copies) {
            if c.state == CopyState::Locked {
                continue;
            }
            match self.locked_content(e, collection.as_ref())? {
                Some((content, from)) => found.push((e, content, from)),
                None => unmatched.push(copy_name(&e.id(), e.target)),
            }
        }
        if !unmatched.is_empty() {
            return Err(SyncError::Refused(format!(
                "the locked content of {} is not in the object store, the collection's history or its upstream at the locked commit; nothing was changed",
                unmatched.join(", ")
            )));
        }
        let objects = self.objects()?;
        let mut copies: Vec<Installed> = check
            .copies
            .iter()
            .filter(|c| c.state == CopyState::Locked)
            .map(|c| Installed {
                id: c.id.clone(),
                target: c.target,
                action: "locked",
                hash: c.locked,
                from: None,
            })
            .collect();
        for (e, content, from) in found {
            let id = e.id();
            let copy = project.in_target(e.target);
            let destination = Destination::Project {
                path: copy.root.clone(),
                target: copy.target,
            };
            let _guard = self.artifact_lock(&destination, &id)?;
            let place = Place::Project(copy.clone());
            place.remove_leftovers(&id);
            let current = place.read(&id)?;
            let action = if current.is_some() {
                "replaced"
            } else {
                "created"
            };
            let before = BaseRecord::Lock {
                project: copy.root.clone(),
                target: copy.target,
                entry: Some(e.clone()),
            };
            self.write_artifact(
                &objects,
                &place,
                &destination,
                &id,
                current.as_ref(),
                Some(&content),
                &before,
                "install --frozen",
                None,
            )?;
            copies.push(Installed {
                id,
                target: e.target,
                action,
                hash: e.hash,
                from: Some(from),
            });
        }
        copies.sort_by(|a, b| (&a.id, a.target).cmp(&(&b.id, b.target)));
        Ok(InstallReport {
            project: project.root,
            copies,
        })
    }

    /// The content `e` locks, and where it was found.
    fn locked_content(
        &self,
        e: &LockEntry,
        collection: Option<&Collection>,
    ) -> Result<Option<(Content, String)>, SyncError> {
        let id = e.id();
        let shape = id.kind.shape();
        let file = id.rel_path().file_name().to_string();
        let verified = |c: Option<Content>| c.filter(|c| c.hash() == e.hash);
        if let Some(c) = verified(self.objects()?.get(e.hash, shape, &file)?) {
            return Ok(Some((c, "the object store".into())));
        }
        if let Some(col) = collection {
            if let Some(c) = verified(col.find_content(e.hash, shape, &file)?) {
                return Ok(Some((c, format!("collection '{}'", self.collection_name))));
            }
        }
        let (Some(src), Some(commit)) = (&e.source, e.commit) else {
            return Ok(None);
        };
        let resolved = ResolvedSource::from_spec(&SourceSpec::parse(src)?)?;
        let cache = self.cache().open_or_create(&resolved.url)?;
        let at_commit = |cache: &artisync_store::CachedRepo| {
            match cache.read_content(commit, &resolved.path, shape) {
                Ok(c) => Ok(verified(c)),
                // Not fetched yet: fetch, then look again.
                Err(StoreError::Git { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let mut content = at_commit(&cache)?;
        if content.is_none() {
            let f = cache.fetch()?;
            if f.offline.is_none() {
                content = at_commit(&cache)?;
            }
        }
        Ok(content.map(|c| {
            (
                c,
                format!("upstream {} at {}", resolved.url, commit.short()),
            )
        }))
    }
}

fn copy_name(id: &ArtifactId, target: Target) -> String {
    if target == Target::Claude {
        id.to_string()
    } else {
        format!("{id} ({target} copy)")
    }
}

fn no_lockfile(project: &Project) -> SyncError {
    SyncError::Refused(format!(
        "{} records no artifact; deploy some first, or check out the project's committed lockfile",
        project.lock_path().display()
    ))
}
