//! The undo journal: an append-only JSON-lines file in the data home with
//! one entry per write to a collection or project artifact. The bytes
//! themselves are in the object store; an entry names them by hash, along
//! with the base record (lockfile or manifest entry) to put back. An entry
//! is written before its write; a later amendment line marks it failed (the
//! write changed nothing) or names the content the write really replaced
//! (an edit made while it ran), and `entries` applies them.

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
        /// The copy's target; left out for `claude`.
        #[serde(
            default = "artisync_model::Target::default_one",
            skip_serializing_if = "artisync_model::target::is_claude"
        )]
        target: artisync_model::Target,
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

/// A later line about an earlier entry (see `Journal::entries`).
#[derive(Debug, Serialize, Deserialize)]
struct Amend {
    amends: u64,
    #[serde(default)]
    failed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replaced: Option<ObjectId>,
}

pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// Every entry, oldest first, with later amendments applied: an entry
    /// whose write failed is left out, and an entry whose write replaced
    /// other content than it names names that content instead. A torn last
    /// line (a crash mid-append) is ignored.
    pub fn entries(&self) -> Result<Vec<UndoEntry>, StoreError> {
        let Some(text) = fsio::read_text(&self.path)? else {
            return Ok(vec![]);
        };
        let mut entries: Vec<UndoEntry> = Vec::new();
        let mut amends: Vec<Amend> = Vec::new();
        for line in text.lines() {
            if let Ok(e) = serde_json::from_str::<UndoEntry>(line) {
                entries.push(e);
            } else if let Ok(a) = serde_json::from_str::<Amend>(line) {
                amends.push(a);
            }
        }
        for a in amends {
            let Some(i) = entries.iter().position(|e| e.seq == a.amends) else {
                continue;
            };
            if a.failed {
                entries.remove(i);
            } else if let Some(replaced) = a.replaced {
                entries[i].previous = Some(replaced);
            }
        }
        Ok(entries)
    }

    /// Records that the write of entry `seq` failed and changed nothing,
    /// so that undo never takes it for a write that happened.
    pub fn amend_failed(&self, seq: u64) -> Result<(), StoreError> {
        self.append_line(&Amend {
            amends: seq,
            failed: true,
            replaced: None,
        })
    }

    /// Records that the write of entry `seq` replaced `replaced` (kept in
    /// the object store), not the content the entry names: the destination
    /// was edited while the write ran. Undo then restores that edit.
    pub fn amend_replaced(&self, seq: u64, replaced: ObjectId) -> Result<(), StoreError> {
        self.append_line(&Amend {
            amends: seq,
            failed: false,
            replaced: Some(replaced),
        })
    }

    /// The sequence number of the newest entry, read from the end of the
    /// file so that appending stays cheap however long the journal grows.
    fn last_seq(&self) -> Result<u64, StoreError> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(mut f) = fsio::open_regular(&self.path)? else {
            return Ok(0);
        };
        let len = f
            .metadata()
            .map_err(StoreError::io("read", &self.path))?
            .len();
        let mut window = 4096u64;
        loop {
            let start = len.saturating_sub(window);
            f.seek(SeekFrom::Start(start))
                .map_err(StoreError::io("read", &self.path))?;
            let mut buf = Vec::new();
            f.read_to_end(&mut buf)
                .map_err(StoreError::io("read", &self.path))?;
            let text = String::from_utf8_lossy(&buf);
            // The first line of a window that does not start the file may be cut.
            let mut lines: Vec<&str> = text.lines().collect();
            if start > 0 && !lines.is_empty() {
                lines.remove(0);
            }
            if let Some(seq) = lines
                .iter()
                .rev()
                .find_map(|l| serde_json::from_str::<UndoEntry>(l).ok())
                .map(|e| e.seq)
            {
                return Ok(seq);
            }
            if start == 0 {
                return Ok(0);
            }
            window *= 4;
        }
    }

    /// Appends `entry` (its `seq` is assigned here) and syncs the file.
    /// Callers hold the destination artifact's lock.
    pub fn append(&self, mut entry: UndoEntry) -> Result<UndoEntry, StoreError> {
        let _guard = self.guard()?;
        entry.seq = self.last_seq()? + 1;
        self.write_line(&entry)?;
        Ok(entry)
    }

    /// Appends every entry of `entries` (their `seq`s are assigned here,
    /// in order) with one write and one sync of the file: a run that
    /// writes many artifacts journals them all before the first write.
    /// Callers hold each destination artifact's lock.
    pub fn append_all(&self, mut entries: Vec<UndoEntry>) -> Result<Vec<UndoEntry>, StoreError> {
        if entries.is_empty() {
            return Ok(entries);
        }
        let _guard = self.guard()?;
        let mut seq = self.last_seq()?;
        let mut text = String::new();
        for e in &mut entries {
            seq += 1;
            e.seq = seq;
            text.push_str(&line_of(e)?);
        }
        self.write_text(text)?;
        Ok(entries)
    }

    fn guard(&self) -> Result<crate::lock::LockGuard, StoreError> {
        crate::lock::acquire(
            self.path.parent().unwrap_or(std::path::Path::new(".")),
            "undo-journal",
        )
    }

    fn append_line<T: Serialize>(&self, record: &T) -> Result<(), StoreError> {
        let _guard = self.guard()?;
        self.write_line(record)
    }

    fn write_line<T: Serialize>(&self, record: &T) -> Result<(), StoreError> {
        self.write_text(line_of(record)?)
    }

    /// Appends whole lines and syncs the file.
    fn write_text(&self, mut line: String) -> Result<(), StoreError> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(StoreError::io("open", &self.path))?;
        // A crash mid-append can leave a torn last line; start on a new one.
        let torn = {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [b'\n'];
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut r = fsio::open_regular(&self.path)?
                .ok_or_else(|| StoreError::Invalid(format!("{} vanished", self.path.display())))?;
            if len > 0 {
                r.seek(SeekFrom::Start(len - 1))
                    .and_then(|_| r.read_exact(&mut last))
                    .map_err(StoreError::io("read", &self.path))?;
            }
            last[0] != b'\n'
        };
        if torn {
            line.insert(0, '\n');
        }
        f.write_all(line.as_bytes())
            .map_err(StoreError::io("write", &self.path))?;
        f.sync_all().map_err(StoreError::io("sync", &self.path))
    }

    /// The newest write to `destination` (of `id`, if given) that has not
    /// been undone; undo entries themselves are skipped, so repeated undo
    /// walks further back.
    pub fn last_undoable(
        &self,
        destination: &Destination,
        id: Option<&ArtifactId>,
    ) -> Result<Option<UndoEntry>, StoreError> {
        Ok(self.undoable(destination, id)?.into_iter().next())
    }

    /// Every write to `destination` (of `id`, if given) that has not been
    /// undone, newest first (see `last_undoable`).
    pub fn undoable(
        &self,
        destination: &Destination,
        id: Option<&ArtifactId>,
    ) -> Result<Vec<UndoEntry>, StoreError> {
        let all = self.entries()?;
        let undone: Vec<u64> = all.iter().filter_map(|e| e.undoes).collect();
        Ok(all
            .into_iter()
            .rev()
            .filter(|e| e.undoes.is_none() && !undone.contains(&e.seq))
            .filter(|e| &e.destination == destination && id.is_none_or(|i| &e.id == i))
            .collect())
    }
}

