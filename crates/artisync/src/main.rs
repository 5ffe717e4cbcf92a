//! The artisync binary: parses the command line, calls the engine, prints
//! the result for a person or as one JSON document. No logic of its own.

mod audit;
mod cli;
mod demo;
mod error;
mod output;
mod progress;
mod resolving;
mod scope;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use artisync_jobs::{JobKind, JobRequest, JobState, JobStore, Origin};
use artisync_model::{ArtifactId, Direction, Kind, MarketplaceSpec, Outcome, Severity, Tier};
use artisync_store::Home;
use artisync_sync::{AddRequest, Engine, MarketplaceOutcome, PatchFormat, Resolution, SyncRequest};
use clap::Parser;
use serde::Serialize;

use clap::CommandFactory;
use cli::{
    Cli, CollectionAction, Command, CompletionShell, LogFormat, ProjectAction, RemoteAction,
};
use error::CliError;
use output::Out;
use progress::Progress;

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    if cli.command.is_offline() {
        artisync_store::repo::declare_offline();
    }
    if cli.command.uses_git() && !cli.command.starts_git_lazily() {
        artisync_store::repo::start_git();
    }
    let mut out = Out::new(
        cli.global.json,
        cli.global.quiet,
        cli.global.log_format == LogFormat::Json,
    );
    out.verbose = cli.global.verbose;
    let result = scope::apply(&mut cli).and_then(|()| run(&cli, &out));
    // Whatever the command hashed, the next one starts from it.
    artisync_store::statcache::save_all();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit)
        }
    }
}

/// clap renders a usage error over several lines (message, usage, hint);
/// artisync's errors are one line, so they are joined into one, honouring
/// --json and --log-format json like every other error. Help and version
/// output is printed as clap prints it.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if !e.use_stderr() || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    let text = e.render().to_string();
    let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut message = Vec::new();
    let mut usage = None;
    for line in text.lines() {
        if let Some(u) = line.strip_prefix("Usage:") {
            usage = Some(words(u));
        } else if line.starts_with("For more information") {
            break;
        } else if usage.is_none() && !line.trim().is_empty() {
            message.push(words(line));
        }
    }
    let mut message = message.join(" ");
    if let Some(rest) = message.strip_prefix("error: ") {
        message = rest.to_string();
    }
    match usage {
        Some(u) => message = format!("{message}; usage: {u}"),
        None => message.push_str("; see 'artisync --help'"),
    }
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let log_json = args.iter().any(|a| a == "--log-format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--log-format" && w[1] == "json");
    let err = CliError::usage(message);
    Out::new(json, false, log_json).error(&err);
    ExitCode::from(err.exit)
}

/// Writes generated text (a completion script, a manual page) to stdout;
/// a closed pipe (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::Error::from(e).into()),
        _ => Ok(()),
    }
}

fn parse_id(s: &str) -> Result<ArtifactId, CliError> {
    s.parse()
        .map_err(|e: artisync_model::ModelError| CliError::usage(e.to_string()))
}

fn parse_ids(v: &[String]) -> Result<Vec<ArtifactId>, CliError> {
    v.iter().map(|s| parse_id(s)).collect()
}

/// Structured logs on stderr: text or JSON lines (`--log-format json`);
/// request logs with `-v`.
fn init_logging(cli: &Cli) {
    let level = if cli.global.verbose {
        tracing_subscriber::filter::LevelFilter::INFO
    } else if cli.global.quiet {
        tracing_subscriber::filter::LevelFilter::ERROR
    } else {
        tracing_subscriber::filter::LevelFilter::WARN
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level);
    let _ = if cli.global.log_format == LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.with_ansi(false).try_init()
    };
}

