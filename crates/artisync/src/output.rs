//! Human output: tables, the version view and a coloured unified diff.
//! Colour only on a terminal and never when NO_COLOR is set.

use std::io::{IsTerminal, Write};

use std::path::Path;

use artisync_jobs::Job;
use artisync_model::{FileMode, ObjectId, Outcome, Severity, Status, Target};
use artisync_sync::diff::{FileStatus, LineKind, Span};
use artisync_sync::report::*;
use artisync_sync::{
    ConflictView, CopyState, InstallCheck, InstallReport, MarketplaceImport, MarketplaceListing,
    ResolveReport, SyncReport,
};

use crate::error::CliError;

pub struct Out {
    pub json: bool,
    pub quiet: bool,
    /// Show what is usually left out (unchanged artifacts in a sync).
    pub verbose: bool,
    log_json: bool,
    color: bool,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const REVERSE: &str = "\x1b[7m";
const RESET: &str = "\x1b[0m";

impl Out {
    pub fn new(json: bool, quiet: bool, log_json: bool) -> Out {
        let color =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Out {
            json,
            quiet,
            verbose: false,
            log_json,
            color,
        }
    }

    pub fn line(&self, s: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stdout().lock(), "{s}");
        }
    }

    fn paint(&self, color: &str, s: &str) -> String {
        if self.color && !color.is_empty() {
            format!("{color}{s}{RESET}")
        } else {
            s.to_string()
        }
    }

    /// A status word in its colour.
    fn status(&self, s: Status) -> String {
        self.paint(status_color(s), s.as_str())
    }

    fn log(&self, level: &str, msg: &str, code: Option<&str>) {
        let mut err = std::io::stderr().lock();
        if self.log_json {
            let v = serde_json::json!({"level": level, "message": msg, "code": code});
            let _ = writeln!(err, "{v}");
        } else {
            let _ = writeln!(err, "{level}: {msg}");
        }
    }

    /// A note on stderr, for when stdout carries data (`patch -o -`).
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            self.log("info", msg, None);
        }
    }

    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            self.log("warning", msg, None);
        }
    }

    pub fn error(&self, e: &CliError) {
        if self.json && !e.silent {
            let v = serde_json::json!({"error": {"code": e.code, "message": e.message}});
            let _ = writeln!(std::io::stdout().lock(), "{v}");
        }
        let level = if e.exit == 3 { "conflict" } else { "error" };
        self.log(level, &e.message, Some(e.code));
    }
}

/// The colour a status is shown in.
fn status_color(s: Status) -> &'static str {
    match s {
        Status::InSync => GREEN,
        Status::Behind => CYAN,
        Status::Ahead | Status::Untracked => YELLOW,
        Status::Diverged | Status::Conflict | Status::Missing => RED,
    }
}

fn outcome_color(x: Outcome) -> &'static str {
    match x {
        Outcome::Updated | Outcome::Merged => GREEN,
        Outcome::Unchanged | Outcome::Skipped => "",
        Outcome::Conflict | Outcome::Error => RED,
    }
}

