//! The read endpoints (artifacts, versions, diff, file) and the write
//! endpoints besides sync jobs (resolve, patch, undo, projects), each with
//! its happy path and its errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use artisync_testkit::git;
use axum::http::StatusCode;
use serde_json::{json, Value};
use support::*;

/// Bytes of a binary file (a NUL early on).
fn binary(seed: u8) -> Vec<u8> {
    let mut b = vec![0u8, 1, 2, 3, seed];
    b.extend((0..4000u32).map(|i| (i as u8).wrapping_mul(seed)));
    b
}

/// A text file over 1 MiB (of long lines, so that counting its changed
/// lines stays cheap).
fn large(tag: &str) -> String {
    (0..1100)
        .map(|i| format!("{tag} line {i:06} {}\n", "x".repeat(1000)))
        .collect()
}

const MANY: usize = 23;

/// A fixture whose upstream also has `skill:big`: many text files, a
/// binary and a file over 1 MiB; it is deployed into web, where every file
/// is then changed.
fn big_fixture() -> Fixture {
    let fx = Fixture::with(0, |up| {
        up.write(
            "skills/big/SKILL.md",
            "---\nname: big\ndescription: many files\n---\n# Big\n",
        );
        for i in 0..MANY {
            up.write(
                &format!("skills/big/ref/{i:02}.md"),
                &format!("ref {i}\nsame\n"),
            );
        }
        up.write_bytes("skills/big/logo.bin", &binary(3));
        up.write("skills/big/data/large.txt", &large("old"));
    });
    fx.engine()
        .deploy(&[id("skill:big")], &fx.web, None)
        .unwrap();
    let dir = fx.web.join(".claude/skills/big");
    for i in 0..MANY {
        fs::write(
            dir.join(format!("ref/{i:02}.md")),
            format!("ref {i} changed\nsame\n"),
        )
        .unwrap();
    }
    fs::write(dir.join("logo.bin"), binary(7)).unwrap();
    fs::write(dir.join("data/large.txt"), large("new")).unwrap();
    fs::write(dir.join("added.md"), "new file\n").unwrap();
    fx
}

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

