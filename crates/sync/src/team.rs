//! A collection shared through an ordinary git remote. `pull` fetches the
//! remote's `main` and merges it into the collection: the manifest entry by
//! entry (three-way, by artifact id, never by lines), each artifact's files
//! with the same three-way merge as every sync. Overlapping edits are staged
//! as conflicts as usual (the collection keeps its own version until they
//! are resolved); every write is journaled, so undo can take it back. The
//! result is a fast-forward when nothing was changed here, or a merge
//! commit with both histories as parents. `push` is fast-forward only.

use std::collections::BTreeSet;

use artisync_merge::audit::AuditFinding;
use artisync_merge::merge;
use artisync_model::{
    ArtifactId, Content, Destination, Manifest, ManifestEntry, ObjectId, Outcome,
};
use artisync_store::journal::BaseRecord;
use artisync_store::pending::{NewBase, PendingFile, PendingMerge};
use artisync_store::{Collection, PullCommit, RemotePosition};
use serde::Serialize;

use crate::syncing::Place;
use crate::{Engine, SyncError};

/// What a pull did to one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct Pulled {
    pub id: ArtifactId,
    pub outcome: Outcome,
    pub message: String,
    /// What the audit found in the remote's change, less what the team's
    /// suppressions accept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<AuditFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    pub remote: String,
    /// How the collection's history took it.
    pub commit: PullCommit,
    /// The artifacts the remote changed, and the outcome of each.
    pub artifacts: Vec<Pulled>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    pub remote: String,
    pub commit: ObjectId,
}

fn same(a: Option<&Content>, b: Option<&Content>) -> bool {
    a.map(Content::hash) == b.map(Content::hash)
}

/// The three-way choice for one value: the side that changed, or `None`
/// when both changed it differently.
fn pick<'a, T: PartialEq>(base: &'a T, ours: &'a T, theirs: &'a T) -> Option<&'a T> {
    if ours == theirs || theirs == base {
        Some(ours)
    } else if ours == base {
        Some(theirs)
    } else {
        None
    }
}

impl Engine {
    /// The collection's remote and where it stands, as last fetched.
    pub fn remote_position(&self) -> Result<Option<RemotePosition>, SyncError> {
        Ok(self.collection()?.position()?)
    }

    /// Sets the collection's remote.
    pub fn set_remote(&self, url: &str) -> Result<(), SyncError> {
        Ok(self.collection()?.set_remote(url)?)
    }

    /// Pushes the collection to its remote, fast-forward only.
    pub fn push(&self) -> Result<PushReport, SyncError> {
        let collection = self.collection()?;
        let _g = self.record_lock(&format!("collection-commit:{}", self.collection_name))?;
        collection.push()?;
        Ok(PushReport {
            remote: collection.remote_url().unwrap_or_default(),
            commit: collection.head_id()?,
        })
    }

