//! The store's error type: each variant says what went wrong and what to do.

use std::path::PathBuf;

use artisync_model::ModelError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("git error while {context}: {message}")]
    Git { context: String, message: String },
    #[error("collection '{name}' does not exist at {path}; run 'artisync init' (or pass --collection NAME)")]
    NoCollection { name: String, path: PathBuf },
    #[error("collection '{name}' already exists at {path}")]
    CollectionExists { name: String, path: PathBuf },
    #[error("{path} is not a git repository (or inside one); give the path of a repository, or a file:// or https:// URL")]
    NotARepository { path: PathBuf },
    #[error("no such path {path}; check the spelling or give an absolute path")]
    NoSuchPath { path: PathBuf },
    #[error("ref '{reference}' not found in {url}; check the branch, tag or commit name, or run 'artisync fetch'")]
    RefNotFound { url: String, reference: String },
    #[error("cannot fetch {url}: {message}; check the URL and your network")]
    FetchFailed { url: String, message: String },
    #[error("{url} has not been fetched yet; run 'artisync fetch'")]
    NotFetched { url: String },
    #[error("{path} is a {found}, not a file or directory artisync can store")]
    UnsupportedFile { path: PathBuf, found: &'static str },
    #[error("{path} is not a directory; give the root folder of a project")]
    NotADirectory { path: PathBuf },
    #[error("{path} is inside artisync's data home {home}; projects must live elsewhere")]
    InsideHome { path: PathBuf, home: PathBuf },
    #[error("project {path} is not registered; run 'artisync project add {path}'")]
    NotRegistered { path: PathBuf },
    #[error("{path} is a symlink, or leads through one out of its project or collection; artisync never follows such a link when reading or writing: replace it with a real folder or file")]
    SymlinkInPath { path: PathBuf },
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    }

    pub fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> StoreError {
        let context = context.into();
        move |e| StoreError::Git {
            context,
            message: e.message().to_string(),
        }
    }
}
