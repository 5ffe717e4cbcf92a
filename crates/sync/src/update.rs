//! "Update everything behind": the syncs that bring every copy which only
//! lags its source up to date, planned from the current status. A copy is
//! behind when its source moved on and the copy itself was not edited
//! (the collection behind the fetched upstream, a project behind the
//! collection); such a sync is a fast-forward that loses nothing. A copy
//! with changes of its own while its source also moved (diverged, or a
//! conflict waiting) needs a person's choice, and so does a copy deleted
//! from its project: those are listed as held back instead. A copy that
//! is only ahead of its source lags nothing and is left alone.
//!
//! The plan is made when the job runs, so a job run again after a restart
//! plans against what is there then, and what is already up to date is
//! left alone.

use std::path::{Path, PathBuf};

use artisync_model::{ArtifactId, Direction, Status, Target};
use serde::Serialize;

use crate::{Engine, SyncError, SyncRequest};

/// A copy left alone because it needs a person's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub id: ArtifactId,
    pub direction: Direction,
    /// The project of a project copy; none for the collection.
    pub project: Option<PathBuf>,
    /// The target of that project copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub status: Status,
    pub message: String,
}

/// The syncs to run, in order: the collection from its upstreams first,
/// then each project from the collection (so that a project also gets
/// what the first step brought in).
#[derive(Debug, Clone, Default)]
pub struct UpdatePlan {
    pub steps: Vec<SyncRequest>,
    pub held: Vec<Held>,
}

impl UpdatePlan {
    /// Every artifact the plan syncs, over all steps.
    pub fn artifact_count(&self) -> usize {
        self.steps.iter().map(|s| s.artifacts.len()).sum()
    }
}

fn held_message(status: Status, what: &str) -> String {
    match status {
        Status::Diverged => format!(
            "{what} has local changes and its source moved on; sync it on its own to merge them"
        ),
        Status::Conflict => format!("{what} has a conflict waiting to be resolved"),
        Status::Missing => format!("{what} is missing; deploy it on its own to restore it"),
        _ => format!("{what} is {status}; sync it on its own"),
    }
}

impl Engine {
    /// Why `update` holds back `id`'s upstream change: its last fetch brings
    /// a high audit finding no suppression accepts.
    fn held_by_audit(&self, id: &ArtifactId) -> Result<Option<String>, SyncError> {
        let report = match self.audit(id) {
            Ok(r) => r,
            // Nothing fetched or readable to audit: the sync step decides
            // (and audits what it fetches).
            Err(SyncError::Store(_) | SyncError::Model(_) | SyncError::Refused(_)) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let high: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == crate::AuditSeverity::High)
            .map(|f| match f.line {
                Some(n) => format!("{} at {}:{n}", f.rule, f.file),
                None => format!("{} in {}", f.rule, f.file),
            })
            .collect();
        Ok((!high.is_empty()).then(|| {
            format!(
                "its upstream change has high audit findings ({}); review them with 'artisync audit {id}' and sync it on its own with --yes",
                high.join(", ")
            )
        }))
    }

    /// Plans "update everything behind" for `ids` (every artifact when
    /// empty) and `projects` (every project when empty). Unknown artifacts
    /// and projects that hold none of this collection's artifacts are
    /// refused, so a typo never turns into "nothing to do".
    pub fn update_plan(
        &self,
        ids: &[ArtifactId],
        projects: &[PathBuf],
    ) -> Result<UpdatePlan, SyncError> {
        let status = self.status(None)?;
        for id in ids {
            if !status.artifacts.iter().any(|a| &a.id == id) {
                return Err(self.unknown(id));
            }
        }
        let wanted_project = |p: &Path| projects.is_empty() || projects.iter().any(|q| q == p);
        for p in projects {
            let known = status
                .artifacts
                .iter()
                .any(|a| a.projects.iter().any(|s| &s.path == p));
            if !known {
                return Err(SyncError::Refused(format!(
                    "no artifact of collection {} is deployed in {}",
                    status.collection,
                    p.display()
                )));
            }
        }
        let chosen = status
            .artifacts
            .iter()
            .filter(|a| ids.is_empty() || ids.contains(&a.id));

        let mut plan = UpdatePlan::default();
        let mut upstream = SyncRequest::new(Direction::UpstreamToCollection);
        // Project paths in the order status lists them, each with its
        // artifacts behind.
        let mut by_project: Vec<((PathBuf, Target), Vec<ArtifactId>)> = Vec::new();
        let mut push = |copy: (PathBuf, Target), id: &ArtifactId| match by_project
            .iter_mut()
            .find(|(c, _)| c == &copy)
        {
            Some((_, list)) => list.push(id.clone()),
            None => by_project.push((copy, vec![id.clone()])),
        };
        for a in chosen {
            if let Some(u) = &a.upstream {
                match u.status {
                    // An upstream change with a high audit finding needs a
                    // confirmation `update` never gives: it is held back.
                    Status::Behind => match self.held_by_audit(&a.id)? {
                        Some(message) => plan.held.push(Held {
                            id: a.id.clone(),
                            direction: Direction::UpstreamToCollection,
                            project: None,
                            target: None,
                            status: Status::Behind,
                            message,
                        }),
                        None => upstream.artifacts.push(a.id.clone()),
                    },
                    Status::InSync | Status::Ahead | Status::Untracked => {}
                    s => plan.held.push(Held {
                        id: a.id.clone(),
                        direction: Direction::UpstreamToCollection,
                        project: None,
                        target: None,
                        status: s,
                        message: held_message(s, "the collection's copy"),
                    }),
                }
            }
            for p in a.projects.iter().filter(|p| wanted_project(&p.path)) {
                match p.status {
                    Status::Behind => push((p.path.clone(), p.target), &a.id),
                    Status::InSync | Status::Ahead | Status::Untracked => {}
                    s => plan.held.push(Held {
                        id: a.id.clone(),
                        direction: Direction::CollectionToProject,
                        project: Some(p.path.clone()),
                        target: Some(p.target),
                        status: s,
                        message: held_message(s, "this project's copy"),
                    }),
                }
            }
        }
        // A project copy that was in sync with a collection copy about to
        // move is behind once the first step lands: it goes along.
        let moving: Vec<ArtifactId> = upstream.artifacts.clone();
        for a in status.artifacts.iter().filter(|a| moving.contains(&a.id)) {
            for p in a.projects.iter().filter(|p| wanted_project(&p.path)) {
                match p.status {
                    Status::InSync => push((p.path.clone(), p.target), &a.id),
                    // Edited here while its collection copy moves: the two
                    // diverge, which needs a merge.
                    Status::Ahead => plan.held.push(Held {
                        id: a.id.clone(),
                        direction: Direction::CollectionToProject,
                        project: Some(p.path.clone()),
                        target: Some(p.target),
                        status: Status::Diverged,
                        message: "this project's copy has local changes and the collection's copy takes an upstream update; sync it on its own to merge them".into(),
                    }),
                    _ => {}
                }
            }
        }
        if !upstream.artifacts.is_empty() {
            plan.steps.push(upstream);
        }
        for ((path, target), mut artifacts) in by_project {
            artifacts.sort();
            let mut req = SyncRequest::new(Direction::CollectionToProject);
            req.project = Some(path);
            req.target = Some(target);
            req.artifacts = artifacts;
            plan.steps.push(req);
        }
        Ok(plan)
    }
}
