//! The engine's error type. A conflict is never an error; these are the
//! cases where nothing could be done, each with what the user can do.

use artisync_model::ModelError;
use artisync_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Each surface adds how to see what is there (the CLI: `artisync list`).
    /// `suggestion` is the collection's id nearest to `id`, if one is near.
    #[error("{id} is not in collection '{collection}'{}", suggestion.as_ref().map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
    UnknownArtifact {
        id: String,
        collection: String,
        suggestion: Option<String>,
    },
    /// A `--plugin` a marketplace does not list: the plugin nearest to it,
    /// if one is near, and the names it does list (shortened).
    #[error("marketplace {marketplace} has no plugin {name:?}{}; it lists: {available}", suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
    UnknownPlugin {
        name: String,
        marketplace: String,
        suggestion: Option<String>,
        available: String,
    },
    /// A resolution that leaves files unresolved; the message names them.
    /// Each surface adds how to give a choice per file.
    #[error("{0}")]
    Unresolved(String),
    /// A patch export of a copy that does not differ from the upstream.
    #[error("{0}")]
    NothingToExport(String),
    /// The request cannot be carried out as given; the message says why and
    /// what to do instead.
    #[error("{0}")]
    Refused(String),
}
