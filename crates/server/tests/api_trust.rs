//! What the server checks when a request arrives must still hold when its
//! job runs: a project's `.claude` swapped for a symlink after validation
//! (or after registration) is never written through, and a job never
//! registers its project, so syncing cannot widen where the server may
//! write.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use artisync_testkit::{assert_same_tree, snapshot_tree};
use serde_json::json;
use support::*;

/// A folder outside every allowed root holding the (empty) `.claude` the
/// swap points at, where a sync through the link would deploy.
fn outside(fx: &Fixture) -> std::path::PathBuf {
    let outside = fx.root.join("outside");
    fs::create_dir_all(outside.join("claude")).unwrap();
    fs::write(outside.join("bait.txt"), "secret\n").unwrap();
    outside
}

fn swap_claude_for_link(project: &Path, to: &Path) {
    let claude = project.join(".claude");
    if claude.exists() {
        fs::rename(&claude, project.join("claude.moved")).unwrap();
    }
    symlink(to, &claude).unwrap();
}

fn registered(projects: &serde_json::Value, path: &Path) -> bool {
    projects
        .to_string()
        .contains(&format!("\"{}\"", path.display()))
}

#[tokio::test]
async fn a_job_validated_before_claude_is_swapped_for_a_link_writes_nothing_outside() {
    let fx = Fixture::new(0);
    let outside = outside(&fx);
    let fresh = fx.projects.join("fresh");
    fs::create_dir_all(fresh.join(".claude")).unwrap();
    let job = fx
        .start_job(&json!({
            "direction": "collection_to_project",
            "artifacts": ["skill:pdf"],
            "project_path": fresh,
        }))
        .await;
    // Validated and queued; now the project's `.claude` leads out.
    swap_claude_for_link(&fresh, &outside.join("claude"));
    let before = snapshot_tree(&outside);
    fx.run_queued();
    let j = fx.job(&job).await;
    assert_ne!(j["state"], "success", "{j:#}");
    assert_same_tree(&before, &snapshot_tree(&outside), "the job's write");
}

#[tokio::test]
async fn a_registered_project_whose_claude_is_swapped_later_is_not_written_through() {
    let fx = Fixture::new(0);
    let outside = outside(&fx);
    // Registered through the API while it was a plain folder.
    let later = fx.projects.join("later");
    fs::create_dir_all(&later).unwrap();
    let r = fx.post("/api/v1/projects", &json!({"path": later})).await;
    assert!(r.status.is_success(), "{}", r.text());
    swap_claude_for_link(&later, &outside.join("claude"));
    let before = snapshot_tree(&outside);
    let r = fx
        .post(
            "/api/v1/sync/jobs",
            &json!({
                "direction": "collection_to_project",
                "artifacts": ["skill:pdf"],
                "project_path": later,
            }),
        )
        .await;
    if r.status.is_success() {
        fx.run_queued();
        let j = fx.job(r.json()["job_id"].as_str().unwrap()).await;
        assert_ne!(j["state"], "success", "{j:#}");
    } else {
        r.assert_error_shape("a sync into a swapped .claude");
    }
    assert_same_tree(&before, &snapshot_tree(&outside), "the job's write");
}

#[tokio::test]
async fn a_job_never_registers_its_project() {
    let fx = Fixture::new(0);
    let fresh = fx.projects.join("fresh");
    fs::create_dir_all(&fresh).unwrap();
    let job = fx
        .start_job(&json!({
            "direction": "collection_to_project",
            "artifacts": ["skill:pdf"],
            "project_path": fresh,
        }))
        .await;
    fx.run_queued();
    assert_eq!(fx.job(&job).await["state"], "success");
    assert!(fresh.join(".claude/skills/pdf/SKILL.md").is_file());
    let projects = fx.get("/api/v1/projects").await.json();
    assert!(!registered(&projects, &fresh), "{projects:#}");
    assert!(registered(&projects, &fx.web), "{projects:#}");
}
