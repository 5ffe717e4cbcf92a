//! No body crashes the server: every POST route gets a few
//! hundred malformed bodies — random bytes, every truncation of a valid
//! body, wrong types and unknown fields, deep nesting, odd strings — and
//! answers each with a 2xx or a JSON error below 500. A body over 4 MiB is
//! 413 and a body that is not JSON by its content type is 415.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use artisync_server::{BODY_LIMIT, ROUTES};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use support::*;

/// A valid body for each POST route.
fn valid(fx: &Fixture, path: &str) -> Value {
    let web = fx.web_str();
    match path {
        "/api/v1/sync/jobs" => json!({
            "direction": "collection_to_project", "artifacts": ["skill:pdf"], "project_path": web,
            "strategy": "auto", "strategies": {"skill:pdf": "theirs"}, "dry_run": true, "yes": false
        }),
        "/api/v1/sync/jobs/{id}/cancel" => json!({}),
        "/api/v1/sync/resolve" => json!({
            "artifact": "command:review", "project_path": web, "all": "ours",
            "files": {"review.md": {"edited": "text\n"}}
        }),
        "/api/v1/sync/patch" => {
            json!({"artifact": "skill:pdf", "project_path": web, "format": "zip"})
        }
        "/api/v1/undo" => json!({"artifact": "skill:pdf", "project_path": web}),
        "/api/v1/projects" => json!({"path": web, "targets": ["claude", "agents"]}),
        "/api/v1/sync/update" => {
            json!({"artifacts": ["skill:pdf"], "projects": [web], "dry_run": true})
        }
        "/api/v1/fetch" => json!({"artifacts": ["skill:pdf"]}),
        "/api/v1/collection/pull" | "/api/v1/collection/push" => json!({"collection": "default"}),
        "/api/v1/install" => json!({"project_path": web, "yes": false}),
        p => panic!("no valid body for POST {p}; add one"),
    }
}

/// Malformed variants of `valid`, as raw bodies.
fn bodies(valid: &Value, rng: &mut Rng) -> Vec<Vec<u8>> {
    let text = valid.to_string();
    let mut out: Vec<Vec<u8>> = Vec::new();
    // Every truncation (at char boundaries).
    for (i, _) in text.char_indices() {
        out.push(text.as_bytes()[..i].to_vec());
    }
    // Random bytes, and random bytes after a valid prefix.
    for _ in 0..40 {
        let n = rng.below(200) as usize;
        out.push(rng.bytes(n));
        let mut b = text.as_bytes()[..rng.below(text.len() as u64) as usize].to_vec();
        b.extend(rng.bytes(n));
        out.push(b);
    }
    // One byte flipped.
    for _ in 0..30 {
        let mut b = text.as_bytes().to_vec();
        let i = rng.below(b.len() as u64) as usize;
        b[i] = rng.next() as u8;
        out.push(b);
    }
    // Wrong types for each field, and unknown fields.
    let wrong = [
        json!(null),
        json!(1),
        json!(-1.5),
        json!(true),
        json!("x"),
        json!([]),
        json!({}),
        json!(["skill:pdf", 2]),
        json!({"a": {"b": [1]}}),
        json!(u64::MAX),
        json!("x".repeat(100_000)),
        json!("\u{0}\u{1F600}../..//"),
    ];
    if let Value::Object(m) = valid {
        for k in m.keys() {
            for w in &wrong {
                let mut v = valid.clone();
                v[k] = w.clone();
                out.push(v.to_string().into_bytes());
            }
            let mut v = valid.clone();
            v.as_object_mut().unwrap().remove(k);
            out.push(v.to_string().into_bytes());
        }
        for extra in ["unknown", "__proto__", "", "direction "] {
            let mut v = valid.clone();
            v[extra] = json!(1);
            out.push(v.to_string().into_bytes());
        }
    }
    // Not objects, odd encodings, deep nesting, duplicates.
    for raw in [
        "",
        " ",
        "null",
        "1",
        "\"text\"",
        "[]",
        "[{}]",
        "{}",
        "{\"a\":}",
        "{'direction': 'x'}",
        "{\"direction\":\"\\ud800\"}",
        "{\"direction\":\"\\u0000\"}",
        "{\"path\":\"/tmp\",\"path\":\"/\"}",
        "\u{feff}{}",
        "{\"artifact\":1e999}",
        "{\"artifact\":-0}",
    ] {
        out.push(raw.as_bytes().to_vec());
    }
    out.push(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes());
    out.push(format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes());
    out.push(vec![0xff, 0xfe, b'{', b'}']);
    out
}

async fn post_raw(fx: &Fixture, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Resp {
    let mut req = fx.request(Method::POST, uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    fx.send(req.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn malformed_bodies_never_yield_a_server_error() {
    let fx = Fixture::new(0);
    fx.conflict_in_web();
    let mut rng = Rng(0xf022_5eed);
    let mut sent = 0;
    for (m, path) in ROUTES.iter().filter(|(m, _)| *m == "post") {
        let uri = concrete(path);
        let valid = valid(&fx, path);
        for body in bodies(&valid, &mut rng) {
            let shown = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
            let r = post_raw(&fx, &uri, Some("application/json"), body).await;
            let what = format!("{m} {uri} with {shown:?}");
            assert!(
                !r.status.is_server_error(),
                "{what}: {} {}",
                r.status,
                r.text()
            );
            if !r.status.is_success() {
                r.assert_error_shape(&what);
            }
            sent += 1;
        }
    }
    assert!(sent > 1000, "only {sent} bodies were sent");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_non_json_one_is_415() {
    let fx = Fixture::new(0);
    for (_, path) in ROUTES.iter().filter(|(m, _)| *m == "post") {
        let uri = concrete(path);
        if path.ends_with("/cancel") {
            // Takes no body; nothing to limit or to type.
            continue;
        }
        // Valid JSON, just too large.
        let huge = format!("{{\"path\":\"{}\"}}", "a".repeat(BODY_LIMIT + 16));
        let r = post_raw(
            &fx,
            &uri,
            Some("application/json"),
            huge.clone().into_bytes(),
        )
        .await;
        r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, &format!("{uri} huge"));
        // Declared as too large up front.
        let r = fx
            .send(
                fx.request(Method::POST, &uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_LENGTH, huge.len())
                    .body(Body::from(huge))
                    .unwrap(),
            )
            .await;
        r.assert_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("{uri} huge with length"),
        );
        // Just under the limit is read (and then judged on its content).
        let under = format!("{{\"x\":\"{}\"}}", "a".repeat(BODY_LIMIT - 64));
        let r = post_raw(&fx, &uri, Some("application/json"), under.into_bytes()).await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{uri} under the limit"),
        );

        let valid = valid(&fx, path).to_string();
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonx"),
            Some("json"),
        ] {
            let r = post_raw(&fx, &uri, ct, valid.clone().into_bytes()).await;
            let e = r.assert_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("{uri} as {ct:?}"),
            );
            assert_eq!(e["code"], "unsupported_media_type");
        }
        // With a charset it is still JSON.
        let r = post_raw(
            &fx,
            &uri,
            Some("application/json; charset=utf-8"),
            valid.into_bytes(),
        )
        .await;
        assert_ne!(
            r.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{uri}: {}",
            r.text()
        );
        assert!(!r.status.is_server_error(), "{uri}: {}", r.text());
    }
}
