//! `artisync resolve`: show a staged conflict hunk by hunk, write a file's
//! merged text out, edit it in the user's editor, or settle it with a
//! choice per file. Every check runs before anything is written, and an
//! edit that goes wrong changes nothing.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use artisync_model::{ArtifactId, RelPath};
use artisync_sync::resolve::ConflictFileView;
use artisync_sync::{ConflictView, Engine, Resolution, ResolveRequest};

use crate::error::CliError;
use crate::output::{self, Out};
use crate::{emit, parse_id, parse_resolution};

/// The `resolve` command line, as parsed.
pub struct ResolveArgs<'a> {
    pub collection: &'a str,
    pub id: &'a str,
    pub project: Option<&'a Path>,
    pub target: Option<artisync_model::Target>,
    pub all: Option<&'a str>,
    pub files: &'a [String],
    pub edit: bool,
    pub output: Option<&'a Path>,
    pub path: Option<&'a str>,
}

/// Which tier is "ours" (the destination) and which "theirs" (incoming)
/// in a sync direction such as `upstream_to_collection`.
pub fn tiers(direction: &str) -> (String, String) {
    match direction.split_once("_to_") {
        Some((source, destination)) => (destination.to_string(), source.to_string()),
        None => ("destination".into(), "source".into()),
    }
}

/// The `artisync resolve ID …` prefix that reaches the same conflict.
pub fn command_prefix(collection: &str, view: &ConflictView) -> String {
    let mut s = format!("artisync resolve {}", view.id);
    let project = match (&view.project, &view.destination) {
        (Some(p), _) => Some(p.clone()),
        (None, artisync_model::Destination::Project { path, .. }) => Some(path.clone()),
        _ => None,
    };
    if let Some(p) = project {
        s.push_str(&format!(
            " --project {}",
            shell_word(&p.display().to_string())
        ));
        if view.target != artisync_model::Target::Claude {
            s.push_str(&format!(" --target {}", view.target));
        }
    }
    if collection != "default" {
        s.push_str(&format!(" --collection {}", shell_word(collection)));
    }
    s
}

/// `s` quoted for a POSIX shell when it needs to be.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn list(files: &[&ConflictFileView]) -> String {
    files
        .iter()
        .map(|f| f.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_word(f: &ConflictFileView) -> String {
    serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The conflicted file `path` names, or every file with a merged text to
/// edit when no path is given; refused (as a usage error) when there is
/// nothing to work on.
fn targets<'v>(
    view: &'v ConflictView,
    path: Option<&str>,
    flag: &str,
) -> Result<Vec<&'v ConflictFileView>, CliError> {
    let all: Vec<&ConflictFileView> = view.files.iter().collect();
    let id = &view.id;
    match path {
        Some(p) => {
            let f = view
                .files
                .iter()
                .find(|f| f.path.as_str() == p.trim_end_matches('/'))
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "--path {p}: not a conflicted file of {id}; the conflicted files are: {}",
                        list(&all)
                    ))
                })?;
            if !f.editable() {
                return Err(CliError::usage(format!(
                    "{} of {id} is a {} conflict with no merged text for {flag}; settle it with --file {}=ours or --file {}=theirs",
                    f.path,
                    kind_word(f),
                    f.path,
                    f.path
                )));
            }
            Ok(vec![f])
        }
        None => {
            let text: Vec<&ConflictFileView> = view.files.iter().filter(|f| f.editable()).collect();
            if text.is_empty() {
                return Err(CliError::usage(format!(
                    "no conflicted file of {id} has a merged text for {flag} ({}); settle them with --file PATH=ours|theirs or --all ours|theirs",
                    list(&all)
                )));
            }
            Ok(text)
        }
    }
}

pub fn run(e: &Engine, out: &Out, a: &ResolveArgs<'_>) -> Result<(), CliError> {
    let id = parse_id(a.id)?;
    if a.path.is_some() && !a.edit && a.output.is_none() {
        return Err(CliError::usage(
            "--path chooses the file for --edit or --output; to settle a file give --file PATH=ours|theirs|@EDITED_FILE",
        ));
    }
    let mut req = ResolveRequest {
        project: a.project.map(Path::to_path_buf),
        target: a.target,
        ..ResolveRequest::default()
    };
    req.all = a.all.map(parse_resolution).transpose()?;
    if matches!(req.all, Some(Resolution::Edited(_))) {
        return Err(CliError::usage("--all takes ours or theirs"));
    }
    for f in a.files {
        let (path, choice) = f.rsplit_once('=').ok_or_else(|| {
            CliError::usage(format!(
                "--file {f:?}: expected PATH=ours, PATH=theirs or PATH=@EDITED_FILE"
            ))
        })?;
        let path = RelPath::new(path).map_err(|e| CliError::usage(e.to_string()))?;
        req.files.insert(path, parse_resolution(choice)?);
    }
    if let Some(file) = a.output {
        return write_out(e, out, a, &id, file);
    }
    if a.edit {
        return edit(e, out, a, &id, req);
    }
    if req.all.is_none() && req.files.is_empty() {
        return show(e, out, a, &id);
    }
    let report = e.resolve(&id, &req)?;
    emit(out, &report, |o| output::resolved(o, &report))
}

