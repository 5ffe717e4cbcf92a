//! Source specs: where an upstream artifact comes from.
//!
//! Four forms are accepted:
//! `github:owner/repo/path/in/repo@ref`, `https://host/x.git#ref:path`,
//! `file:///abs/repo#ref:path`, and a plain local path to a repository (or to
//! a folder inside one, optionally followed by `#ref:path`).

use std::fmt;
use std::path::PathBuf;

use crate::{ModelError, RelPath};

/// Where the repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A URL git can fetch from (`https://…`, `file://…`).
    Url(String),
    /// A local path as the user typed it; the path inside the repository is
    /// found by discovering the repository above it.
    Local(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    pub location: Location,
    /// Branch, tag or commit; `None` tracks the repository's default branch.
    pub reference: Option<String>,
    /// Path inside the repository; the root when empty.
    pub path: RelPath,
    /// `(owner, repo)` for `github:` specs, used for links to the hosting site.
    pub github: Option<(String, String)>,
}

fn bad(spec: &str, reason: &str) -> ModelError {
    ModelError::InvalidSpec {
        spec: spec.to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) fn valid_ref(spec: &str, r: &str) -> Result<Option<String>, ModelError> {
    if r.is_empty() {
        return Ok(None);
    }
    let ok = !r.starts_with('-')
        && !r.contains("..")
        && !r.ends_with('/')
        && !r.ends_with(".lock")
        && r.chars().all(|c| {
            !c.is_control() && !matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
        });
    if ok {
        Ok(Some(r.to_string()))
    } else {
        Err(bad(spec, &format!("{r:?} is not a valid git ref name")))
    }
}

pub(crate) fn valid_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Splits `#ref:path` (or `#ref`, or `#:path`) off a URL or local path.
fn split_fragment(spec: &str, s: &str) -> Result<(String, Option<String>, RelPath), ModelError> {
    match s.split_once('#') {
        None => Ok((s.to_string(), None, RelPath::root())),
        Some((base, frag)) => {
            let (r, p) = frag.split_once(':').unwrap_or((frag, ""));
            let path = RelPath::new(p).map_err(|e| bad(spec, &e.to_string()))?;
            Ok((base.to_string(), valid_ref(spec, r)?, path))
        }
    }
}

impl SourceSpec {
    pub fn parse(spec: &str) -> Result<Self, ModelError> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(bad(spec, "it is empty; use github:OWNER/REPO[/PATH][@REF], https://HOST/REPO.git#REF:PATH, file:///ABS/REPO#REF:PATH or a local path"));
        }
        if let Some(rest) = spec.strip_prefix("github:") {
            let (body, r) = match rest.rsplit_once('@') {
                Some((b, r)) => (b, valid_ref(spec, r)?),
                None => (rest, None),
            };
            let mut parts = body.splitn(3, '/');
            let owner = parts.next().unwrap_or("");
            let repo = parts.next().unwrap_or("");
            if !valid_segment(owner) || !valid_segment(repo) {
                return Err(bad(spec, "expected github:OWNER/REPO[/PATH][@REF]"));
            }
            let repo = repo.trim_end_matches(".git");
            let path =
                RelPath::new(parts.next().unwrap_or("")).map_err(|e| bad(spec, &e.to_string()))?;
            return Ok(SourceSpec {
                location: Location::Url(format!("https://github.com/{owner}/{repo}.git")),
                reference: r,
                path,
                github: Some((owner.to_string(), repo.to_string())),
            });
        }
        if let Some(rest) = spec.strip_prefix("file://") {
            let (base, r, path) = split_fragment(spec, rest)?;
            if !base.starts_with('/') {
                return Err(bad(
                    spec,
                    "file:// URLs need an absolute path: file:///abs/repo#REF:PATH",
                ));
            }
            return Ok(SourceSpec {
                location: Location::Url(format!("file://{base}")),
                reference: r,
                path,
                github: None,
            });
        }
        if spec.starts_with("https://") || spec.starts_with("http://") {
            let (base, r, path) = split_fragment(spec, spec)?;
            let host_and_path = base.split_once("://").map(|x| x.1).unwrap_or("");
            let (host, repo_path) = host_and_path.split_once('/').unwrap_or((host_and_path, ""));
            if host.is_empty() || repo_path.trim_matches('/').is_empty() {
                return Err(bad(spec, "expected https://HOST/REPO[.git][#REF:PATH]"));
            }
            let github = host
                .eq_ignore_ascii_case("github.com")
                .then(|| {
                    let mut it = repo_path.trim_end_matches(".git").splitn(2, '/');
                    Some((it.next()?.to_string(), it.next()?.to_string()))
                })
                .flatten();
            return Ok(SourceSpec {
                location: Location::Url(base),
                reference: r,
                path,
                github,
            });
        }
        if let Some((scheme, _)) = spec.split_once("://") {
            return Err(bad(
                spec,
                &format!(
                    "the {scheme}:// scheme is not supported; use https://, file:// or github:"
                ),
            ));
        }
        let (base, r, path) = split_fragment(spec, spec)?;
        if base.is_empty() {
            return Err(bad(spec, "the repository path is empty"));
        }
        Ok(SourceSpec {
            location: Location::Local(PathBuf::from(base)),
            reference: r,
            path,
            github: None,
        })
    }

    /// The canonical text of a spec whose location is a URL.
    pub fn to_canonical(&self) -> String {
        self.to_string()
    }

    pub fn with_path(&self, path: RelPath) -> Self {
        SourceSpec {
            path,
            ..self.clone()
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((owner, repo)) = &self.github {
            if matches!(&self.location, Location::Url(u) if u == &format!("https://github.com/{owner}/{repo}.git"))
            {
                write!(f, "github:{owner}/{repo}")?;
                if !self.path.is_root() {
                    write!(f, "/{}", self.path)?;
                }
                if let Some(r) = &self.reference {
                    write!(f, "@{r}")?;
                }
                return Ok(());
            }
        }
        match &self.location {
            Location::Url(u) => f.write_str(u)?,
            Location::Local(p) => f.write_str(&p.to_string_lossy())?,
        }
        if self.reference.is_some() || !self.path.is_root() {
            write!(f, "#{}", self.reference.as_deref().unwrap_or(""))?;
            if !self.path.is_root() {
                write!(f, ":{}", self.path)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github() {
        let s = SourceSpec::parse("github:anthropics/skills/skills/pdf@main").unwrap();
        assert_eq!(
            s.location,
            Location::Url("https://github.com/anthropics/skills.git".into())
        );
        assert_eq!(s.reference.as_deref(), Some("main"));
        assert_eq!(s.path.as_str(), "skills/pdf");
        assert_eq!(s.to_string(), "github:anthropics/skills/skills/pdf@main");
        let s = SourceSpec::parse("github:o/r").unwrap();
        assert!(s.path.is_root() && s.reference.is_none());
    }

    #[test]
    fn https_and_file() {
        let s = SourceSpec::parse("https://example.com/x.git#v1:skills/pdf").unwrap();
        assert_eq!(
            s.location,
            Location::Url("https://example.com/x.git".into())
        );
        assert_eq!(s.reference.as_deref(), Some("v1"));
        assert_eq!(s.path.as_str(), "skills/pdf");
        assert_eq!(s.to_string(), "https://example.com/x.git#v1:skills/pdf");
        let s = SourceSpec::parse("file:///srv/repo#:commands/a.md").unwrap();
        assert_eq!(s.location, Location::Url("file:///srv/repo".into()));
        assert_eq!(s.reference, None);
        assert_eq!(s.to_string(), "file:///srv/repo#:commands/a.md");
    }

    #[test]
    fn local() {
        let s = SourceSpec::parse("../up/skills").unwrap();
        assert_eq!(s.location, Location::Local("../up/skills".into()));
        let s = SourceSpec::parse("/r#dev:skills").unwrap();
        assert_eq!(s.reference.as_deref(), Some("dev"));
    }

    #[test]
    fn errors_are_precise() {
        for bad in [
            "",
            "github:",
            "github:owner",
            "github:o/r/../x",
            "github:o/r@bad ref",
            "file://relative/repo",
            "https://",
            "ftp://x/y",
            "file:///r#main:/abs",
            "/r#ma..in:x",
        ] {
            let e = SourceSpec::parse(bad).unwrap_err();
            assert!(e.to_string().contains("invalid source spec"), "{bad}: {e}");
        }
    }
}
