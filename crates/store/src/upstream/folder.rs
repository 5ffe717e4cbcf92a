//! Local sources that are not fetched: a plain folder on this machine (no
//! git repository around it) read as it is on disk, and the working tree of
//! a local repository, read only to tell what it holds that its commits do
//! not. Nothing here writes to the folder or the repository.

use std::path::{Path, PathBuf};

use artisync_model::{is_excluded, Content, Location, RelPath, Shape, SourceSpec};
use git2::{Repository, Status, StatusOptions};

use crate::{fsio, StoreError};

/// A folder on disk artifacts are imported from as they are, with no
/// upstream: paths below it are `RelPath`s from the file system's root, so
/// a file inside a skill can find the skill's folder above it.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    /// The canonical path the spec named (a folder or a file).
    pub path: PathBuf,
    /// `path` below `/`.
    pub rel: RelPath,
}

impl LocalFolder {
    /// The folder (or file) `spec` names when it is a plain local path that
    /// no git repository holds; `None` for every other spec. A `#REF:PATH`
    /// after a plain folder is refused: there is no history to take it from.
    pub fn from_spec(spec: &SourceSpec) -> Result<Option<LocalFolder>, StoreError> {
        let Location::Local(p) = &spec.location else {
            return Ok(None);
        };
        let abs =
            std::fs::canonicalize(p).map_err(|_| StoreError::NoSuchPath { path: p.clone() })?;
        if Repository::discover(&abs).is_ok() {
            return Ok(None);
        }
        if spec.reference.is_some() || !spec.path.is_root() {
            return Err(StoreError::Invalid(format!(
                "{} is not in a git repository, so '#REF:PATH' cannot apply; give the path of the folder or file itself",
                abs.display()
            )));
        }
        let text = abs
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not a UTF-8 path", abs.display())))?;
        let rel = RelPath::new(text.trim_start_matches('/'))?;
        Ok(Some(LocalFolder { path: abs, rel }))
    }

    fn disk(rel: &RelPath) -> PathBuf {
        Path::new("/").join(rel.as_str())
    }

    /// What is at `rel`: a folder, a regular file, or nothing artisync
    /// reads (absent, a symlink, a device).
    pub fn shape_at(&self, rel: &RelPath) -> Result<Option<Shape>, StoreError> {
        let path = Self::disk(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => Ok(Some(Shape::Dir)),
            Ok(m) if m.is_file() => Ok(Some(Shape::File)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("read", path)(e)),
        }
    }

    /// The entries of the folder at `rel` (name, is a folder), sorted, the
    /// excluded ones (`.git`, editor swap files) left out; empty when it is
    /// not a folder.
    pub fn list_dir(&self, rel: &RelPath) -> Result<Vec<(String, bool)>, StoreError> {
        let path = Self::disk(rel);
        let entries = match std::fs::read_dir(&path) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(vec![]),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(StoreError::io("list", path)(e)),
        };
        let mut out = Vec::new();
        for e in entries {
            let e = e.map_err(StoreError::io("list", &path))?;
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if is_excluded(&name) {
                continue;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            out.push((name, is_dir));
        }
        out.sort();
        Ok(out)
    }

    /// The artifact at `rel`, read as the other tiers are read.
    pub fn read_content(&self, rel: &RelPath, shape: Shape) -> Result<Option<Content>, StoreError> {
        fsio::read_content(&Self::disk(rel), shape)
    }
}

/// What a local repository's working tree holds that its commits do not,
/// below some paths: each file (relative to the repository) with what
/// happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeChange {
    pub path: String,
    /// modified, added, deleted, renamed, untracked, type changed
    pub what: &'static str,
}

