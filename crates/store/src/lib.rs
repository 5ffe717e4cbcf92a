//! The on-disk tiers of artisync: the upstream cache (bare git repositories),
//! the collection (a git repository with a manifest) and projects (`.claude/`
//! folders with a lockfile), plus reading and atomically writing artifact
//! contents.
//!
//! This crate never writes to an upstream repository: upstreams are only
//! fetched into the cache. It knows nothing of HTTP or terminals.

pub mod beneath;
pub mod collection;
pub mod error;
pub mod fsio;
pub mod home;
pub mod journal;
pub mod lock;
pub mod objects;
pub mod pack;
pub mod pending;
pub mod project;
pub mod readfile;
pub mod remote;
pub mod repo;
pub mod statcache;
pub mod upstream;
pub mod watch;

pub use collection::Collection;
pub use error::StoreError;
pub use home::Home;
pub use project::{Project, ProjectRecord, Registry};
pub use remote::{PullCommit, RemotePosition};
pub use repo::CommitInfo;
pub use upstream::{CachedRepo, FetchState, ResolvedSource, UpstreamCache};

/// RFC 3339 time, to the second, in UTC.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Now, as RFC 3339.
pub fn now() -> String {
    rfc3339(std::time::SystemTime::now())
}

/// Now, as RFC 3339 with milliseconds (job timestamps, durations).
pub fn now_millis() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// Parses an RFC 3339 time as written by `now` or `now_millis`.
pub fn parse_rfc3339(s: &str) -> Option<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(s).ok()
}
