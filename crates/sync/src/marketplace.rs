//! `add marketplace:…`: listing a Claude Code plugin marketplace, and
//! importing the skills, commands and agents of chosen plugins as ordinary
//! upstream artifacts. The marketplace and each plugin's repository go
//! through the same upstream cache as any `add`; every file is read from a
//! fetched commit, never from a working tree. What is imported is recorded
//! with an ordinary source spec, so fetch, status, diff and sync treat it
//! as any upstream artifact; the marketplace and plugin are kept beside it
//! only to say where it was chosen.

use std::collections::{BTreeMap, HashMap};

use artisync_model::marketplace::{KindPath, MARKETPLACE_FILE, MAX_JSON_BYTES, PLUGIN_FILE};
use artisync_model::{
    ArtifactId, Content, Location, ManifestEntry, Marketplace, MarketplaceSpec, ObjectId,
    PluginEntry, PluginPaths, PluginSource, RelPath, SourceSpec,
};
use artisync_store::{CachedRepo, ResolvedSource};
use serde::Serialize;

use crate::adding::{plugin_artifacts, uncommitted_warning, AtCommit, Candidate};
use crate::engine::{edit_distance, offline_warning, AddRequest, Engine};
use crate::report::{AddReport, Imported};
use crate::SyncError;

/// One plugin as `add marketplace:…` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PluginListing {
    pub name: String,
    pub description: Option<String>,
    pub version: Option<String>,
    /// How its source is written: relative, github, url, git-subdir, npm,
    /// pip, archive or unknown.
    pub source: &'static str,
    /// The source as written, in one line.
    pub written: String,
    /// The source spec its root resolves to, when artisync can track it.
    pub resolves_to: Option<String>,
    /// Whether its artifacts would track a fixed commit (a `sha` pin, or
    /// a marketplace read at a commit id).
    pub pinned: bool,
    pub importable: bool,
    /// Why it cannot be imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A marketplace's plugins, read at one commit.
#[derive(Debug, Clone, Serialize)]
pub struct MarketplaceListing {
    /// The marketplace's spec, canonical.
    pub marketplace: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub repository: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub commit: ObjectId,
    pub plugins: Vec<PluginListing>,
    pub warnings: Vec<String>,
}

/// What was imported from one plugin.
#[derive(Debug, Clone, Serialize)]
pub struct PluginImported {
    pub name: String,
    /// The source spec of the plugin's root.
    pub source: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub commit: ObjectId,
    pub artifacts: Vec<ArtifactId>,
}

/// The result of importing plugins: an add's report, and per plugin what
/// came from where.
#[derive(Debug, Clone, Serialize)]
pub struct MarketplaceImport {
    pub marketplace: String,
    pub plugins: Vec<PluginImported>,
    #[serde(flatten)]
    pub report: AddReport,
}

/// What `add marketplace:…` did: listed the plugins (no `--plugin`, no
/// `--all`) or imported some.
#[derive(Debug, Clone)]
pub enum MarketplaceOutcome {
    Listing(MarketplaceListing),
    Imported(MarketplaceImport),
}

/// The caches one marketplace add reads, each fetched once; those it
/// created are removed again if the add fails.
struct Repos<'e> {
    engine: &'e Engine,
    open: HashMap<String, CachedRepo>,
    created: Vec<String>,
    warnings: Vec<String>,
}

impl Repos<'_> {
    fn fetched(&mut self, url: &str) -> Result<&CachedRepo, SyncError> {
        if !self.open.contains_key(url) {
            let caches = self.engine.cache();
            if !caches.contains(url) {
                self.created.push(url.to_string());
            }
            let repo = caches.open_or_create(url)?;
            let fetched = repo.fetch()?;
            self.warnings.extend(offline_warning(url, &fetched));
            self.open.insert(url.to_string(), repo);
        }
        self.open
            .get(url)
            .ok_or_else(|| SyncError::Refused(format!("{url} could not be opened")))
    }

    fn get(&self, url: &str) -> Result<&CachedRepo, SyncError> {
        self.open
            .get(url)
            .ok_or_else(|| SyncError::Refused(format!("{url} was not fetched")))
    }
}

