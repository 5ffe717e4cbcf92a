//! Jobs: every sync and patch export runs as a job, stored
//! durably in SQLite in the data home before it starts, run by a bounded
//! pool of blocking workers (or in the foreground by the CLI), with its
//! progress, results, log tail and every state change recorded as events.
//!
//! A job that was running when its process died is queued again on the
//! next start; the engine's idempotency (an artifact already at its target
//! is `unchanged`) makes re-running safe. Nothing here knows about HTTP.

mod store;
mod worker;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

pub use store::JobStore;
pub use worker::{run_job, run_sync_job, to_sync_request, Workers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Success,
    Conflict,
    Error,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Running,
        JobState::Success,
        JobState::Conflict,
        JobState::Error,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Success => "success",
            JobState::Conflict => "conflict",
            JobState::Error => "error",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Reads a stored state; anything unknown is an error state.
    pub fn parse(s: &str) -> JobState {
        JobState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .unwrap_or(JobState::Error)
    }

    pub fn from_name(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Sync,
    Patch,
    /// Refreshes the upstream cache; nothing else changes.
    Fetch,
    /// Brings every copy that only lags its source up to date.
    Update,
    /// Fetches the collection's remote and merges it in.
    Pull,
    /// Pushes the collection to its remote (fast-forward only).
    Push,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Sync => "sync",
            JobKind::Patch => "patch",
            JobKind::Fetch => "fetch",
            JobKind::Update => "update",
            JobKind::Pull => "pull",
            JobKind::Push => "push",
        }
    }
}

/// Who started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Cli,
    Api,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Cli => "cli",
            Origin::Api => "api",
        }
    }
}

/// What a job was asked to do, as the API receives it. Values
/// are validated before a job is created and again when it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub direction: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_path: Option<String>,
    /// The target of the project copy (`claude`, `agents`, …); none means
    /// every target of the project from the collection, its first one
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Updates: the projects to bring up to date (every project when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub strategies: BTreeMap<String, String>,
    #[serde(default)]
    pub dry_run: bool,
    /// Confirms choices that discard changes.
    #[serde(default)]
    pub yes: bool,
    /// Patch exports: zip, tar.gz or mbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub direction: String,
    pub request: JobRequest,
    pub state: JobState,
    pub origin: Origin,
    pub done: u64,
    pub total: u64,
    /// Per-artifact results (outcome, from/to hash, files, conflicts, message).
    pub results: Value,
    /// The engine's full report once finished.
    pub report: Option<Value>,
    pub error: Option<String>,
    pub log: Vec<String>,
    pub trace_id: String,
    pub idempotency_key: Option<String>,
    pub cancel_requested: bool,
    pub attempts: u64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
}

/// One recorded state change or progress step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    pub job_id: String,
    pub kind: String,
    pub data: Value,
}

#[derive(Debug, Error)]
pub enum JobError {
    #[error("job store error: {0}")]
    Db(String),
    #[error("job {0} does not exist")]
    NotFound(String),
    #[error("job {0} has already ended ({state})", state = .1.as_str())]
    Finished(String, JobState),
    #[error("the Idempotency-Key {0:?} was already used for a different request; use a new key")]
    IdempotencyMismatch(String),
}

/// 128 random bits as 32 hex digits, from the operating system.
pub fn random_id() -> String {
    let mut buf = [0u8; 16];
    // The getrandom system call: no file to open per id (ids are made for
    // every request's trace id).
    let filled = loop {
        match rustix::rand::getrandom(&mut buf[..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) if n == buf.len() => break true,
            Err(rustix::io::Errno::INTR) => continue,
            _ => {
                break std::fs::File::open("/dev/urandom")
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
                    .is_ok()
            }
        }
    };
    if !filled {
        // Fall back to time and process id; ids need only be unique.
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        buf.copy_from_slice(&(n ^ u128::from(std::process::id()) << 64).to_le_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in buf {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// Parses the RFC 3339 times this crate writes.
pub(crate) fn parse_time(s: &str) -> Option<std::time::SystemTime> {
    artisync_store::parse_rfc3339(s)
}

#[cfg(test)]
mod tests;
