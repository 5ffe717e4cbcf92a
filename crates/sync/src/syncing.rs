//! Syncing one tier into another: first a plan, then an apply
//! that writes exactly that plan.
//!
//! The plan of one artifact is a pure function of its three versions (base,
//! ours = the destination, theirs = the source) and a strategy. Applying it
//! takes the artifact's inter-process lock, re-reads the destination, stores
//! the previous content in the object store and the undo journal, writes the
//! new content atomically and records the new base. A conflict writes
//! nothing to the destination: the pending merge is staged instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use artisync_merge::{merge_limited, ConflictKind, FileChange, Merge, MergeLimits};
use artisync_model::{
    ArtifactId, Content, Destination, Direction, LockEntry, ManifestEntry, ObjectId, Outcome,
    RelPath, SourceSpec, Strategy, Target,
};
use artisync_store::journal::{BaseRecord, Journal, UndoEntry};
use artisync_store::objects::ObjectStore;
use artisync_store::pending::{NewBase, PendingFile, PendingMerge, PendingStore};
use artisync_store::{lock, CachedRepo, Collection, Project, ResolvedSource, StoreError};
use serde::Serialize;

use crate::{Engine, SyncError};

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub direction: Direction,
    /// The artifacts; empty means every artifact the direction applies to.
    pub artifacts: Vec<ArtifactId>,
    pub project: Option<PathBuf>,
    /// The project copy: its target layout. `None` syncs every target of
    /// the project from the collection, and reads the project's first
    /// target towards the collection.
    pub target: Option<artisync_model::Target>,
    pub strategy: Strategy,
    /// Per-artifact strategies, overriding `strategy`.
    pub strategies: BTreeMap<ArtifactId, Strategy>,
    pub dry_run: bool,
    /// Confirms destructive choices (theirs over local changes, ours over an
    /// incoming update).
    pub yes: bool,
}

