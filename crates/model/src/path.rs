//! `RelPath`: a path inside some root that provably cannot leave it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A relative, normalised path with `/` separators: no empty, `.` or `..`
/// components, not absolute, no NUL or backslash. The empty path is the root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RelPath(String);

impl RelPath {
    pub fn root() -> Self {
        RelPath(String::new())
    }

    pub fn new(path: &str) -> Result<Self, ModelError> {
        let bad = |reason: &str| ModelError::InvalidPath {
            path: shorten(path),
            reason: reason.to_string(),
        };
        let trimmed = path.trim_end_matches('/');
        if trimmed.is_empty() {
            return if path.starts_with('/') {
                Err(bad("absolute paths are not allowed"))
            } else {
                Ok(Self::root())
            };
        }
        if trimmed.starts_with('/') {
            return Err(bad("absolute paths are not allowed"));
        }
        if trimmed.contains('\0') || trimmed.contains('\\') {
            return Err(bad("NUL and backslash are not allowed"));
        }
        // Far beyond any real artifact; bounds the work (and recursion in
        // tree hashing) a hostile path can cause.
        if trimmed.len() > 4096 || trimmed.bytes().filter(|b| *b == b'/').count() >= 256 {
            return Err(bad("longer than 4096 bytes or deeper than 256 folders"));
        }
        for comp in trimmed.split('/') {
            match comp {
                "" => return Err(bad("empty path component")),
                "." | ".." => return Err(bad("'.' and '..' are not allowed")),
                _ => {}
            }
        }
        Ok(RelPath(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// The last component, or "" for the root.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    pub fn parent(&self) -> RelPath {
        match self.0.rfind('/') {
            Some(i) => RelPath(self.0[..i].to_string()),
            None => RelPath::root(),
        }
    }

    pub fn join(&self, other: &RelPath) -> RelPath {
        match (self.is_root(), other.is_root()) {
            (true, _) => other.clone(),
            (_, true) => self.clone(),
            _ => RelPath(format!("{}/{}", self.0, other.0)),
        }
    }

    /// Joins one validated component.
    pub fn child(&self, name: &str) -> Result<RelPath, ModelError> {
        self.join_str(name)
    }

    pub fn join_str(&self, rest: &str) -> Result<RelPath, ModelError> {
        Ok(self.join(&RelPath::new(rest)?))
    }

    /// `self` with `prefix` removed, if `self` lies under `prefix`.
    pub fn strip_prefix(&self, prefix: &RelPath) -> Option<RelPath> {
        if prefix.is_root() {
            return Some(self.clone());
        }
        if self.0 == prefix.0 {
            return Some(RelPath::root());
        }
        self.0
            .strip_prefix(&prefix.0)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| RelPath(rest.to_string()))
    }
}

/// `path`, cut to a readable length for an error message.
fn shorten(path: &str) -> String {
    match path.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &path[..i]),
        None => path.to_string(),
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RelPath {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RelPath::new(&value)
    }
}

impl From<RelPath> for String {
    fn from(value: RelPath) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_normal_paths() {
        assert_eq!(RelPath::new("a/b.md").unwrap().as_str(), "a/b.md");
        assert_eq!(RelPath::new("skills/").unwrap().as_str(), "skills");
        assert!(RelPath::new("").unwrap().is_root());
    }

    #[test]
    fn refuses_escapes() {
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "a\0b",
            "/",
        ] {
            assert!(RelPath::new(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn prefix_handling() {
        let p = RelPath::new("skills/pdf/SKILL.md").unwrap();
        let pre = RelPath::new("skills/pdf").unwrap();
        assert_eq!(p.strip_prefix(&pre).unwrap().as_str(), "SKILL.md");
        assert!(RelPath::new("skills/pdfx")
            .unwrap()
            .strip_prefix(&pre)
            .is_none());
        assert_eq!(p.parent().as_str(), "skills/pdf");
        assert_eq!(p.file_name(), "SKILL.md");
    }
}
