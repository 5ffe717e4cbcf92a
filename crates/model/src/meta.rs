//! Title and description from an artifact's YAML front matter. Malformed
//! front matter is a warning carried in the result, never an error.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Why a document's front matter could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrontMatterError {
    /// No closing `---` (or `...`) line.
    NotClosed,
    /// YAML, but not a mapping of fields.
    NotMapping,
    /// Not YAML at all; the parser's message.
    Invalid(String),
}

/// The front matter at the top of a Markdown document: a first line `---`,
/// YAML, then a line `---` or `...`. `Ok(None)` when there is none; an
/// empty block is an empty mapping.
pub(crate) fn front_matter(text: &str) -> Result<Option<serde_yaml_ng::Mapping>, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {}
        _ => return Ok(None),
    }
    let mut yaml = String::new();
    let mut closed = false;
    for line in lines {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            closed = true;
            break;
        }
        yaml.push_str(line);
    }
    if !closed {
        return Err(FrontMatterError::NotClosed);
    }
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&yaml) {
        Ok(serde_yaml_ng::Value::Mapping(m)) => Ok(Some(m)),
        Ok(serde_yaml_ng::Value::Null) => Ok(Some(serde_yaml_ng::Mapping::new())),
        Ok(_) => Err(FrontMatterError::NotMapping),
        Err(e) => Err(FrontMatterError::Invalid(e.to_string())),
    }
}

impl Metadata {
    /// Reads the title and description from a Markdown document's front
    /// matter (see [`front_matter`]).
    pub fn from_markdown(text: &str) -> Metadata {
        let warning = |w: String| Metadata {
            warning: Some(w),
            ..Metadata::default()
        };
        let map = match front_matter(text) {
            Ok(Some(map)) => map,
            Ok(None) => return Metadata::default(),
            Err(FrontMatterError::NotClosed) => {
                return warning("front matter is not closed by a '---' line".into())
            }
            Err(FrontMatterError::NotMapping) => {
                return warning("front matter is not a YAML mapping".into())
            }
            Err(FrontMatterError::Invalid(e)) => {
                return warning(format!("malformed front matter: {e}"))
            }
        };
        let get = |k: &str| {
            map.get(k).and_then(|v| match v {
                serde_yaml_ng::Value::String(s) => Some(s.trim().to_string()),
                serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        Metadata {
            title: get("title").or_else(|| get("name")),
            description: get("description"),
            warning: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields() {
        let m = Metadata::from_markdown("---\nname: pdf\ndescription: Read PDFs\n---\n# PDF\n");
        assert_eq!(m.title.as_deref(), Some("pdf"));
        assert_eq!(m.description.as_deref(), Some("Read PDFs"));
        assert!(m.warning.is_none());
    }

    #[test]
    fn crlf_and_bom() {
        let m = Metadata::from_markdown("\u{feff}---\r\ntitle: T\r\n---\r\nbody");
        assert_eq!(m.title.as_deref(), Some("T"));
    }

    #[test]
    fn malformed_is_a_warning() {
        let m = Metadata::from_markdown("---\nname: [unclosed\n---\n");
        assert!(m.warning.unwrap().contains("malformed"));
        let m = Metadata::from_markdown("---\nname: x\n");
        assert!(m.warning.is_some());
        let m = Metadata::from_markdown("- a list\n");
        assert_eq!(m, Metadata::default());
    }
}
