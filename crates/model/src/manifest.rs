//! `artisync.toml`: the collection's manifest, one entry per artifact with
//! the upstream it came from and what it was last synced at.

use serde::{Deserialize, Serialize};

use crate::{ArtifactId, Kind, ModelError, Name, ObjectId, RelPath};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default = "version_one")]
    pub version: u32,
    #[serde(default, rename = "artifact", skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ManifestEntry>,
    /// Audit findings the team has reviewed and accepted, shared with the
    /// collection so everyone syncing it skips the same ones.
    #[serde(default, rename = "suppress", skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// One accepted audit finding. It silences that rule in that file only
/// while the flagged line (or, for a whole-file finding, the file) holds
/// the content it held when it was accepted: `fingerprint` is the git blob
/// id of that content, shortened, so a later edit of the line raises the
/// finding again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub artifact: ArtifactId,
    pub rule: String,
    pub file: RelPath,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn version_one() -> u32 {
    1
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            version: 1,
            artifacts: Vec::new(),
            suppressions: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub kind: Kind,
    pub name: Name,
    /// The source spec, canonical form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The tracked ref (branch, tag or commit).
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The upstream commit last synced from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_commit: Option<ObjectId>,
    /// The artifact's hash at that commit: the merge base for upstream → collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_hash: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<String>,
    /// The plugin marketplace it was imported through (its spec,
    /// canonical), for an artifact of a Claude Code plugin. Fetching and
    /// syncing go by `source` alone; this says where it was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    /// The plugin of that marketplace it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

impl ManifestEntry {
    /// An entry for an artifact with no upstream (made in a project or the
    /// collection itself).
    pub fn local(id: &ArtifactId) -> ManifestEntry {
        ManifestEntry {
            kind: id.kind,
            name: id.name.clone(),
            source: None,
            reference: None,
            upstream_commit: None,
            upstream_hash: None,
            synced_at: None,
            marketplace: None,
            plugin: None,
        }
    }

    pub fn id(&self) -> ArtifactId {
        ArtifactId::new(self.kind, self.name.clone())
    }
}

impl Manifest {
    pub fn parse(text: &str, file: &str) -> Result<Manifest, ModelError> {
        // Every manifest artisync writes holds at least `version = 1`, so a
        // file with no TOML in it was truncated or emptied, not written by
        // artisync: reading it as an empty collection would let the next
        // write drop every entry.
        if is_blank_toml(text) {
            let dir = std::path::Path::new(file)
                .parent()
                .map(|d| d.display().to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ".".into());
            let name = std::path::Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.to_string());
            return Err(ModelError::Malformed {
                file: file.to_string(),
                message: format!(
                    "the file is empty (truncated?) and nothing was changed; restore it from the collection's git history with 'git -C {dir} checkout {name}'"
                ),
            });
        }
        let m: Manifest = toml::from_str(text).map_err(|e| ModelError::Malformed {
            file: file.to_string(),
            message: format!(
                "{}; fix the file by hand or restore it from the collection's git history",
                e.message()
            ),
        })?;
        if m.version != 1 {
            return Err(ModelError::Malformed {
                file: file.to_string(),
                message: format!(
                    "version {} is not supported; this artisync reads version 1",
                    m.version
                ),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &m.artifacts {
            if !seen.insert(a.id()) {
                return Err(ModelError::Malformed {
                    file: file.to_string(),
                    message: format!("{} is listed twice; remove one entry", a.id()),
                });
            }
        }
        Ok(m)
    }

    pub fn to_toml(&self) -> String {
        let mut sorted = self.clone();
        sorted.artifacts.sort_by_key(|a| a.id());
        sorted.suppressions.sort_by(|a, b| {
            (&a.artifact, &a.file, &a.rule, &a.fingerprint).cmp(&(
                &b.artifact,
                &b.file,
                &b.rule,
                &b.fingerprint,
            ))
        });
        let body = toml::to_string_pretty(&sorted).unwrap_or_default();
        format!("# artisync collection manifest: one [[artifact]] per artifact, one [[suppress]] per accepted audit finding.\n{body}")
    }

    pub fn get(&self, id: &ArtifactId) -> Option<&ManifestEntry> {
        self.artifacts.iter().find(|a| &a.id() == id)
    }

    pub fn get_mut(&mut self, id: &ArtifactId) -> Option<&mut ManifestEntry> {
        self.artifacts.iter_mut().find(|a| &a.id() == id)
    }

    pub fn upsert(&mut self, entry: ManifestEntry) {
        match self.get_mut(&entry.id()) {
            Some(e) => *e = entry,
            None => self.artifacts.push(entry),
        }
    }
}

/// Whether `text` holds no TOML at all: only blank lines and comments.
fn is_blank_toml(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut m = Manifest::default();
        m.upsert(ManifestEntry {
            kind: Kind::Skill,
            name: Name::new("pdf").unwrap(),
            source: Some("file:///r#main:skills/pdf".into()),
            reference: Some("main".into()),
            upstream_commit: Some("ce013625030ba8dba906f756967f9e9ca394464a".parse().unwrap()),
            upstream_hash: None,
            synced_at: None,
            marketplace: Some("marketplace:acme/tools@v2".into()),
            plugin: Some("formatter".into()),
        });
        let text = m.to_toml();
        assert!(
            text.contains("marketplace = \"marketplace:acme/tools@v2\""),
            "{text}"
        );
        assert_eq!(Manifest::parse(&text, "artisync.toml").unwrap(), m);
    }

    #[test]
    fn a_new_manifest_is_never_blank_and_a_blank_one_is_refused() {
        let text = Manifest::default().to_toml();
        assert!(!is_blank_toml(&text), "{text}");
        assert_eq!(Manifest::parse(&text, "m").unwrap(), Manifest::default());
        let e = Manifest::parse("\n", "/c/default/artisync.toml").unwrap_err();
        assert!(
            e.to_string()
                .contains("git -C /c/default checkout artisync.toml"),
            "{e}"
        );
        // A manifest of an older version, without a version key, still reads.
        let old = "[[artifact]]\nkind = \"skill\"\nname = \"x\"\n";
        assert_eq!(Manifest::parse(old, "m").unwrap().artifacts.len(), 1);
    }

    #[test]
    fn suppressions_round_trip_and_refuse_unknown_fields() {
        let mut m = Manifest::default();
        m.suppressions.push(Suppression {
            artifact: "skill:pdf".parse().unwrap(),
            rule: "exfiltration".into(),
            file: RelPath::new("scripts/run.sh").unwrap(),
            fingerprint: "0123456789ab".into(),
            reason: Some("posts to our own server".into()),
        });
        m.suppressions.push(Suppression {
            artifact: "command:deploy".parse().unwrap(),
            rule: "hidden-unicode".into(),
            file: RelPath::new("deploy.md").unwrap(),
            fingerprint: "ba9876543210".into(),
            reason: None,
        });
        let text = m.to_toml();
        assert!(text.contains("[[suppress]]"), "{text}");
        assert!(text.contains("artifact = \"skill:pdf\""), "{text}");
        let back = Manifest::parse(&text, "artisync.toml").unwrap();
        // Written sorted by artifact (kind, then name), then file.
        let mut sorted = m.suppressions.clone();
        sorted.reverse();
        m.suppressions = sorted;
        assert_eq!(m.to_toml(), text);
        assert_eq!(back.suppressions.len(), 2);
        assert_eq!(back.suppressions[0].artifact.to_string(), "skill:pdf");
        assert_eq!(back.suppressions[1].reason, None);
        assert_eq!(back.to_toml(), text);
        for bad in [
            "[[suppress]]\nartifact = \"skill:x\"\nrule = \"r\"\nfile = \"a\"\nfingerprint = \"f\"\nline = 3\n",
            "[[suppress]]\nartifact = \"skill:x\"\nrule = \"r\"\nfile = \"../a\"\nfingerprint = \"f\"\n",
            "[[suppress]]\nartifact = \"nope\"\nrule = \"r\"\nfile = \"a\"\nfingerprint = \"f\"\n",
            "[[suppress]]\nartifact = \"skill:x\"\nrule = \"r\"\nfile = \"a\"\n",
        ] {
            let e = Manifest::parse(bad, "artisync.toml").unwrap_err();
            assert!(e.to_string().starts_with("malformed artisync.toml"), "{bad}: {e}");
        }
    }

    #[test]
    fn malformed() {
        for bad in [
            "version = ",
            "[[artifact]]\nkind = \"skill\"\nname = \"../x\"\n",
            "[[artifact]]\nkind = \"hook\"\nname = \"x\"\n",
            "[[artifact]]\nkind = \"skill\"\nname = \"x\"\n[[artifact]]\nkind = \"skill\"\nname = \"x\"\n",
            "version = 9\n",
            "",
            "  \n\t\n",
            "# artisync collection manifest: one [[artifact]] per artifact.\n",
            "[[artifact]]\nkind = \"skill\"\nname = \"x\"\nupstream_hash = \"zz\"\n",
        ] {
            let e = Manifest::parse(bad, "artisync.toml").unwrap_err();
            assert!(e.to_string().starts_with("malformed artisync.toml"), "{e}");
        }
    }
}
