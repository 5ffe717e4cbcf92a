//! The artisync engine: importing artifacts from upstreams, deploying them
//! into projects, reading drift and versions across the three tiers, and
//! diffing any two tiers. The CLI and the server are thin adapters over
//! [`Engine`]; nothing here knows about terminals or HTTP.
//!
//! Reading (status, versions, diff) never writes anything.

mod adding;
pub mod audit;
mod deploying;
pub mod diff;
pub mod engine;
pub mod error;
pub mod install;
pub mod marketplace;
pub mod patch;
pub mod report;
pub mod resolve;
pub mod syncing;
pub mod team;
pub mod update;

pub use artisync_merge::{AuditFinding, AuditSeverity, ConflictHunk, ConflictKind};
pub use audit::{audit_change, AuditReport};
pub use diff::{diff_contents, diff_contents_with, FileSetDiff, Whitespace};
pub use engine::{AddRequest, Engine};
pub use error::SyncError;
pub use install::{CopyCheck, CopyState, InstallCheck, InstallReport, Installed};
pub use marketplace::{MarketplaceImport, MarketplaceListing, MarketplaceOutcome};
pub use patch::{PatchBundle, PatchFormat};
pub use report::*;
pub use resolve::{
    ConflictView, Resolution, ResolveReport, ResolveRequest, UndoPreview, UndoReport,
};
pub use syncing::{syncable, ArtifactResult, Progress, SyncReport, SyncRequest};
pub use team::{PullReport, Pulled, PushReport};
pub use update::{Held, UpdatePlan};
