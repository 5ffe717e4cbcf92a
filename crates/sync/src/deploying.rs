//! The write half of `deploy`: every new artifact of a run is journaled,
//! built, made durable and recorded together, so a deploy of many
//! artifacts costs a handful of flushes instead of several per artifact.

use artisync_model::{
    ArtifactId, Content, Destination, LockEntry, Manifest, ManifestEntry, ObjectId, Target,
};
use artisync_store::fsio::{self, Prepared};
use artisync_store::journal::{BaseRecord, UndoEntry};
use artisync_store::{Collection, Project};

use crate::report::Deployed;
use crate::{Engine, SyncError};

impl Engine {
    /// Writes `staged` (checked, none of them deployed in `project` yet)
    /// into the project and records them in its lockfile. Each artifact is
    /// written under its lock and journaled first, so that `undo` can take
    /// the deploy back; all journal entries go in one append, all new
    /// trees are made durable by one flush before the first swap, and the
    /// lockfile is written once. A failure before the first swap leaves
    /// nothing written; a failed swap leaves the artifacts before it
    /// deployed and recorded, and the rest untouched.
    pub(crate) fn deploy_staged(
        &self,
        collection: &Collection,
        manifest: &Manifest,
        project: &Project,
        staged: &[(&ArtifactId, Content)],
    ) -> Result<Vec<Deployed>, SyncError> {
        let destination = Destination::Project {
            path: project.root.clone(),
            target: project.target,
        };
        // Locks in id order, so that two runs never wait on each other.
        let mut order: Vec<&ArtifactId> = staged.iter().map(|(id, _)| *id).collect();
        order.sort();
        let mut guards = Vec::new();
        for id in order {
            guards.push(self.artifact_lock(&destination, id)?);
            if std::fs::symlink_metadata(project.artifact_path(id)).is_ok() {
                return Err(SyncError::Refused(format!(
                    "{} appeared while deploying; nothing was written",
                    project.artifact_path(id).display()
                )));
            }
        }
        let objects = self.objects()?;
        let journal = self.journal();
        let before = BaseRecord::Lock {
            project: project.root.clone(),
            target: project.target,
            entry: None,
        };
        let time = artisync_store::now();
        let entries = journal.append_all(
            staged
                .iter()
                .map(|(id, content)| UndoEntry {
                    seq: 0,
                    time: time.clone(),
                    id: (*id).clone(),
                    destination: destination.clone(),
                    previous: None,
                    written: Some(content.hash()),
                    base_before: before.clone(),
                    action: "deploy".to_string(),
                    undoes: None,
                })
                .collect(),
        )?;
        let failed = |from: usize| {
            for e in &entries[from..] {
                let _ = journal.amend_failed(e.seq);
            }
        };
        let root = project.tier_root()?;
        let mut prepared: Vec<Prepared> = Vec::new();
        let built = staged.iter().try_for_each(|(id, content)| {
            let rel = project.artifact_rel(id);
            fsio::remove_leftovers_in(&root, &rel);
            prepared.push(fsio::prepare_in(&root, &rel, content)?);
            Ok::<(), SyncError>(())
        });
        let built = built.and_then(|()| Ok(fsio::sync_prepared(&prepared)?));
        if let Err(e) = built {
            prepared.iter_mut().for_each(Prepared::discard);
            failed(0);
            return Err(e);
        }
        let mut landed = 0;
        let mut error = None;
        for (i, p) in prepared.iter_mut().enumerate() {
            match p.swap(None) {
                Ok(replaced) => {
                    landed += 1;
                    // Something appeared at the destination after it was
                    // checked: keep it where undo finds it.
                    let kept = replaced.map(|old| {
                        objects
                            .put(&old)
                            .and_then(|kept| journal.amend_replaced(entries[i].seq, kept))
                    });
                    if let Some(Err(e)) = kept {
                        error = Some(e);
                        break;
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if error.is_some() {
            prepared[landed..].iter_mut().for_each(Prepared::discard);
            failed(landed);
        }
        fsio::sync_parents(&prepared[..landed]);
        let done: Vec<(&ArtifactId, ObjectId)> = staged[..landed]
            .iter()
            .map(|(id, c)| (*id, c.hash()))
            .collect();
        self.record_deployed(collection, manifest, project, &done)?;
        drop(guards);
        if let Some(e) = error {
            return Err(e.into());
        }
        Ok(done
            .into_iter()
            .map(|(id, hash)| Deployed {
                id: id.clone(),
                target: project.target,
                hash,
                path: project.artifact_path(id),
            })
            .collect())
    }

    /// Records `deployed` in the project's lockfile with one write (and
    /// any of them the manifest lacks in the manifest, as `record_base`
    /// does for one).
    fn record_deployed(
        &self,
        collection: &Collection,
        manifest: &Manifest,
        project: &Project,
        deployed: &[(&ArtifactId, ObjectId)],
    ) -> Result<(), SyncError> {
        if deployed.is_empty() {
            return Ok(());
        }
        {
            let _g = self.record_lock(&format!("manifest:{}", self.collection_name))?;
            let mut m = collection.manifest()?;
            let mut changed = false;
            for (id, _) in deployed {
                if m.get(id).is_none() {
                    m.upsert(ManifestEntry::local(id));
                    changed = true;
                }
            }
            if changed {
                collection.save_manifest(&m)?;
            }
        }
        let p = Project::open(&self.home, &project.root)?;
        let _g = self.record_lock(&format!("lockfile:{}", p.root.display()))?;
        let mut l = p.lock()?;
        let now = artisync_store::now();
        for (id, hash) in deployed {
            l.upsert(lock_entry(
                id,
                project.target,
                &self.collection_name,
                *hash,
                manifest.get(id),
                now.clone(),
            ));
        }
        p.save_lock(&l)?;
        Ok(())
    }
}

/// The lockfile entry of `id`'s copy in `target`, now at `hash`. The
/// upstream commit is recorded only when the copy is exactly what that
/// commit holds, so a frozen install can take it from the upstream cache.
pub(crate) fn lock_entry(
    id: &ArtifactId,
    target: Target,
    collection: &str,
    hash: ObjectId,
    entry: Option<&ManifestEntry>,
    at: String,
) -> LockEntry {
    LockEntry {
        kind: id.kind,
        name: id.name.clone(),
        target,
        collection: collection.to_string(),
        hash,
        source: entry.and_then(|e| e.source.clone()),
        commit: entry
            .filter(|e| e.upstream_hash == Some(hash))
            .and_then(|e| e.upstream_commit),
        deployed_at: at,
    }
}
