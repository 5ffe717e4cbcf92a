//! Compressed responses: the web UI's files are sent as their brotli or
//! gzip copy by `Accept-Encoding` (q-values respected), large JSON is
//! gzip-compressed on the way out, and small JSON, event streams and
//! responses that are already encoded are left alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};

use artisync_server::{Asset, COMPRESS_MIN_SIZE, EMBEDDED_UI};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use axum::Router;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use support::*;
use tower::ServiceExt;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

fn leak(bytes: Vec<u8>) -> &'static [u8] {
    Box::leak(bytes.into_boxed_slice())
}

const INDEX: &str = "<!doctype html><html><head><script type=module src=/assets/app-1a2b.js></script></head><body><div id=root></div></body></html>";

/// A UI of three files: `index.html` and a script with both copies (the
/// brotli copies are marker bytes: the server sends them as they are, so
/// the test can tell which copy came back), a stylesheet with gzip only.
fn fixture_ui() -> &'static [Asset] {
    let js = "export const hello = 'world';\n".repeat(200).into_bytes();
    let css = "body { margin: 0 }\n".repeat(100).into_bytes();
    let ui = vec![
        Asset {
            path: "/index.html",
            identity: INDEX.as_bytes(),
            gzip: Some(leak(gzip(INDEX.as_bytes()))),
            br: Some(b"brotli copy of index.html"),
        },
        Asset {
            path: "/assets/app-1a2b.js",
            gzip: Some(leak(gzip(&js))),
            identity: leak(js),
            br: Some(b"brotli copy of app-1a2b.js"),
        },
        Asset {
            path: "/assets/style-3c4d.css",
            gzip: Some(leak(gzip(&css))),
            identity: leak(css),
            br: None,
        },
    ];
    Box::leak(ui.into_boxed_slice())
}

async fn get_with(app: &Router, fx: &Fixture, uri: &str, accept: Option<&str>) -> Resp {
    get_method(app, fx, Method::GET, uri, accept).await
}

async fn get_method(
    app: &Router,
    fx: &Fixture,
    method: Method,
    uri: &str,
    accept: Option<&str>,
) -> Resp {
    let mut req = fx.request(method, uri);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT_ENCODING, a);
    }
    let r = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = r.into_parts();
    Resp {
        status: parts.status,
        headers: parts.headers,
        body: axum::body::to_bytes(body, 64 << 20).await.unwrap(),
    }
}

