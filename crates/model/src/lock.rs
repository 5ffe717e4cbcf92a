//! `.claude/artisync.lock`: what was deployed into a project, per copy
//! (artifact and target), at which hash (the merge base for collection ↔
//! project), from which source and upstream commit, and when. Users commit
//! it; `artisync install --frozen` recreates a project from it.

use serde::{Deserialize, Serialize};

use crate::target::is_claude;
use crate::{ArtifactId, Kind, ModelError, Name, ObjectId, Target};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    #[serde(default = "version_one")]
    pub version: u32,
    #[serde(default, rename = "artifact", skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<LockEntry>,
}

fn version_one() -> u32 {
    1
}

impl Default for Lockfile {
    fn default() -> Self {
        Lockfile {
            version: 1,
            artifacts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    pub kind: Kind,
    pub name: Name,
    /// The layout this copy lives in; left out for `claude`, so lockfiles
    /// of Claude-only projects read as they always did.
    #[serde(default = "Target::default_one", skip_serializing_if = "is_claude")]
    pub target: Target,
    pub collection: String,
    /// The copy's content when artisync last wrote or took it: the merge
    /// base of the next sync, and what a frozen install recreates.
    pub hash: ObjectId,
    /// The upstream source spec of the collection's artifact, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The upstream commit whose content `hash` is, when the copy is exactly
    /// what that upstream commit holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<ObjectId>,
    pub deployed_at: String,
}

impl LockEntry {
    pub fn id(&self) -> ArtifactId {
        ArtifactId::new(self.kind, self.name.clone())
    }

    /// The order entries are written in: by artifact, then target.
    fn key(&self) -> (ArtifactId, Target) {
        (self.id(), self.target)
    }
}

impl Lockfile {
    pub fn parse(text: &str, file: &str) -> Result<Lockfile, ModelError> {
        let l: Lockfile = toml::from_str(text).map_err(|e| ModelError::Malformed {
            file: file.to_string(),
            message: format!(
                "{}; fix the file or restore it from the project's git history",
                e.message()
            ),
        })?;
        if l.version != 1 {
            return Err(ModelError::Malformed {
                file: file.to_string(),
                message: format!(
                    "version {} is not supported; this artisync reads version 1",
                    l.version
                ),
            });
        }
        Ok(l)
    }

    pub fn to_toml(&self) -> String {
        let mut sorted = self.clone();
        // Sorted, one `[[artifact]]` block per copy: two branches that
        // deploy different artifacts touch different blocks, so git merges
        // the file without a conflict.
        sorted.artifacts.sort_by_key(LockEntry::key);
        let body = toml::to_string_pretty(&sorted).unwrap_or_default();
        format!("# Written by artisync: what is deployed here and at which hash. Commit this file.\n{body}")
    }

    /// The entry of `id`'s copy in `target`.
    pub fn get(&self, id: &ArtifactId, target: Target) -> Option<&LockEntry> {
        self.artifacts
            .iter()
            .find(|a| &a.id() == id && a.target == target)
    }

    pub fn upsert(&mut self, entry: LockEntry) {
        let key = entry.key();
        match self.artifacts.iter_mut().find(|a| a.key() == key) {
            Some(e) => *e = entry,
            None => self.artifacts.push(entry),
        }
    }

    /// Removes the entry of `id`'s copy in `target`; whether there was one.
    pub fn remove(&mut self, id: &ArtifactId, target: Target) -> bool {
        let before = self.artifacts.len();
        self.artifacts
            .retain(|a| !(&a.id() == id && a.target == target));
        self.artifacts.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut l = Lockfile {
            version: 1,
            artifacts: vec![],
        };
        l.upsert(LockEntry {
            kind: Kind::Command,
            name: Name::new("review").unwrap(),
            target: Target::Claude,
            collection: "default".into(),
            hash: "ce013625030ba8dba906f756967f9e9ca394464a".parse().unwrap(),
            source: None,
            commit: None,
            deployed_at: "2026-01-01T00:00:00Z".into(),
        });
        assert_eq!(Lockfile::parse(&l.to_toml(), "x").unwrap(), l);
        // A claude copy is written as before targets existed.
        assert!(!l.to_toml().contains("target"));
        let mut agents = l.artifacts[0].clone();
        agents.kind = Kind::Skill;
        agents.target = Target::Agents;
        l.upsert(agents.clone());
        let mut claude = agents.clone();
        claude.target = Target::Claude;
        l.upsert(claude);
        assert_eq!(l.artifacts.len(), 3);
        let text = l.to_toml();
        assert!(text.contains("target = \"agents\""), "{text}");
        let back = Lockfile::parse(&text, "x").unwrap();
        assert_eq!(back.get(&agents.id(), Target::Agents), Some(&agents));
        // Sorted by artifact (skills first), then target.
        let order: Vec<_> = back
            .artifacts
            .iter()
            .map(|a| (a.id().to_string(), a.target))
            .collect();
        assert_eq!(order[0], ("skill:review".into(), Target::Claude));
        assert_eq!(order[1], ("skill:review".into(), Target::Agents));
        assert_eq!(order[2], ("command:review".into(), Target::Claude));
        assert!(l.remove(&agents.id(), Target::Agents));
        assert!(l.get(&agents.id(), Target::Agents).is_none());
        assert!(Lockfile::parse("[[artifact]]\nkind=1", "x").is_err());
    }
}
