//! The drift table: a pure function of three hashes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ObjectId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InSync,
    Behind,
    Ahead,
    Diverged,
    Missing,
    Untracked,
    Conflict,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InSync => "in_sync",
            Status::Behind => "behind",
            Status::Ahead => "ahead",
            Status::Diverged => "diverged",
            Status::Missing => "missing",
            Status::Untracked => "untracked",
            Status::Conflict => "conflict",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of a source → destination pair from the base recorded at their
/// last sync and their current hashes (`None`: absent).
///
/// Equal source and destination are in sync whatever the base says; a
/// destination without a recorded base is untracked.
pub fn drift(base: Option<ObjectId>, source: Option<ObjectId>, dest: Option<ObjectId>) -> Status {
    let (Some(source), Some(dest)) = (source, dest) else {
        return Status::Missing;
    };
    let Some(base) = base else {
        return Status::Untracked;
    };
    if source == dest {
        return Status::InSync;
    }
    match (source != base, dest != base) {
        (false, false) => Status::InSync,
        (true, false) => Status::Behind,
        (false, true) => Status::Ahead,
        (true, true) => Status::Diverged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob_id;

    #[test]
    fn table() {
        let (a, b, c) = (blob_id(b"a"), blob_id(b"b"), blob_id(b"c"));
        let cases = [
            (Some(a), Some(a), Some(a), Status::InSync),
            (Some(a), Some(b), Some(a), Status::Behind),
            (Some(a), Some(a), Some(b), Status::Ahead),
            (Some(a), Some(b), Some(c), Status::Diverged),
            (Some(a), Some(b), Some(b), Status::InSync),
            (Some(a), Some(a), None, Status::Missing),
            (Some(a), None, Some(a), Status::Missing),
            (None, Some(a), Some(b), Status::Untracked),
            (None, Some(a), Some(a), Status::Untracked),
        ];
        for (base, src, dst, want) in cases {
            assert_eq!(drift(base, src, dst), want, "{base:?} {src:?} {dst:?}");
        }
    }
}

/// The three tiers, named as the CLI and the API name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Upstream,
    Collection,
    Project,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Upstream => "upstream",
            Tier::Collection => "collection",
            Tier::Project => "project",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Tier {
    type Err = crate::ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "upstream" => Ok(Tier::Upstream),
            "collection" => Ok(Tier::Collection),
            "project" => Ok(Tier::Project),
            _ => Err(crate::ModelError::InvalidTier(s.to_string())),
        }
    }
}

/// Where a sync writes: the collection (by name) or one copy in a project
/// (by path and target; `target` is left out for `claude`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "tier", rename_all = "snake_case")]
pub enum Destination {
    Collection {
        name: String,
    },
    Project {
        path: std::path::PathBuf,
        #[serde(
            default = "crate::Target::default_one",
            skip_serializing_if = "crate::target::is_claude"
        )]
        target: crate::Target,
    },
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Collection { name } => write!(f, "collection '{name}'"),
            Destination::Project {
                path,
                target: crate::Target::Claude,
            } => write!(f, "project {}", path.display()),
            Destination::Project { path, target } => {
                write!(f, "project {} ({target} copy)", path.display())
            }
        }
    }
}

impl Destination {
    /// A stable key for locks and records.
    pub fn key(&self) -> String {
        match self {
            Destination::Collection { name } => format!("collection:{name}"),
            // Claude copies keep the key they had before targets existed,
            // so conflicts staged then are still found.
            Destination::Project {
                path,
                target: crate::Target::Claude,
            } => format!("project:{}", path.display()),
            Destination::Project { path, target } => {
                format!("project:{}#{target}", path.display())
            }
        }
    }
}
