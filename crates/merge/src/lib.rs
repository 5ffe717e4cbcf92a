//! Three-way merge of artifact file sets. Pure functions of
//! three contents: base (the version last synced), ours (the destination as
//! it is) and theirs (the incoming source).
//!
//! Files are matched across the three sides by their base path, following
//! renames on either side; each file is then merged on its own: unchanged
//! sides give way to changed ones, text edited on both sides is merged line
//! by line (diffy), and everything else that changed on both sides is a
//! conflict. A conflict is data, never an error, and merging never touches
//! the destination: the caller decides what to write.
//!
//! A text file whose line merge would cost more than a budget is a
//! `too_large` conflict, and `merge_limited` can be cancelled (`limits`).

pub mod audit;
mod limits;
mod renames;

use std::collections::BTreeMap;

use artisync_model::{is_binary, Content, FileEntry, FileMode, RelPath, Shape};
use serde::Serialize;

pub use audit::{AuditFinding, AuditSeverity};
pub use limits::{Cancelled, MergeLimits, MAX_LINE_WORK};
pub use renames::pair_renames;

use limits::Checker;

/// Why a file could not be merged automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Both sides edited the same lines.
    Content,
    /// One side deleted the file, the other edited it.
    DeleteEdit,
    /// A binary file (or symlink) changed on both sides.
    Binary,
    /// Both sides changed the file mode differently.
    Mode,
    /// Both sides added different files at the same path.
    AddAdd,
    /// Both sides renamed the file, to different paths.
    RenameRename,
    /// Both sides edited a text file too large (or too changed) to merge
    /// line by line within the merge's budget; choose ours or theirs.
    TooLarge,
}

/// One file that needs a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileConflict {
    pub path: RelPath,
    pub kind: ConflictKind,
    pub base: Option<FileEntry>,
    pub ours: Option<FileEntry>,
    pub theirs: Option<FileEntry>,
    /// For text conflicts: the merged text with `<<<<<<< ours` /
    /// `=======` / `>>>>>>> theirs` markers around each conflicting region.
    pub marked: Option<Vec<u8>>,
}

/// What happened to one path of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    /// The destination's file is kept as is.
    Kept,
    /// The incoming version replaces (or adds, or deletes) the file.
    Taken,
    /// Lines from both sides were merged.
    Merged,
    /// Needs a decision.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The merged files. A conflicted path holds the destination's version
    /// (or nothing, if the destination has none) until it is resolved.
    pub files: BTreeMap<RelPath, FileEntry>,
    /// Every path of ours or the result whose fate is not `Kept`, with what
    /// happens to it.
    pub changes: BTreeMap<RelPath, FileChange>,
    pub conflicts: Vec<FileConflict>,
    pub shape: Shape,
}

impl Merge {
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }

    /// The merged content; for a conflicted merge, the destination's
    /// versions stand in for the conflicted files.
    pub fn content(&self) -> Content {
        Content {
            shape: self.shape,
            files: self.files.clone(),
        }
    }

    /// Applies a decision for each conflicted path: `Some(entry)` to write
    /// that file, `None` to delete it. Returns the unresolved paths if any
    /// conflict has no decision.
    pub fn resolve(
        &self,
        decisions: &BTreeMap<RelPath, Option<FileEntry>>,
    ) -> Result<Content, Vec<RelPath>> {
        let unresolved: Vec<RelPath> = self
            .conflicts
            .iter()
            .filter(|c| !decisions.contains_key(&c.path))
            .map(|c| c.path.clone())
            .collect();
        if !unresolved.is_empty() {
            return Err(unresolved);
        }
        let mut files = self.files.clone();
        for c in &self.conflicts {
            match decisions.get(&c.path).cloned().flatten() {
                Some(e) => files.insert(c.path.clone(), e),
                None => files.remove(&c.path),
            };
        }
        Ok(Content {
            shape: self.shape,
            files,
        })
    }
}

/// How one file merged.
enum Entry {
    Take(Option<FileEntry>),
    Merged(FileEntry),
    Conflict(ConflictKind, Option<Vec<u8>>),
}

