//! A cache of content hashes keyed by what `stat` says of each file, as
//! git's index does: a file whose device, inode, size, mode, modification
//! and status-change times are all what they were when it was hashed is
//! not read again. Computing status over unchanged copies then costs one
//! `fstatat` per file instead of reading and hashing every byte.
//!
//! One cache per tier root (a project folder, the collection folder), kept
//! in memory for the life of the process and saved under the data home's
//! `cache/stat/` so the next command starts warm. The cache holds nothing
//! that cannot be recomputed: a missing, truncated or foreign file is
//! ignored and rebuilt, saving is best effort and never fails a command,
//! and deleting the folder only costs one slower status.
//!
//! **Racy entries.** A file can change twice within one tick of the file
//! system's clock with the same size, leaving every stat field as it was.
//! So an entry is trusted only if the file's modification and status-change
//! times were at least a second old when it was hashed; a younger file is
//! hashed again every time until it has aged (git's racy-git rule, with a
//! sliding second instead of the index file's timestamp).
//!
//! The same folder keeps an `UpstreamMemo` per upstream cache: the hash of
//! each artifact at each commit status has looked at, so that a status
//! whose upstream did not move opens no git repository at all.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use artisync_model::ObjectId;

use crate::beneath::EntryStat;
use crate::home::Home;

const HEADER: &str = "artisync stat cache 1";
/// A cache file larger than this is not read (a sane one holds one short
/// line per file, and artifacts are limited to 10,000 files each).
const FILE_LIMIT: u64 = 64 * 1024 * 1024;
/// How old (in nanoseconds) a file's times must be when it is hashed for
/// the entry to be trusted later.
const RACY_NS: i128 = 1_000_000_000;

/// What identifies one state of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mode: u32,
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl Stamp {
    pub fn of(st: &EntryStat) -> Stamp {
        Stamp {
            dev: st.dev,
            ino: st.ino,
            size: st.size,
            mode: st.mode,
            mtime: st.mtime,
            ctime: st.ctime,
        }
    }

    /// Whether the file changed less than `window` nanoseconds before
    /// `now`, so a second change in the same clock tick could leave this
    /// stamp as it is.
    fn is_racy(&self, now: i128, window: i128) -> bool {
        let ns = |(s, n): (i64, u32)| i128::from(s) * 1_000_000_000 + i128::from(n);
        ns(self.mtime).max(ns(self.ctime)) + window > now
    }
}

fn now_ns() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(_) => 0,
    }
}

#[derive(Default)]
struct Entries {
    /// Path below the tier root → stamp and blob id.
    map: BTreeMap<String, (Stamp, ObjectId)>,
    dirty: bool,
}

/// The cache of one tier root.
pub struct StatCache {
    /// Where it is saved; `None` when it is kept in memory only.
    file: Option<PathBuf>,
    root: PathBuf,
    /// How old a file must be to be trusted, in nanoseconds.
    racy_ns: i128,
    entries: Mutex<Entries>,
}

/// What this process loaded, by data home and the path it is about.
type Loaded<T> = OnceLock<Mutex<HashMap<(PathBuf, PathBuf), Arc<T>>>>;

/// The stat caches, by data home and tier root.
static CACHES: Loaded<StatCache> = OnceLock::new();
/// The upstream memos, by data home and cache repository.
static MEMOS: Loaded<UpstreamMemo> = OnceLock::new();

fn lock_loaded<T>(
    loaded: &'static Loaded<T>,
) -> MutexGuard<'static, HashMap<(PathBuf, PathBuf), Arc<T>>> {
    loaded
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The value of `key` in `loaded`, made by `load` the first time. `load`
/// runs without holding the lock, so that threads reading many projects
/// do not wait on each other's files; the first one registered wins.
fn load_once<T>(
    loaded: &'static Loaded<T>,
    key: (PathBuf, PathBuf),
    load: impl FnOnce() -> T,
) -> Arc<T> {
    if let Some(v) = lock_loaded(loaded).get(&key) {
        return v.clone();
    }
    let v = Arc::new(load());
    lock_loaded(loaded).entry(key).or_insert(v).clone()
}

impl StatCache {
    /// The cache of the tier rooted at `root` (its canonical path), loaded
    /// from the data home the first time this process asks for it.
    pub fn for_root(home: &Home, root: &Path) -> Arc<StatCache> {
        let key = (home.root().to_path_buf(), root.to_path_buf());
        load_once(&CACHES, key, || {
            let file = cache_file(home, root);
            let map = file.as_deref().map(|f| load(f, root)).unwrap_or_default();
            StatCache {
                file,
                root: root.to_path_buf(),
                racy_ns: RACY_NS,
                entries: Mutex::new(Entries { map, dirty: false }),
            }
        })
    }

