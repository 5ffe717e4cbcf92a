//! Staged conflicts: a sync that could not merge cleanly leaves the
//! destination untouched and records here what it would merge (base, ours
//! and theirs, by hash in the object store) until it is resolved.

use std::path::PathBuf;

use artisync_model::{blob_id, ArtifactId, Destination, ObjectId, Shape};
use serde::{Deserialize, Serialize};

use crate::{fsio, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingFile {
    pub path: String,
    pub kind: String,
}

/// What the pair's base record becomes once the merge is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NewBase {
    /// upstream → collection: the upstream commit and hash merged in.
    Upstream { commit: ObjectId, hash: ObjectId },
    /// collection ↔ project: the lockfile's hash.
    Lock { hash: ObjectId },
    /// A merge from the collection's remote: no base record moves.
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMerge {
    pub id: ArtifactId,
    pub destination: Destination,
    pub direction: String,
    pub shape: Shape,
    pub file_name: String,
    pub base: Option<ObjectId>,
    pub ours: Option<ObjectId>,
    pub theirs: Option<ObjectId>,
    pub new_base: NewBase,
    pub files: Vec<PendingFile>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The project of the pair (the source for project_to_collection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<PathBuf>,
    /// The target of that project's copy; left out for `claude`.
    #[serde(
        default = "artisync_model::Target::default_one",
        skip_serializing_if = "artisync_model::target::is_claude"
    )]
    pub target: artisync_model::Target,
}

impl PendingMerge {
    /// The target of the project copy in this pair: the destination's, or
    /// the source's for a merge into the collection.
    pub fn target_of_copy(&self) -> artisync_model::Target {
        match &self.destination {
            Destination::Project { target, .. } => *target,
            Destination::Collection { .. } => self.target,
        }
    }
}

pub struct PendingStore {
    dir: PathBuf,
}

impl PendingStore {
    pub fn new(dir: PathBuf) -> PendingStore {
        PendingStore { dir }
    }

    fn path(&self, destination: &Destination, id: &ArtifactId) -> PathBuf {
        let key = format!("{}\n{}", destination.key(), id);
        self.dir.join(format!(
            "{}-{}.json",
            id.name,
            &blob_id(key.as_bytes()).to_string()[..16]
        ))
    }

    pub fn save(&self, p: &PendingMerge) -> Result<(), StoreError> {
        let text = serde_json::to_vec_pretty(p)
            .map_err(|e| StoreError::Invalid(format!("cannot record a conflict: {e}")))?;
        fsio::write_file_atomic(&self.path(&p.destination, &p.id), &text)
    }

    pub fn get(
        &self,
        destination: &Destination,
        id: &ArtifactId,
    ) -> Result<Option<PendingMerge>, StoreError> {
        let path = self.path(destination, id);
        match fsio::read_text(&path)? {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| {
                StoreError::Invalid(format!(
                    "malformed conflict record {}: {e}; delete it and sync again",
                    path.display()
                ))
            }),
        }
    }

    pub fn remove(&self, destination: &Destination, id: &ArtifactId) -> Result<(), StoreError> {
        let path = self.path(destination, id);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(StoreError::io("remove", &path)(e))
            }
            _ => Ok(()),
        }
    }

    pub fn list(&self) -> Result<Vec<PendingMerge>, StoreError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(StoreError::io("read directory", &self.dir)(e)),
        };
        let mut out = Vec::new();
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "json") {
                if let Some(t) = fsio::read_text(&e.path())? {
                    if let Ok(p) = serde_json::from_str(&t) {
                        out.push(p);
                    }
                }
            }
        }
        Ok(out)
    }
}