/// The uncommitted changes (staged or not, untracked files too, ignored
/// files not) below any of `paths` in the working tree of the repository
/// a `file://` `url` names. Empty for a bare repository, a URL that is no
/// local repository, or a clean tree.
pub fn worktree_changes(url: &str, paths: &[RelPath]) -> Result<Vec<WorktreeChange>, StoreError> {
    let Some(dir) = url.strip_prefix("file://") else {
        return Ok(vec![]);
    };
    let Ok(repo) = Repository::open(dir) else {
        return Ok(vec![]);
    };
    if repo.is_bare() {
        return Ok(vec![]);
    }
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .renames_head_to_index(true);
    if !paths.iter().any(RelPath::is_root) {
        for p in paths {
            opts.pathspec(p.as_str());
        }
    }
    let statuses = repo
        .statuses(Some(&mut opts))
        .map_err(StoreError::git(format!(
            "reading the working tree of {dir}"
        )))?;
    let under = |p: &str| {
        paths.iter().any(|root| {
            root.is_root()
                || p == root.as_str()
                || p.strip_prefix(root.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut out = Vec::new();
    for s in statuses.iter() {
        let Some(path) = s.path() else { continue };
        if !under(path) || path.split('/').any(is_excluded) {
            continue;
        }
        let st = s.status();
        let what = if st.intersects(Status::WT_NEW) {
            "untracked"
        } else if st.intersects(Status::INDEX_NEW) {
            "added"
        } else if st.intersects(Status::WT_DELETED | Status::INDEX_DELETED) {
            "deleted"
        } else if st.intersects(Status::WT_RENAMED | Status::INDEX_RENAMED) {
            "renamed"
        } else if st.intersects(Status::WT_TYPECHANGE | Status::INDEX_TYPECHANGE) {
            "type changed"
        } else if st.intersects(Status::WT_MODIFIED | Status::INDEX_MODIFIED) {
            "modified"
        } else {
            continue;
        };
        out.push(WorktreeChange {
            path: path.to_string(),
            what,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit_all(repo: &Repository) {
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::new("t", "t@example.invalid", &git2::Time::new(1, 0)).unwrap();
        repo.commit(Some("HEAD"), &sig, &sig, "c", &tree, &[])
            .unwrap();
    }

    #[test]
    fn worktree_changes_name_what_is_uncommitted_below_the_paths_only() {
        let t = tempfile::tempdir().unwrap();
        let dir = std::fs::canonicalize(t.path()).unwrap();
        let repo = Repository::init(&dir).unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("skills/pdf/SKILL.md", "one\n");
        write("skills/pdf/gone.md", "gone\n");
        write("skills/pdfx/SKILL.md", "other\n");
        write(".gitignore", "*.log\n");
        commit_all(&repo);
        let url = format!("file://{}", dir.display());
        let pdf = [RelPath::new("skills/pdf").unwrap()];
        assert_eq!(worktree_changes(&url, &pdf).unwrap(), vec![]);

        write("skills/pdf/SKILL.md", "two\n");
        std::fs::remove_file(dir.join("skills/pdf/gone.md")).unwrap();
        write("skills/pdf/new/deep.md", "new\n");
        write("skills/pdf/debug.log", "ignored\n");
        write("skills/pdf/.DS_Store", "excluded\n");
        write(
            "skills/pdfx/SKILL.md",
            "a sibling whose name starts alike\n",
        );
        let got: Vec<(String, &str)> = worktree_changes(&url, &pdf)
            .unwrap()
            .into_iter()
            .map(|c| (c.path, c.what))
            .collect();
        assert_eq!(
            got,
            vec![
                ("skills/pdf/SKILL.md".to_string(), "modified"),
                ("skills/pdf/gone.md".to_string(), "deleted"),
                ("skills/pdf/new/deep.md".to_string(), "untracked"),
            ]
        );
        // The root covers everything; a URL that is no local repository
        // has no working tree.
        assert_eq!(worktree_changes(&url, &[RelPath::root()]).unwrap().len(), 4);
        assert_eq!(
            worktree_changes("https://example.invalid/x.git", &pdf).unwrap(),
            vec![]
        );
    }
}
