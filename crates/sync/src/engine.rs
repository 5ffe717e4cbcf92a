//! The engine's operations. Each validates everything it was given before it
//! writes anything, so a bad input never leaves a partial write.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use artisync_model::{
    drift, ArtifactId, Content, Kind, LockEntry, Manifest, ManifestEntry, Metadata, Name, ObjectId,
    RelPath, Shape, SourceSpec, Status, Target, Tier,
};
use artisync_store::fsio;
use artisync_store::statcache::StatCache;
use artisync_store::upstream::CacheView;
use artisync_store::upstream::{FetchOutcome, LocalFolder};
use artisync_store::{CachedRepo, Collection, Home, Project, Registry, ResolvedSource, StoreError};

use crate::adding::{find_artifacts, uncommitted_warning, AtCommit, Candidate};
use crate::diff::{diff_contents_with, Whitespace};
use crate::report::*;
use crate::SyncError;

/// What a status report reads from one project.
struct ProjectRead<'p> {
    project: &'p Project,
    /// Each copy the lockfile records for this collection: its lock entry
    /// and its hash (or why it could not be read).
    copies: HashMap<ArtifactId, (LockEntry, Result<Option<ObjectId>, String>)>,
    /// Artifacts on disk the lockfile does not record, with their hashes
    /// (or why the folder could not be scanned).
    untracked: Result<Vec<(ArtifactId, Option<ObjectId>)>, String>,
}

/// What `add` was asked to import.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    pub spec: String,
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub all: bool,
    /// For a `marketplace:` spec, the plugins to import (none: list them).
    pub plugins: Vec<String>,
}

pub struct Engine {
    pub home: Home,
    pub collection_name: String,
}

impl Engine {
    pub fn new(home: Home, collection: impl Into<String>) -> Engine {
        Engine {
            home,
            collection_name: collection.into(),
        }
    }

    pub fn collection(&self) -> Result<Collection, SyncError> {
        Ok(Collection::open(&self.home, &self.collection_name)?)
    }

    pub(crate) fn cache(&self) -> artisync_store::UpstreamCache {
        artisync_store::UpstreamCache::new(self.home.cache_dir())
    }

    pub fn init(&self, remote: Option<&str>) -> Result<Collection, SyncError> {
        Ok(Collection::init(&self.home, &self.collection_name, remote)?)
    }

    /// Refuses the first of `ids` that `manifest` does not hold.
    fn require_known(&self, manifest: &Manifest, ids: &[ArtifactId]) -> Result<(), SyncError> {
        match ids.iter().find(|id| manifest.get(id).is_none()) {
            Some(id) => Err(self.unknown(id)),
            None => Ok(()),
        }
    }

    /// The error for an artifact this collection does not hold, with the
    /// id it most likely meant.
    pub fn unknown(&self, id: &ArtifactId) -> SyncError {
        let known: Vec<String> = self
            .collection()
            .and_then(|c| Ok(c.manifest()?))
            .map(|m| m.artifacts.iter().map(|e| e.id().to_string()).collect())
            .unwrap_or_default();
        SyncError::UnknownArtifact {
            id: id.to_string(),
            collection: self.collection_name.clone(),
            suggestion: nearest(&id.to_string(), &known).map(str::to_string),
        }
    }

    // ---- add -------------------------------------------------------------