impl SyncRequest {
    pub fn new(direction: Direction) -> SyncRequest {
        SyncRequest {
            direction,
            artifacts: vec![],
            project: None,
            target: None,
            strategy: Strategy::Auto,
            strategies: BTreeMap::new(),
            dry_run: false,
            yes: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileResult {
    pub path: RelPath,
    pub change: FileChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictFile {
    pub path: RelPath,
    pub kind: ConflictKind,
}

/// The plan, and after applying the result, for one artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactResult {
    pub id: ArtifactId,
    /// The target of the project copy this result is about, when the sync
    /// involves a project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<artisync_model::Target>,
    pub outcome: Outcome,
    pub strategy: Strategy,
    /// The destination's hash before.
    pub from: Option<ObjectId>,
    /// The destination's hash after (the same as `from` when nothing is written).
    pub to: Option<ObjectId>,
    pub files: Vec<FileResult>,
    pub conflicts: Vec<ConflictFile>,
    /// Why this choice discards changes and needs confirmation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive: Option<String>,
    /// What the audit finds in the incoming change (from upstream), less
    /// the suppressed findings. A high one needs confirmation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<artisync_merge::AuditFinding>,
    pub message: String,
}

impl ArtifactResult {
    /// Why this result cannot be applied without confirmation because of
    /// its audit findings, if it brings in a high one.
    pub fn needs_audit_confirmation(&self) -> Option<String> {
        let lands = matches!(
            self.outcome,
            Outcome::Updated | Outcome::Merged | Outcome::Conflict
        );
        let high: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.severity == artisync_merge::AuditSeverity::High)
            .map(|f| match f.line {
                Some(n) => format!("{} at {}:{n}", f.rule, f.file),
                None => format!("{} in {}", f.rule, f.file),
            })
            .collect();
        (lands && !high.is_empty()).then(|| {
            format!(
                "the upstream change of {} has high audit findings ({})",
                self.id,
                high.join(", ")
            )
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub direction: Direction,
    pub destination: Destination,
    pub dry_run: bool,
    pub artifacts: Vec<ArtifactResult>,
    /// The collection commit recording this sync, when it wrote to the collection.
    pub commit: Option<ObjectId>,
    pub warnings: Vec<String>,
}

impl SyncReport {
    pub fn has_conflicts(&self) -> bool {
        self.artifacts
            .iter()
            .any(|a| a.outcome == Outcome::Conflict)
    }

    pub fn has_errors(&self) -> bool {
        self.artifacts.iter().any(|a| a.outcome == Outcome::Error)
    }
}

/// One step of a running sync, for progress reporting.
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub result: &'a ArtifactResult,
}

/// The three versions of one artifact and what its base record becomes.
pub(crate) struct Sides {
    pub id: ArtifactId,
    pub base: Option<Content>,
    pub base_hash: Option<ObjectId>,
    pub ours: Option<Content>,
    pub theirs: Content,
    pub new_base: NewBase,
    pub base_before: BaseRecord,
}

/// The pure plan of one artifact.
pub(crate) struct Planned {
    pub result: ArtifactResult,
    /// The content to write, when the plan writes one.
    pub write: Option<Content>,
    pub merge: Option<Merge>,
}

fn changed_files(old: Option<&Content>, new: &Content) -> Vec<FileResult> {
    let empty = BTreeMap::new();
    let of = old.map_or(&empty, |c| &c.files);
    let mut out: Vec<FileResult> = Vec::new();
    for (p, e) in &new.files {
        if of.get(p) != Some(e) {
            out.push(FileResult {
                path: p.clone(),
                change: FileChange::Taken,
            });
        }
    }
    for p in of.keys() {
        if !new.files.contains_key(p) {
            out.push(FileResult {
                path: p.clone(),
                change: FileChange::Taken,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// How long merging one artifact may take before its remaining text files
/// become `too_large` conflicts.
const MERGE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Plans one artifact: a pure function of its sides and the strategy
/// (bounded and cancellable by `limits`: a cancelled merge plans a skip). A
/// write that deletes most of the destination's files is destructive
/// whatever the strategy, so it needs confirmation.
pub(crate) fn plan(
    s: &Sides,
    strategy: Strategy,
    dest: &Destination,
    source: &str,
    limits: &MergeLimits<'_>,
) -> Planned {
    let mut p = plan_write(s, strategy, dest, source, limits);
    if let (Some(new), Some(old), None) = (&p.write, &s.ours, &p.result.destructive) {
        p.result.destructive = deletes_most(old, new).map(|(gone, of)| {
            format!(
                "this sync deletes {gone} of the {of} files of {} in {dest}",
                s.id
            )
        });
    }
    p
}

/// `(deleted, of)` when writing `new` over `old` deletes all of `old`'s
/// files or more than half of them.
fn deletes_most(old: &Content, new: &Content) -> Option<(usize, usize)> {
    let of = old.files.len();
    let gone = old
        .files
        .keys()
        .filter(|p| !new.files.contains_key(*p))
        .count();
    (of > 0 && gone > 0 && (new.files.is_empty() || gone * 2 > of)).then_some((gone, of))
}

fn plan_write(
    s: &Sides,
    strategy: Strategy,
    dest: &Destination,
    source: &str,
    limits: &MergeLimits<'_>,
) -> Planned {
    let from = s.ours.as_ref().map(Content::hash);
    let theirs_hash = s.theirs.hash();
    let mut r = ArtifactResult {
        target: None,
        id: s.id.clone(),
        outcome: Outcome::Unchanged,
        strategy,
        from,
        to: from,
        files: vec![],
        conflicts: vec![],
        destructive: None,
        findings: vec![],
        message: String::new(),
    };
    if from == Some(theirs_hash) {
        r.message = "already the same as the source".into();
        return Planned {
            result: r,
            write: None,
            merge: None,
        };
    }
    let local_changes = s.ours.is_some() && s.base_hash != from;
    let incoming = s.base_hash != Some(theirs_hash);
    match strategy {
        Strategy::Theirs => {
            r.outcome = Outcome::Updated;
            r.to = Some(theirs_hash);
            r.files = changed_files(s.ours.as_ref(), &s.theirs);
            if local_changes {
                r.destructive = Some(format!(
                    "'theirs' replaces the local changes to {} in {dest}",
                    s.id
                ));
            }
            r.message = format!("replaced with the {source} version");
            Planned {
                result: r,
                write: Some(s.theirs.clone()),
                merge: None,
            }
        }
        Strategy::Ours => {
            if incoming {
                r.destructive = Some(format!(
                    "'ours' discards the incoming update to {} from {source}",
                    s.id
                ));
            }
            r.message =
                format!("kept the {dest} version; the {source} version is recorded as merged");
            Planned {
                result: r,
                write: None,
                merge: None,
            }
        }
        Strategy::Auto if s.ours.is_none() => {
            // Nothing at the destination: a merge against the base would
            // read that as "every file deleted" and write an empty copy.
            // A missing copy is restored whole from the source instead.
            r.outcome = Outcome::Updated;
            r.to = Some(theirs_hash);
            r.files = changed_files(None, &s.theirs);
            r.message = if s.base_hash.is_some() {
                format!("restored from {source}: the copy in {dest} was missing")
            } else {
                format!("added from {source}")
            };
            Planned {
                result: r,
                write: Some(s.theirs.clone()),
                merge: None,
            }
        }
        Strategy::Auto => {
            let Ok(m) = merge_limited(s.base.as_ref(), s.ours.as_ref(), Some(&s.theirs), limits)
            else {
                r.outcome = Outcome::Skipped;
                r.message = "cancelled while merging; nothing was written".into();
                return Planned {
                    result: r,
                    write: None,
                    merge: None,
                };
            };
            r.files = m
                .changes
                .iter()
                .map(|(p, c)| FileResult {
                    path: p.clone(),
                    change: *c,
                })
                .collect();
            if !m.is_clean() {
                r.outcome = Outcome::Conflict;
                r.conflicts = m
                    .conflicts
                    .iter()
                    .map(|c| ConflictFile {
                        path: c.path.clone(),
                        kind: c.kind,
                    })
                    .collect();
                let paths: Vec<&str> = m.conflicts.iter().map(|c| c.path.as_str()).collect();
                r.message = format!(
                    "both sides changed {}; the destination is untouched until you resolve it",
                    paths.join(", ")
                );
                if m.conflicts.iter().any(|c| c.kind == ConflictKind::TooLarge) {
                    r.message.push_str(
                        " (a file too large to merge line by line: resolve it with ours or theirs)",
                    );
                }
                return Planned {
                    result: r,
                    write: None,
                    merge: Some(m),
                };
            }
            let merged = m.content();
            let to = merged.hash();
            if Some(to) == from {
                r.message = if local_changes {
                    "only the destination changed (ahead); nothing incoming".into()
                } else {
                    "up to date".into()
                };
                return Planned {
                    result: r,
                    write: None,
                    merge: Some(m),
                };
            }
            r.to = Some(to);
            if local_changes {
                r.outcome = Outcome::Merged;
                r.message = format!("merged the {source} changes with the local changes");
            } else {
                r.outcome = Outcome::Updated;
                r.message = if from.is_none() {
                    format!("added from {source}")
                } else {
                    format!("updated from {source}")
                };
            }
            Planned {
                result: r,
                write: Some(merged),
                merge: Some(m),
            }
        }
    }
}

/// Where a sync writes, opened.
pub(crate) enum Place {
    Collection(Collection),
    Project(Project),
}

impl Place {
    pub fn read(&self, id: &ArtifactId) -> Result<Option<Content>, SyncError> {
        Ok(match self {
            Place::Collection(c) => c.read_artifact(id)?,
            Place::Project(p) => p.read_artifact(id)?,
        })
    }

    pub fn path(&self, id: &ArtifactId) -> PathBuf {
        match self {
            Place::Collection(c) => c.artifact_path(id),
            Place::Project(p) => p.artifact_path(id),
        }
    }

    /// Writes `content` (or removes the artifact for `None`) atomically,
    /// never through a symlink. Returns what was replaced when it differs
    /// from `expected` (an edit made while the write ran).
    pub fn put(
        &self,
        id: &ArtifactId,
        content: Option<&Content>,
        expected: Option<&Content>,
    ) -> Result<Option<Content>, SyncError> {
        Ok(match self {
            Place::Collection(c) => c.write_artifact(id, content, expected)?,
            Place::Project(p) => p.write_artifact(id, content, expected)?,
        })
    }

    /// Removes what a killed write of `id` left beside it.
    pub fn remove_leftovers(&self, id: &ArtifactId) {
        let (root, rel) = match self {
            Place::Collection(c) => (c.tier_root(), id.rel_path()),
            Place::Project(p) => (p.tier_root(), p.artifact_rel(id)),
        };
        if let Ok(root) = root {
            artisync_store::fsio::remove_leftovers_in(&root, &rel);
        }
    }
}

impl Engine {
    pub(crate) fn objects(&self) -> Result<ObjectStore, SyncError> {
        Ok(ObjectStore::open(&self.home.objects_dir())?)
    }

    pub(crate) fn journal(&self) -> Journal {
        Journal::new(self.home.undo_log_path())
    }

    pub(crate) fn pending(&self) -> PendingStore {
        PendingStore::new(self.home.pending_dir())
    }

    pub(crate) fn artifact_lock(
        &self,
        dest: &Destination,
        id: &ArtifactId,
    ) -> Result<lock::LockGuard, SyncError> {
        Ok(lock::acquire(
            &self.home.locks_dir(),
            &format!("{}#{id}", dest.key()),
        )?)
    }

    pub(crate) fn record_lock(&self, what: &str) -> Result<lock::LockGuard, SyncError> {
        Ok(lock::acquire(&self.home.locks_dir(), what)?)
    }

    /// Finds content by hash: the object store first, then the collection's
    /// history, then the upstream cache.
    pub(crate) fn find_content(
        &self,
        objects: &ObjectStore,
        hash: ObjectId,
        id: &ArtifactId,
        collection: &Collection,
        cache: Option<&CachedRepo>,
    ) -> Result<Option<Content>, SyncError> {
        let shape = id.kind.shape();
        let file = id.rel_path().file_name().to_string();
        if let Some(c) = objects.get(hash, shape, &file)? {
            return Ok(Some(c));
        }
        if let Some(c) = collection.find_content(hash, shape, &file)? {
            return Ok(Some(c));
        }
        match cache {
            Some(cache) => Ok(cache.find_content(hash, shape, &file)?),
            None => Ok(None),
        }
    }

    fn project_for(&self, req: &SyncRequest) -> Result<Project, SyncError> {
        let path = req
            .project
            .as_deref()
            .ok_or_else(|| SyncError::Refused(format!("{} needs --project PATH", req.direction)))?;
        Ok(Project::open(&self.home, path)?)
    }

    /// Plans and (unless it is a dry run) applies a sync.
    pub fn sync(&self, req: &SyncRequest) -> Result<SyncReport, SyncError> {
        self.sync_with(req, &mut |_| {}, &|| false)
    }

    /// `sync`, reporting each artifact as it finishes and stopping between
    /// artifacts once `cancelled` says so. From the collection to a project
    /// with several targets and none named, each target's copy is synced
    /// in turn, and every result names its target.
    pub fn sync_with(
        &self,
        req: &SyncRequest,
        progress: &mut dyn FnMut(Progress<'_>),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<SyncReport, SyncError> {
        if req.direction == Direction::ProjectToUpstream {
            return Err(SyncError::Refused(
                "project_to_upstream never writes upstream; export a patch with 'artisync patch ID --project P'".into(),
            ));
        }
        if req.direction == Direction::UpstreamToCollection {
            if req.project.is_some() || req.target.is_some() {
                return Err(SyncError::Refused(
                    "upstream_to_collection does not take --project or --target".into(),
                ));
            }
            return self.sync_copy(req, Target::Claude, progress, cancelled);
        }
        let project = self.project_for(req)?;
        let copies = match (req.target, req.direction) {
            (None, Direction::CollectionToProject) => self.targets_of(&project.root)?,
            (t, _) => vec![self.project_copy(&project.root, t)?.target],
        };
        let [rest @ .., last] = copies.as_slice() else {
            return self.sync_copy(req, Target::Claude, progress, cancelled);
        };
        if rest.is_empty() {
            return self.sync_copy(req, *last, progress, cancelled);
        }
        // Several copies: every destructive choice is refused before the
        // first copy is written, as for one.
        if !req.dry_run && !req.yes {
            let preview = SyncRequest {
                dry_run: true,
                ..req.clone()
            };
            let mut destructive = Vec::new();
            for t in &copies {
                let r = self.sync_copy(&preview, *t, &mut |_| {}, cancelled)?;
                destructive.extend(
                    r.artifacts
                        .into_iter()
                        .filter_map(|a| a.destructive.map(|d| format!("{d} (the {t} copy)"))),
                );
            }
            if !destructive.is_empty() {
                return Err(SyncError::Refused(format!(
                    "{}; nothing was changed; run again with --yes to confirm, or --dry-run to preview",
                    destructive.join("; ")
                )));
            }
        }
        let lock = project.lock()?;
        let total: usize = copies
            .iter()
            .map(|t| {
                if req.artifacts.is_empty() {
                    lock.artifacts
                        .iter()
                        .filter(|e| e.target == *t && e.collection == self.collection_name)
                        .count()
                } else {
                    req.artifacts.len()
                }
            })
            .sum();
        let mut combined: Option<SyncReport> = None;
        let mut offset = 0;
        for t in &copies {
            if cancelled() {
                break;
            }
            let report = self.sync_copy(
                req,
                *t,
                &mut |p| {
                    progress(Progress {
                        done: offset + p.done,
                        total: total.max(offset + p.total),
                        result: p.result,
                    })
                },
                cancelled,
            )?;
            offset += report.artifacts.len();
            match combined.as_mut() {
                None => combined = Some(report),
                Some(c) => {
                    c.artifacts.extend(report.artifacts);
                    c.warnings.extend(report.warnings);
                    c.commit = c.commit.or(report.commit);
                }
            }
        }
        match combined {
            Some(c) => Ok(c),
            None => self.sync_copy(req, copies[0], progress, &|| true),
        }
    }

    /// One copy's sync: the collection, or the project's copy in `copy`.
    fn sync_copy(
        &self,
        req: &SyncRequest,
        copy: Target,
        progress: &mut dyn FnMut(Progress<'_>),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<SyncReport, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let project = match req.direction {
            Direction::UpstreamToCollection => None,
            _ => Some(self.project_for(req)?.in_target(copy)),
        };
        let lockfile = match &project {
            Some(p) => Some(p.lock()?),
            None => None,
        };
        let (destination, source_label) = match (req.direction, &project) {
            (Direction::UpstreamToCollection, _) => (
                Destination::Collection {
                    name: self.collection_name.clone(),
                },
                "upstream".to_string(),
            ),
            (Direction::CollectionToProject, Some(p)) => (
                Destination::Project {
                    path: p.root.clone(),
                    target: copy,
                },
                format!("collection '{}'", self.collection_name),
            ),
            (_, Some(p)) => (
                Destination::Collection {
                    name: self.collection_name.clone(),
                },
                Destination::Project {
                    path: p.root.clone(),
                    target: copy,
                }
                .to_string(),
            ),
            (_, None) => {
                return Err(SyncError::Refused(format!(
                    "{} needs --project PATH",
                    req.direction
                )))
            }
        };

        // Which artifacts: validate every named one first.
        let ids: Vec<ArtifactId> = if req.artifacts.is_empty() {
            match (req.direction, &lockfile) {
                (Direction::UpstreamToCollection, _) => manifest
                    .artifacts
                    .iter()
                    .filter(|e| e.source.is_some())
                    .map(ManifestEntry::id)
                    .collect(),
                (_, Some(l)) => l
                    .artifacts
                    .iter()
                    .filter(|e| e.collection == self.collection_name && e.target == copy)
                    .map(LockEntry::id)
                    .collect(),
                (_, None) => vec![],
            }
        } else {
            req.artifacts.clone()
        };
        let root = project.as_ref().map(|p| (p.root.as_path(), copy));
        if let Some(id) = ids
            .iter()
            .find(|id| !syncable(&manifest, req.direction, root, id))
        {
            return Err(self.unknown(id));
        }
        for id in req.strategies.keys() {
            if !ids.contains(id) {
                return Err(SyncError::Refused(format!(
                    "a strategy is given for {id}, which this sync does not include"
                )));
            }
        }

        // Fetch each upstream once (also for a dry run, so that the preview
        // is exactly what the real run will do).
        let mut warnings = Vec::new();
        let mut caches: BTreeMap<String, CachedRepo> = BTreeMap::new();
        if req.direction == Direction::UpstreamToCollection {
            for id in &ids {
                let Some(src) = manifest.get(id).and_then(|e| e.source.as_ref()) else {
                    continue;
                };
                let url = ResolvedSource::from_spec(&SourceSpec::parse(src)?)?.url;
                if caches.contains_key(&url) {
                    continue;
                }
                let cache = self.cache().open_or_create(&url)?;
                let f = cache.fetch()?;
                if let Some(why) = &f.offline {
                    warnings.push(format!(
                        "could not reach {url} ({why}); using the last fetch from {}",
                        f.state.fetched_at
                    ));
                }
                warnings.extend(crate::engine::pruned_warnings(
                    &url, &f.pruned, &manifest, &ids,
                ));
                caches.insert(url, cache);
            }
        }

        let project_copy = project.is_some();
        let target = match (&destination, project) {
            (Destination::Project { .. }, Some(p)) => Place::Project(p),
            _ => Place::Collection(Collection::open(&self.home, &self.collection_name)?),
        };
        let ctx = RunCtx {
            objects: self.objects()?,
            req,
            collection: &collection,
            caches: &caches,
            destination: &destination,
            source_label: &source_label,
            project_root: req
                .project
                .as_deref()
                .and_then(|p| std::fs::canonicalize(p).ok()),
            copy,
            cancelled,
        };

        // Plan everything first; refuse destructive choices before any write.
        let records = self.records(&ctx)?;
        let mut plans = Vec::new();
        for id in &ids {
            plans.push(self.plan_one(&ctx, &target, id, &records)?);
        }
        if !req.dry_run && !req.yes {
            let destructive: Vec<String> = plans
                .iter()
                .filter_map(|p| p.as_ref().ok())
                .flat_map(|(p, _)| {
                    p.result
                        .destructive
                        .clone()
                        .into_iter()
                        .chain(p.result.needs_audit_confirmation())
                })
                .collect();
            if !destructive.is_empty() {
                return Err(SyncError::Refused(format!(
                    "{}; nothing was changed; run again with --yes to confirm, or --dry-run to preview",
                    destructive.join("; ")
                )));
            }
        }

        let total = ids.len();
        let mut results = Vec::new();
        let mut wrote_collection = false;
        for (i, (id, planned)) in ids.iter().zip(plans).enumerate() {
            if cancelled() {
                break;
            }
            let result = match planned {
                Err(skip) => skip,
                Ok((p, _)) if req.dry_run => p.result,
                Ok(_) => match self.apply_one(&ctx, &target, id) {
                    Ok((r, wrote)) => {
                        wrote_collection |= wrote && matches!(target, Place::Collection(_));
                        r
                    }
                    Err(e) => ArtifactResult {
                        id: id.clone(),
                        target: None,
                        outcome: Outcome::Error,
                        strategy: req.strategies.get(id).copied().unwrap_or(req.strategy),
                        from: None,
                        to: None,
                        files: vec![],
                        conflicts: vec![],
                        destructive: None,
                        findings: vec![],
                        message: e.to_string(),
                    },
                },
            };
            let mut result = result;
            if project_copy {
                result.target = Some(copy);
            }
            progress(Progress {
                done: i + 1,
                total,
                result: &result,
            });
            results.push(result);
        }
        let commit = if wrote_collection {
            self.commit_collection(&collection, &format!("Sync {}", req.direction), &results)?
        } else {
            None
        };
        Ok(SyncReport {
            direction: req.direction,
            destination,
            dry_run: req.dry_run,
            artifacts: results,
            commit,
            warnings,
        })
    }

    /// Commits the collection while holding its commit lock, so that
    /// concurrent syncs, resolves and undos never interleave their commits.
    pub(crate) fn commit_locked(
        &self,
        collection: &Collection,
        message: &str,
    ) -> Result<Option<ObjectId>, SyncError> {
        let _guard = self.record_lock(&format!("collection-commit:{}", self.collection_name))?;
        Ok(collection.commit(message)?)
    }

    pub(crate) fn commit_collection(
        &self,
        collection: &Collection,
        subject: &str,
        results: &[ArtifactResult],
    ) -> Result<Option<ObjectId>, SyncError> {
        // The message counts what changed; unchanged and skipped artifacts
        // are not part of the commit.
        let changed: Vec<&ArtifactResult> = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Updated | Outcome::Merged))
            .collect();
        let body: Vec<String> = changed
            .iter()
            .map(|r| format!("- {}: {}", r.id, r.outcome))
            .collect();
        let subject = if changed.is_empty() {
            // Only the records moved (an upstream commit that left the
            // artifact as it was).
            format!("{subject}: no content changed; recorded what was synced")
        } else if changed.len() <= 3 {
            let ids: Vec<String> = changed.iter().map(|r| r.id.to_string()).collect();
            format!("{subject}: {}", ids.join(", "))
        } else {
            let count = |o: Outcome| changed.iter().filter(|r| r.outcome == o).count();
            let (updated, merged) = (count(Outcome::Updated), count(Outcome::Merged));
            let noun = |n: usize| if n == 1 { "artifact" } else { "artifacts" };
            match (updated, merged) {
                (u, 0) => format!("{subject}: {u} {} updated", noun(u)),
                (0, m) => format!("{subject}: {m} {} merged", noun(m)),
                (u, m) => format!(
                    "{subject}: {} {} ({u} updated, {m} merged)",
                    u + m,
                    noun(u + m)
                ),
            }
        };
        self.commit_locked(collection, &format!("{subject}\n\n{}\n", body.join("\n")))
    }

    fn records(&self, ctx: &RunCtx<'_>) -> Result<Records, SyncError> {
        Ok(Records {
            manifest: ctx.collection.manifest()?,
            lock: match &ctx.project_root {
                Some(root) => Some(Project::open(&self.home, root)?.lock()?),
                None => None,
            },
        })
    }

    /// Reads the three versions of `id` for this run. `Err` carries a
    /// `skipped` result when there is nothing to sync.
    fn sides(
        &self,
        ctx: &RunCtx<'_>,
        target: &Place,
        id: &ArtifactId,
        records: &Records,
    ) -> Result<Result<Sides, ArtifactResult>, SyncError> {
        let strategy = ctx
            .req
            .strategies
            .get(id)
            .copied()
            .unwrap_or(ctx.req.strategy);
        let skip = |message: String| ArtifactResult {
            id: id.clone(),
            target: None,
            outcome: Outcome::Skipped,
            strategy,
            from: None,
            to: None,
            files: vec![],
            conflicts: vec![],
            destructive: None,
            findings: vec![],
            message,
        };
        let collection = ctx.collection;
        let manifest = &records.manifest;
        let ours = target.read(id)?;
        match ctx.req.direction {
            Direction::UpstreamToCollection => {
                let Some(entry) = manifest.get(id) else {
                    return Err(self.unknown(id));
                };
                let Some(src) = &entry.source else {
                    return Ok(Err(skip(
                        "is local: it has no upstream to sync from (imported from a folder or made in the collection)".into(),
                    )));
                };
                let resolved = ResolvedSource::from_spec(&SourceSpec::parse(src)?)?;
                let Some(cache) = ctx.caches.get(&resolved.url) else {
                    return Ok(Err(skip(format!("{} was not fetched", resolved.url))));
                };
                let tracked = entry.reference.as_deref().or(resolved.reference.as_deref());
                let (_, commit) = match cache.resolve(tracked) {
                    Ok(found) => found,
                    // The tracked branch or tag was deleted upstream: this
                    // artifact cannot sync until it tracks another ref.
                    Err(StoreError::RefNotFound { url, reference }) => {
                        let mut r = skip(crate::engine::ref_gone(id, &reference, &url));
                        r.outcome = Outcome::Error;
                        return Ok(Err(r));
                    }
                    Err(e) => return Err(e.into()),
                };
                let Some(theirs) = cache.read_content(commit, &resolved.path, id.kind.shape())?
                else {
                    return Ok(Err(skip(format!(
                        "{} no longer exists upstream at {}; nothing to bring in",
                        resolved.path,
                        commit.short()
                    ))));
                };
                theirs
                    .check()
                    .map_err(|e| SyncError::Refused(format!("cannot sync {id}: {e}")))?;
                let mut base = match entry.upstream_commit {
                    Some(c) => cache
                        .read_content(c, &resolved.path, id.kind.shape())
                        .unwrap_or(None),
                    None => None,
                };
                if base.is_none() {
                    if let Some(h) = entry.upstream_hash {
                        base = self.find_content(&ctx.objects, h, id, collection, Some(cache))?;
                    }
                }
                Ok(Ok(Sides {
                    id: id.clone(),
                    base_hash: entry.upstream_hash,
                    base,
                    ours,
                    new_base: NewBase::Upstream {
                        commit,
                        hash: theirs.hash(),
                    },
                    theirs,
                    base_before: BaseRecord::Manifest {
                        entry: Some(entry.clone()),
                    },
                }))
            }
            Direction::CollectionToProject | Direction::ProjectToCollection => {
                let project_root = ctx.project_root.clone().ok_or_else(|| {
                    SyncError::Refused(format!("{} needs --project PATH", ctx.req.direction))
                })?;
                if !ctx.copy.holds(id.kind) {
                    return Ok(Err(skip(ctx.copy.cannot_hold(id.kind))));
                }
                let project = Project::open(&self.home, &project_root)?.in_target(ctx.copy);
                // The entry as it is, whichever collection it names, is what
                // undo puts back; only an entry of this collection is a base.
                let recorded = records
                    .lock
                    .as_ref()
                    .and_then(|l| l.get(id, ctx.copy))
                    .cloned();
                let lock_entry = recorded
                    .clone()
                    .filter(|l| l.collection == self.collection_name);
                let theirs = if ctx.req.direction == Direction::CollectionToProject {
                    collection.read_artifact(id)?
                } else {
                    project.read_artifact(id)?
                };
                let Some(theirs) = theirs else {
                    let place = if ctx.req.direction == Direction::CollectionToProject {
                        format!("collection '{}'", self.collection_name)
                    } else {
                        format!("project {}", project.root.display())
                    };
                    return Ok(Err(skip(format!(
                        "not present in {place}; nothing to bring in"
                    ))));
                };
                theirs
                    .check()
                    .map_err(|e| SyncError::Refused(format!("cannot sync {id}: {e}")))?;
                let base_hash = lock_entry.as_ref().map(|l| l.hash);
                let base = match base_hash {
                    Some(h) => self.find_content(&ctx.objects, h, id, collection, None)?,
                    None => None,
                };
                Ok(Ok(Sides {
                    id: id.clone(),
                    base,
                    base_hash,
                    ours,
                    new_base: NewBase::Lock {
                        hash: theirs.hash(),
                    },
                    theirs,
                    base_before: BaseRecord::Lock {
                        project: project.root.clone(),
                        target: ctx.copy,
                        entry: recorded,
                    },
                }))
            }
            Direction::ProjectToUpstream => Err(SyncError::Refused(
                "project_to_upstream is a patch export".into(),
            )),
        }
    }

    fn plan_one(
        &self,
        ctx: &RunCtx<'_>,
        target: &Place,
        id: &ArtifactId,
        records: &Records,
    ) -> Result<Result<(Planned, Sides), ArtifactResult>, SyncError> {
        let strategy = ctx
            .req
            .strategies
            .get(id)
            .copied()
            .unwrap_or(ctx.req.strategy);
        Ok(match self.sides(ctx, target, id, records)? {
            Err(skip) => Err(skip),
            Ok(s) => {
                let limits = MergeLimits {
                    cancelled: ctx.cancelled,
                    deadline: Some(std::time::Instant::now() + MERGE_DEADLINE),
                    ..MergeLimits::default()
                };
                let mut planned = plan(&s, strategy, ctx.destination, ctx.source_label, &limits);
                // Only a change that lands (or is staged) is audited; a
                // cancelled merge plans a skip and reads nothing more.
                if ctx.req.direction == Direction::UpstreamToCollection
                    && matches!(
                        planned.result.outcome,
                        Outcome::Updated | Outcome::Merged | Outcome::Conflict
                    )
                {
                    // What the upstream changed since the last sync (the
                    // collection's copy when that version is gone).
                    planned.result.findings = crate::audit::audit_change(
                        id,
                        s.base.as_ref().or(s.ours.as_ref()),
                        &s.theirs,
                        &records.manifest.suppressions,
                    );
                }
                Ok((planned, s))
            }
        })
    }

    /// Applies one artifact under its lock: re-plans against the destination
    /// as it is now, then writes. Returns the result and whether anything in
    /// the destination tier (content or base record) was written.
    fn apply_one(
        &self,
        ctx: &RunCtx<'_>,
        target: &Place,
        id: &ArtifactId,
    ) -> Result<(ArtifactResult, bool), SyncError> {
        let _guard = self.artifact_lock(ctx.destination, id)?;
        // A write killed after its atomic swap leaves the artifact whole but
        // its temporary copy beside it; with the lock held, clear that now,
        // also when this run has nothing left to write.
        target.remove_leftovers(id);
        let records = self.records(ctx)?;
        let (planned, sides) = match self.plan_one(ctx, target, id, &records)? {
            Err(skip) => return Ok((skip, false)),
            Ok(x) => x,
        };
        let mut result = planned.result;
        if result.outcome == Outcome::Skipped {
            // Cancelled while merging: no write, no new base.
            return Ok((result, false));
        }
        if let (Some(why), false) = (result.needs_audit_confirmation(), ctx.req.yes) {
            result.outcome = Outcome::Error;
            result.message = format!(
                "{why} (the upstream changed while syncing); run again with --yes to confirm"
            );
            return Ok((result, false));
        }
        if result.destructive.is_some() && !ctx.req.yes {
            result.outcome = Outcome::Error;
            result.message = format!(
                "{} (the destination changed while syncing); run again with --yes to confirm",
                result.destructive.clone().unwrap_or_default()
            );
            return Ok((result, false));
        }
        let objects = &ctx.objects;
        if result.outcome == Outcome::Conflict {
            let m = planned.merge.as_ref();
            let put = |c: Option<&Content>| -> Result<Option<ObjectId>, SyncError> {
                c.map(|c| objects.put(c))
                    .transpose()
                    .map_err(SyncError::from)
            };
            self.pending().save(&PendingMerge {
                id: id.clone(),
                destination: ctx.destination.clone(),
                direction: ctx.req.direction.to_string(),
                shape: id.kind.shape(),
                file_name: id.rel_path().file_name().to_string(),
                base: put(sides.base.as_ref())?,
                ours: put(sides.ours.as_ref())?,
                theirs: put(Some(&sides.theirs))?,
                new_base: sides.new_base.clone(),
                files: m
                    .map(|m| {
                        m.conflicts
                            .iter()
                            .map(|c| PendingFile {
                                path: c.path.to_string(),
                                kind: serde_plain(&c.kind),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                created_at: artisync_store::now(),
                job_id: None,
                project: ctx.project_root.clone(),
                target: ctx.copy,
            })?;
            return Ok((result, false));
        }
        objects.put(&sides.theirs)?;
        let action = format!("sync {}", ctx.req.direction);
        let wrote = match &planned.write {
            Some(content) => {
                let note = self.write_artifact(
                    &ctx.objects,
                    target,
                    ctx.destination,
                    id,
                    sides.ours.as_ref(),
                    Some(content),
                    &sides.base_before,
                    &action,
                    None,
                )?;
                if let Some(note) = note {
                    result.message = format!("{}; {note}", result.message);
                }
                true
            }
            None => false,
        };
        let recorded = self.record_base(ctx.collection, id, &sides.base_before, &sides.new_base)?;
        self.pending().remove(ctx.destination, id)?;
        Ok((result, wrote || recorded))
    }

    /// Writes `new` (or removes the artifact) at the destination after
    /// storing the previous content and journaling the write. A write that
    /// fails is marked failed in the journal, so undo never takes it for
    /// one that happened. Returns a note when the destination was edited
    /// while the write ran: that version is stored and the journal names
    /// it, so undo brings it back.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write_artifact(
        &self,
        objects: &ObjectStore,
        target: &Place,
        destination: &Destination,
        id: &ArtifactId,
        previous: Option<&Content>,
        new: Option<&Content>,
        base_before: &BaseRecord,
        action: &str,
        undoes: Option<u64>,
    ) -> Result<Option<String>, SyncError> {
        let previous_id = previous.map(|c| objects.put(c)).transpose()?;
        // The new content is only named, not stored: undo restores what was
        // there before, and the next sync's base (the source) is stored by
        // the caller.
        let written = new.map(Content::hash);
        let journal = self.journal();
        let entry = journal.append(UndoEntry {
            seq: 0,
            time: artisync_store::now(),
            id: id.clone(),
            destination: destination.clone(),
            previous: previous_id,
            written,
            base_before: base_before.clone(),
            action: action.to_string(),
            undoes,
        })?;
        let replaced = match target.put(id, new, previous) {
            Ok(r) => r,
            Err(e) => {
                let _ = journal.amend_failed(entry.seq);
                return Err(e);
            }
        };
        let Some(replaced) = replaced else {
            return Ok(None);
        };
        let kept = objects.put(&replaced)?;
        journal.amend_replaced(entry.seq, kept)?;
        let files: Vec<String> = changed_files(previous, &replaced)
            .into_iter()
            .map(|f| f.path.to_string())
            .collect();
        Ok(Some(format!(
            "{} was edited while it was written ({}); that version is kept ({}) and 'artisync undo' brings it back",
            target.path(id).display(),
            if files.is_empty() { "created".to_string() } else { files.join(", ") },
            kept.short()
        )))
    }

    /// Records the pair's new base. Returns whether anything changed.
    pub(crate) fn record_base(
        &self,
        collection: &Collection,
        id: &ArtifactId,
        before: &BaseRecord,
        new_base: &NewBase,
    ) -> Result<bool, SyncError> {
        match (before, new_base) {
            // A merge from the collection's remote moves no base.
            (_, NewBase::Unchanged) => Ok(false),
            (BaseRecord::Manifest { .. }, NewBase::Upstream { commit, hash }) => {
                let _g = self.record_lock(&format!("manifest:{}", self.collection_name))?;
                let mut m = collection.manifest()?;
                let Some(e) = m.get_mut(id) else {
                    return Err(self.unknown(id));
                };
                if e.upstream_commit == Some(*commit) && e.upstream_hash == Some(*hash) {
                    return Ok(false);
                }
                e.upstream_commit = Some(*commit);
                e.upstream_hash = Some(*hash);
                e.synced_at = Some(artisync_store::now());
                collection.save_manifest(&m)?;
                Ok(true)
            }
            (
                BaseRecord::Lock {
                    project, target, ..
                },
                NewBase::Lock { hash },
            ) => {
                let mut changed = false;
                {
                    let _g = self.record_lock(&format!("manifest:{}", self.collection_name))?;
                    let mut m = collection.manifest()?;
                    if m.get(id).is_none() {
                        // A project artifact new to the collection.
                        m.upsert(ManifestEntry::local(id));
                        collection.save_manifest(&m)?;
                        changed = true;
                    }
                }
                let p = Project::open(&self.home, project)?;
                let _g = self.record_lock(&format!("lockfile:{}", p.root.display()))?;
                let mut l = p.lock()?;
                let m = collection.manifest()?;
                let fresh = crate::deploying::lock_entry(
                    id,
                    *target,
                    &self.collection_name,
                    *hash,
                    m.get(id),
                    artisync_store::now(),
                );
                if l.get(id, *target).is_some_and(|e| {
                    e.hash == *hash
                        && e.collection == self.collection_name
                        && e.source == fresh.source
                        && e.commit == fresh.commit
                }) {
                    return Ok(changed);
                }
                l.upsert(fresh);
                // The project is not registered here: a sync through the
                // server must not widen what the server may write to. The
                // CLI registers a project it deployed to itself.
                p.save_lock(&l)?;
                Ok(true)
            }
            _ => Err(SyncError::Refused(
                "internal: base record and new base do not match".into(),
            )),
        }
    }
}

/// The snake_case name of a serialisable unit enum value.
fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The base records a plan reads: the manifest and the project lockfile.
/// Loaded once for the whole plan, and again under each artifact's lock
/// when applying.
pub(crate) struct Records {
    manifest: artisync_model::Manifest,
    lock: Option<artisync_model::Lockfile>,
}

pub(crate) struct RunCtx<'a> {
    pub objects: ObjectStore,
    pub req: &'a SyncRequest,
    pub collection: &'a Collection,
    pub caches: &'a BTreeMap<String, CachedRepo>,
    pub destination: &'a Destination,
    pub source_label: &'a str,
    pub project_root: Option<PathBuf>,
    /// The target of the project copy the run reads or writes.
    pub copy: artisync_model::Target,
    /// The run's cancel check, also asked during long merges.
    pub cancelled: &'a dyn Fn() -> bool,
}

/// Whether a sync in `direction` may name `id`: the collection holds it,
/// or, from a project to the collection, the project's copy in the given
/// target does (an artifact made there). Every surface checks requests
/// with this before a job exists; the sync itself checks again.
pub fn syncable(
    manifest: &artisync_model::Manifest,
    direction: Direction,
    project: Option<(&Path, Target)>,
    id: &ArtifactId,
) -> bool {
    manifest.get(id).is_some()
        || (direction == Direction::ProjectToCollection
            && project.is_some_and(|(root, target)| {
                root.join(target.root())
                    .join(id.rel_path().as_str())
                    .exists()
            }))
}
