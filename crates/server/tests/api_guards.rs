//! The guards every request passes and the route table:
//! every `/api` route needs credentials, a foreign Host or a cross-site
//! Origin is refused, the one-time login code becomes a session cookie,
//! errors carry the request's trace id, a W3C `traceparent` is honoured and
//! stored with the job, and every route in `ROUTES` is both served and
//! described in the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use artisync_server::ROUTES;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use support::*;

fn method(m: &str) -> Method {
    m.to_uppercase().parse().unwrap()
}

#[tokio::test]
async fn every_api_route_needs_credentials() {
    let fx = Fixture::new(0);
    let mut checked = 0;
    for (m, path) in ROUTES {
        if !path.starts_with("/api/") {
            continue;
        }
        let uri = concrete(path);
        let cases: [(&str, Option<String>, Option<&str>); 5] = [
            ("no credentials", None, None),
            ("a wrong token", Some("Bearer not-the-token".into()), None),
            (
                "the token with one byte changed",
                Some(format!("Bearer {}x", &fx.token[..fx.token.len() - 1])),
                None,
            ),
            ("Basic auth", Some(format!("Basic {}", fx.token)), None),
            (
                "an unknown session cookie",
                None,
                Some("artisync_session=abc"),
            ),
        ];
        for (what, auth, cookie) in cases {
            let mut req = Request::builder()
                .method(method(m))
                .uri(&uri)
                .header(header::HOST, ADDR)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(a) = auth {
                req = req.header(header::AUTHORIZATION, a);
            }
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            let r = fx.send(req.body(Body::from("{}")).unwrap()).await;
            let e = r.assert_error(StatusCode::UNAUTHORIZED, &format!("{m} {path} with {what}"));
            assert_eq!(e["code"], "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        5 * (ROUTES.len() - 2),
        "every /api route was tried"
    );
    // Nothing was created by the refused requests.
    assert!(fx.state.jobs.list(None, 10).unwrap().is_empty());
}

#[tokio::test]
async fn routes_outside_api_need_no_token() {
    let fx = Fixture::new(0);
    let r = fx
        .send(
            Request::get("/metrics")
                .header(header::HOST, ADDR)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = fx
        .send(
            Request::get("/login?code=nope")
                .header(header::HOST, ADDR)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_route() {
    let fx = Fixture::new(0);
    let port = ADDR.rsplit(':').next().unwrap();
    let foreign = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        "127.0.0.1".to_string(),
        "127.0.0.1:1".to_string(),
        format!("127.0.0.2:{port}"),
        format!("localhost.evil.example:{port}"),
        String::new(),
    ];
    for (m, path) in ROUTES {
        for host in &foreign {
            let req = Request::builder()
                .method(method(m))
                .uri(concrete(path))
                .header(header::HOST, host.as_str())
                .header(header::AUTHORIZATION, format!("Bearer {}", fx.token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let r = fx.send(req).await;
            let e = r.assert_error(StatusCode::FORBIDDEN, &format!("{m} {path} Host {host:?}"));
            assert_eq!(e["code"], "forbidden");
        }
    }
    // The server's own names are accepted.
    for host in [
        ADDR.to_string(),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        let r = fx
            .send(
                fx.request(Method::GET, "/api/v1/projects")
                    .header(header::HOST, host.as_str())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "Host {host}: {}", r.text());
    }
}

#[tokio::test]
async fn a_cross_site_origin_is_refused() {
    let fx = Fixture::new(0);
    let port = ADDR.rsplit(':').next().unwrap();
    let body = json!({"path": fx.web_str()}).to_string();
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{port}"),
        format!("https://{ADDR}"),
        format!("http://{ADDR}.evil.example"),
        "null".to_string(),
        String::new(),
    ] {
        for (m, uri) in [
            ("POST", "/api/v1/projects"),
            ("GET", "/api/v1/projects"),
            ("GET", "/login?code=x"),
        ] {
            let req = fx
                .request(method(m), uri)
                .header(header::ORIGIN, origin.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let r = fx.send(req).await;
            r.assert_error(
                StatusCode::FORBIDDEN,
                &format!("{m} {uri} Origin {origin:?}"),
            );
        }
    }
    // A same-origin request from the UI passes.
    let r = fx
        .send(
            fx.request(Method::GET, "/api/v1/projects")
                .header(header::ORIGIN, format!("http://{ADDR}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_login_code_sets_a_strict_http_only_cookie_once() {
    let fx = Fixture::new(0);
    let code = fx.state.new_login_code();
    let login = |code: String| {
        Request::get(format!("/login?code={code}"))
            .header(header::HOST, ADDR)
            .body(Body::empty())
            .unwrap()
    };
    let r = fx.send(login(code.clone())).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    let cookie = r.header("set-cookie").expect("a cookie").to_string();
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{cookie}");
    assert!(attrs.contains(&"SameSite=Strict"), "{cookie}");
    let pair = attrs[0];
    assert!(pair.starts_with("artisync_session="), "{cookie}");
    assert!(pair.len() > "artisync_session=".len() + 30, "{cookie}");

    // The cookie alone authorises /api calls, the SSE stream included.
    let with_cookie = |uri: &str| {
        Request::get(uri)
            .header(header::HOST, ADDR)
            .header(header::COOKIE, format!("other=1; {pair}"))
            .body(Body::empty())
            .unwrap()
    };
    let r = fx.send(with_cookie("/api/v1/artifacts")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["artifacts"].as_array().unwrap().len(), 4);
    let r = status_of(&fx.app, with_cookie("/api/v1/events?since=0")).await;
    assert_eq!(r, StatusCode::OK);

    // The code works once; an unknown or missing one neither.
    for (what, req) in [
        ("a reused code", login(code)),
        ("an unknown code", login("f".repeat(32))),
        (
            "no code",
            Request::get("/login")
                .header(header::HOST, ADDR)
                .body(Body::empty())
                .unwrap(),
        ),
    ] {
        let r = fx.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.text());
        assert!(r.header("set-cookie").is_none(), "{what}");
    }
}

/// Only the status of a streaming response (its body never ends).
async fn status_of(app: &axum::Router, req: Request<Body>) -> StatusCode {
    use tower::ServiceExt;
    app.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn errors_carry_the_trace_id_and_a_traceparent_is_honoured() {
    let fx = Fixture::new(0);
    // A new trace id per request when none is given.
    let a = fx.get("/api/v1/sync/jobs/nope").await;
    let b = fx.get("/api/v1/sync/jobs/nope").await;
    let ea = a.assert_error(StatusCode::NOT_FOUND, "unknown job");
    let eb = b.assert_error(StatusCode::NOT_FOUND, "unknown job");
    assert_ne!(ea["trace_id"], eb["trace_id"]);
    // Successful responses carry it too.
    let ok = fx.get("/api/v1/projects").await;
    assert_eq!(ok.header("x-trace-id").map(str::len), Some(32));

    let traceparent = format!("00-{TRACE}-00f067aa0ba902b7-01");
    let r = fx
        .send(
            fx.request(Method::GET, "/api/v1/artifacts/skill:nope")
                .header("traceparent", traceparent.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let e = r.assert_error(StatusCode::NOT_FOUND, "unknown artifact");
    assert_eq!(e["trace_id"], TRACE);

    // A job created under a traceparent records its trace id.
    let body = fx.sync_body("collection_to_project", &["skill:pdf"]);
    let r = fx
        .send(
            fx.request(Method::POST, "/api/v1/sync/jobs")
                .header("traceparent", traceparent.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.header("x-trace-id"), Some(TRACE));
    let v = r.json();
    assert_eq!(v["trace_id"], TRACE);
    let job = fx.job(v["job_id"].as_str().unwrap()).await;
    assert_eq!(job["trace_id"], TRACE);

    // A malformed traceparent is ignored, not trusted.
    let r = fx
        .send(
            fx.request(Method::GET, "/api/v1/projects")
                .header("traceparent", "00-XYZ-00f067aa0ba902b7-01")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let t = r.header("x-trace-id").unwrap();
    assert_eq!(t.len(), 32);
    assert!(t.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
}

#[tokio::test]
async fn every_route_is_described_and_served() {
    let fx = Fixture::new(0);
    let r = fx.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for (m, path) in ROUTES {
        let op = &paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is not in /openapi.json"))[*m];
        assert!(op.is_object(), "{m} {path} is not described");
        assert!(op["responses"].is_object(), "{m} {path}: {op}");
    }
    // And the document describes nothing the router does not route.
    let described: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(described, ROUTES.len());

    for (m, path) in ROUTES {
        let uri = concrete(path);
        let req = fx
            .request(method(m), &uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let status = if *path == "/api/v1/events" {
            status_of(&fx.app, req).await
        } else {
            let r = fx.send(req).await;
            if r.status == StatusCode::NOT_FOUND {
                let e = r.assert_error_shape(&format!("{m} {path}"));
                assert!(
                    !e["message"].as_str().unwrap().starts_with("no such route"),
                    "{m} {uri} fell through to the router's fallback"
                );
            }
            assert_ne!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{m} {uri}: {}",
                r.text()
            );
            r.status
        };
        assert!(!status.is_server_error(), "{m} {uri}: {status}");
    }

    // The fallback itself answers unknown routes and methods as JSON errors.
    let r = fx.get("/api/v1/nothing-here").await;
    let e = r.assert_error(StatusCode::NOT_FOUND, "unknown route");
    assert!(e["message"].as_str().unwrap().starts_with("no such route"));
    let r = fx
        .send(
            fx.request(Method::DELETE, "/api/v1/projects")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "DELETE /projects");
}

#[tokio::test]
async fn metrics_export_jobs_queue_and_http_latency() {
    let fx = Fixture::new(0);
    let a = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    fx.start_job(&fx.sync_body("collection_to_project", &["skill:changelog"]))
        .await;
    let r = fx.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let text = r.text();
    assert!(text.contains("artisync_job_queue_depth 2\n"), "{text}");
    fx.run_queued();
    assert_eq!(fx.job(&a).await["state"], "success");
    let text = fx.get("/metrics").await.text();
    for name in [
        "artisync_jobs_total",
        "artisync_job_duration_seconds",
        "artisync_job_queue_depth",
        "artisync_http_request_duration_seconds",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && !l.starts_with('#')),
            "{name} missing:\n{text}"
        );
    }
    assert!(
        text.contains(
            "artisync_jobs_total{direction=\"collection_to_project\",state=\"success\"} 2\n"
        ),
        "{text}"
    );
    assert!(text.contains("artisync_job_queue_depth 0\n"), "{text}");
    assert!(
        text.contains(
            "artisync_job_duration_seconds_count{direction=\"collection_to_project\"} 2\n"
        ),
        "{text}"
    );
    // Latency by route uses the route template, not the concrete path.
    assert!(
        text.contains("artisync_http_request_duration_seconds_bucket{route=\"/api/v1/sync/jobs/{id}\",le=\"+Inf\"}"),
        "{text}"
    );
    // Every sample line parses as `name{labels} number`.
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let v = l.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "bad sample line {l:?}");
    }
}
