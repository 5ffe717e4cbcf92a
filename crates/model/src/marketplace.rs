//! Claude Code plugin marketplaces: the `marketplace:` spec, and reading a
//! marketplace's `.claude-plugin/marketplace.json` and a plugin's
//! `.claude-plugin/plugin.json` into what artisync can track: where each
//! plugin's files live (a folder of the marketplace repository, or another
//! git repository) and which of its paths hold skills, commands and agents.
//!
//! Pure: callers read the files (size-limited) and hand the bytes in. A
//! problem with one plugin's entry (a source artisync cannot track, a path
//! leaving the plugin) is carried as data on that plugin, so a listing shows
//! every plugin; only a file that cannot be read as a marketplace at all is
//! an error. Nothing here decides what to import.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::spec::{valid_ref, valid_segment};
use crate::{Kind, Location, ModelError, ObjectId, RelPath, SourceSpec};

/// Where a marketplace lists its plugins, from the marketplace's root.
pub const MARKETPLACE_FILE: &str = ".claude-plugin/marketplace.json";
/// Where a plugin describes itself, from the plugin's root.
pub const PLUGIN_FILE: &str = ".claude-plugin/plugin.json";
/// The largest marketplace.json or plugin.json read; real ones are a few
/// kilobytes, and the whole file is held in memory to parse it.
pub const MAX_JSON_BYTES: u64 = 1024 * 1024;
/// What a spec starts with to name a marketplace rather than an upstream.
pub const PREFIX: &str = "marketplace:";

/// A marketplace repository: `marketplace:OWNER/REPO[@REF]` (GitHub),
/// `marketplace:PATH` (a local repository or a folder in one; it starts
/// with `/`, `./`, `../` or `~`) or `marketplace:URL` (https:// or file://,
/// with the usual `#REF:PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceSpec {
    /// The repository, its ref and the marketplace's root inside it.
    pub source: SourceSpec,
}

impl MarketplaceSpec {
    /// The text after `marketplace:`, when `spec` names a marketplace.
    pub fn strip(spec: &str) -> Option<&str> {
        spec.trim().strip_prefix(PREFIX)
    }

    pub fn parse(spec: &str) -> Result<MarketplaceSpec, ModelError> {
        let bad = |reason: &str| ModelError::InvalidSpec {
            spec: spec.trim().to_string(),
            reason: reason.to_string(),
        };
        let body = Self::strip(spec)
            .ok_or_else(|| bad("a marketplace spec starts with 'marketplace:'"))?
            .trim();
        if body.is_empty() {
            return Err(bad("it names no marketplace; use marketplace:OWNER/REPO[@REF], marketplace:PATH or marketplace:URL"));
        }
        let source = if body.starts_with("github:") || body.contains("://") {
            SourceSpec::parse(body)?
        } else if let Some(gh) = github_shorthand(body) {
            SourceSpec::parse(&format!("github:{gh}"))?
        } else if looks_local(body) {
            SourceSpec::parse(body)?
        } else {
            return Err(bad("expected OWNER/REPO[@REF] for GitHub, a path starting with '/', './', '../' or '~', or an https:// or file:// URL"));
        };
        if let Some((owner, repo)) = &source.github {
            if !source.path.is_root() {
                return Err(bad(&format!(
                    "a GitHub marketplace is a whole repository; use marketplace:{owner}/{repo}[@REF]"
                )));
            }
        }
        Ok(MarketplaceSpec { source })
    }

    /// The spec as recorded: `marketplace:OWNER/REPO[@REF]` for GitHub,
    /// else `marketplace:` and the repository's spec text.
    pub fn canonical(&self) -> String {
        let inner = self.source.to_string();
        match inner.strip_prefix("github:") {
            Some(rest) => format!("{PREFIX}{rest}"),
            None => format!("{PREFIX}{inner}"),
        }
    }
}

/// `OWNER/REPO[@REF]` exactly (two plain segments), as GitHub knows it.
fn github_shorthand(body: &str) -> Option<&str> {
    let repo = body.rsplit_once('@').map(|(b, _)| b).unwrap_or(body);
    let (owner, name) = repo.split_once('/')?;
    (!owner.starts_with('.') && valid_segment(owner) && valid_segment(name)).then_some(body)
}

fn looks_local(body: &str) -> bool {
    body == "." || body == ".." || ["/", "./", "../", "~"].iter().any(|p| body.starts_with(p))
}

