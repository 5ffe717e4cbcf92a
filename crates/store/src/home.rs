//! The data home: `$ARTISYNC_HOME`, else `$XDG_DATA_HOME/artisync`, else
//! `~/.local/share/artisync`. It holds collections, the upstream cache and
//! the project registry.

use std::path::{Path, PathBuf};

use artisync_model::Name;

use crate::StoreError;

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    pub fn from_env() -> Result<Home, StoreError> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let root = if let Some(h) = var("ARTISYNC_HOME") {
            h
        } else if let Some(x) = var("XDG_DATA_HOME") {
            x.join("artisync")
        } else if let Some(h) = var("HOME") {
            h.join(".local/share/artisync")
        } else {
            return Err(StoreError::Invalid(
                "cannot find a data home: set ARTISYNC_HOME or HOME".into(),
            ));
        };
        Ok(Home::at(root))
    }

    pub fn at(root: impl Into<PathBuf>) -> Home {
        let root = root.into();
        // Canonical when it exists, so that "is this inside the home" checks
        // compare like with like.
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        Home { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn collection_dir(&self, name: &str) -> Result<PathBuf, StoreError> {
        let name = Name::new(name).map_err(|_| {
            StoreError::Invalid(format!(
                "invalid collection name {name:?}: use 1-64 characters of a-z, 0-9, '.', '_', '-'"
            ))
        })?;
        Ok(self.root.join("collections").join(name.as_str()))
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache").join("upstream")
    }

    pub fn registry_path(&self) -> PathBuf {
        self.root.join("projects.toml")
    }

    pub fn objects_dir(&self) -> PathBuf {
        crate::objects::path_in(&self.root)
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }

    pub fn pending_dir(&self) -> PathBuf {
        self.root.join("pending")
    }

    pub fn jobs_db_path(&self) -> PathBuf {
        self.root.join("jobs.db")
    }

    pub fn patches_dir(&self) -> PathBuf {
        self.root.join("patches")
    }

    pub fn undo_log_path(&self) -> PathBuf {
        self.root.join("undo.jsonl")
    }

    /// Whether `path` (canonical) lies inside the data home.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }
}
