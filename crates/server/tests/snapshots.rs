//! The server keeps status and versions answers between requests; a kept
//! answer never goes stale. After every kind of change their drift depends
//! on — a project file rewritten with its size and modification time kept,
//! an exec bit, a collection edit, a fetch that moves the upstream, a
//! diverged copy, a project registered — the very next answer equals
//! what a fresh computation says, with no wait in between.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;
use support::*;

/// Status as the server answers it and as a fresh engine computes it.
async fn both(fx: &Fixture, project: Option<&Path>) -> (Value, Value) {
    let uri = match project {
        Some(p) => format!("/api/v1/artifacts?project_path={}", p.display()),
        None => "/api/v1/artifacts".to_string(),
    };
    let served = fx.get(&uri).await.json();
    let fresh = serde_json::to_value(fx.engine().status(project).unwrap()).unwrap();
    (served, fresh)
}

async fn assert_fresh(fx: &Fixture, what: &str) -> Value {
    for project in [Some(fx.web.as_path()), None] {
        let (served, fresh) = both(fx, project).await;
        assert_eq!(served, fresh, "after {what} ({project:?})");
    }
    fx.get(&format!("/api/v1/artifacts?project_path={}", fx.web_str()))
        .await
        .json()
}

fn pdf_in_web(v: &Value) -> Value {
    v["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "skill:pdf")
        .unwrap()["projects"][0]
        .clone()
}

fn upstream_of(v: &Value, id: &str) -> Value {
    v["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()["upstream"]
        .clone()
}

#[tokio::test]
async fn a_kept_answer_follows_every_change() {
    let fx = Fixture::new(0);
    let start = assert_fresh(&fx, "nothing").await;
    // Asked again with nothing changed: the same answer.
    assert_eq!(assert_fresh(&fx, "nothing, again").await, start);

    // A rewrite that keeps the size and the modification time.
    let file = fx.web.join(".claude/skills/pdf/SKILL.md");
    let mut bytes = fs::read(&file).unwrap();
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    bytes[0] ^= 0x20;
    fs::write(&file, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let edited = assert_fresh(&fx, "a same-size edit").await;
    assert_ne!(pdf_in_web(&edited), pdf_in_web(&start));

    // An exec bit.
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).unwrap();
    let chmodded = assert_fresh(&fx, "a chmod").await;
    assert_ne!(pdf_in_web(&chmodded)["hash"], pdf_in_web(&edited)["hash"]);

    // A file added deep in a new folder of the copy.
    let deep = fx.web.join(".claude/skills/pdf/ref/new");
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("x.md"), "new\n").unwrap();
    let added = assert_fresh(&fx, "a new folder").await;
    assert_ne!(pdf_in_web(&added)["hash"], pdf_in_web(&chmodded)["hash"]);

    // The collection edited.
    let coll = fx.collection_dir().join("skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&coll).unwrap();
    text.push_str("Collection edit.\n");
    fs::write(&coll, text).unwrap();
    assert_fresh(&fx, "a collection edit").await;

    // The upstream moves on and is fetched.
    let before = upstream_of(&start, "skill:changelog");
    fx.up.write("skills/changelog/SKILL.md", "# Changelog v9\n");
    fx.up.commit("v9");
    fx.engine().fetch(&[]).unwrap();
    let fetched = assert_fresh(&fx, "a fetch").await;
    assert_ne!(upstream_of(&fetched, "skill:changelog"), before);

    // Both the collection (committed) and the project edited.
    let _ = fx.conflict_in_web();
    assert_fresh(&fx, "a diverged copy").await;

    // Another project registered (the list of all projects grows).
    let other = fx.projects.join("other");
    fs::create_dir_all(&other).unwrap();
    fx.engine()
        .deploy(&[id("skill:pdf")], &other, None)
        .unwrap();
    let (served, fresh) = both(&fx, None).await;
    assert_eq!(served, fresh, "after a new project");
    assert!(served.to_string().contains(other.to_str().unwrap()));
}

#[tokio::test]
async fn kept_versions_follow_a_change() {
    let fx = Fixture::new(0);
    let uri = format!(
        "/api/v1/artifacts/skill:pdf/versions?project_path={}",
        fx.web_str()
    );
    let fresh = || {
        serde_json::to_value(
            fx.engine()
                .versions(&id("skill:pdf"), Some(&fx.web))
                .unwrap(),
        )
        .unwrap()
    };
    let first = fx.get(&uri).await.json();
    assert_eq!(first, fresh());
    assert_eq!(fx.get(&uri).await.json(), first);
    let file = fx.web.join(".claude/skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str("Local.\n");
    fs::write(&file, text).unwrap();
    let after = fx.get(&uri).await.json();
    assert_eq!(after, fresh());
    assert_ne!(after, first);
}

/// The JSON of a gzip-encoded answer, checking its headers.
fn gunzipped(r: &Resp) -> Value {
    use std::io::Read;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("accept-encoding"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut out)
        .unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[tokio::test]
async fn a_kept_answer_is_sent_gzipped_and_its_copy_follows_changes() {
    let fx = Fixture::new(0);
    let uri = format!("/api/v1/artifacts?project_path={}", fx.web_str());
    let gz = || async {
        let req = fx
            .request(axum::http::Method::GET, &uri)
            .header("accept-encoding", "gzip, br")
            .body(axum::body::Body::empty())
            .unwrap();
        fx.send(req).await
    };
    let plain = fx.get(&uri).await;
    assert_eq!(plain.header("content-encoding"), None);
    let first = gz().await;
    assert_eq!(gunzipped(&first), plain.json());
    // Kept: the same compressed bytes again.
    assert_eq!(gz().await.body, first.body);
    // Changed: the compressed answer is the new one.
    let file = fx.web.join(".claude/skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str("Local.\n");
    fs::write(&file, text).unwrap();
    let fresh = serde_json::to_value(fx.engine().status(Some(&fx.web)).unwrap()).unwrap();
    let after = gunzipped(&gz().await);
    assert_eq!(after, fresh);
    assert_ne!(after, plain.json());
}
