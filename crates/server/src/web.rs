//! The web UI, embedded in the binary at build time: hashed assets are
//! cached forever, `index.html` never, and every other GET outside `/api`
//! gets `index.html` so that each view's URL can be opened directly.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn asset(path: &str) -> Option<&'static [u8]> {
    ASSETS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

fn respond(path: &str, body: &'static [u8]) -> Response {
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    let cache = if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// The fallback of the router: UI files and the SPA's index for GETs
/// outside `/api`, a JSON 404 for everything else.
pub async fn fallback(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/")
        || path == "/api"
        || (method != Method::GET && method != Method::HEAD)
    {
        return ApiError::not_found("no such route; GET /api/v1/openapi.json lists them all")
            .into_response();
    }
    if let Some(body) = asset(path) {
        return respond(path, body);
    }
    if path.starts_with("/assets/") {
        return ApiError::not_found(format!("no such asset {path}")).into_response();
    }
    match asset("/index.html") {
        Some(index) => respond("/index.html", index),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><meta charset=utf-8><title>artisync</title><h1>The web UI is not built into this binary</h1>\
             <p>Build it with <code>./scripts/build-web</code> (or run <code>./scripts/demo</code>), then rebuild artisync. \
             The API is available under <code>/api/v1</code>.</p>",
        )
            .into_response(),
    }
}
