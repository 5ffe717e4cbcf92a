//! The web UI, embedded in the binary at build time: hashed assets are
//! cached forever, `index.html` never, and every other GET outside `/api`
//! gets `index.html` so that each view's URL can be opened directly. Each
//! file is sent brotli- or gzip-compressed (copies made at build time) when
//! the request's `Accept-Encoding` allows it.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::encoding::{choose, Coding};
use crate::error::ApiError;

/// One file of the web UI and its precompressed copies (each holds the
/// same bytes as `identity` once decompressed).
#[derive(Debug)]
pub struct Asset {
    /// The URL path, e.g. `/index.html` or `/assets/index-1a2b.js`.
    pub path: &'static str,
    pub identity: &'static [u8],
    pub gzip: Option<&'static [u8]>,
    pub br: Option<&'static [u8]>,
}

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

fn asset<'a>(ui: &'a [Asset], path: &str) -> Option<&'a Asset> {
    ui.iter().find(|a| a.path == path)
}

fn respond(asset: &Asset, headers: &HeaderMap) -> Response {
    let path = asset.path;
    let mut offered = Vec::with_capacity(2);
    if asset.br.is_some() {
        offered.push(Coding::Br);
    }
    if asset.gzip.is_some() {
        offered.push(Coding::Gzip);
    }
    let coding = choose(headers, &offered);
    let body = match coding {
        Coding::Br => asset.br,
        Coding::Gzip => asset.gzip,
        Coding::Identity => None,
    }
    .unwrap_or(asset.identity);
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    h.insert(header::CONTENT_LENGTH, body.len().into());
    if coding != Coding::Identity {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.token()),
        );
    }
    // Caches must key on the request's encodings even for a file sent as
    // it is: another browser may get a compressed copy of it.
    h.insert(
        header::VARY,
        HeaderValue::from_static(header::ACCEPT_ENCODING.as_str()),
    );
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

/// The fallback of the router: files of `ui` and the SPA's index for GETs
/// outside `/api`, a JSON 404 for everything else.
pub async fn fallback(
    ui: &'static [Asset],
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    if path.starts_with("/api/")
        || path == "/api"
        || (method != Method::GET && method != Method::HEAD)
    {
        return ApiError::not_found("no such route; GET /api/v1/openapi.json lists them all")
            .into_response();
    }
    if let Some(a) = asset(ui, path) {
        return respond(a, &headers);
    }
    if path.starts_with("/assets/") {
        return ApiError::not_found(format!("no such asset {path}")).into_response();
    }
    match asset(ui, "/index.html") {
        Some(index) => respond(index, &headers),
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