    /// Fetches the remote and merges it into the collection. What the
    /// remote changed is audited first; a high finding no suppression
    /// accepts refuses the pull, with nothing written, unless `yes`.
    pub fn pull(&self, yes: bool) -> Result<PullReport, SyncError> {
        let collection = self.collection()?;
        let url = collection.remote_url().unwrap_or_default();
        let Some(remote) = collection.fetch_remote()? else {
            return Err(SyncError::Refused(format!(
                "the remote {url} holds no collection yet; share this one with 'artisync collection push'"
            )));
        };
        let head = collection.head_id()?;
        let mut report = PullReport {
            remote: url.clone(),
            commit: PullCommit::UpToDate,
            artifacts: Vec::new(),
            warnings: Vec::new(),
        };
        if collection.is_ancestor(remote, head)? {
            return Ok(report);
        }
        let base = collection.merge_base(head, remote)?;
        let base_m = match base {
            Some(b) => collection.manifest_at(b)?,
            None => Manifest::default(),
        };
        let theirs_m = collection.manifest_at(remote)?;
        let ours_m = collection.manifest()?;
        let ids: BTreeSet<ArtifactId> = base_m
            .artifacts
            .iter()
            .chain(&ours_m.artifacts)
            .chain(&theirs_m.artifacts)
            .map(ManifestEntry::id)
            .collect();
        // The team's accepted findings: both sides' suppressions, less
        // those one side removed.
        let suppressions = merge_suppressions(
            &base_m.suppressions,
            &ours_m.suppressions,
            &theirs_m.suppressions,
        );
        // Audit what the remote changed (against the shared base) before
        // anything is written.
        let mut audited: Vec<(ArtifactId, Vec<AuditFinding>)> = Vec::new();
        for id in &ids {
            let b_c = match base {
                Some(b) => collection.content_at(b, id)?,
                None => None,
            };
            if let Some(t_c) = collection.content_at(remote, id)? {
                if !same(Some(&t_c), b_c.as_ref()) {
                    let f = crate::audit::audit_change(id, b_c.as_ref(), &t_c, &suppressions);
                    if !f.is_empty() {
                        audited.push((id.clone(), f));
                    }
                }
            }
        }
        let high: Vec<String> = audited
            .iter()
            .flat_map(|(id, fs)| {
                fs.iter()
                    .filter(|f| f.severity == artisync_merge::audit::AuditSeverity::High)
                    .map(move |f| match f.line {
                        Some(l) => format!("{} at {id} {}:{l}", f.rule, f.file),
                        None => format!("{} at {id} {}", f.rule, f.file),
                    })
            })
            .collect();
        if !high.is_empty() && !yes {
            return Err(SyncError::Refused(format!(
                "the remote's changes have high audit findings ({}); nothing was changed; look at those lines, then run again with --yes to confirm",
                high.join(", ")
            )));
        }
        let findings_of = |id: &ArtifactId| {
            audited
                .iter()
                .find(|(a, _)| a == id)
                .map(|(_, f)| f.clone())
                .unwrap_or_default()
        };
        let objects = self.objects()?;
        let place = Place::Collection(Collection::open(&self.home, &self.collection_name)?);
        let destination = Destination::Collection {
            name: self.collection_name.clone(),
        };
        // Each artifact's entry as the merge decides it (`None`: removed).
        let mut entries: Vec<(ArtifactId, Option<ManifestEntry>)> = Vec::new();
        for id in &ids {
            let (b_e, o_e, t_e) = (base_m.get(id), ours_m.get(id), theirs_m.get(id));
            let b_c = match base {
                Some(b) => collection.content_at(b, id)?,
                None => None,
            };
            let t_c = collection.content_at(remote, id)?;
            let _lock = self.artifact_lock(&destination, id)?;
            let o_c = place.read(id)?;
            let mut outcome = None;
            // The files: the side that changed, or a three-way merge.
            if !same(o_c.as_ref(), t_c.as_ref()) && !same(t_c.as_ref(), b_c.as_ref()) {
                if let Some(c) = &t_c {
                    c.check()
                        .map_err(|e| SyncError::Refused(format!("cannot pull {id}: {e}")))?;
                }
                let written = if same(o_c.as_ref(), b_c.as_ref()) {
                    Some((t_c.clone(), Outcome::Updated))
                } else {
                    let m = merge(b_c.as_ref(), o_c.as_ref(), t_c.as_ref());
                    if m.is_clean() {
                        let c = m.content();
                        Some(((!c.files.is_empty()).then_some(c), Outcome::Merged))
                    } else {
                        let put = |c: Option<&Content>| c.map(|c| objects.put(c)).transpose();
                        self.pending().save(&PendingMerge {
                            id: id.clone(),
                            destination: destination.clone(),
                            direction: "remote_to_collection".into(),
                            shape: id.kind.shape(),
                            file_name: id.rel_path().file_name().to_string(),
                            base: put(b_c.as_ref())?,
                            ours: put(o_c.as_ref())?,
                            theirs: put(t_c.as_ref())?,
                            new_base: NewBase::Unchanged,
                            files: m
                                .conflicts
                                .iter()
                                .map(|c| PendingFile {
                                    path: c.path.to_string(),
                                    kind: serde_json::to_value(c.kind)
                                        .ok()
                                        .and_then(|v| v.as_str().map(str::to_string))
                                        .unwrap_or_default(),
                                })
                                .collect(),
                            created_at: artisync_store::now(),
                            job_id: None,
                            project: None,
                            target: artisync_model::Target::Claude,
                        })?;
                        outcome = Some((
                            Outcome::Conflict,
                            format!(
                                "edited here and on the remote in the same lines ({}); kept this collection's version; see 'artisync resolve {id}'",
                                m.conflicts
                                    .iter()
                                    .map(|c| c.path.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                        None
                    }
                };
                if let Some((new, how)) = written {
                    let before = BaseRecord::Manifest {
                        entry: o_e.cloned(),
                    };
                    if let Some(note) = self.write_artifact(
                        &objects,
                        &place,
                        &destination,
                        id,
                        o_c.as_ref(),
                        new.as_ref(),
                        &before,
                        "collection pull",
                        None,
                    )? {
                        report.warnings.push(format!("{id}: {note}"));
                    }
                    let message = match (&o_c, &new, how) {
                        (None, Some(_), _) => "added from the remote".to_string(),
                        (Some(_), None, _) => "removed on the remote".to_string(),
                        (_, _, Outcome::Merged) => {
                            "merged the remote's changes with the changes here".to_string()
                        }
                        _ => "updated from the remote".to_string(),
                    };
                    outcome = Some((how, message));
                }
            }
            // The manifest entry, by artifact id.
            let entry = match pick(&b_e, &o_e, &t_e) {
                Some(e) => e.cloned(),
                None => {
                    report.warnings.push(format!(
                        "{id}: its record in artisync.toml changed here and on the remote; kept this collection's"
                    ));
                    o_e.cloned()
                }
            };
            if let Some((outcome, message)) = outcome {
                report.artifacts.push(Pulled {
                    id: id.clone(),
                    outcome,
                    message,
                    findings: findings_of(id),
                });
            } else if entry.as_ref() != o_e {
                report.artifacts.push(Pulled {
                    id: id.clone(),
                    outcome: Outcome::Updated,
                    message: "its record came from the remote".into(),
                    findings: Vec::new(),
                });
            }
            entries.push((id.clone(), entry));
        }
        {
            let _g = self.record_lock(&format!("manifest:{}", self.collection_name))?;
            let mut m = collection.manifest()?;
            for (id, entry) in entries {
                match entry {
                    Some(e) => m.upsert(e),
                    None => m.artifacts.retain(|a| a.id() != id),
                }
            }
            m.suppressions = suppressions.clone();
            m.artifacts.sort_by_key(ManifestEntry::id);
            collection.save_manifest(&m)?;
        }
        let _g = self.record_lock(&format!("collection-commit:{}", self.collection_name))?;
        let changed: Vec<String> = report.artifacts.iter().map(|a| a.id.to_string()).collect();
        let message = format!(
            "Pull from {url}\n\n{}\n",
            if changed.is_empty() {
                "No artifact changed.".to_string()
            } else {
                changed
                    .iter()
                    .map(|c| format!("- {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        );
        report.commit = collection.finish_pull(&message, remote)?;
        Ok(report)
    }
}

/// The three-way merge of two suppression lists: kept when both sides keep
/// it, added when either side added it, gone when either side removed it.
fn merge_suppressions(
    base: &[artisync_model::Suppression],
    ours: &[artisync_model::Suppression],
    theirs: &[artisync_model::Suppression],
) -> Vec<artisync_model::Suppression> {
    let mut out: Vec<artisync_model::Suppression> = Vec::new();
    for s in ours.iter().chain(theirs) {
        let in_base = base.contains(s);
        let kept = if in_base {
            ours.contains(s) && theirs.contains(s)
        } else {
            true
        };
        if kept && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sup(rule: &str) -> artisync_model::Suppression {
        artisync_model::Suppression {
            artifact: "skill:pdf".parse().unwrap(),
            rule: rule.into(),
            file: artisync_model::RelPath::new("SKILL.md").unwrap(),
            fingerprint: "abc".into(),
            reason: None,
        }
    }

    #[test]
    fn suppressions_merge_three_way() {
        let (a, b, c, d) = (sup("a"), sup("b"), sup("c"), sup("d"));
        // a kept by both, b removed here, c added here, d added there.
        let base = vec![a.clone(), b.clone()];
        let ours = vec![a.clone(), c.clone()];
        let theirs = vec![a.clone(), b.clone(), d.clone()];
        assert_eq!(merge_suppressions(&base, &ours, &theirs), vec![a, c, d]);
    }
}
