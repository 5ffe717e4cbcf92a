//! Fetching from an upstream on this machine (a `file://` URL).
//!
//! libgit2's local transport packs what it sends with a full delta search
//! (a window of 10 over every object) and then indexes that pack again on
//! the receiving side: for a 12 MB upstream most of an `add` went there.
//! Here the objects the cache lacks are read from the upstream and written
//! whole into one pack (`pack::PackWriter`), which libgit2's indexer checks
//! and names as it would a fetched pack; then the branches and tags are
//! set as a forced fetch of `refs/heads/*` and `refs/tags/*` would set them.

use std::collections::HashSet;

use git2::{ObjectType, OdbLookupFlags, Oid, Repository};

use super::CachedRepo;
use crate::pack::PackWriter;
use crate::StoreError;

/// Whether `name` is a ref a fetch copies into the cache.
fn fetched_ref(name: &str) -> bool {
    (name.starts_with("refs/heads/") || name.starts_with("refs/tags/")) && !name.ends_with("^{}")
}

impl CachedRepo {
    /// Copies the branches and tags of the local repository `src` (with
    /// the ids `advertised` announced for them) and every object they
    /// reach that the cache does not hold yet.
    pub(super) fn fetch_local(
        &self,
        src: &Repository,
        advertised: &[(String, Oid)],
    ) -> Result<(), String> {
        let msg = |e: git2::Error| e.message().to_string();
        let dst = self.repo.odb().map_err(msg)?;
        let tips: Vec<(&str, Oid)> = advertised
            .iter()
            .filter(|(n, _)| fetched_ref(n))
            .map(|(n, id)| (n.as_str(), *id))
            .collect();
        let ids = missing_objects(src, &self.repo, &dst, &tips).map_err(msg)?;
        if !ids.is_empty() {
            let count = u32::try_from(ids.len()).map_err(|_| "too many objects".to_string())?;
            let mut pack = PackWriter::new(&dst, count).map_err(|e| e.to_string())?;
            copy_objects(src, &ids, &mut pack)?;
            pack.finish().map_err(|e| e.to_string())?;
            // The indexer named each object by what it holds: an object of
            // the upstream whose bytes do not match its id is missing now.
            // No ref may point at what the cache lacks.
            dst.refresh().map_err(msg)?;
            if let Some(id) = ids.iter().find(|id| !dst.exists(**id)) {
                return Err(format!(
                    "the upstream's object {id} is damaged (its content does not match its id); run 'git fsck' there"
                ));
            }
        }
        for (name, id) in tips {
            let current = self.repo.refname_to_id(name).ok();
            if current != Some(id) {
                self.repo.reference(name, id, true, "fetch").map_err(msg)?;
            }
        }
        Ok(())
    }
}

/// Adds the objects `ids` of `src` to `pack`, in that order. Each is read
/// (libgit2 inflates it) and compressed again by `PackWriter::add_made_by`'s
/// maker, through a handle on the repository of its own.
fn copy_objects(src: &Repository, ids: &[Oid], pack: &mut PackWriter<'_>) -> Result<(), String> {
    let git = |e: git2::Error| StoreError::Invalid(e.message().to_string());
    let path = src.path().to_path_buf();
    pack.add_made_by(|sink| {
        let repo = Repository::open(&path).map_err(git);
        let odb = repo
            .as_ref()
            .map_err(|e| StoreError::Invalid(e.to_string()))
            .and_then(|r| r.odb().map_err(git));
        let odb = match odb {
            Ok(o) => o,
            Err(e) => {
                sink(Err(e));
                return;
            }
        };
        for &id in ids {
            let entry = odb.read(id).map_err(git).and_then(|obj| {
                let mut entry = Vec::new();
                crate::pack::encode(obj.kind(), obj.data(), &mut entry).map(|()| entry)
            });
            if !sink(entry) {
                return;
            }
        }
    })
    .map_err(|e| e.to_string())
}

