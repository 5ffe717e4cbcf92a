//! The domain of artisync: artifact ids and kinds, source specs, git object
//! ids, artifact contents and their hashes, front-matter metadata, the
//! collection manifest, the project lockfile and the drift table.
//!
//! This crate is pure: it never touches the filesystem or the network. Callers
//! read bytes and hand them in; everything here is a function of its inputs.

pub mod check;
pub mod content;
pub mod error;
pub mod id;
pub mod lock;
pub mod manifest;
pub mod marketplace;
pub mod meta;
pub mod path;
pub mod spec;
pub mod status;
pub mod sync;
pub mod target;

pub use check::{check_artifact, target_findings, Finding, Severity};
pub use content::{
    blob_id, check_entry_name, is_binary, is_excluded, Content, FileEntry, FileMode, ObjectId,
    Shape,
};
pub use error::ModelError;
pub use id::{ArtifactId, Kind, Name};
pub use lock::{LockEntry, Lockfile};
pub use manifest::{Manifest, ManifestEntry, Suppression};
pub use marketplace::{Marketplace, MarketplaceSpec, PluginEntry, PluginPaths, PluginSource};
pub use meta::Metadata;
pub use path::RelPath;
pub use spec::{Location, SourceSpec};
pub use status::{drift, Destination, Status, Tier};
pub use sync::{Direction, Outcome, Strategy};
pub use target::Target;
