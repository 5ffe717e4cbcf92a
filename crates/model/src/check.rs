//! Checks of an artifact's front matter against the Agent Skills format
//! (agentskills.io), which Claude Code and other agents read:
//! - `name`: 1–64 characters of `a-z`, `0-9` and `-`, not starting or
//!   ending with `-`, no `--`, and equal to the skill's folder name;
//! - `description`: 1–1024 characters;
//! - `compatibility`: at most 500 characters;
//! - `metadata`: a map of strings to strings.
//!
//! Commands and agents are single Markdown files whose front matter is
//! optional; for them only a front matter that cannot be read is reported.
//! Findings are data: each names its field and says what to change. A
//! front matter that cannot be read, or a skill without a description, is
//! refused on import: no agent can use it. Everything else only warns.
//!
//! Fields outside the format (`model`, `hooks`, …) are read by Claude Code
//! only; a skill deployed to another target gets a warning for each.

use serde::Serialize;

use crate::meta::FrontMatterError;
use crate::{Kind, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Agents may refuse or misread the artifact.
    Error,
    /// Allowed, but unlike what the format asks for.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The front-matter field, or `front matter` for the block itself.
    pub field: String,
    pub message: String,
    /// Whether `add` refuses an artifact with this finding: its front
    /// matter cannot be read, or a skill has no description.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub refuses_import: bool,
}

fn error(field: &str, message: String) -> Finding {
    Finding {
        severity: Severity::Error,
        field: field.into(),
        message,
        refuses_import: false,
    }
}

/// An error no agent can work with: `add` refuses it.
fn unusable(field: &str, message: String) -> Finding {
    Finding {
        refuses_import: true,
        ..error(field, message)
    }
}

fn warning(field: &str, message: String) -> Finding {
    Finding {
        severity: Severity::Warning,
        field: field.into(),
        message,
        refuses_import: false,
    }
}

