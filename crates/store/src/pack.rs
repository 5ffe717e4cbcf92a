//! Writing many objects into a git object database at once, as one pack.
//!
//! Storing a few hundred objects one by one costs a loose file each,
//! compressed at zlib's default level; a libgit2 fetch from a local
//! repository is worse: it builds a pack with a delta search over every
//! object, only to have the indexer undo those deltas again. Here the
//! objects are written whole (no deltas) at a fast compression level, as
//! git does with `pack.compression=1`, into one pack that libgit2's
//! indexer checks and names: every object id still comes from libgit2's
//! collision-detecting SHA-1, never from the writer.

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use git2::{ObjectType, Odb};
use sha1::{Digest, Sha1};

use crate::StoreError;

/// zlib level 1: most of the size gain at a fraction of the time of the
/// default level; these packs are small and local.
const LEVEL: u32 = 1;

/// A pack being streamed into an object database. Objects are added with
/// `add`; nothing is visible until `finish` has indexed the whole pack.
pub struct PackWriter<'r> {
    out: git2::OdbPackwriter<'r>,
    sum: Sha1,
    count: u32,
    buf: Vec<u8>,
}

impl<'r> PackWriter<'r> {
    /// Starts a pack of exactly `count` objects in `odb`.
    pub fn new(odb: &'r Odb<'r>, count: u32) -> Result<PackWriter<'r>, StoreError> {
        let out = odb
            .packwriter()
            .map_err(StoreError::git("starting a pack"))?;
        let mut w = PackWriter {
            out,
            sum: Sha1::new(),
            count,
            buf: Vec::new(),
        };
        let mut head = Vec::with_capacity(12);
        head.extend_from_slice(b"PACK");
        head.extend_from_slice(&2u32.to_be_bytes());
        head.extend_from_slice(&count.to_be_bytes());
        w.put(&head)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.sum.update(bytes);
        self.out
            .write_all(bytes)
            .map_err(|e| StoreError::Invalid(format!("writing a pack: {e}")))
    }

    /// Adds one whole object. The caller adds exactly the `count` objects
    /// it announced.
    pub fn add(&mut self, kind: ObjectType, data: &[u8]) -> Result<(), StoreError> {
        let mut entry = std::mem::take(&mut self.buf);
        encode(kind, data, &mut entry)?;
        let res = self.add_encoded(&entry);
        self.buf = entry;
        res
    }

    /// Adds, in order, the entries `make` hands to its sink (made with
    /// `encode`). `make` runs on a thread of its own while libgit2's
    /// indexer takes the entries here: compressing (and reading, for a
    /// fetch) costs about as much as indexing, so two cores nearly halve
    /// the time. Without a thread to be had, it runs here. The sink says
    /// `false` once the writer gave up (an error, handed over or its own):
    /// `make` should stop then. An error handed over ends the run with it.
    pub fn add_made_by<F>(&mut self, make: F) -> Result<(), StoreError>
    where
        F: FnOnce(&mut dyn FnMut(Result<Vec<u8>, StoreError>) -> bool) + Send,
    {
        let slot = std::sync::Mutex::new(Some(make));
        let take = || slot.lock().ok().and_then(|mut m| m.take());
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>, StoreError>>(64);
            let maker = move || {
                if let Some(make) = take() {
                    make(&mut |entry| {
                        let failed = entry.is_err();
                        // A closed channel: the writer gave up.
                        tx.send(entry).is_ok() && !failed
                    });
                }
            };
            if std::thread::Builder::new().spawn_scoped(s, maker).is_ok() {
                for entry in rx {
                    self.add_encoded(&entry?)?;
                }
                return Ok(());
            }
            // No thread: the entries are made and added here, one by one.
            let mut result = Ok(());
            if let Some(make) = take() {
                make(&mut |entry| {
                    result = entry.and_then(|e| self.add_encoded(&e));
                    result.is_ok()
                });
            }
            result
        })
    }

    /// Adds one object that `encode` made (possibly on another thread).
    pub fn add_encoded(&mut self, entry: &[u8]) -> Result<(), StoreError> {
        self.count = self
            .count
            .checked_sub(1)
            .ok_or_else(|| StoreError::Invalid("more objects than announced for a pack".into()))?;
        self.put(entry)
    }

    /// Ends the pack with its checksum and has libgit2 index it; from then
    /// on its objects are in the database.
    pub fn finish(mut self) -> Result<(), StoreError> {
        if self.count != 0 {
            return Err(StoreError::Invalid(format!(
                "{} announced objects missing from a pack",
                self.count
            )));
        }
        let sum = self.sum.clone().finalize();
        self.out
            .write_all(&sum)
            .map_err(|e| StoreError::Invalid(format!("writing a pack: {e}")))?;
        self.out
            .commit()
            .map_err(StoreError::git("indexing a pack"))?;
        Ok(())
    }
}