/// How a plugin's source is written in marketplace.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceForm {
    /// A path string: a folder of the marketplace repository.
    Relative,
    Github,
    Url,
    GitSubdir,
    Npm,
    Pip,
    Archive,
    Unknown,
}

impl SourceForm {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceForm::Relative => "relative",
            SourceForm::Github => "github",
            SourceForm::Url => "url",
            SourceForm::GitSubdir => "git-subdir",
            SourceForm::Npm => "npm",
            SourceForm::Pip => "pip",
            SourceForm::Archive => "archive",
            SourceForm::Unknown => "unknown",
        }
    }
}

/// Where a plugin's files are, for the sources artisync can track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// A folder of the marketplace repository, from the marketplace's root
    /// (`metadata.pluginRoot` already applied), read at the commit the
    /// marketplace was read at.
    Relative(RelPath),
    /// Another git repository. `spec.reference` is what the imported
    /// artifacts track: the `sha` pin when there is one (so a fetch never
    /// moves them), else `ref`, else the default branch; `spec.path` is
    /// the plugin's root in that repository.
    Git {
        spec: SourceSpec,
        reference: Option<String>,
        sha: Option<ObjectId>,
    },
}

/// Paths (from the plugin's root) holding each kind; `None` is "not said",
/// which means the default folder (`skills/`, `commands/`, `agents/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginPaths {
    pub skills: Option<Vec<RelPath>>,
    pub commands: Option<Vec<RelPath>>,
    pub agents: Option<Vec<RelPath>>,
}

/// One path a plugin imports from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPath {
    pub kind: Kind,
    pub path: RelPath,
    /// Named by plugin.json or the marketplace entry (a missing one is
    /// worth a warning), not a default folder.
    pub explicit: bool,
}

impl PluginPaths {
    fn get_mut(&mut self, kind: Kind) -> &mut Option<Vec<RelPath>> {
        match kind {
            Kind::Skill => &mut self.skills,
            Kind::Command => &mut self.commands,
            Kind::Agent => &mut self.agents,
        }
    }

    fn get(&self, kind: Kind) -> &Option<Vec<RelPath>> {
        match kind {
            Kind::Skill => &self.skills,
            Kind::Command => &self.commands,
            Kind::Agent => &self.agents,
        }
    }

    /// These paths, each kind not given here taken from `base`: the
    /// marketplace entry's fields win over plugin.json's.
    pub fn over(&self, base: &PluginPaths) -> PluginPaths {
        let mut out = base.clone();
        for kind in Kind::ALL {
            if let Some(v) = self.get(kind) {
                *out.get_mut(kind) = Some(v.clone());
            }
        }
        out
    }

    /// Every path to import from, each kind's default folder where nothing
    /// was said.
    pub fn resolved(&self) -> Vec<KindPath> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            match self.get(kind) {
                Some(paths) => out.extend(paths.iter().map(|p| KindPath {
                    kind,
                    path: p.clone(),
                    explicit: true,
                })),
                None => out.push(KindPath {
                    kind,
                    path: RelPath::new(kind.folder()).unwrap_or_default(),
                    explicit: false,
                }),
            }
        }
        out
    }

    /// The `skills`, `commands` and `agents` fields of `obj`; `at` names
    /// where `obj` is, for messages.
    fn from_object(obj: &Map<String, Value>, at: &str) -> Result<PluginPaths, String> {
        let mut out = PluginPaths::default();
        for kind in Kind::ALL {
            let field = kind.folder();
            let Some(v) = obj.get(field) else { continue };
            let texts: Vec<(String, &Value)> = match v {
                Value::String(_) => vec![(format!("{at}{field}"), v)],
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{at}{field}[{i}]"), item))
                    .collect(),
                other => {
                    return Err(format!(
                        "{at}{field} must be a path or an array of paths, found {}",
                        type_name(other)
                    ))
                }
            };
            let mut paths = Vec::new();
            for (where_, item) in texts {
                let Value::String(s) = item else {
                    return Err(format!(
                        "{where_} must be a path string, found {}",
                        type_name(item)
                    ));
                };
                paths.push(
                    inside(s).map_err(|e| format!("{where_} {e}; paths stay inside the plugin"))?,
                );
            }
            *out.get_mut(kind) = Some(paths);
        }
        Ok(out)
    }

    /// Reads a plugin's plugin.json (`file` names it in messages).
    pub fn parse_plugin_json(bytes: &[u8], file: &str) -> Result<PluginPaths, ModelError> {
        let malformed = |message: String| ModelError::Malformed {
            file: file.to_string(),
            message,
        };
        let obj = parse_object(bytes).map_err(malformed)?;
        PluginPaths::from_object(&obj, "").map_err(malformed)
    }
}