/// Every object reachable from `tips` in `src` that the cache (`cache`,
/// its database `dst`) does not hold, each once. Commits the cache already
/// has end the history walk, and a tree the cache holds is not entered: it
/// holds what that tree reaches. Trees are walked with an explicit stack.
fn missing_objects(
    src: &Repository,
    cache: &Repository,
    dst: &git2::Odb<'_>,
    tips: &[(&str, Oid)],
) -> Result<Vec<Oid>, git2::Error> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |id: Oid, out: &mut Vec<Oid>| -> bool {
        // Most objects are missing on a first fetch: looking them up must
        // not rescan the pack folder each time.
        seen.insert(id) && !dst.exists_ext(id, OdbLookupFlags::NO_REFRESH) && {
            out.push(id);
            true
        }
    };
    let mut trees = Vec::new();
    let mut walk = src.revwalk()?;
    let mut any_commit = false;
    for (_, tip) in tips {
        // Annotated tags (possibly of tags) down to what they name.
        let mut id = *tip;
        loop {
            let obj = src.find_object(id, None)?;
            match obj.kind() {
                Some(ObjectType::Tag) => {
                    take(id, &mut out);
                    id = obj
                        .as_tag()
                        .map(|t| t.target_id())
                        .ok_or_else(|| git2::Error::from_str("a tag without a target"))?;
                }
                Some(ObjectType::Commit) => {
                    walk.push(id)?;
                    any_commit = true;
                    break;
                }
                Some(ObjectType::Tree) => {
                    trees.push(id);
                    break;
                }
                _ => {
                    take(id, &mut out);
                    break;
                }
            }
        }
    }
    if any_commit {
        // The cache keeps whole histories: what it has ends the walk. A
        // commit the upstream no longer has is no limit.
        for id in cached_tips(cache) {
            let _ = walk.hide(id);
        }
        for c in walk {
            let c = src.find_commit(c?)?;
            if take(c.id(), &mut out) {
                trees.push(c.tree_id());
            }
        }
    }
    while let Some(t) = trees.pop() {
        if !take(t, &mut out) {
            continue;
        }
        let tree = src.find_tree(t)?;
        for e in tree.iter() {
            match e.kind() {
                Some(ObjectType::Tree) => trees.push(e.id()),
                Some(ObjectType::Blob) => {
                    take(e.id(), &mut out);
                }
                _ => {} // submodules live elsewhere
            }
        }
    }
    Ok(out)
}

