//! `project_path` from a request: it must canonicalise to a
//! registered project or a directory under an allowed root. Traversal,
//! relative paths, symlinks out of an allowed root, the data home, device
//! files and unregistered paths are refused on every endpoint that takes
//! one — never with a 2xx, never with a 5xx, and without writing anything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::os::unix::fs::symlink;

use artisync_testkit::{assert_same_tree, snapshot_tree};
use axum::http::{Method, StatusCode};
use serde_json::json;
use support::*;

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends a request to endpoint `n` naming `path` as its project.
async fn call(fx: &Fixture, n: usize, path: &str) -> (String, Resp) {
    let q = enc(path);
    let (m, uri, body) = match n {
        0 => (
            "POST",
            "/api/v1/sync/jobs".to_string(),
            Some(
                json!({"direction": "collection_to_project", "artifacts": ["skill:pdf"], "project_path": path}),
            ),
        ),
        1 => (
            "POST",
            "/api/v1/sync/jobs".to_string(),
            Some(json!({"direction": "project_to_collection", "project_path": path})),
        ),
        2 => ("GET", format!("/api/v1/artifacts?project_path={q}"), None),
        3 => (
            "GET",
            format!("/api/v1/artifacts/skill:pdf?project_path={q}"),
            None,
        ),
        4 => (
            "GET",
            format!("/api/v1/artifacts/skill:pdf/versions?project_path={q}"),
            None,
        ),
        5 => (
            "GET",
            format!("/api/v1/artifacts/skill:pdf/diff?lhs=collection&rhs=project&project_path={q}"),
            None,
        ),
        6 => (
            "GET",
            format!("/api/v1/artifacts/skill:pdf/file?tier=project&path=SKILL.md&project_path={q}"),
            None,
        ),
        7 => (
            "GET",
            format!("/api/v1/artifacts/skill:pdf/conflict?project_path={q}"),
            None,
        ),
        8 => (
            "POST",
            "/api/v1/sync/resolve".to_string(),
            Some(json!({"artifact": "skill:pdf", "project_path": path, "all": "ours"})),
        ),
        9 => (
            "POST",
            "/api/v1/sync/patch".to_string(),
            Some(json!({"artifact": "skill:pdf", "project_path": path})),
        ),
        10 => (
            "POST",
            "/api/v1/undo".to_string(),
            Some(json!({"artifact": "skill:pdf", "project_path": path})),
        ),
        _ => unreachable!(),
    };
    let r = match body {
        Some(b) => fx.post(&uri, &b).await,
        None => fx.get(&uri).await,
    };
    (format!("{m} {uri}"), r)
}

const ENDPOINTS: usize = 11;

#[tokio::test]
async fn refused_project_paths_on_every_endpoint() {
    let fx = Fixture::new(0);
    let outside = fx.root.join("outside");
    fs::create_dir_all(outside.join(".claude/skills/pdf")).unwrap();
    fs::write(outside.join(".claude/skills/pdf/SKILL.md"), "outside\n").unwrap();
    symlink(&outside, fx.projects.join("escape")).unwrap();
    symlink(&fx.home, fx.projects.join("to-home")).unwrap();
    symlink("../outside", fx.projects.join("relative-escape")).unwrap();
    let file = fx.web.join(".claude/artisync.lock");
    let p = |s: &std::path::Path| s.to_str().unwrap().to_string();
    let web = p(&fx.web);
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            format!("{web}/../../outside"),
            StatusCode::FORBIDDEN,
            "'..' out of the root",
        ),
        (
            format!("{web}/../web"),
            StatusCode::FORBIDDEN,
            "'..' staying inside",
        ),
        (
            format!("{}/..", p(&fx.projects)),
            StatusCode::FORBIDDEN,
            "trailing '..'",
        ),
        (
            "projects/web".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "relative",
        ),
        (
            "./web".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "dot-relative",
        ),
        (
            "../outside".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "relative '..'",
        ),
        ("~/web".into(), StatusCode::UNPROCESSABLE_ENTITY, "tilde"),
        (String::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (
            p(&fx.projects.join("escape")),
            StatusCode::FORBIDDEN,
            "symlink out of the root",
        ),
        (
            p(&fx.projects.join("relative-escape")),
            StatusCode::FORBIDDEN,
            "relative symlink out",
        ),
        (
            p(&fx.projects.join("to-home")),
            StatusCode::FORBIDDEN,
            "symlink to the data home",
        ),
        (p(&fx.home), StatusCode::FORBIDDEN, "the data home"),
        (
            p(&fx.collection_dir()),
            StatusCode::FORBIDDEN,
            "the collection",
        ),
        (p(&outside), StatusCode::FORBIDDEN, "unregistered"),
        ("/".into(), StatusCode::FORBIDDEN, "the file system root"),
        (
            p(&fx.projects.join("nope")),
            StatusCode::NOT_FOUND,
            "missing",
        ),
        (p(&file), StatusCode::FORBIDDEN, "a file"),
        ("/dev/null".into(), StatusCode::FORBIDDEN, "a device"),
        (format!("{web}\0/x"), StatusCode::FORBIDDEN, "NUL"),
    ];
    let before_outside = snapshot_tree(&outside);
    let before_web = snapshot_tree(&fx.web);
    for (path, status, what) in &cases {
        for n in 0..ENDPOINTS {
            let (req, r) = call(&fx, n, path).await;
            let what = format!("{what} ({path:?}) on {req}");
            assert!(!r.status.is_success(), "{what}: {}", r.text());
            assert!(!r.status.is_server_error(), "{what}: {}", r.text());
            r.assert_error(*status, &what);
        }
    }
    assert!(fx.state.jobs.list(None, 10).unwrap().is_empty());
    assert_same_tree(
        &before_outside,
        &snapshot_tree(&outside),
        "refused requests",
    );
    assert_same_tree(&before_web, &snapshot_tree(&fx.web), "refused requests");
}