    /// A cache kept in memory only, trusting files as soon as they are
    /// `racy` old (a zero `racy` trusts every stamp at once: the strictest
    /// test of the stamp comparison alone).
    pub fn detached(racy: std::time::Duration) -> StatCache {
        StatCache {
            file: None,
            root: PathBuf::new(),
            racy_ns: racy.as_nanos() as i128,
            entries: Mutex::default(),
        }
    }

    /// How many files the cache knows.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The blob id recorded for the file at `rel` if it still has `stamp`.
    pub fn get(&self, rel: &str, stamp: &Stamp) -> Option<ObjectId> {
        match self.lock().map.get(rel) {
            Some((s, id)) if s == stamp => Some(*id),
            _ => None,
        }
    }

    /// Records that the file at `rel`, as `stamp` describes it, hashes to
    /// `id` — unless it is too young to be trusted, in which case any old
    /// entry is dropped.
    pub fn put(&self, rel: &str, stamp: Stamp, id: ObjectId) {
        let trusted = !stamp.is_racy(now_ns(), self.racy_ns) && !rel.contains('\n');
        let mut e = self.lock();
        if trusted {
            if e.map.get(rel) != Some(&(stamp, id)) {
                e.map.insert(rel.to_string(), (stamp, id));
                e.dirty = true;
            }
        } else if e.map.remove(rel).is_some() {
            e.dirty = true;
        }
    }

    /// Forgets every entry below the artifact at `prefix` that `keep` does
    /// not name: files deleted since they were hashed.
    pub fn retain_below(&self, prefix: &str, keep: &dyn Fn(&str) -> bool) {
        let mut e = self.lock();
        let below = format!("{prefix}/");
        let gone: Vec<String> = e
            .map
            .range(below.clone()..)
            .take_while(|(k, _)| k.starts_with(&below))
            .filter(|(k, _)| !keep(k))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            e.map.remove(k);
        }
        e.dirty |= !gone.is_empty();
    }

    /// Writes the cache to the data home if it changed since it was loaded
    /// or last saved. Best effort: a read-only or full disk leaves the
    /// cache in memory and the command goes on.
    pub fn save(&self) {
        let Some(file) = &self.file else {
            return;
        };
        let mut e = self.lock();
        if !e.dirty {
            return;
        }
        let mut text = String::with_capacity(64 + e.map.len() * 120);
        let _ = writeln!(text, "{HEADER}");
        let _ = writeln!(text, "{}", self.root.display());
        for (rel, (s, id)) in &e.map {
            let _ = writeln!(
                text,
                "{id} {:o} {} {} {} {}.{} {}.{} {rel}",
                s.mode, s.dev, s.ino, s.size, s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1
            );
        }
        if write_replacing(file, text.as_bytes()).is_ok() {
            e.dirty = false;
        }
    }
}

/// Saves every cache this process changed (called when a command ends and
/// after each read of the server that hashed copies).
pub fn save_all() {
    let caches: Vec<Arc<StatCache>> = lock_loaded(&CACHES).values().cloned().collect();
    for c in caches {
        c.save();
    }
    let memos: Vec<Arc<UpstreamMemo>> = lock_loaded(&MEMOS).values().cloned().collect();
    for m in memos {
        m.save();
    }
}

const MEMO_HEADER: &str = "artisync upstream hashes 1";
/// How many answers one upstream's memo keeps; those this process did not
/// use are the first to go.
const MEMO_LIMIT: usize = 20_000;

/// Which artifact an answer is about: a commit, a path in it, and whether
/// the artifact is a folder.
type MemoKey = (ObjectId, bool, String);

#[derive(Default)]
struct MemoEntries {
    /// The artifact hash at the key (`None`: nothing of that shape there),
    /// and whether this process used or made the answer.
    map: HashMap<MemoKey, (Option<ObjectId>, bool)>,
    dirty: bool,
}

/// Artifact hashes in one upstream cache, by commit and path. A commit id
/// names its tree for good, so an answer never goes stale: status can say
/// what an upstream holds at a commit without starting git or reading a
/// single object. Saved beside the stat caches, and like them holding only
/// what can be recomputed (a damaged file is dropped whole). The header
/// carries a version: changing which files an artifact's hash covers
/// means a new version, so old answers are ignored.
pub struct UpstreamMemo {
    file: Option<PathBuf>,
    dir: PathBuf,
    entries: Mutex<MemoEntries>,
}