/// One cell: its text and the colour it is painted in ("" for none).
type Cell = (String, &'static str);

fn cell(text: impl Into<String>) -> Cell {
    (text.into(), "")
}

enum Line {
    Row(Vec<Cell>),
    /// A line of its own (a heading, a note) that columns do not apply to.
    Text(String),
}

/// Lines whose columns are as wide as their widest cell, measured in
/// characters, so long ids and paths keep a table aligned. Colour is
/// applied after padding, so escape codes never count as width; the last
/// column is not padded.
struct Table {
    indent: usize,
    lines: Vec<Line>,
}

impl Table {
    fn new(indent: usize) -> Table {
        Table {
            indent,
            lines: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<Cell>) {
        self.lines.push(Line::Row(cells));
    }

    fn text(&mut self, text: impl Into<String>) {
        self.lines.push(Line::Text(text.into()));
    }

    fn print(&self, o: &Out) {
        let mut widths: Vec<usize> = Vec::new();
        for line in &self.lines {
            if let Line::Row(cells) = line {
                for (i, (text, _)) in cells.iter().enumerate() {
                    let w = text.chars().count();
                    match widths.get_mut(i) {
                        Some(x) => *x = (*x).max(w),
                        None => widths.push(w),
                    }
                }
            }
        }
        let pad = " ".repeat(self.indent);
        for line in &self.lines {
            match line {
                Line::Text(t) => o.line(t),
                Line::Row(cells) => {
                    let mut out = pad.clone();
                    for (i, (text, color)) in cells.iter().enumerate() {
                        let last = i + 1 == cells.len();
                        let fill = if last {
                            0
                        } else {
                            widths[i].saturating_sub(text.chars().count()) + 2
                        };
                        out.push_str(&o.paint(color, text));
                        out.push_str(&" ".repeat(fill));
                    }
                    o.line(out.trim_end());
                }
            }
        }
    }
}

/// "1 file", "2 files".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "2 updated, 1 conflict, 3 unchanged": how many artifacts ended each way.
fn outcome_summary(outcomes: impl Iterator<Item = Outcome>) -> String {
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for x in outcomes {
        match counts.iter_mut().find(|(o, _)| *o == x) {
            Some((_, n)) => *n += 1,
            None => counts.push((x, 1)),
        }
    }
    let order = [
        Outcome::Updated,
        Outcome::Merged,
        Outcome::Conflict,
        Outcome::Error,
        Outcome::Skipped,
        Outcome::Unchanged,
    ];
    counts.sort_by_key(|(x, _)| order.iter().position(|o| o == x));
    counts
        .iter()
        .map(|(x, n)| match x {
            Outcome::Conflict => count(*n, "conflict", "conflicts"),
            Outcome::Error => count(*n, "error", "errors"),
            x => format!("{n} {x}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the UPSTREAM column of `list` says of an artifact with no source.
const NO_UPSTREAM: &str = "none (local)";

fn short(h: Option<ObjectId>) -> String {
    h.map(|h| h.short()).unwrap_or_else(|| "-".into())
}

pub fn add(o: &Out, r: &AddReport) {
    for n in &r.notes {
        o.line(&format!("Note: {n}"));
    }
    if r.imported.is_empty() {
        o.line("Nothing new to import.");
        return;
    }
    for i in &r.imported {
        match (&i.source, i.commit) {
            (Some(source), Some(commit)) => o.line(&format!(
                "Imported {} from {} at {} (hash {})",
                i.id,
                source,
                commit.short(),
                i.hash.short()
            )),
            _ => o.line(&format!(
                "Imported {} from the local folder {} (hash {}); it is local, with no upstream",
                i.id,
                i.copied_from
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                i.hash.short()
            )),
        }
    }
    if let Some(c) = r.commit {
        o.line(&format!(
            "Committed {} to collection '{}'",
            c.short(),
            r.collection
        ));
    }
}

/// A marketplace's plugins, each with where it resolves to or why it
/// cannot be imported.
pub fn marketplace(o: &Out, l: &MarketplaceListing) {
    let importable = l.plugins.iter().filter(|p| p.importable).count();
    let title = match &l.name {
        Some(n) => format!("Marketplace {n} ({})", l.marketplace),
        None => format!("Marketplace {}", l.marketplace),
    };
    o.line(&format!(
        "{} at {} ({}): {} plugins, {importable} importable",
        o.paint(BOLD, &title),
        l.reference,
        l.commit.short(),
        l.plugins.len()
    ));
    if let Some(d) = &l.description {
        o.line(d);
    }
    if l.plugins.is_empty() {
        return;
    }
    let mut t = Table::new(2);
    t.row(
        ["PLUGIN", "SOURCE", "RESOLVES TO", "DESCRIPTION"]
            .map(cell)
            .to_vec(),
    );
    for p in &l.plugins {
        let resolves = match (&p.resolves_to, &p.problem) {
            (Some(r), _) if p.pinned => format!("{r} (pinned)"),
            (Some(r), _) => r.clone(),
            (None, _) => "not importable".into(),
        };
        let color = if p.importable { "" } else { YELLOW };
        t.row(vec![
            cell(p.name.clone()),
            cell(p.written.clone()),
            (resolves, color),
            cell(p.description.clone().unwrap_or_else(|| "-".into())),
        ]);
    }
    t.print(o);
    for p in l.plugins.iter().filter(|p| !p.importable) {
        if let Some(why) = &p.problem {
            o.line(&format!("Not importable: {why}"));
        }
    }
    if importable > 0 {
        o.line(&format!(
            "Import with 'artisync add {} --plugin NAME' (repeatable) or '--all'.",
            l.marketplace
        ));
    }
}

/// What importing plugins did: the add's report, grouped by plugin.
pub fn marketplace_import(o: &Out, r: &MarketplaceImport) {
    for p in &r.plugins {
        o.line(&format!(
            "Plugin {} from {} at {}: {}",
            p.name,
            p.source,
            p.commit.short(),
            if p.artifacts.is_empty() {
                "nothing new".to_string()
            } else {
                p.artifacts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    add(o, &r.report);
}

fn project_summary(a: &ArtifactStatus) -> String {
    if a.projects.is_empty() {
        return "-".into();
    }
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for p in &a.projects {
        match counts.iter_mut().find(|(s, _)| *s == p.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((p.status, 1)),
        }
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn list(o: &Out, r: &StatusReport) {
    if r.artifacts.is_empty() {
        o.line(&format!(
            "Collection '{}' is empty; import with 'artisync add SPEC'.",
            r.collection
        ));
        return;
    }
    let mut t = Table::new(0);
    t.row(
        ["ARTIFACT", "COLLECTION", "UPSTREAM", "PROJECTS"]
            .map(cell)
            .to_vec(),
    );
    for a in &r.artifacts {
        let up = match &a.upstream {
            Some(u) => (u.status.as_str().to_string(), status_color(u.status)),
            None => cell(NO_UPSTREAM),
        };
        t.row(vec![
            cell(a.id.to_string()),
            cell(short(a.collection.hash)),
            up,
            cell(project_summary(a)),
        ]);
    }
    t.print(o);
    untracked(o, r);
}

fn untracked(o: &Out, r: &StatusReport) {
    if r.untracked.is_empty() {
        return;
    }
    o.line("");
    o.line("Untracked in projects (not in their artisync.lock):");
    let mut t = Table::new(2);
    for u in &r.untracked {
        let note = if u.in_collection {
            "also in the collection"
        } else {
            "not in the collection"
        };
        t.row(vec![
            cell(u.id.to_string()),
            cell(with_target(u.path.display(), u.target)),
            cell(format!("({note})")),
        ]);
    }
    t.print(o);
}

pub fn status(o: &Out, r: &StatusReport) {
    if let Some(p) = &r.remote {
        o.line(&format!(
            "collection '{}': {} ({})",
            r.collection,
            position_words(p),
            p.url
        ));
    }
    if r.artifacts.is_empty() && r.untracked.is_empty() {
        o.line(&format!(
            "Collection '{}' is empty; import with 'artisync add SPEC'.",
            r.collection
        ));
        return;
    }
    // One table for every artifact, so that the columns line up from one
    // artifact's block to the next.
    let mut t = Table::new(2);
    for a in &r.artifacts {
        t.text(o.paint(BOLD, &a.id.to_string()));
        t.row(vec![
            cell("collection"),
            cell(""),
            cell(short(a.collection.hash)),
        ]);
        if let Some(u) = &a.upstream {
            let fetched = u
                .fetched_at
                .as_deref()
                .map(|t| format!(" (fetched {t})"))
                .unwrap_or_default();
            t.row(vec![
                cell("upstream → collection"),
                (u.status.as_str().to_string(), status_color(u.status)),
                cell(short(u.hash)),
                cell(format!("base {}{fetched}", short(u.synced_hash))),
            ]);
            if let Some(n) = &u.note {
                t.row(vec![cell(""), cell(""), cell(""), cell(n.clone())]);
            }
        } else {
            t.row(vec![
                cell("upstream"),
                cell("-"),
                cell(""),
                cell("local, no upstream (imported from a folder or made here; fetch and sync from upstream pass it by)"),
            ]);
        }
        for p in &a.projects {
            t.row(vec![
                cell(format!("→ {}", with_target(p.path.display(), p.target))),
                (p.status.as_str().to_string(), status_color(p.status)),
                cell(short(p.hash)),
                cell(format!("base {}", short(p.deployed_hash))),
            ]);
        }
    }
    t.print(o);
    untracked(o, r);
}

pub fn show(o: &Out, i: &ArtifactInfo) {
    o.line(&o.paint(BOLD, &i.id.to_string()));
    let rows: Vec<(&str, String)> = vec![
        (
            "title",
            i.metadata.title.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "description",
            i.metadata.description.clone().unwrap_or_else(|| "-".into()),
        ),
        ("collection", i.collection.clone()),
        ("path", i.path.display().to_string()),
        (
            "hash",
            i.hash
                .map(|h| h.to_string())
                .unwrap_or_else(|| "- (files missing)".into()),
        ),
        ("files", format!("{} ({} bytes)", i.files, i.size)),
        (
            "source",
            i.source
                .clone()
                .unwrap_or_else(|| "- (local, no upstream)".into()),
        ),
        ("ref", i.reference.clone().unwrap_or_else(|| "-".into())),
        (
            "upstream commit",
            i.upstream_commit
                .map(|h| h.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "upstream hash",
            i.upstream_hash
                .map(|h| h.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "synced at",
            i.synced_at.clone().unwrap_or_else(|| "-".into()),
        ),
    ];
    // Only an artifact imported from a plugin marketplace has these.
    let mut rows = rows;
    if let Some(m) = &i.marketplace {
        rows.push(("marketplace", m.clone()));
    }
    if let Some(p) = &i.plugin {
        rows.push(("plugin", p.clone()));
    }
    for (k, v) in rows {
        o.line(&format!("  {k:<16} {v}"));
    }
}

pub fn versions(o: &Out, v: &Versions) {
    o.line(&o.paint(BOLD, &v.id.to_string()));
    match &v.upstream {
        Some(u) => {
            o.line(&format!(
                "  upstream     {}  {}",
                short(u.hash),
                o.status(u.status)
            ));
            o.line(&format!("               source  {}", u.source));
            o.line(&format!(
                "               commit  {} {} {}",
                short(u.commit),
                u.commit_time.as_deref().unwrap_or("-"),
                u.commit_summary.as_deref().unwrap_or("")
            ));
            o.line(&format!(
                "               synced  {} (hash {})",
                short(u.synced_commit),
                short(u.synced_hash)
            ));
            o.line(&format!(
                "               fetched {}",
                u.fetched_at.as_deref().unwrap_or("never")
            ));
        }
        None => o.line("  upstream     - (local, no upstream)"),
    }
    let c = &v.collection;
    o.line(&format!(
        "  collection   {}  '{}' {}",
        short(c.hash),
        c.name,
        c.path.display()
    ));
    o.line(&format!(
        "               commit  {} {} {}",
        short(c.commit),
        c.time.as_deref().unwrap_or("-"),
        c.summary.as_deref().unwrap_or("")
    ));
    if v.projects.is_empty() {
        o.line("  projects     - (not deployed)");
    }
    for p in &v.projects {
        o.line(&format!(
            "  project      {}  {} {}",
            short(p.hash),
            o.status(p.status),
            with_target(p.path.display(), p.target)
        ));
        o.line(&format!(
            "               deployed {} at {}",
            short(p.deployed_hash),
            p.deployed_at.as_deref().unwrap_or("-")
        ));
    }
}

pub fn fetch(o: &Out, reports: &[FetchReport]) {
    if reports.is_empty() {
        o.line("No artifact has an upstream to fetch.");
    }
    for r in reports {
        let ids: Vec<String> = r.artifacts.iter().map(|a| a.to_string()).collect();
        let how = if r.offline.is_some() {
            "Using cached"
        } else {
            "Fetched"
        };
        o.line(&format!(
            "{how} {} at {} ({})",
            r.url,
            r.fetched_at,
            ids.join(", ")
        ));
    }
}

pub fn deploy(o: &Out, r: &DeployReport) {
    for d in &r.deployed {
        o.line(&format!(
            "Deployed {} to {} (hash {})",
            d.id,
            d.path.display(),
            d.hash.short()
        ));
    }
    for s in &r.skipped {
        o.line(&format!(
            "Skipped {} for the {} target: {}",
            s.id, s.target, s.message
        ));
    }
}

pub fn projects(o: &Out, list: &[ProjectInfo]) {
    if list.is_empty() {
        o.line("No projects registered; add one with 'artisync project add PATH'.");
    }
    for p in list {
        let targets: Vec<&str> = p.targets.iter().map(|t| t.as_str()).collect();
        o.line(&format!(
            "{}  (targets {}; {}, added {})",
            p.path.display(),
            targets.join(", "),
            count(p.artifacts, "copy", "copies"),
            p.added_at
        ));
    }
}

fn mode_name(m: FileMode) -> &'static str {
    match m {
        FileMode::Regular => "100644",
        FileMode::Executable => "100755",
        FileMode::Symlink => "120000",
    }
}

fn spans(o: &Out, spans: &[Span], color: &str) -> String {
    spans
        .iter()
        .map(|s| {
            if s.changed && o.color {
                format!("{REVERSE}{}{RESET}{color}", s.text)
            } else {
                s.text.clone()
            }
        })
        .collect()
}

pub fn diff(o: &Out, d: &ArtifactDiff) {
    o.line(&format!(
        "{} {} ({}) → {} ({})",
        d.id,
        d.lhs.label,
        short(d.lhs.hash),
        d.rhs.label,
        short(d.rhs.hash)
    ));
    if d.diff.files.is_empty() {
        o.line("No differences.");
        return;
    }
    for f in &d.diff.files {
        let old = f.old_path.as_ref().unwrap_or(&f.path);
        o.line(&o.paint(BOLD, &format!("diff a/{old} b/{}", f.path)));
        if let (Some(a), Some(b)) = (f.old_mode, f.new_mode) {
            if a != b {
                o.line(&format!(
                    "old mode {}\nnew mode {}",
                    mode_name(a),
                    mode_name(b)
                ));
            }
        }
        match f.status {
            FileStatus::Renamed => o.line(&format!("rename from {old}\nrename to {}", f.path)),
            FileStatus::Added => o.line(&format!(
                "new file mode {}",
                f.new_mode.map(mode_name).unwrap_or("100644")
            )),
            FileStatus::Deleted => o.line(&format!(
                "deleted file mode {}",
                f.old_mode.map(mode_name).unwrap_or("100644")
            )),
            FileStatus::Modified => {}
        }
        if f.binary {
            o.line(&format!(
                "Binary files differ ({} → {} bytes)",
                f.old_size.unwrap_or(0),
                f.new_size.unwrap_or(0)
            ));
            continue;
        }
        if f.too_large {
            o.line(&format!(
                "Large file: +{} -{} lines, not shown",
                f.added, f.removed
            ));
            continue;
        }
        if f.hunks.is_empty() {
            continue;
        }
        let a = if f.status == FileStatus::Added {
            "/dev/null".to_string()
        } else {
            format!("a/{old}")
        };
        let b = if f.status == FileStatus::Deleted {
            "/dev/null".to_string()
        } else {
            format!("b/{}", f.path)
        };
        o.line(&o.paint(BOLD, &format!("--- {a}\n+++ {b}")));
        for h in &f.hunks {
            o.line(&o.paint(
                CYAN,
                &format!(
                    "@@ -{},{} +{},{} @@",
                    h.old_start, h.old_lines, h.new_start, h.new_lines
                ),
            ));
            for l in &h.lines {
                let (sign, color) = match l.kind {
                    LineKind::Context => (' ', ""),
                    LineKind::Added => ('+', GREEN),
                    LineKind::Removed => ('-', RED),
                };
                let body = match &l.spans {
                    Some(s) => spans(o, s, color),
                    None => l.text.clone(),
                };
                let text = format!("{sign}{body}");
                o.line(&if color.is_empty() {
                    text
                } else {
                    o.paint(color, &text)
                });
                if l.eol == artisync_sync::diff::Eol::None {
                    o.line("\\ No newline at end of file");
                }
            }
        }
    }
    o.line(&format!(
        "{} changed, {}(+), {}(-)",
        count(d.diff.stats.files, "file", "files"),
        count(d.diff.stats.added, "insertion", "insertions"),
        count(d.diff.stats.removed, "deletion", "deletions")
    ));
}

/// The name of a file's change or conflict, as the JSON output spells it.
fn kind_name<T: serde::Serialize>(x: T) -> String {
    serde_json::to_value(x)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// "… (unchanged not shown; -v shows them)" when some rows were left out.
fn hidden_note(o: &Out, hidden: usize) -> String {
    if hidden == 0 || o.verbose {
        String::new()
    } else {
        " (unchanged not shown; -v shows them)".into()
    }
}

pub fn sync(o: &Out, r: &SyncReport, project: Option<&Path>) {
    let mode = if r.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    o.line(&format!("{} into {}{mode}", r.direction, r.destination));
    if r.artifacts.is_empty() {
        o.line("  nothing to sync");
    }
    let mut t = Table::new(2);
    let mut hidden = 0;
    for a in &r.artifacts {
        if a.outcome == Outcome::Unchanged && !o.verbose {
            hidden += 1;
            continue;
        }
        t.row(vec![
            cell(with_target(&a.id, a.target.unwrap_or(Target::Claude))),
            (a.outcome.as_str().to_string(), outcome_color(a.outcome)),
            cell(format!("{} → {}", short(a.from), short(a.to))),
            cell(a.message.clone()),
        ]);
        if let Some(d) = &a.destructive {
            t.text(format!("      needs confirmation: {d}"));
        }
        if let (Some(why), true) = (a.needs_audit_confirmation(), r.dry_run) {
            t.text(format!("      needs confirmation: {why}"));
        }
        for f in &a.findings {
            t.text(format!("      audit: {}", crate::audit::finding_line(f)));
        }
        let width = a
            .files
            .iter()
            .map(|f| f.path.as_str().chars().count())
            .max()
            .unwrap_or(0);
        for f in &a.files {
            let what = match a.conflicts.iter().find(|c| c.path == f.path) {
                Some(c) => format!("conflict ({})", kind_name(c.kind)),
                None => kind_name(f.change),
            };
            t.text(format!("      {:<width$}  {what}", f.path.as_str()));
        }
    }
    t.print(o);
    if let Some(c) = r.commit {
        o.line(&format!("Committed {} to the collection", c.short()));
    }
    let p = project
        .map(|p| format!(" --project {}", p.display()))
        .unwrap_or_default();
    for a in r
        .artifacts
        .iter()
        .filter(|a| a.outcome == Outcome::Conflict)
    {
        let t = match a.target {
            Some(t) if t != Target::Claude && !p.is_empty() => format!(" --target {t}"),
            _ => String::new(),
        };
        o.line(&format!(
            "See the conflict with: artisync resolve {}{p}{t}   (it shows each conflicting hunk and how to settle it)",
            a.id
        ));
    }
    // The last line sums up.
    if !r.artifacts.is_empty() {
        o.line(&format!(
            "{}{}",
            outcome_summary(r.artifacts.iter().map(|a| a.outcome)),
            hidden_note(o, hidden)
        ));
    }
}

/// The outcome of one result of a stored job, as recorded.
fn outcome_of(r: &serde_json::Value) -> Option<Outcome> {
    serde_json::from_value(r["outcome"].clone()).ok()
}

/// An update job: one line per copy, grouped by where it was written, then
/// the copies held back and why.
pub fn update(o: &Out, job: &Job) {
    let dry = if job.request.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    o.line(&format!("update{dry}"));
    let results = job.results.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let place = |r: &serde_json::Value| match r["project"].as_str() {
        Some(p) => {
            let target = serde_json::from_value(r["target"].clone()).unwrap_or(Target::Claude);
            with_target(p, target)
        }
        None => "the collection".to_string(),
    };
    // A held copy carries the status that held it.
    let (held, synced): (Vec<_>, Vec<_>) = results.iter().partition(|r| r["status"].is_string());
    if synced.is_empty() {
        o.line("  nothing lags its source");
    }
    let mut t = Table::new(4);
    let mut last = String::new();
    for r in &synced {
        if place(r) != last {
            last = place(r);
            t.text(format!("  into {last}"));
        }
        let x = outcome_of(r);
        t.row(vec![
            cell(text(&r["id"])),
            (text(&r["outcome"]), x.map(outcome_color).unwrap_or("")),
            cell(text(&r["message"])),
        ]);
    }
    if !held.is_empty() {
        t.text("  held back (sync each on its own to choose):");
        for r in &held {
            t.row(vec![
                cell(text(&r["id"])),
                cell(format!("in {}", place(r))),
                cell(text(&r["message"])),
            ]);
        }
    }
    t.print(o);
    if !results.is_empty() {
        o.line(&outcome_summary(results.iter().filter_map(outcome_of)));
    }
}

pub fn resolved(o: &Out, r: &ResolveReport) {
    let mut t = Table::new(2);
    for f in &r.files {
        t.row(vec![cell(f.path.as_str()), cell(f.resolution.to_string())]);
    }
    t.print(o);
    o.line(&format!(
        "Resolved {} in {} (hash {})",
        r.id,
        r.destination,
        r.hash.short()
    ));
}

/// What a job did, in a few words: its artifacts (or "all"), and "dry run"
/// when it wrote nothing.
fn job_state(j: &Job) -> String {
    if j.request.dry_run {
        format!("{} (dry run)", j.state.as_str())
    } else {
        j.state.as_str().to_string()
    }
}

fn job_artifacts(j: &Job) -> String {
    match j.request.artifacts.as_slice() {
        [] => "all".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

/// The projects a job wrote or read, "-" for none.
fn job_project(j: &Job) -> String {
    match (&j.request.project_path, j.request.projects.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, []) => "-".into(),
        (None, ps) => ps.join(", "),
    }
}

fn job_state_color(j: &Job) -> &'static str {
    match j.state {
        artisync_jobs::JobState::Success => GREEN,
        artisync_jobs::JobState::Conflict | artisync_jobs::JobState::Error => RED,
        _ => "",
    }
}

pub fn jobs(o: &Out, jobs: &[Job]) {
    if jobs.is_empty() {
        o.line("No jobs yet.");
        return;
    }
    let mut t = Table::new(0);
    t.row(
        [
            "JOB",
            "STATE",
            "DIRECTION",
            "ARTIFACTS",
            "PROJECT",
            "PROGRESS",
            "MS",
            "CREATED",
        ]
        .map(cell)
        .to_vec(),
    );
    for j in jobs {
        t.row(vec![
            // A prefix names a job ('artisync job PREFIX'), as in git.
            cell(j.id.get(..12).unwrap_or(&j.id)),
            (job_state(j), job_state_color(j)),
            cell(j.direction.clone()),
            cell(job_artifacts(j)),
            cell(job_project(j)),
            cell(format!("{}/{}", j.done, j.total)),
            cell(
                j.duration_ms
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            cell(j.created_at.clone()),
        ]);
    }
    t.print(o);
}

pub fn job(o: &Out, j: &Job) {
    o.line(&o.paint(BOLD, &format!("job {}", j.id)));
    o.line(&format!(
        "  state      {} ({} of {})",
        job_state(j),
        j.done,
        count(
            usize::try_from(j.total).unwrap_or(usize::MAX),
            "artifact",
            "artifacts"
        )
    ));
    o.line(&format!(
        "  direction  {} ({}, started from the {})",
        j.direction,
        j.kind.as_str(),
        j.origin.as_str()
    ));
    o.line(&format!("  artifacts  {}", job_artifacts(j)));
    o.line(&format!("  project    {}", job_project(j)));
    o.line(&format!("  created    {}", j.created_at));
    o.line(&format!(
        "  finished   {}",
        j.finished_at.as_deref().unwrap_or("-")
    ));
    o.line(&format!(
        "  duration   {}",
        j.duration_ms
            .map(|d| format!("{d} ms"))
            .unwrap_or_else(|| "-".into())
    ));
    o.line(&format!("  trace id   {}", j.trace_id));
    if let Some(e) = &j.error {
        o.line(&format!("  error      {e}"));
    }
    if let Some(results) = j.results.as_array() {
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
        let mut t = Table::new(2);
        let mut hidden = 0;
        for r in results {
            let x = outcome_of(r);
            if x == Some(Outcome::Unchanged) && !o.verbose {
                hidden += 1;
                continue;
            }
            let mut row = vec![cell(text(&r["id"]))];
            // An update's results each say where they went.
            if let Some(d) = r["direction"].as_str() {
                row.push(cell(match r["project"].as_str() {
                    Some(p) => format!("→ {p}"),
                    None => d.to_string(),
                }));
            }
            row.push((text(&r["outcome"]), x.map(outcome_color).unwrap_or("")));
            row.push(cell(r["message"].as_str().unwrap_or("")));
            t.row(row);
            let findings: Vec<artisync_sync::AuditFinding> =
                serde_json::from_value(r["findings"].clone()).unwrap_or_default();
            for f in &findings {
                t.text(format!("      audit: {}", crate::audit::finding_line(f)));
            }
        }
        t.print(o);
        if !results.is_empty() {
            o.line(&format!(
                "  {}{}",
                outcome_summary(results.iter().filter_map(outcome_of)),
                hidden_note(o, hidden)
            ));
        }
    }
    if !j.log.is_empty() {
        o.line("  log:");
        for l in &j.log {
            o.line(&format!("    {l}"));
        }
    }
}

/// What a kind of conflict means, in words.
fn conflict_kind_words(kind: artisync_sync::ConflictKind) -> &'static str {
    use artisync_sync::ConflictKind as Kind;
    match kind {
        Kind::Content => "both sides changed the same lines",
        Kind::DeleteEdit => "one side deleted the file, the other edited it",
        Kind::Binary => "a binary file (or symlink) changed on both sides",
        Kind::Mode => "both sides changed the file mode, differently",
        Kind::AddAdd => "both sides added the file, with different content",
        Kind::RenameRename => "both sides renamed the file, to different paths",
        Kind::TooLarge => "too large to merge line by line; choose ours or theirs",
    }
}

/// A staged conflict hunk by hunk: for each conflicted file, each
/// conflicting region with the base's lines, the destination's (ours) and
/// the incoming ones (theirs), then the commands that settle it.
pub fn conflict_hunks(o: &Out, v: &ConflictView, prefix: &str) {
    let (ours, theirs) = crate::resolving::tiers(&v.direction);
    let n = v.files.len();
    o.line(&format!(
        "{} has {n} conflicted file{} in {} (sync {}, staged {}); nothing was written yet",
        v.id,
        if n == 1 { "" } else { "s" },
        v.destination,
        v.direction,
        v.created_at
    ));
    o.line(&format!(
        "  ours   = the {ours} copy (the destination, as it is now)"
    ));
    o.line(&format!("  theirs = the {theirs} version (incoming)"));
    let side = |label: &str, lines: &[String], color: &str| {
        o.line(&format!("    {label}:"));
        if lines.is_empty() {
            o.line("      (no lines)");
        }
        for l in lines {
            o.line(&o.paint(color, &format!("      | {l}")));
        }
    };
    for f in &v.files {
        o.line("");
        let hunks = f.hunks();
        let what = if hunks.is_empty() {
            String::new()
        } else {
            format!(
                ", {} conflicting hunk{}",
                hunks.len(),
                if hunks.len() == 1 { "" } else { "s" }
            )
        };
        o.line(&o.paint(
            BOLD,
            &format!("{} ({}{what})", f.path, conflict_kind_words(f.kind)),
        ));
        if hunks.is_empty() {
            let state = |x: &Option<String>| match x {
                Some(t) => format!("present ({} bytes)", t.len()),
                None => "deleted".to_string(),
            };
            o.line(&format!("  ours ({ours}): {}", state(&f.ours)));
            o.line(&format!("  theirs ({theirs}): {}", state(&f.theirs)));
            continue;
        }
        for (i, h) in hunks.iter().enumerate() {
            o.line(&format!(
                "  hunk {} of {}, at line {} of the merged text:",
                i + 1,
                hunks.len(),
                h.line
            ));
            if f.base.is_some() {
                side("base (when last in sync)", &h.base, "");
            }
            side(&format!("ours ({ours}, destination)"), &h.ours, YELLOW);
            side(&format!("theirs ({theirs}, incoming)"), &h.theirs, GREEN);
        }
    }
    let text = v.files.iter().find(|f| f.editable());
    let several = v.files.iter().filter(|f| f.editable()).count() > 1;
    let example = v
        .files
        .first()
        .map(|f| f.path.to_string())
        .unwrap_or_else(|| "PATH".into());
    let mut steps = vec![
        (
            format!("{prefix} --all ours|theirs"),
            "keep one side in every file".to_string(),
        ),
        (
            format!("{prefix} --file {example}=ours|theirs|@EDITED_FILE"),
            "settle one file".to_string(),
        ),
    ];
    if let Some(t) = text {
        steps.push((
            format!("{prefix} --edit"),
            "edit the merged text in $VISUAL or $EDITOR".to_string(),
        ));
        let path = if several {
            format!(" --path {}", t.path)
        } else {
            String::new()
        };
        steps.push((
            format!("{prefix} --output FILE{path}"),
            format!(
                "write the merged text (with markers) to FILE; then --file {}=@FILE",
                t.path
            ),
        ));
    }
    let width = steps
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    o.line("");
    o.line("To resolve (nothing changes until one of these succeeds):");
    for (cmd, what) in steps {
        o.line(&format!("  {cmd:<width$}   {what}"));
    }
}

/// What `check` found: one line per finding, a line for each clean
/// artifact, and a count at the end.
pub fn check(o: &Out, reports: &[CheckReport]) {
    let mut t = Table::new(0);
    for r in reports {
        if r.findings.is_empty() {
            t.row(vec![
                cell(r.id.to_string()),
                (String::from("ok"), GREEN),
                cell(""),
            ]);
        }
        for f in &r.findings {
            let (word, color) = match f.severity {
                Severity::Error => ("error", RED),
                Severity::Warning => ("warning", YELLOW),
            };
            t.row(vec![
                cell(r.id.to_string()),
                (word.to_string(), color),
                cell(format!("{}: {}", f.field, f.message)),
            ]);
        }
    }
    t.print(o);
    let with = |s: Severity| {
        reports
            .iter()
            .filter(|r| r.findings.iter().any(|f| f.severity == s))
            .count()
    };
    o.line(&format!(
        "{} checked: {} with errors, {} with warnings only",
        count(reports.len(), "artifact", "artifacts"),
        with(Severity::Error),
        reports
            .iter()
            .filter(|r| !r.findings.is_empty()
                && r.findings.iter().all(|f| f.severity == Severity::Warning))
            .count()
    ));
}

pub fn install_check(o: &Out, r: &InstallCheck) {
    let mut t = Table::new(0);
    for c in &r.copies {
        let state = match c.state {
            CopyState::Locked => cell("as locked"),
            CopyState::Modified => ("modified".to_string(), status_color(Status::Ahead)),
            CopyState::Missing => ("missing".to_string(), status_color(Status::Missing)),
        };
        t.row(vec![
            cell(with_target(&c.id, c.target)),
            state,
            cell(format!("locked {} now {}", c.locked.short(), short(c.hash))),
        ]);
    }
    t.print(o);
    for u in &r.untracked {
        o.line(&format!(
            "{} is not in the lockfile (left alone)",
            with_target(&u.id, u.target)
        ));
    }
    let differ = r
        .copies
        .iter()
        .filter(|c| c.state != CopyState::Locked)
        .count();
    if differ == 0 {
        o.line(&format!(
            "{} as locked in {}",
            count(r.copies.len(), "copy", "copies"),
            r.project.display()
        ));
    }
}

pub fn install(o: &Out, r: &InstallReport) {
    let mut t = Table::new(0);
    for c in &r.copies {
        if c.action == "locked" && !o.verbose {
            continue;
        }
        t.row(vec![
            cell(with_target(&c.id, c.target)),
            cell(c.action),
            cell(c.hash.short().to_string()),
            cell(
                c.from
                    .as_deref()
                    .map(|f| format!("from {f}"))
                    .unwrap_or_default(),
            ),
        ]);
    }
    t.print(o);
    let locked = r.copies.iter().filter(|c| c.action == "locked").count();
    o.line(&format!(
        "{} written, {} already as locked in {}",
        count(r.copies.len() - locked, "copy", "copies"),
        locked,
        r.project.display()
    ));
}

/// A project copy's name (its project's path, or its artifact), followed
/// by its target unless that is `claude`.
fn with_target(name: impl std::fmt::Display, target: Target) -> String {
    if target == Target::Claude {
        name.to_string()
    } else {
        format!("{name} [{target}]")
    }
}

pub fn remote(o: &Out, p: Option<&artisync_store::RemotePosition>) {
    match p {
        None => o.line("No remote; set one with 'artisync collection remote set URL'."),
        Some(p) => o.line(&format!("{}  {}", p.url, position_words(p))),
    }
}

/// "2 ahead, 1 behind origin/main" and the like.
pub fn position_words(p: &artisync_store::RemotePosition) -> String {
    if !p.fetched {
        return format!(
            "not pushed yet ({} here)",
            count(p.ahead, "commit", "commits")
        );
    }
    match (p.ahead, p.behind) {
        (0, 0) => format!("up to date with origin/{}", p.branch),
        (a, 0) => format!("{a} ahead of origin/{} (push to share)", p.branch),
        (0, b) => format!("{b} behind origin/{} (pull to take them)", p.branch),
        (a, b) => format!(
            "{a} ahead, {b} behind origin/{} (pull, then push)",
            p.branch
        ),
    }
}

pub fn pulled(o: &Out, r: &artisync_sync::PullReport) {
    let how = match r.commit {
        artisync_store::PullCommit::UpToDate => "already up to date",
        artisync_store::PullCommit::FastForward => "fast-forwarded",
        artisync_store::PullCommit::Merged => "merged (a merge commit)",
    };
    o.line(&format!("Pulled from {}: {how}", r.remote));
    let mut t = Table::new(2);
    for a in &r.artifacts {
        t.row(vec![
            cell(a.id.to_string()),
            (a.outcome.as_str().to_string(), outcome_color(a.outcome)),
            cell(a.message.clone()),
        ]);
        for f in &a.findings {
            t.text(format!("      audit: {}", crate::audit::finding_line(f)));
        }
    }
    t.print(o);
    if !r.artifacts.is_empty() {
        o.line(&outcome_summary(r.artifacts.iter().map(|a| a.outcome)));
    }
}