/// Runs the server until Ctrl-C, printing where it listens and the
/// one-time login URL.
pub fn serve(
    home: Home,
    addr: std::net::SocketAddr,
    allow_roots: Vec<PathBuf>,
    workers: usize,
    limits: artisync_server::Limits,
    out: &Out,
) -> Result<(), CliError> {
    // Handlers run their file, git and SQLite work on the blocking pool;
    // a few threads keep two cores busy, and more would only add memory
    // (each thread keeps its own allocator arena) and context switches.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    let config = artisync_server::ServerConfig {
        addr,
        allow_roots,
        workers,
        limits,
    };
    let json = out.json;
    runtime
        .block_on(artisync_server::serve(home, config, move |addr, login| {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"addr": addr.to_string(), "login_url": login})
                );
            } else {
                println!("artisync is serving on http://{addr}");
                println!("Open this one-time link in your browser to log in: {login}");
            }
            let _ = std::io::Write::flush(&mut std::io::stdout());
        }))
        .map_err(|e| CliError {
            exit: 1,
            code: "serve",
            message: e,
            silent: false,
        })
}

/// Moves a job's progress bar to the job's recorded progress (read back
/// from the store only when a bar is drawn).
fn show_step(bar: &Progress, store: &JobStore, id: &str) {
    if !bar.is_shown() {
        return;
    }
    if let Ok(Some(j)) = store.get(id) {
        let last = j
            .results
            .as_array()
            .and_then(|r| r.last())
            .and_then(|r| r["id"].as_str())
            .unwrap_or("");
        bar.set(j.done, j.total, last);
    }
}

/// The sync directions, in the words of the error for any other.
const SYNC_DIRECTIONS: &str =
    "upstream_to_collection, collection_to_project or project_to_collection";

/// A `sync --direction` with the project it needs (or must not have).
fn sync_direction(name: &str, project: Option<&std::path::Path>) -> Result<Direction, CliError> {
    let direction: Direction = name.parse().map_err(|_| {
        CliError::usage(format!(
            "invalid direction {name:?}: use {SYNC_DIRECTIONS} (a project's changes go upstream as a patch: 'artisync patch ID --project P')"
        ))
    })?;
    match (direction, project) {
        (Direction::ProjectToUpstream, _) => Err(CliError::usage(
            "project_to_upstream is not a sync: artisync never writes upstream; export a patch with 'artisync patch ID --project P'",
        )),
        (Direction::UpstreamToCollection, Some(_)) => Err(CliError::usage(
            "upstream_to_collection writes the collection and takes no --project",
        )),
        (Direction::CollectionToProject | Direction::ProjectToCollection, None) => Err(
            CliError::usage(format!("{direction} needs --project PATH")),
        ),
        _ => Ok(direction),
    }
}

fn usage(e: artisync_model::ModelError) -> CliError {
    CliError::usage(e.to_string())
}

fn parse_resolution(s: &str) -> Result<Resolution, CliError> {
    match s {
        "ours" => Ok(Resolution::Ours),
        "theirs" => Ok(Resolution::Theirs),
        _ => match s.strip_prefix('@') {
            Some(file) => std::fs::read(file)
                .map(Resolution::Edited)
                .map_err(|e| CliError::usage(format!("cannot read the edited file {file}: {e}"))),
            None => Err(CliError::usage(format!(
                "invalid resolution {s:?}: use ours, theirs or @EDITED_FILE"
            ))),
        },
    }
}

fn parse_tier(s: &str) -> Result<Tier, CliError> {
    s.parse()
        .map_err(|e: artisync_model::ModelError| CliError::usage(e.to_string()))
}

fn engine(cli: &Cli) -> Result<Engine, CliError> {
    Ok(Engine::new(
        Home::from_env()?,
        cli.global.collection.clone(),
    ))
}

fn emit<T: Serialize>(out: &Out, value: &T, human: impl FnOnce(&Out)) -> Result<(), CliError> {
    if out.json {
        let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    } else {
        human(out);
    }
    Ok(())
}

