//! What the engine returns: plain serialisable data, named as the --json
//! output and the API name things (`hash`, `upstream`, `collection`, `project`, status words).

use std::path::PathBuf;

use artisync_model::{ArtifactId, Kind, Metadata, ObjectId, Status, Target, Tier};
use serde::Serialize;

use crate::diff::FileSetDiff;

#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub id: ArtifactId,
    /// The upstream spec it tracks; `None` for a local artifact (imported
    /// from a plain folder), which has no upstream.
    pub source: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub commit: Option<ObjectId>,
    pub hash: ObjectId,
    /// Whether it tracks an upstream: `false` for a local artifact.
    pub upstream: bool,
    /// The plain folder (or file) it was copied from, for a local artifact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddReport {
    pub collection: String,
    pub imported: Vec<Imported>,
    pub commit: Option<ObjectId>,
    pub warnings: Vec<String>,
    /// How the spec was read, when that is not obvious (a file path taken
    /// as the skill folder holding it).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FetchReport {
    pub url: String,
    pub fetched_at: String,
    /// Set when the upstream could not be reached and the last fetch was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<String>,
    pub artifacts: Vec<ArtifactId>,
    /// Branches and tags the upstream deleted (removed from the cache),
    /// and what that means for the artifacts tracking them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deployed {
    pub id: ArtifactId,
    #[serde(skip_serializing_if = "artisync_model::target::is_claude")]
    pub target: Target,
    pub hash: ObjectId,
    pub path: PathBuf,
}

/// A copy a deploy did not make, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotDeployed {
    pub id: ArtifactId,
    pub target: Target,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployReport {
    pub project: PathBuf,
    pub collection: String,
    pub deployed: Vec<Deployed>,
    /// Copies passed by: kinds a target's layout cannot hold, and targets
    /// that already have the artifact.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<NotDeployed>,
}

/// The upstream → collection pair of one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamState {
    pub status: Status,
    /// The artifact's hash at the newest fetched commit of the tracked ref.
    pub hash: Option<ObjectId>,
    pub commit: Option<ObjectId>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub source: String,
    /// The repository the source names (one cache, one fetch time, for
    /// every artifact from it).
    pub repository: String,
    pub fetched_at: Option<String>,
    /// The base: what the collection was last synced from.
    pub synced_commit: Option<ObjectId>,
    pub synced_hash: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The collection → project pair of one artifact in one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectState {
    pub path: PathBuf,
    /// The layout this copy lives in; left out for `claude`.
    #[serde(skip_serializing_if = "artisync_model::target::is_claude")]
    pub target: Target,
    pub status: Status,
    pub hash: Option<ObjectId>,
    pub deployed_hash: Option<ObjectId>,
    pub deployed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactStatus {
    pub id: ArtifactId,
    pub kind: Kind,
    pub name: String,
    pub collection: CollectionState,
    pub upstream: Option<UpstreamState>,
    pub projects: Vec<ProjectState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionState {
    pub hash: Option<ObjectId>,
}

/// An artifact found in a project but not recorded in its lockfile.
#[derive(Debug, Clone, Serialize)]
pub struct Untracked {
    pub id: ArtifactId,
    pub path: PathBuf,
    #[serde(skip_serializing_if = "artisync_model::target::is_claude")]
    pub target: Target,
    pub hash: Option<ObjectId>,
    pub status: Status,
    pub in_collection: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub collection: String,
    /// Where the collection stands against its git remote, as last
    /// fetched; left out when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<artisync_store::RemotePosition>,
    pub artifacts: Vec<ArtifactStatus>,
    pub untracked: Vec<Untracked>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactInfo {
    pub id: ArtifactId,
    pub kind: Kind,
    pub name: String,
    pub collection: String,
    pub path: PathBuf,
    pub hash: Option<ObjectId>,
    pub metadata: Metadata,
    pub files: usize,
    pub size: u64,
    pub source: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub upstream_commit: Option<ObjectId>,
    pub upstream_hash: Option<ObjectId>,
    pub synced_at: Option<String>,
    /// The plugin marketplace it was imported through, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    /// The plugin of that marketplace it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpstreamVersion {
    pub source: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub commit: Option<ObjectId>,
    pub commit_time: Option<String>,
    pub commit_summary: Option<String>,
    pub fetched_at: Option<String>,
    pub hash: Option<ObjectId>,
    pub synced_commit: Option<ObjectId>,
    pub synced_hash: Option<ObjectId>,
    pub status: Status,
    /// Why the upstream side is unknown (e.g. its tracked branch is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionVersion {
    pub name: String,
    pub path: PathBuf,
    pub hash: Option<ObjectId>,
    pub commit: Option<ObjectId>,
    pub time: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    pub id: ArtifactId,
    pub upstream: Option<UpstreamVersion>,
    pub collection: CollectionVersion,
    pub projects: Vec<ProjectState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffSide {
    pub tier: Tier,
    pub hash: Option<ObjectId>,
    /// Which upstream commit or project path this side is.
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactDiff {
    pub id: ArtifactId,
    pub lhs: DiffSide,
    pub rhs: DiffSide,
    #[serde(flatten)]
    pub diff: FileSetDiff,
    /// What the audit finds in the change, for an upstream on the right
    /// side (line numbers are of the right side's files); suppressed
    /// findings are left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<artisync_merge::AuditFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub path: PathBuf,
    pub added_at: String,
    /// The layouts its copies live in, the first one read when a command
    /// names none.
    pub targets: Vec<Target>,
    /// Copies recorded in its lockfile, over all targets.
    pub artifacts: usize,
}

/// What `check` found in one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub id: ArtifactId,
    pub findings: Vec<artisync_model::Finding>,
}
