//! The user scope: `--user`, or a project path of `~`, means the user's
//! home folder, whose `.claude/`, `.agents/`, … agents read for every
//! project. It is managed like any project.

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, ProjectAction};
use crate::error::CliError;

/// The user's home folder.
fn home() -> Result<PathBuf, CliError> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| CliError::usage("--user needs HOME to name your home folder; set HOME"))
}

/// `~` and `~/…` as the shell would have expanded them.
fn expand(p: &Path) -> Result<PathBuf, CliError> {
    match p.to_str() {
        Some("~") => home(),
        Some(s) if s.starts_with("~/") => Ok(home()?.join(&s[2..])),
        _ => Ok(p.to_path_buf()),
    }
}

/// Sets the project of every command that takes one to the home folder
/// under `--user`, and expands a leading `~` in the project paths given.
pub fn apply(cli: &mut Cli) -> Result<(), CliError> {
    let user = cli.global.user;
    let one = |p: &mut Option<PathBuf>| -> Result<(), CliError> {
        match (user, p.as_ref()) {
            (true, Some(given)) => Err(CliError::usage(format!(
                "--user and {} both name a project; give one of them",
                given.display()
            ))),
            (true, None) => {
                *p = Some(home()?);
                Ok(())
            }
            (false, Some(given)) => {
                *p = Some(expand(given)?);
                Ok(())
            }
            (false, None) => Ok(()),
        }
    };
    match &mut cli.command {
        Command::Versions { project, .. }
        | Command::Status { project }
        | Command::Diff { project, .. }
        | Command::Deploy { project, .. }
        | Command::Sync { project, .. }
        | Command::Resolve { project, .. }
        | Command::Patch { project, .. }
        | Command::Undo { project, .. }
        | Command::Install { project, .. } => one(project),
        Command::Update { projects, .. } => {
            for p in projects.iter_mut() {
                *p = expand(p)?;
            }
            if user {
                projects.push(home()?);
            }
            Ok(())
        }
        Command::Project {
            action: ProjectAction::Add { path, .. } | ProjectAction::Remove { path },
        } => one(path),
        _ if user => Err(CliError::usage(
            "--user applies to commands that take a project (status, diff, deploy, sync, resolve, patch, undo, update, project add/remove)",
        )),
        _ => Ok(()),
    }
}

/// The project a command cannot go without.
pub fn required<'a>(project: &'a Option<PathBuf>, command: &str) -> Result<&'a Path, CliError> {
    project.as_deref().ok_or_else(|| {
        CliError::usage(format!(
            "{command} needs a project: give --project PATH, or --user for your home folder"
        ))
    })
}
