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

impl Metadata {
    /// Reads the front matter at the top of a Markdown document: a first
    /// line `---`, YAML, then a line `---` or `...`.
    pub fn from_markdown(text: &str) -> Metadata {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split_inclusive('\n');
        match lines.next() {
            Some(first) if first.trim_end() == "---" => {}
            _ => return Metadata::default(),
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
            return Metadata {
                warning: Some("front matter is not closed by a '---' line".into()),
                ..Metadata::default()
            };
        }
        match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&yaml) {
            Ok(serde_yaml_ng::Value::Mapping(map)) => {
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
            Ok(serde_yaml_ng::Value::Null) => Metadata::default(),
            Ok(_) => Metadata {
                warning: Some("front matter is not a YAML mapping".into()),
                ..Metadata::default()
            },
            Err(e) => Metadata {
                warning: Some(format!("malformed front matter: {e}")),
                ..Metadata::default()
            },
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