    /// Imports the artifact (or, with `all`, every artifact) at an upstream
    /// spec into the collection, as one commit. A plain folder that no git
    /// repository holds is imported as it is, as local artifacts with no
    /// upstream.
    pub fn add(&self, req: &AddRequest) -> Result<AddReport, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        // What can be checked without the upstream is checked before
        // fetching, so such a bad input does not even touch the cache.
        if let Some(name) = &req.name {
            Name::new(name)?;
        }
        if artisync_model::MarketplaceSpec::strip(&req.spec).is_some() {
            return Err(SyncError::Refused(format!(
                "{} names a plugin marketplace; list or import its plugins with Engine::add_marketplace",
                req.spec
            )));
        }
        if !req.plugins.is_empty() {
            return Err(SyncError::Refused(format!(
                "--plugin applies to marketplace specs (marketplace:OWNER/REPO, marketplace:PATH or marketplace:URL); {} is not one",
                req.spec
            )));
        }
        let spec = SourceSpec::parse(&req.spec)?;
        if let Some(folder) = LocalFolder::from_spec(&spec)? {
            return self.add_local(req, &collection, manifest, &folder);
        }
        let source = ResolvedSource::from_spec(&spec)?;
        let cache_dir = self.cache();
        let new_cache = !cache_dir.contains(&source.url);
        let result = self.add_from(req, &collection, manifest, &source);
        if result.is_err() && new_cache {
            // A failed add leaves nothing behind, not even the cache of an
            // upstream it fetched for the first time.
            cache_dir.discard(&source.url);
        }
        result
    }

    /// Keeps the candidates to import: with `all`, those not in the
    /// collection yet (the others are named in `warnings`); otherwise the
    /// one candidate, refused if there are several or it is known.
    fn choose(
        &self,
        req: &AddRequest,
        manifest: &Manifest,
        mut candidates: Vec<Candidate>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Candidate>, SyncError> {
        if candidates.len() > 1 && !req.all {
            let names: Vec<String> = candidates.iter().map(|c| c.id.to_string()).collect();
            return Err(SyncError::Refused(format!(
                "{} holds {} artifacts ({}); pass --all to import them all, or give the path of one",
                req.spec,
                names.len(),
                names.join(", ")
            )));
        }
        if req.all {
            candidates.retain(|c| {
                let known = manifest.get(&c.id).is_some();
                if known {
                    warnings.push(format!("{} is already in the collection; skipped", c.id));
                }
                !known
            });
        } else if let Some(c) = candidates.first() {
            if manifest.get(&c.id).is_some() {
                return Err(SyncError::Refused(format!(
                    "{} is already in collection '{}'; to update it run 'artisync sync --direction upstream_to_collection {}'",
                    c.id, self.collection_name, c.id
                )));
            }
        }
        Ok(candidates)
    }

    /// Checks a candidate's content and that its place in the collection
    /// is free.
    pub(crate) fn stage(
        collection: &Collection,
        c: &Candidate,
        content: Option<Content>,
        from: &str,
    ) -> Result<Content, SyncError> {
        let content = content
            .ok_or_else(|| SyncError::Refused(format!("{} vanished from {from}", c.path)))?;
        content
            .check()
            .map_err(|e| SyncError::Refused(format!("cannot import {}: {e}", c.id)))?;
        // No agent can use an artifact whose front matter does not read,
        // nor a skill without a description: refused, before anything is
        // written. Everything else the format asks is only a warning.
        let text = metadata_text(&c.id, &content).unwrap_or_default();
        let unusable: Vec<String> =
            artisync_model::check_artifact(c.id.kind, c.id.name.as_str(), &text)
                .into_iter()
                .filter(|f| f.refuses_import)
                .map(|f| format!("{} {}", f.field, f.message))
                .collect();
        if !unusable.is_empty() {
            return Err(SyncError::Refused(format!(
                "cannot import {} from {from}: {}; nothing was imported; fix it at its source and add it again",
                c.id,
                unusable.join("; ")
            )));
        }
        if collection.artifact_path(&c.id).exists() {
            return Err(SyncError::Refused(format!(
                "{} already exists in the collection folder but not in its manifest; move it away first",
                collection.artifact_path(&c.id).display()
            )));
        }
        Ok(content)
    }

    fn add_from(
        &self,
        req: &AddRequest,
        collection: &Collection,
        mut manifest: Manifest,
        source: &ResolvedSource,
    ) -> Result<AddReport, SyncError> {
        let cache = self.cache().open_or_create(&source.url)?;
        let fetched = cache.fetch()?;
        let mut warnings = offline_warning(&source.url, &fetched);
        let (reference, commit) = cache.resolve(source.reference.as_deref())?;

        let tree = AtCommit {
            cache: &cache,
            commit,
            url: &source.url,
        };
        let found = find_artifacts(&tree, &source.path, req)?;
        let notes = found.notes;
        let candidates = self.choose(req, &manifest, found.candidates, &mut warnings)?;

        // Read and check everything before writing anything.
        let mut staged = Vec::new();
        for c in &candidates {
            let content = cache.read_content(commit, &c.path, c.id.kind.shape())?;
            staged.push((c, Self::stage(collection, c, content, &source.url)?));
        }
        if staged.is_empty() {
            return Ok(AddReport {
                collection: self.collection_name.clone(),
                imported: vec![],
                commit: None,
                warnings,
                notes,
            });
        }
        // A local repository's working tree may hold edits its commits do
        // not: those are not imported, and the user should know.
        let paths: Vec<RelPath> = staged.iter().map(|(c, _)| c.path.clone()).collect();
        match artisync_store::upstream::worktree_changes(&source.url, &paths) {
            Ok(changes) => {
                let repo = source.url.trim_start_matches("file://");
                warnings.extend(uncommitted_warning(repo, &changes, &reference, commit));
            }
            Err(e) => warnings.push(format!("could not check for uncommitted changes: {e}")),
        }

        let synced_at = artisync_store::now();
        let mut imported = Vec::new();
        // Written together: one flush makes all of them durable.
        let written: Vec<(&ArtifactId, &Content)> =
            staged.iter().map(|(c, content)| (&c.id, content)).collect();
        collection.write_artifacts(&written)?;
        for (c, content) in &staged {
            let hash = content.hash();
            let spec_text = source.spec_for(&c.path, Some(&reference));
            manifest.upsert(ManifestEntry {
                kind: c.id.kind,
                name: c.id.name.clone(),
                source: Some(spec_text.clone()),
                reference: Some(reference.clone()),
                upstream_commit: Some(commit),
                upstream_hash: Some(hash),
                synced_at: Some(synced_at.clone()),
                marketplace: None,
                plugin: None,
            });
            imported.push(Imported {
                id: c.id.clone(),
                source: Some(spec_text),
                reference: Some(reference.clone()),
                commit: Some(commit),
                hash,
                upstream: true,
                copied_from: None,
            });
        }
        cache.keep(commit)?;
        collection.save_manifest(&manifest)?;
        let body = imported
            .iter()
            .map(|i| {
                format!(
                    "- {} from {} at {}",
                    i.id,
                    i.source.as_deref().unwrap_or(""),
                    commit.short()
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.commit_added(collection, imported, &body, &written, warnings, notes)
    }

    /// `add` from a plain folder: each artifact is copied as it is on disk
    /// and recorded with no source, as an artifact made in the collection
    /// would be. Fetching and syncing from upstream pass it by.
    fn add_local(
        &self,
        req: &AddRequest,
        collection: &Collection,
        mut manifest: Manifest,
        folder: &LocalFolder,
    ) -> Result<AddReport, SyncError> {
        let mut warnings = Vec::new();
        let found = find_artifacts(folder, &folder.rel, req)?;
        let notes = found.notes;
        let candidates = self.choose(req, &manifest, found.candidates, &mut warnings)?;
        let from = folder.path.display().to_string();
        let mut staged = Vec::new();
        for c in &candidates {
            let content = folder.read_content(&c.path, c.id.kind.shape())?;
            staged.push((c, Self::stage(collection, c, content, &from)?));
        }
        if staged.is_empty() {
            return Ok(AddReport {
                collection: self.collection_name.clone(),
                imported: vec![],
                commit: None,
                warnings,
                notes,
            });
        }
        let written: Vec<(&ArtifactId, &Content)> =
            staged.iter().map(|(c, content)| (&c.id, content)).collect();
        collection.write_artifacts(&written)?;
        let mut imported = Vec::new();
        for (c, content) in &staged {
            manifest.upsert(ManifestEntry::local(&c.id));
            imported.push(Imported {
                id: c.id.clone(),
                source: None,
                reference: None,
                commit: None,
                hash: content.hash(),
                upstream: false,
                copied_from: Some(std::path::Path::new("/").join(c.path.as_str())),
            });
        }
        collection.save_manifest(&manifest)?;
        let body = imported
            .iter()
            .map(|i| {
                let from = i
                    .copied_from
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                format!(
                    "- {} copied from the local folder {from} (no upstream)",
                    i.id
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.commit_added(collection, imported, &body, &written, warnings, notes)
    }

    // ---- fetch -----------------------------------------------------------

    /// Refreshes the upstream cache for the given artifacts (all when empty).
    /// Changes nothing else.
    pub fn fetch(&self, ids: &[ArtifactId]) -> Result<Vec<FetchReport>, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        self.require_known(&manifest, ids)?;
        let mut by_url: BTreeMap<String, Vec<ArtifactId>> = BTreeMap::new();
        for e in &manifest.artifacts {
            if !ids.is_empty() && !ids.contains(&e.id()) {
                continue;
            }
            if let Some(src) = &e.source {
                let resolved = ResolvedSource::from_spec(&SourceSpec::parse(src)?)?;
                by_url.entry(resolved.url).or_default().push(e.id());
            }
        }
        let mut out = Vec::new();
        for (url, artifacts) in by_url {
            let cache = self.cache();
            let new_cache = !cache.contains(&url);
            let fetched = match cache.open_or_create(&url).and_then(|c| c.fetch()) {
                Ok(f) => f,
                Err(e) => {
                    // Never fetched and unreachable: leave no empty cache
                    // behind that would pass for a fetch.
                    if new_cache {
                        cache.discard(&url);
                    }
                    return Err(e.into());
                }
            };
            let warnings = pruned_warnings(&url, &fetched.pruned, &manifest, &artifacts);
            out.push(FetchReport {
                url,
                fetched_at: fetched.state.fetched_at,
                offline: fetched.offline,
                artifacts,
                warnings,
            });
        }
        Ok(out)
    }

    // ---- projects --------------------------------------------------------

    /// Registers the project at `path`. With `targets`, they become its
    /// layouts (also for a project registered before); without, a new
    /// project gets `claude` and a registered one keeps its own.
    pub fn project_add(
        &self,
        path: &Path,
        targets: &[Target],
    ) -> Result<(Project, bool), SyncError> {
        let project = Project::open(&self.home, path)?;
        let registry = Registry::new(&self.home);
        let changed = if targets.is_empty() {
            registry.add(&project)?
        } else {
            let mut unique: Vec<Target> = Vec::new();
            for t in targets {
                if !unique.contains(t) {
                    unique.push(*t);
                }
            }
            registry.set_targets(&project, &unique)?
        };
        Ok((project, changed))
    }

    /// The targets of the project at `root` (registered, or `claude`).
    pub fn targets_of(&self, root: &Path) -> Result<Vec<Target>, SyncError> {
        Ok(Registry::new(&self.home).targets_of(root)?)
    }

    /// The copy of `project` a command reads: in `target` when one is
    /// named (refused when the project does not use it), otherwise in its
    /// first target.
    pub fn project_copy(&self, path: &Path, target: Option<Target>) -> Result<Project, SyncError> {
        let project = Project::open(&self.home, path)?;
        let targets = self.targets_of(&project.root)?;
        match target {
            None => Ok(project.in_target(targets[0])),
            Some(t) if targets.contains(&t) => Ok(project.in_target(t)),
            Some(t) => Err(SyncError::Refused(format!(
                "project {} has no {t} target (it uses {}); add it with 'artisync project add {} --target {}' listing every target it should have",
                project.root.display(),
                list_targets(&targets),
                project.root.display(),
                targets
                    .iter()
                    .chain([&t])
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" --target ")
            ))),
        }
    }

    pub fn project_remove(&self, path: &Path) -> Result<(), SyncError> {
        Ok(Registry::new(&self.home).remove(path)?)
    }

    pub fn project_list(&self) -> Result<Vec<ProjectInfo>, SyncError> {
        let mut out = Vec::new();
        for rec in Registry::new(&self.home).list()? {
            let artifacts = Project::open(&self.home, &rec.path)
                .and_then(|p| p.lock())
                .map(|l| l.artifacts.len())
                .unwrap_or(0);
            out.push(ProjectInfo {
                path: rec.path,
                added_at: rec.added_at,
                targets: rec.targets,
                artifacts,
            });
        }
        Ok(out)
    }

    // ---- deploy ----------------------------------------------------------

    /// Copies artifacts the project does not have yet into each of its
    /// targets (only `target` when given) and records them in its lockfile.
    /// A target whose layout cannot hold the kind, or that has the artifact
    /// already, is passed by with a note; naming an artifact every target
    /// already has is refused. Registers the project on first use.
    pub fn deploy(
        &self,
        ids: &[ArtifactId],
        project_path: &Path,
        target: Option<Target>,
    ) -> Result<DeployReport, SyncError> {
        if ids.is_empty() {
            return Err(SyncError::Refused("name at least one artifact to deploy, e.g. 'artisync deploy skill:pdf --project .'".into()));
        }
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        // A project deployed to for the first time is registered with the
        // target it names (with `claude` when it names none, below).
        let registry = Registry::new(&self.home);
        if let Some(t) = target {
            let p = Project::open(&self.home, project_path)?;
            if !registry.contains(&p.root)? {
                registry.set_targets(&p, &[t])?;
            }
        }
        let project = self.project_copy(project_path, target)?;
        let targets = match target {
            Some(t) => vec![t],
            None => self.targets_of(&project.root)?,
        };
        let lock = project.lock()?;
        let mut staged: Vec<(Target, &ArtifactId, Content)> = Vec::new();
        let mut skipped = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for id in ids {
            // Naming an artifact twice deploys it once.
            if !seen.insert(id) {
                continue;
            }
            if manifest.get(id).is_none() {
                return Err(self.unknown(id));
            }
            let mut wanted = Vec::new();
            for t in &targets {
                if !t.holds(id.kind) {
                    skipped.push(NotDeployed {
                        id: id.clone(),
                        target: *t,
                        message: t.cannot_hold(id.kind),
                    });
                } else if lock.get(id, *t).is_some() {
                    skipped.push(NotDeployed {
                        id: id.clone(),
                        target: *t,
                        message: format!("already deployed in the {t} target"),
                    });
                } else {
                    wanted.push(*t);
                }
            }
            if wanted.is_empty() {
                if targets.iter().all(|t| !t.holds(id.kind)) {
                    return Err(SyncError::Refused(format!(
                        "{id} has no place in project {}: {}",
                        project.root.display(),
                        targets[0].cannot_hold(id.kind)
                    )));
                }
                return Err(SyncError::Refused(format!(
                    "{id} is already deployed in {}; to update it use 'artisync sync --direction collection_to_project {id} --project {}'",
                    project.root.display(),
                    project.root.display()
                )));
            }
            let content = collection.read_artifact(id)?.ok_or_else(|| {
                SyncError::Refused(format!(
                    "{id} is in the manifest but its files are missing from {}; restore them with git in the collection",
                    collection.artifact_path(id).display()
                ))
            })?;
            content
                .check()
                .map_err(|e| SyncError::Refused(format!("cannot deploy {id}: {e}")))?;
            for t in wanted {
                let dest = project.in_target(t).artifact_path(id);
                if std::fs::symlink_metadata(&dest).is_ok() {
                    return Err(SyncError::Refused(format!(
                        "{} already exists and is not tracked by artisync; move it away, or bring it into the collection with 'artisync sync --direction project_to_collection {id} --project {} --target {t}'",
                        dest.display(),
                        project.root.display()
                    )));
                }
                staged.push((t, id, content.clone()));
            }
        }
        Registry::new(&self.home).add(&project)?;
        let mut deployed = Vec::new();
        for t in &targets {
            let mine: Vec<(&ArtifactId, Content)> = staged
                .iter()
                .filter(|(st, _, _)| st == t)
                .map(|(_, id, c)| (*id, c.clone()))
                .collect();
            if !mine.is_empty() {
                let copy = project.in_target(*t);
                deployed.extend(self.deploy_staged(&collection, &manifest, &copy, &mine)?);
            }
        }
        Ok(DeployReport {
            project: project.root,
            collection: self.collection_name.clone(),
            deployed,
            skipped,
        })
    }

    // ---- status ----------------------------------------------------------

    /// Every copy location status reads: each target of `only`, or of
    /// every registered project that still exists.
    fn projects_for(&self, only: Option<&Path>) -> Result<Vec<Project>, SyncError> {
        let registry = Registry::new(&self.home);
        match only {
            Some(p) => {
                let p = Project::open(&self.home, p)?;
                let targets = registry.targets_of(&p.root)?;
                Ok(targets.into_iter().map(|t| p.in_target(t)).collect())
            }
            None => {
                let mut out = Vec::new();
                for rec in registry.list()? {
                    match Project::open(&self.home, &rec.path) {
                        Ok(p) => out.extend(rec.targets.iter().map(|t| p.in_target(*t))),
                        Err(StoreError::NoSuchPath { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(out)
            }
        }
    }

    /// The upstream → collection pair of `entry`, read from the cache only.
    /// `repos` keeps each upstream's cache open across the artifacts of one
    /// report (most artifacts share a handful of upstreams).
    fn upstream_state(
        &self,
        entry: &ManifestEntry,
        collection_hash: Option<ObjectId>,
        repos: &mut HashMap<String, Option<CacheView>>,
        warnings: &mut Vec<String>,
    ) -> Result<Option<UpstreamState>, SyncError> {
        let Some(src) = &entry.source else {
            return Ok(None);
        };
        let spec = SourceSpec::parse(src)?;
        let resolved = ResolvedSource::from_spec(&spec)?;
        let mut state = UpstreamState {
            status: Status::Missing,
            hash: None,
            commit: None,
            reference: entry.reference.clone(),
            source: src.clone(),
            repository: resolved.url.clone(),
            fetched_at: None,
            synced_commit: entry.upstream_commit,
            synced_hash: entry.upstream_hash,
            note: None,
        };
        let cache = match repos.entry(resolved.url.clone()) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.cache().view(&self.home, &resolved.url))
            }
        };
        let Some(cache) = cache.as_mut() else {
            state.note = Some("not fetched; run 'artisync fetch'".into());
            state.status = drift(entry.upstream_hash, entry.upstream_hash, collection_hash);
            return Ok(Some(state));
        };
        state.fetched_at = cache.fetched_at().map(str::to_string);
        let reference = entry.reference.as_deref().or(resolved.reference.as_deref());
        match cache.artifact_at(reference, &resolved.path, entry.kind.shape())? {
            Ok((commit, hash)) => {
                state.commit = Some(commit);
                state.hash = hash;
                if state.hash.is_none() {
                    state.note = Some(format!("{} no longer exists upstream", resolved.path));
                }
            }
            Err(StoreError::RefNotFound { url, reference }) => {
                let why = ref_gone(&entry.id(), &reference, &url);
                warnings.push(why.clone());
                state.note = Some(why);
            }
            Err(e) => state.note = Some(e.to_string()),
        }
        state.status = drift(entry.upstream_hash, state.hash, collection_hash);
        Ok(Some(state))
    }

    /// Drift of every artifact across the tiers. Reads only: nothing on disk
    /// changes, not even the cache.
    pub fn status(&self, project: Option<&Path>) -> Result<StatusReport, SyncError> {
        self.status_of(project, None)
    }

    /// `status`, limited to one artifact when `only` is given (then no
    /// untracked artifacts are listed).
    fn status_of(
        &self,
        project: Option<&Path>,
        only: Option<&ArtifactId>,
    ) -> Result<StatusReport, SyncError> {
        // Status reads the collection's files, never its git repository.
        let manifest = Collection::read_manifest(&self.home, &self.collection_name)?;
        let projects = self.projects_for(project)?;
        let entries: Vec<&ManifestEntry> = manifest
            .artifacts
            .iter()
            .filter(|e| only.is_none_or(|o| e.kind == o.kind && e.name == o.name))
            .collect();
        let ids: Vec<ArtifactId> = entries.iter().map(|e| e.id()).collect();
        // Each tier's root is opened once, and copies are hashed through
        // the tier's stat cache: a file whose stat data did not change
        // since it was last hashed is not read again. The collection's
        // copies are hashed on a thread of their own while the projects
        // are read (on several threads when there are many).
        let croot = Collection::tier_root_in(&self.home, &self.collection_name)?;
        let ccache = StatCache::for_root(&self.home, croot.path());
        let hash_collection = || {
            ids.iter()
                .map(|id| fsio::hash_content_in(&croot, &id.rel_path(), id.kind.shape(), &ccache))
                .collect::<Vec<_>>()
        };
        let (collection_hashes, reads) = std::thread::scope(|s| {
            let coll = std::thread::Builder::new()
                .spawn_scoped(s, hash_collection)
                .ok();
            let reads = self.read_projects(&projects, &ids, only.is_none());
            let coll = match coll {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                // No thread to be had (the system's limit): the same work here.
                None => hash_collection(),
            };
            (coll, reads)
        });
        let mut warnings = Vec::new();
        let mut opened = Vec::new();
        for read in reads {
            match read {
                Ok(r) => opened.push(r),
                // A project named with --project must be readable; across all
                // registered projects, one broken lockfile is only a warning.
                Err(e) if project.is_some() => return Err(e.into()),
                Err(e) => warnings.push(e.to_string()),
            }
        }
        let mut artifacts = Vec::new();
        let mut repos = HashMap::new();
        for ((entry, id), collection_hash) in entries.iter().zip(ids).zip(collection_hashes) {
            // One unreadable copy (a FIFO, a crafted tree, a folder nested
            // too deep) is a warning on that copy, not the end of the
            // report for every other artifact.
            let collection_hash = match collection_hash {
                Ok(h) => h,
                Err(e) => {
                    warnings.push(format!(
                        "{id} in collection '{}': {e}",
                        self.collection_name
                    ));
                    continue;
                }
            };
            let upstream =
                match self.upstream_state(entry, collection_hash, &mut repos, &mut warnings) {
                    Ok(u) => u,
                    Err(e) => {
                        warnings.push(format!("{id} upstream: {e}"));
                        None
                    }
                };
            let mut pstates = Vec::new();
            for r in &opened {
                let Some((le, hash)) = r.copies.get(&id) else {
                    continue;
                };
                let hash = match hash {
                    Ok(h) => *h,
                    Err(e) => {
                        warnings.push(format!("{id} in {}: {e}", r.project.root.display()));
                        continue;
                    }
                };
                pstates.push(ProjectState {
                    path: r.project.root.clone(),
                    target: r.project.target,
                    status: drift(Some(le.hash), collection_hash, hash),
                    hash,
                    deployed_hash: Some(le.hash),
                    deployed_at: Some(le.deployed_at.clone()),
                });
            }
            artifacts.push(ArtifactStatus {
                kind: id.kind,
                name: id.name.to_string(),
                id,
                collection: CollectionState {
                    hash: collection_hash,
                },
                upstream,
                projects: pstates,
            });
        }
        artifacts.sort_by(|a, b| a.id.cmp(&b.id));
        let mut untracked = Vec::new();
        for r in opened {
            match r.untracked {
                Ok(found) => untracked.extend(found.into_iter().map(|(id, hash)| Untracked {
                    hash,
                    in_collection: manifest.get(&id).is_some(),
                    status: Status::Untracked,
                    path: r.project.root.clone(),
                    target: r.project.target,
                    id,
                })),
                Err(e) => warnings.push(e),
            }
        }
        self.mark_conflicts(&mut artifacts)?;
        // The next status starts warm (best effort; a read-only data home
        // only makes it slower).
        artisync_store::statcache::save_all();
        // Only a collection with a remote opens its repository here.
        let remote = if Collection::has_remote_at(croot.path()) {
            match self.collection().and_then(|c| Ok(c.position()?)) {
                Ok(p) => p,
                Err(e) => {
                    warnings.push(format!("the collection's remote: {e}"));
                    None
                }
            }
        } else {
            None
        };
        Ok(StatusReport {
            collection: self.collection_name.clone(),
            remote,
            artifacts,
            untracked,
            warnings,
        })
    }

    /// Reads every project for a status report: sequentially for a few,
    /// split over the machine's cores (at most 4 threads) for many.
    fn read_projects<'p>(
        &self,
        projects: &'p [Project],
        ids: &[ArtifactId],
        scan: bool,
    ) -> Vec<Result<ProjectRead<'p>, StoreError>> {
        // Asked only when it matters: finding the machine's cores reads
        // cgroup files.
        let workers = || std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let workers = if projects.len() < 8 { 1 } else { workers() };
        if workers < 2 {
            return projects
                .iter()
                .map(|p| self.read_project(p, ids, scan))
                .collect();
        }
        let per_thread = projects.len().div_ceil(workers);
        std::thread::scope(|s| {
            let started: Vec<_> = projects
                .chunks(per_thread)
                .map(|chunk| {
                    let work = move || {
                        chunk
                            .iter()
                            .map(|p| self.read_project(p, ids, scan))
                            .collect::<Vec<_>>()
                    };
                    (std::thread::Builder::new().spawn_scoped(s, work).ok(), work)
                })
                .collect();
            started
                .into_iter()
                .flat_map(|(thread, work)| match thread {
                    Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    // No thread to be had (the system's limit): read here.
                    None => work(),
                })
                .collect()
        })
    }

    /// One project's lockfile, the hash of each copy of `ids` it records
    /// for this collection, and (with `scan`) the artifacts on disk it
    /// does not record. Only an unreadable lockfile (or project folder) is
    /// an error; an unreadable copy is carried as its message.
    fn read_project<'p>(
        &self,
        p: &'p Project,
        ids: &[ArtifactId],
        scan: bool,
    ) -> Result<ProjectRead<'p>, StoreError> {
        let root = p.tier_root()?;
        let lock = p.lock_in(&root)?;
        let cache = StatCache::for_root(&self.home, &p.root);
        let mut copies = HashMap::new();
        for id in ids {
            let Some(le) = lock
                .get(id, p.target)
                .filter(|le| le.collection == self.collection_name)
            else {
                continue;
            };
            let hash = p
                .artifact_hash(&root, &cache, id)
                .map_err(|e| e.to_string());
            copies.insert(id.clone(), (le.clone(), hash));
        }
        let untracked = if scan {
            p.scan_in(&root).map_err(|e| e.to_string()).map(|found| {
                found
                    .into_iter()
                    .filter(|id| lock.get(id, p.target).is_none())
                    .map(|id| {
                        let hash = p.artifact_hash(&root, &cache, &id).ok().flatten();
                        (id, hash)
                    })
                    .collect()
            })
        } else {
            Ok(Vec::new())
        };
        Ok(ProjectRead {
            project: p,
            copies,
            untracked,
        })
    }

    /// Overlays staged conflicts on the drift: a pair with a pending merge
    /// is `conflict` until it is resolved.
    fn mark_conflicts(&self, artifacts: &mut [ArtifactStatus]) -> Result<(), SyncError> {
        let collection = artisync_model::Destination::Collection {
            name: self.collection_name.clone(),
        };
        for p in self.pending().list()? {
            let Some(a) = artifacts.iter_mut().find(|a| a.id == p.id) else {
                continue;
            };
            let project = match &p.destination {
                artisync_model::Destination::Project { path, target } => {
                    Some((path.clone(), *target))
                }
                d if *d == collection => p.project.clone().map(|path| (path, p.target)),
                _ => continue,
            };
            match project {
                None => {
                    if let Some(u) = a.upstream.as_mut() {
                        u.status = Status::Conflict;
                    }
                }
                Some((root, target)) => {
                    if let Some(ps) = a
                        .projects
                        .iter_mut()
                        .find(|ps| ps.path == root && ps.target == target)
                    {
                        ps.status = Status::Conflict;
                    }
                }
            }
        }
        Ok(())
    }

    // ---- show / versions -------------------------------------------------

    pub fn show(&self, id: &ArtifactId) -> Result<ArtifactInfo, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let entry = manifest.get(id).ok_or_else(|| self.unknown(id))?;
        let content = collection.read_artifact(id)?;
        let metadata = content
            .as_ref()
            .map(|c| metadata_of(id, c))
            .unwrap_or_default();
        Ok(ArtifactInfo {
            id: id.clone(),
            kind: id.kind,
            name: id.name.to_string(),
            collection: self.collection_name.clone(),
            path: collection.artifact_path(id),
            hash: content.as_ref().map(Content::hash),
            metadata,
            files: content.as_ref().map(|c| c.files.len()).unwrap_or(0),
            size: content.as_ref().map(Content::total_size).unwrap_or(0),
            source: entry.source.clone(),
            reference: entry.reference.clone(),
            upstream_commit: entry.upstream_commit,
            upstream_hash: entry.upstream_hash,
            synced_at: entry.synced_at.clone(),
            marketplace: entry.marketplace.clone(),
            plugin: entry.plugin.clone(),
        })
    }

    pub fn versions(&self, id: &ArtifactId, project: Option<&Path>) -> Result<Versions, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let entry = manifest.get(id).ok_or_else(|| self.unknown(id))?;
        let last = collection.last_commit_touching(&id.rel_path(), 10_000);
        let state = self
            .status_of(project, Some(id))?
            .artifacts
            .into_iter()
            .next()
            .ok_or_else(|| self.unknown(id))?;
        let collection_hash = state.collection.hash;
        let projects = state.projects;
        let upstream = match state.upstream {
            None => None,
            Some(u) => {
                let info = match (u.commit, self.cached_repo(entry)?) {
                    (Some(c), Some(cache)) => cache.commit_info(c).ok(),
                    _ => None,
                };
                Some(UpstreamVersion {
                    source: u.source,
                    reference: u.reference,
                    commit: u.commit,
                    commit_time: info.as_ref().map(|i| i.time.clone()),
                    commit_summary: info.map(|i| i.summary),
                    fetched_at: u.fetched_at,
                    hash: u.hash,
                    synced_commit: u.synced_commit,
                    synced_hash: u.synced_hash,
                    status: u.status,
                    note: u.note,
                })
            }
        };
        Ok(Versions {
            id: id.clone(),
            upstream,
            collection: CollectionVersion {
                name: self.collection_name.clone(),
                path: collection.artifact_path(id),
                hash: collection_hash,
                commit: last.as_ref().map(|c| c.commit),
                time: last.as_ref().map(|c| c.time.clone()),
                summary: last.map(|c| c.summary),
            },
            projects,
        })
    }

    /// The upstream cache of `spec`, which must have been fetched, and what
    /// the spec resolves to.
    pub(crate) fn fetched(&self, spec: &str) -> Result<(ResolvedSource, CachedRepo), SyncError> {
        let resolved = ResolvedSource::from_spec(&SourceSpec::parse(spec)?)?;
        let cache =
            self.cache()
                .open_existing(&resolved.url)?
                .ok_or_else(|| StoreError::NotFetched {
                    url: resolved.url.clone(),
                })?;
        Ok((resolved, cache))
    }

    fn cached_repo(&self, entry: &ManifestEntry) -> Result<Option<CachedRepo>, SyncError> {
        let Some(src) = &entry.source else {
            return Ok(None);
        };
        let resolved = ResolvedSource::from_spec(&SourceSpec::parse(src)?)?;
        Ok(self.cache().open_existing(&resolved.url)?)
    }

    // ---- diff ------------------------------------------------------------

    /// Reads one tier's version of `id`: its content (if present) and a label.
    fn tier_content(
        &self,
        collection: &Collection,
        entry: &ManifestEntry,
        tier: Tier,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<(Option<Content>, String), SyncError> {
        let id = entry.id();
        match tier {
            Tier::Collection => Ok((
                collection.read_artifact(&id)?,
                format!("collection {}", self.collection_name),
            )),
            Tier::Project => {
                let path = project.ok_or_else(|| {
                    SyncError::Refused("the project tier needs --project PATH".into())
                })?;
                let p = self.project_copy(path, target)?;
                let label = artisync_model::Destination::Project {
                    path: p.root.clone(),
                    target: p.target,
                }
                .to_string();
                Ok((p.read_artifact(&id)?, label))
            }
            Tier::Upstream => {
                let src = entry.source.as_ref().ok_or_else(|| {
                    SyncError::Refused(format!(
                        "{id} has no upstream source; diff collection and project instead"
                    ))
                })?;
                let (resolved, cache) = self.fetched(src)?;
                let (_, commit) =
                    cache.resolve(entry.reference.as_deref().or(resolved.reference.as_deref()))?;
                let content = cache.read_content(commit, &resolved.path, id.kind.shape())?;
                Ok((
                    content,
                    format!("upstream {} at {}", resolved.url, commit.short()),
                ))
            }
        }
    }

    /// One tier's version of `id`, for downloads of single files.
    pub fn tier_content_of(
        &self,
        id: &ArtifactId,
        tier: Tier,
        project: Option<&Path>,
        target: Option<Target>,
    ) -> Result<Option<Content>, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let entry = manifest.get(id).ok_or_else(|| self.unknown(id))?;
        Ok(self
            .tier_content(&collection, entry, tier, project, target)?
            .0)
    }

    /// Checks the collection's copy of each artifact (every artifact when
    /// `ids` is empty) against the Agent Skills format, and for `targets`
    /// (when empty: every target a registered project uses) warns of the
    /// fields only Claude Code reads; read-only.
    pub fn check(
        &self,
        ids: &[ArtifactId],
        targets: &[Target],
    ) -> Result<Vec<CheckReport>, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        self.require_known(&manifest, ids)?;
        let mut targets = targets.to_vec();
        if targets.is_empty() {
            for p in Registry::new(&self.home).list()? {
                targets.extend(p.targets);
            }
        }
        targets.sort();
        targets.dedup();
        let mut out = Vec::new();
        for entry in &manifest.artifacts {
            let id = entry.id();
            if !ids.is_empty() && !ids.contains(&id) {
                continue;
            }
            let file = id.kind.metadata_file(&id.name);
            let content = self
                .tier_content(&collection, entry, Tier::Collection, None, None)?
                .0;
            let text = content.as_ref().and_then(|c| metadata_text(&id, c));
            let findings = match text {
                Some(t) => {
                    let mut f = artisync_model::check_artifact(id.kind, id.name.as_str(), &t);
                    f.extend(artisync_model::target_findings(id.kind, &t, &targets));
                    f
                }
                None => vec![artisync_model::Finding {
                    severity: artisync_model::Severity::Error,
                    field: "front matter".into(),
                    message: format!("{file} is missing from the collection's copy"),
                    refuses_import: false,
                }],
            };
            out.push(CheckReport { id, findings });
        }
        Ok(out)
    }

    /// The structured diff of `id` between two tiers, `lhs` as old and `rhs`
    /// as new.
    pub fn diff(
        &self,
        id: &ArtifactId,
        lhs: Tier,
        rhs: Tier,
        project: Option<&Path>,
    ) -> Result<ArtifactDiff, SyncError> {
        self.diff_with(id, lhs, rhs, project, None, Whitespace::Show)
    }

    /// `diff`, with whitespace-only changes shown or ignored.
    pub fn diff_with(
        &self,
        id: &ArtifactId,
        lhs: Tier,
        rhs: Tier,
        project: Option<&Path>,
        target: Option<Target>,
        ws: Whitespace,
    ) -> Result<ArtifactDiff, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let entry = manifest.get(id).ok_or_else(|| self.unknown(id))?;
        let (old, old_label) = self.tier_content(&collection, entry, lhs, project, target)?;
        let (new, new_label) = self.tier_content(&collection, entry, rhs, project, target)?;
        let findings = match (&new, rhs) {
            (Some(n), Tier::Upstream) if lhs != Tier::Upstream => {
                crate::audit::audit_change(id, old.as_ref(), n, &manifest.suppressions)
            }
            _ => vec![],
        };
        Ok(ArtifactDiff {
            id: id.clone(),
            lhs: DiffSide {
                tier: lhs,
                hash: old.as_ref().map(Content::hash),
                label: old_label,
            },
            rhs: DiffSide {
                tier: rhs,
                hash: new.as_ref().map(Content::hash),
                label: new_label,
            },
            diff: diff_contents_with(old.as_ref(), new.as_ref(), ws),
            findings,
        })
    }
}