impl UpstreamMemo {
    /// The memo of the upstream cache repository at `dir`, loaded from the
    /// data home the first time this process asks for it.
    pub fn for_repo(home: &Home, dir: &Path) -> Arc<UpstreamMemo> {
        let key = (home.root().to_path_buf(), dir.to_path_buf());
        load_once(&MEMOS, key, || {
            let file = cache_file(home, dir);
            let map = file
                .as_deref()
                .and_then(read_cache_text)
                .and_then(|t| parse_memo(&t, dir))
                .unwrap_or_default();
            UpstreamMemo {
                file,
                dir: dir.to_path_buf(),
                entries: Mutex::new(MemoEntries { map, dirty: false }),
            }
        })
    }

    fn lock(&self) -> MutexGuard<'_, MemoEntries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered hash of the artifact at `commit:path`: `None` when
    /// nothing is remembered, `Some(None)` when the commit holds nothing of
    /// that shape there.
    pub fn get(&self, commit: ObjectId, path: &str, dir: bool) -> Option<Option<ObjectId>> {
        let mut e = self.lock();
        let (hash, used) = e.map.get_mut(&(commit, dir, path.to_string()))?;
        *used = true;
        Some(*hash)
    }

    /// Remembers what git said is at `commit:path`.
    pub fn put(&self, commit: ObjectId, path: &str, dir: bool, hash: Option<ObjectId>) {
        if path.contains('\n') {
            return;
        }
        let mut e = self.lock();
        let old = e.map.insert((commit, dir, path.to_string()), (hash, true));
        e.dirty |= old.map(|(h, _)| h) != Some(hash);
    }

    /// Writes the memo to the data home if it changed. Best effort.
    pub fn save(&self) {
        let Some(file) = &self.file else {
            return;
        };
        let mut e = self.lock();
        if !e.dirty {
            return;
        }
        let mut rows: Vec<(&MemoKey, &(Option<ObjectId>, bool))> = e.map.iter().collect();
        // Used answers first, then the rest, each in a stable order.
        rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then_with(|| a.0.cmp(b.0)));
        rows.truncate(MEMO_LIMIT);
        let mut text = String::with_capacity(64 + rows.len() * 100);
        let _ = writeln!(text, "{MEMO_HEADER}");
        let _ = writeln!(text, "{}", self.dir.display());
        for ((commit, dir, path), (hash, _)) in rows {
            let shape = if *dir { 'd' } else { 'f' };
            match hash {
                Some(h) => {
                    let _ = writeln!(text, "{commit} {shape} {h} {path}");
                }
                None => {
                    let _ = writeln!(text, "{commit} {shape} - {path}");
                }
            }
        }
        if write_replacing(file, text.as_bytes()).is_ok() {
            e.dirty = false;
        }
    }
}

fn parse_memo(text: &str, dir: &Path) -> Option<HashMap<MemoKey, (Option<ObjectId>, bool)>> {
    let mut map = HashMap::new();
    for line in cache_lines(text, MEMO_HEADER, dir)? {
        let line = line?;
        let mut f = line.splitn(4, ' ');
        let commit: ObjectId = f.next()?.parse().ok()?;
        let dir = match f.next()? {
            "d" => true,
            "f" => false,
            _ => return None,
        };
        let hash = match f.next()? {
            "-" => None,
            h => Some(h.parse().ok()?),
        };
        let path = f.next()?;
        if path.is_empty() {
            return None;
        }
        map.insert((commit, dir, path.to_string()), (hash, false));
    }
    Some(map)
}

/// `cache/stat/<hash of the root path>` in the data home; `None` for a
/// root whose path cannot be written on one line.
fn cache_file(home: &Home, root: &Path) -> Option<PathBuf> {
    let bytes = root.as_os_str().as_bytes();
    if bytes.contains(&b'\n') || std::str::from_utf8(bytes).is_err() {
        return None;
    }
    let name = artisync_model::content::blob_id(bytes).to_string();
    Some(home.root().join("cache").join("stat").join(name))
}

/// The entries saved in `file` for `root`; empty when it is missing,
/// unreadable, for another root, or not entirely well formed (a file cut
/// short by a crash is thrown away whole rather than half trusted).
fn load(file: &Path, root: &Path) -> BTreeMap<String, (Stamp, ObjectId)> {
    read_cache_text(file)
        .and_then(|text| parse(&text, root))
        .unwrap_or_default()
}

/// The text of a cache file; `None` when it is missing, unreadable, too
/// big or not UTF-8.
fn read_cache_text(file: &Path) -> Option<String> {
    use std::io::Read;
    let f = crate::readfile::open_regular(file).ok()??;
    let mut bytes = Vec::new();
    f.take(FILE_LIMIT).read_to_end(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// The lines of a cache file after its header and path, each without its
/// newline (`None` for a last line cut short); `None` when the file does
/// not start with `header` and `path`.
fn cache_lines<'t>(
    text: &'t str,
    header: &str,
    path: &Path,
) -> Option<impl Iterator<Item = Option<&'t str>>> {
    let mut lines = text.split_inclusive('\n');
    if lines.next()?.strip_suffix('\n')? != header {
        return None;
    }
    if lines.next()?.strip_suffix('\n')? != path.to_str()? {
        return None;
    }
    Some(lines.map(|l| l.strip_suffix('\n')))
}

