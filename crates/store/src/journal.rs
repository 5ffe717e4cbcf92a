//! The undo journal: an append-only JSON-lines file in the data home with
//! one entry per write to a collection or project artifact. The bytes
//! themselves are in the object store; an entry names them by hash, along
//! with the base record (lockfile or manifest entry) to put back.

use std::io::Write;
use std::path::PathBuf;

use artisync_model::{ArtifactId, Destination, LockEntry, ManifestEntry, ObjectId};
use serde::{Deserialize, Serialize};

use crate::{fsio, StoreError};

/// The record of the last sync of a pair, as it was before a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BaseRecord {
    Lock {
        project: std::path::PathBuf,
        entry: Option<LockEntry>,
    },
    Manifest {
        entry: Option<ManifestEntry>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoEntry {
    pub seq: u64,
    pub time: String,
    pub id: ArtifactId,
    pub destination: Destination,
    /// What was there before the write (`None`: nothing).
    pub previous: Option<ObjectId>,
    /// What the write left (`None`: the artifact was removed).
    pub written: Option<ObjectId>,
    pub base_before: BaseRecord,
    /// What wrote it: "sync collection_to_project", "resolve", "undo", …
    pub action: String,
    /// Set on entries written by `undo`: the entry they reverted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<u64>,
}

pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// Every entry, oldest first. A torn last line (a crash mid-append) is
    /// ignored.
    pub fn entries(&self) -> Result<Vec<UndoEntry>, StoreError> {
        let Some(text) = fsio::read_text(&self.path)? else {
            return Ok(vec![]);
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    /// Appends `entry` (its `seq` is assigned here) and syncs the file.
    /// Callers hold the destination artifact's lock.
    pub fn append(&self, mut entry: UndoEntry) -> Result<UndoEntry, StoreError> {
        let _guard = crate::lock::acquire(
            self.path.parent().unwrap_or(std::path::Path::new(".")),
            "undo-journal",
        )?;
        entry.seq = self.entries()?.last().map(|e| e.seq + 1).unwrap_or(1);
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| StoreError::Invalid(format!("cannot record an undo entry: {e}")))?;
        line.push('\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(StoreError::io("open", &self.path))?;
        f.write_all(line.as_bytes())
            .map_err(StoreError::io("write", &self.path))?;
        f.sync_all().map_err(StoreError::io("sync", &self.path))?;
        Ok(entry)
    }

    /// The newest write to `destination` (of `id`, if given) that has not
    /// been undone; undo entries themselves are skipped, so repeated undo
    /// walks further back.
    pub fn last_undoable(
        &self,
        destination: &Destination,
        id: Option<&ArtifactId>,
    ) -> Result<Option<UndoEntry>, StoreError> {
        let all = self.entries()?;
        let undone: Vec<u64> = all.iter().filter_map(|e| e.undoes).collect();
        Ok(all
            .into_iter()
            .rev()
            .filter(|e| e.undoes.is_none() && !undone.contains(&e.seq))
            .find(|e| &e.destination == destination && id.is_none_or(|i| &e.id == i)))
    }
}
