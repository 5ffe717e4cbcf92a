//! `.claude/artisync.lock`: what was deployed into a project, at which hash
//! (the merge base for collection ↔ project) and when. Users commit it.

use serde::{Deserialize, Serialize};

use crate::{ArtifactId, Kind, ModelError, Name, ObjectId};

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
    pub collection: String,
    /// The hash deployed: the merge base of the next sync.
    pub hash: ObjectId,
    pub deployed_at: String,
}

impl LockEntry {
    pub fn id(&self) -> ArtifactId {
        ArtifactId::new(self.kind, self.name.clone())
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
        sorted.artifacts.sort_by_key(|a| a.id());
        let body = toml::to_string_pretty(&sorted).unwrap_or_default();
        format!("# Written by artisync: what is deployed here and at which hash. Commit this file.\n{body}")
    }

    pub fn get(&self, id: &ArtifactId) -> Option<&LockEntry> {
        self.artifacts.iter().find(|a| &a.id() == id)
    }

    pub fn upsert(&mut self, entry: LockEntry) {
        let id = entry.id();
        match self.artifacts.iter_mut().find(|a| a.id() == id) {
            Some(e) => *e = entry,
            None => self.artifacts.push(entry),
        }
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
            collection: "default".into(),
            hash: "ce013625030ba8dba906f756967f9e9ca394464a".parse().unwrap(),
            deployed_at: "2026-01-01T00:00:00Z".into(),
        });
        assert_eq!(Lockfile::parse(&l.to_toml(), "x").unwrap(), l);
        assert!(Lockfile::parse("[[artifact]]\nkind=1", "x").is_err());
    }
}