/// Without a choice: each conflicting hunk with the base, and the commands
/// that settle it. Showing is not a failure, so it exits 0.
fn show(e: &Engine, out: &Out, a: &ResolveArgs<'_>, id: &ArtifactId) -> Result<(), CliError> {
    let view = e.conflict(id, a.project, a.target)?;
    let (ours, theirs) = tiers(&view.direction);
    let mut doc = serde_json::to_value(&view).map_err(anyhow::Error::from)?;
    if let Some(files) = doc.get_mut("files").and_then(|f| f.as_array_mut()) {
        for (json, f) in files.iter_mut().zip(&view.files) {
            if let Some(m) = json.as_object_mut() {
                m.insert(
                    "hunks".into(),
                    serde_json::to_value(f.hunks()).map_err(anyhow::Error::from)?,
                );
            }
        }
    }
    if let Some(m) = doc.as_object_mut() {
        m.insert(
            "tiers".into(),
            serde_json::json!({"ours": ours, "theirs": theirs}),
        );
    }
    let prefix = command_prefix(a.collection, &view);
    emit(out, &doc, |o| output::conflict_hunks(o, &view, &prefix))
}

/// `--output FILE`: the merged text of one conflicted file, markers
/// included, for the user's own tools. Changes nothing.
fn write_out(
    e: &Engine,
    out: &Out,
    a: &ResolveArgs<'_>,
    id: &ArtifactId,
    file: &Path,
) -> Result<(), CliError> {
    let stdout = file.as_os_str() == "-";
    if stdout && out.json {
        return Err(CliError::usage(
            "--output - prints the merged text itself on standard output; leave out --json, or give a FILE",
        ));
    }
    if !stdout && std::fs::symlink_metadata(file).is_ok() {
        return Err(CliError::usage(format!(
            "{} already exists; remove it or choose another file with --output",
            file.display()
        )));
    }
    let view = e.conflict(id, a.project, a.target)?;
    let targets = targets(&view, a.path, "--output")?;
    let [f] = targets.as_slice() else {
        return Err(CliError::usage(format!(
            "{id} has {} conflicted text files ({}); choose one with --path PATH",
            targets.len(),
            list(&targets)
        )));
    };
    let merged = f.merged.as_deref().unwrap_or_default();
    if stdout {
        let mut so = std::io::stdout().lock();
        so.write_all(merged.as_bytes())
            .and_then(|()| so.flush())
            .map_err(anyhow::Error::from)?;
        return Ok(());
    }
    artisync_store::fsio::write_file_atomic(file, merged.as_bytes())?;
    let prefix = command_prefix(a.collection, &view);
    let hunks = f.hunks().len();
    let next = format!("{prefix} --file {}=@{}", f.path, file.display());
    let doc = serde_json::json!({
        "id": view.id,
        "path": f.path,
        "output": file,
        "hunks": hunks,
        "next": next,
    });
    emit(out, &doc, |o| {
        o.line(&format!(
            "Wrote the merged text of {} in {id} ({hunks} conflicting hunks, with markers) to {}",
            f.path,
            file.display()
        ));
        o.line(&format!(
            "Edit it, remove every marker, then settle it with: {next}"
        ));
    })
}

/// The editor to run: $VISUAL, else $EDITOR.
fn editor() -> Result<String, CliError> {
    for var in ["VISUAL", "EDITOR"] {
        if let Ok(v) = std::env::var(var) {
            if !v.trim().is_empty() {
                return Ok(v);
            }
        }
    }
    Err(CliError {
        exit: 1,
        code: "error",
        message: "--edit needs an editor: set VISUAL or EDITOR (e.g. 'export EDITOR=vim'), or write the merged text out with --output FILE".into(),
        silent: false,
    })
}

