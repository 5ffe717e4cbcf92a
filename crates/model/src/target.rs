//! Targets: the folder layouts in which agents read a project's artifacts.
//! A project has one or more targets; each holds its own copy of an
//! artifact, with its own base in the lockfile.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Kind, ModelError};

/// One layout. `claude` holds every kind; the others read skills only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `.claude/skills`, `.claude/commands`, `.claude/agents` (Claude Code).
    Claude,
    /// `.agents/skills`, read by Codex, Gemini CLI, OpenCode and Copilot.
    Agents,
    /// `.codex/skills`.
    Codex,
    /// `.gemini/skills`.
    Gemini,
    /// `.opencode/skills`.
    Opencode,
    /// `.github/skills` (GitHub Copilot).
    Copilot,
    /// `.cursor/skills`.
    Cursor,
}

pub const TARGET_CHOICES: &str = "claude, agents, codex, gemini, opencode, copilot or cursor";

impl Target {
    pub const ALL: [Target; 7] = [
        Target::Claude,
        Target::Agents,
        Target::Codex,
        Target::Gemini,
        Target::Opencode,
        Target::Copilot,
        Target::Cursor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Claude => "claude",
            Target::Agents => "agents",
            Target::Codex => "codex",
            Target::Gemini => "gemini",
            Target::Opencode => "opencode",
            Target::Copilot => "copilot",
            Target::Cursor => "cursor",
        }
    }

    /// The folder, relative to the project, under which this layout keeps
    /// its kind folders (`skills/`, …).
    pub fn root(self) -> &'static str {
        match self {
            Target::Claude => ".claude",
            Target::Agents => ".agents",
            Target::Codex => ".codex",
            Target::Gemini => ".gemini",
            Target::Opencode => ".opencode",
            Target::Copilot => ".github",
            Target::Cursor => ".cursor",
        }
    }

    /// Whether this layout has a place for `kind`.
    pub fn holds(self, kind: Kind) -> bool {
        self == Target::Claude || kind == Kind::Skill
    }

    /// Why `kind` has no copy here, for the note of a skipped artifact.
    pub fn cannot_hold(self, kind: Kind) -> String {
        format!(
            "the {} layout ({}/) holds skills only; {}s are deployed to the claude layout",
            self,
            self.root(),
            kind
        )
    }

    /// The target of a copy that names none.
    pub fn default_one() -> Target {
        Target::Claude
    }

    /// The default when a project names none.
    pub fn default_list() -> Vec<Target> {
        vec![Target::Claude]
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ModelError::InvalidChoice {
                what: "target",
                value: s.to_string(),
                choices: TARGET_CHOICES,
            })
    }
}

/// Whether `target` is the default, for leaving it out of records.
pub fn is_claude(target: &Target) -> bool {
    *target == Target::Claude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roots_and_kinds() {
        for t in Target::ALL {
            assert_eq!(t.as_str().parse::<Target>().unwrap(), t);
            assert!(t.root().starts_with('.'));
            assert!(t.holds(Kind::Skill));
        }
        assert!(Target::Claude.holds(Kind::Command));
        assert!(!Target::Agents.holds(Kind::Agent));
        assert_eq!(Target::Copilot.root(), ".github");
        let e = "vscode".parse::<Target>().unwrap_err().to_string();
        assert!(e.contains("vscode") && e.contains("opencode"), "{e}");
    }
}
