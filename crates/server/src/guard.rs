//! The guards every request passes, in order: a trace id
//! (from a W3C `traceparent` or new), the Host and Origin checks that stop
//! DNS rebinding and cross-site requests, and, on `/api`, the bearer token
//! or session cookie. Each response carries `x-trace-id`; latency is
//! recorded per route.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, TRACE_ID};
use crate::SharedState;

pub const SESSION_COOKIE: &str = "artisync_session";

/// The trace id of a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn trace_from_traceparent(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("traceparent")?.to_str().ok()?;
    let parts: Vec<&str> = v.trim().split('-').collect();
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    match parts.as_slice() {
        [version, trace, parent, flags]
            if hex(version, 2)
                && *version != "ff"
                && hex(trace, 32)
                && hex(parent, 16)
                && hex(flags, 2)
                && trace.bytes().any(|b| b != b'0') =>
        {
            Some((*trace).to_string())
        }
        _ => None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

fn authorised(state: &SharedState, headers: &HeaderMap) -> bool {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return constant_time_eq(token.trim().as_bytes(), state.token.as_bytes());
        }
        return false;
    }
    match session_of(headers) {
        Some(s) => state
            .sessions
            .lock()
            .map(|set| set.contains(&s))
            .unwrap_or(false),
        None => false,
    }
}

fn check_host_and_origin(state: &SharedState, headers: &HeaderMap) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !state.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err(ApiError::forbidden(format!(
            "Host {host:?} is not this server; open it as http://{}",
            state
                .hosts
                .first()
                .map(String::as_str)
                .unwrap_or("127.0.0.1")
        )));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let ok = origin
            .strip_prefix("http://")
            .is_some_and(|h| state.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)));
        if !ok {
            return Err(ApiError::forbidden(format!(
                "cross-site request from origin {origin:?} refused"
            )));
        }
    }
    Ok(())
}

pub async fn guard(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let trace = trace_from_traceparent(req.headers()).unwrap_or_else(artisync_jobs::random_id);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut response = TRACE_ID
        .scope(trace.clone(), async {
            if let Err(e) = check_host_and_origin(&state, req.headers()) {
                return e.into_response();
            }
            if path.starts_with("/api/") && !authorised(&state, req.headers()) {
                let mut r = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "missing or invalid credentials: send 'Authorization: Bearer <token>' (the token is in the data home's server.token) or log in through the URL 'artisync serve' printed",
                )
                .into_response();
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            next.run(req).await
        })
        .await;
    if let Ok(v) = HeaderValue::from_str(&trace) {
        response.headers_mut().insert("x-trace-id", v);
    }
    let status = response.status().as_u16();
    state
        .metrics
        .observe_http(method.as_str(), &route, status, started.elapsed());
    tracing::info!(
        trace_id = %trace,
        method = %method,
        route = %route,
        status,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        assert_eq!(
            trace_from_traceparent(&h).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "garbage",
        ] {
            h.insert("traceparent", HeaderValue::from_static(bad));
            assert_eq!(trace_from_traceparent(&h), None, "{bad}");
        }
    }

    #[test]
    fn cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; artisync_session=xyz; c=d"),
        );
        assert_eq!(session_of(&h).as_deref(), Some("xyz"));
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"a", b"ab")
        );
    }
}
