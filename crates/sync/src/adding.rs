//! Finding what `add` imports at a path: one artifact, or each artifact of
//! a folder, in a commit of an upstream or in a plain folder on disk. The
//! same rules apply to both; only reading differs. Nothing here writes.

use artisync_model::{ArtifactId, Kind, Name, ObjectId, RelPath, Shape};
use artisync_store::upstream::{LocalFolder, WorktreeChange};
use artisync_store::CachedRepo;

use crate::engine::AddRequest;
use crate::SyncError;

/// One artifact found at a path.
pub(crate) struct Candidate {
    pub id: ArtifactId,
    pub path: RelPath,
}

/// What was found, with notes for the user (a file path taken as the
/// skill folder holding it).
pub(crate) struct Found {
    pub candidates: Vec<Candidate>,
    pub notes: Vec<String>,
}

/// Where `add` looks: a tree it can list.
pub(crate) trait Tree {
    fn shape_at(&self, path: &RelPath) -> Result<Option<Shape>, SyncError>;
    fn list_dir(&self, path: &RelPath) -> Result<Vec<(String, bool)>, SyncError>;
    /// `path` as the user knows it, for messages.
    fn show(&self, path: &RelPath) -> String;
    /// The name a skill at the tree's root takes unless --name says.
    fn root_name(&self) -> String;
    /// `path` alone, as the user typed it.
    fn path_text(&self, path: &RelPath) -> String {
        path.to_string()
    }
}

/// A commit of an upstream's cache.
pub(crate) struct AtCommit<'a> {
    pub cache: &'a CachedRepo,
    pub commit: ObjectId,
    pub url: &'a str,
}

impl Tree for AtCommit<'_> {
    fn shape_at(&self, path: &RelPath) -> Result<Option<Shape>, SyncError> {
        Ok(self.cache.shape_at(self.commit, path)?)
    }
    fn list_dir(&self, path: &RelPath) -> Result<Vec<(String, bool)>, SyncError> {
        Ok(self.cache.list_dir(self.commit, path)?)
    }
    fn show(&self, path: &RelPath) -> String {
        format!("'{path}' in {} at {}", self.url, self.commit.short())
    }
    fn root_name(&self) -> String {
        self.url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".git")
            .to_string()
    }
}

impl Tree for LocalFolder {
    fn shape_at(&self, path: &RelPath) -> Result<Option<Shape>, SyncError> {
        Ok(LocalFolder::shape_at(self, path)?)
    }
    fn list_dir(&self, path: &RelPath) -> Result<Vec<(String, bool)>, SyncError> {
        Ok(LocalFolder::list_dir(self, path)?)
    }
    fn show(&self, path: &RelPath) -> String {
        format!("/{path}")
    }
    fn root_name(&self) -> String {
        String::new()
    }
    fn path_text(&self, path: &RelPath) -> String {
        self.show(path)
    }
}

fn holds_skill_md(listing: &[(String, bool)]) -> bool {
    listing
        .iter()
        .any(|(n, is_tree)| n == "SKILL.md" && !is_tree)
}

/// The nearest folder above the file `path` that holds a SKILL.md: the
/// skill the file belongs to.
fn skill_folder_above(tree: &dyn Tree, path: &RelPath) -> Result<Option<RelPath>, SyncError> {
    let mut dir = path.parent();
    loop {
        if holds_skill_md(&tree.list_dir(&dir)?) {
            return Ok(Some(dir));
        }
        if dir.is_root() {
            return Ok(None);
        }
        dir = dir.parent();
    }
}

