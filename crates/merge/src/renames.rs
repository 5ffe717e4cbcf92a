//! Rename detection between two file sets: a path that disappeared and a
//! path that appeared are one file moved if their contents are identical,
//! or (for text) at least half their lines are the same.

use std::collections::BTreeMap;
use std::time::Duration;

use artisync_model::{is_binary, FileEntry, RelPath};
use similar::TextDiff;

/// Text files larger than this are only paired when identical.
const MAX_SIMILARITY_BYTES: usize = 1024 * 1024;
/// Pairs of files to score at most, to bound quadratic work.
const MAX_PAIRS: usize = 2500;
/// The similarity a rename needs.
const THRESHOLD: f32 = 0.5;

/// Maps each path of `old` that is gone from `new` to the path it was
/// renamed to, if any.
pub fn pair_renames(
    old: &BTreeMap<RelPath, FileEntry>,
    new: &BTreeMap<RelPath, FileEntry>,
) -> BTreeMap<RelPath, RelPath> {
    let deleted: Vec<&RelPath> = old.keys().filter(|p| !new.contains_key(*p)).collect();
    let added: Vec<&RelPath> = new.keys().filter(|p| !old.contains_key(*p)).collect();
    let mut pairs = BTreeMap::new();
    if deleted.is_empty() || added.is_empty() {
        return pairs;
    }
    let mut used = vec![false; added.len()];
    let mut pending = Vec::new();
    for d in deleted {
        let Some(de) = old.get(d) else { continue };
        let exact = added.iter().enumerate().find(|(i, a)| {
            !used[*i]
                && new
                    .get(**a)
                    .is_some_and(|ae| ae.data == de.data && ae.mode == de.mode)
        });
        match exact {
            Some((i, a)) => {
                used[i] = true;
                pairs.insert(d.clone(), (*a).clone());
            }
            None => pending.push(d),
        }
    }
    if pending.len() * added.len() > MAX_PAIRS {
        return pairs;
    }
    let text = |e: &FileEntry| {
        (!is_binary(&e.data) && e.data.len() <= MAX_SIMILARITY_BYTES)
            .then(|| String::from_utf8_lossy(&e.data).into_owned())
    };
    let mut scored = Vec::new();
    for d in &pending {
        let Some(dt) = old.get(*d).and_then(text) else {
            continue;
        };
        for (i, a) in added.iter().enumerate() {
            if used[i] {
                continue;
            }
            let Some(at) = new.get(*a).and_then(text) else {
                continue;
            };
            let ratio = TextDiff::configure()
                .timeout(Duration::from_millis(200))
                .diff_lines(&dt, &at)
                .ratio();
            if ratio >= THRESHOLD {
                scored.push((ratio, *d, i));
            }
        }
    }
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.cmp(b.1))
            .then(a.2.cmp(&b.2))
    });
    for (_, d, i) in scored {
        if used[i] || pairs.contains_key(d) {
            continue;
        }
        used[i] = true;
        pairs.insert(d.clone(), added[i].clone());
    }
    pairs
}