/// The commits the cache's branches, tags and kept commits point at.
fn cached_tips(cache: &Repository) -> Vec<Oid> {
    let Ok(refs) = cache.references() else {
        return Vec::new();
    };
    refs.flatten()
        .filter_map(|r| r.peel_to_commit().ok().map(|c| c.id()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::UpstreamCache;

    fn commit(repo: &Repository, files: &[(&str, &[u8])], parents: &[Oid]) -> Oid {
        let sig = git2::Signature::new("t", "t@example.invalid", &git2::Time::new(1, 0)).unwrap();
        let mut tb = repo.treebuilder(None).unwrap();
        for (name, data) in files {
            tb.insert(name, repo.blob(data).unwrap(), 0o100644).unwrap();
        }
        let tree = repo.find_tree(tb.write().unwrap()).unwrap();
        let parents: Vec<_> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        repo.commit(None, &sig, &sig, "c", &tree, &parents).unwrap()
    }

    fn fetched_refs(repo: &Repository) -> Vec<(String, Oid)> {
        let mut out: Vec<(String, Oid)> = repo
            .references()
            .unwrap()
            .flatten()
            .filter_map(|r| Some((r.name()?.to_string(), r.target()?)))
            .filter(|(n, _)| fetched_ref(n))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_local_fetch_copies_branches_tags_and_objects_and_keeps_rewritten_history() {
        let t = tempfile::tempdir().unwrap();
        let up_dir = t.path().join("up");
        let up = Repository::init(&up_dir).unwrap();
        let c1 = commit(&up, &[("a.md", b"one\n"), ("b.md", b"two\n")], &[]);
        let c2 = commit(&up, &[("a.md", b"one, again\n"), ("b.md", b"two\n")], &[c1]);
        up.reference("refs/heads/main", c2, true, "t").unwrap();
        up.reference("refs/heads/old", c1, true, "t").unwrap();
        let sig = git2::Signature::new("t", "t@example.invalid", &git2::Time::new(1, 0)).unwrap();
        let obj = up.find_object(c1, None).unwrap();
        up.tag("v1", &obj, &sig, "release", false).unwrap();
        let blob = up.blob(b"a tagged blob\n").unwrap();
        up.reference("refs/tags/blob", blob, true, "t").unwrap();

        let cache = UpstreamCache::new(t.path().join("cache"))
            .open_or_create(&format!("file://{}", up_dir.display()))
            .unwrap();
        let first = cache.fetch().unwrap();
        assert_eq!(first.offline, None);
        assert_eq!(fetched_refs(&cache.repo), fetched_refs(&up));
        for c in [c1, c2] {
            let commit = cache.repo.find_commit(c).unwrap();
            for e in commit.tree().unwrap().iter() {
                cache.repo.find_blob(e.id()).unwrap();
            }
        }
        cache.repo.find_blob(blob).unwrap();

        // History rewritten upstream: a new root, a branch deleted. Only
        // the new objects are copied; the old commits stay in the cache.
        let c3 = commit(&up, &[("c.md", b"three\n")], &[]);
        up.reference("refs/heads/main", c3, true, "t").unwrap();
        up.find_reference("refs/heads/old")
            .unwrap()
            .delete()
            .unwrap();
        let second = cache.fetch().unwrap();
        assert_eq!(second.pruned, vec!["refs/heads/old".to_string()]);
        assert_eq!(fetched_refs(&cache.repo), fetched_refs(&up));
        assert_eq!(
            cache.repo.find_commit(c2).unwrap().parent_id(0).unwrap(),
            c1
        );
        let packs: Vec<u64> = std::fs::read_dir(cache.dir.join("objects/pack"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .map(|e| e.metadata().unwrap().len())
            .collect();
        assert_eq!(packs.len(), 2, "one pack per fetch");
        // Header, 3 objects (commit, tree, blob) and the checksum: small.
        assert!(packs.iter().any(|&n| n < 200), "{packs:?}");
        // A fetch with nothing new writes no pack.
        cache.fetch().unwrap();
        let n = std::fs::read_dir(cache.dir.join("objects/pack"))
            .unwrap()
            .count();
        assert_eq!(n, 4, "a .pack and an .idx per fetch");
    }

    #[test]
    fn an_upstream_object_that_does_not_match_its_id_is_refused_and_no_ref_moves() {
        // As artisync runs: objects are not re-hashed on every read.
        crate::repo::start_git();
        let t = tempfile::tempdir().unwrap();
        let up_dir = t.path().join("up");
        let up = Repository::init(&up_dir).unwrap();
        let c1 = commit(&up, &[("a.md", b"one\n")], &[]);
        up.reference("refs/heads/main", c1, true, "t").unwrap();
        // The blob's loose file now holds another blob of the same size.
        let blob = up
            .find_commit(c1)
            .unwrap()
            .tree()
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .id();
        let hex = blob.to_string();
        let file = up_dir.join(".git/objects").join(&hex[..2]).join(&hex[2..]);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"blob 4\0two\n").unwrap();
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, z.finish().unwrap()).unwrap();

        let cache = UpstreamCache::new(t.path().join("cache"))
            .open_or_create(&format!("file://{}", up_dir.display()))
            .unwrap();
        let err = cache.fetch().unwrap_err().to_string();
        assert!(err.contains(&format!("object {blob} is damaged")), "{err}");
        assert!(fetched_refs(&cache.repo).is_empty());
    }
}