/// Merges three-way text; `Err` holds the text with conflict markers.
pub fn merge_text(base: &str, ours: &str, theirs: &str) -> Result<String, String> {
    let mut opts = diffy::MergeOptions::new();
    opts.set_conflict_style(diffy::ConflictStyle::Merge)
        .set_incomplete_hunk_style(diffy::IncompleteHunkStyle::Git)
        .set_conflict_marker_length(7);
    opts.merge(base, ours, theirs)
}

fn merge_mode(base: Option<FileMode>, ours: FileMode, theirs: FileMode) -> Option<FileMode> {
    if ours == theirs || Some(theirs) == base {
        Some(ours)
    } else if Some(ours) == base {
        Some(theirs)
    } else {
        None
    }
}

fn merge_entry(
    base: Option<&FileEntry>,
    ours: Option<&FileEntry>,
    theirs: Option<&FileEntry>,
    chk: &Checker<'_>,
) -> Result<Entry, Cancelled> {
    if ours == theirs || theirs == base {
        return Ok(Entry::Take(ours.cloned()));
    }
    if ours == base {
        return Ok(Entry::Take(theirs.cloned()));
    }
    let (Some(o), Some(t)) = (ours, theirs) else {
        return Ok(Entry::Conflict(ConflictKind::DeleteEdit, None));
    };
    let add_add = base.is_none();
    let Some(mode) = merge_mode(base.map(|b| b.mode), o.mode, t.mode) else {
        return Ok(Entry::Conflict(ConflictKind::Mode, None));
    };
    let base_data = base.map(|b| b.data.as_slice());
    let data = if o.data == t.data || Some(t.data.as_slice()) == base_data {
        o.data.clone()
    } else if Some(o.data.as_slice()) == base_data {
        t.data.clone()
    } else {
        let symlink = o.mode == FileMode::Symlink || t.mode == FileMode::Symlink;
        let binary =
            symlink || is_binary(&o.data) || is_binary(&t.data) || base_data.is_some_and(is_binary);
        if binary {
            let kind = if add_add {
                ConflictKind::AddAdd
            } else {
                ConflictKind::Binary
            };
            return Ok(Entry::Conflict(kind, None));
        }
        if !chk.text_within_budget(base_data.unwrap_or_default(), &o.data, &t.data)? {
            return Ok(Entry::Conflict(ConflictKind::TooLarge, None));
        }
        let text = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
        let b = base_data.map(text).unwrap_or_default();
        match merge_text(&b, &text(&o.data), &text(&t.data)) {
            Ok(merged) if !add_add => merged.into_bytes(),
            Ok(merged) | Err(merged) => {
                let kind = if add_add {
                    ConflictKind::AddAdd
                } else {
                    ConflictKind::Content
                };
                return Ok(Entry::Conflict(kind, Some(merged.into_bytes())));
            }
        }
    };
    Ok(Entry::Merged(FileEntry { mode, data }))
}

/// One file followed across the three sides.
struct Identity {
    base: Option<RelPath>,
    ours: Option<RelPath>,
    theirs: Option<RelPath>,
}

/// Merges `theirs` into `ours` against `base`. Any side may be absent (the
/// artifact does not exist there). Text files over `MAX_LINE_WORK` are
/// `too_large` conflicts.
pub fn merge(base: Option<&Content>, ours: Option<&Content>, theirs: Option<&Content>) -> Merge {
    match merge_limited(base, ours, theirs, &MergeLimits::default()) {
        Ok(m) => m,
        // The default limits never cancel; this arm is never taken.
        Err(Cancelled) => Merge {
            files: BTreeMap::new(),
            changes: BTreeMap::new(),
            conflicts: Vec::new(),
            shape: Shape::Dir,
        },
    }
}