#[tokio::test]
async fn artifacts_list_detail_and_versions() {
    let fx = Fixture::new(0);
    let r = fx.get("/api/v1/artifacts").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let mut ids: Vec<&str> = v["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut all = ALL.to_vec();
    all.sort();
    assert_eq!(ids, all);
    // With a project, each artifact has that project's pair.
    let v = fx
        .get(&format!(
            "/api/v1/artifacts?project_path={}",
            enc(fx.web_str())
        ))
        .await
        .json();
    for a in v["artifacts"].as_array().unwrap() {
        let p = &a["projects"].as_array().unwrap()[0];
        assert_eq!(p["path"], fx.web_str(), "{a}");
        assert_eq!(p["status"], "in_sync", "{a}");
        assert_eq!(p["hash"], a["collection"]["hash"], "{a}");
    }

    let v = fx.get("/api/v1/artifacts/skill:pdf").await.json();
    assert_eq!(v["artifact"]["id"], "skill:pdf");
    assert_eq!(v["artifact"]["files"], 2);
    assert_eq!(v["status"]["id"], "skill:pdf");
    assert_eq!(v["status"]["upstream"]["status"], "in_sync");
    let hash = v["artifact"]["hash"].as_str().unwrap().to_string();
    assert_eq!(hash, fx.up.rev_parse("HEAD:skills/pdf"));

    let v = fx
        .get(&format!(
            "/api/v1/artifacts/skill:pdf/versions?project_path={}",
            enc(fx.web_str())
        ))
        .await
        .json();
    assert_eq!(v["id"], "skill:pdf");
    assert_eq!(v["upstream"]["hash"], hash.as_str());
    assert_eq!(v["upstream"]["commit"], fx.up.head().as_str());
    assert_eq!(v["collection"]["hash"], hash.as_str());
    assert_eq!(v["projects"][0]["path"], fx.web_str());
    assert_eq!(v["projects"][0]["hash"], hash.as_str());

    for (uri, status) in [
        ("/api/v1/artifacts/skill:nope", StatusCode::NOT_FOUND),
        (
            "/api/v1/artifacts/skill:nope/versions",
            StatusCode::NOT_FOUND,
        ),
        ("/api/v1/artifacts/pdf", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/v1/artifacts/skill:..",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/artifacts/widget:pdf/versions",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/artifacts?collection=nope", StatusCode::NOT_FOUND),
        (
            "/api/v1/artifacts?collection=..",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/artifacts?colour=red", StatusCode::BAD_REQUEST),
        (
            "/api/v1/artifacts/skill:pdf?colour=red",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        fx.get(uri).await.assert_error(status, uri);
    }
}

#[tokio::test]
async fn diffs_are_paged_and_binary_and_large_files_carry_working_downloads() {
    let fx = big_fixture();
    let base = format!(
        "/api/v1/artifacts/skill:big/diff?lhs=collection&rhs=project&project_path={}",
        enc(fx.web_str())
    );
    let total = MANY + 3; // the refs, logo.bin, data/large.txt, added.md
    let mut files: Vec<Value> = Vec::new();
    let mut page = 1;
    loop {
        let r = fx.get(&format!("{base}&per_page=10&page={page}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["total_files"], total, "{v}");
        assert_eq!(v["pages"], total.div_ceil(10));
        assert_eq!(v["page"], page);
        assert_eq!(v["per_page"], 10);
        assert_eq!(v["lhs"]["tier"], "collection");
        assert_eq!(v["rhs"]["tier"], "project");
        let got = v["files"].as_array().unwrap();
        if page < total.div_ceil(10) {
            assert_eq!(got.len(), 10);
        } else {
            assert_eq!(got.len(), total - 20);
        }
        files.extend(got.iter().cloned());
        if page == v["pages"].as_u64().unwrap() as usize {
            break;
        }
        page += 1;
    }
    // The pages hold every file exactly once, in the order of one big page.
    let one = fx.get(&format!("{base}&per_page=1000")).await.json();
    assert_eq!(one["files"].as_array().unwrap(), &files);
    let beyond = fx.get(&format!("{base}&per_page=10&page=99")).await.json();
    assert!(beyond["files"].as_array().unwrap().is_empty());
    let by_path: BTreeMap<&str, &Value> = files
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f))
        .collect();
    assert_eq!(by_path.len(), total);

    // A text file: hunks with line numbers and changed words, no downloads.
    let text = by_path["ref/05.md"];
    assert_eq!(text["status"], "modified");
    assert_eq!(
        (text["added"].as_u64(), text["removed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(text.get("downloads").is_none(), "{text}");
    let lines = text["hunks"][0]["lines"].as_array().unwrap();
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "removed" && l["old_line"] == 1));
    assert!(lines.iter().any(|l| l["kind"] == "added"
        && l["new_line"] == 1
        && l["spans"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["changed"] == true))));

    let collection = fx.collection_dir().join("skills/big");
    let project = fx.web.join(".claude/skills/big");
    for (path, is_binary) in [("logo.bin", true), ("data/large.txt", false)] {
        let f = by_path[path];
        assert_eq!(f["binary"], is_binary, "{f}");
        assert_eq!(f["too_large"], !is_binary, "{path}");
        assert!(f["hunks"].as_array().unwrap().is_empty(), "{path}");
        let old = f["downloads"]["old"].as_str().unwrap();
        let new = f["downloads"]["new"].as_str().unwrap();
        for (url, side) in [(old, &collection), (new, &project)] {
            let r = fx.get(url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
            assert_eq!(r.header("content-type"), Some("application/octet-stream"));
            let name = Path::new(path).file_name().unwrap().to_str().unwrap();
            assert_eq!(
                r.header("content-disposition"),
                Some(format!("attachment; filename=\"{name}\"").as_str())
            );
            assert_eq!(
                &r.body[..],
                &fs::read(side.join(path)).unwrap()[..],
                "{url}"
            );
        }
    }
    assert!(fs::metadata(project.join("data/large.txt")).unwrap().len() > 1 << 20);
    // An added file has only a new side.
    let added = by_path["added.md"];
    assert_eq!(added["status"], "added");

    // Upstream against collection needs no project.
    let v = fx
        .get("/api/v1/artifacts/skill:big/diff?lhs=upstream&rhs=collection")
        .await
        .json();
    assert_eq!(v["total_files"], 0, "{v}");
    assert_eq!(v["lhs"]["hash"], v["rhs"]["hash"]);

    let diff = "/api/v1/artifacts/skill:big/diff";
    for (uri, status) in [
        (format!("{diff}?lhs=upstream"), StatusCode::BAD_REQUEST),
        (
            format!("{diff}?lhs=upstream&rhs=elsewhere"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{diff}?lhs=upstream&rhs=project"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("{diff}?lhs=upstream&rhs=collection&page=-1"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{diff}?lhs=upstream&rhs=collection&per_page=x"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{diff}?lhs=upstream&rhs=collection&extra=1"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/artifacts/skill:nope/diff?lhs=upstream&rhs=collection".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/artifacts/nope/diff?lhs=upstream&rhs=collection".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        fx.get(&uri).await.assert_error(status, &uri);
    }
    // Paging parameters outside the documented ranges are refused, not
    // clamped, and a huge page cannot overflow.
    for q in [
        "per_page=0",
        "per_page=1001",
        "page=0",
        "page=1000001",
        "page=18446744073709551615",
    ] {
        let uri = format!("{base}&{q}");
        fx.get(&uri)
            .await
            .assert_error(StatusCode::BAD_REQUEST, &uri);
    }
    let v = fx
        .get(&format!("{base}&per_page=1&page=1000000"))
        .await
        .json();
    assert_eq!(v["per_page"], 1);
    assert_eq!(v["pages"], total);
    assert_eq!(v["files"], serde_json::json!([]));

    let file = "/api/v1/artifacts/skill:big/file";
    for (uri, status) in [
        (
            format!("{file}?tier=collection&path=..%2Fpdf%2FSKILL.md"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{file}?tier=collection&path=%2Fetc%2Fpasswd"),
            StatusCode::BAD_REQUEST,
        ),
        // A skill is a directory: there is no file at its root.
        (
            format!("{file}?tier=collection&path="),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{file}?tier=collection&path=missing.md"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{file}?tier=project&path=SKILL.md"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("{file}?tier=attic&path=SKILL.md"),
            StatusCode::BAD_REQUEST,
        ),
        (format!("{file}?path=SKILL.md"), StatusCode::BAD_REQUEST),
        (
            format!("{file}?tier=upstream&path=added.md"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/artifacts/skill:nope/file?tier=collection&path=SKILL.md".into(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        fx.get(&uri).await.assert_error(status, &uri);
    }
    let r = fx
        .get(&format!("{file}?tier=upstream&path=ref%2F00.md"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "ref 0\nsame\n");
}

/// Makes `command:review` conflict in web (round `n` writes new texts) by
/// running a collection_to_project job; returns the conflict view.
async fn conflict(fx: &Fixture, n: usize) -> Value {
    let c = fx.collection_dir().join("commands/review.md");
    let p = fx.web.join(".claude/commands/review.md");
    fs::write(
        &c,
        format!("---\ndescription: Review\n---\nCollection {n}.\nSame.\n"),
    )
    .unwrap();
    fs::write(
        &p,
        format!("---\ndescription: Review\n---\nProject {n}.\nSame.\n"),
    )
    .unwrap();
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["command:review"]))
        .await;
    fx.run_queued();
    let job = fx.job(&id).await;
    assert_eq!(job["state"], "conflict", "{job:#}");
    assert_eq!(job["results"][0]["outcome"], "conflict");
    let r = fx
        .get(&format!(
            "/api/v1/artifacts/command:review/conflict?project_path={}",
            enc(fx.web_str())
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn conflicts_are_resolved_with_ours_theirs_or_an_edited_text() {
    let fx = Fixture::new(0);
    let p = fx.web.join(".claude/commands/review.md");
    let view = conflict(&fx, 1).await;
    assert_eq!(view["id"], "command:review");
    let files = view["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{view:#}");
    let path = files[0]["path"].as_str().unwrap().to_string();
    let merged = files[0]["merged"].as_str().unwrap().to_string();
    assert!(
        merged.contains("<<<<<<< ours") && merged.contains(">>>>>>> theirs"),
        "{merged}"
    );
    assert!(files[0]["ours"].as_str().unwrap().contains("Project 1."));
    assert!(files[0]["theirs"]
        .as_str()
        .unwrap()
        .contains("Collection 1."));
    // The destination kept its content.
    assert!(fs::read_to_string(&p).unwrap().contains("Project 1."));

    let web = fx.web_str();
    let resolve =
        |files: Value| json!({"artifact": "command:review", "project_path": web, "files": files});
    // Text that still holds markers is refused and the file is listed.
    let r = fx
        .post(
            "/api/v1/sync/resolve",
            &resolve(json!({&path: {"edited": merged}})),
        )
        .await;
    let e = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "markers");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("unresolved") && msg.contains(&path), "{msg}");
    // So is a resolution that leaves the file out.
    let r = fx.post("/api/v1/sync/resolve", &resolve(json!({}))).await;
    let e = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "nothing chosen");
    assert!(e["message"].as_str().unwrap().contains(&path), "{e}");
    for (body, status, what) in [
        (
            resolve(json!({&path: "mine"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown choice",
        ),
        (
            resolve(json!({&path: 3})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong type",
        ),
        (
            resolve(json!({"other.md": "ours"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not conflicted",
        ),
        (
            resolve(json!({"../x.md": "ours"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "path escape",
        ),
        (
            json!({"artifact": "command:review", "project_path": web, "all": "both"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad all",
        ),
        (
            json!({"artifact": "command:nope", "project_path": web, "all": "ours"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no such conflict",
        ),
        (
            json!({"artifact": "skill:pdf", "project_path": web, "all": "ours"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no conflict",
        ),
        (
            json!({"artifact": "review", "all": "ours"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad id",
        ),
        (
            json!({"all": "ours"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no artifact",
        ),
    ] {
        fx.post("/api/v1/sync/resolve", &body)
            .await
            .assert_error(status, what);
    }
    assert!(fs::read_to_string(&p).unwrap().contains("Project 1."));

    // Edited text without markers is written as given.
    let edited = "---\ndescription: Review\n---\nBoth 1.\nSame.\n";
    let r = fx
        .post(
            "/api/v1/sync/resolve",
            &resolve(json!({&path: {"edited": edited}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["files"][0]["resolution"], "edited");
    assert_eq!(fs::read_to_string(&p).unwrap(), edited);
    // The conflict is gone.
    fx.get(&format!(
        "/api/v1/artifacts/command:review/conflict?project_path={}",
        enc(web)
    ))
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "resolved conflict");

    conflict(&fx, 2).await;
    let r = fx
        .post("/api/v1/sync/resolve", &resolve(json!({&path: "theirs"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(fs::read_to_string(&p).unwrap().contains("Collection 2."));

    conflict(&fx, 3).await;
    let r = fx
        .post(
            "/api/v1/sync/resolve",
            &json!({"artifact": "command:review", "project_path": web, "all": "ours"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(fs::read_to_string(&p).unwrap().contains("Project 3."));
    // After a resolution, the pair is in sync with the base recorded.
    let v = fx
        .get(&format!(
            "/api/v1/artifacts/command:review?project_path={}",
            enc(web)
        ))
        .await
        .json();
    assert_eq!(v["status"]["projects"][0]["status"], "ahead", "{v:#}");
}

#[tokio::test]
async fn a_patch_export_is_a_valid_zip_that_applies_upstream() {
    let fx = Fixture::new(0);
    let skill = fx.web.join(".claude/skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&skill).unwrap();
    text.push_str("4. Note pages that failed.\n");
    fs::write(&skill, &text).unwrap();
    let body = json!({"artifact": "skill:pdf", "project_path": fx.web_str()});
    let r = fx.post("/api/v1/sync/patch", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["job_id"].as_str().unwrap().to_string();
    // Not ready before it has run.
    fx.get(&format!("/api/v1/patches/{id}"))
        .await
        .assert_error(StatusCode::CONFLICT, "queued patch");
    fx.run_queued();
    let job = fx.job(&id).await;
    assert_eq!(job["state"], "success", "{job:#}");
    assert_eq!(job["kind"], "patch");
    let url = job["report"]["download_url"].as_str().unwrap();
    assert_eq!(url, format!("/api/v1/patches/{id}"));
    let r = fx.get(url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/zip"));
    assert!(r.header("content-disposition").unwrap().contains(".zip\""));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.body.to_vec())).unwrap();
    let mut names = Vec::new();
    let mut patch = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        names.push(f.name().to_string());
        if f.name().ends_with(".patch") {
            f.read_to_string(&mut patch).unwrap();
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "skill-pdf/README.md",
            "skill-pdf/skill-pdf.mbox",
            "skill-pdf/skill-pdf.patch"
        ]
    );
    assert!(patch.contains("+4. Note pages that failed."), "{patch}");
    let file = fx.root.join("change.patch");
    fs::write(&file, &patch).unwrap();
    git(fx.up.path(), &["apply", "--check", file.to_str().unwrap()]);

    // The other formats, and the errors.
    for (format, ct) in [("tar.gz", "application/gzip"), ("mbox", "application/mbox")] {
        let mut b = body.clone();
        b["format"] = json!(format);
        let id = fx.post("/api/v1/sync/patch", &b).await.json()["job_id"]
            .as_str()
            .unwrap()
            .to_string();
        fx.run_queued();
        let r = fx.get(&format!("/api/v1/patches/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        assert_eq!(r.header("content-type"), Some(ct));
        assert!(!r.body.is_empty());
    }
    let web = fx.web_str();
    for (b, status, what) in [
        (
            json!({"artifact": "skill:pdf", "project_path": web, "format": "rar"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
        ),
        (
            json!({"artifact": "skill:nope", "project_path": web}),
            StatusCode::NOT_FOUND,
            "unknown artifact",
        ),
        (
            json!({"artifact": "skill:pdf"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no project",
        ),
        (
            json!({"artifact": "pdf", "project_path": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad id",
        ),
        (
            json!({"artifact": "skill:pdf", "project_path": "web"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "relative",
        ),
    ] {
        fx.post("/api/v1/sync/patch", &b)
            .await
            .assert_error(status, what);
    }
    // A patch of an unchanged artifact succeeds with nothing to export:
    // no error, and no bundle.
    let r = fx
        .post(
            "/api/v1/sync/patch",
            &json!({"artifact": "skill:changelog", "project_path": web}),
        )
        .await;
    let id = r.json()["job_id"].as_str().unwrap().to_string();
    fx.run_queued();
    let job = fx.job(&id).await;
    assert_eq!(job["state"], "success", "{job:#}");
    assert_eq!(job["error"], serde_json::Value::Null, "{job:#}");
    assert_eq!(job["report"]["nothing_to_export"], true, "{job:#}");
    assert!(
        job["report"]["message"]
            .as_str()
            .unwrap()
            .contains("no changes"),
        "{job:#}"
    );
    fx.get(&format!("/api/v1/patches/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "nothing to export");
    // A sync job has no bundle.
    let sync = fx
        .start_job(&fx.sync_body("collection_to_project", &["skill:changelog"]))
        .await;
    fx.run_queued();
    fx.get(&format!("/api/v1/patches/{sync}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "sync job");
}

#[tokio::test]
async fn undo_restores_the_content_before_the_last_write() {
    let fx = Fixture::new(0);
    let skill = fx.web.join(".claude/skills/pdf/SKILL.md");
    let before = fs::read(&skill).unwrap();
    let c = fx.collection_dir().join("skills/pdf/SKILL.md");
    let mut text = fs::read_to_string(&c).unwrap();
    text.push_str("New step.\n");
    fs::write(&c, &text).unwrap();
    fx.start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    fx.run_queued();
    assert_eq!(fs::read_to_string(&skill).unwrap(), text);

    let web = fx.web_str();
    let r = fx
        .post(
            "/api/v1/undo",
            &json!({"artifact": "skill:pdf", "project_path": web}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], "skill:pdf");
    assert_eq!(v["undone"], "sync collection_to_project");
    assert_eq!(fs::read(&skill).unwrap(), before);
    // The lockfile's base went back too: the pair is behind again.
    let v = fx
        .get(&format!(
            "/api/v1/artifacts/skill:pdf?project_path={}",
            enc(web)
        ))
        .await
        .json();
    assert_eq!(v["status"]["projects"][0]["status"], "behind", "{v:#}");

    let empty = fx.projects.join("empty");
    fs::create_dir_all(&empty).unwrap();
    for (b, status, what) in [
        (
            json!({"artifact": "skill:pdf", "project_path": empty}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to undo",
        ),
        (
            json!({"project_path": empty}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing at all to undo",
        ),
        (
            json!({"artifact": "skill:nope", "project_path": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown artifact",
        ),
        (
            json!({"artifact": "nope", "project_path": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad id",
        ),
        (
            json!({"artifact": "skill:pdf", "collection": "nope"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown collection",
        ),
        (
            json!({"artifact": "skill:pdf", "project": web}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field",
        ),
    ] {
        fx.post("/api/v1/undo", &b).await.assert_error(status, what);
    }
    assert_eq!(fs::read(&skill).unwrap(), before);
}

#[tokio::test]
async fn undo_shows_what_it_would_restore_and_reverts_only_the_write_reviewed() {
    let fx = Fixture::new(0);
    let web = fx.web_str().to_string();
    let skill = fx.web.join(".claude/skills/pdf/SKILL.md");
    let before = fs::read_to_string(&skill).unwrap();
    let c = fx.collection_dir().join("skills/pdf/SKILL.md");
    let text = format!("{before}New step.\n");
    fs::write(&c, &text).unwrap();
    fx.start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    fx.run_queued();
    assert_eq!(fs::read_to_string(&skill).unwrap(), text);

    // The preview names the place and the write, and diffs what is there
    // now against what undo would put back; it writes nothing.
    let uri = format!("/api/v1/undo?artifact=skill:pdf&project_path={}", enc(&web));
    let r = fx.get(&uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = r.json();
    assert_eq!(p["id"], "skill:pdf");
    assert_eq!(p["destination"]["tier"], "project");
    assert_eq!(p["destination"]["path"], web.as_str());
    assert_eq!(p["action"], "sync collection_to_project");
    assert_eq!(p["blocked"], serde_json::Value::Null);
    assert_eq!(p["diff"]["stats"]["removed"], 1, "{p:#}");
    assert_eq!(p["diff"]["files"][0]["path"], "SKILL.md");
    let removed: Vec<&str> = p["diff"]["files"][0]["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "removed")
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert_eq!(removed, ["New step."]);
    assert_eq!(fs::read_to_string(&skill).unwrap(), text);
    let seq = p["seq"].as_u64().unwrap();

    // Another write since the review: undo of the reviewed one refuses.
    let newer = format!("{text}Another step.\n");
    fs::write(&c, &newer).unwrap();
    fx.start_job(&fx.sync_body("collection_to_project", &["skill:pdf"]))
        .await;
    fx.run_queued();
    assert_eq!(fs::read_to_string(&skill).unwrap(), newer);
    fx.post(
        "/api/v1/undo",
        &json!({"artifact": "skill:pdf", "project_path": web, "seq": seq}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "a stale review");
    assert_eq!(fs::read_to_string(&skill).unwrap(), newer);

    // Reviewed again, it reverts exactly that write.
    let p = fx.get(&uri).await.json();
    assert_ne!(p["seq"].as_u64().unwrap(), seq);
    let r = fx
        .post(
            "/api/v1/undo",
            &json!({"artifact": "skill:pdf", "project_path": web, "seq": p["seq"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(fs::read_to_string(&skill).unwrap(), text);

    // A copy changed by hand since: the preview says undo would refuse.
    fs::write(&skill, "edited by hand\n").unwrap();
    let p = fx.get(&uri).await.json();
    assert!(
        p["blocked"]
            .as_str()
            .unwrap_or("")
            .contains("changed since"),
        "{p:#}"
    );
    // Nothing written in a place: the same error as undo's.
    let empty = fx.projects.join("empty");
    fs::create_dir_all(&empty).unwrap();
    fx.get(&format!(
        "/api/v1/undo?artifact=skill:pdf&project_path={}",
        enc(empty.to_str().unwrap())
    ))
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "nothing to undo");
    fx.get("/api/v1/undo?artifact=nope")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "bad id");
    fx.get("/api/v1/undo?bogus=1")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown parameter");
}

#[tokio::test]
async fn projects_are_listed_and_registered() {
    let fx = Fixture::new(0);
    let v = fx.get("/api/v1/projects").await.json();
    let list = v["projects"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["path"], fx.web_str());
    assert_eq!(list[0]["artifacts"], 4);

    let api = fx.projects.join("api");
    fs::create_dir_all(&api).unwrap();
    let body = json!({"path": api.to_str().unwrap()});
    let r = fx.post("/api/v1/projects", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"path": api.to_str().unwrap(), "added": true, "targets": ["claude"]})
    );
    let r = fx.post("/api/v1/projects", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["added"], false);
    let v = fx.get("/api/v1/projects").await.json();
    assert_eq!(v["projects"].as_array().unwrap().len(), 2);
    fx.post("/api/v1/projects", &json!({"paths": "/x"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "unknown field");
    // A directory outside the allowed roots cannot be registered through
    // the API, so a client cannot widen where the server may write.
    let outside = tempfile::tempdir().unwrap();
    let r = fx
        .post(
            "/api/v1/projects",
            &json!({"path": outside.path().to_str().unwrap()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(
        fx.get("/api/v1/projects").await.json()["projects"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_marker_like_line_that_is_the_files_own_content_is_not_refused() {
    let fx = Fixture::new(1);
    // Both sides change the same line of a file whose heading is underlined
    // with "=======" (a Markdown setext heading).
    let collection = fx.collection_dir().join("commands/review.md");
    let project = fx.web.join(".claude/commands/review.md");
    fs::write(&collection, "Title\n=======\nCollection line.\n").unwrap();
    fs::write(&project, "Title\n=======\nProject line.\n").unwrap();
    let id = fx
        .start_job(&fx.sync_body("collection_to_project", &["command:review"]))
        .await;
    let job = fx.wait_job(&id).await;
    assert_eq!(job["state"], "conflict", "{job:#}");
    let resolve = |text: &str| {
        json!({"artifact": "command:review", "project_path": fx.web_str(),
            "files": {"review.md": {"edited": text}}})
    };
    // A marker the merge added, left in, is still refused.
    let r = fx
        .post(
            "/api/v1/sync/resolve",
            &resolve("Title\n=======\n<<<<<<< ours\nBoth lines.\n"),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "leftover marker");
    // The heading's own underline is content.
    let text = "Title\n=======\nBoth lines.\n";
    let r = fx.post("/api/v1/sync/resolve", &resolve(text)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(fs::read_to_string(&project).unwrap(), text);
}

#[tokio::test]
async fn diff_can_ignore_whitespace_only_changes() {
    let fx = Fixture::new(0);
    // In the project, SKILL.md gets re-indented lines, trailing spaces and
    // CRLF endings, and one real change.
    let path = fx.web.join(".claude/skills/pdf/SKILL.md");
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len() - 1;
    let edited: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match i {
            1 => format!("  {l}  \r\n"),
            2 => format!("{}\n", l.replace(' ', "\t")),
            _ if i == last => "A real change.\n".to_string(),
            _ => format!("{l}\n"),
        })
        .collect();
    fs::write(&path, edited).unwrap();
    let base = format!(
        "/api/v1/artifacts/skill:pdf/diff?lhs=collection&rhs=project&project_path={}",
        enc(fx.web_str())
    );
    let changed = |v: &Value| -> Vec<(String, String)> {
        v["files"][0]["hunks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["lines"].as_array().unwrap().iter())
            .filter(|l| l["kind"] != "context")
            .map(|l| {
                (
                    l["kind"].as_str().unwrap().to_string(),
                    l["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    let shown = fx.get(&base).await.json();
    let shown_default = changed(&shown);
    assert_eq!(shown["files"][0]["added"], 3, "{shown:#}");
    let explicit = fx.get(&format!("{base}&whitespace=show")).await.json();
    assert_eq!(explicit, shown);

    let r = fx.get(&format!("{base}&whitespace=ignore")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let ignored = r.json();
    assert_eq!(ignored["stats"]["added"], 1, "{ignored:#}");
    assert_eq!(ignored["stats"]["removed"], 1);
    assert_eq!(
        changed(&ignored),
        vec![
            ("removed".to_string(), lines[last].to_string()),
            ("added".to_string(), "A real change.".to_string())
        ]
    );
    assert!(shown_default.len() > 2);
    // The re-indented line is unchanged and shows the project's text.
    let ctx: Vec<&Value> = ignored["files"][0]["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["lines"].as_array().unwrap().iter())
        .collect();
    assert!(
        ctx.iter().all(|l| l["new_line"] != 2),
        "line 2 is far from the change"
    );

    for bad in [
        "whitespace=",
        "whitespace=IGNORE",
        "whitespace=all",
        "whitespace=ignore&whitespace=show",
    ] {
        let uri = format!("{base}&{bad}");
        let e = fx
            .get(&uri)
            .await
            .assert_error(StatusCode::BAD_REQUEST, &uri);
        if bad != "whitespace=ignore&whitespace=show" {
            let m = e["message"].as_str().unwrap();
            assert!(m.contains("'show' or 'ignore'"), "{uri}: {m}");
        }
    }
}

#[tokio::test]
async fn an_artifact_imported_from_a_plugin_marketplace_shows_it_and_drifts_as_any_upstream() {
    let fx = Fixture::new(0);
    let market = artisync_testkit::UpstreamRepo::named("market");
    market
        .write(
            "plugins/fmt/skills/fmt/SKILL.md",
            "---\nname: fmt\ndescription: Formats code\n---\nv1\n",
        )
        .write(
            ".claude-plugin/marketplace.json",
            r#"{"name": "acme", "plugins": [{"name": "formatter", "source": "./plugins/fmt"}]}"#,
        );
    market.commit("v1");
    let spec = format!("marketplace:{}", market.path().display());
    let outcome = fx
        .engine()
        .add_marketplace(&artisync_sync::AddRequest {
            spec: spec.clone(),
            plugins: vec!["formatter".into()],
            ..Default::default()
        })
        .unwrap();
    assert!(matches!(
        outcome,
        artisync_sync::MarketplaceOutcome::Imported(_)
    ));

    let v = fx.get("/api/v1/artifacts/skill:fmt").await.json();
    assert_eq!(v["artifact"]["marketplace"], spec.as_str(), "{v:#}");
    assert_eq!(v["artifact"]["plugin"], "formatter");
    assert_eq!(
        v["artifact"]["source"],
        format!("{}#main:plugins/fmt/skills/fmt", market.url())
    );
    assert_eq!(v["status"]["upstream"]["status"], "in_sync");
    // An artifact added otherwise has neither field.
    let v = fx.get("/api/v1/artifacts/skill:pdf").await.json();
    assert!(v["artifact"].get("marketplace").is_none(), "{v:#}");
    assert!(v["artifact"].get("plugin").is_none(), "{v:#}");

    // The marketplace repository moves on: after a fetch the artifact is
    // behind, and the diff shows the upstream's new line.
    market.write(
        "plugins/fmt/skills/fmt/SKILL.md",
        "---\nname: fmt\ndescription: Formats code\n---\nv2\n",
    );
    market.commit("v2");
    fx.engine().fetch(&[]).unwrap();
    let v = fx.get("/api/v1/artifacts/skill:fmt").await.json();
    assert_eq!(v["status"]["upstream"]["status"], "behind", "{v:#}");
    assert_eq!(v["status"]["upstream"]["commit"], market.head().as_str());
    let d = fx
        .get("/api/v1/artifacts/skill:fmt/diff?lhs=collection&rhs=upstream")
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    assert!(d.text().contains("v2"), "{}", d.text());
}
