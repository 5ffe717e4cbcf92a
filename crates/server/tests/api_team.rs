//! A collection shared through a git remote, seen through the API: the
//! artifact list says where the collection stands against its remote, and
//! the answer follows a push and a new local commit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;

use artisync_testkit::git;
use axum::http::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn the_artifact_list_says_where_the_collection_stands_against_its_remote() {
    let fx = Fixture::new(1);
    let r = fx.get("/api/v1/artifacts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().get("remote").is_none(), "no remote, no field");

    let remote = fx.root.join("team.git");
    fs::create_dir_all(&remote).unwrap();
    git(&remote, &["init", "-q", "--bare", "-b", "main"]);
    let engine = fx.engine();
    engine.set_remote(remote.to_str().unwrap()).unwrap();
    let v = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(v["remote"]["fetched"], false, "{v}");
    assert_eq!(v["remote"]["url"], remote.to_str().unwrap());

    engine.push().unwrap();
    let v = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(
        (
            v["remote"]["ahead"].clone(),
            v["remote"]["behind"].clone(),
            v["remote"]["fetched"].clone()
        ),
        (json!(0), json!(0), json!(true)),
        "{v}"
    );

    // A change in the collection: one commit ahead.
    let review = fx.collection_dir().join("commands/review.md");
    let text = fs::read_to_string(&review).unwrap();
    fs::write(&review, format!("{text}\nOne more rule.\n")).unwrap();
    engine.collection().unwrap().commit("edit review").unwrap();
    let v = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(v["remote"]["ahead"], 1, "{v}");
}

#[tokio::test]
async fn pull_and_push_run_as_jobs() {
    let fx = Fixture::new(1);
    let r = fx.post("/api/v1/collection/pull", &json!({})).await;
    let e = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "no remote");
    assert!(
        e["message"].as_str().unwrap().contains("has no remote"),
        "{e}"
    );

    let remote = fx.root.join("team.git");
    fs::create_dir_all(&remote).unwrap();
    git(&remote, &["init", "-q", "--bare", "-b", "main"]);
    fx.engine().set_remote(remote.to_str().unwrap()).unwrap();
    let start = |uri: &'static str| {
        let fx = &fx;
        async move {
            let r = fx.post(uri, &json!({"collection": "default"})).await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
            let id = r.json()["job_id"].as_str().unwrap().to_string();
            fx.wait_job(&id).await
        }
    };
    let job = start("/api/v1/collection/push").await;
    assert_eq!(job["state"], "success", "{job}");
    assert_eq!(job["kind"], "push");

    // Another home joins, changes a command and pushes.
    let other = tempfile::tempdir().unwrap();
    let theirs = artisync_sync::Engine::new(artisync_store::Home::at(other.path()), "default");
    theirs.init(Some(remote.to_str().unwrap())).unwrap();
    theirs.pull(false).unwrap();
    let c = theirs.collection().unwrap();
    let review = c.root.join("commands/review.md");
    let text = fs::read_to_string(&review).unwrap();
    fs::write(&review, format!("{text}\nFrom the other home.\n")).unwrap();
    c.commit("edit review").unwrap();
    theirs.push().unwrap();

    let job = start("/api/v1/collection/pull").await;
    assert_eq!(job["state"], "success", "{job}");
    assert_eq!(job["results"][0]["id"], "command:review", "{job}");
    assert_eq!(job["results"][0]["outcome"], "updated", "{job}");
    let mine = fs::read_to_string(fx.collection_dir().join("commands/review.md")).unwrap();
    assert!(mine.contains("From the other home."));
    let v = fx.get("/api/v1/artifacts").await.json();
    assert_eq!(
        (v["remote"]["ahead"].clone(), v["remote"]["behind"].clone()),
        (json!(0), json!(0)),
        "{v}"
    );
}
