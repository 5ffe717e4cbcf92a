//! Pruning the cache's branches and tags that the upstream deleted.
//!
//! A fetch only adds and moves refs; without pruning, a branch deleted
//! upstream would stay in the cache at its last tip and an artifact
//! tracking it would look "in sync" forever. Only `refs/heads/*` and
//! `refs/tags/*` are pruned: the `refs/artisync/seen/*` refs stay, so old
//! commits remain available as merge bases.

use super::CachedRepo;
use crate::StoreError;

impl CachedRepo {
    /// Deletes the cached branches and tags missing from `advertised` (the
    /// ref names the upstream announced in this fetch) and returns their
    /// names (`refs/heads/x`, `refs/tags/y`), sorted. An empty
    /// announcement prunes nothing: it is more likely a broken answer than
    /// an upstream without a single branch.
    pub(super) fn prune_deleted(&self, advertised: &[String]) -> Result<Vec<String>, StoreError> {
        if advertised.is_empty() {
            return Ok(vec![]);
        }
        let refs = self
            .repo
            .references()
            .map_err(StoreError::git("listing cached refs"))?;
        let mut gone: Vec<String> = refs
            .flatten()
            .filter_map(|r| r.name().map(str::to_string))
            .filter(|n| n.starts_with("refs/heads/") || n.starts_with("refs/tags/"))
            .filter(|n| !advertised.contains(n))
            .collect();
        gone.sort();
        for name in &gone {
            if let Ok(mut r) = self.repo.find_reference(name) {
                r.delete()
                    .map_err(StoreError::git(format!("pruning {name}")))?;
            }
        }
        Ok(gone)
    }
}

/// `refs/heads/feature` → "branch 'feature'", `refs/tags/v1` → "tag 'v1'".
pub fn describe_ref(name: &str) -> String {
    if let Some(b) = name.strip_prefix("refs/heads/") {
        format!("branch '{b}'")
    } else if let Some(t) = name.strip_prefix("refs/tags/") {
        format!("tag '{t}'")
    } else {
        format!("ref '{name}'")
    }
}