/// Finds what to import at `path`: one artifact, or each artifact in a
/// folder (`skills/`, `commands/`, `agents/`, a folder of skill folders, a
/// repository root or `.claude/`). A file inside a skill's folder (its
/// SKILL.md, a script) stands for the skill; a command's or agent's `.md`
/// file stands for itself.
pub(crate) fn find_artifacts(
    tree: &dyn Tree,
    path: &RelPath,
    req: &AddRequest,
) -> Result<Found, SyncError> {
    let mut notes = Vec::new();
    let parent_kind = Kind::from_folder(path.parent().file_name());
    let shape = tree.shape_at(path)?.ok_or_else(|| {
        SyncError::Refused(format!(
            "nothing at {}; check the path in the spec",
            tree.show(path)
        ))
    })?;
    let name_for = |default: &str| -> Result<Name, SyncError> {
        let raw = req.name.as_deref().unwrap_or(default);
        Name::new(raw).map_err(|_| {
            SyncError::Refused(format!(
                "name {raw:?} is not a valid artifact name (a-z, 0-9, '.', '_', '-'); pass --name NAME"
            ))
        })
    };
    let single_file_kind = matches!(req.kind, Some(Kind::Command | Kind::Agent))
        || matches!(parent_kind, Some(Kind::Command | Kind::Agent));
    let mut path = path.clone();
    let mut shape = shape;
    if shape == Shape::File && !single_file_kind {
        if let Some(folder) = skill_folder_above(tree, &path)? {
            let shown = if folder.is_root() {
                "the root".to_string()
            } else {
                format!("'{}'", folder.file_name())
            };
            notes.push(format!(
                "{} is a file inside the skill folder {}; importing the skill {shown} (its whole folder)",
                tree.path_text(&path),
                tree.path_text(&folder)
            ));
            path = folder;
            shape = Shape::Dir;
        }
    }
    match shape {
        Shape::File => {
            let fname = path.file_name();
            let stem = fname.strip_suffix(".md").ok_or_else(|| {
                SyncError::Refused(format!(
                    "{} is not a Markdown file; commands and agents are .md files, and no folder above it holds a SKILL.md",
                    tree.show(&path)
                ))
            })?;
            let kind = match (req.kind, parent_kind) {
                (Some(Kind::Skill), _) => {
                    return Err(SyncError::Refused(format!(
                        "{} is a file; a skill is a folder holding SKILL.md",
                        tree.show(&path)
                    )))
                }
                (Some(k), _) => k,
                (None, Some(k)) if k != Kind::Skill => k,
                _ => {
                    return Err(SyncError::Refused(format!(
                        "cannot tell whether {} is a command or an agent; pass --kind command or --kind agent",
                        tree.show(&path)
                    )))
                }
            };
            Ok(Found {
                candidates: vec![Candidate {
                    id: ArtifactId::new(kind, name_for(stem)?),
                    path: path.clone(),
                }],
                notes,
            })
        }
        Shape::Dir => {
            let listing = tree.list_dir(&path)?;
            if holds_skill_md(&listing) {
                if matches!(req.kind, Some(k) if k != Kind::Skill) {
                    return Err(SyncError::Refused(format!(
                        "{} is a skill (it holds SKILL.md), not a {}",
                        tree.show(&path),
                        req.kind.map(|k| k.as_str()).unwrap_or("")
                    )));
                }
                let default = if path.is_root() {
                    tree.root_name()
                } else {
                    path.file_name().to_string()
                };
                return Ok(Found {
                    candidates: vec![Candidate {
                        id: ArtifactId::new(Kind::Skill, name_for(&default)?),
                        path: path.clone(),
                    }],
                    notes,
                });
            }
            if req.name.is_some() {
                return Err(SyncError::Refused(format!(
                    "{} is a folder of artifacts; --name only applies to a single artifact",
                    tree.show(&path)
                )));
            }
            let mut out = Vec::new();
            let mut skipped = Vec::new();
            let own_kind = Kind::from_folder(path.file_name()).or(req.kind);
            match own_kind {
                Some(kind) => collect_folder(tree, &path, kind, &mut out, &mut skipped)?,
                None => {
                    let mut roots = vec![path.clone()];
                    if listing.iter().any(|(n, t)| n == ".claude" && *t) {
                        roots.push(path.child(".claude")?);
                    }
                    for root in roots {
                        for (n, is_tree) in tree.list_dir(&root)? {
                            if let (Some(kind), true) = (Kind::from_folder(&n), is_tree) {
                                collect_folder(
                                    tree,
                                    &root.child(&n)?,
                                    kind,
                                    &mut out,
                                    &mut skipped,
                                )?;
                            }
                        }
                    }
                    // Skill folders right in the folder (my-skills/pdf/SKILL.md),
                    // with no skills/ folder in between; a name found
                    // twice is taken from the skills/ folder.
                    let mut direct = Vec::new();
                    collect_folder(tree, &path, Kind::Skill, &mut direct, &mut skipped)?;
                    for c in direct {
                        if !out.iter().any(|o| o.id == c.id) {
                            out.push(c);
                        }
                    }
                }
            }
            if out.is_empty() {
                let hint = if skipped.is_empty() {
                    String::new()
                } else {
                    format!(" (skipped invalid names: {})", skipped.join(", "))
                };
                return Err(SyncError::Refused(format!(
                    "no artifacts found at {}{hint}; point the spec at a skill folder, a .md file, or a skills/, commands/ or agents/ folder",
                    tree.show(&path)
                )));
            }
            Ok(Found {
                candidates: out,
                notes,
            })
        }
    }
}

