//! The audit of incoming content: what an upstream change adds that could
//! turn an agent against its user. Only the change is read (added and
//! changed lines, whole new files, file modes), never the untouched rest,
//! so a finding always points at something new to review.
//!
//! The rules are plain data (`RULES`): an id, a severity, what they match,
//! why it matters and what to check. Scanning is a pure function of the old
//! and new contents; it never decides what happens to a finding: the sync
//! gate, suppressions and the UI do.

use std::collections::{BTreeMap, HashMap};

use artisync_model::{blob_id, is_binary, Content, FileEntry, FileMode, RelPath};
use serde::{Deserialize, Serialize};

/// How much a finding asks of the person syncing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditSeverity {
    /// Blocks a sync until confirmed.
    High,
    /// Worth a look before the next deploy.
    Medium,
    /// Informational.
    Low,
}

impl std::fmt::Display for AuditSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditSeverity::High => "high",
            AuditSeverity::Medium => "medium",
            AuditSeverity::Low => "low",
        })
    }
}

/// What a rule looks for.
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// Any character in these inclusive ranges, anywhere on the line.
    Chars(&'static [(char, char)]),
    /// Zero-width characters, except a joiner between two non-ASCII
    /// characters (emoji sequences, Persian and Indic text use them), and a
    /// byte order mark other than at the very start of the file.
    Invisible,
    /// A network command word and, on the same line, a secret: a key or
    /// credential file, or a secret variable handed to the command as data.
    Exfiltration {
        commands: &'static [&'static str],
        secret_files: &'static [&'static str],
        secret_vars: &'static [&'static str],
        data_flags: &'static [&'static str],
    },
    /// Any of these paths (case-sensitive, as on disk).
    Paths(&'static [&'static str]),
    /// Any of these phrases, case-insensitive, whole words, any spacing.
    Phrases(&'static [&'static str]),
    /// A key that makes Claude Code run a command: in a JSON file, or in a
    /// Markdown front matter.
    CommandKeys(&'static [&'static str]),
    /// A file that is executable, or became so.
    Executable,
    /// A script (by extension or `#!` line) that is not executable.
    Script(&'static [&'static str]),
}

/// One audit rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: AuditSeverity,
    pub matcher: Matcher,
    /// Why it matters, one line.
    pub explanation: &'static str,
    /// What to check before accepting it.
    pub check: &'static str,
}