/// The body as the client reads it after undoing `Content-Encoding`
/// (brotli copies are compared as they are).
fn decoded(r: &Resp) -> Vec<u8> {
    match r.header("content-encoding") {
        None => r.body.to_vec(),
        Some("gzip") => gunzip(&r.body),
        Some("br") => r.body.to_vec(),
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
}

#[tokio::test]
async fn ui_files_are_sent_as_the_copy_accept_encoding_allows() {
    let fx = Fixture::new(0);
    let ui = fixture_ui();
    let app = artisync_server::app_with_ui(fx.state.clone(), ui);
    let index = &ui[0];
    let js = &ui[1];
    let css = &ui[2];
    // (path requested, the asset it names, Accept-Encoding, coding expected)
    let cases: &[(&str, &Asset, Option<&str>, Option<&str>)] = &[
        ("/", index, Some("gzip, deflate, br, zstd"), Some("br")),
        ("/", index, Some("gzip"), Some("gzip")),
        ("/", index, None, None),
        ("/jobs/123?tab=events", index, Some("br"), Some("br")),
        ("/assets/app-1a2b.js", js, Some("br, gzip"), Some("br")),
        (
            "/assets/app-1a2b.js",
            js,
            Some("br;q=0, gzip"),
            Some("gzip"),
        ),
        (
            "/assets/app-1a2b.js",
            js,
            Some("gzip;q=1.0, br;q=0.5"),
            Some("gzip"),
        ),
        ("/assets/app-1a2b.js", js, Some("deflate"), None),
        ("/assets/app-1a2b.js", js, Some("br;q=0, gzip;q=0"), None),
        ("/assets/app-1a2b.js", js, Some("*;q=0"), None),
        ("/assets/app-1a2b.js", js, Some(""), None),
        ("/assets/app-1a2b.js", js, Some("*"), Some("br")),
        ("/assets/app-1a2b.js", js, None, None),
        (
            "/assets/style-3c4d.css",
            css,
            Some("br, gzip"),
            Some("gzip"),
        ),
        ("/assets/style-3c4d.css", css, Some("br"), None),
    ];
    for &(uri, asset, accept, coding) in cases {
        let what = format!("GET {uri} with Accept-Encoding {accept:?}");
        let r = get_with(&app, &fx, uri, accept).await;
        assert_eq!(r.status, StatusCode::OK, "{what}");
        assert_eq!(r.header("content-encoding"), coding, "{what}");
        assert_eq!(r.header("vary"), Some("accept-encoding"), "{what}");
        assert_eq!(
            r.header("content-length"),
            Some(r.body.len().to_string().as_str()),
            "{what}"
        );
        let expected = match coding {
            Some("br") => asset.br.unwrap(),
            _ => asset.identity,
        };
        assert_eq!(decoded(&r), expected, "{what}");
        let cache = if asset.path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        assert_eq!(r.header("cache-control"), Some(cache), "{what}");
        let ct = r.header("content-type").unwrap();
        assert!(
            ct.starts_with(if asset.path.ends_with(".html") {
                "text/html"
            } else if asset.path.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            }),
            "{what}: {ct}"
        );
    }
    // HEAD names the same encoding and length as GET.
    let head = get_method(&app, &fx, Method::HEAD, "/assets/app-1a2b.js", Some("br")).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-encoding"), Some("br"));
    assert_eq!(
        head.header("content-length"),
        Some(js.br.unwrap().len().to_string().as_str())
    );
    // A missing asset is still a JSON 404, never index.html.
    let missing = get_with(&app, &fx, "/assets/nope.js", Some("br, gzip")).await;
    missing.assert_error(StatusCode::NOT_FOUND, "missing asset");
}

/// The UI built into this test binary (by `scripts/build-web` before the
/// build, or none): every copy decompresses to its file, is smaller, and
/// is what the real router sends.
#[tokio::test]
async fn the_embedded_ui_is_served_compressed_when_it_was_built() {
    let fx = Fixture::new(0);
    if EMBEDDED_UI.is_empty() {
        // Built without web/dist: the page that says how to build the UI,
        // uncompressed.
        let r = get_with(&fx.app, &fx, "/", Some("br, gzip")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.header("content-encoding"), None);
        assert!(r.text().contains("scripts/build-web"), "{}", r.text());
        return;
    }
    for a in EMBEDDED_UI {
        if let Some(gz) = a.gzip {
            assert_eq!(gunzip(gz), a.identity, "{}.gz", a.path);
            assert!(gz.len() < a.identity.len(), "{}.gz", a.path);
        }
        if let Some(br) = a.br {
            assert!(br.len() < a.identity.len(), "{}.br", a.path);
        }
        if a.path.ends_with(".js") || a.path.ends_with(".css") || a.path.ends_with(".html") {
            assert!(
                a.gzip.is_some() && a.br.is_some(),
                "{} has no precompressed copies: was web/dist built by scripts/build-web?",
                a.path
            );
        }
        let uri = if a.path == "/index.html" { "/" } else { a.path };
        for (accept, coding, body) in [
            ("gzip, deflate, br, zstd", "br", a.br),
            ("gzip", "gzip", a.gzip),
        ] {
            let r = get_with(&fx.app, &fx, uri, Some(accept)).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}");
            match body {
                Some(b) => {
                    assert_eq!(r.header("content-encoding"), Some(coding), "{uri}");
                    assert_eq!(r.body, b, "{uri}");
                }
                None => assert_eq!(r.body, a.identity, "{uri}"),
            }
        }
        let plain = get_with(&fx.app, &fx, uri, None).await;
        assert_eq!(plain.header("content-encoding"), None, "{uri}");
        assert_eq!(plain.body, a.identity, "{uri}");
    }
}

