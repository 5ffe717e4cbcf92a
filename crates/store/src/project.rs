//! Projects: directories whose `.claude/` holds deployed artifacts, and the
//! registry of known projects in the data home. The lockfile
//! `.claude/artisync.lock` is written atomically.

use std::path::{Path, PathBuf};

use artisync_model::{ArtifactId, Content, Kind, Lockfile, Name, ObjectId};
use serde::{Deserialize, Serialize};

use crate::{fsio, Home, StoreError};

pub const LOCKFILE: &str = "artisync.lock";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub path: PathBuf,
    pub added_at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default, rename = "project")]
    projects: Vec<ProjectRecord>,
}

/// The registered projects, stored in `projects.toml` in the data home.
pub struct Registry {
    path: PathBuf,
}

impl Registry {
    pub fn new(home: &Home) -> Registry {
        Registry {
            path: home.registry_path(),
        }
    }

    /// Where the registry is stored.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn list(&self) -> Result<Vec<ProjectRecord>, StoreError> {
        let Some(text) = fsio::read_text(&self.path)? else {
            return Ok(vec![]);
        };
        let f: RegistryFile = toml::from_str(&text).map_err(|e| {
            StoreError::Invalid(format!(
                "malformed {}: {}; fix or delete the file and re-add your projects",
                self.path.display(),
                e.message()
            ))
        })?;
        Ok(f.projects)
    }

    fn save(&self, projects: Vec<ProjectRecord>) -> Result<(), StoreError> {
        let text = toml::to_string_pretty(&RegistryFile { projects })
            .map_err(|e| StoreError::Invalid(format!("cannot write the project registry: {e}")))?;
        fsio::write_file_atomic(&self.path, text.as_bytes())
    }

    /// Registers `project` (idempotent). Returns whether it was new.
    pub fn add(&self, project: &Project) -> Result<bool, StoreError> {
        let mut all = self.list()?;
        if all.iter().any(|p| p.path == project.root) {
            return Ok(false);
        }
        all.push(ProjectRecord {
            path: project.root.clone(),
            added_at: crate::now(),
        });
        all.sort_by(|a, b| a.path.cmp(&b.path));
        self.save(all)?;
        Ok(true)
    }

    pub fn remove(&self, path: &Path) -> Result<(), StoreError> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut all = self.list()?;
        let before = all.len();
        all.retain(|p| p.path != canonical && p.path != path);
        if all.len() == before {
            return Err(StoreError::NotRegistered {
                path: path.to_path_buf(),
            });
        }
        self.save(all)
    }

    pub fn contains(&self, root: &Path) -> Result<bool, StoreError> {
        Ok(self.list()?.iter().any(|p| p.path == root))
    }
}

/// A project directory, validated: it exists, is a directory, is given by
/// its canonical path, and is not inside the data home.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    pub fn open(home: &Home, path: &Path) -> Result<Project, StoreError> {
        let root = std::fs::canonicalize(path).map_err(|_| StoreError::NoSuchPath {
            path: path.to_path_buf(),
        })?;
        let meta = std::fs::metadata(&root).map_err(StoreError::io("read", &root))?;
        if !meta.is_dir() {
            return Err(StoreError::NotADirectory { path: root });
        }
        if home.contains(&root) {
            return Err(StoreError::InsideHome {
                path: root,
                home: home.root().to_path_buf(),
            });
        }
        Ok(Project { root })
    }

    pub fn claude_dir(&self) -> PathBuf {
        self.root.join(".claude")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.claude_dir().join(LOCKFILE)
    }

    pub fn lock(&self) -> Result<Lockfile, StoreError> {
        let path = self.lock_path();
        match fsio::read_text(&path)? {
            None => Ok(Lockfile::default()),
            Some(text) => Ok(Lockfile::parse(&text, &path.display().to_string())?),
        }
    }

    /// Writes the lockfile atomically. Callers hold the lockfile's lock, so
    /// any temporary copy beside it is left over from a killed write and is
    /// removed first.
    pub fn save_lock(&self, lock: &Lockfile) -> Result<(), StoreError> {
        fsio::remove_leftovers(&self.lock_path());
        fsio::write_file_atomic(&self.lock_path(), lock.to_toml().as_bytes())
    }

    pub fn artifact_path(&self, id: &ArtifactId) -> PathBuf {
        self.claude_dir().join(id.rel_path().as_str())
    }

    pub fn read_artifact(&self, id: &ArtifactId) -> Result<Option<Content>, StoreError> {
        fsio::read_content(&self.artifact_path(id), id.kind.shape())
    }

    pub fn artifact_hash(&self, id: &ArtifactId) -> Result<Option<ObjectId>, StoreError> {
        Ok(self.read_artifact(id)?.map(|c| c.hash()))
    }

    pub fn write_artifact(&self, id: &ArtifactId, content: &Content) -> Result<(), StoreError> {
        fsio::write_content(&self.artifact_path(id), content)
    }

    /// The artifacts present on disk under `.claude/`, whether or not the
    /// lockfile knows them. Entries whose names are not valid artifact names
    /// are ignored.
    pub fn scan(&self) -> Result<Vec<ArtifactId>, StoreError> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let dir = self.claude_dir().join(kind.folder());
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("read directory", &dir)(e)),
            };
            for entry in rd.flatten() {
                let fname = entry.file_name();
                let Some(fname) = fname.to_str() else {
                    continue;
                };
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                let stem = match kind {
                    Kind::Skill if is_dir => fname,
                    Kind::Command | Kind::Agent if !is_dir => match fname.strip_suffix(".md") {
                        Some(s) => s,
                        None => continue,
                    },
                    _ => continue,
                };
                if let Ok(name) = Name::new(stem) {
                    out.push(ArtifactId::new(kind, name));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