/// One plugin as the marketplace lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEntry {
    pub name: String,
    pub description: Option<String>,
    pub version: Option<String>,
    pub form: SourceForm,
    /// The source as written, in one line (`./plugins/fmt`, `github
    /// acme/fmt@v2`, `npm @acme/fmt`).
    pub written: String,
    /// Where its files are, when artisync can track them.
    pub source: Option<PluginSource>,
    /// The entry's own `skills`, `commands`, `agents` fields.
    pub paths: PluginPaths,
    /// Why it cannot be imported; `None` when it can.
    pub problem: Option<String>,
}

/// A marketplace's plugin list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marketplace {
    pub name: Option<String>,
    pub description: Option<String>,
    pub plugins: Vec<PluginEntry>,
}

impl Marketplace {
    /// Reads marketplace.json (`file` names it in messages).
    pub fn parse(bytes: &[u8], file: &str) -> Result<Marketplace, ModelError> {
        let malformed = |message: String| ModelError::Malformed {
            file: file.to_string(),
            message,
        };
        let obj = parse_object(bytes).map_err(malformed)?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(one_line);
        let metadata = match obj.get("metadata") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                return Err(malformed(format!(
                    "metadata must be an object, found {}",
                    type_name(other)
                )))
            }
        };
        let plugin_root = match metadata.and_then(|m| m.get("pluginRoot")) {
            None | Some(Value::Null) => RelPath::root(),
            Some(Value::String(s)) => inside(s).map_err(|e| {
                malformed(format!(
                    "metadata.pluginRoot {e}; it must stay inside the marketplace"
                ))
            })?,
            Some(other) => {
                return Err(malformed(format!(
                    "metadata.pluginRoot must be a path string, found {}",
                    type_name(other)
                )))
            }
        };
        let list = match obj.get("plugins") {
            Some(Value::Array(list)) => list,
            None => return Err(malformed("it has no \"plugins\" array".into())),
            Some(other) => {
                return Err(malformed(format!(
                    "plugins must be an array, found {}",
                    type_name(other)
                )))
            }
        };
        let mut seen = BTreeSet::new();
        let mut plugins = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let Value::Object(entry) = item else {
                return Err(malformed(format!(
                    "plugins[{i}] must be an object, found {}",
                    type_name(item)
                )));
            };
            let name = match entry.get("name") {
                Some(Value::String(s)) if valid_plugin_name(s) => s.clone(),
                Some(Value::String(s)) => {
                    return Err(malformed(format!(
                        "plugins[{i}].name {:?} is not a plugin name (1-128 characters, no spaces, slashes or control characters)",
                        shorten(s)
                    )))
                }
                None => return Err(malformed(format!("plugins[{i}] has no name"))),
                Some(other) => {
                    return Err(malformed(format!(
                        "plugins[{i}].name must be a string, found {}",
                        type_name(other)
                    )))
                }
            };
            if !seen.insert(name.clone()) {
                return Err(malformed(format!(
                    "plugins[{i}].name {name:?} is listed twice; plugin names are unique"
                )));
            }
            plugins.push(plugin_entry(
                name,
                entry,
                &format!("plugins[{i}]."),
                &plugin_root,
            ));
        }
        Ok(Marketplace {
            name: text(obj.get("name")),
            description: text(obj.get("description"))
                .or_else(|| text(metadata.and_then(|m| m.get("description")))),
            plugins,
        })
    }

    pub fn get(&self, name: &str) -> Option<&PluginEntry> {
        self.plugins.iter().find(|p| p.name == name)
    }
}

fn plugin_entry(
    name: String,
    entry: &Map<String, Value>,
    at: &str,
    plugin_root: &RelPath,
) -> PluginEntry {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(one_line);
    let mut out = PluginEntry {
        description: text(entry.get("description")),
        version: text(entry.get("version")),
        form: SourceForm::Unknown,
        written: String::new(),
        source: None,
        paths: PluginPaths::default(),
        problem: None,
        name,
    };
    let (form, written, source) = read_source(&out.name, entry.get("source"), at, plugin_root);
    out.form = form;
    out.written = written;
    match source {
        Ok(s) => out.source = Some(s),
        Err(why) => out.problem = Some(why),
    }
    match PluginPaths::from_object(entry, at) {
        Ok(p) => out.paths = p,
        Err(why) => {
            out.problem
                .get_or_insert(format!("plugin {}: {why}", out.name));
        }
    }
    out
}

