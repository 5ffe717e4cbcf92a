//! Reports kept between requests while nothing they read has changed.
//!
//! `GET /artifacts` and `GET /artifacts/{id}/versions` compute drift across
//! every tier: a walk of every copy (stats only, with the stat cache), the
//! manifest, lockfiles, the upstream caches' refs. The UI asks for the same
//! report again and again while nothing changes. So each answer is kept,
//! with the watcher's generation (`store::watch`) read after the folders it
//! depends on were watched and before it was computed, and with the project
//! registry it was computed for; it is served again while the generation
//! and the registry are the same and it is younger than `MAX_AGE` (a safety
//! net for file systems that send no change events, such as network
//! mounts). Without inotify, or when a tree cannot be watched whole, every
//! request computes its answer as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use artisync_store::watch::Watcher;
use artisync_store::{Home, ProjectRecord};
use axum::body::Bytes;

use crate::error::ApiError;

/// The longest an answer is served without being computed again.
const MAX_AGE: Duration = Duration::from_secs(5);
/// At most this many answers are kept (one per artifact, project and
/// collection asked about); past it, all are dropped.
const MAX_ENTRIES: usize = 4096;

/// One answer: its JSON, and its gzip copy made the first time a client
/// that accepts gzip asks for it (then sent again to every such client
/// while the answer is kept).
#[derive(Clone)]
pub struct Answer {
    pub json: Bytes,
    gzip: Arc<OnceLock<Bytes>>,
}

impl Answer {
    fn new(json: Vec<u8>) -> Answer {
        Answer {
            json: Bytes::from(json),
            gzip: Arc::default(),
        }
    }

    /// The gzip copy of the JSON, made once.
    pub fn gzip(&self) -> std::io::Result<Bytes> {
        if let Some(g) = self.gzip.get() {
            return Ok(g.clone());
        }
        let g = Bytes::from(crate::compress::gzip(&self.json)?);
        Ok(self.gzip.get_or_init(|| g).clone())
    }
}

struct Kept {
    value: Answer,
    generation: u64,
    registry: Arc<Vec<ProjectRecord>>,
    at: Instant,
}

pub struct Snapshots {
    watcher: Option<Watcher>,
    kept: Mutex<HashMap<String, Kept>>,
}

impl Snapshots {
    /// Snapshots for the data home `home`. The folders whose changes
    /// matter must exist to be watched, so the staged-merge folder and the
    /// upstream cache folder are created (empty) if they are missing.
    pub fn new(home: &Home) -> Snapshots {
        let _ = std::fs::create_dir_all(home.pending_dir());
        let _ = std::fs::create_dir_all(home.cache_dir());
        Snapshots {
            watcher: Watcher::new(),
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// The answer (JSON bytes) kept under `key` if nothing it depends on changed, else
    /// `compute`'s, kept for next time. `registry` is the project registry
    /// as it is now; `projects` the projects the answer reads (with the
    /// collection folder and the data home's shared folders).
    pub fn get(
        &self,
        key: String,
        home: &Home,
        collection: &Path,
        registry: Arc<Vec<ProjectRecord>>,
        projects: &[PathBuf],
        compute: impl FnOnce() -> Result<Vec<u8>, ApiError>,
    ) -> Result<Answer, ApiError> {
        let Some(w) = &self.watcher else {
            return compute().map(Answer::new);
        };
        let now = w.generation();
        if let Ok(kept) = self.kept.lock() {
            if let Some(k) = kept.get(&key) {
                if k.generation == now
                    && Arc::ptr_eq(&k.registry, &registry)
                    && k.at.elapsed() < MAX_AGE
                {
                    return Ok(k.value.clone());
                }
            }
        }
        // Watch first, then read the generation, then compute: a change
        // made while the answer is computed moves the generation past it.
        // The collection's refs and git config too: a push, a fetch or a
        // new remote changes only those, and status says where the
        // collection stands against its remote.
        let mut whole = w.watch_tree(collection, &[".git"])
            && w.watch_dir(&collection.join(".git"))
            && w.watch_tree(&collection.join(".git/refs"), &[])
            && w.watch_tree(&home.pending_dir(), &[])
            && w.watch_tree(&home.cache_dir(), &["objects"]);
        for p in projects {
            whole = whole && w.watch_dir(p) && w.watch_tree(&p.join(".claude"), &[]);
            // Every other layout the project's copies live in.
            let targets = registry.iter().find(|r| &r.path == p).map(|r| &r.targets);
            for t in targets.into_iter().flatten() {
                if *t != artisync_model::Target::Claude {
                    whole = whole && w.watch_tree(&p.join(t.root()), &[]);
                }
            }
        }
        let generation = w.generation();
        let at = Instant::now();
        let value = Answer::new(compute()?);
        if whole {
            if let Ok(mut kept) = self.kept.lock() {
                if kept.len() >= MAX_ENTRIES {
                    kept.clear();
                }
                kept.insert(
                    key,
                    Kept {
                        value: value.clone(),
                        generation,
                        registry,
                        at,
                    },
                );
            }
        }
        Ok(value)
    }
}