/// Every rule, in the order findings are reported.
pub const RULES: &[Rule] = &[
    Rule {
        id: "hidden-unicode",
        severity: AuditSeverity::High,
        matcher: Matcher::Chars(&[
            ('\u{202A}', '\u{202E}'),
            ('\u{2066}', '\u{2069}'),
            ('\u{200E}', '\u{200F}'),
            ('\u{E0000}', '\u{E007F}'),
        ]),
        explanation: "bidirectional control or tag characters make text read differently by an agent than it looks to you",
        check: "view the line with the characters shown (the excerpt escapes them) and remove them unless the text needs them",
    },
    Rule {
        id: "invisible-char",
        severity: AuditSeverity::Medium,
        matcher: Matcher::Invisible,
        explanation: "zero-width characters hide text or split words so that reviews and filters miss them",
        check: "remove the character unless it joins letters of a script that needs it",
    },
    Rule {
        id: "exfiltration",
        severity: AuditSeverity::High,
        matcher: Matcher::Exfiltration {
            commands: &["curl", "wget", "nc", "ncat", "netcat", "scp", "rsync", "ftp", "sftp", "socat", "Invoke-WebRequest", "Invoke-RestMethod"],
            secret_files: &[".env", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", ".ssh/", "~/.ssh", ".aws/", "~/.aws", ".config/gcloud", "/etc/passwd", "/etc/shadow", ".netrc", ".git-credentials", ".npmrc", ".pypirc", ".docker/config.json", ".kube/config", "printenv", "$(env)", "`env`"],
            secret_vars: &["TOKEN", "SECRET", "PASSWORD", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIALS"],
            data_flags: &["-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-data", "--post-file", "--body-file", "-Body", "-InFile"],
        },
        explanation: "a network command sends a key, credential file or secret off this machine",
        check: "make sure nothing secret leaves the machine; a skill never needs your keys",
    },
    Rule {
        id: "sensitive-path",
        severity: AuditSeverity::Medium,
        matcher: Matcher::Paths(&["~/.ssh", "$HOME/.ssh", "~/.aws", "$HOME/.aws", "~/.config/gcloud", "$HOME/.config/gcloud", "/etc/passwd", "/etc/shadow", "~/.netrc", "~/.git-credentials", "~/.kube/config", "~/.docker/config.json", "id_rsa", "id_ed25519"]),
        explanation: "the text points the agent at keys, cloud credentials or account files",
        check: "make sure the artifact has a reason to read them and sends them nowhere",
    },
    Rule {
        id: "prompt-injection",
        severity: AuditSeverity::High,
        matcher: Matcher::Phrases(&[
            "ignore previous instructions",
            "ignore all previous instructions",
            "ignore prior instructions",
            "ignore all prior instructions",
            "ignore the previous instructions",
            "ignore your instructions",
            "ignore all instructions",
            "ignore the above instructions",
            "disregard all prior",
            "disregard all previous",
            "disregard previous instructions",
            "disregard prior instructions",
            "disregard your instructions",
            "forget your instructions",
            "forget all previous instructions",
            "override your instructions",
            "new system prompt",
            "do not tell the user",
            "don't tell the user",
            "never tell the user",
            "without telling the user",
            "do not inform the user",
            "hide this from the user",
            "do not mention this to the user",
        ]),
        explanation: "the text tries to override the agent's instructions or keep the user in the dark",
        check: "read the sentence in context; an artifact should never ask the agent to hide what it does",
    },
    Rule {
        id: "role-override",
        severity: AuditSeverity::Medium,
        matcher: Matcher::Phrases(&[
            "you are now a",
            "you are now an",
            "you are now in",
            "from now on you are",
            "pretend you are",
            "act as if you have no restrictions",
        ]),
        explanation: "the text tries to give the agent another identity or mode",
        check: "make sure it only sets a role for the task at hand",
    },
    Rule {
        id: "command-hook",
        severity: AuditSeverity::High,
        matcher: Matcher::CommandKeys(&["hooks", "mcpServers", "mcp_servers", "command", "args", "url"]),
        explanation: "hooks and MCP servers run commands or reach servers without asking each time",
        check: "read the command and what it runs; make sure you would run it yourself",
    },
    Rule {
        id: "executable",
        severity: AuditSeverity::Medium,
        matcher: Matcher::Executable,
        explanation: "an executable file is new, changed, or became executable; an agent may run it",
        check: "read the whole file before syncing",
    },
    Rule {
        id: "script",
        severity: AuditSeverity::Low,
        matcher: Matcher::Script(&["sh", "bash", "zsh", "fish", "py", "js", "mjs", "cjs", "ts", "rb", "pl", "ps1", "bat", "cmd"]),
        explanation: "a script is new or changed; an agent following the artifact may run it",
        check: "read what the script does",
    },
];

/// Looks a rule up by its id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One finding of the audit. It reads back from a stored job's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    pub rule: String,
    pub severity: AuditSeverity,
    /// The file, relative to the artifact root.
    pub file: RelPath,
    /// The 1-based line in the new file; absent for a finding about the
    /// whole file (its mode, or that it is a script).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The flagged text, shortened, with control and invisible characters
    /// written as `\u{…}`.
    pub excerpt: String,
    pub message: String,
    /// Identifies the flagged content: the short git blob id of the line
    /// (or of the whole file). A suppression holds it, so it stops applying
    /// once that content changes.
    pub fingerprint: String,
}

/// Lines beyond this many bytes are read only up to it.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// Excerpts are cut to this many characters.
const EXCERPT_CHARS: usize = 120;

/// Scans what `new` adds or changes over `old` (everything, when `old` is
/// absent). Findings come by file (those about the whole file first), then
/// by line and rule order. A file renamed is read as a new file.
pub fn scan(old: Option<&Content>, new: &Content) -> Vec<AuditFinding> {
    let empty = BTreeMap::new();
    let old_files = old.map_or(&empty, |c| &c.files);
    let mut out = Vec::new();
    for (path, entry) in &new.files {
        let before = old_files.get(path);
        if before == Some(entry) {
            continue;
        }
        scan_file(path, before, entry, &mut out);
    }
    out
}

fn scan_file(
    path: &RelPath,
    old: Option<&FileEntry>,
    new: &FileEntry,
    out: &mut Vec<AuditFinding>,
) {
    let file_fp = blob_id(&new.data).short();
    let whole = |rule: &Rule, message: String| AuditFinding {
        rule: rule.id.into(),
        severity: rule.severity,
        file: path.clone(),
        line: None,
        excerpt: String::new(),
        message,
        fingerprint: file_fp.clone(),
    };
    let content_changed = !matches!(old, Some(o) if o.data == new.data);
    let is_script =
        new.mode != FileMode::Symlink && (extension_is_script(path) || new.data.starts_with(b"#!"));
    for rule in RULES {
        match rule.matcher {
            Matcher::Executable if new.mode == FileMode::Executable => {
                let message = match old {
                    None => "a new executable file".to_string(),
                    Some(o) if o.mode != FileMode::Executable && o.data == new.data => {
                        "became executable".to_string()
                    }
                    Some(o) if o.mode != FileMode::Executable => {
                        "changed and became executable".to_string()
                    }
                    Some(_) => "an executable file changed".to_string(),
                };
                if content_changed || old.is_some_and(|o| o.mode != FileMode::Executable) {
                    out.push(whole(rule, message));
                }
            }
            Matcher::Script(_)
                if is_script && new.mode != FileMode::Executable && content_changed =>
            {
                let message = if old.is_none() {
                    "a new script"
                } else {
                    "a script changed"
                };
                out.push(whole(rule, message.to_string()));
            }
            _ => {}
        }
    }
    if new.mode == FileMode::Symlink || is_binary(&new.data) || !content_changed {
        return;
    }
    let new_text = String::from_utf8_lossy(&new.data);
    let old_text = old
        .filter(|o| o.mode != FileMode::Symlink && !is_binary(&o.data))
        .map(|o| String::from_utf8_lossy(&o.data));
    let lines: Vec<&str> = new_text.split_inclusive('\n').collect();
    let added = added_lines(old_text.as_deref(), &lines);
    let context = FileContext::of(path, &lines);
    for (i, line) in lines.iter().enumerate() {
        if !added[i] {
            continue;
        }
        let line = cut(trim_eol(line), MAX_LINE_BYTES);
        let fingerprint = blob_id(line.as_bytes()).short();
        // The line's words, once for every phrase of every rule.
        let words = words_of(line);
        for rule in RULES {
            let hit = match rule.matcher {
                Matcher::Chars(ranges) => line
                    .chars()
                    .find(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)))
                    .map(|c| format!("contains {}", escape_char(c))),
                Matcher::Invisible => {
                    invisible(line, i == 0).map(|c| format!("contains {}", escape_char(c)))
                }
                Matcher::Exfiltration {
                    commands,
                    secret_files,
                    secret_vars,
                    data_flags,
                } => exfiltration(line, commands, secret_files, secret_vars, data_flags),
                Matcher::Paths(paths) => paths
                    .iter()
                    .find(|p| contains_path(line, p))
                    .map(|p| format!("refers to {p}")),
                Matcher::Phrases(phrases) => phrases
                    .iter()
                    .find(|p| has_phrase(&words, p))
                    .map(|p| format!("says \"{p}\"")),
                Matcher::CommandKeys(keys) => command_key(line, i, &context, keys),
                Matcher::Executable | Matcher::Script(_) => None,
            };
            if let Some(what) = hit {
                // A line that posts a key also names its path: one finding
                // (the more severe) is enough.
                if rule.id == "sensitive-path"
                    && out.iter().any(|f| {
                        f.rule == "exfiltration" && f.file == *path && f.line == Some(i + 1)
                    })
                {
                    continue;
                }
                out.push(AuditFinding {
                    rule: rule.id.into(),
                    severity: rule.severity,
                    file: path.clone(),
                    line: Some(i + 1),
                    excerpt: excerpt(line),
                    message: format!("{what}: {}", rule.explanation),
                    fingerprint: fingerprint.clone(),
                });
            }
        }
    }
}