fn collect_folder(
    tree: &dyn Tree,
    folder: &RelPath,
    kind: Kind,
    out: &mut Vec<Candidate>,
    skipped: &mut Vec<String>,
) -> Result<(), SyncError> {
    for (n, is_tree) in tree.list_dir(folder)? {
        let stem = match (kind, is_tree) {
            (Kind::Skill, true) => {
                let sub = folder.child(&n)?;
                if !holds_skill_md(&tree.list_dir(&sub)?) {
                    continue;
                }
                n.clone()
            }
            (Kind::Command | Kind::Agent, false) => match n.strip_suffix(".md") {
                Some(s) => s.to_string(),
                None => continue,
            },
            _ => continue,
        };
        match Name::new(&stem) {
            Ok(name) => out.push(Candidate {
                id: ArtifactId::new(kind, name),
                path: folder.child(&n)?,
            }),
            Err(_) => skipped.push(n),
        }
    }
    Ok(())
}

/// The warning for uncommitted changes below the imported paths of a
/// local repository: the files (a few, then how many more) and that the
/// committed version was imported.
pub(crate) fn uncommitted_warning(
    repo: &str,
    changes: &[WorktreeChange],
    reference: &str,
    commit: ObjectId,
) -> Option<String> {
    const SHOWN: usize = 5;
    if changes.is_empty() {
        return None;
    }
    let mut files: Vec<String> = changes
        .iter()
        .take(SHOWN)
        .map(|c| format!("{} ({})", c.path, c.what))
        .collect();
    if changes.len() > SHOWN {
        files.push(format!("and {} more", changes.len() - SHOWN));
    }
    let (noun, them) = if changes.len() == 1 {
        ("an uncommitted change", "it")
    } else {
        ("uncommitted changes", "them")
    };
    Some(format!(
        "{repo} has {noun} under the imported path: {}; imported the committed version at {reference} ({}), not the working copy; commit {them}, then run 'artisync sync --direction upstream_to_collection' to take {them}",
        files.join(", "),
        commit.short()
    ))
}

/// What a plugin's path holds: the artifacts, and names skipped as invalid.
pub(crate) type InPlugin = (Vec<Candidate>, Vec<String>);

/// The artifacts of `kind` a plugin holds at `path`: each one in a folder
/// of them, or the one `path` is (a skill folder, a command's or agent's
/// `.md` file). `None` when nothing is there. Names that are no valid
/// artifact name are returned apart, to be reported. `root_name` names a
/// skill that is the plugin's root itself.
pub(crate) fn plugin_artifacts(
    tree: &dyn Tree,
    kind: Kind,
    path: &RelPath,
    root_name: &str,
) -> Result<Option<InPlugin>, SyncError> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let one = |stem: &str, at: RelPath, out: &mut Vec<Candidate>, skipped: &mut Vec<String>| {
        match Name::new(stem) {
            Ok(name) => out.push(Candidate {
                id: ArtifactId::new(kind, name),
                path: at,
            }),
            Err(_) => skipped.push(stem.to_string()),
        }
    };
    match (tree.shape_at(path)?, kind) {
        (None, _) => return Ok(None),
        (Some(Shape::Dir), Kind::Skill) => {
            if holds_skill_md(&tree.list_dir(path)?) {
                let name = if path.is_root() {
                    root_name
                } else {
                    path.file_name()
                };
                one(name, path.clone(), &mut out, &mut skipped);
            } else {
                collect_folder(tree, path, kind, &mut out, &mut skipped)?;
            }
        }
        (Some(Shape::Dir), _) => collect_folder(tree, path, kind, &mut out, &mut skipped)?,
        (Some(Shape::File), Kind::Skill) => {
            let folder = path.parent();
            if path.file_name() == "SKILL.md" {
                let name = if folder.is_root() {
                    root_name
                } else {
                    folder.file_name()
                };
                one(name, folder.clone(), &mut out, &mut skipped);
            } else {
                skipped.push(path.to_string());
            }
        }
        (Some(Shape::File), _) => match path.file_name().strip_suffix(".md") {
            Some(stem) => one(stem, path.clone(), &mut out, &mut skipped),
            None => skipped.push(path.to_string()),
        },
    }
    Ok(Some((out, skipped)))
}