/// `merge` within `limits`: stops with `Cancelled` when the cancel check
/// says so, and turns text files over the budget, or not yet merged at the
/// deadline, into `too_large` conflicts.
pub fn merge_limited(
    base: Option<&Content>,
    ours: Option<&Content>,
    theirs: Option<&Content>,
    limits: &MergeLimits<'_>,
) -> Result<Merge, Cancelled> {
    let chk = Checker::new(limits);
    chk.check()?;
    let empty = BTreeMap::new();
    let (bf, of, tf) = (
        base.map_or(&empty, |c| &c.files),
        ours.map_or(&empty, |c| &c.files),
        theirs.map_or(&empty, |c| &c.files),
    );
    let shape = ours
        .or(theirs)
        .or(base)
        .map(|c| c.shape)
        .unwrap_or(Shape::Dir);

    // A single-file artifact is one file whatever it is called on each side.
    if shape == Shape::File {
        return merge_single(base, ours, theirs, shape, &chk);
    }

    let our_renames = pair_renames(bf, of);
    let their_renames = pair_renames(bf, tf);
    let mut ids: Vec<Identity> = Vec::new();
    for b in bf.keys() {
        let follow = |renames: &BTreeMap<RelPath, RelPath>, side: &BTreeMap<RelPath, FileEntry>| {
            renames
                .get(b)
                .cloned()
                .or_else(|| side.contains_key(b).then(|| b.clone()))
        };
        ids.push(Identity {
            base: Some(b.clone()),
            ours: follow(&our_renames, of),
            theirs: follow(&their_renames, tf),
        });
    }
    let our_targets: Vec<&RelPath> = our_renames.values().collect();
    let their_targets: Vec<&RelPath> = their_renames.values().collect();
    let mut added: BTreeMap<RelPath, Identity> = BTreeMap::new();
    for p in of
        .keys()
        .filter(|p| !bf.contains_key(*p) && !our_targets.contains(p))
    {
        added
            .entry(p.clone())
            .or_insert(Identity {
                base: None,
                ours: None,
                theirs: None,
            })
            .ours = Some(p.clone());
    }
    for p in tf
        .keys()
        .filter(|p| !bf.contains_key(*p) && !their_targets.contains(p))
    {
        added
            .entry(p.clone())
            .or_insert(Identity {
                base: None,
                ours: None,
                theirs: None,
            })
            .theirs = Some(p.clone());
    }
    ids.extend(added.into_values());

    let mut out = Merge {
        files: BTreeMap::new(),
        changes: BTreeMap::new(),
        conflicts: Vec::new(),
        shape,
    };
    for id in ids {
        chk.check()?;
        let b = id.base.as_ref().and_then(|p| bf.get(p));
        let o = id.ours.as_ref().and_then(|p| of.get(p));
        let t = id.theirs.as_ref().and_then(|p| tf.get(p));
        let our_move = id
            .ours
            .as_ref()
            .filter(|p| id.base.is_some() && Some(*p) != id.base.as_ref());
        let their_move = id
            .theirs
            .as_ref()
            .filter(|p| id.base.is_some() && Some(*p) != id.base.as_ref());
        // Where the file ends up: a rename on either side wins; two
        // different renames conflict.
        let (path, rename_conflict) = match (our_move, their_move) {
            (Some(op), Some(tp)) if op != tp => (op.clone(), true),
            (Some(p), _) | (None, Some(p)) => (p.clone(), false),
            (None, None) => match id.ours.as_ref().or(id.theirs.as_ref()).or(id.base.as_ref()) {
                Some(p) => (p.clone(), false),
                None => continue,
            },
        };
        let entry = if rename_conflict {
            Entry::Conflict(ConflictKind::RenameRename, None)
        } else {
            merge_entry(b, o, t, &chk)?
        };
        // The destination's own path for this file, if it has one and it moves.
        let moved_from = id.ours.as_ref().filter(|op| **op != path);
        match entry {
            Entry::Take(e) => {
                let from_ours = e.as_ref() == o;
                if let Some(e) = e {
                    out.files.insert(path.clone(), e);
                }
                let moved = moved_from.is_some();
                if let Some(mf) = moved_from {
                    out.changes.insert(mf.clone(), FileChange::Taken);
                }
                if !from_ours || moved {
                    out.changes.insert(path, FileChange::Taken);
                }
            }
            Entry::Merged(e) => {
                let same_as_ours = Some(&e) == o;
                out.files.insert(path.clone(), e);
                if let Some(mf) = moved_from {
                    out.changes.insert(mf.clone(), FileChange::Merged);
                }
                if !same_as_ours || moved_from.is_some() {
                    out.changes.insert(path, FileChange::Merged);
                }
            }
            Entry::Conflict(kind, marked) => {
                if let (Some(op), Some(oe)) = (id.ours.as_ref(), o) {
                    out.files.insert(op.clone(), oe.clone());
                }
                out.changes.insert(path.clone(), FileChange::Conflict);
                out.conflicts.push(FileConflict {
                    path,
                    kind,
                    base: b.cloned(),
                    ours: o.cloned(),
                    theirs: t.cloned(),
                    marked,
                });
            }
        }
    }
    out.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn merge_single(
    base: Option<&Content>,
    ours: Option<&Content>,
    theirs: Option<&Content>,
    shape: Shape,
    chk: &Checker<'_>,
) -> Result<Merge, Cancelled> {
    let first = |c: Option<&Content>| {
        c.and_then(|c| c.files.iter().next())
            .map(|(p, e)| (p.clone(), e.clone()))
    };
    let (b, o, t) = (first(base), first(ours), first(theirs));
    let path = o
        .as_ref()
        .or(t.as_ref())
        .or(b.as_ref())
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let mut out = Merge {
        files: BTreeMap::new(),
        changes: BTreeMap::new(),
        conflicts: Vec::new(),
        shape,
    };
    let (be, oe, te) = (b.map(|x| x.1), o.map(|x| x.1), t.map(|x| x.1));
    match merge_entry(be.as_ref(), oe.as_ref(), te.as_ref(), chk)? {
        Entry::Take(e) => {
            if e != oe {
                out.changes.insert(path.clone(), FileChange::Taken);
            }
            if let Some(e) = e {
                out.files.insert(path, e);
            }
        }
        Entry::Merged(e) => {
            out.changes.insert(path.clone(), FileChange::Merged);
            out.files.insert(path, e);
        }
        Entry::Conflict(kind, marked) => {
            if let Some(e) = &oe {
                out.files.insert(path.clone(), e.clone());
            }
            out.changes.insert(path.clone(), FileChange::Conflict);
            out.conflicts.push(FileConflict {
                path,
                kind,
                base: be,
                ours: oe,
                theirs: te,
                marked,
            });
        }
    }
    Ok(out)
}

fn is_marker_line(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.starts_with(b"<<<<<<< ")
        || line == b"<<<<<<<"
        || line.starts_with(b">>>>>>> ")
        || line == b">>>>>>>"
        || line == b"======="
}

/// Whether `text` still holds a conflict marker line.
pub fn has_conflict_markers(text: &[u8]) -> bool {
    text.split(|b| *b == b'\n').any(is_marker_line)
}

/// Whether `text` holds a conflict marker line that none of `versions`
/// holds: a marker the merge added and the resolution left in. A line like
/// `=======` that is the file's own content (a Markdown heading's
/// underline, say) in one of the versions is not a leftover.
pub fn has_leftover_markers(text: &[u8], versions: &[Option<&[u8]>]) -> bool {
    text.split(|b| *b == b'\n')
        .filter(|line| is_marker_line(line))
        .any(|line| {
            !versions
                .iter()
                .flatten()
                .any(|v| v.split(|b| *b == b'\n').any(|l| l == line))
        })
}

/// One conflicting region of a text merge, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictHunk {
    /// 1-based line of its `<<<<<<< ours` marker in the merged text.
    pub line: usize,
    /// The lines the base held there (empty when it held none).
    pub base: Vec<String>,
    /// The destination's lines.
    pub ours: Vec<String>,
    /// The incoming lines.
    pub theirs: Vec<String>,
}

