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