fn run(cli: &Cli, out: &Out) -> Result<(), CliError> {
    match &cli.command {
        Command::Init { remote } => {
            let e = engine(cli)?;
            let c = e.init(remote.as_deref())?;
            // A remote that already holds a collection is pulled in.
            let pulled = match remote {
                Some(_) => match e.pull(false) {
                    Ok(r) => Some(r),
                    Err(artisync_sync::SyncError::Refused(why))
                        if why.contains("holds no collection") =>
                    {
                        None
                    }
                    Err(err) => {
                        out.warn(&format!(
                            "created the collection, but could not pull from its remote: {err}; run 'artisync collection pull' when it is reachable"
                        ));
                        None
                    }
                },
                None => None,
            };
            let report = serde_json::json!({"collection": c.name, "path": c.root, "remote": remote, "pulled": pulled});
            emit(out, &report, |o| {
                o.line(&format!(
                    "Created collection '{}' at {}",
                    c.name,
                    c.root.display()
                ));
                match (remote, &pulled) {
                    (Some(url), Some(p)) => o.line(&format!(
                        "Pulled {} from {url}",
                        output::count(p.artifacts.len(), "artifact", "artifacts")
                    )),
                    (Some(url), None) => o.line(&format!(
                        "Its remote is {url}; share it with 'artisync collection push'"
                    )),
                    _ => {}
                }
            })
        }
        Command::Collection { action } => {
            let e = engine(cli)?;
            match action {
                CollectionAction::Remote { action: None } => {
                    let p = e.remote_position()?;
                    emit(out, &p, |o| output::remote(o, p.as_ref()))
                }
                CollectionAction::Remote {
                    action: Some(RemoteAction::Set { url }),
                } => {
                    e.set_remote(url)?;
                    let report = serde_json::json!({"remote": url});
                    emit(out, &report, |o| {
                        o.line(&format!(
                            "The collection's remote is {url}; 'artisync collection pull' and 'push' share through it"
                        ))
                    })
                }
                CollectionAction::Pull { yes } => {
                    let spinner = Progress::spinner(out, "pulling the collection's remote");
                    let report = e.pull(*yes);
                    drop(spinner);
                    let report = report?;
                    for w in &report.warnings {
                        out.warn(w);
                    }
                    emit(out, &report, |o| output::pulled(o, &report))?;
                    if report
                        .artifacts
                        .iter()
                        .any(|a| a.outcome == Outcome::Conflict)
                    {
                        return Err(CliError {
                            exit: 3,
                            code: "conflict",
                            message: "the pull staged conflicts; nothing was broken; see 'artisync resolve'".into(),
                            silent: out.json,
                        });
                    }
                    Ok(())
                }
                CollectionAction::Push => {
                    let report = e.push()?;
                    emit(out, &report, |o| {
                        o.line(&format!(
                            "Pushed {} to {}",
                            report.commit.short(),
                            report.remote
                        ))
                    })
                }
            }
        }
        Command::Add {
            spec,
            name,
            kind,
            all,
            plugins,
        } => {
            let kind = kind
                .as_deref()
                .map(|k| k.parse::<Kind>())
                .transpose()
                .map_err(|e| CliError::usage(e.to_string()))?;
            let req = AddRequest {
                spec: spec.clone(),
                name: name.clone(),
                kind,
                all: *all,
                plugins: plugins.clone(),
            };
            if MarketplaceSpec::strip(spec).is_some() {
                if name.is_some() {
                    return Err(CliError::usage(
                        "--name applies to a single artifact; each artifact of a plugin keeps its own name",
                    ));
                }
                let what = if plugins.is_empty() && !all {
                    "reading"
                } else {
                    "importing from"
                };
                let spinner = Progress::spinner(out, &format!("{what} {}", req.spec));
                let outcome = engine(cli)?.add_marketplace(&req);
                drop(spinner);
                return match outcome? {
                    MarketplaceOutcome::Listing(l) => {
                        for w in &l.warnings {
                            out.warn(w);
                        }
                        emit(out, &l, |o| output::marketplace(o, &l))
                    }
                    MarketplaceOutcome::Imported(r) => {
                        for w in &r.report.warnings {
                            out.warn(w);
                        }
                        emit(out, &r, |o| output::marketplace_import(o, &r))
                    }
                };
            }
            if !plugins.is_empty() {
                return Err(CliError::usage(format!(
                    "--plugin applies to marketplace specs (marketplace:OWNER/REPO, marketplace:PATH or marketplace:URL); {spec} is not one"
                )));
            }
            let spinner = Progress::spinner(out, &format!("importing {}", req.spec));
            let report = engine(cli)?.add(&req);
            drop(spinner);
            let report = report?;
            for w in &report.warnings {
                out.warn(w);
            }
            emit(out, &report, |o| output::add(o, &report))
        }
        Command::List => {
            let report = engine(cli)?.status(None)?;
            for w in &report.warnings {
                out.warn(w);
            }
            emit(out, &report, |o| output::list(o, &report))
        }
        Command::Status { project } => {
            let mut report = engine(cli)?.status(project.as_deref())?;
            // With --project, that project's artifacts only (the report
            // then holds no other project's rows).
            if project.is_some() {
                report.artifacts.retain(|a| !a.projects.is_empty());
            }
            for w in &report.warnings {
                out.warn(w);
            }
            emit(out, &report, |o| output::status(o, &report))
        }
        Command::Audit(args) => audit::run(cli, out, args),
        Command::Check { ids, targets } => {
            let ids = parse_ids(ids)?;
            let reports = engine(cli)?.check(&ids, targets)?;
            emit(out, &reports, |o| output::check(o, &reports))?;
            let errors = reports
                .iter()
                .filter(|r| r.findings.iter().any(|f| f.severity == Severity::Error))
                .count();
            if errors > 0 {
                return Err(CliError {
                    exit: 1,
                    code: "invalid",
                    message: format!(
                        "{} not as the Agent Skills format asks; see the lines above",
                        output::count(errors, "artifact is", "artifacts are")
                    ),
                    silent: out.json,
                });
            }
            Ok(())
        }
        Command::Show { id } => {
            let id = parse_id(id)?;
            let info = engine(cli)?.show(&id)?;
            if let Some(w) = &info.metadata.warning {
                out.warn(&format!("{id}: {w}"));
            }
            emit(out, &info, |o| output::show(o, &info))
        }
        Command::Versions { id, project } => {
            let id = parse_id(id)?;
            let v = engine(cli)?.versions(&id, project.as_deref())?;
            emit(out, &v, |o| output::versions(o, &v))
        }
        Command::Fetch { ids } => {
            let ids = parse_ids(ids)?;
            let spinner = Progress::spinner(out, "fetching the upstreams");
            let reports = engine(cli)?.fetch(&ids);
            drop(spinner);
            let reports = reports?;
            for r in &reports {
                if let Some(why) = &r.offline {
                    out.warn(&format!(
                        "could not reach {} ({why}); using the last fetch from {}",
                        r.url, r.fetched_at
                    ));
                }
                for w in &r.warnings {
                    out.warn(w);
                }
            }
            emit(out, &reports, |o| output::fetch(o, &reports))
        }
        Command::Diff {
            id,
            lhs,
            rhs,
            project,
            target,
        } => {
            let id = parse_id(id)?;
            let (lhs, rhs) = (parse_tier(lhs)?, parse_tier(rhs)?);
            if (lhs == Tier::Project || rhs == Tier::Project) && project.is_none() {
                return Err(CliError::usage(
                    "diffing the project tier needs --project PATH",
                ));
            }
            let spinner = Progress::spinner(out, &format!("diffing {id}"));
            let d = engine(cli)?.diff_with(
                &id,
                lhs,
                rhs,
                project.as_deref(),
                *target,
                artisync_sync::Whitespace::Show,
            );
            drop(spinner);
            let d = d?;
            emit(out, &d, |o| output::diff(o, &d))
        }
        Command::Deploy {
            ids,
            project,
            target,
        } => {
            let ids = parse_ids(ids)?;
            let project = scope::required(project, "deploy")?;
            let report = engine(cli)?.deploy(&ids, project, *target)?;
            emit(out, &report, |o| output::deploy(o, &report))
        }
        Command::Project { action } => {
            let e = engine(cli)?;
            match action {
                ProjectAction::Add { path, targets } => {
                    let path = scope::required(path, "project add")?;
                    let known = e
                        .project_list()?
                        .iter()
                        .any(|p| std::fs::canonicalize(path).is_ok_and(|c| c == p.path));
                    let (p, changed) = e.project_add(path, targets)?;
                    let targets = e.targets_of(&p.root)?;
                    let new = changed && !known;
                    let report =
                        serde_json::json!({"path": p.root, "added": new, "targets": targets});
                    let names: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
                    emit(out, &report, |o| {
                        let what = if new {
                            "Registered project"
                        } else if changed {
                            "Set the targets of project"
                        } else {
                            "Project already registered:"
                        };
                        o.line(&format!(
                            "{what} {} (targets: {})",
                            p.root.display(),
                            names.join(", ")
                        ));
                    })
                }
                ProjectAction::List => {
                    let list = e.project_list()?;
                    emit(out, &list, |o| output::projects(o, &list))
                }
                ProjectAction::Remove { path } => {
                    let path = scope::required(path, "project remove")?;
                    e.project_remove(path)?;
                    let report = serde_json::json!({"path": path, "removed": true});
                    emit(out, &report, |o| {
                        o.line(&format!(
                            "Forgot project {} (its files are untouched)",
                            path.display()
                        ))
                    })
                }
            }
        }
        Command::Sync {
            direction,
            ids,
            project,
            target,
            strategy,
            strategy_for,
            dry_run,
            yes,
        } => {
            let direction = sync_direction(direction, project.as_deref())?;
            let mut req = SyncRequest::new(direction);
            req.artifacts = parse_ids(ids)?;
            req.project = project.clone();
            req.target = *target;
            if target.is_some() && project.is_none() {
                return Err(CliError::usage(
                    "--target names a project's copy; give --project PATH (or --user) too",
                ));
            }
            req.strategy = strategy.parse().map_err(usage)?;
            for s in strategy_for {
                let (id, st) = s.split_once('=').ok_or_else(|| {
                    CliError::usage(format!(
                        "--strategy-for {s:?}: expected ID=STRATEGY, e.g. skill:pdf=theirs"
                    ))
                })?;
                req.strategies
                    .insert(parse_id(id)?, st.parse().map_err(usage)?);
            }
            req.dry_run = *dry_run;
            req.yes = *yes;
            // The sync runs in the foreground as a job recorded like any
            // other, so `artisync jobs` and a running server see it.
            let job_req = JobRequest {
                direction: req.direction.to_string(),
                artifacts: req.artifacts.iter().map(|a| a.to_string()).collect(),
                project_path: project.as_ref().map(|p| {
                    std::fs::canonicalize(p)
                        .unwrap_or_else(|_| p.clone())
                        .display()
                        .to_string()
                }),
                target: target.map(|t| t.to_string()),
                collection: Some(cli.global.collection.clone()),
                strategy: Some(req.strategy.to_string()),
                strategies: req
                    .strategies
                    .iter()
                    .map(|(id, s)| (id.to_string(), s.to_string()))
                    .collect(),
                dry_run: req.dry_run,
                yes: req.yes,
                ..JobRequest::default()
            };
            let e = engine(cli)?;
            // What can be checked before a job exists is checked here, so
            // a typo records no job and a sync before `init` creates
            // nothing in the data home.
            let manifest = e.collection()?.manifest()?;
            let copy = match project.as_deref() {
                Some(p) if direction != Direction::UpstreamToCollection => {
                    Some(e.project_copy(p, *target)?)
                }
                _ => None,
            };
            let place = copy.as_ref().map(|c| (c.root.as_path(), c.target));
            if let Some(id) = req
                .artifacts
                .iter()
                .find(|id| !artisync_sync::syncable(&manifest, direction, place, id))
            {
                return Err(e.unknown(id).into());
            }
            let store = JobStore::open(&e.home.jobs_db_path())?;
            let trace = artisync_jobs::random_id();
            let (job, _) = store.create(
                JobKind::Sync,
                &job_req,
                Origin::Cli,
                JobState::Running,
                &trace,
                None,
            )?;
            let bar = Progress::bar(out, &format!("sync {direction}"));
            let step = || show_step(&bar, &store, &job.id);
            let finished = artisync_jobs::run_sync_job(&e.home, &store, &job, &step);
            drop(bar);
            let (job, report) = finished?;
            let report = report.map_err(|message| CliError {
                exit: 1,
                code: "error",
                message,
                silent: false,
            })?;
            for w in &report.warnings {
                out.warn(w);
            }
            // Like a deploy, a sync from the command line that wrote into
            // a project registers it (a server's sync never does).
            if let Some(p) = project.as_deref() {
                let wrote = report
                    .artifacts
                    .iter()
                    .any(|a| matches!(a.outcome, Outcome::Updated | Outcome::Merged));
                if !report.dry_run && wrote && report.direction == Direction::CollectionToProject {
                    e.project_add(p, &[])?;
                }
            }
            let mut doc = serde_json::to_value(&report).map_err(anyhow::Error::from)?;
            if let serde_json::Value::Object(m) = &mut doc {
                m.insert("job_id".into(), serde_json::json!(job.id));
                m.insert("state".into(), serde_json::json!(job.state));
            }
            emit(out, &doc, |o| output::sync(o, &report, project.as_deref()))?;
            if report.has_errors() {
                return Err(CliError {
                    exit: 1,
                    code: "error",
                    message: "some artifacts could not be synced; see the messages above".into(),
                    silent: out.json,
                });
            }
            if report.has_conflicts() {
                return Err(CliError {
                    exit: 3,
                    code: "conflict",
                    message:
                        "the sync ended with conflicts; nothing was broken; see 'artisync resolve'"
                            .into(),
                    silent: out.json,
                });
            }
            Ok(())
        }
        Command::Update {
            ids,
            projects,
            dry_run,
        } => {
            let ids = parse_ids(ids)?;
            let e = engine(cli)?;
            // Checked before a job exists, so a typo records nothing.
            let mut paths = Vec::new();
            for p in projects {
                let canonical = std::fs::canonicalize(p)
                    .map_err(|err| CliError::usage(format!("--project {}: {err}", p.display())))?;
                paths.push(canonical);
            }
            e.update_plan(&ids, &paths)?;
            let job_req = JobRequest {
                direction: JobKind::Update.as_str().into(),
                artifacts: ids.iter().map(|a| a.to_string()).collect(),
                projects: paths.iter().map(|p| p.display().to_string()).collect(),
                collection: Some(cli.global.collection.clone()),
                dry_run: *dry_run,
                ..JobRequest::default()
            };
            let store = JobStore::open(&e.home.jobs_db_path())?;
            let (job, _) = store.create(
                JobKind::Update,
                &job_req,
                Origin::Cli,
                JobState::Running,
                &artisync_jobs::random_id(),
                None,
            )?;
            let bar = Progress::bar(out, "update");
            let step = || show_step(&bar, &store, &job.id);
            let finished = artisync_jobs::run_job(&e.home, &store, &job, &step);
            drop(bar);
            let job = finished?;
            emit(out, &job, |o| output::update(o, &job))?;
            match job.state {
                JobState::Error => Err(CliError {
                    exit: 1,
                    code: "error",
                    message: job
                        .error
                        .clone()
                        .unwrap_or_else(|| "the update failed; see the messages above".into()),
                    silent: out.json,
                }),
                JobState::Conflict => Err(CliError {
                    exit: 3,
                    code: "conflict",
                    message:
                        "the update ended with conflicts; nothing was broken; see 'artisync resolve'"
                            .into(),
                    silent: out.json,
                }),
                _ => Ok(()),
            }
        }
        Command::Resolve {
            id,
            project,
            target,
            all,
            files,
            edit,
            output,
            path,
        } => resolving::run(
            &engine(cli)?,
            out,
            &resolving::ResolveArgs {
                collection: &cli.global.collection,
                id,
                project: project.as_deref(),
                target: *target,
                all: all.as_deref(),
                files,
                edit: *edit,
                output: output.as_deref(),
                path: path.as_deref(),
            },
        ),
        Command::Patch {
            id,
            project,
            target,
            format,
            output,
        } => {
            let project = scope::required(project, "patch")?;
            let id = parse_id(id)?;
            let format: PatchFormat = format.parse().map_err(usage)?;
            let to_stdout = output.as_deref() == Some(std::path::Path::new("-"));
            if to_stdout && out.json {
                return Err(CliError::usage(
                    "-o - writes the bundle to stdout, where --json writes its document; give -o FILE, or leave out --json",
                ));
            }
            let bundle = engine(cli)?.patch(&id, project, *target, format)?;
            if to_stdout {
                write_stdout(&bundle.bytes)?;
                out.info(&format!(
                    "wrote {} ({} bytes) to stdout: {} {} against {}",
                    bundle.file_name,
                    bundle.size,
                    bundle.upstream,
                    bundle.path,
                    bundle.base_commit.short()
                ));
                return Ok(());
            }
            let path = output
                .clone()
                .unwrap_or_else(|| PathBuf::from(&bundle.file_name));
            if path.exists() {
                return Err(CliError::usage(format!(
                    "{} already exists; remove it or choose another file with -o",
                    path.display()
                )));
            }
            artisync_store::fsio::write_file_atomic(&path, &bundle.bytes)?;
            let report = serde_json::json!({"bundle": bundle, "path": path});
            emit(out, &report, |o| {
                o.line(&format!(
                    "Wrote {} ({} bytes): {} {} against {}",
                    path.display(),
                    bundle.size,
                    bundle.upstream,
                    bundle.path,
                    bundle.base_commit.short()
                ));
                if let Some(u) = &bundle.propose_url {
                    o.line(&format!("Propose it upstream: {u}"));
                }
            })
        }
        Command::Install {
            project,
            frozen: _,
            check,
            yes,
        } => {
            let project = project.clone().unwrap_or_else(|| PathBuf::from("."));
            let e = engine(cli)?;
            if *check {
                let report = e.install_check(&project)?;
                emit(out, &report, |o| output::install_check(o, &report))?;
                if !report.matches() {
                    return Err(CliError {
                        exit: 1,
                        code: "differs",
                        message: format!(
                            "{} differs from its lockfile; 'artisync install --frozen' recreates the locked content",
                            report.project.display()
                        ),
                        silent: out.json,
                    });
                }
                return Ok(());
            }
            let report = e.install_frozen(&project, *yes)?;
            emit(out, &report, |o| output::install(o, &report))
        }
        Command::Undo {
            id,
            project,
            target,
        } => {
            let id = id.as_deref().map(parse_id).transpose()?;
            let report = engine(cli)?.undo(id.as_ref(), project.as_deref(), *target, None)?;
            emit(out, &report, |o| {
                o.line(&format!(
                    "Undid '{}' of {} in {}: restored {}",
                    report.undone,
                    report.id,
                    report.destination,
                    report
                        .restored
                        .map(|h| h.short())
                        .unwrap_or_else(|| "the absence of the artifact".into())
                ))
            })
        }
        Command::Jobs { state, limit } => {
            let state = state
                .as_deref()
                .map(|s| {
                    JobState::from_name(s).ok_or_else(|| {
                        CliError::usage(format!(
                            "invalid job state {s:?}: use queued, running, success, conflict, error or cancelled"
                        ))
                    })
                })
                .transpose()?;
            let e = engine(cli)?;
            let jobs = JobStore::open(&e.home.jobs_db_path())?.list(state, *limit)?;
            emit(out, &jobs, |o| output::jobs(o, &jobs))
        }
        Command::Job { id } => {
            let e = engine(cli)?;
            let found = JobStore::open(&e.home.jobs_db_path())?.find_by_prefix(id, 3)?;
            let not_found = |message: String| CliError {
                exit: 1,
                code: "not_found",
                message,
                silent: false,
            };
            let job = match found.as_slice() {
                [job] => job,
                [] if id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    return Err(not_found(format!(
                        "no job id starts with {id}; 'artisync jobs' lists recent jobs"
                    )))
                }
                [] => {
                    return Err(CliError::usage(format!(
                        "{id:?} is not a job id: ids are hexadecimal; 'artisync jobs' lists recent jobs"
                    )))
                }
                several => {
                    let ids: Vec<&str> = several
                        .iter()
                        .map(|j| j.id.get(..id.len() + 4).unwrap_or(&j.id))
                        .collect();
                    return Err(CliError::usage(format!(
                        "{id} starts more than one job id ({}…); give more of it",
                        ids.join("…, ")
                    )));
                }
            };
            emit(out, job, |o| output::job(o, job))
        }
        Command::Serve {
            addr,
            allow_root,
            workers,
            max_connections,
            header_timeout_ms,
        } => {
            let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
                CliError::usage(format!(
                    "--addr {addr:?}: expected IP:PORT, e.g. 127.0.0.1:8420"
                ))
            })?;
            init_logging(cli);
            let home = Home::from_env()?;
            let limits = artisync_server::Limits {
                max_connections: *max_connections as usize,
                header_timeout: std::time::Duration::from_millis(*header_timeout_ms),
                ..artisync_server::Limits::default()
            };
            serve(home, addr, allow_root.clone(), *workers, limits, out)
        }
        Command::Completions { shell } => {
            use clap_complete::Shell;
            let shell = match shell {
                CompletionShell::Bash => Shell::Bash,
                CompletionShell::Zsh => Shell::Zsh,
                CompletionShell::Fish => Shell::Fish,
                CompletionShell::Powershell => Shell::PowerShell,
            };
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "artisync", &mut text);
            write_stdout(&text)
        }
        Command::Man { dir } => match dir {
            None => {
                let mut text = Vec::new();
                clap_mangen::Man::new(Cli::command())
                    .render(&mut text)
                    .map_err(anyhow::Error::from)?;
                write_stdout(&text)
            }
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CliError::usage(format!("--dir {}: {e}", dir.display())))?;
                clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
                    anyhow::anyhow!("writing the manual pages into {}: {e}", dir.display())
                })?;
                out.line(&format!("Wrote the manual pages into {}", dir.display()));
                Ok(())
            }
        },
        Command::Demo {
            dir,
            addr,
            no_serve,
        } => {
            let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
                CliError::usage(format!(
                    "--addr {addr:?}: expected IP:PORT, e.g. 127.0.0.1:8420"
                ))
            })?;
            let built = demo::run(dir.as_deref(), out, !*no_serve)?;
            if *no_serve {
                return Ok(());
            }
            init_logging(cli);
            // Another free port if the usual one is taken.
            let addr = match std::net::TcpListener::bind(addr) {
                Ok(l) => {
                    drop(l);
                    addr
                }
                Err(_) => std::net::SocketAddr::new(addr.ip(), 0),
            };
            serve(
                Home::at(&built.home),
                addr,
                vec![built.dir.join("projects")],
                2,
                artisync_server::Limits::default(),
                out,
            )
        }
    }
}
