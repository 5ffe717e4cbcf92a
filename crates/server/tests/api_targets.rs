//! Targets and reproducible installs through the API: a project registered
//! with several targets has a copy in each; status, diff, sync, conflict,
//! resolve and undo name the copy with `target`; `GET /install` compares a
//! project with its lockfile and `POST /install` recreates it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::*;

/// The web project's copies of `id` in the artifact list: (target, status).
async fn copies(fx: &Fixture, id: &str) -> Vec<(String, String)> {
    let r = fx.get("/api/v1/artifacts").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let a = v["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone();
    a["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["target"].as_str().unwrap_or("claude").to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The web project with a second target, `agents`, holding skill:pdf.
async fn two_targets() -> Fixture {
    let fx = Fixture::new(1);
    let r = fx
        .post(
            "/api/v1/projects",
            &json!({"path": fx.web_str(), "targets": ["claude", "agents"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "already registered: {}", r.text());
    assert_eq!(r.json()["targets"], json!(["claude", "agents"]));
    let job = fx
        .start_job(
            &json!({"direction": "collection_to_project", "project_path": fx.web_str(),
            "artifacts": ["skill:pdf"], "target": "agents"}),
        )
        .await;
    let job = fx.wait_job(&job).await;
    assert_eq!(job["state"], "success", "{job}");
    assert_eq!(job["results"][0]["target"], "agents", "{job}");
    assert_eq!(job["results"][0]["outcome"], "updated", "{job}");
    fx
}

#[tokio::test]
async fn projects_list_their_targets_and_status_lists_each_copy() {
    let fx = two_targets().await;
    let r = fx.get("/api/v1/projects").await;
    assert_eq!(
        r.json()["projects"][0]["targets"],
        json!(["claude", "agents"])
    );
    assert!(fx.web.join(".agents/skills/pdf/SKILL.md").is_file());
    assert_eq!(
        copies(&fx, "skill:pdf").await,
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
    // Commands have no place in the agents layout: only the claude copy.
    assert_eq!(
        copies(&fx, "command:review").await,
        vec![("claude".into(), "in_sync".into())]
    );
}

#[tokio::test]
async fn diff_sync_and_undo_name_the_copy() {
    let fx = two_targets().await;
    // The server keeps the artifact list while nothing it reads changes:
    // an edit in another target's folder must count as a change.
    assert_eq!(
        copies(&fx, "skill:pdf").await,
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
    let agents = fx.web.join(".agents/skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&agents).unwrap();
    text.push_str("\nagents note\n");
    fs::write(&agents, &text).unwrap();
    assert_eq!(
        copies(&fx, "skill:pdf").await,
        vec![
            ("claude".into(), "in_sync".into()),
            ("agents".into(), "ahead".into())
        ]
    );
    let base = format!(
        "/api/v1/artifacts/skill:pdf/diff?lhs=collection&rhs=project&project_path={}",
        fx.web_str()
    );
    let claude = fx.get(&base).await.json();
    assert_eq!(claude["total_files"], 0, "{claude}");
    let d = fx.get(&format!("{base}&target=agents")).await.json();
    assert_eq!(d["files"][0]["path"], "SKILL.md", "{d}");

    // Bring the agents copy's note into the collection, then into every
    // copy (no target: each target of the project).
    let job = fx
        .start_job(
            &json!({"direction": "project_to_collection", "project_path": fx.web_str(),
            "artifacts": ["skill:pdf"], "target": "agents"}),
        )
        .await;
    let job = fx.wait_job(&job).await;
    assert_eq!(job["results"][0]["outcome"], "updated", "{job}");
    let job = fx
        .start_job(
            &json!({"direction": "collection_to_project", "project_path": fx.web_str(),
            "artifacts": ["skill:pdf"]}),
        )
        .await;
    let job = fx.wait_job(&job).await;
    let got: Vec<(Value, Value)> = job["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["target"].clone(), r["outcome"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (json!("claude"), json!("updated")),
            (json!("agents"), json!("unchanged"))
        ],
        "{job}"
    );
    assert!(
        fs::read_to_string(fx.web.join(".claude/skills/pdf/SKILL.md"))
            .unwrap()
            .contains("agents note")
    );

    // Undo names the copy too.
    let preview = fx
        .get(&format!(
            "/api/v1/undo?artifact=skill:pdf&project_path={}&target=claude",
            fx.web_str()
        ))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    assert_eq!(preview.json()["destination"]["path"], fx.web_str());
    let r = fx
        .post(
            "/api/v1/undo",
            &json!({"artifact": "skill:pdf", "project_path": fx.web_str(), "target": "claude"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        copies(&fx, "skill:pdf").await,
        vec![
            ("claude".into(), "behind".into()),
            ("agents".into(), "in_sync".into())
        ]
    );
}

#[tokio::test]
async fn bad_and_unused_targets_are_refused_before_any_job() {
    let fx = two_targets().await;
    let r = fx
        .get(&format!(
            "/api/v1/artifacts/skill:pdf/diff?lhs=collection&rhs=project&project_path={}&target=vscode",
            fx.web_str()
        ))
        .await;
    let e = r.assert_error(StatusCode::BAD_REQUEST, "unknown target");
    assert!(e["message"].as_str().unwrap().contains("opencode"), "{e}");
    let r = fx
        .post(
            "/api/v1/sync/jobs",
            &json!({"direction": "project_to_collection", "project_path": fx.web_str(),
                "artifacts": ["skill:pdf"], "target": "cursor"}),
        )
        .await;
    let e = r.assert_error_shape("a target the project does not use");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("has no cursor target"),
        "{e}"
    );
    let r = fx
        .post(
            "/api/v1/projects",
            &json!({"path": fx.web_str(), "targets": ["claude", "vscode"]}),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "unknown target in a body");
    let jobs = fx.get("/api/v1/sync/jobs").await.json();
    assert_eq!(
        jobs["jobs"].as_array().unwrap().len(),
        1,
        "only the set-up job: {jobs}"
    );
}

#[tokio::test]
async fn install_checks_and_recreates_the_locked_copies() {
    let fx = two_targets().await;
    let uri = format!("/api/v1/install?project_path={}", fx.web_str());
    let check = fx.get(&uri).await.json();
    assert_eq!(check["matches"], true, "{check}");
    assert_eq!(check["copies"].as_array().unwrap().len(), 5, "{check}");

    fs::remove_dir_all(fx.web.join(".agents")).unwrap();
    fs::write(fx.web.join(".claude/commands/review.md"), "mine\n").unwrap();
    let check = fx.get(&uri).await.json();
    assert_eq!(check["matches"], false, "{check}");
    let states: Vec<(Value, Value, Value)> = check["copies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] != "locked")
        .map(|c| (c["id"].clone(), c["target"].clone(), c["state"].clone()))
        .collect();
    assert_eq!(
        states,
        vec![
            (json!("skill:pdf"), json!("agents"), json!("missing")),
            (json!("command:review"), json!("claude"), json!("modified")),
        ]
    );

    let body = json!({"project_path": fx.web_str()});
    let r = fx.post("/api/v1/install", &body).await;
    let e = r.assert_error_shape("local changes need yes");
    assert!(e["message"].as_str().unwrap().contains("--yes"), "{e}");
    assert_eq!(
        fs::read_to_string(fx.web.join(".claude/commands/review.md")).unwrap(),
        "mine\n"
    );

    let r = fx
        .post(
            "/api/v1/install",
            &json!({"project_path": fx.web_str(), "yes": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let written: Vec<Value> = r.json()["copies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "locked")
        .map(|c| c["action"].clone())
        .collect();
    assert_eq!(written, vec![json!("created"), json!("replaced")]);
    assert_eq!(fx.get(&uri).await.json()["matches"], true);

    let r = fx
        .get(&format!(
            "/api/v1/install?project_path={}/nope",
            fx.web_str()
        ))
        .await;
    r.assert_error_shape("a project that does not exist");
}

#[tokio::test]
async fn every_layout_takes_its_copy_through_the_api() {
    let fx = Fixture::new(1);
    for (target, root) in [
        ("claude", ".claude"),
        ("agents", ".agents"),
        ("codex", ".codex"),
        ("gemini", ".gemini"),
        ("opencode", ".opencode"),
        ("copilot", ".github"),
        ("cursor", ".cursor"),
    ] {
        let project = fx.projects.join(format!("p-{target}"));
        fs::create_dir_all(&project).unwrap();
        let path = project.to_str().unwrap();
        let r = fx
            .post(
                "/api/v1/projects",
                &json!({"path": path, "targets": [target]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let job = fx
            .start_job(
                &json!({"direction": "collection_to_project", "project_path": path,
                "artifacts": ["skill:pdf", "command:review"]}),
            )
            .await;
        let job = fx.wait_job(&job).await;
        assert_eq!(job["state"], "success", "{job}");
        let outcome = |id: &str| {
            job["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .map(|r| (r["target"].clone(), r["outcome"].clone()))
                .unwrap()
        };
        assert_eq!(
            outcome("skill:pdf"),
            (json!(target), json!("updated")),
            "{job}"
        );
        assert!(
            project.join(root).join("skills/pdf/SKILL.md").is_file(),
            "{target}"
        );
        let expected = if target == "claude" {
            "updated"
        } else {
            "skipped"
        };
        assert_eq!(
            outcome("command:review").1,
            json!(expected),
            "{target}: {job}"
        );
        if target != "claude" {
            assert!(!project.join(".claude/commands").exists(), "{target}");
        }
        let check = fx
            .get(&format!("/api/v1/install?project_path={path}"))
            .await
            .json();
        assert_eq!(check["matches"], true, "{target}: {check}");
    }
}
