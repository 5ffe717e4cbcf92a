//! The one error type of the model crate: every variant names the bad input
//! and what the user can do about it.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ModelError {
    #[error("invalid artifact name {0:?}: names are 1-64 characters of a-z, 0-9, '.', '_', '-' and start with a letter or digit")]
    InvalidName(String),
    #[error("invalid artifact kind {0:?}: use skill, command or agent")]
    InvalidKind(String),
    #[error("invalid artifact id {0:?}: ids look like KIND:NAME, e.g. skill:pdf")]
    InvalidId(String),
    #[error("invalid source spec {spec:?}: {reason}")]
    InvalidSpec { spec: String, reason: String },
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },
    #[error("{0}; artisync refuses artifacts that large")]
    TooLarge(String),
    #[error("invalid object id {0:?}: expected 40 hexadecimal digits")]
    InvalidObjectId(String),
    #[error("invalid tier {0:?}: use upstream, collection or project")]
    InvalidTier(String),
    #[error("invalid {what} {value:?}: use {choices}")]
    InvalidChoice {
        what: &'static str,
        value: String,
        choices: &'static str,
    },
    #[error("malformed {file}: {message}")]
    Malformed { file: String, message: String },
}