/// The marketplace as read: where it is and what it lists.
struct Read {
    canonical: String,
    source: ResolvedSource,
    reference: String,
    commit: ObjectId,
    market: Marketplace,
}

/// Where one plugin's root is: the repository, the root inside it and the
/// ref its artifacts track.
struct Root {
    source: ResolvedSource,
    path: RelPath,
    /// `None` tracks the repository's default branch.
    tracked: Option<String>,
    /// Read at the marketplace's own commit.
    in_marketplace: bool,
    pinned: bool,
}

impl Root {
    fn spec(&self) -> String {
        self.source.spec_for(&self.path, self.tracked.as_deref())
    }
}

fn is_commit_id(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn root_of(entry: &PluginEntry, read: &Read) -> Result<Option<Root>, SyncError> {
    Ok(match &entry.source {
        _ if entry.problem.is_some() => None,
        None => None,
        Some(PluginSource::Relative(p)) => Some(Root {
            source: read.source.clone(),
            path: read.source.path.join(p),
            tracked: Some(read.reference.clone()),
            in_marketplace: true,
            pinned: is_commit_id(&read.reference),
        }),
        Some(PluginSource::Git { spec, sha, .. }) => Some(Root {
            source: ResolvedSource::from_spec(spec)?,
            path: spec.path.clone(),
            tracked: spec.reference.clone(),
            in_marketplace: false,
            pinned: sha.is_some(),
        }),
    })
}

/// The name in `known` a mistyped `name` most likely meant: one that
/// differs only in case, else the nearest within a third of its length.
fn nearest_name<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k);
    }
    let limit = (name.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, k.len()))
        .map(|(_, k)| k.as_str())
}

/// Names for a message: the first few, then how many more.
fn some_names(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = names.iter().take(SHOWN).cloned().collect();
    if names.len() > SHOWN {
        out.push(format!("and {} more", names.len() - SHOWN));
    }
    if out.is_empty() {
        "no plugins".into()
    } else {
        out.join(", ")
    }
}

/// A candidate artifact and the plugin (index into the chosen list) it
/// came from.
struct Found {
    candidate: Candidate,
    plugin: usize,
}

/// One chosen plugin, read.
struct Chosen<'m> {
    entry: &'m PluginEntry,
    root: Root,
    reference: String,
    commit: ObjectId,
}