/// One whole object as a pack entry, into `out` (cleared first): its type
/// and size, then its data compressed. `PackWriter::add_encoded` adds it.
pub fn encode(kind: ObjectType, data: &[u8], out: &mut Vec<u8>) -> Result<(), StoreError> {
    let code: u8 = match kind {
        ObjectType::Commit => 1,
        ObjectType::Tree => 2,
        ObjectType::Blob => 3,
        ObjectType::Tag => 4,
        _ => {
            return Err(StoreError::Invalid(format!(
                "a pack cannot hold an object of type {kind}"
            )))
        }
    };
    // Type and size: 3 bits of type and the size's low 4 bits, then 7
    // bits of size per byte, low groups first.
    out.clear();
    let mut size = data.len() as u64;
    let mut byte = (code << 4) | (size & 0x0f) as u8;
    size >>= 4;
    while size > 0 {
        out.push(byte | 0x80);
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    out.push(byte);
    let mut z = ZlibEncoder::new(std::mem::take(out), Compression::new(LEVEL));
    let deflated = z.write_all(data).and_then(|()| z.finish());
    *out = deflated.map_err(|e| StoreError::Invalid(format!("compressing: {e}")))?;
    Ok(())
}

/// Stores `objects` in `odb` as one pack (nothing when empty). Objects the
/// database already holds are the caller's to leave out.
pub fn write_objects(odb: &Odb<'_>, objects: &[(ObjectType, &[u8])]) -> Result<(), StoreError> {
    if objects.is_empty() {
        return Ok(());
    }
    let count = u32::try_from(objects.len())
        .map_err(|_| StoreError::Invalid("too many objects for one pack".into()))?;
    let mut w = PackWriter::new(odb, count)?;
    w.add_made_by(|sink| {
        for (kind, data) in objects {
            let mut entry = Vec::new();
            let made = encode(*kind, data, &mut entry).map(|()| entry);
            if !sink(made) {
                return;
            }
        }
    })?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Oid, Repository};

    #[test]
    fn objects_written_as_a_pack_read_back_under_gits_own_ids() {
        let t = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(t.path()).unwrap();
        let odb = repo.odb().unwrap();
        // Sizes on both sides of each size-byte boundary, and empty.
        let big: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let blobs: Vec<Vec<u8>> = vec![
            vec![],
            b"x".to_vec(),
            vec![b'a'; 15],
            vec![b'b'; 16],
            vec![b'c'; 2047],
            vec![b'd'; 2048],
            big,
        ];
        let objects: Vec<(ObjectType, &[u8])> = blobs
            .iter()
            .map(|b| (ObjectType::Blob, b.as_slice()))
            .collect();
        write_objects(&odb, &objects).unwrap();
        for b in &blobs {
            let id = Oid::hash_object(ObjectType::Blob, b).unwrap();
            assert_eq!(repo.find_blob(id).unwrap().content(), b.as_slice());
        }
        // Exactly one pack, no loose objects.
        let packs: Vec<_> = std::fs::read_dir(t.path().join("objects/pack"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .collect();
        assert_eq!(packs.len(), 1);
    }

    #[test]
    fn a_miscounted_pack_is_refused_and_stores_nothing() {
        let t = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(t.path()).unwrap();
        let odb = repo.odb().unwrap();
        let mut w = PackWriter::new(&odb, 2).unwrap();
        w.add(ObjectType::Blob, b"one").unwrap();
        assert!(w.finish().is_err());
        let id = Oid::hash_object(ObjectType::Blob, b"one").unwrap();
        assert!(!odb.exists(id));
        let mut w = PackWriter::new(&odb, 0).unwrap();
        assert!(w.add(ObjectType::Blob, b"two").is_err());
    }
}
