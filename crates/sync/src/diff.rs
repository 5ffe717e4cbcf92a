//! The structured diff of two versions of one artifact: the data type the
//! CLI prints and the API and UI serve. Pure: a function of two contents.
//!
//! Files are matched by path; a deleted and an added file with identical or
//! similar content are reported as one rename. Text files get hunks with
//! old/new line numbers and changed words marked inside changed lines;
//! binary files and files over `MAX_HUNK_BYTES` carry no hunks.
//!
//! With `Whitespace::Ignore`, lines that differ only in whitespace (spaces,
//! tabs, line endings) compare equal, as `git diff -w` does; such lines show
//! as unchanged, with the new side's text.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use artisync_model::{is_binary, Content, FileEntry, FileMode, ObjectId, RelPath};
use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp, DiffTag, TextDiff};

/// Files larger than this get counts but no hunks.
pub const MAX_HUNK_BYTES: usize = 1024 * 1024;
/// Lines of context around each change.
pub const CONTEXT_LINES: usize = 3;
/// A deleted and an added file at least this similar are a rename.
const RENAME_SIMILARITY: f32 = 0.5;

/// Whether lines that differ only in whitespace count as changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Whitespace {
    /// Every difference counts (the default).
    #[default]
    Show,
    /// Lines equal once all their whitespace is removed are unchanged.
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Added,
    Deleted,
    Modified,
    Renamed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Eol {
    Lf,
    Crlf,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    /// True for the words that changed inside a changed line.
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub kind: LineKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_line: Option<usize>,
    /// The line without its line ending.
    pub text: String,
    pub eol: Eol,
    /// Present on changed lines that pair with a line on the other side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spans: Option<Vec<Span>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_lines: usize,
    pub new_start: usize,
    pub new_lines: usize,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    pub path: RelPath,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<RelPath>,
    pub status: FileStatus,
    pub binary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_mode: Option<FileMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_mode: Option<FileMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_hash: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_hash: Option<ObjectId>,
    pub added: usize,
    pub removed: usize,
    /// True when the file is text but too large for hunks.
    pub too_large: bool,
    pub hunks: Vec<Hunk>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffStats {
    pub files: usize,
    pub added: usize,
    pub removed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSetDiff {
    pub files: Vec<FileDiff>,
    pub stats: DiffStats,
}

/// Diffs `old` against `new`; either may be absent (the artifact does not
/// exist on that side).
pub fn diff_contents(old: Option<&Content>, new: Option<&Content>) -> FileSetDiff {
    diff_contents_with(old, new, Whitespace::Show)
}

/// `diff_contents`, with whitespace-only changes shown or ignored.
pub fn diff_contents_with(
    old: Option<&Content>,
    new: Option<&Content>,
    ws: Whitespace,
) -> FileSetDiff {
    let empty = BTreeMap::new();
    let old_files = old.map(|c| &c.files).unwrap_or(&empty);
    let new_files = new.map(|c| &c.files).unwrap_or(&empty);
    // Two single-file artifacts compare their one file even if the names differ.
    let single = old.zip(new).filter(|(o, n)| {
        o.shape == artisync_model::Shape::File && n.shape == artisync_model::Shape::File
    });
    let mut files = Vec::new();
    if let Some((o, n)) = single {
        if let (Some((op, oe)), Some((np, ne))) = (o.files.iter().next(), n.files.iter().next()) {
            if oe != ne || op != np {
                let status = if op == np {
                    FileStatus::Modified
                } else {
                    FileStatus::Renamed
                };
                files.push(file_diff(
                    np,
                    (op != np).then(|| op.clone()),
                    status,
                    Some(oe),
                    Some(ne),
                    ws,
                ));
            }
        }
    } else {
        let mut deleted: Vec<&RelPath> = Vec::new();
        let mut added: Vec<&RelPath> = Vec::new();
        for (path, oe) in old_files {
            match new_files.get(path) {
                Some(ne) if ne == oe => {}
                Some(ne) => files.push(file_diff(
                    path,
                    None,
                    FileStatus::Modified,
                    Some(oe),
                    Some(ne),
                    ws,
                )),
                None => deleted.push(path),
            }
        }
        for path in new_files.keys() {
            if !old_files.contains_key(path) {
                added.push(path);
            }
        }
        let renames = find_renames(&deleted, &added, old_files, new_files);
        for (from, to) in &renames {
            files.push(file_diff(
                to,
                Some((*from).clone()),
                FileStatus::Renamed,
                old_files.get(*from),
                new_files.get(*to),
                ws,
            ));
        }
        for path in deleted {
            if !renames.iter().any(|(f, _)| *f == path) {
                files.push(file_diff(
                    path,
                    None,
                    FileStatus::Deleted,
                    old_files.get(path),
                    None,
                    ws,
                ));
            }
        }
        for path in added {
            if !renames.iter().any(|(_, t)| *t == path) {
                files.push(file_diff(
                    path,
                    None,
                    FileStatus::Added,
                    None,
                    new_files.get(path),
                    ws,
                ));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let stats = DiffStats {
        files: files.len(),
        added: files.iter().map(|f| f.added).sum(),
        removed: files.iter().map(|f| f.removed).sum(),
    };
    FileSetDiff { files, stats }
}

/// Pairs deleted and added files into renames: identical content first, then
/// the most similar text pairs above the threshold.
fn find_renames<'a>(
    deleted: &[&'a RelPath],
    added: &[&'a RelPath],
    old: &BTreeMap<RelPath, FileEntry>,
    new: &BTreeMap<RelPath, FileEntry>,
) -> Vec<(&'a RelPath, &'a RelPath)> {
    let mut pairs = Vec::new();
    let mut used_new = vec![false; added.len()];
    let mut pending = Vec::new();
    for d in deleted {
        let Some(de) = old.get(*d) else { continue };
        let exact = added
            .iter()
            .enumerate()
            .find(|(i, a)| !used_new[*i] && new.get(**a).is_some_and(|ae| ae.data == de.data));
        match exact {
            Some((i, a)) => {
                used_new[i] = true;
                pairs.push((*d, *a));
            }
            None => pending.push(*d),
        }
    }
    // Similarity is quadratic; bound the work on very large file sets.
    if pending.len() * added.len() > 2500 {
        return pairs;
    }
    let mut scored = Vec::new();
    for d in &pending {
        let Some(de) = old.get(*d) else { continue };
        if is_binary(&de.data) || de.data.len() > MAX_HUNK_BYTES {
            continue;
        }
        for (i, a) in added.iter().enumerate() {
            let Some(ae) = new.get(*a) else { continue };
            if used_new[i] || is_binary(&ae.data) || ae.data.len() > MAX_HUNK_BYTES {
                continue;
            }
            let (dt, at) = (
                String::from_utf8_lossy(&de.data),
                String::from_utf8_lossy(&ae.data),
            );
            let ratio = TextDiff::configure()
                .timeout(Duration::from_millis(200))
                .diff_lines(dt.as_ref(), at.as_ref())
                .ratio();
            if ratio >= RENAME_SIMILARITY {
                scored.push((ratio, *d, i));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut used_old = Vec::new();
    for (_, d, i) in scored {
        if used_new[i] || used_old.contains(&d) {
            continue;
        }
        used_new[i] = true;
        used_old.push(d);
        pairs.push((d, added[i]));
    }
    pairs
}

fn file_diff(
    path: &RelPath,
    old_path: Option<RelPath>,
    status: FileStatus,
    old: Option<&FileEntry>,
    new: Option<&FileEntry>,
    ws: Whitespace,
) -> FileDiff {
    let binary = old.is_some_and(|e| is_binary(&e.data)) || new.is_some_and(|e| is_binary(&e.data));
    let mut fd = FileDiff {
        path: path.clone(),
        old_path,
        status,
        binary,
        old_size: old.map(|e| e.data.len() as u64),
        new_size: new.map(|e| e.data.len() as u64),
        old_mode: old.map(|e| e.mode),
        new_mode: new.map(|e| e.mode),
        old_hash: old.map(|e| e.id()),
        new_hash: new.map(|e| e.id()),
        added: 0,
        removed: 0,
        too_large: false,
        hunks: vec![],
    };
    if binary {
        return fd;
    }
    let old_text = old
        .map(|e| String::from_utf8_lossy(&e.data))
        .unwrap_or_default();
    let new_text = new
        .map(|e| String::from_utf8_lossy(&e.data))
        .unwrap_or_default();
    let too_large = old_text.len() > MAX_HUNK_BYTES || new_text.len() > MAX_HUNK_BYTES;
    let deadline = if too_large {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(5)
    };
    let deadline = Instant::now() + deadline;
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(deadline)
        .diff_lines(old_text.as_ref(), new_text.as_ref());
    let ops = match ws {
        Whitespace::Show => diff.ops().to_vec(),
        // The same lines, compared by their text without whitespace: the
        // ops index the same slices, so hunks and changed words are built
        // from the real text exactly as without the option.
        Whitespace::Ignore => {
            let squeeze = |lines: &[&str]| -> Vec<String> {
                lines
                    .iter()
                    .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect())
                    .collect()
            };
            let (o, n) = (squeeze(diff.old_slices()), squeeze(diff.new_slices()));
            similar::capture_diff_slices_deadline(Algorithm::Myers, &o, &n, Some(deadline))
        }
    };
    for op in &ops {
        match op.tag() {
            DiffTag::Insert => fd.added += op.new_range().len(),
            DiffTag::Delete => fd.removed += op.old_range().len(),
            DiffTag::Replace => {
                fd.added += op.new_range().len();
                fd.removed += op.old_range().len();
            }
            DiffTag::Equal => {}
        }
    }
    if too_large {
        fd.too_large = true;
        return fd;
    }
    fd.hunks = similar::group_diff_ops(ops, CONTEXT_LINES)
        .iter()
        .filter_map(|group| hunk(&diff, group))
        .collect();
    fd
}

fn split_eol(s: &str) -> (String, Eol) {
    if let Some(t) = s.strip_suffix("\r\n") {
        (t.to_string(), Eol::Crlf)
    } else if let Some(t) = s.strip_suffix('\n') {
        (t.to_string(), Eol::Lf)
    } else {
        (s.to_string(), Eol::None)
    }
}

fn hunk<'a>(diff: &'a TextDiff<'a, 'a, 'a, str>, ops: &[DiffOp]) -> Option<Hunk> {
    let first = ops.first()?;
    let last = ops.last()?;
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    let mut lines = Vec::new();
    for op in ops {
        let paired = matches!(op, DiffOp::Replace { .. });
        for change in diff.iter_inline_changes(op) {
            let kind = match change.tag() {
                ChangeTag::Equal => LineKind::Context,
                ChangeTag::Insert => LineKind::Added,
                ChangeTag::Delete => LineKind::Removed,
            };
            let mut whole = String::new();
            let mut spans = Vec::new();
            for (emph, value) in change.iter_strings_lossy() {
                whole.push_str(&value);
                spans.push(Span {
                    text: value.into_owned(),
                    changed: emph,
                });
            }
            // An unchanged line shows the new side's text: the same as the
            // old side's unless whitespace is ignored.
            if kind == LineKind::Context {
                if let Some(n) = change.new_index().and_then(|i| diff.new_slices().get(i)) {
                    whole = (*n).to_string();
                }
            }
            let (text, eol) = split_eol(&whole);
            // Drop the line ending from the spans so they concatenate to `text`.
            let spans = if paired && kind != LineKind::Context {
                let mut out: Vec<Span> = Vec::new();
                let mut remaining = text.len();
                for s in spans {
                    if remaining == 0 {
                        break;
                    }
                    let take = s.text.len().min(remaining);
                    let piece = s.text.get(..take).unwrap_or(&s.text).to_string();
                    remaining -= piece.len();
                    match out.last_mut() {
                        Some(prev) if prev.changed == s.changed => prev.text.push_str(&piece),
                        _ => out.push(Span {
                            text: piece,
                            changed: s.changed,
                        }),
                    }
                }
                Some(out)
            } else {
                None
            };
            lines.push(Line {
                kind,
                old_line: change.old_index().map(|i| i + 1),
                new_line: change.new_index().map(|i| i + 1),
                text,
                eol,
                spans,
            });
        }
    }
    // As in unified diffs, an empty range starts at the line before it (0 at
    // the top of a file), so `patch` sees a created file as `-0,0`.
    let start = |r: &std::ops::Range<usize>| if r.is_empty() { r.start } else { r.start + 1 };
    Some(Hunk {
        old_start: start(&old_range),
        old_lines: old_range.len(),
        new_start: start(&new_range),
        new_lines: new_range.len(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use artisync_model::Shape;

    fn dir(files: &[(&str, &str)]) -> Content {
        Content::dir(
            files
                .iter()
                .map(|(p, d)| (RelPath::new(p).unwrap(), FileEntry::regular(d.as_bytes())))
                .collect(),
        )
    }

    #[test]
    fn modified_with_line_numbers_and_words() {
        let a = dir(&[("SKILL.md", "one\ntwo three\nfour\n")]);
        let b = dir(&[("SKILL.md", "one\ntwo THREE\nfour\n")]);
        let d = diff_contents(Some(&a), Some(&b));
        assert_eq!(d.files.len(), 1);
        let f = &d.files[0];
        assert_eq!((f.status, f.added, f.removed), (FileStatus::Modified, 1, 1));
        let h = &f.hunks[0];
        assert_eq!(
            (h.old_start, h.old_lines, h.new_start, h.new_lines),
            (1, 3, 1, 3)
        );
        let removed = h
            .lines
            .iter()
            .find(|l| l.kind == LineKind::Removed)
            .unwrap();
        assert_eq!(removed.old_line, Some(2));
        assert_eq!(removed.text, "two three");
        let spans = removed.spans.as_ref().unwrap();
        assert!(spans.iter().any(|s| s.changed && s.text == "three"));
        assert!(spans
            .iter()
            .any(|s| !s.changed && s.text.starts_with("two")));
        assert_eq!(
            spans.iter().map(|s| s.text.as_str()).collect::<String>(),
            "two three"
        );
    }

    #[test]
    fn added_deleted_renamed() {
        let a = dir(&[("a.md", "alpha\nbeta\ngamma\ndelta\n"), ("gone.md", "x\n")]);
        let b = dir(&[("b.md", "alpha\nbeta\ngamma\ndelta!\n"), ("new.md", "y\n")]);
        let d = diff_contents(Some(&a), Some(&b));
        let by: Vec<_> = d
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.status))
            .collect();
        assert_eq!(
            by,
            vec![
                ("b.md", FileStatus::Renamed),
                ("gone.md", FileStatus::Deleted),
                ("new.md", FileStatus::Added)
            ]
        );
        assert_eq!(d.files[0].old_path.as_ref().unwrap().as_str(), "a.md");
        assert_eq!(d.stats.files, 3);
    }

    #[test]
    fn crlf_and_missing_newline_are_visible() {
        let a = dir(&[("f", "a\r\nb")]);
        let b = dir(&[("f", "a\r\nc")]);
        let f = &diff_contents(Some(&a), Some(&b)).files[0];
        let lines = &f.hunks[0].lines;
        assert_eq!(lines[0].eol, Eol::Crlf);
        assert_eq!(lines.last().unwrap().eol, Eol::None);
    }

    #[test]
    fn binary_and_large_have_no_hunks() {
        let mut a = BTreeMap::new();
        a.insert(
            RelPath::new("img").unwrap(),
            FileEntry::regular(vec![0u8, 1, 2]),
        );
        a.insert(
            RelPath::new("big").unwrap(),
            FileEntry::regular("x\n".repeat(600_000)),
        );
        let mut b = a.clone();
        b.insert(
            RelPath::new("img").unwrap(),
            FileEntry::regular(vec![0u8, 9]),
        );
        b.insert(
            RelPath::new("big").unwrap(),
            FileEntry::regular("y\n".repeat(600_000)),
        );
        let d = diff_contents(Some(&Content::dir(a)), Some(&Content::dir(b)));
        let big = d.files.iter().find(|f| f.path.as_str() == "big").unwrap();
        assert!(big.too_large && big.hunks.is_empty() && !big.binary);
        assert_eq!((big.added, big.removed), (600_000, 600_000));
        let img = d.files.iter().find(|f| f.path.as_str() == "img").unwrap();
        assert!(img.binary && img.hunks.is_empty());
    }

    #[test]
    fn mode_only_change() {
        let a = dir(&[("run.sh", "x\n")]);
        let mut b = a.clone();
        b.files
            .values_mut()
            .for_each(|e| e.mode = FileMode::Executable);
        let f = &diff_contents(Some(&a), Some(&b)).files[0];
        assert_eq!(f.status, FileStatus::Modified);
        assert_eq!(
            (f.old_mode, f.new_mode),
            (Some(FileMode::Regular), Some(FileMode::Executable))
        );
        assert!(f.hunks.is_empty());
    }

    #[test]
    fn ignoring_whitespace_shows_only_real_changes() {
        let a = dir(&[("SKILL.md", "one\ntwo  three\nfour\nfive\r\n")]);
        let b = dir(&[("SKILL.md", "one\n\ttwo three \nFOUR\nfive\n")]);
        let shown = &diff_contents(Some(&a), Some(&b)).files[0];
        assert_eq!((shown.added, shown.removed), (3, 3));
        let d = diff_contents_with(Some(&a), Some(&b), Whitespace::Ignore);
        let f = &d.files[0];
        assert_eq!((f.added, f.removed), (1, 1));
        assert_eq!(d.stats.added, 1);
        let lines = &f.hunks[0].lines;
        let changed: Vec<_> = lines
            .iter()
            .filter(|l| l.kind != LineKind::Context)
            .map(|l| (l.kind, l.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            vec![(LineKind::Removed, "four"), (LineKind::Added, "FOUR")]
        );
        // Unchanged lines carry the new side's text and line ending.
        let two = lines.iter().find(|l| l.new_line == Some(2)).unwrap();
        assert_eq!(
            (two.kind, two.text.as_str()),
            (LineKind::Context, "\ttwo three ")
        );
        let five = lines.iter().find(|l| l.new_line == Some(4)).unwrap();
        assert_eq!((five.old_line, five.eol), (Some(4), Eol::Lf));

        // A file that changed only in whitespace is listed, without hunks.
        let c = dir(&[("SKILL.md", "one\ntwo three\nfour\nfive\n")]);
        let d = diff_contents_with(Some(&a), Some(&c), Whitespace::Ignore);
        assert_eq!(d.files.len(), 1);
        assert!(d.files[0].hunks.is_empty());
        assert_eq!((d.files[0].added, d.files[0].removed), (0, 0));
    }

    #[test]
    fn missing_side() {
        let a = Content::file(RelPath::new("x.md").unwrap(), FileEntry::regular("a\n"));
        assert_eq!(a.shape, Shape::File);
        let d = diff_contents(None, Some(&a));
        assert_eq!(d.files[0].status, FileStatus::Added);
        assert_eq!(d.files[0].added, 1);
        assert!(diff_contents(Some(&a), Some(&a)).files.is_empty());
    }
}
