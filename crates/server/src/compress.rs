//! Gzip for API responses: a JSON (or plain-text) body of at least
//! [`MIN_SIZE`] bytes is sent gzip-compressed when the request's
//! `Accept-Encoding` allows it. Only bodies whose length is known are
//! compressed, so a stream (the SSE of `/api/v1/events`) passes through
//! untouched, as does a response that already has a `Content-Encoding`
//! (the web UI's precompressed files) or is a download.

use std::io::Write;

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;

use crate::encoding::{choose, Coding};
use crate::error::ApiError;

/// Smaller bodies are sent as they are: the gzip header and the work
/// would cost more than the bytes saved.
pub const MIN_SIZE: u64 = 1024;

/// Bodies above this are compressed on the blocking pool rather than on
/// the async executor (a large diff takes milliseconds).
const INLINE_LIMIT: usize = 64 * 1024;

/// JSON and plain text compress well; anything else (event streams,
/// HTML, downloads of arbitrary files) is left alone.
fn compressible_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/plain"
}

pub(crate) fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(6),
    );
    enc.write_all(bytes)?;
    enc.finish()
}

/// The middleware: gzip-compresses an eligible response when the request
/// accepts gzip, and marks every eligible response `Vary: Accept-Encoding`.
pub async fn compress(req: Request, next: Next) -> Response {
    let wants_gzip = choose(req.headers(), &[Coding::Gzip]) == Coding::Gzip;
    let res = next.run(req).await;
    let eligible = !res.headers().contains_key(header::CONTENT_ENCODING)
        && compressible_type(res.headers())
        && res
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n >= MIN_SIZE);
    if !eligible {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    parts.headers.append(
        header::VARY,
        HeaderValue::from_static(header::ACCEPT_ENCODING.as_str()),
    );
    if !wants_gzip {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::internal(format!("cannot read the response body: {e}"))
                .into_response()
        }
    };
    let packed = if bytes.len() > INLINE_LIMIT {
        match tokio::task::spawn_blocking(move || gzip(&bytes)).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    } else {
        gzip(&bytes)
    };
    let packed = match packed {
        Ok(p) => p,
        Err(e) => {
            return ApiError::internal(format!("cannot compress the response: {e}")).into_response()
        }
    };
    parts.headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(Coding::Gzip.token()),
    );
    parts
        .headers
        .insert(header::CONTENT_LENGTH, packed.len().into());
    Response::from_parts(parts, Body::from(packed))
}