impl Engine {
    /// `add marketplace:…`: lists the marketplace's plugins when no plugin
    /// is asked for, else imports the asked ones (`req.plugins`, or every
    /// one with `req.all`) into the collection as one commit.
    pub fn add_marketplace(&self, req: &AddRequest) -> Result<MarketplaceOutcome, SyncError> {
        let collection = self.collection()?;
        if req.name.is_some() {
            return Err(SyncError::Refused(
                "--name applies to a single artifact; each artifact of a plugin keeps its own name"
                    .into(),
            ));
        }
        let mut spec = MarketplaceSpec::parse(&req.spec)?;
        // The shell leaves `~` after "marketplace:" as it is.
        if let Location::Local(p) = &spec.source.location {
            if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), std::env::var_os("HOME")) {
                spec.source.location = Location::Local(std::path::Path::new(&home).join(rest));
            }
        }
        let source = ResolvedSource::from_spec(&spec.source)?;
        let canonical = match &spec.source.location {
            // A relative path means nothing later: record where it led.
            Location::Local(p) => MarketplaceSpec {
                source: SourceSpec {
                    location: Location::Local(std::fs::canonicalize(p).unwrap_or(p.clone())),
                    ..spec.source.clone()
                },
            }
            .canonical(),
            Location::Url(_) => spec.canonical(),
        };
        let mut repos = Repos {
            engine: self,
            open: HashMap::new(),
            created: Vec::new(),
            warnings: Vec::new(),
        };
        let result = self.marketplace_with(req, &collection, canonical, source, &mut repos);
        if result.is_err() {
            // A failed add leaves nothing behind, not even the caches it
            // created.
            let caches = self.cache();
            for url in &repos.created {
                caches.discard(url);
            }
        }
        result
    }

    fn read_marketplace(
        &self,
        canonical: String,
        source: ResolvedSource,
        repos: &mut Repos<'_>,
    ) -> Result<Read, SyncError> {
        let repo = repos.fetched(&source.url)?;
        let (reference, commit) = repo.resolve(source.reference.as_deref())?;
        let file = source.path.join_str(MARKETPLACE_FILE)?;
        let bytes = repo
            .read_small_file(commit, &file, MAX_JSON_BYTES)?
            .ok_or_else(|| {
                SyncError::Refused(format!(
                    "{} has no {file} at {reference} ({}); a plugin marketplace lists its plugins in that file",
                    source.url,
                    commit.short()
                ))
            })?;
        let label = format!("{file} in {} at {}", source.url, commit.short());
        let market = Marketplace::parse(&bytes, &label)?;
        Ok(Read {
            canonical,
            source,
            reference,
            commit,
            market,
        })
    }

    fn marketplace_with(
        &self,
        req: &AddRequest,
        collection: &artisync_store::Collection,
        canonical: String,
        source: ResolvedSource,
        repos: &mut Repos<'_>,
    ) -> Result<MarketplaceOutcome, SyncError> {
        let read = self.read_marketplace(canonical, source, repos)?;
        if req.plugins.is_empty() && !req.all {
            return Ok(MarketplaceOutcome::Listing(listing(&read, repos)?));
        }
        let mut warnings = Vec::new();
        // Which plugins: each named one must exist and be importable.
        let mut entries: Vec<&PluginEntry> = Vec::new();
        if req.all {
            for p in &read.market.plugins {
                match &p.problem {
                    Some(why) => warnings.push(format!("skipped {why}")),
                    None => entries.push(p),
                }
            }
        }
        for name in &req.plugins {
            let p = read.market.get(name).ok_or_else(|| {
                let known: Vec<String> =
                    read.market.plugins.iter().map(|p| p.name.clone()).collect();
                SyncError::UnknownPlugin {
                    name: name.clone(),
                    marketplace: read.canonical.clone(),
                    suggestion: nearest_name(name, &known).map(str::to_string),
                    available: some_names(&known),
                }
            })?;
            if let Some(why) = &p.problem {
                return Err(SyncError::Refused(why.clone()));
            }
            if !entries.iter().any(|e| e.name == p.name) {
                entries.push(p);
            }
        }
        if entries.is_empty() {
            return Err(SyncError::Refused(format!(
                "marketplace {} lists no plugin artisync can import ({})",
                read.canonical,
                warnings.join("; ")
            )));
        }

        // Find every plugin's artifacts before reading or writing any.
        let mut chosen = Vec::new();
        let mut found = Vec::new();
        for entry in entries {
            let Some(root) = root_of(entry, &read)? else {
                continue;
            };
            let (reference, commit) = if root.in_marketplace {
                (read.reference.clone(), read.commit)
            } else {
                repos
                    .fetched(&root.source.url)?
                    .resolve(root.tracked.as_deref())?
            };
            let repo = repos.get(&root.source.url)?;
            let pj = root.path.join_str(PLUGIN_FILE)?;
            let own = match repo.read_small_file(commit, &pj, MAX_JSON_BYTES)? {
                Some(bytes) => PluginPaths::parse_plugin_json(
                    &bytes,
                    &format!("{pj} in {} at {}", root.source.url, commit.short()),
                )?,
                None => PluginPaths::default(),
            };
            let tree = AtCommit {
                cache: repo,
                commit,
                url: &root.source.url,
            };
            let index = chosen.len();
            let mut any = false;
            for KindPath {
                kind,
                path,
                explicit,
            } in entry.paths.over(&own).resolved()
            {
                if req.kind.is_some_and(|k| k != kind) {
                    continue;
                }
                let at = root.path.join(&path);
                match plugin_artifacts(&tree, kind, &at, &entry.name)? {
                    None if explicit => warnings.push(format!(
                        "plugin {}: its {} path '{path}' is not in {} at {}; skipped",
                        entry.name,
                        kind.folder(),
                        root.source.url,
                        commit.short()
                    )),
                    None => {}
                    Some((candidates, skipped)) => {
                        for s in skipped {
                            warnings.push(format!(
                                "plugin {}: skipped {s} under '{path}': not a {} artisync can name (a-z, 0-9, '.', '_', '-')",
                                entry.name,
                                kind.as_str()
                            ));
                        }
                        any |= !candidates.is_empty();
                        found.extend(candidates.into_iter().map(|candidate| Found {
                            candidate,
                            plugin: index,
                        }));
                    }
                }
            }
            if !any {
                warnings.push(format!(
                    "plugin {} holds no {} artisync imports (hooks and MCP servers are not tracked)",
                    entry.name,
                    req.kind
                        .map(|k| format!("{}s", k.as_str()))
                        .unwrap_or_else(|| "skills, commands or agents".into())
                ));
            }
            chosen.push(Chosen {
                entry,
                root,
                reference,
                commit,
            });
        }

        // One artifact per id: the collection's own first, then the
        // plugin listed first.
        let manifest = collection.manifest()?;
        let mut picked: Vec<Found> = Vec::new();
        let mut known = 0;
        for f in found {
            let id = &f.candidate.id;
            if manifest.get(id).is_some() {
                known += 1;
                warnings.push(format!("{id} is already in the collection; skipped"));
            } else if let Some(first) = picked.iter().find(|p| &p.candidate.id == id) {
                warnings.push(format!(
                    "{id} of plugin {} has the id of the one from plugin {}; skipped (import it on its own with 'artisync add SPEC --name NEW')",
                    chosen[f.plugin].entry.name,
                    chosen[first.plugin].entry.name
                ));
            } else {
                picked.push(f);
            }
        }
        if picked.is_empty() && known == 0 {
            let names: Vec<String> = chosen.iter().map(|c| c.entry.name.clone()).collect();
            return Err(SyncError::Refused(format!(
                "nothing to import: {}",
                if warnings.is_empty() {
                    format!(
                        "plugin {} holds no skills, commands or agents",
                        names.join(", ")
                    )
                } else {
                    warnings.join("; ")
                }
            )));
        }

        // Read and check everything before writing anything.
        let mut staged: Vec<(&Found, Content)> = Vec::new();
        for f in &picked {
            let c = &chosen[f.plugin];
            let repo = repos.get(&c.root.source.url)?;
            let content =
                repo.read_content(c.commit, &f.candidate.path, f.candidate.id.kind.shape())?;
            staged.push((
                f,
                Self::stage(collection, &f.candidate, content, &c.root.source.url)?,
            ));
        }
        // A local repository's working tree may hold edits its commits do
        // not: those are not imported, and the user should know.
        let mut by_repo: BTreeMap<(String, String, ObjectId), Vec<RelPath>> = BTreeMap::new();
        for (f, _) in &staged {
            let c = &chosen[f.plugin];
            by_repo
                .entry((c.root.source.url.clone(), c.reference.clone(), c.commit))
                .or_default()
                .push(f.candidate.path.clone());
        }
        for ((url, reference, commit), paths) in &by_repo {
            match artisync_store::upstream::worktree_changes(url, paths) {
                Ok(changes) => warnings.extend(uncommitted_warning(
                    url.trim_start_matches("file://"),
                    &changes,
                    reference,
                    *commit,
                )),
                Err(e) => warnings.push(format!("could not check for uncommitted changes: {e}")),
            }
        }
        let mut all_warnings = std::mem::take(&mut repos.warnings);
        all_warnings.extend(warnings);

        let mut plugins: Vec<PluginImported> = chosen
            .iter()
            .map(|c| PluginImported {
                name: c.entry.name.clone(),
                source: c.root.spec(),
                reference: c.reference.clone(),
                commit: c.commit,
                artifacts: Vec::new(),
            })
            .collect();
        if staged.is_empty() {
            return Ok(MarketplaceOutcome::Imported(MarketplaceImport {
                marketplace: read.canonical,
                plugins,
                report: AddReport {
                    collection: self.collection_name.clone(),
                    imported: vec![],
                    commit: None,
                    warnings: all_warnings,
                    notes: vec![],
                },
            }));
        }

        let written: Vec<(&ArtifactId, &Content)> = staged
            .iter()
            .map(|(f, content)| (&f.candidate.id, content))
            .collect();
        collection.write_artifacts(&written)?;
        let mut manifest = manifest;
        let synced_at = artisync_store::now();
        let mut imported = Vec::new();
        let mut body = Vec::new();
        for (f, content) in &staged {
            let c = &chosen[f.plugin];
            let id = &f.candidate.id;
            let hash = content.hash();
            let spec_text = c
                .root
                .source
                .spec_for(&f.candidate.path, Some(&c.reference));
            manifest.upsert(ManifestEntry {
                kind: id.kind,
                name: id.name.clone(),
                source: Some(spec_text.clone()),
                reference: Some(c.reference.clone()),
                upstream_commit: Some(c.commit),
                upstream_hash: Some(hash),
                synced_at: Some(synced_at.clone()),
                marketplace: Some(read.canonical.clone()),
                plugin: Some(c.entry.name.clone()),
            });
            body.push(format!(
                "- {id} from {spec_text} at {} (plugin {} of {})",
                c.commit.short(),
                c.entry.name,
                read.canonical
            ));
            plugins[f.plugin].artifacts.push(id.clone());
            imported.push(Imported {
                id: id.clone(),
                source: Some(spec_text),
                reference: Some(c.reference.clone()),
                commit: Some(c.commit),
                hash,
                upstream: true,
                copied_from: None,
            });
        }
        for c in &chosen {
            repos.get(&c.root.source.url)?.keep(c.commit)?;
        }
        repos.get(&read.source.url)?.keep(read.commit)?;
        collection.save_manifest(&manifest)?;
        let report = self.commit_added(
            collection,
            imported,
            &body.join("\n"),
            &written,
            all_warnings,
            vec![],
        )?;
        Ok(MarketplaceOutcome::Imported(MarketplaceImport {
            marketplace: read.canonical,
            plugins,
            report,
        }))
    }
}