/// What to say of `id` when its tracked ref is not in the cache (after a
/// fetch pruned it: deleted upstream).
pub(crate) fn ref_gone(id: &ArtifactId, reference: &str, url: &str) -> String {
    format!(
        "{id} tracks '{reference}', which no longer exists in {url} (deleted upstream?); its upstream is unknown until it tracks another branch, tag or commit: set that as its ref in artisync.toml, or remove it and add it again with the new ref"
    )
}

/// Warnings for the refs a fetch of `url` pruned: each deleted ref, and
/// each of `ids` that tracked it.
pub(crate) fn pruned_warnings(
    url: &str,
    pruned: &[String],
    manifest: &Manifest,
    ids: &[ArtifactId],
) -> Vec<String> {
    let mut out = Vec::new();
    for name in pruned {
        let short = name
            .strip_prefix("refs/heads/")
            .or_else(|| name.strip_prefix("refs/tags/"))
            .unwrap_or(name);
        let tracking: Vec<String> = ids
            .iter()
            .filter(|id| {
                manifest
                    .get(id)
                    .and_then(|e| e.reference.as_deref())
                    .is_some_and(|r| r == short)
            })
            .map(ToString::to_string)
            .collect();
        let what = artisync_store::upstream::describe_ref(name);
        if tracking.is_empty() {
            out.push(format!(
                "{what} was deleted from {url}; removed it from the cache"
            ));
        } else {
            out.push(format!(
                "{what} was deleted from {url}; {} tracked it and now cannot sync from upstream: set another branch, tag or commit as its ref in artisync.toml, or remove it and add it again with the new ref",
                tracking.join(", ")
            ));
        }
    }
    out
}

