//! `artisync audit`: the findings of an artifact's pending upstream change,
//! and accepting one for the whole team (a suppression in the collection's
//! `artisync.toml`). Reads the last fetch; never fetches.

use artisync_model::RelPath;
use artisync_sync::{AuditFinding, AuditReport, AuditSeverity};
use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::output::{self, Out};
use crate::{emit, engine, parse_id, Cli};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: Option<AuditAction>,
    /// The artifact whose pending upstream change to audit, as KIND:NAME
    #[arg(value_name = "ID", required = true)]
    pub id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Accept one pending finding: store a suppression in the collection's artisync.toml
    ///
    /// The suppression holds a fingerprint of the flagged line (or file),
    /// so it stops applying once that content changes upstream again.
    #[command(
        after_help = "Examples:\n  artisync audit suppress skill:pdf --rule exfiltration --file SKILL.md --line 12 --reason \"posts to our own server\"\n  artisync audit suppress skill:pdf --rule executable --file scripts/run.sh"
    )]
    Suppress {
        /// The artifact, as KIND:NAME (e.g. skill:pdf)
        #[arg(value_name = "ID")]
        id: String,
        /// The rule of the finding (as 'artisync audit ID' lists it)
        #[arg(long, value_name = "RULE")]
        rule: String,
        /// The file of the finding, relative to the artifact
        #[arg(long, value_name = "FILE")]
        file: String,
        /// The line of the finding (leave out for a finding about the whole file)
        #[arg(long, value_name = "N")]
        line: Option<usize>,
        /// Why the finding is accepted, stored with it
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

pub fn run(cli: &Cli, out: &Out, args: &AuditArgs) -> Result<(), CliError> {
    match (&args.action, &args.id) {
        (
            Some(AuditAction::Suppress {
                id,
                rule,
                file,
                line,
                reason,
            }),
            _,
        ) => {
            let id = parse_id(id)?;
            let file = RelPath::new(file).map_err(|e| CliError::usage(e.to_string()))?;
            let s = engine(cli)?.audit_suppress(&id, rule, &file, *line, reason.clone())?;
            emit(out, &s, |o| {
                let at = line.map(|n| format!(":{n}")).unwrap_or_default();
                o.line(&format!(
                    "Suppressed {} at {}{at} in {} (fingerprint {}); committed to the collection's artisync.toml",
                    s.rule, s.file, s.artifact, s.fingerprint
                ));
            })
        }
        (None, Some(id)) => {
            let id = parse_id(id)?;
            let report = engine(cli)?.audit(&id)?;
            emit(out, &report, |o| human(o, &report))
        }
        (None, None) => Err(CliError::usage(
            "give an artifact, as KIND:NAME: artisync audit skill:pdf",
        )),
    }
}

fn human(o: &Out, r: &AuditReport) {
    o.line(&format!("{}: {} → {}", r.id, r.from, r.to));
    for f in &r.findings {
        o.line(&format!("  {}", finding_line(f)));
    }
    let high = r
        .findings
        .iter()
        .filter(|f| f.severity == AuditSeverity::High)
        .count();
    let mut summary = format!(
        "{} ({high} high)",
        output::count(r.findings.len(), "finding", "findings")
    );
    if r.suppressed > 0 {
        summary.push_str(&format!("; {} suppressed", r.suppressed));
    }
    if high > 0 {
        summary.push_str("; syncing it needs --yes");
    }
    o.line(&summary);
}

/// One finding on one line: where, how severe, which rule, why, and the
/// flagged text.
pub fn finding_line(f: &AuditFinding) -> String {
    let at = match f.line {
        Some(n) => format!("{}:{n}", f.file),
        None => f.file.to_string(),
    };
    let excerpt = if f.excerpt.is_empty() {
        String::new()
    } else {
        format!("  | {}", f.excerpt)
    };
    format!("{at}  {} {}: {}{excerpt}", f.severity, f.rule, f.message)
}