fn parse(text: &str, root: &Path) -> Option<BTreeMap<String, (Stamp, ObjectId)>> {
    let mut map = BTreeMap::new();
    for line in cache_lines(text, HEADER, root)? {
        let line = line?;
        let mut f = line.splitn(8, ' ');
        let id: ObjectId = f.next()?.parse().ok()?;
        let mode = u32::from_str_radix(f.next()?, 8).ok()?;
        let dev = f.next()?.parse().ok()?;
        let ino = f.next()?.parse().ok()?;
        let size = f.next()?.parse().ok()?;
        let time = |t: &str| -> Option<(i64, u32)> {
            let (s, n) = t.split_once('.')?;
            Some((s.parse().ok()?, n.parse().ok()?))
        };
        let mtime = time(f.next()?)?;
        let ctime = time(f.next()?)?;
        let rel = f.next()?;
        let stamp = Stamp {
            dev,
            ino,
            size,
            mode,
            mtime,
            ctime,
        };
        map.insert(rel.to_string(), (stamp, id));
    }
    Some(map)
}

/// Replaces `file` with `data` by writing a sibling and renaming it over.
/// Not synced: after a crash the old file, the new one or a short one is
/// there, and a short one fails `parse` and is ignored.
fn write_replacing(file: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = file
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent"))?;
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", crate::fsio::unique_suffix()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc_nofollow())
            .open(&tmp)?;
        f.write_all(data)?;
        std::fs::rename(&tmp, file)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

fn libc_nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(mtime: i64) -> Stamp {
        Stamp {
            dev: 1,
            ino: 2,
            size: 3,
            mode: 0o644,
            mtime: (mtime, 5),
            ctime: (mtime, 6),
        }
    }

    #[test]
    fn a_saved_cache_parses_back() {
        let root = Path::new("/p/q r");
        let id = artisync_model::content::blob_id(b"x");
        let mut map = BTreeMap::new();
        map.insert(".claude/skills/a b/SKILL.md".to_string(), (stamp(10), id));
        let mut text = format!("{HEADER}\n{}\n", root.display());
        for (rel, (s, id)) in &map {
            text.push_str(&format!(
                "{id} {:o} {} {} {} {}.{} {}.{} {rel}\n",
                s.mode, s.dev, s.ino, s.size, s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1
            ));
        }
        assert_eq!(parse(&text, root), Some(map));
        // Another root's file, a cut line or a bad header is thrown away.
        assert_eq!(parse(&text, Path::new("/p/other")), None);
        assert_eq!(parse(&text[..text.len() - 4], root), None);
        assert_eq!(parse(&text.replace("cache 1", "cache 2"), root), None);
    }

    #[test]
    fn a_saved_memo_parses_back_and_a_damaged_one_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("up.git");
        let file = dir.path().join("memo");
        let c1 = artisync_model::content::blob_id(b"c1");
        let h = artisync_model::content::blob_id(b"h");
        let memo = UpstreamMemo {
            file: Some(file.clone()),
            dir: repo.clone(),
            entries: Mutex::default(),
        };
        memo.put(c1, "skills/a b", true, Some(h));
        memo.put(c1, "commands/x.md", false, None);
        memo.save();
        let text = std::fs::read_to_string(&file).unwrap();
        let map = parse_memo(&text, &repo).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map[&(c1, true, "skills/a b".to_string())].0, Some(h));
        assert_eq!(map[&(c1, false, "commands/x.md".to_string())].0, None);
        // Another repository's memo, a cut line, a bad shape or version.
        assert!(parse_memo(&text, &dir.path().join("other.git")).is_none());
        assert!(parse_memo(&text[..text.len() - 5], &repo).is_none());
        assert!(parse_memo(&text.replace(" d ", " x "), &repo).is_none());
        assert!(parse_memo(&text.replace("hashes 1", "hashes 2"), &repo).is_none());
    }

    #[test]
    fn young_files_are_racy() {
        let now = 100 * 1_000_000_000i128;
        assert!(stamp(100).is_racy(now, RACY_NS));
        assert!(stamp(99).is_racy(now, RACY_NS)); // 99.000000006 + 1 s > 100
        assert!(!stamp(98).is_racy(now, RACY_NS));
        assert!(!stamp(99).is_racy(now, 0));
    }
}