/// Which lines of `new` (by index) are added or changed relative to `old`:
/// those whose text `old` does not hold (as many times). A line moved
/// within the file is not new content, and this takes one pass over each
/// side however the two differ, where a line diff can take seconds.
fn added_lines(old: Option<&str>, new_lines: &[&str]) -> Vec<bool> {
    let Some(old) = old else {
        return vec![true; new_lines.len()];
    };
    let mut have: HashMap<&str, usize> = HashMap::new();
    for l in old.split_inclusive('\n') {
        *have.entry(trim_eol(l)).or_default() += 1;
    }
    new_lines
        .iter()
        .map(|l| match have.get_mut(trim_eol(l)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

fn trim_eol(l: &str) -> &str {
    let l = l.strip_suffix('\n').unwrap_or(l);
    l.strip_suffix('\r').unwrap_or(l)
}

fn extension_is_script(path: &RelPath) -> bool {
    let exts = RULES.iter().find_map(|r| match r.matcher {
        Matcher::Script(e) => Some(e),
        _ => None,
    });
    let name = path.file_name();
    match (exts, name.rsplit_once('.')) {
        (Some(exts), Some((stem, ext))) if !stem.is_empty() => {
            exts.iter().any(|e| e.eq_ignore_ascii_case(ext))
        }
        _ => false,
    }
}

/// Where in a file command keys mean something.
struct FileContext {
    /// A JSON settings or MCP file, or a JSON file naming hooks or MCP
    /// servers: every command key counts.
    json: bool,
    /// The line range of a Markdown front matter, if any.
    front_matter: Option<(usize, usize)>,
}

impl FileContext {
    fn of(path: &RelPath, lines: &[&str]) -> FileContext {
        let name = path.file_name();
        let json = name.ends_with(".json")
            && (matches!(
                name,
                ".mcp.json" | "settings.json" | "settings.local.json" | "hooks.json"
            ) || lines
                .iter()
                .any(|l| l.contains("\"hooks\"") || l.contains("\"mcpServers\"")));
        let front_matter =
            if name.ends_with(".md") && lines.first().is_some_and(|l| l.trim_end() == "---") {
                lines
                    .iter()
                    .skip(1)
                    .position(|l| l.trim_end() == "---")
                    .map(|end| (1, end + 1))
            } else {
                None
            };
        FileContext { json, front_matter }
    }
}

fn command_key(line: &str, index: usize, ctx: &FileContext, keys: &[&str]) -> Option<String> {
    let t = line.trim_start();
    if ctx.json {
        // `"command": …`: a key, not the word inside a value.
        let key = keys.iter().find(|k| {
            let quoted = format!("\"{k}\"");
            t.match_indices(&quoted)
                .any(|(at, _)| t[at + quoted.len()..].trim_start().starts_with(':'))
        })?;
        return Some(format!("sets \"{key}\""));
    }
    let (start, end) = ctx.front_matter?;
    if index < start || index >= end {
        return None;
    }
    let t = t.trim_start_matches("- ");
    // `url:` is common in front matter; only MCP configuration in JSON
    // gives it a meaning that runs anything.
    let key = keys.iter().filter(|k| **k != "url").find(|k| {
        t.strip_prefix(**k)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })?;
    Some(format!("sets {key} in the front matter"))
}

fn invisible(line: &str, first_line: bool) -> Option<char> {
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\u{200B}' | '\u{2060}' | '\u{180E}' => return Some(c),
            '\u{FEFF}' if !(first_line && i == 0) => return Some(c),
            '\u{200C}' | '\u{200D}' => {
                let joins = i > 0
                    && chars.get(i + 1).is_some_and(|n| !n.is_ascii())
                    && !chars[i - 1].is_ascii();
                if !joins {
                    return Some(c);
                }
            }
            _ => {}
        }
    }
    None
}

fn exfiltration(
    line: &str,
    commands: &[&str],
    secret_files: &[&str],
    secret_vars: &[&str],
    data_flags: &[&str],
) -> Option<String> {
    let words: Vec<&str> = line
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '|' | ';' | '&' | '(' | ')' | '`' | '"' | '\'')
        })
        .filter(|w| !w.is_empty())
        .collect();
    let command = words.iter().find_map(|w| {
        // `/usr/bin/curl` is curl.
        let base = w.rsplit('/').next().unwrap_or(w);
        commands.iter().find(|c| c.eq_ignore_ascii_case(base))
    })?;
    if let Some(secret) = secret_files.iter().find(|s| contains_secret_file(line, s)) {
        return Some(format!("{command} with {secret}"));
    }
    let posts = words.iter().any(|w| {
        data_flags
            .iter()
            .any(|f| w == f || w.starts_with(&format!("{f}=")))
    }) || *command == "nc"
        || *command == "ncat"
        || *command == "netcat";
    if !posts {
        return None;
    }
    let var = line.split('$').skip(1).find_map(|rest| {
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let upper = name.to_ascii_uppercase();
        secret_vars
            .iter()
            .any(|v| upper.contains(v))
            .then_some(name)
    })?;
    Some(format!("{command} sends ${var}"))
}

