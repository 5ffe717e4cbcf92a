//! Artifact kinds, names and ids (`kind:name`), and where each kind lives.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ModelError, RelPath};

/// The closed set of artifact kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Skill,
    Command,
    Agent,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Skill, Kind::Command, Kind::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Skill => "skill",
            Kind::Command => "command",
            Kind::Agent => "agent",
        }
    }

    /// The folder that holds this kind, both in a collection and under a
    /// project's `.claude/`.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Skill => "skills",
            Kind::Command => "commands",
            Kind::Agent => "agents",
        }
    }

    /// The kind whose folder is `folder` (`skills` → skill).
    pub fn from_folder(folder: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.folder() == folder)
    }

    /// Skills are directories; commands and agents are single Markdown files.
    pub fn shape(self) -> crate::Shape {
        match self {
            Kind::Skill => crate::Shape::Dir,
            Kind::Command | Kind::Agent => crate::Shape::File,
        }
    }

    /// The file that carries the front matter: `SKILL.md` inside a skill, the
    /// file itself otherwise.
    pub fn metadata_file(self, name: &Name) -> String {
        match self {
            Kind::Skill => "SKILL.md".to_string(),
            Kind::Command | Kind::Agent => format!("{name}.md"),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "skill" | "skills" => Ok(Kind::Skill),
            "command" | "commands" => Ok(Kind::Command),
            "agent" | "agents" => Ok(Kind::Agent),
            _ => Err(ModelError::InvalidKind(s.to_string())),
        }
    }
}

/// An artifact name: `[a-z0-9][a-z0-9._-]{0,63}`. A valid name is always a
/// single, harmless path component.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub fn new(s: &str) -> Result<Self, ModelError> {
        let bytes = s.as_bytes();
        let first_ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok = bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
        if first_ok && rest_ok && bytes.len() <= 64 {
            Ok(Name(s.to_string()))
        } else {
            Err(ModelError::InvalidName(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Name {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Name::new(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

/// `kind:name`, e.g. `skill:pdf`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactId {
    pub kind: Kind,
    pub name: Name,
}

impl ArtifactId {
    pub fn new(kind: Kind, name: Name) -> Self {
        ArtifactId { kind, name }
    }

    /// Where the artifact lives relative to a collection root or a project's
    /// `.claude/` folder: `skills/pdf`, `commands/review.md`.
    pub fn rel_path(&self) -> RelPath {
        let s = match self.kind {
            Kind::Skill => format!("{}/{}", self.kind.folder(), self.name),
            Kind::Command | Kind::Agent => format!("{}/{}.md", self.kind.folder(), self.name),
        };
        // A valid name is one safe component, so this cannot fail.
        RelPath::new(&s).unwrap_or_default()
    }
}

impl fmt::Display for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.name)
    }
}

impl FromStr for ArtifactId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) = s
            .split_once(':')
            .ok_or_else(|| ModelError::InvalidId(s.to_string()))?;
        let kind = match kind {
            "skill" => Kind::Skill,
            "command" => Kind::Command,
            "agent" => Kind::Agent,
            _ => return Err(ModelError::InvalidId(s.to_string())),
        };
        Ok(ArtifactId {
            kind,
            name: Name::new(name)?,
        })
    }
}

impl TryFrom<String> for ArtifactId {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ArtifactId> for String {
    fn from(value: ArtifactId) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["pdf", "a", "0x", "my-skill.v2_b", &"a".repeat(64)] {
            assert!(Name::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-x",
            ".x",
            "..",
            "A",
            "a/b",
            "a b",
            "é",
            &"a".repeat(65),
        ] {
            assert!(Name::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_round_trip() {
        let id: ArtifactId = "skill:pdf".parse().unwrap();
        assert_eq!(id.to_string(), "skill:pdf");
        assert_eq!(id.rel_path().as_str(), "skills/pdf");
        let id: ArtifactId = "command:review".parse().unwrap();
        assert_eq!(id.rel_path().as_str(), "commands/review.md");
        for bad in ["pdf", "skills:pdf", "skill:", "skill:../x", "hook:x"] {
            assert!(bad.parse::<ArtifactId>().is_err(), "{bad}");
        }
    }
}