/// The listing of a marketplace: each plugin with what it resolves to.
fn listing(read: &Read, repos: &mut Repos<'_>) -> Result<MarketplaceListing, SyncError> {
    let mut plugins = Vec::new();
    for p in &read.market.plugins {
        let root = root_of(p, read)?;
        plugins.push(PluginListing {
            name: p.name.clone(),
            description: p.description.clone(),
            version: p.version.clone(),
            source: p.form.as_str(),
            written: p.written.clone(),
            resolves_to: root.as_ref().map(Root::spec),
            pinned: root.as_ref().is_some_and(|r| r.pinned),
            importable: p.problem.is_none(),
            problem: p.problem.clone(),
        });
    }
    Ok(MarketplaceListing {
        marketplace: read.canonical.clone(),
        name: read.market.name.clone(),
        description: read.market.description.clone(),
        repository: read.source.url.clone(),
        reference: read.reference.clone(),
        commit: read.commit,
        plugins,
        warnings: std::mem::take(&mut repos.warnings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_plugin_finds_its_name_and_a_stranger_none() {
        let known: Vec<String> = ["formatter", "linter", "deploy-tools"]
            .map(String::from)
            .to_vec();
        assert_eq!(nearest_name("fromatter", &known), Some("formatter"));
        assert_eq!(nearest_name("Linter", &known), Some("linter"));
        assert_eq!(nearest_name("zzz", &known), None);
        let many: Vec<String> = (0..25).map(|i| format!("p{i}")).collect();
        assert!(some_names(&many).ends_with("p19, and 5 more"));
        assert_eq!(some_names(&[]), "no plugins");
    }
}