/// Runs `editor` on `file` as git runs an editor: a plain command name is
/// run directly; anything with spaces or shell characters (`code --wait`,
/// `vim -f`) through `sh -c '<editor> "$@"'`, which splits its arguments.
fn run_editor(editor: &str, file: &Path) -> Result<(), String> {
    const SHELL: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', ' ', '\t', '\n', '*', '?',
        '[', '#', '~', '=', '%',
    ];
    let mut cmd = if editor.contains(SHELL) {
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("{editor} \"$@\"")).arg(editor);
        c
    } else {
        Command::new(editor)
    };
    let status = cmd
        .arg(file)
        .status()
        .map_err(|e| format!("could not start the editor '{editor}': {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the editor '{editor}' exited with {status}"))
    }
}

/// One file being edited: the folder holding its temporary copy.
struct Editing {
    dir: tempfile::TempDir,
    file: PathBuf,
}

/// `--edit`: each chosen file's merged text, edited in turn; the edits
/// settle the files only once every one is free of markers and every other
/// conflicted file has a choice. Until then nothing changes.
fn edit(
    e: &Engine,
    out: &Out,
    a: &ResolveArgs<'_>,
    id: &ArtifactId,
    mut req: ResolveRequest,
) -> Result<(), CliError> {
    let view = e.conflict(id, a.project, a.target)?;
    let targets = targets(&view, a.path, "--edit")?;
    if let Some(f) = targets.iter().find(|f| req.files.contains_key(&f.path)) {
        return Err(CliError::usage(format!(
            "{} is both edited and given with --file; choose one",
            f.path
        )));
    }
    // Everything that can be checked is checked before the editor opens,
    // so no edit is made in vain.
    let rest: Vec<&ConflictFileView> = view
        .files
        .iter()
        .filter(|f| !targets.iter().any(|t| t.path == f.path) && !req.files.contains_key(&f.path))
        .collect();
    if !rest.is_empty() && req.all.is_none() {
        return Err(CliError::usage(format!(
            "{id} also has conflicted files --edit does not edit ({}); add --file PATH=ours|theirs for each, or --all ours|theirs",
            list(&rest)
        )));
    }
    let editor = editor()?;
    let prefix = command_prefix(a.collection, &view);
    let mut edited = Vec::new();
    for f in &targets {
        let dir = tempfile::Builder::new()
            .prefix("artisync-resolve-")
            .tempdir()
            .map_err(anyhow::Error::from)?;
        let name = match f.path.file_name() {
            "" => "merged",
            n => n,
        };
        let file = dir.path().join(name);
        std::fs::write(&file, f.merged.as_deref().unwrap_or_default())
            .map_err(anyhow::Error::from)?;
        // As git does, a word while a terminal editor takes over.
        if !out.quiet && !out.json && std::io::stderr().is_terminal() {
            eprintln!(
                "Editing {} of {id} in {editor}; save it without conflict markers and quit to settle it",
                f.path
            );
        }
        if let Err(why) = run_editor(&editor, &file) {
            return Err(CliError {
                exit: 1,
                code: "error",
                message: format!("{why}; nothing was changed in {id}"),
                silent: false,
            });
        }
        let text = std::fs::read(&file).map_err(anyhow::Error::from)?;
        if text == f.merged.as_deref().unwrap_or_default().as_bytes() {
            return Err(CliError {
                exit: 1,
                code: "refused",
                message: format!(
                    "{} of {id} was saved unchanged, with its conflict markers, so nothing was changed; edit the text between the markers, keep what should stay and delete the marker lines",
                    f.path
                ),
                silent: false,
            });
        }
        if f.has_leftover_markers(&text) {
            let kept = dir.keep();
            let file = kept.join(name);
            return Err(CliError {
                exit: 1,
                code: "refused",
                message: format!(
                    "{} of {id} still holds conflict markers, so nothing was changed; your edit is kept at {}: finish it, then run '{prefix} --file {}=@{}'",
                    f.path,
                    file.display(),
                    f.path,
                    file.display()
                ),
                silent: false,
            });
        }
        req.files
            .insert(f.path.clone(), Resolution::Edited(text.clone()));
        edited.push(Editing { dir, file });
    }
    match e.resolve(id, &req) {
        Ok(report) => emit(out, &report, |o| output::resolved(o, &report)),
        Err(err) => {
            // The edits are the user's work: kept for a second try.
            let kept: Vec<String> = edited
                .into_iter()
                .map(|ed| {
                    let name = ed.file.file_name().map(PathBuf::from).unwrap_or_default();
                    ed.dir.keep().join(name).display().to_string()
                })
                .collect();
            let mut err = CliError::from(err);
            err.message = format!(
                "{}; your edited text is kept at {}",
                err.message,
                kept.join(", ")
            );
            Err(err)
        }
    }
}
