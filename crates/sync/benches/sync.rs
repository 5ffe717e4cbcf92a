//! Sync benchmarks: a three-way merge of a 10 MB text file, and
//! planning (dry run) and applying a sync of 100 updated artifacts into one
//! project.
//!
//! Run with `cargo bench -p artisync-sync --bench sync`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use artisync_model::Direction;
use artisync_store::Home;
use artisync_sync::{Engine, SyncRequest};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn bench_merge(c: &mut Criterion) {
    let lines: Vec<String> = (0..130_000)
        .map(|i| {
            format!(
                "line {i:06}: the quick brown fox jumps over the lazy dog, again and again {}\n",
                i % 97
            )
        })
        .collect();
    let base: String = lines.concat();
    let mut ours_lines = lines.clone();
    let mut theirs_lines = lines.clone();
    for i in (0..lines.len()).step_by(1000) {
        ours_lines[i] = format!("ours edit {i}\n");
        theirs_lines[i + 500] = format!("theirs edit {i}\n");
    }
    let (ours, theirs) = (ours_lines.concat(), theirs_lines.concat());
    let mut g = c.benchmark_group("merge");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(base.len() as u64));
    g.bench_function("text_10mb_260_edits", |b| {
        b.iter(|| artisync_merge::merge_text(&base, &ours, &theirs).unwrap())
    });
    g.finish();
}

/// A fleet with one project whose 100 artifacts are all updated in the
/// collection (and 1 edited locally, so one merges).
fn prepared(dir: &Path) {
    let (engine, _) = common::fleet(dir, 1);
    let collection = engine.collection().unwrap();
    for i in 0..common::ARTIFACTS {
        let f = collection
            .root
            .join(format!("skills/skill-{i:03}/reference.md"));
        let text = fs::read_to_string(&f).unwrap();
        fs::write(&f, format!("{text}An update from the collection.\n")).unwrap();
    }
    collection.commit("update all").unwrap();
}

fn request(project: &Path, dry_run: bool) -> SyncRequest {
    let mut req = SyncRequest::new(Direction::CollectionToProject);
    req.project = Some(project.to_path_buf());
    req.dry_run = dry_run;
    req
}

fn bench_sync(c: &mut Criterion) {
    let template = tempfile::tempdir().unwrap();
    prepared(template.path());
    let mut g = c.benchmark_group("sync_100_into_one_project");
    g.sample_size(10);
    let home = template.path().join("home");
    let project = template.path().join("projects/p00");
    g.bench_function("plan_dry_run", |b| {
        b.iter(|| {
            let e = Engine::new(Home::at(&home), "default");
            let r = e.sync(&request(&project, true)).unwrap();
            assert_eq!(r.artifacts.len(), common::ARTIFACTS);
            r
        })
    });
    // Each run gets a fresh copy of the prepared state. The copies are
    // removed only after the whole group: deleting thousands of files just
    // before a measured run makes a journal-less ext4 (as on this CI
    // machine) scan its recently freed inodes on every file the run
    // creates, which would time the harness's cleanup rather than the sync.
    let mut used = Vec::new();
    g.bench_function("apply", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let st = Command::new("cp")
                    .arg("-a")
                    .arg(format!("{}/.", template.path().display()))
                    .arg(dir.path())
                    .status()
                    .unwrap();
                assert!(st.success());
                // Flush the copy now, so the measured run's fsyncs do not
                // pay for it.
                assert!(Command::new("sync").status().unwrap().success());
                dir
            },
            |dir| {
                let e = Engine::new(Home::at(dir.path().join("home")), "default");
                let r = e
                    .sync(&request(&dir.path().join("projects/p00"), false))
                    .unwrap();
                assert!(!r.has_errors());
                assert_eq!(r.artifacts.len(), common::ARTIFACTS);
                used.push(dir);
                r
            },
            BatchSize::PerIteration,
        )
    });
    drop(used);
    g.finish();
}

criterion_group!(benches, bench_merge, bench_sync);
criterion_main!(benches);
