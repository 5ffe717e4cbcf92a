//! Resolving a staged conflict and undoing the last write. Both are writes
//! like a sync's: under the artifact's lock, journaled, atomic, with the
//! pair's base record updated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use artisync_merge::{conflict_hunks, has_leftover_markers, merge, ConflictHunk};
use artisync_model::{ArtifactId, Content, Destination, FileEntry, ObjectId, RelPath, Target};
use artisync_store::journal::BaseRecord;
use artisync_store::pending::{NewBase, PendingMerge};
use artisync_store::{Collection, Project};
use serde::Serialize;

use crate::syncing::Place;
use crate::{Engine, SyncError};

/// How to settle one conflicted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Ours,
    Theirs,
    /// The merged text, edited by hand.
    Edited(Vec<u8>),
}

#[derive(Debug, Clone, Default)]
pub struct ResolveRequest {
    pub project: Option<PathBuf>,
    /// The project copy's target, when the project has conflicts in more
    /// than one.
    pub target: Option<Target>,
    /// For every conflicted file not named in `files`.
    pub all: Option<Resolution>,
    pub files: BTreeMap<RelPath, Resolution>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedFile {
    pub path: RelPath,
    pub resolution: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolveReport {
    pub id: ArtifactId,
    pub destination: Destination,
    pub hash: ObjectId,
    pub files: Vec<ResolvedFile>,
    pub commit: Option<ObjectId>,
}

/// A staged conflict as shown to a person: each file with its three
/// versions and the merged text with markers.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub id: ArtifactId,
    pub destination: Destination,
    pub direction: String,
    pub project: Option<PathBuf>,
    /// The target of the project copy in the pair; left out for `claude`.
    #[serde(skip_serializing_if = "artisync_model::target::is_claude")]
    pub target: Target,
    pub created_at: String,
    pub files: Vec<ConflictFileView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictFileView {
    pub path: RelPath,
    pub kind: artisync_merge::ConflictKind,
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
    pub merged: Option<String>,
}

impl ConflictFileView {
    /// The conflicting regions of a text conflict, each with the base's
    /// lines (none for a conflict without a merged text: binary files, a
    /// deletion against an edit, modes).
    pub fn hunks(&self) -> Vec<ConflictHunk> {
        match (&self.merged, &self.ours, &self.theirs) {
            (Some(_), Some(ours), Some(theirs)) => {
                conflict_hunks(self.base.as_deref().unwrap_or(""), ours, theirs)
            }
            _ => Vec::new(),
        }
    }

    /// Whether an edited merged text can resolve this file.
    pub fn editable(&self) -> bool {
        self.merged.is_some()
    }

    /// Whether `edited` still holds a conflict marker the merge added (as
    /// `resolve` tells it: a marker-like line one of the versions holds is
    /// content).
    pub fn has_leftover_markers(&self, edited: &[u8]) -> bool {
        let versions =
            [&self.base, &self.ours, &self.theirs].map(|v| v.as_deref().map(str::as_bytes));
        has_leftover_markers(edited, &versions)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UndoReport {
    pub id: ArtifactId,
    pub destination: Destination,
    pub undone: String,
    pub restored: Option<ObjectId>,
    pub commit: Option<ObjectId>,
}

/// What `undo` would do, without doing it: which write it reverts, what is
/// there now, what it would put back, and the difference.
#[derive(Debug, Clone, Serialize)]
pub struct UndoPreview {
    pub id: ArtifactId,
    pub destination: Destination,
    /// The write undo would revert (its journal number): give it back to
    /// `undo` so that it reverts exactly this write and no other.
    pub seq: u64,
    /// What made the write ("sync collection_to_project", "resolve", …).
    pub action: String,
    pub time: String,
    /// The copy's hash now (`None`: absent).
    pub current: Option<ObjectId>,
    /// What undo would put back (`None`: it would remove the copy).
    pub restored: Option<ObjectId>,
    /// Why undo would refuse, when it would (the copy changed since).
    pub blocked: Option<String>,
    /// From what is there now to what undo would put back.
    pub diff: crate::diff::FileSetDiff,
}

impl Engine {
    fn canonical_project(&self, project: Option<&Path>) -> Result<Option<PathBuf>, SyncError> {
        Ok(match project {
            Some(p) => Some(Project::open(&self.home, p)?.root),
            None => None,
        })
    }

    /// The staged conflict of `id`: in `project` (either direction) or, with
    /// no project, the collection's upstream merge.
    pub fn pending_for(
        &self,
        id: &ArtifactId,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<PendingMerge, SyncError> {
        let project = self.canonical_project(project)?;
        let collection = Destination::Collection {
            name: self.collection_name.clone(),
        };
        let found: Vec<PendingMerge> = self
            .pending()
            .list()?
            .into_iter()
            .filter(|p| &p.id == id)
            .filter(|p| match &project {
                Some(root) => {
                    let copy = match &p.destination {
                        Destination::Project { path, target } => (path == root).then_some(*target),
                        d if *d == collection && p.project.as_ref() == Some(root) => Some(p.target),
                        _ => None,
                    };
                    copy.is_some_and(|t| target.is_none_or(|want| want == t))
                }
                None => p.destination == collection,
            })
            .collect();
        if found.len() > 1 {
            let targets: Vec<Target> = found.iter().map(|p| p.target_of_copy()).collect();
            return Err(SyncError::Refused(format!(
                "{id} has a conflict in the {} copies of this project; name one with --target",
                crate::engine::list_targets(&targets)
            )));
        }
        found.into_iter().next().ok_or_else(|| {
            let place = match &project {
                Some(p) => format!(" with project {}", p.display()),
                None => String::new(),
            };
            SyncError::Refused(format!(
                "{id} has no pending conflict{place}; 'artisync status' shows which artifacts are in conflict"
            ))
        })
    }

    fn target_for(&self, dest: &Destination) -> Result<Place, SyncError> {
        Ok(match dest {
            Destination::Collection { name } => {
                Place::Collection(Collection::open(&self.home, name)?)
            }
            Destination::Project { path, target } => {
                Place::Project(Project::open(&self.home, path)?.in_target(*target))
            }
        })
    }

    fn load(&self, id: &ArtifactId, hash: Option<ObjectId>) -> Result<Option<Content>, SyncError> {
        let Some(h) = hash else { return Ok(None) };
        let file = id.rel_path().file_name().to_string();
        self.objects()?
            .get(h, id.kind.shape(), &file)?
            .map(Some)
            .ok_or_else(|| {
                SyncError::Refused(format!(
                    "the staged version {h} of {id} is missing from the object store; sync again"
                ))
            })
    }

    /// The staged conflict of `id` with every file's versions.
    pub fn conflict(
        &self,
        id: &ArtifactId,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<ConflictView, SyncError> {
        let p = self.pending_for(id, project, target)?;
        let (base, ours, theirs) = (
            self.load(id, p.base)?,
            self.load(id, p.ours)?,
            self.load(id, p.theirs)?,
        );
        let m = merge(base.as_ref(), ours.as_ref(), theirs.as_ref());
        let text = |e: &Option<FileEntry>| {
            e.as_ref()
                .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        };
        Ok(ConflictView {
            id: id.clone(),
            target: p.target_of_copy(),
            destination: p.destination,
            direction: p.direction,
            project: p.project,
            created_at: p.created_at,
            files: m
                .conflicts
                .iter()
                .map(|c| ConflictFileView {
                    path: c.path.clone(),
                    kind: c.kind,
                    base: text(&c.base),
                    ours: text(&c.ours),
                    theirs: text(&c.theirs),
                    merged: c
                        .marked
                        .as_ref()
                        .map(|m| String::from_utf8_lossy(m).into_owned()),
                })
                .collect(),
        })
    }

    fn current_base_record(&self, pending: &PendingMerge) -> Result<BaseRecord, SyncError> {
        Ok(match &pending.new_base {
            NewBase::Upstream { .. } | NewBase::Unchanged => BaseRecord::Manifest {
                entry: self.collection()?.manifest()?.get(&pending.id).cloned(),
            },
            NewBase::Lock { .. } => {
                let root = match (&pending.destination, &pending.project) {
                    (Destination::Project { path, .. }, _) | (_, Some(path)) => path.clone(),
                    _ => {
                        return Err(SyncError::Refused(
                            "the staged conflict names no project; sync again".into(),
                        ))
                    }
                };
                let target = pending.target_of_copy();
                let p = Project::open(&self.home, &root)?;
                BaseRecord::Lock {
                    entry: p.lock()?.get(&pending.id, target).cloned(),
                    target,
                    project: p.root,
                }
            }
        })
    }

    /// Resolves the staged conflict of `id` file by file and applies the
    /// result as one atomic write.
    pub fn resolve(
        &self,
        id: &ArtifactId,
        req: &ResolveRequest,
    ) -> Result<ResolveReport, SyncError> {
        let pending = self.pending_for(id, req.project.as_deref(), req.target)?;
        let _guard = self.artifact_lock(&pending.destination, id)?;
        let target = self.target_for(&pending.destination)?;
        let current = target.read(id)?.map(|c| c.hash());
        if current != pending.ours {
            return Err(SyncError::Refused(format!(
                "{id} changed in {} since the conflict was staged; run the sync again to merge against what is there now",
                pending.destination
            )));
        }
        let (base, ours, theirs) = (
            self.load(id, pending.base)?,
            self.load(id, pending.ours)?,
            self.load(id, pending.theirs)?,
        );
        let m = merge(base.as_ref(), ours.as_ref(), theirs.as_ref());
        let conflicted: Vec<&RelPath> = m.conflicts.iter().map(|c| &c.path).collect();
        for path in req.files.keys() {
            if !conflicted.contains(&path) {
                let list: Vec<&str> = conflicted.iter().map(|p| p.as_str()).collect();
                return Err(SyncError::Refused(format!(
                    "{path} is not a conflicted file of {id}; the conflicted files are: {}",
                    list.join(", ")
                )));
            }
        }
        let mut decisions = BTreeMap::new();
        let mut files = Vec::new();
        let mut unresolved = Vec::new();
        let mut marked = Vec::new();
        for c in &m.conflicts {
            let Some(choice) = req.files.get(&c.path).or(req.all.as_ref()) else {
                unresolved.push(c.path.to_string());
                continue;
            };
            let (entry, name) = match choice {
                Resolution::Ours => (c.ours.clone(), "ours"),
                Resolution::Theirs => (c.theirs.clone(), "theirs"),
                Resolution::Edited(bytes) => {
                    let versions = [&c.base, &c.ours, &c.theirs]
                        .map(|e| e.as_ref().map(|e| e.data.as_slice()));
                    if has_leftover_markers(bytes, &versions) {
                        marked.push(c.path.to_string());
                        unresolved.push(c.path.to_string());
                        continue;
                    }
                    let mode = c
                        .ours
                        .as_ref()
                        .or(c.theirs.as_ref())
                        .or(c.base.as_ref())
                        .map(|e| e.mode)
                        .unwrap_or(artisync_model::FileMode::Regular);
                    (
                        Some(FileEntry {
                            mode,
                            data: bytes.clone(),
                        }),
                        "edited",
                    )
                }
            };
            decisions.insert(c.path.clone(), entry);
            files.push(ResolvedFile {
                path: c.path.clone(),
                resolution: name,
            });
        }
        if !unresolved.is_empty() {
            let why = if marked.is_empty() {
                String::new()
            } else {
                let verb = if marked.len() == 1 { "holds" } else { "hold" };
                format!("{} still {verb} conflict markers; ", marked.join(", "))
            };
            return Err(SyncError::Unresolved(format!(
                "{why}unresolved: {}; choose ours, theirs or an edited text for each",
                unresolved.join(", ")
            )));
        }
        let content = m.resolve(&decisions).map_err(|paths| {
            SyncError::Refused(format!(
                "unresolved: {}",
                paths
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let base_before = self.current_base_record(&pending)?;
        let objects = self.objects()?;
        self.write_artifact(
            &objects,
            &target,
            &pending.destination,
            id,
            ours.as_ref(),
            Some(&content),
            &base_before,
            "resolve",
            None,
        )?;
        let collection = self.collection()?;
        self.record_base(&collection, id, &base_before, &pending.new_base)?;
        self.pending().remove(&pending.destination, id)?;
        let commit = match &pending.destination {
            Destination::Collection { .. } => self.commit_locked(
                &collection,
                &format!("Resolve conflict in {id}\n\nSync {}\n", pending.direction),
            )?,
            Destination::Project { .. } => None,
        };
        Ok(ResolveReport {
            id: id.clone(),
            destination: pending.destination,
            hash: content.hash(),
            files,
            commit,
        })
    }

    /// Restores the content `id` (or, without an id, the most recently
    /// written artifact) had before artisync's last write to the project or,
    /// without a project, the collection.
    ///
    /// With `expect`, the write to revert must be the one with that journal
    /// number (as `undo_preview` showed it); if another write came since,
    /// nothing is done.
    pub fn undo(
        &self,
        id: Option<&ArtifactId>,
        project: Option<&Path>,
        target: Option<Target>,
        expect: Option<u64>,
    ) -> Result<UndoReport, SyncError> {
        let destination = self.undo_destination(project, target)?;
        let journal = self.journal();
        let nothing = || nothing_to_undo(id, &destination);
        let mut entry = journal
            .last_undoable(&destination, id)?
            .ok_or_else(nothing)?;
        let target = self.target_for(&destination)?;
        // A write whose process died before its swap left a journal entry
        // for a write that never happened: the destination still holds
        // what the entry names as previous. Such entries are marked failed
        // and skipped, so undo goes on to the last write that happened.
        let (current, _guard) = loop {
            let guard = self.artifact_lock(&destination, &entry.id)?;
            let current = target.read(&entry.id)?;
            let current_hash = current.as_ref().map(Content::hash);
            if never_landed(&entry, current_hash) {
                journal.amend_failed(entry.seq)?;
                entry = journal
                    .last_undoable(&destination, id)?
                    .ok_or_else(nothing)?;
                continue;
            }
            break (current, guard);
        };
        if let Some(seq) = expect.filter(|s| *s != entry.seq) {
            return Err(SyncError::Refused(format!(
                "the last write to {} in {destination} is no longer the one reviewed (#{seq}, now #{}); review the undo again",
                entry.id, entry.seq
            )));
        }
        let id = &entry.id;
        let current_hash = current.as_ref().map(Content::hash);
        if current_hash != entry.written {
            let now = current_hash
                .map(|h| h.short())
                .unwrap_or_else(|| "absent".into());
            return Err(SyncError::Refused(format!(
                "{id} in {destination} changed since artisync's last write (now {now}); undo would discard those changes, so nothing was done"
            )));
        }
        let previous = self.load(id, entry.previous)?;
        // A project's undo of a collection_to_project write needs no
        // collection at all (it may have been another collection's).
        let needs_collection = matches!(destination, Destination::Collection { .. })
            || matches!(entry.base_before, BaseRecord::Manifest { .. });
        let collection = if needs_collection {
            Some(self.collection()?)
        } else {
            None
        };
        let base_now = match &entry.base_before {
            BaseRecord::Manifest { .. } => BaseRecord::Manifest {
                entry: need(collection.as_ref())?.manifest()?.get(id).cloned(),
            },
            BaseRecord::Lock {
                project, target, ..
            } => BaseRecord::Lock {
                project: project.clone(),
                target: *target,
                entry: Project::open(&self.home, project)?
                    .lock()?
                    .get(id, *target)
                    .cloned(),
            },
        };
        let objects = self.objects()?;
        self.write_artifact(
            &objects,
            &target,
            &destination,
            id,
            current.as_ref(),
            previous.as_ref(),
            &base_now,
            "undo",
            Some(entry.seq),
        )?;
        self.restore_base(collection.as_ref(), id, &entry.base_before)?;
        let commit = match &destination {
            Destination::Collection { .. } => self.commit_locked(
                need(collection.as_ref())?,
                &format!("Undo {} of {id}\n", entry.action),
            )?,
            Destination::Project { .. } => None,
        };
        Ok(UndoReport {
            id: id.clone(),
            destination,
            undone: entry.action,
            restored: entry.previous,
            commit,
        })
    }

    /// What `undo` with the same arguments would do now; writes nothing.
    /// A journal entry for a write that never happened (its process died
    /// before the swap) is passed over, as `undo` does.
    pub fn undo_preview(
        &self,
        id: Option<&ArtifactId>,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<UndoPreview, SyncError> {
        let destination = self.undo_destination(project, target)?;
        let target = self.target_for(&destination)?;
        for entry in self.journal().undoable(&destination, id)? {
            let current = target.read(&entry.id)?;
            let current_hash = current.as_ref().map(Content::hash);
            if never_landed(&entry, current_hash) {
                continue;
            }
            let blocked = (current_hash != entry.written).then(|| {
                format!(
                    "{} in {destination} changed since artisync's last write; undo would discard those changes, so it is refused",
                    entry.id
                )
            });
            let previous = self.load(&entry.id, entry.previous)?;
            return Ok(UndoPreview {
                diff: crate::diff::diff_contents(current.as_ref(), previous.as_ref()),
                id: entry.id,
                destination,
                seq: entry.seq,
                action: entry.action,
                time: entry.time,
                current: current_hash,
                restored: entry.previous,
                blocked,
            });
        }
        Err(nothing_to_undo(id, &destination))
    }

    /// A project's copy in `target` (its first target when none is named),
    /// or the collection.
    fn undo_destination(
        &self,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<Destination, SyncError> {
        Ok(match project {
            Some(p) => {
                let copy = self.project_copy(p, target)?;
                Destination::Project {
                    path: copy.root,
                    target: copy.target,
                }
            }
            None if target.is_some() => {
                return Err(SyncError::Refused(
                    "--target names a project's copy; give --project too".into(),
                ))
            }
            None => Destination::Collection {
                name: self.collection_name.clone(),
            },
        })
    }

    fn restore_base(
        &self,
        collection: Option<&Collection>,
        id: &ArtifactId,
        record: &BaseRecord,
    ) -> Result<(), SyncError> {
        match record {
            BaseRecord::Manifest { entry } => {
                let collection = collection.ok_or_else(|| {
                    SyncError::Refused("internal: undo needs the collection".into())
                })?;
                let _g = self.record_lock(&format!("manifest:{}", self.collection_name))?;
                let mut m = collection.manifest()?;
                match entry {
                    Some(e) => m.upsert(e.clone()),
                    None => m.artifacts.retain(|a| &a.id() != id),
                }
                collection.save_manifest(&m)?;
            }
            BaseRecord::Lock {
                project,
                target,
                entry,
            } => {
                let p = Project::open(&self.home, project)?;
                let _g = self.record_lock(&format!("lockfile:{}", p.root.display()))?;
                let mut l = p.lock()?;
                match entry {
                    Some(e) => l.upsert(e.clone()),
                    None => {
                        l.remove(id, *target);
                    }
                }
                p.save_lock(&l)?;
            }
        }
        Ok(())
    }
}

/// The collection an undo needs when its record is the manifest's.
fn need(c: Option<&Collection>) -> Result<&Collection, SyncError> {
    c.ok_or_else(|| SyncError::Refused("internal: undo needs the collection".into()))
}

fn nothing_to_undo(id: Option<&ArtifactId>, destination: &Destination) -> SyncError {
    let what = id.map(|i| format!("{i} in ")).unwrap_or_default();
    SyncError::Refused(format!(
        "nothing to undo for {what}{destination}; artisync has not written there"
    ))
}

/// Whether `entry` records a write that never happened (its process died
/// before the swap): the destination, now at `current`, still holds what
/// the entry names as previous.
fn never_landed(entry: &artisync_store::journal::UndoEntry, current: Option<ObjectId>) -> bool {
    current == entry.previous && current != entry.written
}
