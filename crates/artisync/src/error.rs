//! The one place where errors meet the outside: a `CliError` carries the
//! exit code (1 error, 2 usage error, 3 conflicts) and a one-line message.

use artisync_store::StoreError;
use artisync_sync::SyncError;

pub struct CliError {
    pub exit: u8,
    pub code: &'static str,
    pub message: String,
    /// Already reported on stdout as part of a --json document.
    pub silent: bool,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            exit: 2,
            code: "usage",
            message: message.into(),
            silent: false,
        }
    }
}

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> Self {
        let code = match &e {
            SyncError::UnknownArtifact { .. } => "not_found",
            SyncError::UnknownPlugin { .. } => "usage",
            SyncError::Refused(_) | SyncError::Unresolved(_) | SyncError::NothingToExport(_) => {
                "refused"
            }
            SyncError::Model(_) => "invalid_input",
            SyncError::Store(s) => match s {
                StoreError::Model(_)
                | StoreError::Invalid(_)
                | StoreError::UnsupportedFile { .. } => "invalid_input",
                StoreError::NoCollection { .. }
                | StoreError::NoSuchPath { .. }
                | StoreError::RefNotFound { .. }
                | StoreError::NotFetched { .. }
                | StoreError::NotRegistered { .. }
                | StoreError::NotARepository { .. } => "not_found",
                StoreError::CollectionExists { .. } => "conflict",
                StoreError::NotADirectory { .. }
                | StoreError::InsideHome { .. }
                | StoreError::SymlinkInPath { .. } => "invalid_input",
                StoreError::FetchFailed { .. } => "fetch_failed",
                StoreError::Io { .. } | StoreError::Git { .. } => "io",
            },
        };
        // What to type next, in this surface's words.
        let message = match &e {
            SyncError::UnknownArtifact {
                suggestion: Some(_),
                ..
            } => e.to_string(),
            SyncError::UnknownArtifact { .. } => format!(
                "{e}; run 'artisync list' to see what is, or 'artisync add SPEC' to import it"
            ),
            SyncError::Unresolved(_) => {
                format!(
                    "{e}: give --file PATH=ours|theirs|@EDITED_FILE for each, or --all ours|theirs"
                )
            }
            _ => e.to_string(),
        };
        // A plugin name is an argument: naming one the marketplace does
        // not list is a usage error, as a mistyped flag is.
        let exit = if matches!(e, SyncError::UnknownPlugin { .. }) {
            2
        } else {
            1
        };
        CliError {
            exit,
            code,
            message: one_line(&message),
            silent: false,
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        SyncError::from(e).into()
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError {
            exit: 1,
            code: "error",
            message: one_line(&format!("{e:#}")),
            silent: false,
        }
    }
}

/// Error messages from libraries sometimes span lines; the CLI prints one.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<artisync_jobs::JobError> for CliError {
    fn from(e: artisync_jobs::JobError) -> Self {
        let code = match &e {
            artisync_jobs::JobError::NotFound(_) => "not_found",
            artisync_jobs::JobError::Finished(..)
            | artisync_jobs::JobError::IdempotencyMismatch(_) => "conflict",
            artisync_jobs::JobError::Db(_) => "io",
        };
        CliError {
            exit: 1,
            code,
            message: one_line(&e.to_string()),
            silent: false,
        }
    }
}
