//! The closed sets of a sync, named exactly as the CLI's
//! --json output and the API name them on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    UpstreamToCollection,
    CollectionToProject,
    ProjectToCollection,
    ProjectToUpstream,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::UpstreamToCollection,
        Direction::CollectionToProject,
        Direction::ProjectToCollection,
        Direction::ProjectToUpstream,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::UpstreamToCollection => "upstream_to_collection",
            Direction::CollectionToProject => "collection_to_project",
            Direction::ProjectToCollection => "project_to_collection",
            Direction::ProjectToUpstream => "project_to_upstream",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Direction::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| ModelError::InvalidChoice {
                what: "direction",
                value: s.to_string(),
                choices: "upstream_to_collection, collection_to_project, project_to_collection or project_to_upstream",
            })
    }
}

/// How to settle an artifact that changed on both sides: merge (`auto`),
/// keep the destination (`ours`) or take the source (`theirs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    #[default]
    Auto,
    Ours,
    Theirs,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Ours => "ours",
            Strategy::Theirs => "theirs",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Strategy {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Strategy::Auto),
            "ours" => Ok(Strategy::Ours),
            "theirs" => Ok(Strategy::Theirs),
            _ => Err(ModelError::InvalidChoice {
                what: "strategy",
                value: s.to_string(),
                choices: "auto, ours or theirs",
            }),
        }
    }
}

/// What a sync did (or, in a dry run, would do) to one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Updated,
    Merged,
    Unchanged,
    Conflict,
    Skipped,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Updated => "updated",
            Outcome::Merged => "merged",
            Outcome::Unchanged => "unchanged",
            Outcome::Conflict => "conflict",
            Outcome::Skipped => "skipped",
            Outcome::Error => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
