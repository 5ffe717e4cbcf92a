//! The accept loop of `serve`: hyper's HTTP/1 connection driver with a
//! header-read timeout, a cap on open connections, and graceful shutdown.
//!
//! Slow clients cannot starve real ones. A client must send a complete
//! request head within the header timeout; hyper starts that clock whenever
//! a connection waits for a request, on connect and again after each
//! response, so the same limit also closes idle keep-alive connections. A
//! response being written (an SSE stream included) is not waiting for a
//! request, so it is never cut by this clock. At most `max_connections` are
//! open at once, which keeps file handles free for the job store and git.
//! When the cap is reached, the oldest connection that has not yet sent a
//! single complete request is closed to make room; only when every
//! connection is serving requests does a new one wait in the kernel's
//! backlog. Accept errors (EMFILE and the like) never end the loop: it
//! backs off briefly and accepts again.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// Connection limits of `serve`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time a client has to send a complete request head, counted from
    /// when the connection starts waiting for one (on connect and after
    /// each response, so also the keep-alive idle limit).
    pub header_timeout: Duration,
    /// After shutdown is asked, how long requests in flight may take to
    /// finish before their connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// How long the loop pauses after an accept error that is not about one
/// connection (out of file handles or memory), so it does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// One open connection, as the loop sees it.
struct Slot {
    /// Set when the connection delivered its first complete request head.
    served: AtomicBool,
    /// Closes the connection.
    evict: Notify,
}

/// Open connections that may be evicted, oldest first.
#[derive(Default)]
struct Waiting(Mutex<VecDeque<Weak<Slot>>>);

impl Waiting {
    /// Adds a new connection; drops the entries of closed and served ones
    /// once they outnumber `cap`, so the queue stays as small as the cap.
    fn push(&self, slot: &Arc<Slot>, cap: usize) {
        if let Ok(mut q) = self.0.lock() {
            if q.len() >= cap.saturating_mul(2) {
                q.retain(|w| {
                    w.upgrade()
                        .is_some_and(|s| !s.served.load(Ordering::Acquire))
                });
            }
            q.push_back(Arc::downgrade(slot));
        }
    }

    /// Closes the oldest connection that has not sent a complete request.
    /// False when there is none.
    fn evict_oldest(&self) -> bool {
        let Ok(mut q) = self.0.lock() else {
            return false;
        };
        while let Some(weak) = q.pop_front() {
            if let Some(slot) = weak.upgrade() {
                if !slot.served.load(Ordering::Acquire) {
                    slot.evict.notify_one();
                    return true;
                }
            }
        }
        false
    }
}

/// Serves `app` on `listener` until `shutdown` ends, then lets requests in
/// flight finish (at most `limits.shutdown_grace`).
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let waiting = Arc::new(Waiting::default());
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permit(&permits, &waiting) => p,
            _ = &mut shutdown => break,
        };
        let Some(permit) = permit else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a connection; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    _ = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let slot = Arc::new(Slot {
            served: AtomicBool::new(false),
            evict: Notify::new(),
        });
        waiting.push(&slot, limits.max_connections);
        let tower = TowerToHyperService::new(app.clone());
        let marker = slot.clone();
        let service = hyper::service::service_fn(move |req| {
            marker.served.store(true, Ordering::Release);
            tower.call(req)
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                // Errors are the client's (reset, timed out, malformed);
                // hyper has already answered what it could.
                _ = conn => {}
                // Dropping the connection closes its socket.
                _ = slot.evict.notified() => {}
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still running after {:?}; closing their connections",
            limits.shutdown_grace
        );
    }
}

/// A free connection slot: at once if there is one, else by closing the
/// oldest connection that never completed a request, else when one ends.
/// None only if the semaphore is closed, which this module never does.
async fn permit(permits: &Arc<Semaphore>, waiting: &Waiting) -> Option<OwnedSemaphorePermit> {
    if let Ok(p) = permits.clone().try_acquire_owned() {
        return Some(p);
    }
    waiting.evict_oldest();
    permits.clone().acquire_owned().await.ok()
}

/// Errors about one connection that was gone before it was accepted; the
/// next accept is unaffected.
fn is_per_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::Interrupted
    )
}
