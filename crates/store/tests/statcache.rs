//! The stat cache never changes an answer: after any sequence of edits to
//! an artifact's files — same-size rewrites, rewrites with the old
//! modification time put back, `touch -d` into the past, exec bits turned
//! on and off, files replaced by rename, deleted, added in new folders —
//! the hash computed through the cache equals the hash of a fresh read.
//! The cache under test trusts every stamp at once (no racy window), so
//! the stamp comparison alone has to catch every change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use artisync_model::{RelPath, Shape};
use artisync_store::beneath::DirHandle;
use artisync_store::fsio::{hash_content_in, read_content_in};
use artisync_store::statcache::StatCache;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const NAMES: [&str; 5] = [
    "SKILL.md",
    "notes.txt",
    "scripts/run.sh",
    "scripts/lib/util.py",
    "deep/a/b/c.md",
];

#[derive(Debug, Clone)]
enum Op {
    /// Overwrite in place with other bytes of the same length.
    SameSize(usize, u8),
    /// The same, then put the old modification time back.
    SameSizeKeepMtime(usize, u8),
    /// Write a new length.
    Resize(usize, usize, u8),
    /// `touch -d` this many seconds into the past (content unchanged).
    TouchPast(usize, u32),
    /// Turn the owner's exec bit on or off.
    Chmod(usize, bool),
    /// Replace by writing a sibling and renaming it over (new inode),
    /// keeping the old modification time.
    Replace(usize, u8),
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0..NAMES.len();
    prop_oneof![
        (i.clone(), any::<u8>()).prop_map(|(i, b)| Op::SameSize(i, b)),
        (i.clone(), any::<u8>()).prop_map(|(i, b)| Op::SameSizeKeepMtime(i, b)),
        (i.clone(), 0..300usize, any::<u8>()).prop_map(|(i, n, b)| Op::Resize(i, n, b)),
        (i.clone(), 1..100_000_000u32).prop_map(|(i, s)| Op::TouchPast(i, s)),
        (i.clone(), any::<bool>()).prop_map(|(i, x)| Op::Chmod(i, x)),
        (i.clone(), any::<u8>()).prop_map(|(i, b)| Op::Replace(i, b)),
        i.prop_map(Op::Delete),
    ]
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

fn set_mtime(p: &Path, t: SystemTime) {
    File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_times(FileTimes::new().set_modified(t))
        .unwrap();
}

/// Fills `p` with `len` bytes derived from `seed`, creating it (and its
/// folders) when missing.
fn write(p: &Path, len: usize, seed: u8) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    let data: Vec<u8> = (0..len).map(|k| seed.wrapping_add(k as u8)).collect();
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(p)
        .unwrap();
    f.write_all(&data).unwrap();
}

fn apply(skill: &Path, op: &Op) {
    let path = |i: usize| skill.join(NAMES[i]);
    let len = |p: &Path| fs::metadata(p).map(|m| m.len() as usize).unwrap_or(40);
    match *op {
        Op::SameSize(i, b) => {
            let p = path(i);
            write(&p, len(&p), b);
        }
        Op::SameSizeKeepMtime(i, b) => {
            let p = path(i);
            let before = fs::metadata(&p).ok().map(|_| mtime(&p));
            write(&p, len(&p), b);
            if let Some(t) = before {
                set_mtime(&p, t);
            }
        }
        Op::Resize(i, n, b) => write(&path(i), n, b),
        Op::TouchPast(i, secs) => {
            let p = path(i);
            if p.exists() {
                set_mtime(&p, SystemTime::now() - Duration::from_secs(secs.into()));
            }
        }
        Op::Chmod(i, exec) => {
            let p = path(i);
            if p.exists() {
                let mode = if exec { 0o755 } else { 0o644 };
                fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
            }
        }
        Op::Replace(i, b) => {
            let p = path(i);
            let before = fs::metadata(&p).ok().map(|_| mtime(&p));
            let tmp = skill.join(".replace-tmp");
            write(&tmp, len(&p), b);
            if let Some(t) = before {
                set_mtime(&tmp, t);
            }
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::rename(&tmp, &p).unwrap();
        }
        Op::Delete(i) => {
            let _ = fs::remove_file(path(i));
        }
    }
}

struct Tier {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Tier {
    fn new() -> Tier {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        for (i, name) in NAMES.iter().enumerate() {
            write(&root.join("skills/s").join(name), 30 + i * 7, i as u8);
        }
        Tier { _tmp: tmp, root }
    }

    fn skill(&self) -> PathBuf {
        self.root.join("skills/s")
    }

    /// (through the cache, fresh read)
    fn hashes(&self, cache: &StatCache) -> (Option<String>, Option<String>) {
        let root = DirHandle::open_root(&self.root, true).unwrap();
        let rel = RelPath::new("skills/s").unwrap();
        let cached = hash_content_in(&root, &rel, Shape::Dir, cache).unwrap();
        let fresh = read_content_in(&root, &rel, Shape::Dir)
            .unwrap()
            .map(|c| c.hash());
        (cached.map(|h| h.to_string()), fresh.map(|h| h.to_string()))
    }
}

#[test]
fn cached_hash_always_equals_a_fresh_hash() {
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..24), |ops| {
            let tier = Tier::new();
            let cache = StatCache::detached(Duration::ZERO);
            let (cached, fresh) = tier.hashes(&cache);
            prop_assert_eq!(cached, fresh);
            for op in &ops {
                apply(&tier.skill(), op);
                let (cached, fresh) = tier.hashes(&cache);
                prop_assert_eq!(cached, fresh, "after {:?}", op);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_warm_cache_answers_without_changing_the_hash() {
    let tier = Tier::new();
    let cache = StatCache::detached(Duration::ZERO);
    let first = tier.hashes(&cache);
    assert_eq!(cache.len(), NAMES.len());
    assert_eq!(tier.hashes(&cache), first);
    // Deleted files leave the cache.
    fs::remove_file(tier.skill().join(NAMES[4])).unwrap();
    let (cached, fresh) = tier.hashes(&cache);
    assert_eq!(cached, fresh);
    assert_eq!(cache.len(), NAMES.len() - 1);
}

#[test]
fn young_files_are_not_trusted() {
    // With the default one-second window, files written just now are
    // hashed again every time instead of entering the cache.
    let tier = Tier::new();
    let cache = StatCache::detached(Duration::from_secs(1));
    let (cached, fresh) = tier.hashes(&cache);
    assert_eq!(cached, fresh);
    assert_eq!(cache.len(), 0);
}

#[test]
fn a_single_file_artifact_is_cached_too() {
    let tier = Tier::new();
    let cmd = tier.root.join("commands/review.md");
    write(&cmd, 100, 1);
    let cache = StatCache::detached(Duration::ZERO);
    let root = DirHandle::open_root(&tier.root, true).unwrap();
    let rel = RelPath::new("commands/review.md").unwrap();
    let hash = |cache: &StatCache| {
        let cached = hash_content_in(&root, &rel, Shape::File, cache).unwrap();
        let fresh = read_content_in(&root, &rel, Shape::File)
            .unwrap()
            .map(|c| c.hash());
        assert_eq!(cached, fresh);
        cached
    };
    let a = hash(&cache);
    assert_eq!(cache.len(), 1);
    let t = mtime(&cmd);
    write(&cmd, 100, 2);
    set_mtime(&cmd, t);
    assert_ne!(hash(&cache), a);
}
