//! The artisync binary: parses the command line, calls the engine, prints
//! the result for a person or as one JSON document. No logic of its own.

mod cli;
mod demo;
mod error;
mod output;

use std::io::Write;
use std::process::ExitCode;

use artisync_model::{ArtifactId, Kind, Tier};
use artisync_store::Home;
use artisync_sync::{AddRequest, Engine};
use clap::Parser;
use serde::Serialize;

use cli::{Cli, Command, LogFormat, ProjectAction};
use error::CliError;
use output::Out;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out::new(
        cli.global.json,
        cli.global.quiet,
        cli.global.log_format == LogFormat::Json,
    );
    match run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit)
        }
    }
}

fn parse_id(s: &str) -> Result<ArtifactId, CliError> {
    s.parse()
        .map_err(|e: artisync_model::ModelError| CliError::usage(e.to_string()))
}

fn parse_ids(v: &[String]) -> Result<Vec<ArtifactId>, CliError> {
    v.iter().map(|s| parse_id(s)).collect()
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
            let report = serde_json::json!({"collection": c.name, "path": c.root});
            emit(out, &report, |o| {
                o.line(&format!(
                    "Created collection '{}' at {}",
                    c.name,
                    c.root.display()
                ))
            })
        }
        Command::Add {
            spec,
            name,
            kind,
            all,
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
            };
            let report = engine(cli)?.add(&req)?;
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
            let report = engine(cli)?.status(project.as_deref())?;
            for w in &report.warnings {
                out.warn(w);
            }
            emit(out, &report, |o| output::status(o, &report))
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
            let reports = engine(cli)?.fetch(&ids)?;
            for r in &reports {
                if let Some(why) = &r.offline {
                    out.warn(&format!(
                        "could not reach {} ({why}); using the last fetch from {}",
                        r.url, r.fetched_at
                    ));
                }
            }
            emit(out, &reports, |o| output::fetch(o, &reports))
        }
        Command::Diff {
            id,
            lhs,
            rhs,
            project,
        } => {
            let id = parse_id(id)?;
            let (lhs, rhs) = (parse_tier(lhs)?, parse_tier(rhs)?);
            if (lhs == Tier::Project || rhs == Tier::Project) && project.is_none() {
                return Err(CliError::usage(
                    "diffing the project tier needs --project PATH",
                ));
            }
            let d = engine(cli)?.diff(&id, lhs, rhs, project.as_deref())?;
            emit(out, &d, |o| output::diff(o, &d))
        }
        Command::Deploy { ids, project } => {
            let ids = parse_ids(ids)?;
            let report = engine(cli)?.deploy(&ids, project)?;
            emit(out, &report, |o| output::deploy(o, &report))
        }
        Command::Project { action } => {
            let e = engine(cli)?;
            match action {
                ProjectAction::Add { path } => {
                    let (p, new) = e.project_add(path)?;
                    let report = serde_json::json!({"path": p.root, "added": new});
                    emit(out, &report, |o| {
                        if new {
                            o.line(&format!("Registered project {}", p.root.display()));
                        } else {
                            o.line(&format!(
                                "Project {} was already registered",
                                p.root.display()
                            ));
                        }
                    })
                }
                ProjectAction::List => {
                    let list = e.project_list()?;
                    emit(out, &list, |o| output::projects(o, &list))
                }
                ProjectAction::Remove { path } => {
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
        Command::Demo { dir } => demo::run(dir.as_deref(), out),
    }
}