const GIT_ONLY: &str = "artisync tracks git repositories only";

/// A plugin's `source`: its form, how it is written, and where it
/// resolves to or why artisync cannot track it.
fn read_source(
    plugin: &str,
    v: Option<&Value>,
    at: &str,
    plugin_root: &RelPath,
) -> (SourceForm, String, Result<PluginSource, String>) {
    let problem = |why: String| Err(format!("plugin {plugin}: {why}"));
    let obj = match v {
        Some(Value::String(s)) => {
            let written = one_line(s);
            if is_archive(s) {
                return (
                    SourceForm::Archive,
                    written,
                    Err(archive_message(plugin, s)),
                );
            }
            if s.contains("://") {
                return (
                    SourceForm::Relative,
                    written,
                    problem(format!(
                        "{at}source {:?} is a URL; a source string is a folder of the marketplace, and another repository is written {{\"source\": \"url\", \"url\": ...}}",
                        shorten(s)
                    )),
                );
            }
            let source = inside(s)
                .map(|p| PluginSource::Relative(plugin_root.join(&p)))
                .or_else(|e| {
                    problem(format!(
                        "{at}source {e}; it must stay inside the marketplace"
                    ))
                });
            return (SourceForm::Relative, written, source);
        }
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => {
            return (
                SourceForm::Unknown,
                "-".into(),
                problem(format!("{at}source is missing")),
            )
        }
        Some(other) => {
            return (
                SourceForm::Unknown,
                type_name(other).to_string(),
                problem(format!(
                    "{at}source must be a path string or an object, found {}",
                    type_name(other)
                )),
            )
        }
    };
    let field = |k: &str| str_field(obj, k, plugin, at);
    let kind = match field("source") {
        Ok(k) => k.unwrap_or(""),
        Err(e) => return (SourceForm::Unknown, "?".into(), Err(e)),
    };
    match kind {
        "npm" | "pip" => {
            let package = field("package").ok().flatten().unwrap_or("?");
            let form = if kind == "npm" {
                SourceForm::Npm
            } else {
                SourceForm::Pip
            };
            (
                form,
                format!("{kind} {}", one_line(package)),
                problem(format!(
                    "it comes from {kind}; {GIT_ONLY}; add the git repository it is built from instead (artisync add SPEC)"
                )),
            )
        }
        "github" | "url" | "git-subdir" => {
            let form = match kind {
                "github" => SourceForm::Github,
                "url" => SourceForm::Url,
                _ => SourceForm::GitSubdir,
            };
            let repo_key = if kind == "github" { "repo" } else { "url" };
            let repo = field(repo_key);
            let written = match &repo {
                Ok(Some(r)) => format!("{kind} {}", one_line(r)),
                _ => kind.to_string(),
            };
            let result = git_source(plugin, kind, obj, at);
            let form = match &result {
                Err(_) if repo.ok().flatten().is_some_and(is_archive) => SourceForm::Archive,
                _ => form,
            };
            let written = match &result {
                Ok(PluginSource::Git { spec, reference, sha }) => {
                    let mut w = written;
                    if !spec.path.is_root() {
                        w.push_str(&format!(" path {}", spec.path));
                    }
                    if let Some(r) = reference {
                        w.push_str(&format!(" ref {r}"));
                    }
                    if let Some(s) = sha {
                        w.push_str(&format!(" sha {}", s.short()));
                    }
                    w
                }
                _ => written,
            };
            (form, written, result)
        }
        "" => (
            SourceForm::Unknown,
            "?".into(),
            problem(format!(
                "{at}source has no \"source\" key naming its form (github, url, git-subdir)"
            )),
        ),
        other => (
            SourceForm::Unknown,
            one_line(other),
            problem(format!(
                "its source has the unknown form {:?}; artisync reads folders of the marketplace and github, url and git-subdir sources",
                shorten(other)
            )),
        ),
    }
}

/// The string field `k` of a source object; absent and null are `None`.
fn str_field<'a>(
    obj: &'a Map<String, Value>,
    k: &str,
    plugin: &str,
    at: &str,
) -> Result<Option<&'a str>, String> {
    match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!(
            "plugin {plugin}: {at}source.{k} must be a string, found {}",
            type_name(other)
        )),
    }
}

