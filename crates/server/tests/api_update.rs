//! "Fetch now" and "update everything behind" through the API: both run as
//! jobs; an update syncs, in one job, the collection from its upstream and
//! then each project from the collection, for every copy that only lags
//! its source, and holds back every copy with changes of its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::path::Path;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::*;

async fn start(fx: &Fixture, uri: &str, body: &Value) -> Value {
    let r = fx.post(uri, body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["job_id"].as_str().unwrap().to_string();
    fx.wait_job(&id).await
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

/// The results of an update job as (direction, project file name or "",
/// id, outcome), sorted.
fn rows(job: &Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = job["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let project = r["project"]
                .as_str()
                .map(|p| {
                    Path::new(p)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .unwrap_or_default();
            (
                r["direction"].as_str().unwrap().to_string(),
                project,
                r["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(
    direction: &str,
    project: &str,
    id: &str,
    outcome: &str,
) -> (String, String, String, String) {
    (direction.into(), project.into(), id.into(), outcome.into())
}

#[tokio::test]
async fn fetch_then_update_brings_every_lagging_copy_up_to_date_in_one_job() {
    let fx = Fixture::new(1);
    // A second project with two of the artifacts.
    let other = fx.projects.join("other");
    fs::create_dir_all(&other).unwrap();
    fx.engine()
        .deploy(&[id("skill:pdf"), id("command:review")], &other, None)
        .unwrap();
    // Upstream moves skill:pdf; the collection moves command:review; both
    // the collection and the web project edit agent:reviewer (diverged
    // there, so held back).
    fx.up.write(
        "skills/pdf/SKILL.md",
        "---\nname: pdf\ndescription: PDFs, now better\n---\nNew steps.\n",
    );
    fx.up.commit("better pdf");
    let review = fx.collection_dir().join("commands/review.md");
    fs::write(&review, format!("{}\nOne more check.\n", read(&review))).unwrap();
    let agent = fx.web.join(".claude/agents/reviewer.md");
    let edited_agent = format!("{}\nA local rule.\n", read(&agent));
    fs::write(&agent, &edited_agent).unwrap();
    let collection_agent = fx.collection_dir().join("agents/reviewer.md");
    fs::write(
        &collection_agent,
        format!("{}\nA team rule.\n", read(&collection_agent)),
    )
    .unwrap();

    // Status reads the upstream cache only: nothing is behind upstream yet.
    let list = fx.get("/api/v1/artifacts").await.json();
    let pdf = |l: &Value| {
        l["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "skill:pdf")
            .unwrap()
            .clone()
    };
    assert_eq!(pdf(&list)["upstream"]["status"], "in_sync");
    let before = pdf(&list)["upstream"]["fetched_at"].clone();

    // Fetch now: a job that refreshes the cache and changes nothing else.
    let fetched = start(&fx, "/api/v1/fetch", &json!({})).await;
    assert_eq!(fetched["state"], "success", "{fetched:#}");
    assert_eq!(fetched["kind"], "fetch");
    let reports = fetched["report"]["fetched"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{fetched:#}");
    assert_eq!(reports[0]["artifacts"].as_array().unwrap().len(), ALL.len());
    let list = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(pdf(&list)["upstream"]["status"], "behind", "{list:#}");
    // RFC 3339 times in UTC compare as strings.
    assert!(pdf(&list)["upstream"]["fetched_at"].as_str() >= before.as_str());
    let collection_pdf = fx.collection_dir().join("skills/pdf/SKILL.md");
    assert!(!read(&collection_pdf).contains("now better"));

    // The dry run lists the plan and writes nothing.
    let snapshot = |p: &Path| read(&p.join(".claude/skills/pdf/SKILL.md"));
    let (web_before, other_before) = (snapshot(&fx.web), snapshot(&other));
    let dry = start(&fx, "/api/v1/sync/update", &json!({"dry_run": true})).await;
    assert_eq!(dry["state"], "success", "{dry:#}");
    assert_eq!(dry["kind"], "update");
    assert_eq!(dry["request"]["dry_run"], true);
    let expected = vec![
        row(
            "collection_to_project",
            "other",
            "command:review",
            "updated",
        ),
        // In sync with a collection copy about to move: goes along.
        row("collection_to_project", "other", "skill:pdf", "unchanged"),
        row("collection_to_project", "web", "agent:reviewer", "skipped"),
        row("collection_to_project", "web", "command:review", "updated"),
        row("collection_to_project", "web", "skill:pdf", "unchanged"),
        row("upstream_to_collection", "", "skill:pdf", "updated"),
    ];
    assert_eq!(rows(&dry), expected, "{dry:#}");
    let held = dry["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "skipped")
        .unwrap();
    assert_eq!(held["status"], "diverged");
    assert!(
        held["message"].as_str().unwrap().contains("local changes"),
        "{held}"
    );
    assert_eq!(dry["done"], dry["total"]);
    assert!(!read(&collection_pdf).contains("now better"));
    assert_eq!(
        (snapshot(&fx.web), snapshot(&other)),
        (web_before, other_before)
    );

    // The real run: upstream → collection first, then both projects,
    // including what the first step brought in; the local edit stays.
    let run = start(&fx, "/api/v1/sync/update", &json!({})).await;
    assert_eq!(run["state"], "success", "{run:#}");
    let mut expected = expected;
    expected[1].3 = "updated".into();
    expected[4].3 = "updated".into();
    assert_eq!(rows(&run), expected, "{run:#}");
    assert!(read(&collection_pdf).contains("now better"));
    for p in [&fx.web, &other] {
        assert!(snapshot(p).contains("now better"), "{}", p.display());
        assert_eq!(read(&p.join(".claude/commands/review.md")), read(&review));
    }
    assert_eq!(read(&agent), edited_agent);
    let list = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(pdf(&list)["upstream"]["status"], "in_sync");

    // Again: nothing lags, only the held copy is reported (the collection's
    // own edits of command:review and agent:reviewer are not lagging).
    let again = start(&fx, "/api/v1/sync/update", &json!({})).await;
    assert_eq!(again["state"], "success", "{again:#}");
    assert_eq!(
        rows(&again),
        vec![row(
            "collection_to_project",
            "web",
            "agent:reviewer",
            "skipped"
        )]
    );
}

#[tokio::test]
async fn an_update_keeps_to_the_artifacts_and_projects_it_names() {
    let fx = Fixture::new(1);
    let other = fx.projects.join("other");
    fs::create_dir_all(&other).unwrap();
    fx.engine()
        .deploy(&[id("command:review")], &other, None)
        .unwrap();
    let review = fx.collection_dir().join("commands/review.md");
    fs::write(&review, format!("{}\nOne more check.\n", read(&review))).unwrap();
    let pdf = fx.collection_dir().join("skills/pdf/SKILL.md");
    fs::write(&pdf, format!("{}\nMore.\n", read(&pdf))).unwrap();

    let body = json!({"artifacts": ["command:review"], "projects": [other.display().to_string()]});
    let job = start(&fx, "/api/v1/sync/update", &body).await;
    assert_eq!(job["state"], "success", "{job:#}");
    assert_eq!(
        rows(&job),
        vec![row(
            "collection_to_project",
            "other",
            "command:review",
            "updated"
        )]
    );
    assert_eq!(
        read(&other.join(".claude/commands/review.md")),
        read(&review)
    );
    assert_ne!(
        read(&fx.web.join(".claude/commands/review.md")),
        read(&review)
    );
    assert_ne!(
        read(&fx.web.join(".claude/skills/pdf/SKILL.md")),
        read(&pdf)
    );
}

#[tokio::test]
async fn bad_update_and_fetch_requests_are_refused_before_a_job_exists() {
    let fx = Fixture::new(0);
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "/api/v1/sync/update",
            json!({"artifacts": ["skill:nope"]}),
            StatusCode::NOT_FOUND,
            "not in collection",
        ),
        (
            "/api/v1/sync/update",
            json!({"artifacts": ["skill:pfd"]}),
            StatusCode::NOT_FOUND,
            "did you mean skill:pdf?",
        ),
        (
            "/api/v1/sync/jobs",
            json!({"direction": "upstream_to_collection", "artifacts": ["command:pdf"]}),
            StatusCode::NOT_FOUND,
            "did you mean skill:pdf?",
        ),
        (
            "/api/v1/sync/update",
            json!({"artifacts": ["bad id"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "KIND:NAME",
        ),
        (
            "/api/v1/sync/update",
            json!({"projects": ["/etc"]}),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "/api/v1/sync/update",
            json!({"projects": ["relative/path"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "projects entry",
        ),
        (
            "/api/v1/sync/update",
            json!({"direction": "upstream_to_collection"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "direction",
        ),
        (
            "/api/v1/sync/update",
            json!({"dry_run": "yes"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "/api/v1/fetch",
            json!({"artifacts": ["skill:nope"]}),
            StatusCode::NOT_FOUND,
            "not in collection",
        ),
        (
            "/api/v1/fetch",
            json!({"project_path": "/x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "project_path",
        ),
        (
            "/api/v1/fetch",
            json!([]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "/api/v1/sync/jobs",
            json!({"direction": "collection_to_project", "project_path": fx.web_str(), "projects": [fx.web_str()]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "POST /api/v1/sync/update",
        ),
    ];
    for (uri, body, status, what) in cases {
        let r = fx.post(uri, &body).await;
        assert_eq!(r.status, status, "{uri} {body}: {}", r.text());
        let e = r.assert_error_shape(&format!("{uri} {body}"));
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(what), "{uri} {body}: {message}");
    }
    let jobs = fx.get("/api/v1/sync/jobs").await.json();
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 0, "{jobs:#}");
}