pub(crate) fn offline_warning(url: &str, f: &FetchOutcome) -> Vec<String> {
    match &f.offline {
        Some(why) => vec![format!(
            "could not reach {url} ({why}); using the last fetch from {}",
            f.state.fetched_at
        )],
        None => vec![],
    }
}

/// The text of the file that carries an artifact's front matter
/// (`SKILL.md` inside a skill, the file itself otherwise), if present.
fn metadata_text(id: &ArtifactId, content: &Content) -> Option<String> {
    let entry = match content.shape {
        Shape::File => content.files.values().next(),
        Shape::Dir => content
            .files
            .get(&RelPath::new(&id.kind.metadata_file(&id.name)).unwrap_or_default()),
    };
    entry.map(|e| String::from_utf8_lossy(&e.data).into_owned())
}

/// The title and description of an artifact, from its front matter.
pub fn metadata_of(id: &ArtifactId, content: &Content) -> Metadata {
    let file = id.kind.metadata_file(&id.name);
    match metadata_text(id, content) {
        Some(text) => Metadata::from_markdown(&text),
        None => Metadata {
            warning: Some(format!("{file} is missing")),
            ..Metadata::default()
        },
    }
}

/// The collection commit's subject for an add.
impl Engine {
    /// Commits what `add` imported and reports it. The files were just
    /// written from `written`: staged by id, the commit does not read and
    /// hash them again.
    pub(crate) fn commit_added(
        &self,
        collection: &Collection,
        imported: Vec<Imported>,
        body: &str,
        written: &[(&ArtifactId, &Content)],
        warnings: Vec<String>,
        notes: Vec<String>,
    ) -> Result<AddReport, SyncError> {
        let message = format!("{}\n\n{body}\n", add_subject(&imported));
        let commit = collection.commit_written(&message, written)?;
        // What the Agent Skills format would have different is said, never
        // refused ('artisync check' lists it again later).
        let mut warnings = warnings;
        for (id, content) in written {
            let text = metadata_text(id, content).unwrap_or_default();
            for f in artisync_model::check_artifact(id.kind, id.name.as_str(), &text) {
                warnings.push(format!("{id}: {} {}", f.field, f.message));
            }
        }
        Ok(AddReport {
            collection: self.collection_name.clone(),
            imported,
            commit,
            warnings,
            notes,
        })
    }
}