fn git_source(
    plugin: &str,
    kind: &str,
    obj: &Map<String, Value>,
    at: &str,
) -> Result<PluginSource, String> {
    let field = |k: &str| str_field(obj, k, plugin, at);
    let problem = |why: String| format!("plugin {plugin}: {at}source.{why}");
    let repo_key = if kind == "github" { "repo" } else { "url" };
    let repo = field(repo_key)?.ok_or_else(|| problem(format!("{repo_key} is missing")))?;
    let reference = match field("ref")? {
        Some(r) => valid_ref("", r)
            .map_err(|_| problem(format!("ref {:?} is not a valid git ref name", shorten(r))))?,
        None => None,
    };
    let sha = match field("sha")? {
        Some(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Some(
            s.to_ascii_lowercase()
                .parse::<ObjectId>()
                .map_err(|e| problem(format!("sha: {e}")))?,
        ),
        Some(s) => {
            return Err(problem(format!(
                "sha {:?} is not a full commit id (40 hexadecimal digits)",
                shorten(s)
            )))
        }
        None => None,
    };
    if is_archive(repo) {
        return Err(archive_message(plugin, repo));
    }
    let shorthand = github_shorthand(repo).is_some() && !repo.contains('@');
    let mut spec = if kind == "github" || (kind == "git-subdir" && shorthand) {
        if !shorthand {
            return Err(problem(format!(
                "repo {:?} is not OWNER/REPO",
                shorten(repo)
            )));
        }
        SourceSpec::parse(&format!("github:{repo}"))
            .map_err(|e| problem(format!("{repo_key}: {e}")))?
    } else {
        if repo.contains('#') {
            return Err(problem(format!(
                "url {:?} carries a '#'; give the ref and path as \"ref\" and \"path\"",
                shorten(repo)
            )));
        }
        if !(repo.starts_with("https://")
            || repo.starts_with("http://")
            || repo.starts_with("file://"))
        {
            return Err(problem(format!(
                "url {:?} is not an https:// or file:// URL (ssh and other transports are not supported)",
                shorten(repo)
            )));
        }
        let spec = SourceSpec::parse(repo).map_err(|e| problem(format!("url: {e}")))?;
        if !matches!(spec.location, Location::Url(_)) {
            return Err(problem(format!("url {:?} is not a URL", shorten(repo))));
        }
        spec
    };
    if kind == "git-subdir" {
        let path = field("path")?.ok_or_else(|| problem("path is missing".into()))?;
        spec.path = inside(path)
            .map_err(|e| problem(format!("path {e}; it must stay inside the repository")))?;
    }
    spec.reference = sha.map(|s| s.to_string()).or_else(|| reference.clone());
    Ok(PluginSource::Git {
        spec,
        reference,
        sha,
    })
}

fn is_archive(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    let s = s.split(['?', '#']).next().unwrap_or("");
    [
        ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz", ".tar.zst",
    ]
    .iter()
    .any(|ext| s.ends_with(ext))
}

fn archive_message(plugin: &str, what: &str) -> String {
    format!(
        "plugin {plugin}: it comes from an archive ({}); {GIT_ONLY}; add the git repository it is built from instead (artisync add SPEC)",
        shorten(what)
    )
}

/// A path from the plugin's (or marketplace's) root, as marketplace files
/// write it (`./skills`, `skills/`, `.`), that cannot leave that root.
fn inside(text: &str) -> Result<RelPath, String> {
    let t = text.trim();
    if t.starts_with('/') || t.starts_with('~') || t.contains('\\') {
        return Err(format!("{:?} is absolute", shorten(text)));
    }
    let comps: Vec<&str> = t
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if comps.contains(&"..") {
        return Err(format!("{:?} leaves its root with '..'", shorten(text)));
    }
    RelPath::new(&comps.join("/"))
        .map_err(|e| format!("{:?} is not a valid path: {e}", shorten(text)))
}

fn valid_plugin_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 128
        && !s
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '\\'))
}

/// The top-level object of a JSON file.
fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(format!(
            "it is {} bytes; artisync reads at most {MAX_JSON_BYTES}",
            bytes.len()
        ));
    }
    // serde_json bounds nesting depth itself (a recursion limit of 128).
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(format!(
            "expected a JSON object at the top, found {}",
            type_name(&other)
        )),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Text from a marketplace, fit for one line of output.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    shorten(
        flat.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
    )
}

fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Marketplace {
        Marketplace::parse(json.as_bytes(), MARKETPLACE_FILE).unwrap()
    }

    fn err(json: &[u8]) -> String {
        Marketplace::parse(json, MARKETPLACE_FILE)
            .unwrap_err()
            .to_string()
    }

    fn rel(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn specs_name_github_local_and_url_marketplaces() {
        let s = MarketplaceSpec::parse("marketplace:acme/tools@v2").unwrap();
        assert_eq!(
            s.source.location,
            Location::Url("https://github.com/acme/tools.git".into())
        );
        assert_eq!(s.source.reference.as_deref(), Some("v2"));
        assert_eq!(s.canonical(), "marketplace:acme/tools@v2");
        let s = MarketplaceSpec::parse("marketplace:github:acme/tools").unwrap();
        assert_eq!(s.canonical(), "marketplace:acme/tools");
        let s = MarketplaceSpec::parse("marketplace:./market").unwrap();
        assert_eq!(s.source.location, Location::Local("./market".into()));
        let s = MarketplaceSpec::parse("marketplace:/srv/m#dev").unwrap();
        assert_eq!(s.source.reference.as_deref(), Some("dev"));
        assert_eq!(s.canonical(), "marketplace:/srv/m#dev");
        let s = MarketplaceSpec::parse("marketplace:file:///srv/m#main:sub").unwrap();
        assert_eq!(s.canonical(), "marketplace:file:///srv/m#main:sub");
        assert_eq!(s.source.path.as_str(), "sub");
        for bad in [
            "marketplace:",
            "marketplace:  ",
            "marketplace:plugins/a/b",
            "marketplace:acme/tools/sub",
            "marketplace:github:acme/tools/sub",
            "marketplace:acme/tools@bad ref",
            "marketplace:ftp://x/y",
            "acme/tools",
        ] {
            let e = MarketplaceSpec::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid source spec"), "{bad}: {e}");
        }
        assert_eq!(MarketplaceSpec::strip("github:acme/x"), None);
    }

    #[test]
    fn every_source_form_is_read() {
        let m = parse(
            r#"{
          "name": "acme", "metadata": {"pluginRoot": "./plugins", "description": "Acme's"},
          "plugins": [
            {"name": "rel", "description": "Relative", "source": "./fmt"},
            {"name": "gh", "source": {"source": "github", "repo": "acme/gh", "ref": "v2"}},
            {"name": "gh-pin", "source": {"source": "github", "repo": "acme/gh", "ref": "v2",
               "sha": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
            {"name": "url", "source": {"source": "url", "url": "file:///srv/u.git"}},
            {"name": "sub", "source": {"source": "git-subdir", "url": "https://h.example/r.git", "path": "./tools/x"}},
            {"name": "sub-gh", "source": {"source": "git-subdir", "url": "acme/mono", "path": "x"}},
            {"name": "npm", "source": {"source": "npm", "package": "@acme/x"}},
            {"name": "zip", "source": {"source": "url", "url": "https://h.example/x.zip"}},
            {"name": "odd", "source": {"source": "svn", "url": "svn://x"}},
            {"name": "pip", "source": {"source": "pip", "package": "x"}}
          ]}"#,
        );
        assert_eq!(m.name.as_deref(), Some("acme"));
        assert_eq!(m.description.as_deref(), Some("Acme's"));
        let p = |n: &str| m.get(n).unwrap();
        assert_eq!(
            p("rel").source,
            Some(PluginSource::Relative(rel("plugins/fmt")))
        );
        assert_eq!(p("rel").description.as_deref(), Some("Relative"));
        let Some(PluginSource::Git {
            spec,
            reference,
            sha,
        }) = &p("gh").source
        else {
            panic!("{:?}", p("gh"))
        };
        assert_eq!(spec.to_string(), "github:acme/gh@v2");
        assert_eq!((reference.as_deref(), sha), (Some("v2"), &None));
        let Some(PluginSource::Git { spec, sha, .. }) = &p("gh-pin").source else {
            panic!()
        };
        assert_eq!(spec.reference.as_deref(), Some(&*"a".repeat(40)));
        assert!(sha.is_some());
        assert!(
            p("gh-pin").written.contains("sha aaaaaaa"),
            "{}",
            p("gh-pin").written
        );
        let Some(PluginSource::Git { spec, .. }) = &p("url").source else {
            panic!()
        };
        assert_eq!(spec.to_string(), "file:///srv/u.git");
        let Some(PluginSource::Git { spec, .. }) = &p("sub").source else {
            panic!()
        };
        assert_eq!(spec.to_string(), "https://h.example/r.git#:tools/x");
        let Some(PluginSource::Git { spec, .. }) = &p("sub-gh").source else {
            panic!()
        };
        assert_eq!(spec.to_string(), "github:acme/mono/x");
        assert_eq!(p("npm").form, SourceForm::Npm);
        let why = p("npm").problem.as_deref().unwrap();
        assert!(
            why.starts_with("plugin npm: it comes from npm; artisync tracks git repositories only"),
            "{why}"
        );
        assert_eq!(p("zip").form, SourceForm::Archive);
        assert!(p("zip").problem.as_deref().unwrap().contains("archive"));
        assert_eq!(p("odd").form, SourceForm::Unknown);
        assert!(p("odd")
            .problem
            .as_deref()
            .unwrap()
            .contains("unknown form \"svn\""));
        assert_eq!(p("pip").form, SourceForm::Pip);
        for ok in ["rel", "gh", "gh-pin", "url", "sub", "sub-gh"] {
            assert_eq!(p(ok).problem, None, "{ok}");
        }
    }

    #[test]
    fn hostile_entries_are_refused_per_plugin_with_where_and_why() {
        let m = parse(
            r#"{"plugins": [
            {"name": "up", "source": "../outside"},
            {"name": "abs", "source": "/etc"},
            {"name": "url-string", "source": "https://h.example/x.git"},
            {"name": "num", "source": 7},
            {"name": "none"},
            {"name": "badsha", "source": {"source": "github", "repo": "a/b", "sha": "abc"}},
            {"name": "badref", "source": {"source": "github", "repo": "a/b", "ref": "x..y"}},
            {"name": "badrepo", "source": {"source": "github", "repo": "a/b/c"}},
            {"name": "ssh", "source": {"source": "url", "url": "git@github.com:a/b.git"}},
            {"name": "hash", "source": {"source": "url", "url": "https://h.example/x.git#main"}},
            {"name": "subup", "source": {"source": "git-subdir", "url": "a/b", "path": "../x"}},
            {"name": "nopath", "source": {"source": "git-subdir", "url": "a/b"}},
            {"name": "refnum", "source": {"source": "github", "repo": "a/b", "ref": 1}},
            {"name": "skills-up", "source": "./ok", "skills": ["./s", "../../etc"]},
            {"name": "skills-num", "source": "./ok", "commands": 3},
            {"name": "skills-item", "source": "./ok", "agents": [true]}
            ]}"#,
        );
        let why = |n: &str| m.get(n).unwrap().problem.clone().unwrap_or_default();
        assert!(
            why("up").contains("plugins[0].source \"../outside\" leaves its root"),
            "{}",
            why("up")
        );
        assert!(why("abs").contains("is absolute"), "{}", why("abs"));
        assert!(
            why("url-string").contains("is a URL"),
            "{}",
            why("url-string")
        );
        assert!(why("num").contains("found a number"), "{}", why("num"));
        assert!(why("none").contains("source is missing"), "{}", why("none"));
        assert!(
            why("badsha").contains("not a full commit id"),
            "{}",
            why("badsha")
        );
        assert!(
            why("badref").contains("not a valid git ref"),
            "{}",
            why("badref")
        );
        assert!(
            why("badrepo").contains("not OWNER/REPO"),
            "{}",
            why("badrepo")
        );
        assert!(
            why("ssh").contains("not an https:// or file:// URL"),
            "{}",
            why("ssh")
        );
        assert!(why("hash").contains("carries a '#'"), "{}", why("hash"));
        assert!(why("subup").contains("leaves its root"), "{}", why("subup"));
        assert!(
            why("nopath").contains("path is missing"),
            "{}",
            why("nopath")
        );
        assert!(
            why("refnum").contains("source.ref must be a string"),
            "{}",
            why("refnum")
        );
        assert!(
            why("skills-up").contains("plugins[13].skills[1]"),
            "{}",
            why("skills-up")
        );
        assert!(
            why("skills-num").contains("commands must be a path or an array"),
            "{}",
            why("skills-num")
        );
        assert!(
            why("skills-item").contains("agents[0] must be a path string, found a boolean"),
            "{}",
            why("skills-item")
        );
        assert!(m.plugins.iter().all(|p| p
            .problem
            .as_deref()
            .is_some_and(|w| w.starts_with(&format!("plugin {}:", p.name)))));
    }

    #[test]
    fn a_file_that_is_no_marketplace_is_one_precise_error() {
        for (json, want) in [
            (
                &b"{\"plugins\": [}"[..],
                "not valid JSON: expected value at line 1 column 14",
            ),
            (b"[]", "expected a JSON object at the top, found an array"),
            (b"{}", "no \"plugins\" array"),
            (
                b"{\"plugins\": {}}",
                "plugins must be an array, found an object",
            ),
            (
                b"{\"plugins\": [1]}",
                "plugins[0] must be an object, found a number",
            ),
            (b"{\"plugins\": [{}]}", "plugins[0] has no name"),
            (
                b"{\"plugins\": [{\"name\": 5}]}",
                "plugins[0].name must be a string",
            ),
            (
                b"{\"plugins\": [{\"name\": \"a b\"}]}",
                "is not a plugin name",
            ),
            (
                b"{\"plugins\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
                "plugins[1].name \"a\" is listed twice",
            ),
            (
                b"{\"metadata\": {\"pluginRoot\": \"../x\"}, \"plugins\": []}",
                "metadata.pluginRoot \"../x\" leaves",
            ),
            (
                b"{\"metadata\": {\"pluginRoot\": 1}, \"plugins\": []}",
                "metadata.pluginRoot must be a path string",
            ),
            (
                b"{\"metadata\": [], \"plugins\": []}",
                "metadata must be an object",
            ),
            (b"\xff\xfe", "not valid JSON"),
        ] {
            let e = err(json);
            assert!(
                e.starts_with("malformed .claude-plugin/marketplace.json: "),
                "{e}"
            );
            assert!(e.contains(want), "{e} lacks {want}");
            assert!(!e.contains('\n'), "{e}");
        }
        // Too large, too deep.
        let mut big = b"{\"plugins\": [], \"x\": \"".to_vec();
        big.extend(vec![b'a'; MAX_JSON_BYTES as usize]);
        big.extend(b"\"}");
        assert!(err(&big).contains("artisync reads at most"));
        let deep = format!(
            "{{\"plugins\": {}{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(
            err(deep.as_bytes()).contains("recursion limit"),
            "{}",
            err(deep.as_bytes())
        );
    }

    #[test]
    fn plugin_json_paths_default_and_yield_to_the_marketplace_entry() {
        let pj = PluginPaths::parse_plugin_json(
            br#"{"name": "x", "skills": "./my-skills", "commands": ["./c1", "c2/one.md"]}"#,
            "p/.claude-plugin/plugin.json",
        )
        .unwrap();
        assert_eq!(pj.skills, Some(vec![rel("my-skills")]));
        assert_eq!(pj.commands, Some(vec![rel("c1"), rel("c2/one.md")]));
        assert_eq!(pj.agents, None);
        let entry = PluginPaths {
            commands: Some(vec![rel("market-cmds")]),
            ..PluginPaths::default()
        };
        let merged = entry.over(&pj);
        let got: Vec<(Kind, String, bool)> = merged
            .resolved()
            .into_iter()
            .map(|k| (k.kind, k.path.to_string(), k.explicit))
            .collect();
        assert_eq!(
            got,
            vec![
                (Kind::Skill, "my-skills".into(), true),
                (Kind::Command, "market-cmds".into(), true),
                (Kind::Agent, "agents".into(), false),
            ]
        );
        let defaults: Vec<String> = PluginPaths::default()
            .resolved()
            .into_iter()
            .map(|k| k.path.to_string())
            .collect();
        assert_eq!(defaults, ["skills", "commands", "agents"]);
        for (bad, want) in [
            (
                &br#"{"skills": "../up"}"#[..],
                "skills \"../up\" leaves its root",
            ),
            (br#"{"agents": "/etc/agents"}"#, "is absolute"),
            (
                br#"{"commands": {"a": 1}}"#,
                "commands must be a path or an array of paths, found an object",
            ),
            (
                br#"{"skills": [null]}"#,
                "skills[0] must be a path string, found null",
            ),
            (b"null", "found null"),
            (b"", "not valid JSON"),
        ] {
            let e = PluginPaths::parse_plugin_json(bad, "p/.claude-plugin/plugin.json")
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("malformed p/.claude-plugin/plugin.json: "),
                "{e}"
            );
            assert!(e.contains(want), "{e} lacks {want}");
        }
    }
}
