//! Sync jobs through the API: creating, reading, listing and
//! cancelling jobs, `Idempotency-Key`, request validation, and the event
//! stream (queued → running → progress → final, resumable without loss).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use support::*;

/// Changes the collection's copy of `skill:pdf` so that a
/// collection_to_project sync has something to do.
fn bump(fx: &Fixture, name: &str, text: &str) {
    let p = fx
        .collection_dir()
        .join("skills")
        .join(name)
        .join("SKILL.md");
    let mut s = fs::read_to_string(&p).unwrap();
    s.push_str(text);
    fs::write(&p, s).unwrap();
}

async fn post_with_key(fx: &Fixture, body: &Value, key: &str) -> Resp {
    fx.send(
        fx.request(Method::POST, "/api/v1/sync/jobs")
            .header("idempotency-key", key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_job_runs_to_success_and_records_everything() {
    let fx = Fixture::new(1);
    bump(&fx, "pdf", "\nMore steps.\n");
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    let job = fx.wait_job(&id).await;
    assert_eq!(job["state"], "success", "{job:#}");
    assert_eq!(job["id"], id.as_str());
    assert_eq!(job["kind"], "sync");
    assert_eq!(job["origin"], "api");
    assert_eq!(job["direction"], "collection_to_project");
    assert_eq!(
        (job["done"].as_u64(), job["total"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(job["request"]["project_path"], fx.web_str());
    let results = job["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{job:#}");
    assert_eq!(results[0]["id"], "skill:pdf");
    assert_eq!(results[0]["outcome"], "updated");
    assert_ne!(results[0]["from"], results[0]["to"]);
    assert!(job["duration_ms"].is_u64(), "{job:#}");
    assert!(job["finished_at"].is_string() && job["started_at"].is_string());
    assert!(!job["log"].as_array().unwrap().is_empty());
    assert_eq!(job["trace_id"].as_str().unwrap().len(), 32);
    // The project now has the collection's version.
    assert_eq!(
        fs::read(fx.web.join(".claude/skills/pdf/SKILL.md")).unwrap(),
        fs::read(fx.collection_dir().join("skills/pdf/SKILL.md")).unwrap()
    );

    // The list shows it, newest first, and filters by state.
    let id2 = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:changelog"]))
        .await;
    fx.wait_job(&id2).await;
    let list = fx.get("/api/v1/sync/jobs").await.json();
    let ids: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id2.as_str(), id.as_str()]);
    let list = fx
        .get("/api/v1/sync/jobs?state=success&limit=1")
        .await
        .json();
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
    let list = fx.get("/api/v1/sync/jobs?state=queued").await.json();
    assert!(list["jobs"].as_array().unwrap().is_empty());
    for bad in [
        "/api/v1/sync/jobs?state=finished",
        "/api/v1/sync/jobs?limit=-1",
        "/api/v1/sync/jobs?limit=x",
        "/api/v1/sync/jobs?limit=0",
        "/api/v1/sync/jobs?limit=501",
        "/api/v1/sync/jobs?colour=red",
        "/api/v1/events?since=-1",
    ] {
        fx.get(bad).await.assert_error(StatusCode::BAD_REQUEST, bad);
    }
}

#[tokio::test]
async fn unknown_and_malformed_job_ids_are_404() {
    let fx = Fixture::new(0);
    for id in [
        "0".repeat(32),
        "nope".into(),
        "..%2F..%2Fetc".into(),
        "a".repeat(300),
    ] {
        for (m, uri) in [
            ("GET", format!("/api/v1/sync/jobs/{id}")),
            ("POST", format!("/api/v1/sync/jobs/{id}/cancel")),
            ("GET", format!("/api/v1/patches/{id}")),
        ] {
            let r = fx
                .send(
                    fx.request(m.parse().unwrap(), &uri)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let e = r.assert_error(StatusCode::NOT_FOUND, &format!("{m} {uri}"));
            assert!(!e["message"].as_str().unwrap().starts_with("no such route"));
        }
    }
}

#[tokio::test]
async fn invalid_sync_requests_are_refused_before_a_job_exists() {
    let fx = Fixture::new(0);
    let web = fx.web_str();
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"direction": "sideways"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown direction",
        ),
        (
            json!({"direction": "project_to_upstream", "project_path": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "patch direction",
        ),
        (
            json!({"direction": "upstream_to_collection", "project_path": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "project for upstream",
        ),
        (
            json!({"direction": "collection_to_project"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no project",
        ),
        (
            json!({"direction": "project_to_collection"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no project",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "artifacts": ["skill:nope"]}),
            StatusCode::NOT_FOUND,
            "unknown artifact",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "artifacts": ["pdf"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad id",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "artifacts": ["skill:../x"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "path in id",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "strategy": "mine"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad strategy",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "artifacts": ["skill:pdf"], "strategies": {"skill:changelog": "ours"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "strategy for another artifact",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "strategies": {"skill:pdf": "both"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad per-artifact strategy",
        ),
        (
            json!({"direction": "collection_to_project", "project_path": web, "format": "zip"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "format on a sync",
        ),
        (
            json!({"direction": "upstream_to_collection", "collection": "nope"}),
            StatusCode::NOT_FOUND,
            "unknown collection",
        ),
        (
            json!({"direction": "upstream_to_collection", "collection": "../default"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "collection path",
        ),
        (
            json!({"direction": "upstream_to_collection", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field",
        ),
        (
            json!({"direction": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong type",
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "no direction"),
    ];
    for (body, status, what) in cases {
        let r = fx.post("/api/v1/sync/jobs", &body).await;
        r.assert_error(status, &format!("{what}: {body}"));
    }
    assert!(fx.state.jobs.list(None, 10).unwrap().is_empty());
}

#[tokio::test]
async fn cancelling_a_queued_job_means_it_never_runs() {
    let fx = Fixture::new(0);
    bump(&fx, "pdf", "\nCancelled change.\n");
    let before = fs::read(fx.web.join(".claude/skills/pdf/SKILL.md")).unwrap();
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    let r = fx
        .post(&format!("/api/v1/sync/jobs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "cancelled");
    // A worker finds nothing to run.
    fx.run_queued();
    let job = fx.job(&id).await;
    assert_eq!(job["state"], "cancelled", "{job:#}");
    assert_eq!(job["attempts"], 0, "{job:#}");
    assert!(job["started_at"].is_null(), "{job:#}");
    assert_eq!(
        fs::read(fx.web.join(".claude/skills/pdf/SKILL.md")).unwrap(),
        before
    );
    // Cancelling again, or cancelling a finished job, is a conflict.
    let r = fx
        .post(&format!("/api/v1/sync/jobs/{id}/cancel"), &json!({}))
        .await;
    r.assert_error(StatusCode::CONFLICT, "cancel a cancelled job");
    let done = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:changelog"]))
        .await;
    fx.run_queued();
    assert_eq!(fx.job(&done).await["state"], "success");
    let r = fx
        .post(&format!("/api/v1/sync/jobs/{done}/cancel"), &json!({}))
        .await;
    let e = r.assert_error(StatusCode::CONFLICT, "cancel a finished job");
    assert!(e["message"].as_str().unwrap().contains("success"), "{e}");
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_job() {
    let fx = Fixture::new(0);
    let body = fx.sync_body("collection_to_project", &["skill:pdf"]);
    let a = post_with_key(&fx, &body, "key-1").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    let a = a.json()["job_id"].as_str().unwrap().to_string();
    let b = post_with_key(&fx, &body, "key-1").await;
    assert_eq!(b.status, StatusCode::ACCEPTED, "{}", b.text());
    assert_eq!(b.json()["job_id"], a.as_str());
    // Still the same job once it has run.
    fx.run_queued();
    let c = post_with_key(&fx, &body, "key-1").await.json();
    assert_eq!(c["job_id"], a.as_str());
    assert_eq!(c["state"], "success");
    assert_eq!(fx.state.jobs.list(None, 10).unwrap().len(), 1);

    // The same key with a different request is refused.
    let other = fx.sync_body("collection_to_project", &["skill:changelog"]);
    post_with_key(&fx, &other, "key-1")
        .await
        .assert_error(StatusCode::CONFLICT, "same key, other body");
    let patch = json!({"artifact": "skill:pdf", "project_path": fx.web_str()});
    let r = fx
        .send(
            fx.request(Method::POST, "/api/v1/sync/patch")
                .header("idempotency-key", "key-1")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(patch.to_string()))
                .unwrap(),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "same key for a patch");
    // Another key, or none, makes a new job.
    let d = post_with_key(&fx, &body, "key-2").await.json();
    assert_ne!(d["job_id"], a.as_str());
    let e = fx.start_job(&body).await;
    assert_ne!(e, a);
    assert_eq!(fx.state.jobs.list(None, 10).unwrap().len(), 3);
    for bad in ["", "   ", &"k".repeat(201)] {
        post_with_key(&fx, &body, bad)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "bad key");
    }
    let r = fx
        .send(
            fx.request(Method::POST, "/api/v1/sync/jobs")
                .header("idempotency-key", &b"caf\xc3\xa9"[..])
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "non-ASCII key");
}

/// The events of `job` in `events`.
fn of_job<'a>(events: &'a [SseEvent], job: &str) -> Vec<&'a SseEvent> {
    events.iter().filter(|e| e.data["job_id"] == job).collect()
}

fn kinds(events: &[&SseEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e.event.as_str() {
            "state" => e.data["state"].as_str().unwrap().to_string(),
            k => k.to_string(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_follow_a_job_from_queued_to_its_end() {
    let fx = Fixture::new(1);
    let mut sse = SseReader::open(&fx, "/api/v1/events", None).await;
    bump(&fx, "pdf", "\nOne more.\n");
    bump(&fx, "changelog", "\nOne more.\n");
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:pdf", "skill:changelog"]))
        .await;
    let events = sse.until_final(Duration::from_secs(60)).await;
    let mine = of_job(&events, &id);
    assert_eq!(mine.len(), events.len(), "only this job ran: {events:#?}");
    assert_eq!(
        kinds(&mine),
        ["queued", "running", "progress", "progress", "success"],
        "{events:#?}"
    );
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    assert_eq!(mine[2].data["done"], 1);
    assert_eq!(mine[3].data["done"], 2);
    assert_eq!(mine[3].data["total"], 2);
    assert_eq!(mine[3].data["result"]["outcome"], "updated");
    assert_eq!(mine[4].data["trace_id"].as_str().unwrap().len(), 32);

    // A job that ends in a conflict says so.
    fx.conflict_in_web();
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["command:review"]))
        .await;
    let events = sse.until_final(Duration::from_secs(60)).await;
    let mine = of_job(&events, &id);
    assert_eq!(kinds(&mine), ["queued", "running", "progress", "conflict"]);
    assert_eq!(mine[2].data["result"]["outcome"], "conflict");
    assert_eq!(fx.job(&id).await["state"], "conflict");

    // A malformed resume point is bad input.
    let r = fx.get("/api/v1/events?since=x").await;
    r.assert_error(StatusCode::BAD_REQUEST, "bad since");
    let r = fx
        .send(
            fx.request(Method::GET, "/api/v1/events")
                .header("last-event-id", "seven")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "bad Last-Event-ID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_with_last_event_id_misses_nothing() {
    let fx = Fixture::new(1);
    let start = fx.state.jobs.last_event_id().unwrap();
    for n in ["pdf", "changelog"] {
        bump(&fx, n, "\nv2\n");
    }
    let c = fx.collection_dir();
    for (file, text) in [
        ("commands/review.md", "Also check the docs.\n"),
        ("agents/reviewer.md", "Be kind.\n"),
    ] {
        let mut s = fs::read_to_string(c.join(file)).unwrap();
        s.push_str(text);
        fs::write(c.join(file), s).unwrap();
    }
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &[]))
        .await;
    // Read the first two events of the job, then drop the connection.
    let uri = format!("/api/v1/events?job_id={id}");
    let mut sse = SseReader::open(&fx, &format!("{uri}&since={start}"), None).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(sse.next(Duration::from_secs(30)).await.expect("an event"));
    }
    drop(sse);
    let last = seen.last().unwrap().id;
    // Reconnect as EventSource does, with the last id it saw.
    let mut sse = SseReader::open(&fx, &uri, Some(last)).await;
    let rest = sse.until_final(Duration::from_secs(60)).await;
    seen.extend(rest);
    // Everything, replayed from the start, is exactly what was seen.
    let mut replay = SseReader::open(&fx, &format!("{uri}&since={start}"), None).await;
    let all = replay.until_final(Duration::from_secs(30)).await;
    let ids = |v: &[SseEvent]| v.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&seen), ids(&all), "seen {seen:#?}\nall {all:#?}");
    assert_eq!(seen, all);
    let distinct: BTreeSet<i64> = ids(&seen).into_iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no event twice");
    let progress = all.iter().filter(|e| e.event == "progress").count();
    assert_eq!(progress, 4, "{all:#?}");
    assert_eq!(all.last().unwrap().data["state"], "success");
    // `since` and `Last-Event-ID` agree; the header wins over `since`.
    let mut a = SseReader::open(&fx, &format!("{uri}&since={last}"), None).await;
    let mut b = SseReader::open(&fx, &format!("{uri}&since=0"), Some(last)).await;
    let (a, b) = (
        a.until_final(Duration::from_secs(30)).await,
        b.until_final(Duration::from_secs(30)).await,
    );
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(
        a.first().map(|e| e.id),
        all.iter().map(|e| e.id).find(|i| *i > last)
    );
}

/// Requests are validated against parsed copies of the manifest and the
/// project registry; a change to either file shows in the next request.
#[tokio::test]
async fn validation_follows_the_manifest_and_the_registry_as_they_change() {
    let fx = Fixture::new(0);
    let web = fx.web_str().to_string();
    let body = |artifact: &str, project: &str| json!({"direction": "collection_to_project", "project_path": project, "artifacts": [artifact], "dry_run": true});
    fx.post("/api/v1/sync/jobs", &body("skill:fresh", &web))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not in the manifest yet");
    fx.up
        .write(
            "skills/fresh/SKILL.md",
            "---\nname: fresh\ndescription: A test skill.\n---\nNew.\n",
        )
        .commit("fresh");
    fx.engine()
        .add(&artisync_sync::AddRequest {
            spec: fx.up.local("skills/fresh"),
            ..artisync_sync::AddRequest::default()
        })
        .unwrap();
    let r = fx
        .post("/api/v1/sync/jobs", &body("skill:fresh", &web))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());

    // A project outside the allowed root counts once it is registered, and
    // no longer once it is removed again.
    let other = fx.root.join("elsewhere");
    fs::create_dir_all(&other).unwrap();
    let other_str = other.to_str().unwrap();
    fx.post("/api/v1/sync/jobs", &body("skill:pdf", other_str))
        .await
        .assert_error(StatusCode::FORBIDDEN, "not registered yet");
    let home = artisync_store::Home::at(&fx.home);
    let registry = artisync_store::Registry::new(&home);
    registry
        .add(&artisync_store::Project::open(&home, &other).unwrap())
        .unwrap();
    let r = fx
        .post("/api/v1/sync/jobs", &body("skill:pdf", other_str))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    registry.remove(&other).unwrap();
    fx.post("/api/v1/sync/jobs", &body("skill:pdf", other_str))
        .await
        .assert_error(StatusCode::FORBIDDEN, "removed again");
}
