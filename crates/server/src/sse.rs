//! `GET /api/v1/events`: every job state change and progress step as
//! Server-Sent Events. Each event's id is its row in the job store, so a
//! client that reconnects with `Last-Event-ID` (or `?since=`) gets exactly
//! what it missed. New events wake the stream at once when they come from
//! this server; events written by other processes (the CLI) are picked up
//! by polling. Every stream ends when the server shuts down, so an open
//! browser tab never holds `serve` up.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;

use crate::error::{ApiError, ApiQuery};
use crate::SharedState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Replay events after this id (like the Last-Event-ID header).
    pub since: Option<i64>,
    /// Only events of this job.
    pub job_id: Option<String>,
}

struct Cursor {
    state: SharedState,
    last: i64,
    job: Option<String>,
    pending: VecDeque<artisync_jobs::Event>,
    /// True once the server shuts down.
    stop: tokio::sync::watch::Receiver<bool>,
}

pub async fn events(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let header_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request("Last-Event-ID must be an event id (an integer)")
                })?,
        ),
    };
    if q.since.is_some_and(|s| s < 0) {
        return Err(ApiError::bad_request(
            "since must be an event id (0 or more)",
        ));
    }
    let last = match header_id.or(q.since) {
        Some(id) => id.max(0),
        None => {
            let jobs = state.jobs.clone();
            tokio::task::spawn_blocking(move || jobs.last_event_id()).await??
        }
    };
    let cursor = Cursor {
        stop: state.shutdown.subscribe(),
        state,
        last,
        job: q.job_id,
        pending: VecDeque::new(),
    };
    let stream = stream::unfold(cursor, |mut c| async move {
        loop {
            if *c.stop.borrow() {
                return None;
            }
            if let Some(e) = c.pending.pop_front() {
                let event = Event::default()
                    .id(e.id.to_string())
                    .event(e.kind.clone())
                    .data(e.data.to_string());
                return Some((Ok(event), c));
            }
            // Register for a wake-up before looking, so nothing slips
            // between the look and the wait.
            let notified = c.state.events.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let jobs = c.state.jobs.clone();
            let after = c.last;
            let found = tokio::task::spawn_blocking(move || jobs.events_since(after, 500))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            if let Some(last) = found.last() {
                c.last = last.id;
            }
            let job = c.job.clone();
            c.pending.extend(
                found
                    .into_iter()
                    .filter(|e| job.as_ref().is_none_or(|j| &e.job_id == j)),
            );
            if c.pending.is_empty() {
                tokio::select! {
                    _ = tokio::time::timeout(Duration::from_millis(250), notified) => {}
                    // Shutdown, or the server state is gone: end the stream.
                    _ = c.stop.wait_for(|stop| *stop) => return None,
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