/// `.env` as a file name (also `.env.local`), not `.environment`.
fn contains_secret_file(line: &str, secret: &str) -> bool {
    line.match_indices(secret).any(|(at, _)| {
        let after = line[at + secret.len()..].chars().next();
        secret.ends_with('/') || !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A path, not the tail of a longer name (`~/.sshd`).
fn contains_path(line: &str, path: &str) -> bool {
    line.match_indices(path).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The words of `s`, lowercased, with typographic apostrophes as plain ones.
fn words_of(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('\u{2019}', "'").to_lowercase())
        .collect()
}

/// Whether `phrase` occurs among `words` (of a line) as whole words,
/// ignoring case and how words are spaced or quoted.
fn has_phrase(words: &[String], phrase: &str) -> bool {
    let want = words_of(phrase);
    !want.is_empty() && words.windows(want.len()).any(|w| w == want.as_slice())
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn escape_char(c: char) -> String {
    format!("\\u{{{:04x}}}", c as u32)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{180E}' | '\u{E0000}'..='\u{E007F}')
}

/// The line, trimmed and shortened, with every control or invisible
/// character written out so that the excerpt shows what the agent reads.
fn excerpt(line: &str) -> String {
    let mut out = String::new();
    for (n, c) in line.trim().chars().enumerate() {
        if n == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if needs_escape(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