/// The conflicting regions of the three-way merge `merge_text` makes of
/// these texts, each with the base's lines. The merge is made again with
/// markers longer than any marker-like run the texts hold, so content that
/// looks like a marker (a heading's `=======` underline) is never taken for
/// one; the line numbers are those of `merge_text`'s result, whose markers
/// add the same lines.
pub fn conflict_hunks(base: &str, ours: &str, theirs: &str) -> Vec<ConflictHunk> {
    let run = |line: &str| -> usize {
        let Some(first) = line.chars().next() else {
            return 0;
        };
        if !matches!(first, '<' | '|' | '=' | '>') {
            return 0;
        }
        line.chars().take_while(|c| *c == first).count()
    };
    let longest = [base, ours, theirs]
        .iter()
        .flat_map(|t| t.lines())
        .map(run)
        .max()
        .unwrap_or(0);
    let len = longest.max(7) + 1;
    let mut opts = diffy::MergeOptions::new();
    opts.set_conflict_style(diffy::ConflictStyle::Diff3)
        .set_incomplete_hunk_style(diffy::IncompleteHunkStyle::Git)
        .set_conflict_marker_length(len);
    let Err(marked) = opts.merge(base, ours, theirs) else {
        return Vec::new();
    };
    let marker = |c: char| c.to_string().repeat(len);
    let (start, mid, sep, end) = (marker('<'), marker('|'), marker('='), marker('>'));
    let is = |line: &str, m: &str| {
        line.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    };
    let bare = |l: &str| l.strip_suffix('\r').unwrap_or(l).to_string();
    enum Part {
        Outside,
        Ours,
        Base,
        Theirs,
    }
    let mut out = Vec::new();
    let mut part = Part::Outside;
    let mut current: Option<ConflictHunk> = None;
    // Lines of the base sections so far: `merge_text` has none of them.
    let mut dropped = 0;
    for (i, line) in marked.lines().enumerate() {
        match part {
            Part::Outside if is(line, &start) => {
                current = Some(ConflictHunk {
                    line: i + 1 - dropped,
                    base: vec![],
                    ours: vec![],
                    theirs: vec![],
                });
                part = Part::Ours;
            }
            Part::Outside => {}
            Part::Ours if is(line, &mid) => {
                dropped += 1;
                part = Part::Base;
            }
            Part::Ours | Part::Base if line == sep => part = Part::Theirs,
            Part::Theirs if is(line, &end) => {
                out.extend(current.take());
                part = Part::Outside;
            }
            Part::Ours => {
                if let Some(h) = current.as_mut() {
                    h.ours.push(bare(line));
                }
            }
            Part::Base => {
                dropped += 1;
                if let Some(h) = current.as_mut() {
                    h.base.push(bare(line));
                }
            }
            Part::Theirs => {
                if let Some(h) = current.as_mut() {
                    h.theirs.push(bare(line));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod hunk_tests {
    use super::*;

    #[test]
    fn hunks_carry_base_ours_theirs_and_the_line_of_their_marker() {
        let base = "title\n=======\none\ntwo\nthree\nfour\nfive\n";
        let ours = "title\n=======\nONE\ntwo\nthree\nfour\nFIVE\n";
        let theirs = "title\n=======\nuno\ntwo\nthree\nfour\ncinco\n";
        let merged = merge_text(base, ours, theirs).unwrap_err();
        let hunks = conflict_hunks(base, ours, theirs);
        assert_eq!(hunks.len(), 2, "{merged}");
        let lines: Vec<&str> = merged.lines().collect();
        for h in &hunks {
            assert_eq!(lines[h.line - 1], "<<<<<<< ours", "{merged}");
        }
        assert_eq!(hunks[0].base, vec!["one"]);
        assert_eq!(hunks[0].ours, vec!["ONE"]);
        assert_eq!(hunks[0].theirs, vec!["uno"]);
        assert_eq!(hunks[1].base, vec!["five"]);
        assert_eq!(hunks[1].theirs, vec!["cinco"]);
    }

    #[test]
    fn an_added_file_has_no_base_and_a_missing_final_newline_is_no_line() {
        let hunks = conflict_hunks("", "a\nb", "a\nc");
        assert_eq!(hunks.len(), 1);
        assert!(hunks[0].base.is_empty());
        // Both sides added the whole file: all of it is the conflict.
        assert_eq!(hunks[0].ours, vec!["a", "b"]);
        assert_eq!(hunks[0].theirs, vec!["a", "c"]);
        assert!(conflict_hunks("x\n", "x\n", "y\n").is_empty());
    }
}