/// One journal line.
fn line_of<T: Serialize>(record: &T) -> Result<String, StoreError> {
    let mut line = serde_json::to_string(record)
        .map_err(|e| StoreError::Invalid(format!("cannot record an undo entry: {e}")))?;
    line.push('\n');
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> UndoEntry {
        UndoEntry {
            seq: 0,
            time: "t".into(),
            id: id.parse().unwrap(),
            destination: Destination::Collection {
                name: "default".into(),
            },
            previous: None,
            written: None,
            base_before: BaseRecord::Manifest { entry: None },
            action: "sync".into(),
            undoes: None,
        }
    }

    #[test]
    fn sequence_numbers_grow_and_undo_walks_back() {
        let t = tempfile::tempdir().unwrap();
        let j = Journal::new(t.path().join("undo.jsonl"));
        for i in 0..300 {
            let e = j
                .append(entry(if i % 2 == 0 { "skill:a" } else { "skill:b" }))
                .unwrap();
            assert_eq!(e.seq, i + 1);
        }
        let d = Destination::Collection {
            name: "default".into(),
        };
        let last_a = j
            .last_undoable(&d, Some(&"skill:a".parse().unwrap()))
            .unwrap()
            .unwrap();
        assert_eq!(last_a.seq, 299);
        let mut undo = entry("skill:a");
        undo.undoes = Some(299);
        j.append(undo).unwrap();
        let next = j
            .last_undoable(&d, Some(&"skill:a".parse().unwrap()))
            .unwrap()
            .unwrap();
        assert_eq!(next.seq, 297);
        assert_eq!(j.last_undoable(&d, None).unwrap().unwrap().seq, 300);
        // A torn last line (a crash mid-append) is ignored.
        std::fs::OpenOptions::new()
            .append(true)
            .open(t.path().join("undo.jsonl"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"seq\": 99"))
            .unwrap();
        assert_eq!(j.append(entry("skill:c")).unwrap().seq, 302);
        let all = j.entries().unwrap();
        assert_eq!(all.last().unwrap().seq, 302);
        assert_eq!(all.len(), 302);
    }

    #[test]
    fn amendments_drop_failed_writes_and_name_what_was_replaced() {
        let t = tempfile::tempdir().unwrap();
        let j = Journal::new(t.path().join("undo.jsonl"));
        let a = j.append(entry("skill:a")).unwrap();
        let b = j.append(entry("skill:b")).unwrap();
        j.amend_failed(b.seq).unwrap();
        let kept = artisync_model::blob_id(b"edited while written\n");
        j.amend_replaced(a.seq, kept).unwrap();
        let all = j.entries().unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].seq, a.seq);
        assert_eq!(all[0].previous, Some(kept));
        let d = Destination::Collection {
            name: "default".into(),
        };
        assert_eq!(j.last_undoable(&d, None).unwrap().unwrap().seq, a.seq);
        // Amendment lines do not take sequence numbers.
        assert_eq!(j.append(entry("skill:c")).unwrap().seq, b.seq + 1);
    }
}