fn add_subject(imported: &[Imported]) -> String {
    match imported {
        [one] => format!("Add {}", one.id),
        _ => format!("Add {} artifacts", imported.len()),
    }
}
/// Edit distance (insertions, deletions, substitutions) between two strings.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The id in `known` a mistyped `id` most likely meant: the same name under
/// another kind (`skill:review` for `command:review`), else the nearest id
/// within a third of its length in edits (as git's "did you mean").
pub(crate) fn nearest<'a>(id: &str, known: &'a [String]) -> Option<&'a str> {
    let name = |s: &str| {
        s.split_once(':')
            .map(|(_, n)| n.to_string())
            .unwrap_or_default()
    };
    if let Some(same) = known.iter().find(|k| name(k) == name(id)) {
        return Some(same);
    }
    let limit = (id.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(id, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, k.len()))
        .map(|(_, k)| k.as_str())
}

/// "claude and agents", for messages.
pub(crate) fn list_targets(targets: &[Target]) -> String {
    let names: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::nearest;

    #[test]
    fn a_typo_or_another_kind_finds_the_id_and_a_stranger_finds_none() {
        let known: Vec<String> = ["skill:pdf", "skill:changelog", "command:review"]
            .map(String::from)
            .to_vec();
        assert_eq!(nearest("skill:chnagelog", &known), Some("skill:changelog"));
        assert_eq!(nearest("skill:review", &known), Some("command:review"));
        assert_eq!(nearest("skill:pfd", &known), Some("skill:pdf"));
        assert_eq!(nearest("agent:deploy-bot", &known), None);
        assert_eq!(nearest("skill:x", &[]), None);
    }
}