/// The fields the Agent Skills format defines; any other is an agent's own.
const FORMAT_FIELDS: [&str; 6] = [
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

/// Warnings for the fields of a skill's front matter that only Claude Code
/// reads, when the skill is deployed to `targets` other than `claude`.
/// Commands and agents go to the claude layout only; an unreadable front
/// matter is `check_artifact`'s finding.
pub fn target_findings(kind: Kind, text: &str, targets: &[Target]) -> Vec<Finding> {
    let others: Vec<&str> = targets
        .iter()
        .filter(|t| **t != Target::Claude)
        .map(|t| t.as_str())
        .collect();
    if kind != Kind::Skill || others.is_empty() {
        return Vec::new();
    }
    let Ok(Some(fm)) = front_matter(text) else {
        return Vec::new();
    };
    fm.keys()
        .filter_map(|k| k.as_str())
        .filter(|k| !FORMAT_FIELDS.contains(k))
        .map(|k| {
            warning(
                k,
                format!(
                    "is read by Claude Code only, not by the Agent Skills format the {} target{} follow{}; the skill must work without it there",
                    others.join(", "),
                    if others.len() == 1 { "" } else { "s" },
                    if others.len() == 1 { "s" } else { "" },
                ),
            )
        })
        .collect()
}

/// The front matter as a mapping (`None`: there is none), or why it
/// cannot be read, in words.
fn front_matter(text: &str) -> Result<Option<serde_yaml_ng::Mapping>, String> {
    crate::meta::front_matter(text).map_err(|e| match e {
        FrontMatterError::NotClosed => "the front matter is not closed by a '---' line".into(),
        FrontMatterError::NotMapping => "the front matter is not a YAML mapping of fields".into(),
        FrontMatterError::Invalid(e) => format!("the front matter is not valid YAML: {e}"),
    })
}

/// Whether `name` is a valid skill name (the format's rule, without the
/// folder-name check).
fn name_problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if len == 0 || len > 64 {
        return Some(format!("is {len} characters long; use 1 to 64"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "holds {c:?}; use only lower-case letters a-z, digits and '-'"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("starts or ends with '-'".into());
    }
    if name.contains("--") {
        return Some("holds '--'; use single hyphens".into());
    }
    None
}

/// Checks an artifact's main Markdown file (`SKILL.md` for a skill);
/// `folder` is the skill's folder name (its name in the collection).
pub fn check_artifact(kind: Kind, folder: &str, text: &str) -> Vec<Finding> {
    let fm = match front_matter(text) {
        Ok(fm) => fm,
        Err(e) => return vec![unusable("front matter", e)],
    };
    if kind != Kind::Skill {
        return Vec::new();
    }
    let Some(fm) = fm else {
        return vec![unusable(
            "front matter",
            "SKILL.md has no front matter; start it with '---', 'name:' and 'description:' lines and a closing '---'".into(),
        )];
    };
    let mut out = Vec::new();
    let text_of = |key: &str| -> Option<Result<String, ()>> {
        fm.get(key).map(|v| match v {
            serde_yaml_ng::Value::String(s) => Ok(s.clone()),
            _ => Err(()),
        })
    };
    match text_of("name") {
        None => out.push(error("name", format!("is missing; add 'name: {folder}'"))),
        Some(Err(())) => out.push(error("name", "is not text".into())),
        Some(Ok(name)) => {
            if let Some(p) = name_problem(&name) {
                out.push(error("name", format!("{name:?} {p}")));
            } else if name != folder {
                out.push(error(
                    "name",
                    format!(
                        "{name:?} differs from the skill's folder name {folder:?}; make them equal"
                    ),
                ));
            }
        }
    }
    match text_of("description") {
        None => out.push(unusable(
            "description",
            "is missing; say what the skill does and when to use it".into(),
        )),
        Some(Err(())) => out.push(unusable("description", "is not text".into())),
        Some(Ok(d)) => {
            let len = d.trim().chars().count();
            if len == 0 {
                out.push(unusable(
                    "description",
                    "is empty; say what the skill does and when to use it".into(),
                ));
            } else if len > 1024 {
                out.push(error(
                    "description",
                    format!("is {len} characters long; use at most 1024"),
                ));
            }
        }
    }
    match text_of("compatibility") {
        None => {}
        Some(Err(())) => out.push(error("compatibility", "is not text".into())),
        Some(Ok(c)) => {
            let len = c.chars().count();
            if len > 500 {
                out.push(error(
                    "compatibility",
                    format!("is {len} characters long; use at most 500"),
                ));
            }
        }
    }
    if let Some(m) = fm.get("metadata") {
        match m {
            serde_yaml_ng::Value::Mapping(map) => {
                for (k, v) in map {
                    let key = match k {
                        serde_yaml_ng::Value::String(s) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    if !matches!(k, serde_yaml_ng::Value::String(_))
                        || !matches!(v, serde_yaml_ng::Value::String(_))
                    {
                        out.push(warning(
                            "metadata",
                            format!("entry {key:?} is not text; quote its value"),
                        ));
                    }
                }
            }
            _ => out.push(error(
                "metadata",
                "is not a map; give it 'key: value' lines of text".into(),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(Severity, String)> {
        check_artifact(Kind::Skill, "pdf", text)
            .into_iter()
            .map(|f| (f.severity, f.field))
            .collect()
    }

    #[test]
    fn a_skill_as_the_format_asks_has_no_finding() {
        let ok = "---\nname: pdf\ndescription: Read PDFs.\ncompatibility: any agent\nmetadata:\n  owner: docs\n---\nBody\n";
        assert_eq!(fields(ok), vec![]);
    }

    #[test]
    fn each_rule_reports_its_field() {
        let e = Severity::Error;
        let cases: Vec<(&str, Vec<(Severity, String)>)> = vec![
            ("Body only\n", vec![(e, "front matter".into())]),
            ("---\nname: pdf\n", vec![(e, "front matter".into())]),
            ("---\n- a\n---\n", vec![(e, "front matter".into())]),
            ("---\nname: [\n---\n", vec![(e, "front matter".into())]),
            ("---\ndescription: d\n---\n", vec![(e, "name".into())]),
            (
                "---\nname: PDF\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            (
                "---\nname: -pdf\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            (
                "---\nname: pdf-\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            (
                "---\nname: p--df\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            (
                "---\nname: pdfs\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            (
                "---\nname: 12\ndescription: d\n---\n",
                vec![(e, "name".into())],
            ),
            ("---\nname: pdf\n---\n", vec![(e, "description".into())]),
            (
                "---\nname: pdf\ndescription: '  '\n---\n",
                vec![(e, "description".into())],
            ),
            (
                "---\nname: pdf\ndescription: d\ncompatibility: [1]\n---\n",
                vec![(e, "compatibility".into())],
            ),
            (
                "---\nname: pdf\ndescription: d\nmetadata: [a]\n---\n",
                vec![(e, "metadata".into())],
            ),
            (
                "---\nname: pdf\ndescription: d\nmetadata:\n  pages: 3\n---\n",
                vec![(Severity::Warning, "metadata".into())],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(fields(text), want, "{text:?}");
        }
    }

    #[test]
    fn lengths_are_counted_in_characters_at_the_limits() {
        let name = "a".repeat(64);
        let ok = check_artifact(
            Kind::Skill,
            &name,
            &format!(
                "---\nname: {name}\ndescription: {}\ncompatibility: {}\n---\n",
                "é".repeat(1024),
                "c".repeat(500)
            ),
        );
        assert_eq!(ok, vec![]);
        let long = "a".repeat(65);
        let over = check_artifact(
            Kind::Skill,
            &long,
            &format!(
                "---\nname: {long}\ndescription: {}\ncompatibility: {}\n---\n",
                "é".repeat(1025),
                "c".repeat(501)
            ),
        );
        let got: Vec<&str> = over.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(got, vec!["name", "description", "compatibility"]);
    }

    #[test]
    fn commands_and_agents_need_no_front_matter_but_a_readable_one() {
        assert_eq!(
            check_artifact(Kind::Command, "review", "Review the diff.\n"),
            vec![]
        );
        assert_eq!(
            check_artifact(Kind::Agent, "x", "---\nmodel: sonnet\n---\nHi\n"),
            vec![]
        );
        let bad = check_artifact(Kind::Agent, "x", "---\nmodel: [\n---\n");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].field, "front matter");
    }
}
