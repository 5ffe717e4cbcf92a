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
    #[error("{id} is not in collection '{collection}'; run 'artisync list' to see what is, or 'artisync add SPEC' to import it")]
    UnknownArtifact { id: String, collection: String },
    /// The request cannot be carried out as given; the message says why and
    /// what to do instead.
    #[error("{0}")]
    Refused(String),
}