#[tokio::test]
async fn registered_projects_and_paths_under_an_allowed_root_are_accepted() {
    let fx = Fixture::new(0);
    // Registered, outside every allowed root.
    let registered = fx.root.join("registered");
    fs::create_dir_all(&registered).unwrap();
    fx.engine().project_add(&registered, &[]).unwrap();
    // Under the allowed root, not registered, reached through a symlink
    // that stays inside the root.
    let fresh = fx.projects.join("fresh");
    fs::create_dir_all(&fresh).unwrap();
    symlink(&fresh, fx.projects.join("alias")).unwrap();
    for path in [
        registered.clone(),
        fresh.clone(),
        fx.projects.join("alias"),
        fx.web.clone(),
    ] {
        let path = path.to_str().unwrap();
        let r = fx
            .get(&format!("/api/v1/artifacts?project_path={}", enc(path)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    // A job's request names the canonical path.
    let alias = fx.projects.join("alias");
    let r = fx
        .post(
            "/api/v1/sync/jobs",
            &json!({"direction": "collection_to_project", "artifacts": ["skill:pdf"], "project_path": alias}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = fx.job(r.json()["job_id"].as_str().unwrap()).await;
    assert_eq!(job["request"]["project_path"], fresh.to_str().unwrap());
    fx.run_queued();
    assert!(fresh.join(".claude/skills/pdf/SKILL.md").is_file());

    // Without allowed roots, only registered projects pass.
    let state = Fixture::state(&fx.home, vec![], 0);
    let app = artisync_server::app(state.clone());
    let strict = |path: &str| {
        fx.request(
            Method::GET,
            &format!("/api/v1/artifacts?project_path={}", enc(path)),
        )
        .header("authorization", format!("Bearer {}", state.token))
        .body(axum::body::Body::empty())
        .unwrap()
    };
    use tower::ServiceExt;
    let r = app.clone().oneshot(strict(fx.web_str())).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let other = fx.projects.join("other");
    fs::create_dir_all(&other).unwrap();
    let r = app.oneshot(strict(other.to_str().unwrap())).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn registering_a_project_refuses_bad_paths() {
    let fx = Fixture::new(0);
    let file = fx.web.join(".claude/artisync.lock");
    let web = fx.web_str().to_string();
    for (path, status, what) in [
        (
            "web".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "relative",
        ),
        (String::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (format!("{web}/../web"), StatusCode::FORBIDDEN, "'..'"),
        (
            fx.home.to_str().unwrap().to_string(),
            StatusCode::FORBIDDEN,
            "the data home",
        ),
        (
            fx.collection_dir().to_str().unwrap().to_string(),
            StatusCode::FORBIDDEN,
            "inside the data home",
        ),
        (
            fx.projects.join("nope").to_str().unwrap().to_string(),
            StatusCode::NOT_FOUND,
            "missing",
        ),
        (
            file.to_str().unwrap().to_string(),
            StatusCode::FORBIDDEN,
            "a file",
        ),
        ("/dev/null".to_string(), StatusCode::FORBIDDEN, "a device"),
    ] {
        let r = fx.post("/api/v1/projects", &json!({ "path": path })).await;
        r.assert_error(status, &format!("{what}: {path:?}"));
    }
    let v = fx.get("/api/v1/projects").await.json();
    assert_eq!(v["projects"].as_array().unwrap().len(), 1, "{v}");
}

#[tokio::test]
async fn a_project_whose_claude_dir_leads_out_of_the_root_is_refused() {
    let fx = Fixture::new(0);
    let outside = fx.root.join("outside");
    fs::create_dir_all(outside.join(".claude/skills/pdf")).unwrap();
    fs::write(outside.join(".claude/skills/pdf/SKILL.md"), "secret\n").unwrap();
    // `.claude` itself, or a kind folder in it, is a symlink out of the
    // allowed root.
    let whole = fx.projects.join("whole");
    fs::create_dir_all(&whole).unwrap();
    symlink(outside.join(".claude"), whole.join(".claude")).unwrap();
    let kind = fx.projects.join("kind");
    fs::create_dir_all(kind.join(".claude")).unwrap();
    symlink(outside.join(".claude/skills"), kind.join(".claude/skills")).unwrap();
    let before = snapshot_tree(&outside);
    for project in [&whole, &kind] {
        let path = project.to_str().unwrap();
        for n in 0..ENDPOINTS {
            let (req, r) = call(&fx, n, path).await;
            let what = format!("{path} on {req}");
            r.assert_error(StatusCode::FORBIDDEN, &what);
        }
    }
    fx.run_queued();
    assert_same_tree(
        &before,
        &snapshot_tree(&outside),
        "requests into a symlinked .claude",
    );
    // A symlink that stays inside the project is fine.
    let inside = fx.projects.join("inside");
    fs::create_dir_all(inside.join("config/claude")).unwrap();
    symlink("config/claude", inside.join(".claude")).unwrap();
    let r = fx
        .get(&format!(
            "/api/v1/artifacts?project_path={}",
            enc(inside.to_str().unwrap())
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}
