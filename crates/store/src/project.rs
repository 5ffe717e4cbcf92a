//! Projects: directories holding deployed artifacts in one or more target
//! layouts (`.claude/`, `.agents/`, …), and the registry of known projects
//! in the data home. The lockfile `.claude/artisync.lock` records every
//! copy of every target and is written atomically.

use std::path::{Path, PathBuf};

use artisync_model::{ArtifactId, Content, Kind, Lockfile, Name, ObjectId, RelPath, Target};
use serde::{Deserialize, Serialize};

use crate::beneath::{DirHandle, EntryKind};
use crate::statcache::StatCache;
use crate::{fsio, Home, StoreError};

pub const LOCKFILE: &str = "artisync.lock";
/// A lockfile larger than this is not one artisync wrote.
const LOCKFILE_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub path: PathBuf,
    pub added_at: String,
    /// The layouts its copies live in, the first being where a copy is
    /// read from when none is named. Left out when it is just `claude`.
    #[serde(default = "Target::default_list", skip_serializing_if = "only_claude")]
    pub targets: Vec<Target>,
}

fn only_claude(targets: &[Target]) -> bool {
    targets == [Target::Claude]
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
            targets: Target::default_list(),
        });
        all.sort_by(|a, b| a.path.cmp(&b.path));
        self.save(all)?;
        Ok(true)
    }

    /// Registers `project` with exactly `targets`, or sets the targets of a
    /// registered one. Returns whether anything changed.
    pub fn set_targets(&self, project: &Project, targets: &[Target]) -> Result<bool, StoreError> {
        let mut all = self.list()?;
        match all.iter_mut().find(|p| p.path == project.root) {
            Some(p) if p.targets == targets => return Ok(false),
            Some(p) => p.targets = targets.to_vec(),
            None => {
                all.push(ProjectRecord {
                    path: project.root.clone(),
                    added_at: crate::now(),
                    targets: targets.to_vec(),
                });
                all.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
        self.save(all)?;
        Ok(true)
    }

    /// The targets of the project at `root`: as registered, or `claude`
    /// for a project not registered here.
    pub fn targets_of(&self, root: &Path) -> Result<Vec<Target>, StoreError> {
        Ok(self
            .list()?
            .into_iter()
            .find(|p| p.path == root)
            .map(|p| p.targets)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(Target::default_list))
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

/// One copy location in a project directory: the directory, validated (it
/// exists, is a directory, is given by its canonical path, and is not
/// inside the data home), and the target layout whose folders are read and
/// written.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub target: Target,
}

fn claude_rel() -> RelPath {
    RelPath::new(".claude").unwrap_or_default()
}

impl Project {
    pub fn open(home: &Home, path: &Path) -> Result<Project, StoreError> {
        // A registered project's path is canonical already; one openat2
        // proves it (status over many projects opens every one).
        let root = if DirHandle::is_canonical_dir(path) {
            path.components().collect()
        } else {
            let root = std::fs::canonicalize(path).map_err(|_| StoreError::NoSuchPath {
                path: path.to_path_buf(),
            })?;
            let meta = std::fs::metadata(&root).map_err(StoreError::io("read", &root))?;
            if !meta.is_dir() {
                return Err(StoreError::NotADirectory { path: root });
            }
            root
        };
        if home.contains(&root) {
            return Err(StoreError::InsideHome {
                path: root,
                home: home.root().to_path_buf(),
            });
        }
        Ok(Project {
            root,
            target: Target::Claude,
        })
    }

    /// The same project folder, reading and writing the `target` layout.
    pub fn in_target(&self, target: Target) -> Project {
        Project {
            root: self.root.clone(),
            target,
        }
    }

    /// The folder of this copy's layout (`.claude/`, `.agents/`, …).
    pub fn target_dir(&self) -> PathBuf {
        self.root.join(self.target.root())
    }

    /// The one lockfile of the project, in `.claude/` whatever its
    /// targets, so that a project has a single file to commit.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join(".claude").join(LOCKFILE)
    }

    /// The project's lockfile (empty when there is none). It is reached
    /// without following a symlink and read only if it is a regular file,
    /// so a FIFO put in its place cannot block the read.
    pub fn lock(&self) -> Result<Lockfile, StoreError> {
        self.lock_in(&self.tier_root()?)
    }

    /// `lock`, reached from the project folder already opened as `root`.
    pub fn lock_in(&self, root: &DirHandle) -> Result<Lockfile, StoreError> {
        let path = self.lock_path();
        let Some(dir) = root.open_dir_within(&claude_rel())? else {
            return Ok(Lockfile::default());
        };
        if dir.stat(LOCKFILE)?.is_none() {
            return Ok(Lockfile::default());
        }
        let (bytes, _) = dir.read_file(LOCKFILE, LOCKFILE_LIMIT)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            StoreError::Invalid(format!(
                "{} is not UTF-8 text; fix or remove it",
                path.display()
            ))
        })?;
        Ok(Lockfile::parse(&text, &path.display().to_string())?)
    }

    /// Writes the lockfile atomically, never through a symlink. Callers
    /// hold the lockfile's lock, so any temporary copy beside it is left
    /// over from a killed write and is removed first.
    pub fn save_lock(&self, lock: &Lockfile) -> Result<(), StoreError> {
        let root = self.tier_root()?;
        let rel = claude_rel().join(&RelPath::new(LOCKFILE)?);
        fsio::remove_leftovers_in(&root, &rel);
        fsio::write_file_atomic_in(&root, &rel, lock.to_toml().as_bytes())
    }

    /// The project folder, opened for reading and writing below it without
    /// following symlinks. Refused when the folder's path no longer leads
    /// to it directly (it was swapped for a symlink since it was checked).
    pub fn tier_root(&self) -> Result<DirHandle, StoreError> {
        DirHandle::open_root(&self.root, true)
    }

    pub fn artifact_path(&self, id: &ArtifactId) -> PathBuf {
        self.target_dir().join(id.rel_path().as_str())
    }

    /// The artifact's path relative to the project folder.
    pub fn artifact_rel(&self, id: &ArtifactId) -> RelPath {
        self.target_rel().join(&id.rel_path())
    }

    fn target_rel(&self) -> RelPath {
        RelPath::new(self.target.root()).unwrap_or_default()
    }

    pub fn read_artifact(&self, id: &ArtifactId) -> Result<Option<Content>, StoreError> {
        fsio::read_content_in(&self.tier_root()?, &self.artifact_rel(id), id.kind.shape())
    }

    /// The hash of the artifact's copy here, from the project folder opened
    /// as `root`, reading only files `cache` does not know unchanged.
    pub fn artifact_hash(
        &self,
        root: &DirHandle,
        cache: &StatCache,
        id: &ArtifactId,
    ) -> Result<Option<ObjectId>, StoreError> {
        fsio::hash_content_in(root, &self.artifact_rel(id), id.kind.shape(), cache)
    }

    /// Writes (or with `None` removes) the artifact; see
    /// `fsio::write_content_in` for `expected` and what is returned.
    pub fn write_artifact(
        &self,
        id: &ArtifactId,
        content: Option<&Content>,
        expected: Option<&Content>,
    ) -> Result<Option<Content>, StoreError> {
        fsio::put_in(
            &self.tier_root()?,
            &self.artifact_rel(id),
            content,
            expected,
            id.kind.shape(),
        )
    }

    /// The artifacts present on disk in this copy's layout, whether or not
    /// the lockfile knows them. Entries whose names are not valid artifact
    /// names, and kinds the layout does not hold, are ignored.
    pub fn scan(&self) -> Result<Vec<ArtifactId>, StoreError> {
        self.scan_in(&self.tier_root()?)
    }

    /// `scan`, from the project folder already opened as `root`.
    pub fn scan_in(&self, root: &DirHandle) -> Result<Vec<ArtifactId>, StoreError> {
        let mut out = Vec::new();
        for kind in Kind::ALL.into_iter().filter(|k| self.target.holds(*k)) {
            let rel = self.target_rel().join(&RelPath::new(kind.folder())?);
            let Some(dir) = root.open_dir_within(&rel)? else {
                continue;
            };
            for (fname, entry_kind) in dir.entries()? {
                let Ok(fname) = std::str::from_utf8(&fname) else {
                    continue;
                };
                let is_dir = entry_kind == EntryKind::Dir;
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