#[tokio::test]
async fn large_json_is_gzipped_when_asked_and_small_json_and_events_are_not() {
    let fx = Fixture::new(0);
    let list = format!("/api/v1/artifacts?project_path={}", fx.web_str());

    let plain = get_with(&fx.app, &fx, &list, None).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text());
    assert!(
        plain.body.len() as u64 >= COMPRESS_MIN_SIZE,
        "the artifact list is {} bytes, too small for this test",
        plain.body.len()
    );
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));

    for accept in ["gzip", "br, gzip, deflate", "gzip;q=0.5, identity;q=0.1"] {
        let gz = get_with(&fx.app, &fx, &list, Some(accept)).await;
        assert_eq!(gz.status, StatusCode::OK, "{accept}");
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(gz.header("vary"), Some("accept-encoding"), "{accept}");
        assert_eq!(
            gz.header("content-type"),
            Some("application/json"),
            "{accept}"
        );
        assert_eq!(
            gz.header("content-length"),
            Some(gz.body.len().to_string().as_str()),
            "{accept}"
        );
        assert!(gz.body.len() < plain.body.len(), "{accept}");
        assert_eq!(gunzip(&gz.body), plain.body, "{accept}");
    }
    // Refused or not offered: sent as it is.
    for accept in ["gzip;q=0", "br", "identity", ""] {
        let r = get_with(&fx.app, &fx, &list, Some(accept)).await;
        assert_eq!(r.header("content-encoding"), None, "{accept}");
        assert_eq!(r.body, plain.body, "{accept}");
    }

    // A small JSON body is not worth compressing.
    let small = get_with(&fx.app, &fx, "/api/v1/sync/jobs?limit=1", Some("gzip")).await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.text());
    assert!((small.body.len() as u64) < COMPRESS_MIN_SIZE);
    assert_eq!(small.header("content-encoding"), None);
    small.json();

    // Every large JSON body goes through the same layer: the OpenAPI
    // document (tens of KiB) is compressed too.
    let doc = get_with(&fx.app, &fx, "/api/v1/openapi.json", Some("gzip")).await;
    assert_eq!(doc.header("content-encoding"), Some("gzip"));
    let v: serde_json::Value = serde_json::from_slice(&gunzip(&doc.body)).unwrap();
    assert!(v["paths"].is_object());

    // The event stream is never compressed (or buffered): its head comes
    // back at once without Content-Encoding.
    let req = fx
        .request(Method::GET, "/api/v1/events")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        fx.app.clone().oneshot(req),
    )
    .await
    .expect("the event stream's head comes at once")
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get(header::CONTENT_TYPE).unwrap(),
        "text/event-stream"
    );
    assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn a_large_diff_is_gzipped_and_identical_after_decompression() {
    let fx = Fixture::with(0, |up| {
        let body: String = (0..400).map(|i| format!("upstream line {i}\n")).collect();
        up.write("skills/pdf/notes.md", &body);
    });
    // The collection takes a different version, so the diff has hunks.
    let notes = fx.collection_dir().join("skills/pdf/notes.md");
    let body: String = (0..400)
        .map(|i| format!("collection line {i} {}\n", i * 7))
        .collect();
    std::fs::write(&notes, body).unwrap();
    let uri = "/api/v1/artifacts/skill:pdf/diff?lhs=upstream&rhs=collection";
    let plain = get_with(&fx.app, &fx, uri, Some("identity")).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text());
    assert!(plain.body.len() as u64 > 8 * COMPRESS_MIN_SIZE);
    let gz = get_with(&fx.app, &fx, uri, Some("gzip")).await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&gz.body), plain.body);
    assert!(gz.body.len() * 3 < plain.body.len());
}
