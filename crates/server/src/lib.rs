#![recursion_limit = "512"]
//! The artisync HTTP API: an axum router over the same engine
//! and job store the CLI uses. HTTP only: every decision is the engine's,
//! every blocking call (git, filesystem, SQLite) runs off the async executor.
//!
//! It listens on 127.0.0.1 by default, needs a bearer token or the session
//! cookie on every `/api` route, and refuses foreign Host and Origin headers.

mod api;
mod cache;
mod compress;
mod encoding;
mod error;
mod guard;
mod listen;
mod metrics;
mod openapi;
mod snapshot;
mod sse;
mod web;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use artisync_jobs::{JobStore, Workers};
use artisync_store::Home;
use axum::Router;

pub use api::{BODY_LIMIT, ROUTES};
pub use compress::MIN_SIZE as COMPRESS_MIN_SIZE;
pub use error::ApiError;
pub use listen::Limits;
pub use metrics::Metrics;
pub use openapi::document as openapi_document;
pub use web::{Asset, EMBEDDED_UI};

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    /// Directories under which any project may be synced, besides the
    /// registered projects.
    pub allow_roots: Vec<PathBuf>,
    pub workers: usize,
    pub limits: Limits,
}

/// What every handler shares.
pub struct AppState {
    pub home: Home,
    pub jobs: Arc<JobStore>,
    pub workers: Option<Workers>,
    pub token: String,
    pub login_codes: Mutex<HashSet<String>>,
    pub sessions: Mutex<HashSet<String>>,
    pub allow_roots: Vec<PathBuf>,
    /// `host:port` values a request may name in Host (and Origin).
    pub hosts: Vec<String>,
    pub metrics: Metrics,
    /// Signalled on every recorded job event, for SSE.
    pub events: Arc<tokio::sync::Notify>,
    pub event_seq: Arc<AtomicU64>,
    /// Set to true when the server shuts down; ends every event stream,
    /// which would otherwise keep its connection (and the process) alive.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Collection manifests and the project registry, parsed once per
    /// version of the file, for validating requests.
    pub manifests: cache::FileCache<artisync_model::Manifest>,
    pub registry: cache::FileCache<Vec<artisync_store::ProjectRecord>>,
    /// Status and version answers kept while nothing they read changed.
    pub snapshots: snapshot::Snapshots,
}

pub type SharedState = Arc<AppState>;

/// The API token in the data home, created (mode 0600) on first use.
pub fn load_or_create_token(home: &Home) -> std::io::Result<String> {
    let path = home.root().join("server.token");
    // Read like every state file: a FIFO or link in its place is refused
    // rather than waited on or followed.
    let bytes = artisync_store::fsio::read_regular(&path)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(t) = bytes {
        let t = String::from_utf8_lossy(&t).trim().to_string();
        if t.len() >= 32 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            return Ok(t);
        }
    }
    std::fs::create_dir_all(home.root())?;
    let token = format!(
        "{}{}",
        artisync_jobs::random_id(),
        artisync_jobs::random_id()
    );
    let tmp = home.root().join(".server.token.tmp");
    let _ = std::fs::remove_file(&tmp);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(token.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(token)
}

/// Hosts a request may name: the bound address and its loopback aliases.
pub fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![addr.to_string(), format!("localhost:{port}")];
    if addr.ip().is_loopback() {
        hosts.push(format!("127.0.0.1:{port}"));
        hosts.push(format!("[::1]:{port}"));
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

impl AppState {
    /// State for a server on `addr`; starts `workers` job workers (none for
    /// `0`, which tests use to control when jobs run).
    pub fn new(
        home: Home,
        addr: SocketAddr,
        allow_roots: Vec<PathBuf>,
        workers: usize,
    ) -> Result<SharedState, String> {
        let token =
            load_or_create_token(&home).map_err(|e| format!("cannot create the API token: {e}"))?;
        let jobs = Arc::new(JobStore::open(&home.jobs_db_path()).map_err(|e| e.to_string())?);
        JobStore::checkpoint_in_background(&jobs, std::time::Duration::from_millis(100))
            .map_err(|e| e.to_string())?;
        let events = Arc::new(tokio::sync::Notify::new());
        let event_seq = Arc::new(AtomicU64::new(0));
        let workers = if workers > 0 {
            let (ev, seq) = (events.clone(), event_seq.clone());
            let notify: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
                seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                ev.notify_waiters();
            });
            Some(
                Workers::start(home.clone(), jobs.clone(), workers, notify)
                    .map_err(|e| e.to_string())?,
            )
        } else {
            None
        };
        let mut roots = Vec::new();
        for r in allow_roots {
            let c = std::fs::canonicalize(&r)
                .map_err(|_| format!("--allow-root {} does not exist", r.display()))?;
            if home.contains(&c) || home.root().starts_with(&c) {
                return Err(format!(
                    "--allow-root {} contains artisync's data home; choose a directory of projects",
                    c.display()
                ));
            }
            roots.push(c);
        }
        let home_for_snapshots = home.clone();
        Ok(Arc::new(AppState {
            home,
            jobs,
            workers,
            token,
            login_codes: Mutex::new(HashSet::new()),
            sessions: Mutex::new(HashSet::new()),
            allow_roots: roots,
            hosts: allowed_hosts(addr),
            metrics: Metrics::default(),
            events,
            event_seq,
            shutdown: tokio::sync::watch::Sender::new(false),
            manifests: Default::default(),
            registry: Default::default(),
            snapshots: snapshot::Snapshots::new(&home_for_snapshots),
        }))
    }

    /// A new one-time login code for the browser.
    pub fn new_login_code(&self) -> String {
        let code = artisync_jobs::random_id();
        if let Ok(mut c) = self.login_codes.lock() {
            c.insert(code.clone());
        }
        code
    }

    /// Wakes the workers and the event streams after a job was queued.
    pub fn job_queued(&self) {
        if let Some(w) = &self.workers {
            w.wake();
        }
        self.event_seq
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.events.notify_waiters();
    }
}

/// The whole application: API, login, metrics and the embedded web UI,
/// with the guards applied.
pub fn app(state: SharedState) -> Router {
    api::router(state, EMBEDDED_UI)
}

/// [`app`] serving `ui` as the web UI's files instead of the embedded ones.
pub fn app_with_ui(state: SharedState, ui: &'static [Asset]) -> Router {
    api::router(state, ui)
}

/// Serves until Ctrl-C or SIGTERM, then ends the event streams and lets
/// requests in flight finish. `on_ready` gets the bound address and the
/// one-time login URL.
pub async fn serve(
    home: Home,
    config: ServerConfig,
    on_ready: impl FnOnce(SocketAddr, String),
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let state = tokio::task::spawn_blocking(move || {
        AppState::new(home, addr, config.allow_roots, config.workers)
    })
    .await
    .map_err(|e| e.to_string())??;
    // Take over SIGINT and SIGTERM before saying we are ready: a signal
    // sent as soon as the address is printed must shut down gracefully, not
    // kill the process with the default action.
    let shutdown = shutdown_signal()?;
    let code = state.new_login_code();
    on_ready(addr, format!("http://{addr}/login?code={code}"));
    let app = app(state.clone());
    let stop = state.clone();
    listen::run(listener, app, config.limits, async move {
        shutdown.await;
        stop.shutdown.send_replace(true);
    })
    .await;
    Ok(())
}

/// Registers the handlers of SIGINT and SIGTERM at once and returns a
/// future that ends when either arrives.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    })
}
